/**
 * Read views: get by key, index, name and partial record; the pyroute2 spelling through a Proxy
 * that never shadows methods; filter, iteration, size; snapshot() as plain JSON.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TableLoad } from '../../src/db/bulk.js';
import { routeKey } from '../../src/db/keys.js';
import { ORDER } from '../../src/db/order.js';
import { reduce } from '../../src/db/reducer.js';
import { DbState } from '../../src/db/state.js';
import { emptySnapshot, shardHash } from '../../src/db/table.js';
import type { RouteRecord } from '../../src/iproute/records.js';
import { addr4, addr6, fresh, iface, neigh, nu, route4, route6, rule } from './fixtures.js';

function state(): DbState {
  const events = [
    nu('interface', iface(7, 'eth1')),
    nu('interface', iface(2, 'eth0', { altnames: ['enp0s3'] })),
    nu('interface', iface(3, 'get')),
    nu('interface', iface(4, 'size')),
    nu('interface', iface(5, '2')),
    nu('address', addr4(2, '10.0.0.5/24')),
    nu('address', addr4(2, '10.0.0.5/25')),
    nu('address', addr6(2, '2001:db8::5/64')),
    nu('route', route4('10.9.0.0/16', { oif: 2, table: 100 })),
    nu('route', route4('10.9.0.0/16', { oif: 2, priority: 50 })),
    nu('route', route4('10.9.0.0/16', { oif: 7, priority: 10 })),
    nu('route', route4('default', { oif: 2, gateway: '10.0.0.1' })),
    nu('route', route6('default', { oif: 2, gateway: 'fe80::1' })),
    nu('rule', rule(32766)),
    nu('neighbour', neigh(2, '10.0.0.1')),
  ];
  return new DbState(reduce(emptySnapshot(), events, 'kernel').snapshot);
}

describe('collections', () => {
  it('interfaces: by index, by name, by altname, by key, and as properties', () => {
    const s = state();
    expect(s.interfaces.get(2)?.ifname).toBe('eth0');
    expect(s.interfaces.get('eth0')?.index).toBe(2);
    expect(s.interfaces.get('enp0s3')?.index).toBe(2);
    expect(s.interfaces.eth0?.index).toBe(2);
    expect(s.interfaces['eth1']?.index).toBe(7);
    expect(s.interfaces.nosuch).toBeUndefined();
    expect('eth0' in s.interfaces).toBe(true);
    expect('nosuch' in s.interfaces).toBe(false);
  });

  it('a name wins over an index spelled as a string; a number is always the index', () => {
    const s = state();
    expect(s.interfaces.get('2')?.ifname).toBe('2');
    expect(s.interfaces.get(2)?.ifname).toBe('eth0');
    expect(s.interfaces.get('7')?.ifname).toBe('eth1');
  });

  it('the Proxy never shadows members: interfaces called "get" and "size" are reached with get()', () => {
    const s = state();
    expect(typeof s.interfaces.get).toBe('function');
    expect(s.interfaces.size).toBe(5);
    expect(s.interfaces.get('get')?.index).toBe(3);
    expect(s.interfaces.get('size')?.index).toBe(4);
    expect(typeof s.interfaces.filter).toBe('function');
  });

  it('is iterable, in stable order, and filters by predicate or partial record', () => {
    const s = state();
    expect([...s.interfaces].map((i) => i.index)).toEqual([2, 3, 4, 5, 7]);
    expect(s.routes.filter({ oif: 2, family: 4 }).map((r) => `${r.table} ${r.dst}`)).toEqual(['100 10.9.0.0/16', '254 default', '254 10.9.0.0/16']);
    expect(s.routes.filter((r) => r.family === 6)).toHaveLength(1);
    expect(s.addresses.filter({ family: 4 }).map((a) => a.prefixlen)).toEqual([24, 25]);
    expect(s.routes.get({ table: 100 })?.oif).toBe(2);
  });

  it('routes: a destination means the main table, lowest metric; the key is exact', () => {
    const s = state();
    expect(s.routes.get('10.9.0.0/16')?.oif).toBe(7);
    expect(s.routes['10.9.0.0/16']?.priority).toBe(10);
    expect(s.routes.get('default')?.family).toBe(4);
    expect(s.routes.get('0.0.0.0/0')?.gateway).toBe('10.0.0.1');
    const k = routeKey(route4('10.9.0.0/16', { oif: 2, table: 100 }));
    expect(s.routes.get(k)?.table).toBe(100);
  });

  it('addresses by "addr/len" and by bare address; neighbours and rules by their natural names', () => {
    const s = state();
    expect(s.addresses.get('10.0.0.5/25')?.prefixlen).toBe(25);
    expect(s.addresses.get('10.0.0.5')?.prefixlen).toBe(24);
    expect(s.addresses.get('2001:db8::5')?.family).toBe(6);
    expect(s.neighbours.get('10.0.0.1')?.index).toBe(2);
    expect(s.rules.get(32766)?.table).toBe(254);
  });

  it('sizes', () => {
    const s = state();
    expect([s.interfaces.size, s.addresses.size, s.routes.size, s.rules.size, s.neighbours.size]).toEqual([5, 3, 5, 1, 1]);
  });

  it('toJSON gives plain arrays in stable order that survive JSON', () => {
    const s = state();
    const plain = s.toJSON();
    expect(Object.keys(plain)).toEqual(['interfaces', 'addresses', 'routes', 'rules', 'neighbours']);
    expect(plain.interfaces.map((i) => i.index)).toEqual([2, 3, 4, 5, 7]);
    expect(JSON.parse(JSON.stringify(s))).toEqual(plain);
    // the same content reached by another event order lists the same way
    const other = new DbState(reduce(emptySnapshot(), [...[7, 5, 4, 3, 2]].map((i) => nu('interface', s.interfaces.get(i)!)), 'kernel').snapshot);
    expect(other.toJSON().interfaces).toEqual(plain.interfaces);
  });
});

describe('route lists and names over a table loaded without keys', () => {
  // Routes that tie often on the list order (family, table, dst, metric) and on names (the dst),
  // differing only in what the key alone tells apart (next hop, tos).
  const arbRoutes = fc.array(fc.record({
    v6: fc.boolean(), d: fc.integer({ min: 0, max: 3 }), table: fc.constantFrom(254, 100),
    metric: fc.constantFrom(null, 5), oif: fc.integer({ min: 2, max: 5 }), tos: fc.constantFrom(0, 16),
  }), { maxLength: 60 }).map((xs) => {
    const byKey = new Map<string, RouteRecord>();
    for (const { v6, d, table, metric, oif, tos } of xs) {
      const r = v6 ? route6(d === 0 ? 'default' : `2001:db8:${d}::/64`, { oif, table, priority: metric ?? 1024 })
        : route4(d === 0 ? 'default' : `10.${d}.0.0/16`, { oif, table, priority: metric, tos });
      byKey.set(routeKey(r), r);
    }
    return [...byKey.values()];
  });

  it('lists by the kind order then the key, and a name picks as the rules say, as a keyed table does', () => {
    fc.assert(fc.property(arbRoutes, (routes) => {
      // the kernel source's way: records with their keys' group hashes, keys made when needed
      const load = new TableLoad('route', 'resync', false, true);
      for (const r of routes) load.add(fresh(r), undefined, shardHash('route', routeKey(r)));
      const lazy = new DbState(load.finish(emptySnapshot(), false).snapshot);
      const keyed = new DbState(reduce(emptySnapshot(), routes.map((r) => nu('route', fresh(r))), 'kernel').snapshot);
      // the reference, written out: order, then key
      const ref = [...routes].sort((a, b) => ORDER.route(a, b) || (routeKey(a) < routeKey(b) ? -1 : routeKey(a) > routeKey(b) ? 1 : 0));
      expect(lazy.routes.toArray()).toEqual(ref);
      expect(keyed.routes.toArray()).toEqual(ref);
      // a destination: the main table first, then the family, then the lowest metric; then the list order
      const main = (r: RouteRecord) => (r.table === 254 ? 0 : 1);
      const better = (a: RouteRecord, b: RouteRecord) => main(a) - main(b) || a.family - b.family || (a.priority ?? -1) - (b.priority ?? -1);
      for (const dst of new Set(routes.map((r) => r.dst))) {
        const want = ref.filter((r) => r.dst === dst).reduce((best, r) => (better(r, best) < 0 ? r : best));
        expect(lazy.routes.get(dst)).toEqual(want);
        expect(keyed.routes.get(dst)).toEqual(want);
      }
    }), { numRuns: 200 });
  });
});
