/**
 * Operations → netlink requests, synchronously, so a whole plan is encoded before anything is sent
 * (a spec the kernel could never take is a ValidationError with nothing sent) and then pipelined.
 *
 * Everything but link creation goes through IPRoute's own validators and encoders (requests.ts,
 * encodeChange), with every interface already named by index: links a transaction creates have
 * their index chosen before sending, so addresses and routes on them ride in the same batch.
 *
 * Link creation is encoded here, straight from the record-shaped LinkCreateSpec, for two things a
 * LinkSpec cannot say: the index of a veth's far end (an undo brings the pair back with both
 * indexes), and kind options as the kernel reported them (records carry every IFLA_INFO_DATA
 * attribute, read-only ones such as a bridge's timers included; only the ones a create takes are
 * sent, KIND_OPTIONS).
 *
 * Records carry the kernel's bookkeeping beside what was asked for: an address's flags include
 * IFA_F_PERMANENT and IFA_F_SECONDARY, which the kernel sets itself; only the flags a request may
 * carry are sent (ADDRESS_FLAGS_SENT).
 */
import { rtnl, type LinkMessageInput } from '../messages/index.js';
import { requestHead } from '../iproute/ops.js';
import type { AddressRecord, NeighbourRecord, RouteRecord, RuleRecord } from '../iproute/records.js';
import { prepareChange, type Change, type PreparedChange } from '../iproute/requests.js';
import type { AddressSpec, NeighbourSpec, NetnsSpec, RouteSpec, RuleSpec } from '../iproute/specs.js';
import type { EncodeContext, NetlinkRequest } from '../iproute/encode/index.js';
import { VLAN_PROTOCOLS } from '../iproute/names.js';
import type { LinkCreateSpec, Operation } from './ops.js';

/** IFA_F_NODAD | OPTIMISTIC | HOMEADDRESS | PERMANENT | MANAGETEMPADDR | NOPREFIXROUTE | MCAUTOJOIN. */
const ADDRESS_FLAGS_SENT = 0x02 | 0x04 | 0x10 | 0x80 | 0x100 | 0x200 | 0x400;

/**
 * The kind options a link create takes, per kind, in the codec's (and the records') names, with
 * the kernel's default where it has one. What a record holds beyond them is state the kernel keeps
 * (timers, counters, ids), not configuration. Options at their default are not sent: a kernel
 * built without a feature refuses even the default value of its option (a bridge's
 * vlanFiltering without CONFIG_BRIDGE_VLAN_FILTERING is EOPNOTSUPP).
 */
const KIND_OPTIONS: Record<string, Readonly<Record<string, number | undefined>>> = {
  vxlan: {
    id: undefined, group: undefined, group6: undefined, local: undefined, local6: undefined, link: undefined, ttl: 0, tos: 0,
    learning: undefined, ageing: 300, limit: 0, portRange: undefined, proxy: 0, l2miss: 0, l3miss: 0, port: undefined,
    udpCsum: undefined, udpZeroCsum6Tx: 0, udpZeroCsum6Rx: 0, df: 0, label: 0,
  },
  macvlan: { mode: undefined, flags: 0, bcQueueLen: 1000 },
  macvtap: { mode: undefined, flags: 0, bcQueueLen: 1000 },
  bridge: {
    forwardDelay: 1500, helloTime: 200, maxAge: 2000, ageingTime: 30000, stpState: 0, priority: 32768, vlanFiltering: 0,
    groupFwdMask: 0, mcastSnooping: 1, mcastRouter: 1, mcastQuerier: 0,
  },
  vlan: { id: undefined, protocol: undefined, flags: undefined },
};

const isV6 = (text: unknown): boolean => typeof text === 'string' && text.includes(':');

/** A record's or a spec's kind options as IFLA_INFO_DATA takes them. */
function kindData(kind: string, info: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  const allowed = KIND_OPTIONS[kind];
  if (!allowed) return undefined;
  const src: Record<string, unknown> = { ...info };
  if (kind === 'vxlan') {
    // Specs say `remote` for a unicast group; records fold group6/local6 into group/local.
    if (src.remote !== undefined && src.group === undefined) src.group = src.remote;
    if (isV6(src.group)) { src.group6 = src.group; delete src.group; }
    if (isV6(src.local)) { src.local6 = src.local; delete src.local; }
    const range = src.portRange as { low?: number; high?: number } | undefined;
    if (range && !range.low && !range.high) delete src.portRange;
  }
  if (kind === 'vlan' && typeof src.protocol === 'string') src.protocol = VLAN_PROTOCOLS.value(src.protocol);
  const out: Record<string, unknown> = {};
  for (const [k, byDefault] of Object.entries(allowed)) {
    const raw = src[k];
    if (raw === undefined || raw === null) continue;
    const v = typeof raw === 'boolean' ? (raw ? 1 : 0) : raw;
    if (byDefault !== undefined && v === byDefault) continue;
    out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL, the index (and a veth peer's) chosen by us. */
export function encodeLinkCreate(s: LinkCreateSpec): NetlinkRequest {
  const attrs: LinkMessageInput['attrs'] = { ifname: s.ifname };
  if (s.mtu !== undefined) attrs.mtu = s.mtu;
  if (s.address !== undefined) attrs.address = s.address;
  if (s.txqlen !== undefined) attrs.txqlen = s.txqlen;
  if (s.group !== undefined) attrs.group = s.group;
  if (s.link !== undefined) attrs.link = s.link;
  let data: unknown;
  if (s.kind === 'veth' && s.peer) {
    const p = s.peer;
    const pa: LinkMessageInput['attrs'] = { ifname: p.ifname };
    if (p.mtu !== undefined) pa.mtu = p.mtu;
    if (p.address !== undefined) pa.address = p.address;
    if (p.txqlen !== undefined) pa.txqlen = p.txqlen;
    if (p.group !== undefined) pa.group = p.group;
    data = { peer: { family: 0, index: p.index, flags: 0, change: 0, attrs: pa } };
  } else if (s.info) {
    data = kindData(s.kind, s.info);
  }
  attrs.linkinfo = (data === undefined ? { kind: s.kind } : { kind: s.kind, data }) as LinkMessageInput['attrs']['linkinfo'];
  const head = requestHead('interface', 'add');
  return { ...head, payload: rtnl.link.encode({ family: 0, index: s.index, flags: 0, change: 0, attrs }) };
}

export function addressSpec(a: AddressRecord, del: boolean): AddressSpec {
  const s: AddressSpec = { index: a.index, address: a.address, prefixlen: a.prefixlen };
  if (a.peer !== null) s.peer = a.peer;
  if (del) return s;
  if (a.broadcast !== null) s.broadcast = a.broadcast;
  if (a.label !== null) s.label = a.label;
  s.scope = a.scope;
  const flags = a.flags & ADDRESS_FLAGS_SENT;
  if (flags !== 0) s.flags = flags;
  return s;
}

export function routeSpec(r: RouteRecord): RouteSpec {
  const s: RouteSpec = { family: r.family, dst: r.dst, table: r.table, protocol: r.protocol, scope: r.scope, type: r.type };
  if (r.gateway !== null) s.gateway = r.gateway;
  if (r.oif !== null) s.oif = r.oif;
  if (r.priority !== null) s.priority = r.priority;
  if (r.prefsrc !== null) s.prefsrc = r.prefsrc;
  if (r.tos !== 0) s.tos = r.tos;
  if (r.metrics !== null) s.metrics = { ...r.metrics };
  if (r.pref !== null && r.family === 6) s.pref = r.pref;
  if (r.multipath) {
    s.multipath = r.multipath.map((h) => ({
      ...(h.gateway !== null ? { gateway: h.gateway } : {}), ...(h.oif !== null ? { oif: h.oif } : {}), weight: h.weight,
    }));
  }
  return s;
}

export function ruleSpec(r: RuleRecord): RuleSpec {
  const s: RuleSpec = { family: r.family, priority: r.priority, action: r.action };
  if (r.table !== 0) s.table = r.table;
  if (r.src !== null) s.src = r.src;
  if (r.dst !== null) s.dst = r.dst;
  if (r.goto !== null) s.goto = r.goto;
  if (r.iifname !== null) s.iifname = r.iifname;
  if (r.oifname !== null) s.oifname = r.oifname;
  if (r.fwmark !== null) s.fwmark = r.fwmark;
  if (r.fwmask !== null) s.fwmask = r.fwmask;
  if (r.tos !== 0) s.tos = r.tos;
  if (r.protocol !== null && r.protocol !== 'unspec') s.protocol = r.protocol;
  return s;
}

export function neighbourSpec(n: NeighbourRecord, del: boolean): NeighbourSpec {
  const s: NeighbourSpec = { index: n.index, dst: n.dst };
  if (del) return s;
  if (n.lladdr !== null) s.lladdr = n.lladdr;
  // '|'-joined states (a record may show several bits): the first names the request's state.
  s.state = n.state.split('|')[0]!;
  if (n.flags !== 0) s.flags = n.flags;
  return s;
}

const ADDR_OP = { create: 'add', replace: 'replace', delete: 'del' } as const;
const ROUTE_OP = { create: 'add', replace: 'replace', append: 'append', delete: 'del' } as const;

/**
 * The IPRoute change an operation is, with `home` as the namespace a link goes back to when an
 * operation says netns: null. Link creation has no Change (encodeLinkCreate). `byName` names a
 * link by its name rather than its index (an operation run in another namespace, where the index
 * the link had here means nothing).
 */
export function changeOf(op: Operation, home: NetnsSpec, byName = false): Change | null {
  switch (op.kind) {
    case 'interface': {
      if (op.intent === 'create') return null;
      if (op.intent === 'delete') return { kind: 'interface', op: 'del', spec: byName ? { ifname: op.spec.ifname } : { index: op.spec.index } };
      const { index, netns, ...fields } = op.spec;
      const spec = byName ? { ...fields } : { index, ...fields };
      if (netns !== undefined) (spec as { netns?: NetnsSpec }).netns = netns === null ? home : netns;
      return { kind: 'interface', op: 'set', spec };
    }
    case 'address':
      return { kind: 'address', op: ADDR_OP[op.intent], spec: addressSpec(op.spec, op.intent === 'delete') };
    case 'route':
      return { kind: 'route', op: ROUTE_OP[op.intent], spec: routeSpec(op.spec) };
    case 'rule':
      return { kind: 'rule', op: op.intent === 'delete' ? 'del' : 'add', spec: ruleSpec(op.spec) };
    case 'neighbour':
      return { kind: 'neighbour', op: ADDR_OP[op.intent], spec: neighbourSpec(op.spec, op.intent === 'delete') };
  }
}

/** An operation validated and ready to encode; the namespaces it names must be opened first. */
export interface PreparedOp {
  namespaces: PreparedChange['namespaces'];
  encode(ctx: EncodeContext): NetlinkRequest;
}

/** Validates an operation (ValidationError, nothing sent) into something to encode. */
export function prepareOp(op: Operation, home: NetnsSpec, byName = false): PreparedOp {
  if (op.kind === 'interface' && op.intent === 'create') {
    const req = encodeLinkCreate(op.spec);
    return { namespaces: [], encode: () => req };
  }
  const p = prepareChange(changeOf(op, home, byName)!);
  return { namespaces: p.namespaces, encode: (ctx) => p.encode(ctx) };
}
