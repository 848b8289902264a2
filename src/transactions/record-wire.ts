/**
 * The payloads of the requests big transactions are made of (an address, a route, a new link)
 * written straight into bytes, for the shapes that make up nearly every such request: an address
 * with its local, peer, broadcast, label and flags; a route with dst, table, gateway, oif,
 * priority, prefsrc and (IPv6) pref; a link created with its name, kind, mtu, MAC address,
 * txqlen, group and lower device, and a veth's peer with the same. Anything else (metrics,
 * multipath, a kind's own settings, a value out of its field's range, text that is not an
 * address) returns null and goes to the codec, which encodes it or says why not.
 *
 * Why beside the codec: the codec interprets its tables attribute by attribute, which costs about
 * 7 µs a message in a process that starts, commits once and ends (the JIT never warms up), as much
 * as the kernel takes to add a route. Here one function per kind sizes the message, allocates it
 * once and writes it. The attribute numbers are read from the codec's own tables (nothing is kept
 * twice), the header layouts are the kernel's ABI (struct ifaddrmsg, struct rtmsg), and the output
 * is the codec's byte for byte (test/transactions/encode.test.ts compares them).
 */
import { parseIpInto, parseMac } from '../messages/core/addr.js';
import { rtnlSchema } from '../messages/index.js';
import type { LinkCreateSpec } from './ops.js';

const AF_INET = 2;
const AF_INET6 = 10;
const NLA_HDRLEN = 4;
const IFADDRMSG_LEN = 8;
const RTMSG_LEN = 12;
const IFINFOMSG_LEN = 16;

function attrType(set: string, name: string): number {
  const a = rtnlSchema.compiled.set(set).byName.get(name);
  if (a === undefined) throw new Error(`no attribute ${name} in ${set}`);
  return a.type | a.flags;
}

const IFA = {
  address: attrType('addr-attrs', 'address'),
  local: attrType('addr-attrs', 'local'),
  label: attrType('addr-attrs', 'label'),
  broadcast: attrType('addr-attrs', 'broadcast'),
  flags: attrType('addr-attrs', 'flags'),
};

const RTA = {
  dst: attrType('route-attrs', 'dst'),
  oif: attrType('route-attrs', 'oif'),
  gateway: attrType('route-attrs', 'gateway'),
  priority: attrType('route-attrs', 'priority'),
  prefsrc: attrType('route-attrs', 'prefsrc'),
  table: attrType('route-attrs', 'table'),
  pref: attrType('route-attrs', 'pref'),
};

const IFLA = {
  ifname: attrType('link-attrs', 'ifname'),
  mtu: attrType('link-attrs', 'mtu'),
  address: attrType('link-attrs', 'address'),
  txqlen: attrType('link-attrs', 'txqlen'),
  group: attrType('link-attrs', 'group'),
  link: attrType('link-attrs', 'link'),
  linkinfo: attrType('link-attrs', 'linkinfo'),
  kind: attrType('linkinfo-attrs', 'kind'),
  data: attrType('linkinfo-attrs', 'data'),
  peer: attrType('veth-attrs', 'peer'),
};

/** The bytes of an address's text: 4, 16, or 0 for none (its text is checked as it is written). */
function ipLen(text: string | null): number {
  return text === null ? 0 : text.indexOf(':') < 0 ? 4 : 16;
}

const isU8 = (v: number): boolean => (v & 0xff) === v;
const isU32 = (v: number): boolean => v >>> 0 === v;
const attrLen = (payload: number): number => (NLA_HDRLEN + payload + 3) & ~3;

// Byte by byte: Buffer's write methods check their arguments, and in a process that commits once
// their cost is most of writing a message.
function u16(b: Buffer, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = v >>> 8;
}

function u32(b: Buffer, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = v >>> 24;
}

/**
 * Writes an address attribute of `n` bytes (ipLen) at `off`; returns the next (aligned) offset, or
 * -1 when the text is not an address of that length.
 */
function putIp(b: Buffer, off: number, type: number, text: string, n: number): number {
  u16(b, off, NLA_HDRLEN + n);
  u16(b, off + 2, type);
  try {
    if (parseIpInto(text, b, off + NLA_HDRLEN) !== n) return -1;
  } catch {
    return -1;
  }
  return off + attrLen(n);
}

function putU32(b: Buffer, off: number, type: number, v: number): number {
  u16(b, off, NLA_HDRLEN + 4);
  u16(b, off + 2, type);
  u32(b, off + NLA_HDRLEN, v);
  return off + NLA_HDRLEN + 4;
}

/** What the payload of an address request says (encode-op.ts decides it from the record and intent). */
export interface AddressWire {
  family: number;
  prefixlen: number;
  scope: number;
  index: number;
  local: string;
  address: string;
  broadcast: string | null;
  label: string | null;
  /** IFA_FLAGS, sent when not 0; ifa_flags holds its low 8 bits. */
  attrFlags: number;
  /** IFA_RT_PRIORITY, or null: an address with one is the codec's to write. */
  metric: number | null;
}

/** The size of an address request's payload, or -1 when this file does not write it (the codec will). */
export function addressSize(a: AddressWire): number {
  if (!isU8(a.prefixlen) || !isU8(a.scope) || !isU32(a.index) || !isU32(a.attrFlags) || a.metric !== null) return -1;
  const nBroadcast = ipLen(a.broadcast);
  return IFADDRMSG_LEN + attrLen(ipLen(a.local)) + attrLen(ipLen(a.address)) + (nBroadcast > 0 ? attrLen(nBroadcast) : 0) +
    (a.label !== null ? attrLen(Buffer.byteLength(a.label) + 1) : 0) + (a.attrFlags !== 0 ? attrLen(4) : 0);
}

/**
 * Writes an address request's payload (ifaddrmsg, IFA_LOCAL, IFA_ADDRESS, ...) at b[off], into
 * addressSize(a) zeroed bytes; false when a text is not an address (the codec then says why).
 */
export function writeAddress(b: Buffer, off: number, a: AddressWire): boolean {
  b[off] = a.family;
  b[off + 1] = a.prefixlen;
  b[off + 2] = a.attrFlags & 0xff;
  b[off + 3] = a.scope;
  u32(b, off + 4, a.index);
  let at = putIp(b, off + IFADDRMSG_LEN, IFA.local, a.local, ipLen(a.local));
  if (at >= 0) at = putIp(b, at, IFA.address, a.address, ipLen(a.address));
  if (at >= 0 && a.broadcast !== null) at = putIp(b, at, IFA.broadcast, a.broadcast, ipLen(a.broadcast));
  if (at < 0) return false;
  if (a.label !== null) {
    const n = Buffer.byteLength(a.label);
    u16(b, at, NLA_HDRLEN + n + 1);
    u16(b, at + 2, IFA.label);
    b.write(a.label, at + NLA_HDRLEN, 'utf8');
    at += attrLen(n + 1);
  }
  if (a.attrFlags !== 0) putU32(b, at, IFA.flags, a.attrFlags);
  return true;
}

/** The payload of RTM_NEWADDR / RTM_DELADDR in a buffer of its own, or null for the codec. */
export function addressPayload(a: AddressWire): Buffer | null {
  const size = addressSize(a);
  if (size < 0) return null;
  // Zeroed: padding must be zeros, as the codec writes it.
  const b = Buffer.allocUnsafe(size).fill(0);
  return writeAddress(b, 0, a) ? b : null;
}

/** What the payload of a route request says, for a route without metrics or multipath. */
export interface RouteWire {
  family: 4 | 6;
  /** The destination's address (null for a zero-length prefix) and length. */
  dst: string | null;
  dstLen: number;
  tos: number;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  gateway: string | null;
  oif: number | null;
  priority: number | null;
  prefsrc: string | null;
  /** RTA_PREF's number (IPv6 only), or null. */
  pref: number | null;
  /** RTNH_F_ONLINK in rtm_flags. */
  onlink: boolean;
}

/** The size of a route request's payload, or -1 when this file does not write it (the codec will). */
export function routeSize(r: RouteWire): number {
  if (!isU8(r.dstLen) || !isU8(r.tos) || !isU32(r.table) || !isU8(r.protocol) || !isU8(r.scope) || !isU8(r.type)) return -1;
  if ((r.oif !== null && !isU32(r.oif)) || (r.priority !== null && !isU32(r.priority)) || (r.pref !== null && !isU8(r.pref))) return -1;
  const nDst = ipLen(r.dst);
  const nGateway = ipLen(r.gateway);
  // A gateway of the other family goes as RTA_VIA (encode/route.ts, gatewayAttrs): the codec's.
  if (nGateway > 0 && nGateway !== (r.family === 4 ? 4 : 16)) return -1;
  const nPrefsrc = ipLen(r.prefsrc);
  return RTMSG_LEN + (nDst > 0 ? attrLen(nDst) : 0) + attrLen(4) + (nGateway > 0 ? attrLen(nGateway) : 0) +
    (r.oif !== null ? attrLen(4) : 0) + (r.priority !== null ? attrLen(4) : 0) + (nPrefsrc > 0 ? attrLen(nPrefsrc) : 0) +
    (r.pref !== null ? attrLen(1) : 0);
}

/**
 * Writes a route request's payload (rtmsg, RTA_TABLE, RTA_DST, ...) at b[off], into routeSize(r)
 * zeroed bytes; false when a text is not an address (the codec then says why).
 */
export function writeRoute(b: Buffer, off: number, r: RouteWire): boolean {
  b[off] = r.family === 4 ? AF_INET : AF_INET6;
  b[off + 1] = r.dstLen;
  // b[off + 2], rtm_src_len: 0
  b[off + 3] = r.tos;
  // rtm_table holds 8 bits; RTA_TABLE always carries the whole id.
  b[off + 4] = r.table < 256 ? r.table : 0;
  b[off + 5] = r.protocol;
  b[off + 6] = r.scope;
  b[off + 7] = r.type;
  // rtm_flags (bytes 8..11): RTNH_F_ONLINK (4) or nothing.
  if (r.onlink) b[off + 8] = 4;
  // In the order the kernel announces a route (ROUTE_ATTR_ORDER, iproute/encode/route.ts: IPv4
  // has priority before prefsrc, IPv6 the other way round), so that its notification of a plain
  // route is these very bytes (transactions/echo-claim.ts).
  let at = putU32(b, off + RTMSG_LEN, RTA.table, r.table);
  if (r.dst !== null) at = putIp(b, at, RTA.dst, r.dst, ipLen(r.dst));
  if (at < 0) return false;
  if (r.family === 4 && r.priority !== null) at = putU32(b, at, RTA.priority, r.priority);
  if (r.prefsrc !== null) at = putIp(b, at, RTA.prefsrc, r.prefsrc, ipLen(r.prefsrc));
  if (at < 0) return false;
  if (r.family === 6 && r.priority !== null) at = putU32(b, at, RTA.priority, r.priority);
  if (r.gateway !== null) at = putIp(b, at, RTA.gateway, r.gateway, ipLen(r.gateway));
  if (at < 0) return false;
  if (r.oif !== null) at = putU32(b, at, RTA.oif, r.oif);
  if (r.pref !== null) {
    u16(b, at, NLA_HDRLEN + 1);
    u16(b, at + 2, RTA.pref);
    b[at + NLA_HDRLEN] = r.pref;
  }
  return true;
}

/** The payload of RTM_NEWROUTE / RTM_DELROUTE in a buffer of its own, or null for the codec. */
export function routePayload(r: RouteWire): Buffer | null {
  const size = routeSize(r);
  if (size < 0) return null;
  const b = Buffer.allocUnsafe(size).fill(0);
  return writeRoute(b, 0, r) ? b : null;
}

/** The settings a link-create request gives each end (encode-op.ts, encodeLinkCreate). */
interface LinkEnd {
  index: number;
  ifname: string;
  mtu?: number;
  address?: string;
  txqlen?: number;
  group?: number;
}

const isIndex = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= 0x7fffffff;
const u32OrNone = (v: number | undefined): boolean => v === undefined || isU32(v);
const stringLen = (text: string): number => attrLen(Buffer.byteLength(text) + 1);

/** The MAC address's bytes, or null when the codec should say what is wrong with it. */
function macOf(text: string | undefined): Uint8Array | null {
  if (text === undefined) return null;
  try {
    return parseMac(text);
  } catch {
    return null;
  }
}

/** The size of one end's ifinfomsg and attributes (without IFLA_LINK and IFLA_LINKINFO), or -1. */
function endSize(e: LinkEnd): number {
  if (!isIndex(e.index) || typeof e.ifname !== 'string') return -1;
  if (!u32OrNone(e.mtu) || !u32OrNone(e.txqlen) || !u32OrNone(e.group)) return -1;
  let n = IFINFOMSG_LEN + stringLen(e.ifname);
  if (e.mtu !== undefined) n += attrLen(4);
  if (e.address !== undefined) {
    const mac = macOf(e.address);
    if (mac === null) return -1;
    n += attrLen(mac.length);
  }
  if (e.txqlen !== undefined) n += attrLen(4);
  if (e.group !== undefined) n += attrLen(4);
  return n;
}

function putString(b: Buffer, off: number, type: number, text: string): number {
  const n = b.write(text, off + NLA_HDRLEN, 'utf8');
  // (The byte after the text, and the padding, are zero already.)
  u16(b, off, NLA_HDRLEN + n + 1);
  u16(b, off + 2, type);
  return off + attrLen(n + 1);
}

/** Writes one end (ifinfomsg, IFLA_IFNAME, IFLA_MTU, IFLA_ADDRESS, IFLA_TXQLEN, IFLA_GROUP) at b[off]. */
function writeEnd(b: Buffer, off: number, e: LinkEnd): number {
  // ifi_family, ifi_type, ifi_flags, ifi_change: 0.
  u32(b, off + 4, e.index);
  let at = putString(b, off + IFINFOMSG_LEN, IFLA.ifname, e.ifname);
  if (e.mtu !== undefined) at = putU32(b, at, IFLA.mtu, e.mtu);
  if (e.address !== undefined) {
    const mac = macOf(e.address)!;
    u16(b, at, NLA_HDRLEN + mac.length);
    u16(b, at + 2, IFLA.address);
    b.set(mac, at + NLA_HDRLEN);
    at += attrLen(mac.length);
  }
  if (e.txqlen !== undefined) at = putU32(b, at, IFLA.txqlen, e.txqlen);
  if (e.group !== undefined) at = putU32(b, at, IFLA.group, e.group);
  return at;
}

/** Whether the request's IFLA_INFO_DATA is a veth's peer (the only kind's data this file writes). */
const hasPeer = (s: LinkCreateSpec): boolean => s.kind === 'veth' && s.peer !== undefined;

/**
 * The size of a link-create request's payload, or -1 when this file does not write it: a kind's
 * own settings (`info`, other than a veth's peer), or a value the codec should report.
 */
export function linkCreateSize(s: LinkCreateSpec): number {
  if (typeof s.kind !== 'string' || (s.info !== undefined && !hasPeer(s)) || s.peerNetnsid !== undefined) return -1;
  // Flags (an undo's, or set on a new link) ride in ifi_flags under ifi_change: the codec's business.
  if (s.flags !== undefined || s.peer?.flags !== undefined) return -1;
  if (s.link !== undefined && !isU32(s.link)) return -1;
  const own = endSize(s);
  if (own < 0) return -1;
  let info = stringLen(s.kind);
  if (hasPeer(s)) {
    const peer = endSize(s.peer!);
    if (peer < 0) return -1;
    info += attrLen(attrLen(peer));
  }
  return own + (s.link !== undefined ? attrLen(4) : 0) + attrLen(info);
}

/**
 * Writes a link-create request's payload at b[off], into linkCreateSize(s) zeroed bytes, in the
 * codec's order: the link's own attributes, IFLA_LINK, then IFLA_LINKINFO with the kind and a
 * veth's peer (IFLA_INFO_DATA > VETH_INFO_PEER: an ifinfomsg and its attributes).
 */
export function writeLinkCreate(b: Buffer, off: number, s: LinkCreateSpec): void {
  let at = writeEnd(b, off, s);
  if (s.link !== undefined) at = putU32(b, at, IFLA.link, s.link);
  const info = at;
  at = putString(b, info + NLA_HDRLEN, IFLA.kind, s.kind);
  if (hasPeer(s)) {
    const data = at;
    const peer = data + NLA_HDRLEN;
    at = writeEnd(b, peer + NLA_HDRLEN, s.peer!);
    u16(b, peer, at - peer);
    u16(b, peer + 2, IFLA.peer);
    u16(b, data, at - data);
    u16(b, data + 2, IFLA.data);
  }
  u16(b, info, at - info);
  u16(b, info + 2, IFLA.linkinfo);
}
