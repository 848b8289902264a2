/**
 * Which link a gateway is on. A route added "via 10.0.0.2" without a device is completed by the
 * kernel: it looks the gateway up among the routes it can reach directly (fib_check_nh_v4_gw:
 * link or host scope; ip6_route_check_nh: a route without a gateway) and reports the route with
 * that device as its oif. The identity key of the route includes the oif, so the planner has to
 * know it before sending, as the kernel will report it: this module makes the same choice.
 *
 * Candidates, longest prefix first: the routes without a gateway in the route's own table, then
 * local and main (the kernel's fallback lookup through the rules); then the subnets of the
 * addresses the draft has (an address added in the same transaction brings its prefix route with
 * it, which the draft does not show). No candidate: the oif stays unknown and the kernel decides
 * (usually ENETUNREACH, "Nexthop has invalid gateway").
 */
import type { AddressRecord, Family, RouteRecord } from '../iproute/records.js';
import { maskBytes, parseIp } from '../iproute/validate/ip.js';

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The prefix length of `prefix` when it contains `ip` (both of `family`), else -1. */
function coverLength(family: Family, prefix: string, prefixlen: number | null, ip: Uint8Array): number {
  let text = prefix;
  let len = prefixlen;
  if (len === null) {
    if (prefix === 'default') return 0;
    const slash = prefix.indexOf('/');
    text = slash < 0 ? prefix : prefix.slice(0, slash);
    len = slash < 0 ? (family === 4 ? 32 : 128) : Number(prefix.slice(slash + 1));
  }
  const p = parseIp(text);
  if (!p || p.bytes.length !== ip.length) return -1;
  return sameBytes(maskBytes(p.bytes, len), maskBytes(ip, len)) ? len : -1;
}

/** A route the kernel accepts as "directly reachable" for a gateway lookup. */
export function isConnected(r: RouteRecord): boolean {
  if (r.gateway !== null || r.multipath !== null || r.oif === null) return false;
  if (r.type !== 'unicast' && r.type !== 'local') return false;
  return r.family === 6 || r.scope === 'link' || r.scope === 'host';
}

export interface OnLinkView {
  /** Routes without a gateway the draft now has (base and its own). */
  connectedRoutes(): Iterable<RouteRecord>;
  /** Addresses the draft now has. */
  addresses(): Iterable<AddressRecord>;
}

/**
 * The index of the link `gateway` is reached through, or null when nothing says. The gateway's own
 * family is looked up, in the route's `table`: an IPv4 route via an IPv6 gateway is completed from
 * the IPv6 routes (fib_check_nh_v6_gw hands the look-up to IPv6 with the route's table).
 */
export function gatewayLink(view: OnLinkView, table: number, gateway: string): number | null {
  const ip = parseIp(gateway);
  if (!ip) return null;
  const family: Family = ip.family;
  // A link-local gateway is not looked up: every link has fe80::/64, and the kernel wants the
  // device named ("Egress device not specified", ip6_validate_gw), so the draft does not pick one.
  if (family === 6 && ip.bytes[0] === 0xfe && (ip.bytes[1]! & 0xc0) === 0x80) return null;
  const order = [...new Set([table, 255, 254])];
  for (const t of order) {
    let best = -1;
    let oif: number | null = null;
    for (const r of view.connectedRoutes()) {
      if (r.family !== family || r.table !== t) continue;
      const len = coverLength(family, r.dst, null, ip.bytes);
      if (len > best) { best = len; oif = r.oif; }
    }
    if (oif !== null) return oif;
  }
  let best = -1;
  let index: number | null = null;
  for (const a of view.addresses()) {
    if (a.family !== family) continue;
    const len = coverLength(family, a.peer ?? a.address, a.prefixlen, ip.bytes);
    if (len > best && len < (family === 4 ? 32 : 128)) { best = len; index = a.index; }
  }
  return index;
}
