/**
 * Kernel side effects the kernel does not announce, modelled as named rules.
 *
 * Some changes reach no netlink listener: IPv4 never sends RTM_DELROUTE for routes it flushes when
 * a device goes down or away (fib_table_flush), IPv6 does by default but not with
 * net.ipv6.route.skip_notify_on_dev_down=1, and an IPv6 route that loses its preferred source is
 * changed silently (rt6_remove_prefsrc). Each rule below says which kernel path it follows
 * (Linux 6.x: fib_frontend.c, fib_semantics.c, fib_trie.c, ipv6/route.c). Where the kernel does
 * notify, the rule is redundant but harmless: the notification then finds nothing to delete.
 *
 * These rules are approximations (we do not see RTNH_F_DEAD, nexthop scopes, VRFs, or the
 * kernel's list order). They must be checked against the kernel with the integration tests; the
 * database can always correct itself with a targeted re-dump (reconcile.ts).
 */
import type { AddressRecord, InterfaceRecord, RecordKind, RouteRecord } from '../iproute/records.js';
import { interfaceKey, nexthopsOf } from './keys.js';
import { withNexthops } from './route-merge.js';
import type { Origin } from './types.js';
import type { Working } from './working.js';

/** Route types whose lookups return an error: fib_table_flush keeps them (fib_props[].error). */
const ERROR_TYPES = new Set(['blackhole', 'unreachable', 'prohibit', 'throw', 'nat']);

const RT_TABLE_MAIN = 254;

export interface EffectOptions {
  /** Kinds loaded in full: rules that reason from absence ("no address left") need them. */
  readonly complete: ReadonlySet<RecordKind>;
  readonly origin?: Origin;
}

function routesVia(w: Working, index: number): [string, RouteRecord][] {
  const out: [string, RouteRecord][] = [];
  for (const key of w.lookup('route.oif', index)) {
    const r = w.get('route', key);
    if (r) out.push([key, r]);
  }
  return out;
}

function removeNeighbours(w: Working, index: number, family: 4 | 6 | null, reason: string, origin?: Origin): void {
  for (const key of w.lookup('neighbour.index', index)) {
    const n = w.get('neighbour', key);
    if (n && (family === null || n.family === family)) w.remove('neighbour', key, { reason, origin });
  }
}

/**
 * Rule "link-removed" (RTM_DELLINK; NETDEV_UNREGISTER): the link's addresses and neighbours go;
 * IPv4: fib_sync_down_dev(force) kills every fib_info with a nexthop on the device, a multipath
 * route included (the `event == NETDEV_UNREGISTER` branch); IPv6: fib6_ifdown removes each sibling
 * on the device, so a multipath route loses only those nexthops.
 */
export function linkRemoved(w: Working, index: number, opts: EffectOptions): void {
  const o = { reason: 'link-removed', origin: opts.origin };
  for (const [key, r] of routesVia(w, index)) {
    const left = nexthopsOf(r).filter((h) => h.oif !== index);
    w.remove('route', key, o);
    if (r.family === 6 && left.length > 0) w.put('route', withNexthops(r, left), o);
  }
  for (const key of w.lookup('address.index', index)) w.remove('address', key, o);
  removeNeighbours(w, index, null, o.reason, o.origin);
}

/**
 * Rule "link-down" (IFF_UP cleared; NETDEV_DOWN without force).
 * IPv4, fib_disable_ip(dev, NETDEV_DOWN, false): every nexthop on the device dies except those of
 * scope RT_SCOPE_NOWHERE, which fib_create_info gives to host-scope routes (the `local` routes of
 * the device's addresses survive: IPv4 addresses stay on a down link); a route is flushed when all
 * its nexthops are dead, and error-type routes are never flushed. IPv4 sends no RTM_DELROUTE.
 * IPv6, fib6_ifdown(NETDEV_DOWN): a single-path route through the device is removed; a multipath
 * route only when every sibling uses it (otherwise they are marked dead, which we do not model).
 * Neighbours: neigh_ifdown flushes the device's entries, permanent ones included (arp_ifdown,
 * ndisc_netdev_event).
 */
export function linkDown(w: Working, index: number, opts: EffectOptions): void {
  const o = { reason: 'link-down', origin: opts.origin };
  for (const [key, r] of routesVia(w, index)) {
    const hops = nexthopsOf(r);
    if (!hops.every((h) => h.oif === index)) continue;
    if (r.family === 4 && (ERROR_TYPES.has(r.type) || (hops.length === 1 && r.scope === 'host'))) continue;
    w.remove('route', key, o);
  }
  removeNeighbours(w, index, null, o.reason, o.origin);
}

/** Is the link known and administratively down (addresses removed now are addrconf_ifdown's)? */
function linkDownAt(w: Working, index: number): boolean {
  return w.get('interface', interfaceKey({ index }))?.state === 'down';
}

/**
 * Rules after an address is removed (call once the address itself is gone from `w`).
 * - "prefsrc-removed", IPv4, fib_del_ifaddr -> fib_sync_down_addr: when no device still has the
 *   address (approximating inet_addr_type_dev_table != RTN_LOCAL), routes of the main table
 *   using it as preferred source are flushed (l3mdev tables aside).
 * - "last-ipv4-address-removed", fib_inetaddr_event(NETDEV_DOWN) with an empty ifa_list:
 *   fib_disable_ip(dev, NETDEV_DOWN, force=true) kills every nexthop on the device, host scope
 *   included, and arp_ifdown flushes its IPv4 neighbours.
 * - "prefsrc-removed", IPv6, rt6_remove_prefsrc: routes keep existing but lose the preferred
 *   source, when no device has the address any more (since Linux 6.6 without a device match).
 *   Only for an address deleted on its own (inet6_addr_del -> ipv6_del_addr): when a link goes
 *   down or away, addrconf_ifdown drops its addresses WITHOUT rt6_remove_prefsrc, and routes keep
 *   the stale preferred source (checked on 6.18). Those deletions come after the link's
 *   RTM_NEWLINK without IFF_UP (__dev_notify_flags sends it before NETDEV_DOWN runs), so an IPv6
 *   address removed while its link is down is taken for addrconf_ifdown. (With keep_addr_on_down
 *   an address deleted by hand on a down link is the exception; the safety net re-dump fixes it.)
 * The local/broadcast/prefix routes of the address are deleted by fib_magic(RTM_DELROUTE), which
 * the kernel announces, so they are left to their notifications.
 * Rules that reason from absence run only when addresses are loaded in full.
 */
export function addressRemoved(w: Working, a: AddressRecord, opts: EffectOptions): void {
  if (!opts.complete.has('address')) return;
  const o = { reason: 'prefsrc-removed', origin: opts.origin };
  const stillLocal = w.lookup('address.local', `${a.family}|${a.address}`).length > 0;
  if (!stillLocal) {
    for (const key of w.lookup('route.prefsrc', `${a.family}|${a.address}`)) {
      const r = w.get('route', key);
      if (!r) continue;
      if (a.family === 4 && r.table === RT_TABLE_MAIN) w.remove('route', key, o);
      if (a.family === 6 && !linkDownAt(w, a.index)) w.put('route', { ...r, prefsrc: null }, o);
    }
  }
  if (a.family !== 4) return;
  const v4Left = w.lookup('address.index', a.index).some((k) => w.get('address', k)?.family === 4);
  if (v4Left) return;
  const last = { reason: 'last-ipv4-address-removed', origin: opts.origin };
  for (const [key, r] of routesVia(w, a.index)) {
    if (r.family !== 4 || ERROR_TYPES.has(r.type)) continue;
    if (nexthopsOf(r).every((h) => h.oif === a.index)) w.remove('route', key, last);
  }
  removeNeighbours(w, a.index, 4, last.reason, last.origin);
}

/**
 * Rule "veth-peer" (drivers/net/veth.c): a veth's IFLA_LINK and IFLA_LINK_NETNSID name its peer
 * (ndo_get_iflink, and the peer's namespace), and they change without an announcement of their own:
 * - on creation, veth_newlink registers the peer first and links the halves (priv->peer) only
 *   after both are registered, so every announcement of the first half carries no link and no
 *   later one comes (checked: `ip link add a type veth peer name b`, then `ip -j link` shows b's
 *   link while b's RTM_NEWLINKs carried none);
 * - when one half moves into this namespace, the half already here now has its peer here (no
 *   netnsid, perhaps another index) without a word.
 * So a veth announced with its peer here settles the peer's side: link = this index, no netnsid.
 * What cannot be settled from here asks for a re-dump of interfaces (the dump runs after the
 * kernel has finished, and shows the links): a new veth without a link (its peer may have been
 * made in another namespace), and a veth leaving while its peer stays (the peer's netnsid).
 */
export function vethAnnounced(w: Working, r: InterfaceRecord, isNew: boolean, opts: EffectOptions): void {
  if (r.kind !== 'veth') return;
  if (r.link === null) {
    if (isNew) w.resync.add('interface');
    return;
  }
  if (r.linkNetnsid !== null) return;
  const peer = w.get('interface', interfaceKey({ index: r.link }));
  if (peer && peer.kind === 'veth' && (peer.link !== r.index || peer.linkNetnsid !== null)) {
    w.put('interface', { ...peer, link: r.index, linkNetnsid: null }, { reason: 'veth-peer', origin: opts.origin });
  }
}

/** A veth leaves (deleted, or moved away): a peer that stays here has a new netnsid (see above). */
export function vethGone(w: Working, r: InterfaceRecord): void {
  if (r.kind !== 'veth' || r.link === null || r.linkNetnsid !== null) return;
  const peer = w.get('interface', interfaceKey({ index: r.link }));
  if (peer && peer.kind === 'veth') w.resync.add('interface');
}
