/**
 * Folding a batch into one update must mean exactly what applying its events one at a time
 * means: same final state, same changes in the same order. Random streams over a small world
 * (three links, a few addresses, IPv4/IPv6 routes with multipath, neighbours, links going down
 * and away) exercise the working set's overlay and its lazily built indexes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reduce } from '../../src/db/reducer.js';
import { emptySnapshot } from '../../src/db/table.js';
import type { DbEvent, DbSnapshot } from '../../src/db/types.js';
import { addr4, addr6, del, iface, neigh, nu, replaced, route4, route6 } from './fixtures.js';
import { asMaps, replay } from './helpers.js';

const link = fc.constantFrom(2, 3, 4);

const arbEvent: fc.Arbitrary<DbEvent> = fc.oneof(
  fc.record({ i: link, up: fc.boolean(), mtu: fc.constantFrom(1500, 9000), gone: fc.boolean() }).map(({ i, up, mtu, gone }) =>
    (gone ? del : nu)('interface', iface(i, `l${i}`, { state: up ? 'up' : 'down', mtu }))),
  fc.record({ i: link, n: fc.integer({ min: 1, max: 3 }), v6: fc.boolean(), gone: fc.boolean() }).map(({ i, n, v6, gone }) =>
    (gone ? del : nu)('address', v6 ? addr6(i, `2001:db8::${n}/64`) : addr4(i, `10.0.0.${n}/24`))),
  fc.record({ i: link, d: fc.integer({ min: 0, max: 3 }), src: fc.constantFrom(null, '10.0.0.1', '10.0.0.2'), scope: fc.constantFrom('link', 'host', 'universe'), op: fc.constantFrom('new', 'del', 'replace') }).map(({ i, d, src, scope, op }) => {
    const r = route4(`10.${d}.0.0/16`, { oif: i, prefsrc: src, scope });
    return op === 'replace' ? replaced(r) : op === 'del' ? del('route', r) : nu('route', r);
  }),
  fc.record({ hops: fc.uniqueArray(link, { minLength: 1, maxLength: 3 }), gone: fc.boolean(), src: fc.constantFrom(null, '2001:db8::1') }).map(({ hops, gone, src }) => {
    const mp = hops.map((o) => ({ gateway: `fe80::${o}`, oif: o, weight: 1, onlink: false, encap: null, realms: null }));
    const r = mp.length === 1
      ? route6('2001:db8:9::/48', { gateway: mp[0]!.gateway, oif: mp[0]!.oif, prefsrc: src })
      : route6('2001:db8:9::/48', { gateway: null, oif: null, multipath: mp, prefsrc: src });
    return gone ? del('route', r) : nu('route', r);
  }),
  fc.record({ i: link, n: fc.integer({ min: 1, max: 3 }), gone: fc.boolean() }).map(({ i, n, gone }) =>
    (gone ? del : nu)('neighbour', neigh(i, `10.0.0.${n}`))),
);

describe('batches', () => {
  it('property: one batch == its events one at a time (state and changes), and changes replay', () => {
    fc.assert(fc.property(fc.array(arbEvent, { maxLength: 40 }), fc.array(arbEvent, { maxLength: 40 }), (setup, events) => {
      const start = reduce(emptySnapshot(), structuredClone(setup), 'kernel').snapshot;
      const batch = reduce(start, structuredClone(events), 'kernel');
      let s: DbSnapshot = start;
      const oneByOne = [];
      for (const ev of structuredClone(events)) {
        const r = reduce(s, [ev], 'kernel');
        s = r.snapshot;
        oneByOne.push(...r.changes);
      }
      expect(asMaps(batch.snapshot)).toEqual(asMaps(s));
      expect(batch.changes).toEqual(oneByOne);
      expect(replay(start, batch.changes)).toEqual(asMaps(batch.snapshot));
      for (const kind of ['interface', 'address', 'route', 'rule', 'neighbour'] as const) {
        expect(batch.snapshot.tables[kind].size).toBe(asMaps(batch.snapshot).get(kind)!.size);
      }
    }), { numRuns: 300 });
  });
});
