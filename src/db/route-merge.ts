/**
 * Route "merge hooks": what a route notification means beyond "this key now looks like this".
 *
 * 1. NLM_F_REPLACE. `ip route replace` (and NetworkManager, dhcp clients) swaps a route for
 *    another in the same slot, and the kernel announces only the new one: an RTM_NEWROUTE carrying
 *    NLM_F_REPLACE, no RTM_DELROUTE for the old (fib_table_insert, net/ipv4/fib_trie.c;
 *    fib6_add_rt2node, net/ipv6/ip6_fib.c). Which route was replaced: IPv4 takes the slot's
 *    FIRST alias in kernel order; IPv6 the first entry of the slot that is as ECMP-capable as the
 *    new route (rt6_qualify_for_ecmp), together with its siblings. We do not know the kernel's
 *    order, so: with one candidate we remove it; with several we remove none and ask for a
 *    targeted re-dump of routes (Working.resync). A replace that matches an existing key exactly
 *    is not announced by IPv4 at all (fa_match == fa_first: no notification); when IPv6 announces
 *    it, it is an attribute change of that same route.
 *
 * 2. IPv6 multipath. ECMP siblings are separate fib6_info entries in the kernel, but dumps and
 *    notifications show a sibling group as one route with RTA_MULTIPATH (rt6_fill_node fills
 *    every sibling). Adding a sibling announces the whole group; deleting one announces only the
 *    deleted sibling (fib6_del_route clears its sibling links before inet6_rt_notify). So:
 *    - a new IPv6 multipath route absorbs the routes of its slot whose nexthops it now contains
 *      (they were the group before it grew);
 *    - an IPv6 delete that matches no key removes its nexthops from the slot's multipath route
 *      (a group of one is a plain route again, as the kernel dumps it).
 *
 * Without NLM_F_REPLACE on the event (an adapter that drops nlmsg_flags), a replaced IPv4 route
 * lingers until the next resync: the adapter should pass the flags.
 */
import { NLM_F } from '../messages/nlmsg.js';
import type { NextHop, RouteRecord } from '../iproute/records.js';
import { nexthopSet, nexthopToken, nexthopsOf, routeKey, routeSlot } from './keys.js';
import type { DbEvent } from './types.js';
import type { Working, WriteOptions } from './working.js';

type RouteEvent = Extract<DbEvent, { kind: 'route' }>;

export function applyRouteEvent(w: Working, ev: RouteEvent): void {
  const rec = ev.record;
  const origin = ev.origin;
  // The event says its own origin: it is the write's options as it is (no object per event).
  const opts: WriteOptions = ev;
  if (ev.op === 'new') {
    let stored = rec;
    if (((ev.nlmsgFlags ?? 0) & NLM_F.REPLACE) !== 0) removeReplaced(w, rec, origin);
    else if (rec.family === 6 && rec.multipath && rec.multipath.length > 0) stored = absorbSiblings(w, rec, origin);
    w.put('route', stored, opts, stored === rec ? ev.key : undefined);
    return;
  }
  const key = ev.key ?? routeKey(rec);
  if (w.get('route', key) !== undefined) {
    w.remove('route', key, opts);
    return;
  }
  // A delete for a route we do not have is a no-op (it may predate our dump), except an IPv6
  // sibling leaving its multipath group.
  if (rec.family === 6) removeNexthopsFromSlot(w, routeSlot(rec), new Set(nexthopSet(rec)), 'multipath-shrunk', origin);
}

/** Does this IPv6 route look ECMP-capable to the kernel? (gateway route, not from an RA) */
function qualifiesForEcmp(r: RouteRecord): boolean {
  if (r.multipath && r.multipath.length > 1) return true;
  return nexthopsOf(r).some((h) => h.gateway !== null) && r.protocol !== 'ra';
}

function removeReplaced(w: Working, rec: RouteRecord, origin: DbEvent['origin']): void {
  const key = routeKey(rec);
  let candidates = w.group('route', routeSlot(rec)).filter(([k]) => k !== key);
  if (rec.family === 6) {
    const ecmp = qualifiesForEcmp(rec);
    candidates = candidates.filter(([, r]) => qualifiesForEcmp(r) === ecmp);
  }
  if (candidates.length === 0) return;
  const exact = w.get('route', key) !== undefined;
  if (candidates.length === 1 && !exact) {
    w.remove('route', candidates[0]![0], { reason: 'replaced', origin });
    return;
  }
  // Several routes could have been the one replaced (or we hold the new one already and still
  // see others in the slot): only the kernel knows; re-dump routes.
  w.resync.add('route');
}

/**
 * Removes the routes of the slot that the grown group now contains, and returns the group in the
 * kernel's dump order. Siblings are kept in a list in insertion order (fib6_add_rt2node appends),
 * and a dump lists the group from its first sibling; but the notification for an appended sibling
 * lists the NEW sibling first and the older ones after it (rt6_fill_node starts from the route it
 * announces and walks the circular sibling list). So the older siblings keep the order we hold,
 * and the new ones follow in the order announced. (Checked: `ip route append` of a third nexthop,
 * then the dump.)
 */
function absorbSiblings(w: Working, rec: RouteRecord, origin: DbEvent['origin']): RouteRecord {
  const key = routeKey(rec);
  const group = new Set(nexthopSet(rec));
  const announced = new Map(rec.multipath!.map((h) => [nexthopToken(h), h]));
  const ordered: NextHop[] = [];
  const placed = new Set<string>();
  for (const [k, r] of w.group('route', routeSlot(rec))) {
    if (!nexthopSet(r).every((t) => group.has(t))) continue;
    if (k !== key) w.remove('route', k, { reason: 'multipath-merged', origin });
    for (const h of nexthopsOf(r)) {
      const t = nexthopToken(h);
      if (placed.has(t)) continue;
      placed.add(t);
      ordered.push(announced.get(t)!);
    }
  }
  if (placed.size === 0) return rec;
  for (const [t, h] of announced) if (!placed.has(t)) ordered.push(h);
  return ordered.every((h, i) => h === rec.multipath![i]) ? rec : withNexthops(rec, ordered);
}

/**
 * Takes the nexthops `gone` out of every IPv6 route in a slot: a route left with none is removed,
 * one left with some becomes the smaller route (a new key, so a remove and an add).
 */
export function removeNexthopsFromSlot(w: Working, slot: string, gone: ReadonlySet<string>, reason: string, origin?: DbEvent['origin']): void {
  for (const [k, r] of w.group('route', slot)) {
    const hops = nexthopsOf(r);
    const left = hops.filter((h) => !gone.has(nexthopToken(h)));
    if (left.length === hops.length) continue;
    w.remove('route', k, { reason, origin });
    if (left.length > 0) w.put('route', withNexthops(r, left), { reason, origin });
  }
}

/** The same route with another set of nexthops, shaped as the kernel dumps it. */
export function withNexthops(r: RouteRecord, hops: readonly NextHop[]): RouteRecord {
  if (hops.length === 1) {
    const [h] = hops as [NextHop];
    return { ...r, gateway: h.gateway, oif: h.oif, multipath: null };
  }
  return { ...r, gateway: null, oif: null, multipath: hops.map((h) => ({ ...h })) };
}

