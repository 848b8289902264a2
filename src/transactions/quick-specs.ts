/**
 * The specs big transactions are made of, turned into records without the general validators:
 * `addIp('10.1.2.3/32')` and `routes.add({ dst: '10.1.0.0/16', gateway: '10.0.0.2', oif: 'eth0' })`
 * written thousands of times. A spec of exactly these shapes, with canonical IPv4 text, gets here
 * the record normalise.ts would make of it; anything else (another field, IPv6, text the
 * validators would rewrite or refuse) returns null and goes the general way, which says what is
 * wrong with it. So these functions accept a subset of what the validators accept and give the
 * same records (test/transactions/quick-specs.test.ts holds the two side by side).
 *
 * Why: the validators check any spec (a Checker object, field lists, regular expressions, parsed
 * bytes, canonical text formatted back), about 2 µs a spec in a process that commits once and
 * ends, where the JIT never warms up; 10,000 routes are drafted in the time the kernel takes to
 * add them.
 */
import type { AddressRecord, RouteRecord } from '../iproute/records.js';
import type { AddressSpec, LinkSpec, RouteSpec } from '../iproute/specs.js';
import type { IfTarget, ValidLink } from '../iproute/validate/index.js';
import type { ResolveIf } from './normalise.js';

const RT_TABLE_MAIN = 254;
const IFNAMSIZ = 16;

/**
 * The value of canonical dotted-quad text in [from, to) (no leading zeros, four octets of at most
 * 255: what the validators parse and print back unchanged), or -1.
 */
function ipv4(text: string, from: number, to: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      dots++;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return -1; // a leading zero
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + octet;
}

/** A canonical decimal prefix length in [from, to) of at most 32, or -1. */
function prefixLength(text: string, from: number, to: number): number {
  if (to - from < 1 || to - from > 2) return -1;
  const a = text.charCodeAt(from) - 48;
  if (a < 0 || a > 9) return -1;
  if (to - from === 1) return a;
  const b = text.charCodeAt(from + 1) - 48;
  if (a === 0 || b < 0 || b > 9) return -1;
  const n = a * 10 + b;
  return n <= 32 ? n : -1;
}

/** An interface name the validators take as it is (checkIfname), or false. */
function plainIfname(name: string): boolean {
  if (name.length === 0 || name.length >= IFNAMSIZ || name === '.' || name === '..') return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    // ASCII only (one byte each, so the length is the byte count), none of '/', ':', space or controls.
    if (c <= 32 || c >= 127 || c === 47 || c === 58) return false;
  }
  return true;
}

/** An interface reference (index or name) the validators take as it is, or null. */
function ifTarget(v: unknown): IfTarget | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 1 && v <= 0x7fffffff ? { index: v } : null;
  if (typeof v === 'string') return plainIfname(v) ? { ifname: v } : null;
  return null;
}

/**
 * What the last specs' gateway and interface were found to be: a transaction adding 10,000
 * routes through one gateway and device gives the same strings every time, and checking them
 * character by character is much of drafting a route in a process that has just started.
 * (Strings never change: the same string is the same answer.) One per draft.
 */
export class QuickMemo {
  gateway: string | undefined = undefined;
  gatewayOk = false;
  ifname: string | undefined = undefined;
  /** The target for `ifname`, null when it is not a name the validators take as it is. */
  target: IfTarget | null = null;
}

function plainGateway(memo: QuickMemo | undefined, gateway: string): boolean {
  if (memo === undefined) return ipv4(gateway, 0, gateway.length) >= 0;
  if (memo.gateway !== gateway) {
    memo.gatewayOk = ipv4(gateway, 0, gateway.length) >= 0;
    memo.gateway = gateway;
  }
  return memo.gatewayOk;
}

/** ifTarget(), remembering the last name checked (its target is only read: it is handed out again). */
function ifTargetMemo(memo: QuickMemo | undefined, v: unknown): IfTarget | null {
  if (memo === undefined || typeof v !== 'string') return ifTarget(v);
  if (memo.ifname !== v) {
    memo.target = plainIfname(v) ? { ifname: v } : null;
    memo.ifname = v;
  }
  return memo.target;
}

/**
 * normalise.ts's routeRecord() for { dst, gateway?, oif? } with an IPv4 dst ('a.b.c.d/n' without
 * host bits, n > 0, or a bare host address) and gateway; null for any other spec.
 */
export function quickRouteRecord(spec: RouteSpec, resolve: ResolveIf, memo?: QuickMemo): RouteRecord | null {
  if (typeof spec !== 'object' || spec === null) return null;
  for (const k in spec) {
    if (k !== 'dst' && k !== 'gateway' && k !== 'oif') return null;
  }
  const { dst, gateway, oif } = spec as { dst?: unknown; gateway?: unknown; oif?: unknown };
  if (typeof dst !== 'string') return null;
  const slash = dst.indexOf('/');
  const end = slash < 0 ? dst.length : slash;
  const value = ipv4(dst, 0, end);
  if (value < 0) return null;
  let text = dst;
  if (slash < 0) {
    text = `${dst}/32`;
  } else {
    const len = prefixLength(dst, slash + 1, dst.length);
    // /0 is 'default'; host bits set past the length are refused: both the validators' business.
    if (len <= 0 || value % 2 ** (32 - len) !== 0) return null;
  }
  if (gateway !== undefined && (typeof gateway !== 'string' || !plainGateway(memo, gateway))) return null;
  let target: IfTarget | null = null;
  if (oif !== undefined && (target = ifTargetMemo(memo, oif)) === null) return null;
  return {
    family: 4,
    table: RT_TABLE_MAIN,
    dst: text,
    src: null,
    gateway: gateway === undefined ? null : gateway as string,
    oif: target === null ? null : resolve(target, 'oif'),
    priority: null,
    protocol: 'boot',
    // As ip computes it: a unicast route without a gateway is on-link.
    scope: gateway === undefined ? 'link' : 'global',
    type: 'unicast',
    multipath: null,
    prefsrc: null,
    tos: 0,
    metrics: null,
    pref: null,
    onlink: false,
    encap: null,
    realms: null,
    nhid: null,
  };
}

/**
 * normalise.ts's addressRecord() for { index or ifname, address, prefixlen? } with an IPv4
 * address ('a.b.c.d' or 'a.b.c.d/n'); null for any other spec.
 */
export function quickAddressRecord(spec: AddressSpec, resolve: ResolveIf): AddressRecord | null {
  if (typeof spec !== 'object' || spec === null) return null;
  for (const k in spec) {
    if (k !== 'index' && k !== 'ifname' && k !== 'address' && k !== 'prefixlen') return null;
  }
  const { index, ifname, address, prefixlen } = spec as { index?: unknown; ifname?: unknown; address?: unknown; prefixlen?: unknown };
  if ((index === undefined) === (ifname === undefined)) return null;
  // An index is a number, a name a string (`oif` takes either).
  const target = index !== undefined ? (typeof index === 'number' ? ifTarget(index) : null) : typeof ifname === 'string' ? ifTarget(ifname) : null;
  if (target === null || typeof address !== 'string') return null;
  const slash = address.indexOf('/');
  const end = slash < 0 ? address.length : slash;
  if (ipv4(address, 0, end) < 0) return null;
  let len = 32;
  if (slash >= 0) {
    len = prefixLength(address, slash + 1, address.length);
    if (len < 0 || (prefixlen !== undefined && prefixlen !== len)) return null;
  } else if (prefixlen !== undefined) {
    if (typeof prefixlen !== 'number' || !Number.isInteger(prefixlen) || prefixlen < 0 || prefixlen > 32) return null;
    len = prefixlen;
  }
  const text = slash < 0 ? address : address.slice(0, slash);
  return {
    index: resolve(target, 'index' in target ? 'index' : 'ifname'),
    family: 4,
    address: text,
    prefixlen: len,
    peer: null,
    broadcast: null,
    label: null,
    scope: text.startsWith('127.') ? 'host' : 'global',
    flags: 0,
    metric: null,
  };
}

/** Kinds a create takes with a name alone (a veth: and its peer's name): no lower device, no options. */
const PLAIN_KINDS: ReadonlySet<string> = new Set(['veth', 'bridge', 'dummy', 'ifb']);

/**
 * validateLink('add', spec) for { ifname, kind, peer? } with a plain name, a kind of PLAIN_KINDS
 * and, for a veth (only), its peer's plain name; null for any other spec. What a transaction
 * creating 200 veth pairs in a process that has just started checks 200 times: the validator
 * (a Checker object, field lists, a regular expression per name) took about 1 ms of it.
 */
export function quickLinkCreate(spec: LinkSpec): ValidLink | null {
  if (typeof spec !== 'object' || spec === null) return null;
  for (const k in spec) {
    if (k !== 'ifname' && k !== 'kind' && k !== 'peer') return null;
  }
  const { ifname, kind, peer } = spec as { ifname?: unknown; kind?: unknown; peer?: unknown };
  if (typeof ifname !== 'string' || !plainIfname(ifname) || typeof kind !== 'string' || !PLAIN_KINDS.has(kind)) return null;
  if (kind !== 'veth') return peer === undefined ? { op: 'add', ifname, kind } : null;
  if (typeof peer !== 'string' || !plainIfname(peer)) return null;
  return { op: 'add', ifname, kind, peer: { ifname: peer } };
}
