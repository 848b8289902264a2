/**
 * Identity keys the transaction layer uses to name objects: two records with the same key are the
 * same kernel object (one replaces the other), two with different keys can coexist.
 *
 * The kernel's rules, as coded here (they differ per family, see STYLE.md practice 6):
 * - interface: ifindex, unique per namespace.
 * - address: IPv4 is (ifindex, local, prefixlen, peer): the same local address can sit on one
 *   link twice with different prefix lengths. IPv6 is (ifindex, local): a second add of the same
 *   address with another prefix length is refused with EEXIST.
 * - route: (family, table, dst, src, tos, metric) picks the fib alias; IPv4 keeps several aliases with
 *   different nexthops under one prefix (NLM_F_APPEND), and IPv6 keeps per-device routes such as
 *   fe80::/64 on every link, so the nexthop set (gateway@oif, or the sorted multipath legs) is part
 *   of the key too. Leaving the device out is exactly how IPDB merged half of a host's routes.
 *   A missing metric is 0 for IPv4 and 1024 for IPv6 (the kernel's IP6_RT_PRIO_USER).
 * - rule: the kernel's rule_exists() compares every selector and the action, so all of them are
 *   the key (protocol aside).
 * - neighbour: (family, ifindex, dst).
 *
 * The database (src/db) keys its tables with its own functions; a TxBase can hand those in
 * (TxBase.keys) so look-ups agree. These defaults are used when it does not.
 */
import type {
  AddressRecord, InterfaceRecord, NeighbourRecord, NextHop, RecordByKind, RecordKind, RouteRecord, RuleRecord,
} from '../iproute/records.js';

export type KeyFns = { readonly [K in RecordKind]: (record: RecordByKind[K]) => string };

/** IPv6's default metric: a route added without one gets 1024 (IP6_RT_PRIO_USER). */
export const IP6_RT_PRIO_USER = 1024;

export function routeMetric(r: Pick<RouteRecord, 'family' | 'priority'>): number {
  return r.priority ?? (r.family === 6 ? IP6_RT_PRIO_USER : 0);
}

function hop(h: Pick<NextHop, 'gateway' | 'oif'>): string {
  return `${h.gateway ?? ''}@${h.oif ?? ''}`;
}

export function nexthopSignature(r: Pick<RouteRecord, 'gateway' | 'oif' | 'multipath'>): string {
  if (r.multipath && r.multipath.length > 0) return r.multipath.map(hop).sort().join(',');
  return hop(r);
}

export const defaultKeys: KeyFns = {
  interface: (r: InterfaceRecord) => String(r.index),
  address: (r: AddressRecord) =>
    r.family === 4 ? `4|${r.index}|${r.address}/${r.prefixlen}|${r.peer ?? ''}` : `6|${r.index}|${r.address}`,
  route: (r: RouteRecord) =>
    `${r.family}|${r.table}|${r.dst}|${r.src ?? ''}|${r.tos}|${routeMetric(r)}|${nexthopSignature(r)}`,
  rule: (r: RuleRecord) =>
    `${r.family}|${r.priority}|${r.table}|${r.action}${r.goto !== null && r.goto !== undefined ? `>${r.goto}` : ''}|${r.src ?? ''}|${r.dst ?? ''}|${r.iifname ?? ''}|` +
    `${r.oifname ?? ''}|${r.fwmark ?? ''}/${r.fwmask ?? ''}|${r.tos}`,
  neighbour: (r: NeighbourRecord) => `${r.family}|${r.index}|${r.dst}`,
};

export function keyOf<K extends RecordKind>(keys: KeyFns, kind: K, record: RecordByKind[K]): string {
  return (keys[kind] as (r: RecordByKind[K]) => string)(record);
}
