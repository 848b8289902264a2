/**
 * Route specs: validation and normalisation for `route('add' | 'del' | 'replace' | 'append', spec)`.
 *
 * Only what is given is kept: the defaults that depend on the operation (protocol 'boot' and a
 * computed scope for an add; wildcards for a delete) are the encoder's business.
 */
import type { Family } from '../records.js';
import type { RouteOp, RouteSpec } from '../specs.js';
import { ENCAP_TYPES, METRICS, PROTOCOLS, ROUTE_PREFS, ROUTE_TYPES, SCOPES } from '../names.js';
import { Checker } from './check.js';
import { parseIp, type ParsedIp } from './ip.js';
import { checkFamily, checkIfRef, checkIp, checkPrefix, checkTable, type IfTarget, type Prefix } from './values.js';

export interface ValidNextHop {
  gateway?: ParsedIp;
  oif?: IfTarget;
  /** 1..256, as ip counts it (the kernel's rtnh_hops is weight - 1). */
  weight: number;
  /** RTNH_F_ONLINK: the gateway is taken as on `oif`'s link. */
  onlink: boolean;
  encap?: ValidEncap;
  /** RTA_FLOW (IPv4 realms). */
  realms?: number;
}

/** An encapsulation: RTA_ENCAP_TYPE's number and RTA_ENCAP's payload. */
export interface ValidEncap {
  type: number;
  data: Buffer;
}

export interface ValidRoute {
  op: RouteOp;
  family: Family;
  dst: Prefix;
  table?: number;
  gateway?: ParsedIp;
  oif?: IfTarget;
  priority?: number;
  protocol?: number;
  scope?: number;
  type?: number;
  prefsrc?: ParsedIp;
  /** IPv6's source prefix (RTA_SRC); absent when none was given or it is a /0. */
  src?: Prefix;
  multipath?: ValidNextHop[];
  /** RTAX_* id → value (names in names.ts METRICS). */
  metrics?: Map<number, number | string>;
  tos?: number;
  pref?: number;
  /** RTNH_F_ONLINK (a single path's; next hops have their own). */
  onlink: boolean;
  encap?: ValidEncap;
  /** RTA_FLOW (IPv4 realms). */
  realms?: number;
  /**
   * RTA_NH_ID: the route goes through this nexthop object (its gateway, oif and multipath, if
   * given, say the kernel's report of it and are not sent).
   */
  nhid?: number;
}

const FIELDS = [
  'family', 'dst', 'table', 'gateway', 'oif', 'priority', 'protocol', 'scope', 'type', 'prefsrc', 'src', 'multipath', 'metrics', 'tos', 'pref',
  'onlink', 'encap', 'realms', 'nhid',
] as const;

export function validateRoute(op: RouteOp, spec: RouteSpec): ValidRoute {
  const c = new Checker();
  const out = checkRoute(c, op, spec);
  c.done();
  return out!;
}

/**
 * The family nothing states outright: dst when it is not 'default', else the first gateway,
 * prefsrc or source prefix that parses; IPv4 when nothing says.
 */
function impliedFamily(s: Record<string, unknown>): Family {
  const candidates: unknown[] = [];
  if (typeof s.dst === 'string') candidates.push(s.dst.split('/')[0]);
  else if (typeof s.dst === 'object' && s.dst !== null) candidates.push((s.dst as Record<string, unknown>).address);
  candidates.push(s.gateway, s.prefsrc);
  if (typeof s.src === 'string') candidates.push(s.src.split('/')[0]);
  else if (typeof s.src === 'object' && s.src !== null) candidates.push((s.src as Record<string, unknown>).address);
  if (Array.isArray(s.multipath)) for (const nh of s.multipath) candidates.push((nh as Record<string, unknown> | null)?.gateway);
  for (const v of candidates) {
    const ip = typeof v === 'string' ? parseIp(v) : null;
    if (ip) return ip.family;
  }
  return 4;
}

function checkRoute(c: Checker, op: RouteOp, spec: unknown): ValidRoute | undefined {
  if (op !== 'add' && op !== 'del' && op !== 'replace' && op !== 'append') {
    return c.fail('op', op, 'operation', "expected 'add', 'del', 'replace' or 'append'");
  }
  const s = c.object('', spec, FIELDS, 'route spec');
  if (!s) return undefined;
  const family = s.family !== undefined ? checkFamily(c, 'family', s.family) : impliedFamily(s);
  if (family === undefined) return undefined;
  const out: Partial<ValidRoute> = { op, family, onlink: false };
  if (s.dst === undefined) c.fail('dst', undefined, 'prefix', "missing: give a prefix or 'default'");
  else out.dst = checkPrefix(c, 'dst', s.dst, { allowDefault: true, network: true, family });
  if (s.table !== undefined) out.table = checkTable(c, 'table', s.table);
  if (s.gateway !== undefined) out.gateway = checkGateway(c, 'gateway', s.gateway, family);
  if (s.oif !== undefined) out.oif = checkIfRef(c, 'oif', s.oif);
  if (s.priority !== undefined) out.priority = c.u32('priority', s.priority, 'metric');
  if (s.protocol !== undefined) out.protocol = c.enumValue('protocol', s.protocol, PROTOCOLS, 255, 'protocol');
  if (s.scope !== undefined) out.scope = c.enumValue('scope', s.scope, SCOPES, 255, 'scope');
  if (s.type !== undefined) {
    out.type = c.enumValue('type', s.type, ROUTE_TYPES, 255, 'route type');
    if (out.type === 0 && op !== 'del') c.fail('type', s.type, 'route type', "'unspec' only matches, it cannot be created");
  }
  if (s.prefsrc !== undefined) out.prefsrc = checkIp(c, 'prefsrc', s.prefsrc, family);
  if (s.src !== undefined) {
    const src = checkPrefix(c, 'src', s.src, { allowDefault: true, network: true, family });
    // (IPv4's fib takes a route with RTA_SRC and drops the source: a different route than asked.)
    if (src !== undefined && src.prefixlen > 0 && family !== 6) c.fail('src', s.src, 'source prefix', 'only IPv6 routes can be source-specific');
    else if (src !== undefined && src.prefixlen > 0) out.src = src;
  }
  if (s.tos !== undefined) out.tos = c.u8('tos', s.tos, 'TOS');
  if (s.pref !== undefined) {
    if (family !== 6) c.fail('pref', s.pref, 'route preference', 'only IPv6 routes have a preference');
    else {
      const p = c.enumValue('pref', s.pref, ROUTE_PREFS, 3, 'route preference');
      if (p === 2) c.fail('pref', s.pref, 'route preference', "expected 'low', 'medium' or 'high'");
      else out.pref = p;
    }
  }
  if (s.onlink !== undefined) out.onlink = checkOnlink(c, 'onlink', s.onlink, s.gateway, s.oif);
  if (s.encap !== undefined && s.encap !== null) out.encap = checkEncap(c, 'encap', s.encap);
  if (s.realms !== undefined && s.realms !== null) out.realms = checkRealms(c, 'realms', s.realms, family);
  if (s.nhid != null) {
    out.nhid = c.int('nhid', s.nhid, 1, 0xffffffff, 'nexthop id');
    // (The kernel: "Nexthop specification and nexthop id are mutually exclusive".)
    for (const f of ['encap', 'realms', 'onlink'] as const) {
      if (s[f] != null && s[f] !== false) c.fail(f, s[f], 'next hop', 'a route through a nexthop object (nhid) has the object\'s');
    }
  }
  if (s.multipath !== undefined) out.multipath = checkMultipath(c, s, family);
  if (s.metrics !== undefined) out.metrics = checkMetrics(c, s.metrics);
  return c.ok ? (out as ValidRoute) : undefined;
}

/**
 * A gateway of the route's family, or an IPv6 gateway of an IPv4 route (`ip route add 10.6.0.0/24
 * via inet6 fe80::1 dev eth0`: RFC 5549's next hop, which the kernel takes and announces as RTA_VIA).
 * IPv6 routes have no RTA_VIA (the kernel refuses one), so an IPv4 gateway of theirs is refused here.
 */
function checkGateway(c: Checker, field: string, value: unknown, family: Family): ParsedIp | undefined {
  return checkIp(c, field, value, family === 4 ? undefined : family);
}

/**
 * ip's `onlink`: a boolean, and only with a gateway and a device (the kernel refuses it without a
 * gateway, "PERVASIVE and ONLINK can not be set", and without a device, "Nexthop device required
 * for onlink"). `onlink: false` is the same as leaving it out.
 */
function checkOnlink(c: Checker, field: string, value: unknown, gateway: unknown, oif: unknown): boolean {
  if (typeof value !== 'boolean') return c.fail(field, value, 'flag', 'expected true or false') ?? false;
  if (value && (gateway === undefined || oif === undefined)) {
    return c.fail(field, value, 'flag', `onlink needs a gateway and an oif (${gateway === undefined ? 'no gateway' : 'no oif'})`) ?? false;
  }
  return value;
}

/**
 * A record's encapsulation ({ type, data }: ENCAP_TYPES's name or number, RTA_ENCAP's payload in
 * hex), sent as it is: the kernel checks the attributes (and says what it refuses).
 */
function checkEncap(c: Checker, field: string, value: unknown): ValidEncap | undefined {
  const e = c.object(field, value, ['type', 'data'], 'encapsulation');
  if (!e) return undefined;
  const type = e.type === undefined ? c.fail(`${field}.type`, undefined, 'encapsulation type', 'missing')
    : c.enumValue(`${field}.type`, e.type, ENCAP_TYPES, 0xffff, 'encapsulation type');
  if (type === 0) c.fail(`${field}.type`, e.type, 'encapsulation type', "'none' is no encapsulation: leave encap out");
  let data: Buffer | undefined;
  if (typeof e.data !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(e.data)) {
    c.fail(`${field}.data`, e.data, 'hex', 'expected RTA_ENCAP\'s attributes as an even number of hex digits');
  } else {
    data = Buffer.from(e.data, 'hex');
  }
  return type !== undefined && type !== 0 && data !== undefined ? { type, data } : undefined;
}

/** RTA_FLOW: a u32 (realms), IPv4 only (IPv6 routes have none). */
function checkRealms(c: Checker, field: string, value: unknown, family: Family): number | undefined {
  if (family !== 4) return c.fail(field, value, 'realms', 'only IPv4 routes have realms');
  return c.u32(field, value, 'realms');
}

function checkMultipath(c: Checker, s: Record<string, unknown>, family: Family): ValidNextHop[] | undefined {
  if (!Array.isArray(s.multipath)) return c.fail('multipath', s.multipath, 'next hops', 'expected an array');
  if (s.multipath.length === 0) return c.fail('multipath', s.multipath, 'next hops', 'empty; leave multipath out for a single path');
  // (null, and onlink false, say nothing.)
  const beside = (['gateway', 'oif', 'onlink', 'encap', 'realms'] as const).find((f) => s[f] !== undefined && s[f] !== null && s[f] !== false);
  if (beside !== undefined) c.fail(beside, s[beside], 'next hop', `give ${beside} per next hop in multipath, not beside it`);
  const hops: ValidNextHop[] = [];
  s.multipath.forEach((raw: unknown, i: number) => {
    const at = `multipath[${i}]`;
    const nh = c.object(at, raw, ['gateway', 'oif', 'weight', 'onlink', 'encap', 'realms'], 'next hop');
    if (!nh) return;
    const hop: ValidNextHop = { weight: 1, onlink: false };
    if (nh.onlink !== undefined) hop.onlink = checkOnlink(c, `${at}.onlink`, nh.onlink, nh.gateway, nh.oif);
    if (nh.encap !== undefined && nh.encap !== null) hop.encap = checkEncap(c, `${at}.encap`, nh.encap);
    if (nh.realms !== undefined && nh.realms !== null) hop.realms = checkRealms(c, `${at}.realms`, nh.realms, family);
    if (nh.gateway !== undefined) hop.gateway = checkGateway(c, `${at}.gateway`, nh.gateway, family);
    if (nh.oif !== undefined) hop.oif = checkIfRef(c, `${at}.oif`, nh.oif);
    if (nh.gateway === undefined && nh.oif === undefined) c.fail(`${at}.gateway`, undefined, 'next hop', 'a next hop needs a gateway or an oif');
    if (nh.weight !== undefined) hop.weight = c.int(`${at}.weight`, nh.weight, 1, 256, 'weight') ?? 1;
    hops.push(hop);
  });
  return hops;
}

function checkMetrics(c: Checker, value: unknown): Map<number, number | string> | undefined {
  const m = c.object('metrics', value, METRICS.names, 'metrics');
  if (!m) return undefined;
  const out = new Map<number, number | string>();
  for (const [name, v] of Object.entries(m)) {
    if (v === undefined) continue;
    const id = METRICS.value(name);
    // (A congestion control's name: the kernel's TCP_CA_NAME_MAX is 16 with its NUL.)
    const n = name === 'ccAlgo'
      ? (typeof v === 'string' && /^[A-Za-z0-9_-]{1,15}$/.test(v) ? v : c.fail(`metrics.${name}`, v, 'congestion control', 'expected a name such as \'cubic\' or \'bbr\''))
      : c.u32(`metrics.${name}`, v, 'metric value');
    if (id !== undefined && n !== undefined) out.set(id, n);
  }
  return out;
}
