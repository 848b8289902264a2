/**
 * Route notifications beyond "this key now looks like this" (src/db/route-merge.ts):
 * NLM_F_REPLACE (no RTM_DELROUTE for the replaced route) and IPv6 ECMP siblings (a group is
 * announced whole when it grows, one sibling at a time when it shrinks).
 */
import { describe, expect, it } from 'vitest';
import { reduce } from '../../src/db/reducer.js';
import { DbState } from '../../src/db/state.js';
import { emptySnapshot } from '../../src/db/table.js';
import type { DbEvent, DbSnapshot } from '../../src/db/types.js';
import type { NextHop, RouteRecord } from '../../src/iproute/records.js';
import { del, nu, replaced, route4, route6 } from './fixtures.js';
import { asMaps, replay, summary } from './helpers.js';

const all = (s: DbSnapshot): RouteRecord[] => new DbState(s).routes.toArray();
const run = (events: DbEvent[], base = emptySnapshot()) => reduce(base, events, 'kernel');

describe('NLM_F_REPLACE', () => {
  it('IPv4: `ip route replace` with another gateway removes the route it replaced', () => {
    // ip route add 10.5.0.0/16 via 10.0.0.1 dev v0; ip route replace 10.5.0.0/16 via 10.0.0.2 dev v0
    const s1 = run([nu('route', route4('10.5.0.0/16', { gateway: '10.0.0.1' }))]).snapshot;
    const r = run([replaced(route4('10.5.0.0/16', { gateway: '10.0.0.2' }))], s1);
    expect(summary(r.changes)).toEqual(['remove route (replaced)', 'add route']);
    expect(all(r.snapshot).map((x) => x.gateway)).toEqual(['10.0.0.2']);
    expect(r.resync).toEqual([]);
    expect(replay(s1, r.changes)).toEqual(asMaps(r.snapshot));
  });

  it('IPv4: without the flag it is an append, and both aliases are kept (as the kernel does)', () => {
    // ip route add ...; ip route append 10.5.0.0/16 via 10.0.0.2
    const s1 = run([nu('route', route4('10.5.0.0/16', { gateway: '10.0.0.1' }))]).snapshot;
    const r = run([nu('route', route4('10.5.0.0/16', { gateway: '10.0.0.2' }))], s1);
    expect(all(r.snapshot).map((x) => x.gateway).sort()).toEqual(['10.0.0.1', '10.0.0.2']);
  });

  it('IPv4: only the same slot is concerned (another metric or table is another slot)', () => {
    const s1 = run([
      nu('route', route4('10.5.0.0/16', { gateway: '10.0.0.1', priority: 10 })),
      nu('route', route4('10.5.0.0/16', { gateway: '10.0.0.1', table: 100 })),
    ]).snapshot;
    const r = run([replaced(route4('10.5.0.0/16', { gateway: '10.0.0.2' }))], s1);
    expect(summary(r.changes)).toEqual(['add route']);
  });

  it('IPv4: with several candidates in the slot, nothing is guessed and routes are re-dumped', () => {
    const s1 = run([
      nu('route', route4('10.5.0.0/16', { gateway: '10.0.0.1' })),
      nu('route', route4('10.5.0.0/16', { gateway: '10.0.0.3' })),
    ]).snapshot;
    const r = run([replaced(route4('10.5.0.0/16', { gateway: '10.0.0.2' }))], s1);
    expect(summary(r.changes)).toEqual(['add route']);
    expect(r.resync).toEqual(['route']);
  });

  it('IPv4: a protocol change through replace is a new route object (fib_info identity)', () => {
    const s1 = run([nu('route', route4('10.5.0.0/16', { gateway: '10.0.0.1', protocol: 'boot' }))]).snapshot;
    const r = run([replaced(route4('10.5.0.0/16', { gateway: '10.0.0.1', protocol: 'static' }))], s1);
    expect(summary(r.changes)).toEqual(['remove route (replaced)', 'add route']);
    expect(all(r.snapshot).map((x) => x.protocol)).toEqual(['static']);
  });

  it('IPv6: replace with the same device and gateway is a change of that route', () => {
    const s1 = run([nu('route', route6('2001:db8:5::/48', { gateway: 'fe80::1', protocol: 'boot' }))]).snapshot;
    const r = run([replaced(route6('2001:db8:5::/48', { gateway: 'fe80::1', protocol: 'static', metrics: { mtu: 1400 } }))], s1);
    expect(r.changes).toHaveLength(1);
    expect(r.changes[0]).toMatchObject({ op: 'change', fields: ['protocol', 'metrics'] });
  });

  it('IPv6: replace picks the entry as ECMP-capable as the new route (rt6_qualify_for_ecmp)', () => {
    // a device route and a gateway route share the slot; replacing with a gateway route hits the latter
    const s1 = run([
      nu('route', route6('2001:db8:5::/48', { oif: 2, gateway: null })),
      nu('route', route6('2001:db8:5::/48', { oif: 3, gateway: 'fe80::1' })),
    ]).snapshot;
    const r = run([replaced(route6('2001:db8:5::/48', { oif: 3, gateway: 'fe80::2' }))], s1);
    expect(summary(r.changes)).toEqual(['remove route (replaced)', 'add route']);
    expect(all(r.snapshot).map((x) => `${x.oif}/${x.gateway}`).sort()).toEqual(['2/null', '3/fe80::2']);
  });
});

describe('IPv6 multipath bookkeeping', () => {
  const A: NextHop = { gateway: 'fe80::a', oif: 2, weight: 1, onlink: false, encap: null, realms: null };
  const B: NextHop = { gateway: 'fe80::b', oif: 3, weight: 1, onlink: false, encap: null, realms: null };
  const C: NextHop = { gateway: 'fe80::c', oif: 4, weight: 1, onlink: false, encap: null, realms: null };
  const single = (h: NextHop) => route6('2001:db8:9::/48', { gateway: h.gateway, oif: h.oif });
  const multi = (...hs: NextHop[]) => route6('2001:db8:9::/48', { gateway: null, oif: null, multipath: hs });

  it('a sibling appended: the group is announced whole and absorbs the single route it grew from', () => {
    // ip -6 route add 2001:db8:9::/48 via fe80::a dev a; ip -6 route append ... via fe80::b dev b
    const s1 = run([nu('route', single(A))]).snapshot;
    const r = run([nu('route', multi(B, A))], s1);
    expect(summary(r.changes)).toEqual(['remove route (multipath-merged)', 'add route']);
    expect(all(r.snapshot)).toHaveLength(1);
    expect(replay(s1, r.changes)).toEqual(asMaps(r.snapshot));
  });

  it('a group of three absorbs the group of two', () => {
    const s1 = run([nu('route', multi(A, B))]).snapshot;
    const r = run([nu('route', multi(A, B, C))], s1);
    expect(all(r.snapshot).map((x) => x.multipath?.length)).toEqual([3]);
  });

  it('a sibling deleted: announced alone, the group shrinks; the last two become a plain route', () => {
    // ip -6 route del 2001:db8:9::/48 via fe80::c dev c (fib6_del_route notifies that sibling only)
    const s1 = run([nu('route', multi(A, B, C))]).snapshot;
    const r1 = run([del('route', single(C))], s1);
    expect(summary(r1.changes)).toEqual(['remove route (multipath-shrunk)', 'add route (multipath-shrunk)']);
    expect(all(r1.snapshot)[0]!.multipath?.map((h) => h.gateway)).toEqual(['fe80::a', 'fe80::b']);
    const r2 = run([del('route', single(B))], r1.snapshot);
    expect(all(r2.snapshot).map((x) => [x.gateway, x.oif, x.multipath])).toEqual([['fe80::a', 2, null]]);
    const r3 = run([del('route', single(A))], r2.snapshot);
    expect(all(r3.snapshot)).toEqual([]);
  });

  it('deleting the whole group (one notification with every sibling) removes it', () => {
    const s1 = run([nu('route', multi(A, B))]).snapshot;
    const r = run([del('route', multi(B, A))], s1);
    expect(summary(r.changes)).toEqual(['remove route']);
  });

  it('device routes in the same slot are not swallowed by a gateway group', () => {
    const dev = route6('2001:db8:9::/48', { oif: 5, gateway: null });
    const s1 = run([nu('route', dev), nu('route', single(A))]).snapshot;
    const r = run([nu('route', multi(A, B))], s1);
    expect(all(r.snapshot).map((x) => x.multipath ? 'group' : `dev ${x.oif}`).sort()).toEqual(['dev 5', 'group']);
  });

  it('IPv4 has no siblings: an IPv4 multipath route is one object, deleted exactly', () => {
    const mp = route4('10.9.0.0/16', { oif: null, multipath: [{ gateway: '10.0.0.1', oif: 2, weight: 1, onlink: false, encap: null, realms: null }, { gateway: '10.1.0.1', oif: 3, weight: 1, onlink: false, encap: null, realms: null }] });
    const s1 = run([nu('route', mp), nu('route', route4('10.9.0.0/16', { gateway: '10.0.0.1', oif: 2 }))]).snapshot;
    const r = run([del('route', route4('10.9.0.0/16', { gateway: '10.1.0.1', oif: 3 }))], s1);
    expect(r.changes).toEqual([]);
    expect(all(r.snapshot)).toHaveLength(2);
  });
});
