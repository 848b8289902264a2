/** Route specs → RTM_NEWROUTE / RTM_DELROUTE requests. */
import { rtnl, type RouteMessageInput } from '../../messages/index.js';
import { METRICS, RT_TABLE_MAIN } from '../names.js';
import { requestHead } from '../ops.js';
import type { ValidRoute } from '../validate/index.js';
import { AF_INET, AF_INET6 } from '../../messages/rtnl/constants.js';
import { RTNH_F_ONLINK } from '../decode/route.js';
import { afOf, type EncodeContext, type NetlinkRequest } from './common.js';

const RTPROT_BOOT = 3;
const RTN_UNICAST = 1;
const RT_SCOPE_UNIVERSE = 0;
const RT_SCOPE_LINK = 253;
const RT_SCOPE_HOST = 254;
const RT_SCOPE_NOWHERE = 255;

type RouteAttrs = RouteMessageInput['attrs'];

/**
 * The order the kernel announces a route's attributes in (IPv4's fib_dump_info: table, dst,
 * priority, metrics, prefsrc, then the next hop; IPv6's rt6_fill_node: table, dst, src, prefsrc,
 * metrics, priority, then the next hop; IPv4 routes have no src). The next hop is its gateway (or
 * RTA_VIA), oif, encapsulation (lwtunnel_fill_encap: RTA_ENCAP, then RTA_ENCAP_TYPE) and, for
 * IPv4, realms (RTA_FLOW); a multipath route has them per hop, in the same order. A route through
 * a nexthop object has RTA_NH_ID before them (from the kernel's source, not from a capture: such a
 * route is never claimed, its announcement adds the kernel's report of the object). Requests are
 * written in this order too: a plain route's notification then carries the very bytes of its
 * request, which the transaction layer recognises without decoding (transactions/echo-claim.ts).
 * The in-place writer of plain routes (transactions/record-wire.ts, writeRoute) is held to it by
 * byte-equality tests.
 */
export const ROUTE_ATTR_ORDER: { readonly [F in 4 | 6]: readonly (keyof RouteAttrs)[] } = {
  4: ['table', 'dst', 'priority', 'metrics', 'prefsrc', 'nhId', 'gateway', 'via', 'oif', 'encap', 'encapType', 'flow', 'multipath', 'pref'],
  6: ['table', 'dst', 'src', 'prefsrc', 'metrics', 'priority', 'nhId', 'gateway', 'via', 'oif', 'encap', 'encapType', 'multipath', 'pref'],
};

/** An encapsulation as the codec takes it: RTA_ENCAP's payload as raw bytes, and its type's number. */
export function encapAttrs(encap: { type: number; data: Buffer } | undefined): Pick<RouteAttrs, 'encap' | 'encapType'> {
  return encap === undefined ? {} : { encap: encap.data as RouteAttrs['encap'], encapType: encap.type as RouteAttrs['encapType'] };
}

/**
 * A gateway as the kernel takes and announces it (fib_nexthop_info): RTA_GATEWAY when it is of the
 * route's family, RTA_VIA (struct rtvia: its family, then its address) when it is not, as an
 * IPv6 next hop of an IPv4 route is. The two never come together, so RTA_VIA has RTA_GATEWAY's
 * place in the order. `gateway` is an address's text (the record's, or a validated spec's).
 */
export function gatewayAttrs(family: 4 | 6, gateway: string | undefined): Pick<RouteAttrs, 'gateway' | 'via'> {
  if (gateway === undefined) return {};
  const other = gateway.includes(':') ? family === 4 : family === 6;
  return other ? { via: { family: family === 4 ? AF_INET6 : AF_INET, address: gateway } } : { gateway };
}

/**
 * A route request's attributes as the codec takes them, in ROUTE_ATTR_ORDER for `family` (the
 * codec writes them in the order the object has them); those undefined are left out.
 */
export function routeAttrsInOrder(family: 4 | 6, parts: RouteAttrs): RouteAttrs {
  const attrs: Record<string, unknown> = {};
  for (const k of ROUTE_ATTR_ORDER[family]) if (parts[k] !== undefined) attrs[k] = parts[k];
  return attrs as RouteAttrs;
}

export function encodeRoute(v: ValidRoute, ctx: EncodeContext): NetlinkRequest {
  const del = v.op === 'del';
  const head = requestHead('route', v.op, !del);
  const table = v.table ?? RT_TABLE_MAIN;
  let metrics: Record<string, unknown> | undefined;
  if (v.metrics && v.metrics.size > 0) {
    metrics = {};
    for (const [id, value] of v.metrics) metrics[METRICS.name(id)] = value;
  }
  const attrs = routeAttrsInOrder(v.family, {
    // rtm_table holds 8 bits; RTA_TABLE always carries the whole id.
    table,
    dst: v.dst.prefixlen > 0 ? v.dst.text.slice(0, v.dst.text.indexOf('/')) : undefined,
    src: v.src ? v.src.text.slice(0, v.src.text.indexOf('/')) : undefined,
    priority: v.priority,
    prefsrc: v.prefsrc?.text,
    metrics: metrics as RouteAttrs['metrics'],
    // Through a nexthop object: the object alone (the kernel refuses a next hop beside it).
    ...(v.nhid !== undefined ? { nhId: v.nhid } : {
      ...gatewayAttrs(v.family, v.gateway?.text),
      oif: v.oif !== undefined ? ctx.index(v.oif) : undefined,
      ...encapAttrs(v.encap),
      flow: v.realms,
      multipath: v.multipath?.map((nh) => ({
        hops: nh.weight - 1,
        ifindex: nh.oif !== undefined ? ctx.index(nh.oif) : 0,
        flags: nh.onlink ? RTNH_F_ONLINK : 0,
        attrs: { ...gatewayAttrs(v.family, nh.gateway?.text), ...encapAttrs(nh.encap), ...(nh.realms !== undefined ? { flow: nh.realms } : {}) },
      })),
    }),
    pref: v.pref,
  });
  // A delete matches on what it is given: protocol 0, type 0 and scope NOWHERE are wildcards.
  // An add gets ip's defaults: protocol boot, type unicast, and a scope derived from the type.
  const type = v.type ?? (del ? 0 : RTN_UNICAST);
  const msg: RouteMessageInput = {
    family: afOf(v.family),
    dstLen: v.dst.prefixlen,
    srcLen: v.src?.prefixlen ?? 0,
    tos: v.tos ?? 0,
    table: table < 256 ? table : 0,
    protocol: v.protocol ?? (del ? 0 : RTPROT_BOOT),
    scope: v.scope ?? defaultScope(v, type),
    type,
    flags: v.onlink && v.nhid === undefined ? RTNH_F_ONLINK : 0,
    attrs,
  };
  return { ...head, payload: rtnl.route.encode(msg) };
}

/** iproute2's rule (ip/iproute.c) when no scope is given. */
function defaultScope(v: ValidRoute, type: number): number {
  if (v.family === 6) return RT_SCOPE_UNIVERSE;
  if (type === 2 || type === 10) return RT_SCOPE_HOST; // local, nat
  if (type === 3 || type === 4 || type === 5) return RT_SCOPE_LINK; // broadcast, anycast, multicast
  if (type === 0 || type === 1) {
    if (v.op === 'del') return RT_SCOPE_NOWHERE;
    if (!v.gateway && !v.multipath && v.nhid === undefined) return RT_SCOPE_LINK;
  }
  return RT_SCOPE_UNIVERSE;
}
