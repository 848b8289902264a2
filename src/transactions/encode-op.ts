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
 * indexes), and kind options as the kernel reported them (records carry the IFLA_INFO_DATA
 * attributes, read-only ones such as a bridge's ids and root port included; only the ones a create
 * takes are sent, kind-options.ts).
 *
 * Addresses and routes, the bulk of big transactions, are encoded straight from their records
 * (encodeAddressRecord, encodeRouteRecord: record-wire.ts writes the common shapes, the codec the
 * rest) rather than turned back into specs and
 * validated a second time: their records were validated when they were drafted (normalise.ts) or
 * are the kernel's own (inverses), and say every field. The result is the request IPRoute's
 * encoders make from the equivalent spec, byte for byte (test/transactions/encode.test.ts).
 *
 * Records carry the kernel's bookkeeping beside what was asked for: an address's flags include
 * IFA_F_PERMANENT and IFA_F_SECONDARY, which the kernel sets itself; only the flags a request may
 * carry are sent (ADDRESS_FLAGS_SENT).
 */
import { NLM_F, NLMSG_HDRLEN, rtnl, type AddrMessageInput, type LinkMessageInput, type RouteMessageInput } from '../messages/index.js';
import { requestHead } from '../iproute/ops.js';
import { ValidationError } from '../iproute/errors.js';
import type { AddressRecord, NeighbourRecord, RouteEncap, RouteRecord, RuleRecord } from '../iproute/records.js';
import { prepareChange, type Change, type PreparedChange } from '../iproute/requests.js';
import type { AddressSpec, NeighbourSpec, NetnsSpec, RouteSpec, RuleSpec } from '../iproute/specs.js';
import type { EncodeContext, NetlinkRequest } from '../iproute/encode/index.js';
import { encapAttrs, gatewayAttrs, routeAttrsInOrder } from '../iproute/encode/route.js';
import { RTNH_F_ONLINK } from '../iproute/decode/route.js';
import { ENCAP_TYPES, METRICS, PROTOCOLS, ROUTE_PREFS, ROUTE_TYPES, SCOPES, type EnumTable } from '../iproute/names.js';
import { kindData } from './kind-options.js';
import { SETTING_FLAGS } from './link-flags.js';
import type { LinkCreateSpec, Operation } from './ops.js';
import {
  addressPayload, addressSize, linkCreateSize, routePayload, routeSize, writeAddress, writeLinkCreate, writeRoute,
  type AddressWire, type RouteWire,
} from './record-wire.js';
import type { FramedRequests } from '../transport/framed.js';

/** IFA_F_NODAD | OPTIMISTIC | HOMEADDRESS | PERMANENT | MANAGETEMPADDR | NOPREFIXROUTE | MCAUTOJOIN. */
const ADDRESS_FLAGS_SENT = 0x02 | 0x04 | 0x10 | 0x80 | 0x100 | 0x200 | 0x400;

/** RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL, the index (and a veth peer's) chosen by us. */
export function encodeLinkCreate(s: LinkCreateSpec): NetlinkRequest {
  if (s.peerNetnsid !== undefined) {
    // Made without its far end, the kernel would give the pair a new peer here (veth0), and an
    // undo would report success over a different state.
    throw new ValidationError([{
      field: 'peer', value: s.peerNetnsid, expected: 'peer namespace id',
      reason: `veth ${s.ifname}: its peer was in another namespace (id ${s.peerNetnsid}) and went with it; the pair cannot be made again from here`,
    }]);
  }
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
    data = { peer: { family: 0, index: p.index, flags: p.flags ?? 0, change: p.flags === undefined ? 0 : p.flagMask ?? SETTING_FLAGS, attrs: pa } };
  } else if (s.info) {
    data = kindData(s.kind, s.info);
  }
  attrs.linkinfo = (data === undefined ? { kind: s.kind } : { kind: s.kind, data }) as LinkMessageInput['attrs']['linkinfo'];
  const head = requestHead('interface', 'add');
  const change = s.flags === undefined ? 0 : s.flagMask ?? SETTING_FLAGS;
  return { ...head, payload: rtnl.link.encode({ family: 0, index: s.index, flags: s.flags ?? 0, change, attrs }) };
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
  if (a.metric) s.metric = a.metric;
  return s;
}

/** The spec of a route record; `ix` maps its interface indexes (a checkpoint restore's remapping). */
export function routeSpec(r: RouteRecord, ix: (index: number) => number = (i) => i): RouteSpec {
  const s: RouteSpec = { family: r.family, dst: r.dst, table: r.table, protocol: r.protocol, scope: r.scope, type: r.type };
  if (r.gateway !== null) s.gateway = r.gateway;
  if (r.oif !== null) s.oif = ix(r.oif);
  if (r.priority !== null) s.priority = r.priority;
  if (r.prefsrc !== null) s.prefsrc = r.prefsrc;
  if (r.src !== null) s.src = r.src;
  if (r.tos !== 0) s.tos = r.tos;
  if (r.metrics !== null) s.metrics = { ...r.metrics };
  if (r.pref !== null && r.family === 6) s.pref = r.pref;
  if (r.onlink) s.onlink = true;
  if (r.encap) s.encap = { ...r.encap };
  if (r.realms !== null && r.realms !== undefined) s.realms = r.realms;
  if (r.nhid != null) s.nhid = r.nhid;
  if (r.multipath) {
    s.multipath = r.multipath.map((h) => ({
      ...(h.gateway !== null ? { gateway: h.gateway } : {}), ...(h.oif !== null ? { oif: ix(h.oif) } : {}), weight: h.weight,
      ...(h.onlink ? { onlink: true } : {}), ...(h.encap ? { encap: { ...h.encap } } : {}),
      ...(h.realms !== null && h.realms !== undefined ? { realms: h.realms } : {}),
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
  return Object.assign(s, ruleSelectors(r));
}

/**
 * The selectors rule records gained later, as a spec says them (only those set: a record stored
 * before them has none, which reads as unset).
 */
function ruleSelectors(r: RuleRecord): RuleSpec {
  const s: RuleSpec = {};
  if (r.invert) s.invert = true;
  if (r.suppressPrefixlen != null) s.suppressPrefixlen = r.suppressPrefixlen;
  if (r.suppressIfgroup != null) s.suppressIfgroup = r.suppressIfgroup;
  if (r.l3mdev) s.l3mdev = true;
  if (r.uidRange != null) s.uidRange = { ...r.uidRange };
  if (r.ipProto != null) s.ipProto = r.ipProto;
  if (r.sportRange != null) s.sportRange = { ...r.sportRange };
  if (r.dportRange != null) s.dportRange = { ...r.dportRange };
  if (r.extra != null) s.extra = r.extra;
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

const AF_INET = 2;
const AF_INET6 = 10;

/** A record's enumeration name as its number: a known name, or the decimal string of one without. */
function enumNumber(table: EnumTable, name: string, field: string, max: number): number {
  const v = table.value(name);
  if (v !== undefined) return v;
  const n = /^[0-9]+$/.test(name) ? Number(name) : NaN;
  if (n <= max) return n;
  throw new ValidationError([{ field, value: name, expected: field, reason: 'not a name (or number) the kernel knows' }]);
}

/** The address part and length of a record's prefix ('10.0.0.0/24', 'default'). */
function prefixParts(family: 4 | 6, dst: string): { address: string | null; len: number } {
  if (dst === 'default') return { address: null, len: 0 };
  const slash = dst.indexOf('/');
  if (slash < 0) return { address: dst, len: family === 4 ? 32 : 128 };
  const len = Number(dst.slice(slash + 1));
  return { address: len > 0 ? dst.slice(0, slash) : null, len };
}

/**
 * RTM_NEWADDR / RTM_DELADDR for an address record: what encodeAddress makes of addressSpec(a).
 * A delete names the address (local, peer, prefix length, link) and nothing else.
 */
export function encodeAddressRecord(a: AddressRecord, intent: 'create' | 'replace' | 'delete'): NetlinkRequest {
  const head = requestHead('address', ADDR_OP[intent]);
  const wire = addressWire(a, intent);
  const fast = addressPayload(wire);
  if (fast !== null) return { type: head.type, flags: head.flags, payload: fast };
  // Something record-wire.ts does not write (or a value the codec refuses, with its reason).
  const attrs: AddrMessageInput['attrs'] = { local: wire.local, address: wire.address };
  if (wire.broadcast !== null) attrs.broadcast = wire.broadcast;
  if (wire.label !== null) attrs.label = wire.label;
  // ifa_flags holds 8 bits; IFA_FLAGS all 32.
  if (wire.attrFlags !== 0) attrs.flags = wire.attrFlags;
  if (wire.metric !== null) attrs.rtPriority = wire.metric;
  const msg: AddrMessageInput = { family: wire.family, prefixlen: a.prefixlen, flags: wire.attrFlags & 0xff, scope: wire.scope, index: a.index, attrs };
  return { type: head.type, flags: head.flags, payload: rtnl.addr.encode(msg) };
}

/** What an address request says: a delete names the address (local, peer, prefix length, link) and nothing else. */
function addressWire(a: AddressRecord, intent: 'create' | 'replace' | 'delete'): AddressWire {
  const del = intent === 'delete';
  return {
    family: a.family === 4 ? AF_INET : AF_INET6, prefixlen: a.prefixlen, scope: del ? 0 : scopeNumber(a.scope), index: a.index,
    local: a.address, address: a.peer ?? a.address, broadcast: del ? null : a.broadcast, label: del ? null : a.label,
    attrFlags: del ? 0 : a.flags & ADDRESS_FLAGS_SENT,
    // (`|| null`: 0, and a record journalled before addresses had a metric, is none.)
    metric: del ? null : a.metric || null,
  };
}

/** A scope name as its number (the few names records hold, remembered). */
const scopeNumbers = new Map<string, number>();
function scopeNumber(name: string): number {
  let n = scopeNumbers.get(name);
  if (n === undefined) {
    n = enumNumber(SCOPES, name, 'scope', 255);
    scopeNumbers.set(name, n);
  }
  return n;
}

/**
 * RTM_NEWROUTE / RTM_DELROUTE for a route record: what encodeRoute makes of routeSpec(r). The
 * record says every field, so a delete matches exactly the route recorded (protocol, scope and
 * type included).
 */
export function encodeRouteRecord(r: RouteRecord, intent: 'create' | 'replace' | 'append' | 'delete'): NetlinkRequest {
  const head = requestHead('route', ROUTE_OP[intent]);
  const dst = prefixParts(r.family, r.dst);
  const src = r.src !== null ? prefixParts(r.family, r.src) : null;
  const pref = r.family === 6 && r.pref !== null ? enumNumber(ROUTE_PREFS, r.pref, 'pref', 3) : null;
  const protocol = enumNumber(PROTOCOLS, r.protocol, 'protocol', 255);
  const scope = scopeNumber(r.scope);
  const type = enumNumber(ROUTE_TYPES, r.type, 'type', 255);
  if (plainRoute(r)) {
    const fast = routePayload({
      family: r.family, dst: dst.address, dstLen: dst.len, tos: r.tos, table: r.table, protocol, scope, type,
      gateway: r.gateway, oif: r.oif, priority: r.priority, prefsrc: r.prefsrc, pref, onlink: r.onlink,
    });
    if (fast !== null) return { type: head.type, flags: head.flags, payload: fast };
  }
  // Metrics, multipath, a source prefix, or something record-wire.ts leaves to the codec (which
  // may refuse it), in the kernel's order as record-wire.ts writes it (ROUTE_ATTR_ORDER).
  let metrics: Record<string, number | string> | undefined;
  if (r.metrics !== null) {
    // As the spec validator does: metrics without a number-valued RTAX_* name are not sent.
    for (const k of Object.keys(r.metrics)) {
      if (METRICS.value(k) === undefined) continue;
      (metrics ??= {})[k] = r.metrics[k]!;
    }
  }
  const attrs = routeAttrsInOrder(r.family, {
    // rtm_table holds 8 bits; RTA_TABLE always carries the whole id.
    table: r.table,
    dst: dst.address ?? undefined,
    src: src?.address ?? undefined,
    priority: r.priority ?? undefined,
    prefsrc: r.prefsrc ?? undefined,
    metrics: metrics as RouteMessageInput['attrs']['metrics'],
    // Through a nexthop object: the object alone (its gateway, oif and multipath are the kernel's
    // report of it).
    ...(r.nhid != null ? { nhId: r.nhid } : {
      ...gatewayAttrs(r.family, r.gateway ?? undefined),
      oif: r.oif ?? undefined,
      ...recordEncap(r.encap, intent),
      flow: r.realms ?? undefined,
      multipath: r.multipath?.map((h) => ({
        flags: h.onlink ? RTNH_F_ONLINK : 0, hops: h.weight - 1, ifindex: h.oif ?? 0,
        attrs: {
          ...gatewayAttrs(r.family, h.gateway ?? undefined), ...recordEncap(h.encap, intent), ...(h.realms != null ? { flow: h.realms } : {}),
        },
      })),
    }),
    pref: pref ?? undefined,
  });
  const msg: RouteMessageInput = {
    family: r.family === 4 ? AF_INET : AF_INET6, dstLen: dst.len, srcLen: src?.len ?? 0, tos: r.tos, table: r.table < 256 ? r.table : 0,
    protocol, scope, type, flags: r.onlink && r.nhid == null ? RTNH_F_ONLINK : 0, attrs,
  };
  return { type: head.type, flags: head.flags, payload: rtnl.route.encode(msg) };
}

/**
 * A route record's request is record-wire.ts's to write (when its values fit): no metrics, next
 * hops, source prefix, encapsulation, realms or nexthop object. (`== null`: a journal written before
 * records had encap, realms and nhid holds records without them.)
 */
function plainRoute(r: RouteRecord): boolean {
  return r.metrics === null && r.multipath === null && r.src === null && r.encap == null && r.realms == null && r.nhid == null;
}

/**
 * A record's encapsulation as the codec takes it; none for a delete, which finds the route without
 * it (the kernel would build the tunnel state again to compare it, and some types cannot be built
 * from what a dump says: a BPF program is named, not given).
 */
function recordEncap(e: RouteEncap | null, intent: string): ReturnType<typeof encapAttrs> {
  if (e === null || e === undefined || intent === 'delete') return {};
  return encapAttrs({ type: enumNumber(ENCAP_TYPES, e.type, 'encap.type', 0xffff), data: Buffer.from(e.data, 'hex') });
}

/**
 * The request of an operation that needs nothing resolved (every operation of the transaction's
 * own namespace but link changes that name another namespace), encoded at once; null for those.
 */
export function encodeOp(op: Operation, home: NetnsSpec): NetlinkRequest | null {
  switch (op.kind) {
    case 'address': return encodeAddressRecord(op.spec, op.intent);
    case 'route': return encodeRouteRecord(op.spec, op.intent);
    case 'interface': {
      if (op.intent === 'create') return encodeLinkCreate(op.spec);
      if (op.intent === 'set' && op.spec.netns !== undefined) return null;
      break;
    }
  }
  const p = prepareChange(changeOf(op, home)!);
  if (p.namespaces.length > 0) return null;
  return p.encode(indexOnlyContext);
}

/**
 * Appends the request of an operation to `framed`, written in place where record-wire.ts can (the
 * addresses, routes and new links big plans are made of), else encoded (encodeOp) and copied.
 * Returns false, appending nothing, for an operation that names another namespace (prepareOp's
 * business). Throws as encodeOp does. Never NLM_F_ECHO: commits learn of their changes from the
 * event socket.
 */
export function frameOp(framed: FramedRequests, op: Operation, home: NetnsSpec, memo?: FrameMemo): boolean {
  if (op.kind === 'address') {
    const head = requestHead('address', ADDR_OP[op.intent]);
    const wire = addressWire(op.spec, op.intent);
    const size = addressSize(wire);
    if (size >= 0) {
      const at = framed.add(head.type, head.flags, size);
      if (writeAddress(framed.bytes, at, wire)) return true;
      framed.drop();
    }
  } else if (op.kind === 'route' && plainRoute(op.spec)) {
    const r = op.spec;
    if (memo !== undefined && memo.route !== null && repeatRoute(framed, memo, r, op.intent)) return true;
    const head = requestHead('route', ROUTE_OP[op.intent]);
    const dst = prefixParts(r.family, r.dst);
    const pref = r.family === 6 && r.pref !== null ? enumNumber(ROUTE_PREFS, r.pref, 'pref', 3) : null;
    const wire: RouteWire = {
      family: r.family, dst: dst.address, dstLen: dst.len, tos: r.tos, table: r.table, protocol: enumNumber(PROTOCOLS, r.protocol, 'protocol', 255),
      scope: scopeNumber(r.scope), type: enumNumber(ROUTE_TYPES, r.type, 'type', 255), gateway: r.gateway, oif: r.oif, priority: r.priority,
      prefsrc: r.prefsrc, pref, onlink: r.onlink,
    };
    const size = routeSize(wire);
    if (size >= 0) {
      const at = framed.add(head.type, head.flags, size);
      if (writeRoute(framed.bytes, at, wire)) {
        if (memo !== undefined) remember(memo, framed, r, op.intent, wire);
        return true;
      }
      framed.drop();
    }
  } else if (op.kind === 'interface' && op.intent === 'create') {
    const size = linkCreateSize(op.spec);
    if (size >= 0) {
      const head = requestHead('interface', 'add');
      // (add() first: it may grow the buffer.)
      const at = framed.add(head.type, head.flags, size);
      writeLinkCreate(framed.bytes, at, op.spec);
      return true;
    }
  }
  const req = encodeOp(op, home);
  if (req === null) return false;
  framed.addPayload(req.type, (req.flags ?? 0) & ~NLM_F.ECHO, req.payload);
  return true;
}

/**
 * The last route frameOp() wrote whole, kept for the routes after it that differ from it only in
 * their destination's IPv4 address (10,000 routes via one gateway): their messages are copies of
 * its message with that address written over, where writing each attribute by attribute costs
 * several times as much in a process that commits once. One per plan (KernelExecutor.prepare).
 */
export class FrameMemo {
  /** The route, null until one of this shape was written (IPv4 text, a destination prefix > 0). */
  route: RouteRecord | null = null;
  intent = '';
  dstLen = 0;
  /** Its message: where it starts in the buffer, and its aligned size. */
  start = 0;
  size = 0;
}

/** The offset of RTA_DST's address in a route message (writeRoute writes it after RTA_TABLE). */
const ROUTE_DST_AT = NLMSG_HDRLEN + 12 + 8 + 4;

function remember(memo: FrameMemo, framed: FramedRequests, r: RouteRecord, intent: string, wire: RouteWire): void {
  if (wire.family !== 4 || wire.dst === null || wire.dst.indexOf(':') >= 0) return;
  memo.route = r;
  memo.intent = intent;
  memo.dstLen = wire.dstLen;
  memo.start = framed.starts[framed.count - 1]!;
  memo.size = framed.length - memo.start;
}

/** A prefix length written as 1 to 3 plain digits, from `from` to the end of `text`; -1 otherwise. */
function plainLength(text: string, from: number): number {
  const n = text.length - from;
  if (n < 1 || n > 3) return -1;
  let v = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/**
 * Dotted-quad text in [from, to) written at b[o..o+4), as the codec's parser reads it (1 to 3
 * digits an octet, at most 255); false (bytes half written) for anything else.
 */
function putIp4(b: Buffer, o: number, text: string, from: number, to: number): boolean {
  let part = 0;
  let digits = 0;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part === 3) return false;
      b[o + part++] = v;
      v = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (++digits > 3) return false;
      v = v * 10 + (c - 48);
      if (v > 255) return false;
    } else {
      return false;
    }
  }
  if (digits === 0 || part !== 3) return false;
  b[o + 3] = v;
  return true;
}

/**
 * Appends `r` as a copy of the remembered route's message with its own destination address, when
 * everything else it sends is the same (what writeRoute would write, byte for byte); false, having
 * appended nothing, otherwise.
 */
function repeatRoute(framed: FramedRequests, memo: FrameMemo, r: RouteRecord, intent: string): boolean {
  const p = memo.route!;
  if (intent !== memo.intent || r.family !== p.family || r.table !== p.table || r.tos !== p.tos || r.protocol !== p.protocol ||
    r.scope !== p.scope || r.type !== p.type || r.gateway !== p.gateway || r.oif !== p.oif || r.priority !== p.priority ||
    r.prefsrc !== p.prefsrc || r.pref !== p.pref || r.onlink !== p.onlink) return false;
  const dst = r.dst;
  const slash = dst.indexOf('/');
  // The prefix length as prefixParts() reads it (family 4: 32 when none is written).
  const len = slash < 0 ? 32 : plainLength(dst, slash + 1);
  // (IPv6 text fails here or in putIp4: neither takes a ':'.)
  if (len !== memo.dstLen) return false;
  const size = memo.size;
  const start = framed.length;
  if (start + size <= framed.bytes.length) {
    // (framed.add() would zero the bytes first: all of them are written over here. The copy asks
    // for no echo, as nothing encodePlan writes does: FramedRequests.echoes stays right.)
    framed.bytes.copyWithin(start, memo.start, memo.start + size);
    framed.starts.push(start);
    framed.length = start + size;
  } else {
    framed.add(0, 0, size - NLMSG_HDRLEN);
    framed.bytes.copyWithin(start, memo.start, memo.start + size);
  }
  if (putIp4(framed.bytes, start + ROUTE_DST_AT, dst, 0, slash < 0 ? dst.length : slash)) return true;
  framed.drop();
  return false;
}

const indexOnlyContext: EncodeContext = {
  index(t) {
    if ('index' in t) return t.index;
    throw new Error(`interface '${t.ifname}' was not resolved to an index before encoding`);
  },
  netns() {
    throw new Error('a namespace must be opened before encoding');
  },
};

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
