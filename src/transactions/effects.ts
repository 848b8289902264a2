/**
 * The kernel's side effects, as data the planner can act on: which objects an operation makes the
 * kernel drop (or change) besides its own target. The planner restores them on rollback, right
 * after the operation's direct inverse has put their preconditions back.
 *
 * The rules, with where the kernel does it (net/ipv4, net/ipv6, net/core, drivers/net):
 * - link delete (unregister_netdevice): the link's addresses, routes through it (a multipath IPv4
 *   route goes whole when one of its devices unregisters: fib_sync_down_dev), neighbours;
 *   a veth's peer in the same namespace (veth_dellink); devices stacked on it through IFLA_LINK
 *   (macvlan, vlan, ipvlan, vxlan: their NETDEV_UNREGISTER handlers delete them), recursively;
 *   ports of a bridge or bond lose their master.
 * - link moved to another namespace (dev_change_net_namespace): like unregistering as far as this
 *   namespace sees it, except that the veth peer and stacked devices stay; the link arrives there
 *   down and without a master.
 * - link set down (NETDEV_DOWN): IPv4 routes all of whose devices is the link, including the
 *   local-table routes of its addresses (fib_disable_ip); every IPv6 address of the link
 *   (addrconf_ifdown, keep_addr_on_down = 0) and IPv6 routes through it (rt6_sync_down_dev);
 *   its neighbours, permanent ones too (neigh_ifdown).
 * - link MAC address set (NETDEV_CHANGEADDR), or its arp flag (IFF_NOARP) changed while it is up
 *   (NETDEV_CHANGE): its neighbours, permanent ones too (neigh_changeaddr).
 * - link mtu set below 1280 (IPV6_MIN_MTU): IPv6 leaves the device (addrconf_ifdown with
 *   unregister): its IPv6 addresses and routes; below 68: IPv4 leaves too (inetdev_destroy).
 * - IPv4 address delete: the prefix, local and broadcast routes the kernel made for it on its
 *   link (fib_del_ifaddr, unless the link has that local address twice), and every route with it
 *   as preferred source once no link has it (fib_sync_down_addr); deleting a primary deletes the
 *   secondaries of its subnet on the link (promote_secondaries = 0), with their routes; deleting
 *   the link's last IPv4 address takes every IPv4 route through the link and its IPv4 neighbours.
 * - IPv6 address delete: its local-table route, and its prefix route (proto kernel) when no other
 *   address of the link has that prefix and IFA_F_NOPREFIXROUTE is not set.
 * - route replace (NLM_F_REPLACE, fib_table_insert / fib6_add_rt2node): when no route with the
 *   same identity exists, the new route takes the place of the first other route of its slot
 *   (same table, destination, metric, and tos for IPv4), which is gone afterwards.
 * - other route operations, rules, neighbours: no side effects.
 * Simplification, said once: an IPv6 multipath route losing one device loses only that leg in the
 * kernel; here such a route is dropped whole with the link, and its restoration replaces what is
 * left of it (inverse.ts, restoreOps).
 */
import type { AddressRecord, AnyRecord, InterfaceRecord, RecordKind } from '../iproute/records.js';
import { parseIp, maskBytes, formatIp } from '../iproute/validate/ip.js';
import { flagOf, type LinkFlagSettings } from '../iproute/link-flags.js';
import { withFlagFields } from './link-flags.js';
import type { TxBase } from './base.js';
import type { LinkCreateSpec, Operation } from './ops.js';
import { routeLinks, TxState } from './state.js';

export interface Victim {
  kind: RecordKind;
  key: string;
  /** The object before the operation. */
  record: AnyRecord;
  /** An interface that survives changed: the fields the kernel changed and their new values. */
  fields?: Partial<InterfaceRecord>;
  /** Brought back by the operation's own inverse (a veth peer re-created with its pair). */
  withInverse?: boolean;
}

const IFA_F_SECONDARY = 0x01;
const IFA_F_NOPREFIXROUTE = 0x200;
const IPV6_MIN_MTU = 1280;
/** An Ethernet-like device's MTU when it is made without one (ether_setup). */
const ETH_DATA_LEN = 1500;
const IPV4_MIN_MTU = 68;

class Collector {
  readonly out: Victim[] = [];
  /** `kind:key` of what is dropped or changed already (made on the first victim: most ops have none). */
  private seen: Set<string> | undefined;
  /** `kind:key` of the operation's own target. */
  private excluded: string | undefined;
  constructor(readonly state: TxState) {}

  /** True the first time `kind:key` is met. */
  private first(id: string): boolean {
    if (id === this.excluded) return false;
    this.seen ??= new Set();
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    return true;
  }

  drop(kind: RecordKind, record: AnyRecord, extra: Partial<Victim> = {}, key: string = this.state.key(kind, record as never)): boolean {
    if (!this.first(`${kind}:${key}`)) return false;
    this.out.push({ kind, key, record, ...extra });
    return true;
  }

  change(link: InterfaceRecord, fields: Partial<InterfaceRecord>): void {
    const key = this.state.key('interface', link);
    if (!this.first(`interface:${key}`)) return;
    this.out.push({ kind: 'interface', key, record: link, fields });
  }

  /** Marks the operation's own target (under `key`) as handled, so no rule drops it as a victim. */
  exclude(kind: RecordKind, record: AnyRecord, key: string = this.state.key(kind, record as never)): void {
    this.excluded = `${kind}:${key}`;
  }
}

/** Addresses, routes and neighbours of a link, as unregistering drops them. */
function dropLinkObjects(c: Collector, index: number): void {
  for (const a of c.state.addressesOn(index)) c.drop('address', a);
  for (const r of c.state.routesVia(index)) c.drop('route', r);
  for (const n of c.state.neighboursOn(index)) c.drop('neighbour', n);
}

function releasePorts(c: Collector, index: number, except: ReadonlySet<number>): void {
  for (const l of c.state.ports(index)) {
    if (!except.has(l.index)) c.change(l, { master: null });
  }
}

function unregister(c: Collector, link: InterfaceRecord, gone: Set<number>): void {
  gone.add(link.index);
  dropLinkObjects(c, link.index);
  if (link.kind === 'veth' && link.link !== null && link.linkNetnsid === null && !gone.has(link.link)) {
    const peer = c.state.interface(link.link);
    if (peer) {
      c.drop('interface', peer, { withInverse: true });
      unregister(c, peer, gone);
    }
  }
  for (const child of c.state.stackedOn(link.index)) {
    if (gone.has(child.index)) continue;
    c.drop('interface', child);
    unregister(c, child, gone);
  }
  releasePorts(c, link.index, gone);
}

function linkDown(c: Collector, index: number): void {
  for (const r of c.state.routesVia(index)) {
    if (r.family === 6 || routeLinks(r).every((i) => i === index)) c.drop('route', r);
  }
  for (const a of c.state.addressesOn(index)) if (a.family === 6) c.drop('address', a);
  for (const n of c.state.neighboursOn(index)) c.drop('neighbour', n);
}

/**
 * A bridge without ports takes the MAC address of the first port that joins it (its address was
 * random: br_stp_recalculate_bridge_id), and falls back to 00:00:00:00:00:00 when that port
 * leaves again: only setting its address puts it back. (A bridge with ports already keeps the
 * lowest port address, which comes back by itself when a port leaves.)
 */
function firstPort(c: Collector, master: number, port: InterfaceRecord): void {
  const br = c.state.interface(master);
  if (!br || br.kind !== 'bridge' || br.address === null || port.address === null || br.address === port.address) return;
  if (c.state.ports(master).some((l) => l.index !== port.index)) return;
  c.change(br, { address: port.address });
}

function familyLeaves(c: Collector, index: number, family: 4 | 6): void {
  for (const a of c.state.addressesOn(index)) if (a.family === family) c.drop('address', a);
  for (const r of c.state.routesVia(index)) if (r.family === family) c.drop('route', r);
}

function network(a: Pick<AddressRecord, 'family' | 'address' | 'prefixlen'>): string {
  const ip = parseIp(a.address);
  if (!ip) return `${a.address}/${a.prefixlen}`;
  return `${formatIp(a.family, maskBytes(ip.bytes, a.prefixlen))}/${a.prefixlen}`;
}

function addressDelete(c: Collector, a: AddressRecord, self: string): void {
  if (a.family === 4) {
    // The address, and the secondaries of its subnet that go with it (usually none).
    let secondaries: Set<string> | undefined;
    const droppedRecords: AddressRecord[] = [a];
    if ((a.flags & IFA_F_SECONDARY) === 0) {
      c.state.eachAddressInSubnet(a, (s, key) => {
        if ((s.flags & IFA_F_SECONDARY) !== 0 && key !== self && c.drop('address', s, {}, key)) {
          (secondaries ??= new Set()).add(key);
          droppedRecords.push(s);
        }
      });
    }
    const dropped = (key: string): boolean => key === self || (secondaries?.has(key) ?? false);
    for (const d of droppedRecords) {
      // Who else has the local address: on its link, the routes the kernel made for it stay
      // (fib_del_ifaddr); anywhere, the routes using it as their source stay (fib_sync_down_addr).
      let keptOnLink = false;
      let stillLocal = false;
      c.state.eachAddressWithLocal(d.address, (o, key) => {
        if (o.family !== 4 || dropped(key)) return false;
        stillLocal = true;
        keptOnLink = o.index === d.index;
        return keptOnLink;
      });
      if (keptOnLink) continue;
      for (const r of c.state.routesFrom(d.address)) {
        if (!stillLocal || (r.protocol === 'kernel' && r.oif === d.index)) c.drop('route', r);
      }
    }
    // The link's last IPv4 address gone: IPv4 leaves the device (fib_inetaddr_event, NETDEV_DOWN
    // with an empty ifa_list: fib_disable_ip(force)), every IPv4 route all of whose nexthops are
    // on it goes, and its IPv4 neighbours (arp_ifdown).
    const v4Left = c.state.someAddressOn(a.index, (o, key) => o.family === 4 && !dropped(key));
    if (!v4Left) {
      for (const r of c.state.routesVia(a.index)) if (r.family === 4 && routeLinks(r).every((i) => i === a.index)) c.drop('route', r);
      for (const n of c.state.neighboursOn(a.index)) if (n.family === 4) c.drop('neighbour', n);
    }
    return;
  }
  const host = `${a.address}/128`;
  const net = network(a);
  let shared = false;
  c.state.eachAddressInSubnet(a, (_o, key) => (shared = key !== self));
  for (const r of c.state.routesVia(a.index)) {
    if (r.table === 255 && r.dst === host && r.type === 'local') c.drop('route', r);
    else if (!shared && (a.flags & IFA_F_NOPREFIXROUTE) === 0 && r.protocol === 'kernel' && r.dst === net && r.gateway === null && r.table === 254) {
      c.drop('route', r);
    }
  }
}

const NO_VICTIMS: Victim[] = Object.freeze([]) as unknown as Victim[];

/** False for the operations collect() finds no victims for whatever the state. */
function mayHaveEffects(op: Operation): boolean {
  switch (op.kind) {
    case 'interface': return op.intent !== 'create';
    case 'address': return op.intent === 'delete';
    case 'route': return op.intent === 'replace';
    default: return false;
  }
}

function collect(c: Collector, op: Operation): void {
  const s = c.state;
  switch (op.kind) {
    case 'interface': {
      const link = s.interface(op.spec.index);
      if (!link) return;
      if (op.intent === 'delete') {
        c.exclude('interface', link);
        unregister(c, link, new Set());
        return;
      }
      if (op.intent !== 'set') return;
      const spec = op.spec;
      if (spec.netns !== undefined) {
        c.exclude('interface', link);
        dropLinkObjects(c, link.index);
        releasePorts(c, link.index, new Set([link.index]));
        // The link itself comes back from the other namespace down and without a master.
        const fields: Partial<InterfaceRecord> = {};
        if (link.state !== 'down') fields.state = 'down';
        if (link.master !== null) fields.master = null;
        if (Object.keys(fields).length > 0) c.out.push({ kind: 'interface', key: s.key('interface', link), record: link, fields });
        return;
      }
      if (spec.state === 'down' && link.state === 'up') linkDown(c, link.index);
      // A new MAC address (NETDEV_CHANGEADDR), or IFF_NOARP changed on a link that is up
      // (NETDEV_CHANGE: arp_netdev_event, ndisc_netdev_event): neigh_changeaddr flushes the link's
      // neighbours of both families, permanent ones included.
      const newMac = spec.address !== undefined && spec.address !== link.address;
      const arp = spec.arp !== undefined && spec.arp !== flagOf(link.flags, 'arp') && link.state === 'up';
      if (newMac || arp) {
        for (const n of c.state.neighboursOn(link.index)) c.drop('neighbour', n);
      }
      if (spec.master !== undefined && spec.master !== null && spec.master !== link.master) firstPort(c, spec.master, link);
      if (spec.mtu !== undefined) {
        if (spec.mtu < IPV6_MIN_MTU && link.mtu >= IPV6_MIN_MTU) familyLeaves(c, link.index, 6);
        if (spec.mtu < IPV4_MIN_MTU && link.mtu >= IPV4_MIN_MTU) familyLeaves(c, link.index, 4);
      }
      return;
    }
    case 'address': {
      if (op.intent !== 'delete') return;
      const key = op.key || s.key('address', op.spec);
      const a = s.get('address', key);
      if (!a) return;
      c.exclude('address', a, key);
      addressDelete(c, a, key);
      return;
    }
    case 'route': {
      // NLM_F_REPLACE puts the new route in place of the first other route of its slot.
      if (op.intent !== 'replace' || s.has('route', op.key)) return;
      const [displaced] = s.slotmates(op.spec);
      if (displaced) c.drop('route', displaced);
      return;
    }
    default:
      return;
  }
}

/**
 * What the kernel drops or changes as a consequence of `op`, applied to `state` (a TxState, or a
 * base: the state before anything of the transaction ran). The target itself is not included.
 */
export function sideEffects(state: TxState | TxBase, op: Operation): Victim[] {
  // Most operations have none: no collector for them (a plan of 10,000 routes asks 20,000 times).
  if (!mayHaveEffects(op)) return NO_VICTIMS;
  const s = state instanceof TxState ? state : new TxState(state);
  const c = new Collector(s);
  collect(c, op);
  return c.out;
}

/**
 * The record a link-create request makes (fields the kernel picks are left at placeholders; a
 * bridge's MTU is ETH_DATA_LEN, which an undo of setting its MTU after the create sets back).
 */
export function createdRecords(spec: LinkCreateSpec): InterfaceRecord[] {
  const mtu = (p: { mtu?: number }, kind: string): number => p.mtu ?? (kind === 'bridge' ? ETH_DATA_LEN : 0);
  const rec = (index: number, ifname: string, p: { mtu?: number; address?: string; txqlen?: number; group?: number }, link: number | null, info: Record<string, unknown> | null): InterfaceRecord => ({
    index, ifname, kind: spec.kind, mtu: mtu(p, spec.kind), address: p.address ?? null, state: 'down', operstate: 'DOWN',
    master: null, link, linkNetnsid: null, flags: 0, broadcast: null, txqlen: p.txqlen ?? null, group: p.group ?? null,
    qdisc: null, altnames: [], info, slaveKind: null, alias: null, addrGenMode: null, port: null,
  });
  const out = [rec(spec.index, spec.ifname, spec, spec.peer ? spec.peer.index : (spec.link ?? null), spec.info ?? null)];
  if (spec.peer) out.push(rec(spec.peer.index, spec.peer.ifname, spec.peer, spec.index, null));
  return out;
}

/**
 * An IPv4 address added where its link already has a primary address of the same subnet becomes
 * a secondary (IFA_F_SECONDARY, __inet_insert_ifa); the kernel reports it so, and deleting it then
 * takes nothing else with it.
 */
function withSecondaryFlag(state: TxState, a: AddressRecord, key: string): AddressRecord {
  if (a.family !== 4) return a;
  let primary = false;
  state.eachAddressInSubnet(a, (o, k) => (primary = (o.flags & IFA_F_SECONDARY) === 0 && k !== key));
  const flags = primary ? a.flags | IFA_F_SECONDARY : a.flags & ~IFA_F_SECONDARY;
  return flags === a.flags ? a : { ...a, flags };
}

/**
 * `link` with `fields` set as the kernel leaves it: port settings given are merged into the
 * link's, and a link that changes master has the new bridge's defaults, unknown here (null).
 */
export function withFields(link: InterfaceRecord, fields: Partial<InterfaceRecord> & LinkFlagSettings & { removeAltnames?: readonly string[] }): InterfaceRecord {
  const { removeAltnames, ...set } = fields;
  // (withFlagFields folds the flag fields into flags and drops them.)
  const out = withFlagFields({ ...link, ...set }, fields);
  if (fields.port != null) out.port = { ...link.port, ...fields.port };
  else if ('master' in fields && fields.master !== link.master) out.port = null;
  // Alternative names are added behind the link's, or removed.
  const had = link.altnames ?? [];
  if (fields.altnames !== undefined) out.altnames = [...had, ...fields.altnames.filter((n) => !had.includes(n))];
  if (removeAltnames !== undefined) out.altnames = had.filter((n) => !removeAltnames.includes(n));
  return out;
}

/**
 * Applies `op` to `state` as the kernel would: its own effect and its side effects. Returns the
 * side effects (the victims), as sideEffects() computes them before applying.
 */
export function applyOp(state: TxState, op: Operation): Victim[] {
  const victims = sideEffects(state, op);
  switch (op.kind) {
    case 'interface': {
      if (op.intent === 'create') {
        for (const r of createdRecords(op.spec)) state.put('interface', r);
      } else if (op.intent === 'delete') {
        const link = state.interface(op.spec.index);
        if (link) state.delete('interface', state.key('interface', link));
      } else {
        const link = state.interface(op.spec.index);
        if (link) {
          const { index: _i, netns, ...fields } = op.spec;
          if (netns !== undefined) state.delete('interface', state.key('interface', link));
          else state.put('interface', withFields(link, fields));
        }
      }
      break;
    }
    case 'address': {
      const key = op.key || state.key('address', op.spec);
      if (op.intent === 'delete') state.delete('address', key);
      else state.put('address', withSecondaryFlag(state, op.spec, key), key);
      break;
    }
    default: {
      const key = op.key || state.key(op.kind, op.spec as never);
      if (op.intent === 'delete') state.delete(op.kind, key);
      else state.put(op.kind, op.spec as never, key);
    }
  }
  for (const v of victims) {
    if (v.fields) {
      const now = state.get('interface', v.key);
      if (now) state.put('interface', withFields(now as InterfaceRecord, v.fields));
    } else {
      state.delete(v.kind, v.key);
    }
  }
  return victims;
}
