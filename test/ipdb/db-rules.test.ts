/**
 * The side-effect rules that the kernel tests of this folder made us add or correct in src/db
 * (veth peers, IPv6 prefsrc on a link going down, the order of a grown IPv6 multipath group),
 * checked on the pure reducer with event streams shaped as the kernel sent them.
 */
import { describe, expect, it } from 'vitest';
import { reduce } from '../../src/db/reducer.js';
import { emptySnapshot } from '../../src/db/table.js';
import type { DbEvent, DbSnapshot } from '../../src/db/types.js';
import { tableEntries } from '../../src/db/table.js';
import type { RecordByKind, RecordKind } from '../../src/iproute/records.js';
import { addr6, del, iface, nu, route6 } from '../db/fixtures.js';

function apply(events: DbEvent[], base: DbSnapshot = emptySnapshot()) {
  return reduce(base, events, 'kernel');
}

function all<K extends RecordKind>(s: DbSnapshot, kind: K): RecordByKind[K][] {
  return [...tableEntries(s.tables[kind] as never)].map(([, r]) => r as RecordByKind[K]);
}

describe('veth peers', () => {
  it("the first half, announced without a link, gets the second half's index when that one is announced", () => {
    const first = apply([nu('interface', iface(10, 'vf', { link: null }))]);
    expect(first.resync).toEqual(['interface']); // a new veth without a link: re-dump to learn it
    const second = apply([nu('interface', iface(11, 've', { link: 10 }))], first.snapshot);
    const vf = all(second.snapshot, 'interface').find((i) => i.index === 10)!;
    expect(vf.link).toBe(11);
    expect(second.changes.map((c) => [c.op, c.key, c.reason])).toEqual([['add', '11', undefined], ['change', '10', 'veth-peer']]);
  });

  it('a half moving in: the half already here loses its netnsid and points at the new index', () => {
    const before = apply([nu('interface', iface(3, 'va', { link: 2, linkNetnsid: 0 }))]).snapshot;
    const r = apply([nu('interface', iface(7, 'vb', { link: 3 }))], before);
    const va = all(r.snapshot, 'interface').find((i) => i.index === 3)!;
    expect([va.link, va.linkNetnsid]).toEqual([7, null]);
  });

  it('a half leaving while its peer stays asks for a re-dump (the peer gets a netnsid)', () => {
    const pair = apply([nu('interface', iface(3, 'va', { link: 2 })), nu('interface', iface(2, 'vb', { link: 3 }))]).snapshot;
    expect(apply([del('interface', iface(2, 'vb', { link: 3 }))], pair).resync).toEqual(['interface']);
    // Not for other kinds of links, and not when a veth is re-announced with its link.
    expect(apply([nu('interface', iface(3, 'va', { link: 2, mtu: 1400 }))], pair).resync).toEqual([]);
    expect(apply([nu('interface', iface(9, 'br0', { kind: 'bridge' }))]).resync).toEqual([]);
  });
});

describe('IPv6 preferred source', () => {
  const withPrefsrc = route6('2001:db8:9::/48', { gateway: '2001:db8:1::2', oif: 3, prefsrc: '2001:db8::1' });
  const base = (state: 'up' | 'down') => apply([
    nu('interface', iface(2, 'va', { state, kind: 'bridge' })),
    nu('interface', iface(3, 'vc', { kind: 'bridge' })),
    nu('address', addr6(2, '2001:db8::1/64')),
    nu('route', withPrefsrc),
  ]).snapshot;

  it('is cleared when the address is deleted on its own (ipv6_del_addr -> rt6_remove_prefsrc)', () => {
    const r = apply([del('address', addr6(2, '2001:db8::1/64'))], base('up'));
    expect(all(r.snapshot, 'route')[0]!.prefsrc).toBeNull();
  });

  it('is kept when the address goes because its link went down (addrconf_ifdown)', () => {
    const r = apply([del('address', addr6(2, '2001:db8::1/64'))], base('down'));
    expect(all(r.snapshot, 'route')[0]!.prefsrc).toBe('2001:db8::1');
  });
});

describe('IPv6 multipath groups keep the kernel dump order', () => {
  const hop = (gateway: string, oif = 3) => ({ gateway, oif, weight: 1, onlink: false, encap: null, realms: null });
  const group = (...gws: string[]) => route6('2001:db8:5::/48', { gateway: null, oif: null, multipath: gws.map((g) => hop(g)) });

  it('an appended sibling is announced first but dumped last', () => {
    const base = apply([nu('route', group('2001:db8::2', '2001:db8::4'))]).snapshot;
    const r = apply([nu('route', group('2001:db8::3', '2001:db8::2', '2001:db8::4'))], base);
    const routes = all(r.snapshot, 'route');
    expect(routes).toHaveLength(1);
    expect(routes[0]!.multipath!.map((h) => h.gateway)).toEqual(['2001:db8::2', '2001:db8::4', '2001:db8::3']);
  });

  it('a plain route joined by a sibling becomes a group with the old route first', () => {
    const base = apply([nu('route', route6('2001:db8:5::/48', { gateway: '2001:db8::2', oif: 3 }))]).snapshot;
    const r = apply([nu('route', group('2001:db8::3', '2001:db8::2'))], base);
    expect(all(r.snapshot, 'route').map((x) => x.multipath?.map((h) => h.gateway))).toEqual([['2001:db8::2', '2001:db8::3']]);
    expect(r.changes.map((c) => [c.op, c.reason])).toEqual([['remove', 'multipath-merged'], ['add', undefined]]);
  });

  it('a new group with nothing to absorb is stored as announced', () => {
    const r = apply([nu('route', group('2001:db8::3', '2001:db8::2'))]);
    expect(all(r.snapshot, 'route')[0]!.multipath!.map((h) => h.gateway)).toEqual(['2001:db8::3', '2001:db8::2']);
  });
});
