/**
 * Hand-built records and events for the db tests. Each builder fills every field the way IPRoute
 * decodes what the kernel sends (see src/iproute/records.ts), so a test only spells what matters.
 * The event streams in the tests are written to match what `ip monitor` shows the kernel sending
 * for the commands named beside them.
 */
import type { AddressRecord, InterfaceRecord, NeighbourRecord, RecordKind, RouteRecord, RuleRecord } from '../../src/iproute/records.js';
import type { DbEvent } from '../../src/db/types.js';
import { NLM_F } from '../../src/messages/nlmsg.js';

export function iface(index: number, ifname: string, over: Partial<InterfaceRecord> = {}): InterfaceRecord {
  return {
    index,
    ifname,
    kind: 'veth',
    mtu: 1500,
    address: `02:00:00:00:00:${index.toString(16).padStart(2, '0')}`,
    state: 'up',
    operstate: 'UP',
    master: null,
    link: null,
    linkNetnsid: null,
    flags: 0x1003,
    broadcast: 'ff:ff:ff:ff:ff:ff',
    txqlen: 1000,
    group: 0,
    qdisc: 'noqueue',
    altnames: [],
    info: null,
    slaveKind: null,
    alias: null,
    addrGenMode: 'eui64',
    port: null,
    ...over,
  };
}

export function addr4(index: number, cidr: string, over: Partial<AddressRecord> = {}): AddressRecord {
  const [address, len] = cidr.split('/') as [string, string];
  return { index, family: 4, address, prefixlen: Number(len), peer: null, broadcast: null, label: null, scope: 'global', flags: 0x80, metric: null, ...over };
}

export function addr6(index: number, cidr: string, over: Partial<AddressRecord> = {}): AddressRecord {
  const [address, len] = cidr.split('/') as [string, string];
  return { index, family: 6, address, prefixlen: Number(len), peer: null, broadcast: null, label: null, scope: 'global', flags: 0x80, metric: null, ...over };
}

export function route4(dst: string, over: Partial<RouteRecord> = {}): RouteRecord {
  return {
    family: 4,
    table: 254,
    dst,
    src: null,
    gateway: null,
    oif: 2,
    priority: null,
    protocol: 'boot',
    scope: 'universe',
    type: 'unicast',
    multipath: null,
    prefsrc: null,
    tos: 0,
    metrics: null,
    pref: null,
    onlink: false, encap: null, realms: null, nhid: null,
    ...over,
  };
}

export function route6(dst: string, over: Partial<RouteRecord> = {}): RouteRecord {
  return { ...route4(dst), family: 6, priority: 1024, pref: 'medium', ...over };
}

/** The rule selectors records gained later, none of them set. */
export const RULE_SELECTORS_UNSET = {
  invert: false, suppressPrefixlen: null, suppressIfgroup: null, l3mdev: false, uidRange: null, ipProto: null, sportRange: null, dportRange: null,
  extra: null,
} as const;

export function rule(priority: number, over: Partial<RuleRecord> = {}): RuleRecord {
  return {
    family: 4,
    priority,
    table: 254,
    src: null,
    dst: null,
    action: 'to_tbl',
    goto: null,
    iifname: null,
    oifname: null,
    fwmark: null,
    fwmask: null,
    tos: 0,
    protocol: null,
    ...RULE_SELECTORS_UNSET,
    ...over,
  };
}

export function neigh(index: number, dst: string, over: Partial<NeighbourRecord> = {}): NeighbourRecord {
  return { index, family: dst.includes(':') ? 6 : 4, dst, lladdr: '02:00:00:00:00:99', state: 'REACHABLE', flags: 0, ...over };
}

type RecordOf = { interface: InterfaceRecord; address: AddressRecord; route: RouteRecord; rule: RuleRecord; neighbour: NeighbourRecord };

export function nu<K extends RecordKind>(kind: K, record: RecordOf[K], extra: { nlmsgFlags?: number; origin?: DbEvent['origin'] } = {}): DbEvent {
  return { kind, op: 'new', record, ...extra } as DbEvent;
}

export function del<K extends RecordKind>(kind: K, record: RecordOf[K]): DbEvent {
  return { kind, op: 'del', record } as DbEvent;
}

/** RTM_NEWROUTE as `ip route replace` makes the kernel announce it. */
export function replaced(record: RouteRecord): DbEvent {
  return nu('route', record, { nlmsgFlags: NLM_F.REPLACE | NLM_F.CREATE });
}

/** Deep copy: records handed to the database get frozen, tests often want a fresh one. */
export function fresh<T>(x: T): T {
  return structuredClone(x);
}
