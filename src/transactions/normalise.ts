/**
 * From the specs callers write (IPRoute's spec shapes, checked by IPRoute's validators) to the
 * whole records a transaction plans with: every default filled in the way the kernel will report
 * it back, so that an object's identity key is known before it exists and an inverse can re-create
 * it exactly.
 *
 * Defaults, as the kernel reports objects added by `ip`:
 * - route: table main (254), protocol 'boot', type 'unicast', tos 0; scope computed as ip does it
 *   (host for local/nat, link for broadcast/multicast/anycast and for a unicast route with no
 *   gateway, global otherwise; IPv6 routes always report global); an IPv4 metric of 0 is not sent
 *   back (null), an IPv6 route without one gets 1024; IPv6 routes carry pref 'medium'.
 * - address: prefix length /32 or /128; scope 'host' for 127/8 and ::1, 'link' for fe80::/10,
 *   'global' otherwise; flags 0 (what we send; the kernel adds IFA_F_PERMANENT when reporting).
 * - rule: action to_tbl (goto when a goto target is given), table main for a lookup (0 otherwise),
 *   tos 0, protocol 'unspec'; a rule
 *   needs an explicit priority here: the kernel's choice would not be known in advance.
 * - neighbour: state PERMANENT, flags 0.
 */
import type { AddressRecord, Family, NeighbourRecord, NextHop, PortRange, RouteEncap, RouteRecord, RuleRecord } from '../iproute/records.js';
import type { AddressSpec, NeighbourSpec, RouteSpec, RuleSpec } from '../iproute/specs.js';
import { ENCAP_TYPES, PROTOCOLS, ROUTE_PREFS, ROUTE_TYPES, RULE_ACTIONS, SCOPES, nudName, RT_TABLE_MAIN } from '../iproute/names.js';
import {
  validateAddress, validateNeighbour, validateRoute, validateRule, type IfTarget, type ValidEncap, type ValidRoute,
} from '../iproute/validate/index.js';
import { invalid } from './errors.js';
import { quickAddressRecord, quickRouteRecord, type QuickMemo } from './quick-specs.js';

/** IPv6's default metric: a route added without one gets 1024 (IP6_RT_PRIO_USER). */
export const IP6_RT_PRIO_USER = 1024;

/** A route's metric as the kernel compares it: a missing one is 0 (IPv4) or 1024 (IPv6). */
export function routeMetric(r: Pick<RouteRecord, 'family' | 'priority'>): number {
  return r.priority ?? (r.family === 6 ? IP6_RT_PRIO_USER : 0);
}

/** Turns an interface reference into an index, or throws a ValidationError naming `field`. */
export type ResolveIf = (target: IfTarget, field: string) => number;

const RTN_UNICAST = 1;
const RTN_LOCAL = 2;
const RTN_NAT = 10;
const RTN_BROADCAST = 3;
const RTN_MULTICAST = 5;
const RTN_ANYCAST = 4;
const RTPROT_BOOT = 3;
const FR_ACT_TO_TBL = 1;

function routeScope(v: ValidRoute): string {
  if (v.scope !== undefined) return SCOPES.name(v.scope);
  if (v.family === 6) return 'global';
  const type = v.type ?? RTN_UNICAST;
  if (type === RTN_LOCAL || type === RTN_NAT) return 'host';
  if (type === RTN_BROADCAST || type === RTN_MULTICAST || type === RTN_ANYCAST) return 'link';
  // (A route through a nexthop object is 'global', as ip makes it: `nhid` counts as a next hop.)
  if (type === RTN_UNICAST && v.nhid === undefined && !v.gateway && !(v.multipath ?? []).some((h) => h.gateway)) return 'link';
  return 'global';
}

/**
 * The largest values the kernel keeps of these metrics (ip_metrics_convert): more is stored as
 * that much. (A 0 is no metric at all: the kernel neither keeps nor reports it.)
 */
const METRIC_CAPS: Readonly<Record<string, number>> = { advmss: 65535 - 40, mtu: 65535 - 15, hoplimit: 255 };

/**
 * A spec's metrics as the kernel will report them: without zeros, capped as it caps them. The
 * record a commit waits for must be the one the kernel announces: `mtu: 0` or `hoplimit: 300`
 * waited out the deadline, and the undo of the capped route missed it (ESRCH).
 */
function metricsRecord(m: Record<string, number | string> | undefined): Record<string, number | string> | null {
  if (!m) return null;
  const out: Record<string, number | string> = {};
  for (const k of Object.keys(m).sort()) {
    const v = m[k]!;
    if (typeof v !== 'number') out[k] = v;
    else if (v !== 0) out[k] = Math.min(v, METRIC_CAPS[k] ?? v);
  }
  return Object.keys(out).length > 0 ? out : null;
}

/**
 * The routing table a route goes to: main when none is given, and for 0 (RT_TABLE_UNSPEC), which
 * the kernel takes as main (fib_new_table, fib_get_table, fib6_new_table). A record saying 0 would
 * wait for a route the kernel never reports in table 0.
 */
function routeTable(table: number | undefined): number {
  return table === undefined || table === 0 ? RT_TABLE_MAIN : table;
}

/** A whole RouteRecord for an add, replace or append (`memo`: the draft's, see QuickMemo). */
export function routeRecord(spec: RouteSpec, resolve: ResolveIf, memo?: QuickMemo): RouteRecord {
  return quickRouteRecord(spec, resolve, memo) ?? validRouteRecord(spec, resolve);
}

/** routeRecord() through IPRoute's validator, whatever the spec (what quickRouteRecord() must agree with). */
export function validRouteRecord(spec: RouteSpec, resolve: ResolveIf): RouteRecord {
  const v = validateRoute('add', spec);
  const multipath: NextHop[] | null = v.multipath
    ? v.multipath.map((h, i) => ({
        gateway: h.gateway?.text ?? null,
        oif: h.oif ? resolve(h.oif, `multipath[${i}].oif`) : null,
        weight: h.weight,
        onlink: h.onlink,
        encap: encapRecord(h.encap),
        realms: h.realms ?? null,
      }))
    : null;
  const priority = v.family === 6 ? (v.priority ?? IP6_RT_PRIO_USER) : v.priority ? v.priority : null;
  return {
    family: v.family,
    table: routeTable(v.table),
    dst: v.dst.text,
    src: v.src?.text ?? null,
    gateway: v.gateway?.text ?? null,
    oif: v.oif ? resolve(v.oif, 'oif') : null,
    priority,
    protocol: PROTOCOLS.name(v.protocol ?? RTPROT_BOOT),
    scope: routeScope(v),
    type: ROUTE_TYPES.name(v.type ?? RTN_UNICAST),
    multipath,
    prefsrc: v.prefsrc?.text ?? null,
    tos: v.tos ?? 0,
    // Taken from the spec (validated above): names and numbers as RouteRecord keeps them.
    metrics: metricsRecord(spec.metrics),
    pref: v.family === 6 ? ROUTE_PREFS.name(v.pref ?? 0) : null,
    onlink: v.onlink,
    encap: encapRecord(v.encap),
    realms: v.realms ?? null,
    nhid: v.nhid ?? null,
  };
}

/** A validated encapsulation as records keep it: the type's name, the attributes in hex. */
function encapRecord(e: ValidEncap | undefined): RouteEncap | null {
  return e === undefined ? null : { type: ENCAP_TYPES.name(e.type), data: e.data.toString('hex') };
}

/** routeMatcher's predicate, with the destination every route it accepts has. */
export interface RouteMatch {
  (r: RouteRecord): boolean;
  readonly family: Family;
  readonly table: number;
  readonly dst: string;
}

/**
 * A predicate for `routes.remove(spec)`: fields given must match, the rest are wildcards, except
 * the table, which is main when not given (as `ip route del` does).
 */
export function routeMatcher(spec: RouteSpec, resolve: ResolveIf): RouteMatch {
  const v = validateRoute('del', spec);
  const table = routeTable(v.table);
  const oif = v.oif ? resolve(v.oif, 'oif') : undefined;
  const hops = v.multipath?.map((h, i) => `${h.gateway?.text ?? ''}@${h.oif ? resolve(h.oif, `multipath[${i}].oif`) : ''}`).sort().join(',');
  return Object.assign((r: RouteRecord) =>
    r.family === v.family && r.table === table && r.dst === v.dst.text &&
    (v.gateway === undefined || r.gateway === v.gateway.text) &&
    (oif === undefined || r.oif === oif) &&
    (v.priority === undefined || routeMetric(r) === (v.family === 4 ? v.priority : v.priority)) &&
    (v.protocol === undefined || r.protocol === PROTOCOLS.name(v.protocol)) &&
    (v.scope === undefined || r.scope === SCOPES.name(v.scope)) &&
    (v.type === undefined || r.type === ROUTE_TYPES.name(v.type)) &&
    (v.prefsrc === undefined || r.prefsrc === v.prefsrc.text) &&
    (spec.src === undefined || r.src === (v.src?.text ?? null)) &&
    (v.tos === undefined || r.tos === v.tos) &&
    (spec.nhid == null || r.nhid === v.nhid) &&
    (spec.onlink === undefined || r.onlink === v.onlink) &&
    (spec.realms === undefined || r.realms === (v.realms ?? null)) &&
    (spec.encap === undefined || sameEncap(r.encap, v.encap)) &&
    (spec.metrics === undefined || sameMetrics(r.metrics, metricsRecord(spec.metrics))) &&
    (spec.pref === undefined || r.pref === (v.family === 6 ? ROUTE_PREFS.name(v.pref ?? 0) : null)) &&
    (hops === undefined || (r.multipath ?? []).map((h) => `${h.gateway ?? ''}@${h.oif ?? ''}`).sort().join(',') === hops),
  { family: v.family, table, dst: v.dst.text });
}

/** Whether two routes' metrics say the same (in whatever order their keys came). */
function sameMetrics(a: Record<string, number | string> | null, b: Record<string, number | string> | null): boolean {
  const ak = a === null ? [] : Object.keys(a);
  const bk = b === null ? [] : Object.keys(b);
  return ak.length === bk.length && ak.every((k) => b !== null && a![k] === b[k]);
}

function sameEncap(a: RouteEncap | null, b: ValidEncap | undefined): boolean {
  return b === undefined ? a === null : a !== null && a.type === ENCAP_TYPES.name(b.type) && a.data === b.data.toString('hex');
}

/**
 * routeMatcher() for the spec shapes quickRouteRecord() reads ({ dst, gateway?, oif? }, IPv4):
 * the same predicate, from the record that reads it (its destination and gateway texts are the
 * validator's), without the validator; null for any other spec. What removing 10,000 routes by
 * destination asks 10,000 times.
 */
export function quickRouteMatcher(spec: RouteSpec, resolve: ResolveIf, memo?: QuickMemo): RouteMatch | null {
  const r = quickRouteRecord(spec, resolve, memo);
  if (r === null) return null;
  const { table, dst } = r;
  const gateway = spec.gateway !== undefined ? r.gateway : undefined;
  const oif = spec.oif !== undefined ? r.oif : undefined;
  return Object.assign((x: RouteRecord) =>
    x.family === 4 && x.table === table && x.dst === dst && (gateway === undefined || x.gateway === gateway) && (oif === undefined || x.oif === oif),
  { family: 4 as const, table, dst });
}

function addressScope(family: Family, text: string): string {
  if (family === 4) return text.startsWith('127.') ? 'host' : 'global';
  if (text === '::1') return 'host';
  return /^fe[89ab][0-9a-f]:/.test(text) ? 'link' : 'global';
}

/** A whole AddressRecord; `spec` names its interface by index or ifname. */
export function addressRecord(spec: AddressSpec, resolve: ResolveIf): AddressRecord {
  return quickAddressRecord(spec, resolve) ?? validAddressRecord(spec, resolve);
}

/** addressRecord() through IPRoute's validator, whatever the spec (what quickAddressRecord() must agree with). */
export function validAddressRecord(spec: AddressSpec, resolve: ResolveIf): AddressRecord {
  const v = validateAddress('add', spec);
  const index = resolve(v.target, 'index' in v.target ? 'index' : 'ifname');
  const peer = v.peer && v.peer.text !== v.address.text ? v.peer.text : null;
  return {
    index,
    family: v.family,
    address: v.address.text,
    prefixlen: v.prefixlen,
    peer,
    broadcast: v.broadcast?.text ?? null,
    label: v.label ?? null,
    scope: v.scope !== undefined ? SCOPES.name(v.scope) : addressScope(v.family, v.address.text),
    flags: v.flags ?? 0,
    metric: v.metric ?? null,
  };
}

/** A whole RuleRecord for an add. */
export function ruleRecord(spec: RuleSpec): RuleRecord {
  if (spec.priority === undefined) {
    throw invalid('priority', undefined, 'priority', 'missing: a transaction needs each new rule\'s priority, so it can be undone exactly');
  }
  const v = validateRule('add', spec);
  const action = v.action ?? FR_ACT_TO_TBL;
  const fwmark = v.fwmark ?? null;
  return {
    family: v.family,
    priority: v.priority!,
    table: v.table ?? (action === FR_ACT_TO_TBL && !v.l3mdev ? RT_TABLE_MAIN : 0),
    src: v.src && v.src.prefixlen > 0 ? v.src.text : null,
    dst: v.dst && v.dst.prefixlen > 0 ? v.dst.text : null,
    action: RULE_ACTIONS.name(action),
    goto: v.goto ?? null,
    iifname: v.iifname ?? null,
    oifname: v.oifname ?? null,
    fwmark,
    fwmask: fwmark === null ? null : (v.fwmask ?? 0xffffffff),
    tos: v.tos ?? 0,
    protocol: PROTOCOLS.name(v.protocol ?? 0),
    invert: v.invert,
    suppressPrefixlen: v.suppressPrefixlen ?? null,
    suppressIfgroup: v.suppressIfgroup ?? null,
    l3mdev: v.l3mdev,
    uidRange: v.uidRange ?? null,
    ipProto: v.ipProto ?? null,
    sportRange: v.sportRange ?? null,
    dportRange: v.dportRange ?? null,
    // (As the kernel will send them back: a copy of a record's `extra` is in its order.)
    extra: v.extra !== undefined && v.extra.length > 0 ? v.extra.toString('hex') : null,
  };
}

/** A predicate for `rules.remove(spec)`: given fields must match. */
export function ruleMatcher(spec: RuleSpec): (r: RuleRecord) => boolean {
  const v = validateRule('del', spec);
  const given = spec as Record<string, unknown>;
  return (r) =>
    (given.family === undefined && v.src === undefined && v.dst === undefined ? true : r.family === v.family) &&
    (v.priority === undefined || r.priority === v.priority) &&
    (v.table === undefined || r.table === v.table) &&
    (v.src === undefined || r.src === (v.src.prefixlen > 0 ? v.src.text : null)) &&
    (v.dst === undefined || r.dst === (v.dst.prefixlen > 0 ? v.dst.text : null)) &&
    (v.action === undefined || r.action === RULE_ACTIONS.name(v.action)) &&
    (v.goto === undefined || r.goto === v.goto) &&
    (v.iifname === undefined || r.iifname === v.iifname) &&
    (v.oifname === undefined || r.oifname === v.oifname) &&
    (v.fwmark === undefined || r.fwmark === v.fwmark) &&
    (v.fwmask === undefined || r.fwmask === v.fwmask) &&
    (v.tos === undefined || r.tos === v.tos) &&
    (given.invert === undefined || r.invert === v.invert) &&
    (given.l3mdev === undefined || r.l3mdev === v.l3mdev) &&
    (given.suppressPrefixlen === undefined || r.suppressPrefixlen === (v.suppressPrefixlen ?? null)) &&
    (given.suppressIfgroup === undefined || r.suppressIfgroup === (v.suppressIfgroup ?? null)) &&
    (given.ipProto === undefined || r.ipProto === (v.ipProto ?? null)) &&
    (given.uidRange === undefined || sameRange(r.uidRange, v.uidRange)) &&
    (given.sportRange === undefined || sameRange(r.sportRange, v.sportRange)) &&
    (given.dportRange === undefined || sameRange(r.dportRange, v.dportRange)) &&
    (given.extra === undefined || r.extra === (v.extra !== undefined && v.extra.length > 0 ? v.extra.toString('hex') : null));
}

function sameRange(a: PortRange | null, b: PortRange | undefined): boolean {
  return b === undefined ? a === null : a !== null && a.start === b.start && a.end === b.end;
}

/** A whole NeighbourRecord for an add or replace. */
export function neighbourRecord(spec: NeighbourSpec, resolve: ResolveIf): NeighbourRecord {
  const v = validateNeighbour('add', spec);
  return {
    index: resolve(v.target, 'index' in v.target ? 'index' : 'ifname'),
    family: v.family,
    dst: v.dst.text,
    lladdr: v.lladdr ?? null,
    state: nudName(v.state ?? 0x80),
    flags: v.flags ?? 0,
  };
}

/** The interface and destination a neighbour removal names. */
export function neighbourTarget(spec: NeighbourSpec, resolve: ResolveIf): { index: number; family: Family; dst: string } {
  const v = validateNeighbour('del', spec);
  return { index: resolve(v.target, 'index' in v.target ? 'index' : 'ifname'), family: v.family, dst: v.dst.text };
}
