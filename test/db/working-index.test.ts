/**
 * Working.lookup answers the first questions of an update with one filtered pass each
 * (INDEXES[name].has) and builds the whole index only after a few. Both ways must give the same
 * keys, over a base snapshot (keyed, or loaded with its keys unmade) and the update's own writes,
 * before and after further writes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TableLoad } from '../../src/db/bulk.js';
import { routeKey } from '../../src/db/keys.js';
import { reduce } from '../../src/db/reducer.js';
import { emptySnapshot, shardHash } from '../../src/db/table.js';
import type { DbEvent, DbSnapshot } from '../../src/db/types.js';
import { INDEXES, Working, type IndexName } from '../../src/db/working.js';
import type { RouteRecord } from '../../src/iproute/records.js';
import { addr4, fresh, neigh, route4 } from './fixtures.js';

const arbRoute = fc.record({
  d: fc.integer({ min: 0, max: 40 }), oif: fc.integer({ min: 2, max: 5 }), hop2: fc.option(fc.integer({ min: 2, max: 5 })),
  prefsrc: fc.constantFrom(null, '10.0.0.1', '10.0.0.2'),
}).map(({ d, oif, hop2, prefsrc }): RouteRecord => route4(`10.${d}.0.0/16`, hop2 === null ? { oif, prefsrc } : {
  oif: null, gateway: null, prefsrc,
  multipath: [{ gateway: '10.0.0.254', oif, weight: 1, onlink: false, encap: null, realms: null }, { gateway: '10.0.0.253', oif: hop2, weight: 1, onlink: false, encap: null, realms: null }],
}));

function base(routes: RouteRecord[], loaded: boolean): DbSnapshot {
  const others: DbEvent[] = [
    ...[2, 3, 4].map((i) => ({ kind: 'address' as const, op: 'new' as const, record: addr4(i, `10.0.${i}.1/24`) })),
    ...[2, 3].map((i) => ({ kind: 'neighbour' as const, op: 'new' as const, record: neigh(i, `10.0.${i}.9`) })),
  ];
  const withOthers = reduce(emptySnapshot(), others, 'kernel').snapshot;
  if (!loaded) return reduce(withOthers, routes.map((record) => ({ kind: 'route' as const, op: 'new' as const, record: fresh(record) })), 'kernel').snapshot;
  const load = new TableLoad('route', 'resync', false, true);
  const byKey = new Map(routes.map((r) => [routeKey(r), r]));
  for (const r of byKey.values()) load.add(fresh(r), undefined, shardHash('route', routeKey(r)));
  return load.finish(withOthers, false).snapshot;
}

const QUESTIONS: [IndexName, (string | number)[]][] = [
  ['route.oif', [2, 3, 4, 5, 9]],
  ['route.prefsrc', ['4|10.0.0.1', '4|10.0.0.2', '4|10.0.0.3']],
  ['address.index', [2, 3, 4, 7]],
  ['address.local', ['4|10.0.2.1', '4|10.0.9.1']],
  ['neighbour.index', [2, 3, 5]],
];

describe('Working.lookup', () => {
  it('answers its first questions by one pass each as the whole index answers them, before and after writes', () => {
    fc.assert(fc.property(fc.array(arbRoute, { maxLength: 40 }), fc.array(arbRoute, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(),
      (routes, added, removed, loaded) => {
        const snap = base(routes, loaded);
        const write = (w: Working) => {
          for (const r of added) w.put('route', fresh(r));
          const keys = routes.map(routeKey);
          for (const i of removed) if (keys.length > 0) w.remove('route', keys[i % keys.length]!);
        };
        for (const [name, values] of QUESTIONS) {
          // Passes for the first values asked, writes between the questions, then the whole index
          // (asked more values than PARTIAL_AT_MOST): against a Working whose index was built whole
          // at once (values no record has asked first), given the same writes.
          const single = new Working(snap, 'kernel');
          const whole = new Working(snap, 'kernel');
          for (let i = 0; i < 5; i++) whole.lookup(name, typeof values[0] === 'number' ? -1 - i : `none${i}`);
          const asked = [...values, ...values.slice(0, 2)];
          asked.forEach((value, i) => {
            expect(single.lookup(name, value)).toEqual(whole.lookup(name, value));
            if (i === 1) {
              write(single);
              write(whole);
              // What was asked before the writes follows them.
              expect(single.lookup(name, asked[0]!)).toEqual(whole.lookup(name, asked[0]!));
            }
          });
        }
      }), { numRuns: 60 });
  });

  it('finds by `has` exactly what `values` indexes', () => {
    fc.assert(fc.property(arbRoute, fc.integer({ min: 1, max: 6 }), fc.constantFrom('4|10.0.0.1', '4|10.0.0.2', '6|10.0.0.1'), (r, oif, src) => {
      expect(INDEXES['route.oif'].has(r, oif)).toBe(INDEXES['route.oif'].values(r).includes(oif));
      expect(INDEXES['route.prefsrc'].has(r, src)).toBe(INDEXES['route.prefsrc'].values(r).includes(src));
    }));
  });
});
