/**
 * The fast paths must mean exactly what the general ones mean:
 * - a load into an empty table (bulk.ts) == mark, dump, sweep (reconcile.ts) from empty: same
 *   records, same changes in the same order (duplicates in the dump included), frozen the same;
 * - the name index moved from table to table, and the sorted list merged from the last one
 *   (collection.ts), answer what fresh ones answer, in the new state and in the old ones;
 * - shards refuse writes;
 * - adaptive event slices (queue.ts) shrink when slices are slow, never above sliceSize, never
 *   below the floor, and keep every event in order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TableLoad } from '../../src/db/bulk.js';
import { Database } from '../../src/db/database.js';
import { ApplyQueue, MIN_ADAPTIVE_SLICE } from '../../src/db/queue.js';
import { routeKey, routeKeyer } from '../../src/db/keys.js';
import { reconcile } from '../../src/db/reconcile.js';
import { reduce } from '../../src/db/reducer.js';
import { DbState } from '../../src/db/state.js';
import { emptySnapshot } from '../../src/db/table.js';
import type { AnyChange, DbEvent } from '../../src/db/types.js';
import type { NextHop, RecordEvent, RouteRecord } from '../../src/iproute/records.js';
import { FakeSource } from './fake-source.js';
import { del, fresh, iface, nu, route4, route6 } from './fixtures.js';
import { asMaps } from './helpers.js';

const arbRoute: fc.Arbitrary<RouteRecord> = fc
  .record({ d: fc.integer({ min: 0, max: 40 }), oif: fc.constantFrom(2, 3), v6: fc.boolean(), metric: fc.constantFrom(null, 10), proto: fc.constantFrom('boot', 'static') })
  .map(({ d, oif, v6, metric, proto }) => (v6
    ? route6(`2001:db8:${d}::/64`, { oif, protocol: proto })
    : route4(`10.${d}.0.0/16`, { oif, priority: metric, protocol: proto })));

/** Routes varying in every field routeKey reads, with few values each so suffixes repeat. */
const arbAnyRoute: fc.Arbitrary<RouteRecord> = fc
  .record({
    v6: fc.boolean(), d: fc.integer({ min: 0, max: 5 }), table: fc.constantFrom(254, 100), tos: fc.constantFrom(0, 16),
    priority: fc.constantFrom(null, 0, 10), protocol: fc.constantFrom('boot', 'static', 'kernel'), scope: fc.constantFrom('universe', 'link'),
    type: fc.constantFrom('unicast', 'blackhole'), prefsrc: fc.constantFrom(null, '10.0.0.1'), gateway: fc.constantFrom(null, '10.0.0.2', '10.0.0.3'),
    oif: fc.constantFrom(null, 2, 3), metrics: fc.constantFrom(null, { mtu: 1400 }),
    multipath: fc.constantFrom<NextHop[] | null>(null, [], [{ gateway: '10.0.0.2', oif: 2, weight: 1, onlink: false, encap: null, realms: null }, { gateway: '10.0.0.3', oif: 3, weight: 2, onlink: false, encap: null, realms: null }]),
  })
  .map(({ v6, d, ...over }) => (v6 ? route6(`2001:db8:${d}::/64`, over) : route4(`10.${d}.0.0/16`, over)));

describe('routeKeyer', () => {
  it('gives exactly routeKey for every route, whatever came before it', () => {
    fc.assert(fc.property(fc.array(arbAnyRoute, { maxLength: 80 }), (routes) => {
      const keyer = routeKeyer();
      for (const r of routes) expect(keyer(r)).toBe(routeKey(r));
    }));
  });
});

const plainChanges = (cs: readonly AnyChange[]) => cs.map((c) => ({ ...c }));

describe('load into an empty table', () => {
  it('is reconcile from empty: same records, same changes in order (repeated keys included)', () => {
    fc.assert(fc.property(fc.array(arbRoute, { maxLength: 60 }), (routes) => {
      const dump: RecordEvent[] = routes.map((r) => ({ kind: 'route', op: 'new', record: fresh(r) }));
      const expected = reconcile(emptySnapshot(), ['route'], dump.map((e) => ({ ...e, record: fresh(e.record) }) as RecordEvent));
      const load = new TableLoad('route');
      for (const e of dump) load.add(e.record as RouteRecord);
      const got = load.finish(emptySnapshot());
      expect(asMaps(got.snapshot)).toEqual(asMaps(expected.snapshot));
      expect(got.snapshot.tables.route.size).toBe(expected.snapshot.tables.route.size);
      expect(plainChanges(got.changes)).toEqual(plainChanges(expected.changes));
    }));
  });

  it('untracked (nobody listening at the start): the same table, and every stored record once as an add if asked', () => {
    fc.assert(fc.property(fc.array(arbRoute, { maxLength: 60 }), (routes) => {
      const tracked = new TableLoad('route');
      const untracked = new TableLoad('route', 'resync', false);
      for (const r of routes) {
        tracked.add(fresh(r));
        untracked.add(fresh(r));
      }
      const a = tracked.finish(emptySnapshot());
      const b = untracked.finish(emptySnapshot());
      expect(asMaps(b.snapshot)).toEqual(asMaps(a.snapshot));
      const stored = [...asMaps(b.snapshot).get('route')!.entries()].map(([key, after]) => ({ op: 'add', key, after }));
      const heard = b.changes.map((c) => ({ op: c.op, key: c.key, after: c.after }));
      expect(heard).toHaveLength(stored.length);
      expect(new Set(heard.map((c) => c.key))).toEqual(new Set(stored.map((c) => c.key)));
      expect(heard.every((c) => c.op === 'add')).toBe(true);
      const byKey = new Map(stored.map((c) => [c.key, c.after]));
      for (const c of heard) expect(c.after).toBe(byKey.get(c.key));
    }));
  });

  it('freezes what it stores, keeps the other tables, and is the base itself when the dump is empty', () => {
    const base = reduce(emptySnapshot(), [nu('interface', iface(2, 'eth0'))], 'kernel').snapshot;
    const r = route4('10.1.0.0/16', { multipath: [{ gateway: '10.0.0.1', oif: 2, weight: 1, onlink: false, encap: null, realms: null }] });
    const load = new TableLoad('route');
    load.add(r);
    const out = load.finish(base, false);
    expect(out.changes).toEqual([]); // nobody listening: none built
    expect(out.snapshot.version).toBe(base.version + 1);
    expect(out.snapshot.tables.interface).toBe(base.tables.interface);
    expect(Object.isFrozen(r) && Object.isFrozen(r.multipath) && Object.isFrozen(r.multipath![0])).toBe(true);
    expect(Object.isFrozen(out.snapshot) && Object.isFrozen(out.snapshot.tables.route.shards)).toBe(true);
    expect(new TableLoad('route').finish(base).snapshot).toBe(base);
  });

  it('refuses a table that is not empty', () => {
    const base = reduce(emptySnapshot(), [nu('route', route4('10.1.0.0/16'))], 'kernel').snapshot;
    expect(() => new TableLoad('route').finish(base)).toThrow(/not empty/);
  });

  it('Database.open: a listener that subscribes while the dump runs still hears every add', async () => {
    const src = new FakeSource();
    for (let i = 0; i < 7; i++) src.set('route', route4(`10.${i}.0.0/16`), { silent: true });
    src.chunkSize = 2;
    const db = new Database();
    const heard: AnyChange[] = [];
    src.beforeChunk = (kind, i) => {
      if (kind === 'route' && i === 2) db.changes$.subscribe((c) => heard.push(c));
    };
    await db.open(src);
    expect(heard.map((c) => `${c.origin} ${c.op} ${c.kind}`)).toEqual(Array(7).fill('resync add route'));
    expect(db.routes.size).toBe(7);
    db.close();
  });
});

describe('shards', () => {
  it('refuse writes', () => {
    const s = reduce(emptySnapshot(), [nu('route', route4('10.1.0.0/16'))], 'kernel').snapshot;
    const shard = s.tables.route.shards.find((m) => m.size > 0) as Map<string, unknown>;
    expect(() => shard.set('x', 1)).toThrow();
    expect(() => shard.delete([...shard.keys()][0]!)).toThrow();
    expect(() => shard.clear()).toThrow();
    expect(shard.size).toBe(1);
    const empty = emptySnapshot().tables.route.shards[0] as Map<string, unknown>;
    expect(() => empty.set('x', 1)).toThrow();
  });
});

describe('name index moved between tables', () => {
  const name = (i: number) => `10.${i % 12}.0.0/16`;
  const arbStep = fc.record({ i: fc.integer({ min: 0, max: 30 }), oif: fc.constantFrom(2, 3), gone: fc.boolean() })
    .map(({ i, oif, gone }) => (gone ? del : nu)('route', route4(name(i), { oif, priority: i % 3 })));

  it('answers what a fresh index answers, in the newest state and in older ones', () => {
    fc.assert(fc.property(fc.array(fc.array(arbStep, { maxLength: 6 }), { maxLength: 8 }), fc.array(fc.nat(7)), (batches, probes) => {
      const cache = new WeakMap();
      const states: DbState[] = [new DbState(emptySnapshot(), cache)];
      for (const batch of batches) {
        const next = reduce(states[states.length - 1]!.snapshot, batch.map((e) => ({ ...e, record: fresh(e.record) }) as DbEvent), 'kernel');
        states.push(new DbState(next.snapshot, cache));
        for (let i = 0; i < 12; i++) states[states.length - 1]!.routes.get(name(i)); // move it along
      }
      // then look up in old and new states in any order: each moves the index back and forth
      for (const p of [...probes, states.length - 1]) {
        const s = states[p % states.length]!;
        const fresh = new DbState(s.snapshot);
        for (let i = 0; i < 12; i++) expect(s.routes.get(name(i))).toBe(fresh.routes.get(name(i)));
      }
    }));
  });
});

describe('sorted list derived from the last one sorted', () => {
  const arbStep = fc.record({ d: fc.integer({ min: 0, max: 15 }), oif: fc.constantFrom(2, 3, 4), gone: fc.boolean(), v6: fc.boolean() })
    .map(({ d, oif, gone, v6 }) => (gone ? del : nu)('route', v6 ? route6(`2001:db8:${d}::/64`, { oif }) : route4(`10.${d}.0.0/16`, { oif })));

  it('lists what a fresh sort lists, in the newest state and in older ones (ties broken by key)', () => {
    fc.assert(fc.property(fc.array(fc.array(arbStep, { maxLength: 5 }), { maxLength: 10 }), fc.array(fc.nat(10)), (batches, probes) => {
      const cache = new WeakMap();
      const states: DbState[] = [new DbState(emptySnapshot(), cache)];
      for (const batch of batches) {
        const next = reduce(states[states.length - 1]!.snapshot, batch.map((e) => ({ ...e, record: fresh(e.record) }) as DbEvent), 'kernel');
        states.push(new DbState(next.snapshot, cache));
        states[states.length - 1]!.routes.toArray(); // derive each from the one before
      }
      for (const p of [...probes, states.length - 1]) {
        const s = states[p % states.length]!;
        expect(s.routes.toArray()).toEqual(new DbState(s.snapshot).routes.toArray());
      }
      // and out of order: an old state's list derived from a newer one
      const scrambled = new WeakMap();
      for (const p of [states.length - 1, ...probes]) {
        const s = new DbState(states[p % states.length]!.snapshot, scrambled);
        expect(s.routes.toArray()).toEqual(new DbState(s.snapshot).routes.toArray());
      }
    }));
  });
});

describe('adaptive event slices', () => {
  function run(costMs: (n: number) => number, total: number, sliceSize = 5000, sliceMs = 8) {
    let clock = 0;
    const sizes: number[] = [];
    const seen: number[] = [];
    const q = new ApplyQueue({
      apply: (evs) => {
        sizes.push(evs.length);
        for (const e of evs) seen.push((e.record as { index: number }).index);
        clock += costMs(evs.length);
      },
      sliceSize,
      sliceMs,
      yieldToLoop: () => Promise.resolve(),
      now: () => clock,
    });
    q.pushEvents(Array.from({ length: total }, (_, i) => nu('interface', iface(i, `x${i}`))));
    return { q, sizes, seen };
  }

  it('shrinks slow slices toward sliceMs, within [floor, sliceSize], keeping every event in order', async () => {
    const { q, sizes, seen } = run((n) => n * 0.02, 20_000); // 20 µs per event: 400 fit in 8 ms
    await q.barrier();
    expect(seen).toEqual(Array.from({ length: 20_000 }, (_, i) => i));
    expect(sizes[0]).toBeLessThanOrEqual(1000);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(5000);
    expect(Math.min(...sizes.slice(0, -1))).toBeGreaterThanOrEqual(MIN_ADAPTIVE_SLICE);
    expect(sizes[sizes.length - 2]).toBe(400);
  });

  it('grows cheap slices up to sliceSize, and never goes below a small sliceSize', async () => {
    const cheap = run(() => 0.001, 20_000);
    await cheap.q.barrier();
    expect(cheap.sizes.slice(-3, -1)).toEqual([5000, 5000]);
    const tiny = run((n) => n * 100, 10, 3); // very slow, but sliceSize 3 is the floor
    await tiny.q.barrier();
    expect(tiny.sizes).toEqual([3, 3, 3, 1]);
  });
});
