/**
 * A route's shard is chosen by family|table|dst alone (table.ts shardHash): every route to one
 * destination in one table lives in one shard, whatever its tos, metric and next hops, so
 * routeKeysTo answers "what goes there already" by scanning that shard. Checked against a filter
 * over every key, on tables made both ways the database makes them (events through the reducer,
 * and a load that hands over shard hashes and leaves its keys unmade), and after an update.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TableLoad } from '../../src/db/bulk.js';
import { routeKey, routeSlot } from '../../src/db/keys.js';
import { reduce } from '../../src/db/reducer.js';
import { emptySnapshot, routeKeysTo, shardHash, shardOf } from '../../src/db/table.js';
import type { DbEvent, Table } from '../../src/db/types.js';
import type { RouteRecord } from '../../src/iproute/records.js';
import { fresh, route4, route6 } from './fixtures.js';

// Few destinations, tables, metrics, tos and links: many routes share a destination or a slot.
const arbRoutes = fc.array(fc.record({
  v6: fc.boolean(), d: fc.integer({ min: 0, max: 4 }), len: fc.constantFrom(16, 24), table: fc.constantFrom(254, 100),
  metric: fc.constantFrom(null, 5, 10), oif: fc.integer({ min: 2, max: 4 }), tos: fc.constantFrom(0, 16),
}), { maxLength: 80 }).map((xs) => {
  const byKey = new Map<string, RouteRecord>();
  for (const { v6, d, len, table, metric, oif, tos } of xs) {
    const r = v6 ? route6(d === 0 ? 'default' : `2001:db8:${d}::/${len + 40}`, { oif, table, priority: metric ?? 1024 })
      : route4(d === 0 ? 'default' : `10.${d}.0.0/${len}`, { oif, table, priority: metric, tos });
    byKey.set(routeKey(r), r);
  }
  return [...byKey.values()];
});

const nu = (record: RouteRecord): DbEvent => ({ kind: 'route', op: 'new', record: fresh(record) });
const del = (record: RouteRecord): DbEvent => ({ kind: 'route', op: 'del', record: fresh(record) });

/** What routeKeysTo must answer, by brute force: every key of the table to that destination. */
function expected(routes: readonly RouteRecord[], family: number, table: number, dst: string): string[] {
  return routes.filter((r) => r.family === family && r.table === table && r.dst === dst).map(routeKey).sort();
}

function questions(routes: readonly RouteRecord[]): [4 | 6, number, string][] {
  const qs = new Map<string, [4 | 6, number, string]>();
  for (const r of routes) for (const table of [254, 100, 7]) qs.set(`${r.family}|${table}|${r.dst}`, [r.family, table, r.dst]);
  qs.set('4|254|192.0.2.0/24', [4, 254, '192.0.2.0/24']);
  return [...qs.values()];
}

function check(table: Table<unknown>, routes: readonly RouteRecord[]): void {
  for (const [family, t, dst] of questions(routes)) {
    expect([...routeKeysTo(table, family, t, dst)].sort()).toEqual(expected(routes, family, t, dst));
  }
}

describe('route shards', () => {
  it('put every route to one destination of one table in one shard, whatever its slot', () => {
    const a = route4('10.1.0.0/16', { priority: 5, tos: 16, oif: 3 });
    const b = route4('10.1.0.0/16', { priority: null, oif: 2, gateway: '10.0.0.1' });
    expect(routeSlot(a)).not.toBe(routeSlot(b));
    expect(shardOf('route', routeKey(a))).toBe(shardOf('route', routeKey(b)));
    // the slot (Working.group's argument) hashes as its keys do
    expect(shardHash('route', routeSlot(a))).toBe(shardHash('route', routeKey(a)));
    expect(shardHash('route', routeKey(a))).not.toBe(shardHash('route', routeKey(route4('10.1.0.0/17'))));
    expect(shardHash('route', routeKey(a))).not.toBe(shardHash('route', routeKey(route4('10.1.0.0/16', { table: 100 }))));
  });

  it('let routeKeysTo find exactly the routes to a destination, in a table made by events or by a load', () => {
    fc.assert(fc.property(arbRoutes, fc.array(fc.nat(), { maxLength: 20 }), (routes, gone) => {
      const keyed = reduce(emptySnapshot(), routes.map(nu), 'kernel').snapshot;
      check(keyed.tables.route, routes);
      // the kernel source's load: shard hashes instead of keys, in dump order (by destination)
      const load = new TableLoad('route', 'resync', false, true);
      const dumpOrder = [...routes].sort((x, y) => (`${x.family}|${x.table}|${x.dst}` < `${y.family}|${y.table}|${y.dst}` ? -1 : 1));
      for (const r of dumpOrder) load.add(fresh(r), undefined, shardHash('route', routeKey(r)));
      const lazy = load.finish(emptySnapshot(), false).snapshot;
      check(lazy.tables.route, routes);
      // and after an update that removes some of them
      const removed = new Set(gone.filter(() => routes.length > 0).map((i) => routes[i % routes.length]!));
      const left = routes.filter((r) => !removed.has(r));
      const after = reduce(lazy, [...removed].map(del), 'kernel').snapshot;
      check(after.tables.route, left);
      expect(after.tables.route.size).toBe(left.length);
    }), { numRuns: 150 });
  });
});
