/**
 * Identity keys: what the kernel keeps apart must stay apart, what it treats as one object must
 * share a key. Each case names the kernel rule it stands for (see src/db/keys.ts).
 */
import { describe, expect, it } from 'vitest';
import { addressKey, interfaceKey, neighbourKey, routeKey, routeSlot, ruleKey } from '../../src/db/keys.js';
import { reduce } from '../../src/db/reducer.js';
import { DbState } from '../../src/db/state.js';
import { emptySnapshot } from '../../src/db/table.js';
import { addr4, addr6, iface, neigh, nu, route4, route6, rule } from './fixtures.js';

describe('route identity', () => {
  const base4 = route4('10.1.0.0/24', { oif: 2, gateway: '10.0.0.1', priority: 100 });
  const base6 = route6('2001:db8::/64', { oif: 2, gateway: 'fe80::1', priority: 1024 });

  it.each([
    ['oif', { oif: 3 }],
    ['table', { table: 100 }],
    ['metric', { priority: 200 }],
    ['gateway', { gateway: '10.0.0.2' }],
    ['tos', { tos: 0x10 }],
    ['type', { type: 'blackhole' }],
    // fib_info identity: two aliases of one slot may differ in these alone (NLM_F_APPEND)
    ['protocol', { protocol: 'static' }],
    ['prefsrc', { prefsrc: '10.0.0.5' }],
    ['metrics', { metrics: { mtu: 1400 } }],
  ])('IPv4 routes differing only in %s are distinct', (_f, over) => {
    expect(routeKey({ ...base4, ...over })).not.toBe(routeKey(base4));
  });

  it.each([
    ['oif', { oif: 3 }],
    ['table', { table: 100 }],
    ['metric', { priority: 256 }],
    ['gateway', { gateway: 'fe80::2' }],
    ['source prefix', { src: '2001:db8:1::/48' }],
  ])('IPv6 routes differing only in %s are distinct', (_f, over) => {
    expect(routeKey({ ...base6, ...over })).not.toBe(routeKey(base6));
  });

  it.each([
    ['protocol', { protocol: 'static' }],
    ['prefsrc', { prefsrc: '2001:db8::5' }],
    ['metrics', { metrics: { mtu: 1400 } }],
    ['pref', { pref: 'high' }],
    ['type', { type: 'unicast' }],
  ])('IPv6 routes differing only in %s are the same object (rt6_duplicate_nexthop ignores it)', (_f, over) => {
    expect(routeKey({ ...base6, ...over })).toBe(routeKey(base6));
  });

  it('the same destination in IPv4 and IPv6 are different routes', () => {
    expect(routeKey(route4('default', { oif: 2 }))).not.toBe(routeKey(route6('default', { oif: 2 })));
  });

  it('an IPv4 missing metric is metric 0', () => {
    expect(routeKey(route4('10.0.0.0/8', { priority: null }))).toBe(routeKey(route4('10.0.0.0/8', { priority: 0 })));
  });

  it('an IPv6 multipath route is identified by its set of nexthops, in any order', () => {
    const a = { gateway: 'fe80::1', oif: 2, weight: 1, onlink: false, encap: null, realms: null };
    const b = { gateway: 'fe80::2', oif: 3, weight: 1, onlink: false, encap: null, realms: null };
    const ab = route6('2001:db8::/64', { oif: null, gateway: null, multipath: [a, b] });
    const ba = route6('2001:db8::/64', { oif: null, gateway: null, multipath: [b, { ...a, weight: 5 }] });
    expect(routeKey(ab)).toBe(routeKey(ba));
    expect(routeKey(ab)).not.toBe(routeKey(route6('2001:db8::/64', { oif: 2, gateway: 'fe80::1' })));
  });

  it('an IPv4 multipath route keeps order and weights in its identity (fib_info compares them)', () => {
    const a = { gateway: '10.0.0.1', oif: 2, weight: 1, onlink: false, encap: null, realms: null };
    const b = { gateway: '10.0.1.1', oif: 3, weight: 1, onlink: false, encap: null, realms: null };
    const r = (mp: typeof a[]) => route4('10.9.0.0/16', { oif: null, multipath: mp });
    expect(routeKey(r([a, b]))).not.toBe(routeKey(r([b, a])));
    expect(routeKey(r([a, b]))).not.toBe(routeKey(r([a, { ...b, weight: 2 }])));
  });

  it('routes of one slot share the key group (and so a shard)', () => {
    const k1 = routeKey(route4('10.1.0.0/24', { oif: 2, priority: 5 }));
    const k2 = routeKey(route4('10.1.0.0/24', { oif: 3, priority: 5 }));
    expect(k1.split('#')[0]).toBe(routeSlot(route4('10.1.0.0/24', { priority: 5 })));
    expect(k2.split('#')[0]).toBe(k1.split('#')[0]);
  });

  it('per-link fe80::/64 routes on many links all survive in the database (the IPDB bug)', () => {
    const events = Array.from({ length: 50 }, (_, i) => nu('route', route6('fe80::/64', { oif: i + 2, priority: 256, protocol: 'kernel' })));
    const { snapshot } = reduce(emptySnapshot(), events, 'kernel');
    expect(new DbState(snapshot).routes.size).toBe(50);
  });
});

describe('address identity', () => {
  it('IPv4: the prefix length is part of the key (__inet_insert_ifa compares the mask)', () => {
    expect(addressKey(addr4(2, '10.0.0.1/24'))).not.toBe(addressKey(addr4(2, '10.0.0.1/25')));
  });
  it('IPv4: the peer is part of the key', () => {
    expect(addressKey(addr4(2, '10.0.0.1/32', { peer: '10.0.0.2' }))).not.toBe(addressKey(addr4(2, '10.0.0.1/32', { peer: '10.0.0.3' })));
  });
  it('IPv6: the prefix length is not (ipv6_chk_same_addr compares the address only)', () => {
    expect(addressKey(addr6(2, '2001:db8::1/64'))).toBe(addressKey(addr6(2, '2001:db8::1/48')));
  });
  it('the link and the family are', () => {
    expect(addressKey(addr4(2, '10.0.0.1/24'))).not.toBe(addressKey(addr4(3, '10.0.0.1/24')));
    expect(addressKey(addr6(2, '::ffff:10.0.0.1/128'))).not.toBe(addressKey(addr4(2, '10.0.0.1/128')));
  });
  it('an IPv6 prefix length change is a change of one address, an IPv4 one is two addresses', () => {
    const s6 = reduce(emptySnapshot(), [nu('address', addr6(2, '2001:db8::1/64')), nu('address', addr6(2, '2001:db8::1/48'))], 'kernel');
    expect(s6.changes.map((c) => c.op)).toEqual(['add', 'change']);
    const s4 = reduce(emptySnapshot(), [nu('address', addr4(2, '10.0.0.1/24')), nu('address', addr4(2, '10.0.0.1/25'))], 'kernel');
    expect(s4.changes.map((c) => c.op)).toEqual(['add', 'add']);
  });
});

describe('other kinds', () => {
  it('interfaces are keyed by index, not name', () => {
    expect(interfaceKey(iface(5, 'eth0'))).toBe(interfaceKey(iface(5, 'renamed')));
    expect(interfaceKey(iface(5, 'eth0'))).not.toBe(interfaceKey(iface(6, 'eth0')));
  });
  it('neighbours: link, family, destination; a proxy entry is a separate object', () => {
    expect(neighbourKey(neigh(2, '10.0.0.9'))).toBe(neighbourKey(neigh(2, '10.0.0.9', { lladdr: null, state: 'FAILED' })));
    expect(neighbourKey(neigh(2, '10.0.0.9'))).not.toBe(neighbourKey(neigh(3, '10.0.0.9')));
    expect(neighbourKey(neigh(2, '10.0.0.9'))).not.toBe(neighbourKey(neigh(2, '10.0.0.9', { flags: 0x08 })));
  });
  it('rules: family, priority and every selector', () => {
    const r = rule(100, { src: '10.0.0.0/8', table: 100 });
    expect(ruleKey(r)).not.toBe(ruleKey({ ...r, table: 101 }));
    expect(ruleKey(r)).not.toBe(ruleKey({ ...r, priority: 101 }));
    expect(ruleKey(r)).not.toBe(ruleKey({ ...r, family: 6 }));
    expect(ruleKey(r)).not.toBe(ruleKey({ ...r, fwmark: 1 }));
    expect(ruleKey(r)).not.toBe(ruleKey({ ...r, iifname: 'eth0' }));
    expect(ruleKey(r)).not.toBe(ruleKey({ ...r, action: 'goto', goto: 200 }));
    expect(ruleKey(r)).toBe(ruleKey({ ...r }));
  });
});
