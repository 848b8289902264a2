/**
 * The modelled kernel side effects (src/db/effects.ts): what goes when a link is removed or goes
 * down, or an address is removed, when the kernel sends no RTM_DELROUTE for it.
 */
import { describe, expect, it } from 'vitest';
import { reduce } from '../../src/db/reducer.js';
import { DbState } from '../../src/db/state.js';
import { emptySnapshot } from '../../src/db/table.js';
import type { DbEvent, DbSnapshot } from '../../src/db/types.js';
import type { RouteRecord } from '../../src/iproute/records.js';
import { addr4, addr6, del, iface, neigh, nu, route4, route6 } from './fixtures.js';
import { asMaps, replay } from './helpers.js';

const A = 2;
const B = 3;

function start(events: DbEvent[]): DbSnapshot {
  return reduce(emptySnapshot(), [nu('interface', iface(A, 'a')), nu('interface', iface(B, 'b')), ...events], 'kernel').snapshot;
}
const routes = (s: DbSnapshot): RouteRecord[] => new DbState(s).routes.toArray();
const dsts = (s: DbSnapshot): string[] => routes(s).map((r) => `${r.family}:${r.dst}`);

describe('link removed (RTM_DELLINK)', () => {
  const mp4 = route4('10.9.0.0/16', { oif: null, multipath: [{ gateway: '10.0.0.1', oif: A, weight: 1, onlink: false, encap: null, realms: null }, { gateway: '10.1.0.1', oif: B, weight: 1, onlink: false, encap: null, realms: null }] });
  const mp6 = route6('2001:db8:9::/48', { oif: null, multipath: [{ gateway: 'fe80::1', oif: A, weight: 1, onlink: false, encap: null, realms: null }, { gateway: 'fe80::2', oif: B, weight: 1, onlink: false, encap: null, realms: null }] });
  const base = () => start([
    nu('address', addr4(A, '10.0.0.5/24')),
    nu('address', addr6(A, '2001:db8::5/64')),
    nu('address', addr4(B, '10.1.0.5/24')),
    nu('route', route4('10.0.0.0/24', { oif: A, scope: 'link', protocol: 'kernel' })),
    nu('route', route4('10.1.0.0/24', { oif: B, scope: 'link', protocol: 'kernel' })),
    nu('route', route6('2001:db8::/64', { oif: A, protocol: 'kernel' })),
    nu('route', mp4),
    nu('route', mp6),
    nu('neighbour', neigh(A, '10.0.0.1')),
    nu('neighbour', neigh(A, 'fe80::1')),
    nu('neighbour', neigh(B, '10.1.0.1')),
  ]);

  it('removes its addresses, neighbours and routes; IPv4 multipath whole, IPv6 multipath loses its nexthop', () => {
    const before = base();
    const r = reduce(before, [del('interface', iface(A, 'a'))], 'kernel');
    const s = new DbState(r.snapshot);
    expect(s.interfaces.toArray().map((i) => i.ifname)).toEqual(['b']);
    expect(s.addresses.toArray().map((a) => a.address)).toEqual(['10.1.0.5']);
    expect(s.neighbours.toArray().map((n) => n.dst)).toEqual(['10.1.0.1']);
    expect(dsts(r.snapshot)).toEqual(['4:10.1.0.0/24', '6:2001:db8:9::/48']);
    const left = s.routes.get('2001:db8:9::/48')!;
    expect(left.multipath).toBeNull();
    expect([left.gateway, left.oif]).toEqual(['fe80::2', B]);
    // dependents first, the link last, as the kernel orders it
    expect(r.changes.at(-1)).toMatchObject({ op: 'remove', kind: 'interface' });
    expect(r.changes.filter((c) => c.reason === 'link-removed').length).toBe(r.changes.length - 1);
    expect(replay(before, r.changes)).toEqual(asMaps(r.snapshot));
  });

  it('leaves other links alone (same snapshot objects for their records)', () => {
    const before = base();
    const bRoute = new DbState(before).routes.get('10.1.0.0/24');
    const r = reduce(before, [del('interface', iface(A, 'a'))], 'kernel');
    expect(new DbState(r.snapshot).routes.get('10.1.0.0/24')).toBe(bRoute);
  });
});

describe('link down (IFF_UP cleared)', () => {
  const down = nu('interface', iface(A, 'a', { state: 'down', operstate: 'DOWN' }));

  it('IPv4: routes through the link go, host-scope local routes and error routes stay, partial multipath stays', () => {
    const before = start([
      nu('route', route4('10.0.0.0/24', { oif: A, scope: 'link', protocol: 'kernel', prefsrc: '10.0.0.5' })),
      nu('route', route4('default', { oif: A, gateway: '10.0.0.1' })),
      nu('route', route4('10.0.0.5/32', { table: 255, type: 'local', scope: 'host', oif: A, protocol: 'kernel' })),
      nu('route', route4('10.0.0.255/32', { table: 255, type: 'broadcast', scope: 'link', oif: A, protocol: 'kernel' })),
      nu('route', route4('10.66.0.0/16', { type: 'unreachable', oif: A })),
      nu('route', route4('10.9.0.0/16', { oif: null, multipath: [{ gateway: '10.0.0.1', oif: A, weight: 1, onlink: false, encap: null, realms: null }, { gateway: '10.1.0.1', oif: B, weight: 1, onlink: false, encap: null, realms: null }] })),
      nu('route', route4('10.8.0.0/16', { oif: null, multipath: [{ gateway: '10.0.0.1', oif: A, weight: 1, onlink: false, encap: null, realms: null }, { gateway: '10.0.0.2', oif: A, weight: 1, onlink: false, encap: null, realms: null }] })),
      nu('route', route4('10.1.0.0/24', { oif: B, scope: 'link' })),
    ]);
    const r = reduce(before, [down], 'kernel');
    expect(dsts(r.snapshot)).toEqual(['4:10.1.0.0/24', '4:10.66.0.0/16', '4:10.9.0.0/16', '4:10.0.0.5/32']);
    expect(r.changes.filter((c) => c.reason === 'link-down')).toHaveLength(4);
  });

  it('IPv6: single-path routes through the link go; a multipath route only when all its nexthops used it', () => {
    const before = start([
      nu('route', route6('fe80::/64', { oif: A, priority: 256, protocol: 'kernel' })),
      nu('route', route6('fe80::/64', { oif: B, priority: 256, protocol: 'kernel' })),
      nu('route', route6('2001:db8:9::/48', { oif: null, multipath: [{ gateway: 'fe80::1', oif: A, weight: 1, onlink: false, encap: null, realms: null }, { gateway: 'fe80::2', oif: B, weight: 1, onlink: false, encap: null, realms: null }] })),
    ]);
    const r = reduce(before, [down], 'kernel');
    expect(routes(r.snapshot).map((x) => `${x.dst}@${x.oif}`)).toEqual(['2001:db8:9::/48@null', 'fe80::/64@3']);
  });

  it('flushes the link\'s neighbours', () => {
    const before = start([nu('neighbour', neigh(A, '10.0.0.1', { state: 'PERMANENT' })), nu('neighbour', neigh(B, '10.1.0.1'))]);
    const r = reduce(before, [down], 'kernel');
    expect(new DbState(r.snapshot).neighbours.toArray().map((n) => n.index)).toEqual([B]);
  });

  it('only on the up -> down transition: a link announced down, or down again, removes nothing', () => {
    const before = start([nu('interface', iface(9, 'c', { state: 'down' })), nu('route', route4('10.3.0.0/24', { oif: 9 }))]);
    const r = reduce(before, [nu('interface', iface(9, 'c', { state: 'down', mtu: 1400 }))], 'kernel');
    expect(r.changes.map((c) => c.kind)).toEqual(['interface']);
  });

  it('carrier loss (operstate DOWN, IFF_UP still set) removes nothing', () => {
    const before = start([nu('route', route4('10.0.0.0/24', { oif: A, scope: 'link' }))]);
    const r = reduce(before, [nu('interface', iface(A, 'a', { operstate: 'DOWN' }))], 'kernel');
    expect(r.changes.map((c) => c.kind)).toEqual(['interface']);
  });
});

describe('address removed', () => {
  it('IPv4 prefsrc: main-table routes using it go (after the address), other tables keep theirs', () => {
    const before = start([
      nu('address', addr4(A, '10.0.0.5/24')),
      nu('address', addr4(A, '10.0.1.5/24')),
      nu('route', route4('10.20.0.0/16', { oif: A, gateway: '10.0.0.1', prefsrc: '10.0.0.5' })),
      nu('route', route4('10.21.0.0/16', { oif: A, gateway: '10.0.0.1', prefsrc: '10.0.0.5', table: 100 })),
      nu('route', route4('10.22.0.0/16', { oif: A, gateway: '10.0.0.1', prefsrc: '10.0.1.5' })),
    ]);
    const r = reduce(before, [del('address', addr4(A, '10.0.0.5/24'))], 'kernel');
    expect(r.changes.map((c) => `${c.op} ${c.kind} ${c.reason ?? ''}`.trim())).toEqual(['remove address', 'remove route prefsrc-removed']);
    expect(dsts(r.snapshot)).toEqual(['4:10.21.0.0/16', '4:10.22.0.0/16']); // table 100 lists before 254
  });

  it('IPv4 prefsrc: kept while another link still has the address', () => {
    const before = start([
      nu('address', addr4(A, '10.0.0.5/24')),
      nu('address', addr4(B, '10.0.0.5/32')),
      nu('address', addr4(A, '10.0.1.5/24')),
      nu('route', route4('10.20.0.0/16', { oif: A, gateway: '10.0.0.1', prefsrc: '10.0.0.5' })),
    ]);
    const r = reduce(before, [del('address', addr4(A, '10.0.0.5/24'))], 'kernel');
    expect(r.changes.map((c) => c.kind)).toEqual(['address']);
  });

  it('the last IPv4 address of a link: every IPv4 route through it goes, gateway routes included, and its IPv4 neighbours', () => {
    const before = start([
      nu('address', addr4(A, '10.0.0.5/24')),
      nu('address', addr6(A, '2001:db8::5/64')),
      nu('route', route4('default', { oif: A, gateway: '10.0.0.1' })),
      nu('route', route4('10.0.0.5/32', { table: 255, type: 'local', scope: 'host', oif: A })),
      nu('route', route6('2001:db8::/64', { oif: A })),
      nu('neighbour', neigh(A, '10.0.0.1')),
      nu('neighbour', neigh(A, 'fe80::1')),
    ]);
    const r = reduce(before, [del('address', addr4(A, '10.0.0.5/24'))], 'kernel');
    expect(dsts(r.snapshot)).toEqual(['6:2001:db8::/64']);
    expect(new DbState(r.snapshot).neighbours.toArray().map((n) => n.family)).toEqual([6]);
    expect(r.changes.filter((c) => c.reason === 'last-ipv4-address-removed')).toHaveLength(3);
  });

  it('IPv6 prefsrc: the route stays and loses its preferred source (a change, not a removal)', () => {
    const before = start([
      nu('address', addr6(A, '2001:db8::5/64')),
      nu('route', route6('2001:db8:7::/48', { oif: A, gateway: 'fe80::1', prefsrc: '2001:db8::5' })),
    ]);
    const r = reduce(before, [del('address', addr6(A, '2001:db8::5/64'))], 'kernel');
    expect(r.changes[1]).toMatchObject({ op: 'change', kind: 'route', fields: ['prefsrc'], reason: 'prefsrc-removed' });
    expect(routes(r.snapshot)[0]!.prefsrc).toBeNull();
  });

  it('rules reasoning from absence are off when addresses are not loaded in full', () => {
    const before = start([nu('address', addr4(A, '10.0.0.5/24')), nu('route', route4('default', { oif: A, gateway: '10.0.0.1', prefsrc: '10.0.0.5' }))]);
    const r = reduce(before, [del('address', addr4(A, '10.0.0.5/24'))], 'kernel', { complete: new Set(['interface', 'route']) });
    expect(r.changes.map((c) => c.kind)).toEqual(['address']);
  });
});
