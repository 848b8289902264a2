/** Route specs → RTM_NEWROUTE / RTM_DELROUTE requests. */
import { rtnl, type RouteMessageInput } from '../../messages/index.js';
import { METRICS, RT_TABLE_MAIN } from '../names.js';
import { requestHead } from '../ops.js';
import type { ValidRoute } from '../validate/index.js';
import { afOf, type EncodeContext, type NetlinkRequest } from './common.js';

const RTPROT_BOOT = 3;
const RTN_UNICAST = 1;
const RT_SCOPE_UNIVERSE = 0;
const RT_SCOPE_LINK = 253;
const RT_SCOPE_HOST = 254;
const RT_SCOPE_NOWHERE = 255;

export function encodeRoute(v: ValidRoute, ctx: EncodeContext): NetlinkRequest {
  const del = v.op === 'del';
  const head = requestHead('route', v.op, !del);
  const table = v.table ?? RT_TABLE_MAIN;
  // In the order the kernel announces a route (IPv4's fib_dump_info: table, dst, priority,
  // metrics, prefsrc, then the next hop; IPv6's rt6_fill_node: table, dst, prefsrc, metrics,
  // priority, then the next hop): a plain route's notification then carries the very bytes of its
  // request, which the transaction layer recognises without decoding (echo-claim.ts).
  const v4 = v.family === 4;
  const attrs: RouteMessageInput['attrs'] = {};
  // rtm_table holds 8 bits; RTA_TABLE always carries the whole id.
  attrs.table = table;
  if (v.dst.prefixlen > 0) attrs.dst = v.dst.text.slice(0, v.dst.text.indexOf('/'));
  if (v4 && v.priority !== undefined) attrs.priority = v.priority;
  if (!v4 && v.prefsrc) attrs.prefsrc = v.prefsrc.text;
  if (v.metrics && v.metrics.size > 0) {
    const m: Record<string, unknown> = {};
    for (const [id, value] of v.metrics) m[METRICS.name(id)] = value;
    attrs.metrics = m as NonNullable<RouteMessageInput['attrs']['metrics']>;
  }
  if (v4 && v.prefsrc) attrs.prefsrc = v.prefsrc.text;
  if (!v4 && v.priority !== undefined) attrs.priority = v.priority;
  if (v.gateway) attrs.gateway = v.gateway.text;
  if (v.oif !== undefined) attrs.oif = ctx.index(v.oif);
  if (v.multipath) {
    attrs.multipath = v.multipath.map((nh) => ({
      flags: 0,
      hops: nh.weight - 1,
      ifindex: nh.oif !== undefined ? ctx.index(nh.oif) : 0,
      attrs: nh.gateway ? { gateway: nh.gateway.text } : {},
    }));
  }
  if (v.pref !== undefined) attrs.pref = v.pref;
  // A delete matches on what it is given: protocol 0, type 0 and scope NOWHERE are wildcards.
  // An add gets ip's defaults: protocol boot, type unicast, and a scope derived from the type.
  const type = v.type ?? (del ? 0 : RTN_UNICAST);
  const msg: RouteMessageInput = {
    family: afOf(v.family),
    dstLen: v.dst.prefixlen,
    srcLen: 0,
    tos: v.tos ?? 0,
    table: table < 256 ? table : 0,
    protocol: v.protocol ?? (del ? 0 : RTPROT_BOOT),
    scope: v.scope ?? defaultScope(v, type),
    type,
    flags: 0,
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
    if (!v.gateway && !v.multipath) return RT_SCOPE_LINK;
  }
  return RT_SCOPE_UNIVERSE;
}
