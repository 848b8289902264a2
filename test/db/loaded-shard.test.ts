/**
 * Route loads in dump order (bulk.ts) leave each shard's records in a LoadedShard, indexed on its
 * first look-up. Such a shard must answer everything a Map filled the usual way answers, before
 * and after it is indexed; and the load must fall back to the usual Maps whenever a key may have
 * come twice (a repeat within its slot's run, or a dump that started over).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TableLoad } from '../../src/db/bulk.js';
import { keyGroup, routeKey } from '../../src/db/keys.js';
import { emptySnapshot, FrozenShard, LoadedShard, shardHash } from '../../src/db/table.js';
import type { RouteRecord } from '../../src/iproute/records.js';
import { fresh, route4, route6 } from './fixtures.js';
import { asMaps } from './helpers.js';

const records = (n: number) => Array.from({ length: n }, (_, i) => ({ n: i }));
const keysOf = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`);

describe('LoadedShard', () => {
  it('answers size and iteration from its arrays, in their order, without indexing', () => {
    const recs = records(5);
    const s = new LoadedShard(keysOf(5), recs);
    expect(s.size).toBe(5);
    expect([...s.keys()]).toEqual(keysOf(5));
    expect([...s.values()]).toEqual(recs);
    expect([...s.entries()]).toEqual(keysOf(5).map((k, i) => [k, recs[i]]));
    expect([...s]).toEqual(keysOf(5).map((k, i) => [k, recs[i]]));
    const seen: unknown[] = [];
    const self = { tag: 'this' };
    s.forEach(function (this: unknown, v, k, m) {
      seen.push([k, v, m === s, this]);
    }, self);
    expect(seen).toEqual(keysOf(5).map((k, i) => [k, recs[i], true, self]));
    expect(s.indexed).toBe(false);
  });

  it('indexes itself on the first get or has, and then answers exactly as before', () => {
    for (const first of ['get', 'has'] as const) {
      const recs = records(30);
      const s = new LoadedShard(keysOf(30), recs);
      if (first === 'get') expect(s.get('k7')).toBe(recs[7]);
      else expect(s.has('k29')).toBe(true);
      expect(s.indexed).toBe(true);
      expect(s.get('nope')).toBeUndefined();
      expect(s.has('nope')).toBe(false);
      expect(s.size).toBe(30);
      expect([...s]).toEqual(keysOf(30).map((k, i) => [k, recs[i]]));
      expect([...s.keys()]).toEqual(keysOf(30));
      expect([...s.values()]).toEqual(recs);
      const order: string[] = [];
      s.forEach((_v, k) => order.push(k));
      expect(order).toEqual(keysOf(30));
    }
  });

  it('an iteration begun before the index is built goes on over the same records', () => {
    const recs = records(4);
    const s = new LoadedShard(keysOf(4), recs);
    const out: [string, unknown][] = [];
    for (const [k, v] of s) {
      out.push([k, v]);
      if (k === 'k1') expect(s.get('k3')).toBe(recs[3]);
    }
    expect(out).toEqual(keysOf(4).map((k, i) => [k, recs[i]]));
  });

  it('is read-only, frozen, and a base for the next shard like any other', () => {
    const recs = records(3);
    const s = Object.freeze(new LoadedShard(keysOf(3), recs)) as unknown as Map<string, unknown>;
    expect(() => s.set('x', 1)).toThrow(TypeError);
    expect(() => s.delete('k0')).toThrow(TypeError);
    expect(() => s.clear()).toThrow(TypeError);
    const next = FrozenShard.from(s as ReadonlyMap<string, unknown>, new Map<string, unknown>([['k1', null], ['k9', { n: 9 }]]));
    expect([...next]).toEqual([['k0', recs[0]], ['k2', recs[2]], ['k9', { n: 9 }]]);
    expect(s.get('k2')).toBe(recs[2]); // frozen, and still able to index itself
    expect(s.size).toBe(3);
  });

  it('refuses keys and records that do not pair up', () => {
    expect(() => new LoadedShard(['a'], [])).toThrow(/as many keys as records/);
  });

  it('makes the keys it was not given when they are first asked for, each once', () => {
    const recs = records(6);
    const made: number[] = [];
    const keyOf = (r: { n: number }) => {
      made.push(r.n);
      return `k${r.n}`;
    };
    const given = () => keysOf(6).map((k, i) => (i % 2 === 0 ? undefined : k));
    // size and values need no key
    const s = new LoadedShard(given(), recs, keyOf);
    expect(s.size).toBe(6);
    expect([...s.values()]).toEqual(recs);
    expect(made).toEqual([]);
    // an iteration makes them as it reaches them, in order, and keeps them
    const it = s.keys();
    expect(it.next().value).toBe('k0');
    expect(made).toEqual([0]);
    expect([...it]).toEqual(keysOf(6).slice(1));
    expect(made).toEqual([0, 2, 4]);
    expect([...s.entries()]).toEqual(keysOf(6).map((k, i) => [k, recs[i]]));
    const order: string[] = [];
    s.forEach((_v, k) => order.push(k));
    expect(order).toEqual(keysOf(6));
    expect(made).toEqual([0, 2, 4]);
    // a look-up indexes the shard under the keys made
    const t = new LoadedShard(given(), recs, keyOf);
    made.length = 0;
    expect(t.get('k4')).toBe(recs[4]);
    expect(t.indexed).toBe(true);
    expect(made).toEqual([0, 2, 4]);
    expect([...t]).toEqual(keysOf(6).map((k, i) => [k, recs[i]]));
    // an iteration begun before the index goes on with the keys the index made
    const u = new LoadedShard(given(), recs, keyOf);
    const seen: string[] = [];
    for (const k of u.keys()) {
      seen.push(k);
      if (k === 'k1') expect(u.has('k5')).toBe(true);
    }
    expect(seen).toEqual(keysOf(6));
    // a missing key with nothing to make it is a bug, said so
    expect(() => [...new LoadedShard([undefined], [{ n: 0 }]).keys()]).toThrow(/no keyOf/);
  });
});

/** Routes as a dump hands them over: by slot, a slot's routes together (sorted by group). */
const arbDump: fc.Arbitrary<RouteRecord[]> = fc
  .array(fc.record({
    // few values each, so that a slot's run often holds the same route twice
    v6: fc.boolean(), d: fc.integer({ min: 0, max: 12 }), oif: fc.integer({ min: 2, max: 6 }),
    gw: fc.constantFrom(null, '10.0.0.2'), metric: fc.constantFrom(null, 10),
  }), { minLength: 1, maxLength: 120, size: 'max' })
  .map((xs) => xs
    .map(({ v6, d, oif, gw, metric }) => (v6
      ? route6(d < 4 ? 'fe80::/64' : `2001:db8:${d}::/64`, { oif, gateway: gw === null ? null : 'fe80::1' })
      : route4(`10.${d}.0.0/16`, { oif, gateway: gw, priority: metric })))
    .map((r) => ({ r, group: keyGroup(routeKey(r)) }))
    .sort((x, y) => (x.group < y.group ? -1 : x.group > y.group ? 1 : 0))
    .map(({ r }) => r));

describe('a route load in dump order', () => {
  it('is the same table as the usual load, repeats within a slot, restarts and keys left to make included', () => {
    // `given`: per record, whether the load is handed its key, or only its group's hash (as the
    // kernel source's dumps hand routes over) and makes the key itself if it needs it
    fc.assert(fc.property(arbDump, fc.boolean(), fc.nat(), fc.array(fc.boolean()), (dump, restart, at, given) => {
      const usual = new TableLoad('route', 'resync', false);
      const ordered = new TableLoad('route', 'resync', false, true);
      dump.forEach((r, i) => {
        if (restart && i === at % (dump.length + 1)) ordered.restarted();
        usual.add(fresh(r));
        const key = routeKey(r);
        if (given[i] ?? false) ordered.add(fresh(r), key);
        else ordered.add(fresh(r), undefined, shardHash('route', key));
      });
      const a = usual.finish(emptySnapshot(), false).snapshot;
      const b = ordered.finish(emptySnapshot(), false).snapshot;
      expect(b.tables.route.size).toBe(a.tables.route.size);
      // shard by shard, in the same order, with the same keys (made as they are listed)
      a.tables.route.shards.forEach((shard, i) => expect([...b.tables.route.shards[i]!]).toEqual([...shard]));
      expect(asMaps(b)).toEqual(asMaps(a));
      // and looked up, key by key
      for (const [key, r] of asMaps(a).get('route')!) expect(b.tables.route.shards[shardHash('route', key) % b.tables.route.shards.length]!.get(key)).toEqual(r);
    }), { numRuns: 150 });
  });

  it('keeps its shards unindexed only when every key came once and the dump did not start over', () => {
    const distinct = Array.from({ length: 40 }, (_, i) => route6('fe80::/64', { oif: i + 2 })); // one slot, a long run
    const shardsOf = (load: TableLoad<'route'>) => load.finish(emptySnapshot(), false).snapshot.tables.route.shards.filter((s) => s.size > 0);

    const clean = new TableLoad('route', 'resync', false, true);
    for (const r of distinct) clean.add(fresh(r));
    expect(shardsOf(clean).every((s) => s instanceof LoadedShard && !s.indexed)).toBe(true);

    // handed group hashes only: the same, and the keys the run needed were made
    const grouped = new TableLoad('route', 'resync', false, true);
    for (const r of distinct) grouped.add(fresh(r), undefined, shardHash('route', routeKey(r)));
    expect(shardsOf(grouped).every((s) => s instanceof LoadedShard && !s.indexed)).toBe(true);
    expect(shardsOf(grouped).flatMap((s) => [...s.keys()])).toEqual(distinct.map(routeKey));

    for (const repeatAt of [1, 5, 39]) {
      for (const byGroup of [false, true]) {
        // the same route again within its slot's run (short run and long run both), handed
        // over with its key or with its group's hash
        const load = new TableLoad('route', 'resync', false, true);
        const add = (r: RouteRecord) => (byGroup ? load.add(fresh(r), undefined, shardHash('route', routeKey(r))) : load.add(fresh(r)));
        distinct.slice(0, repeatAt).forEach(add);
        add(distinct[0]!);
        distinct.slice(repeatAt).forEach(add);
        const shards = shardsOf(load);
        expect(shards.some((s) => s instanceof LoadedShard)).toBe(false);
        expect(shards.reduce((n, s) => n + s.size, 0)).toBe(40);
      }
    }

    const restarted = new TableLoad('route', 'resync', false, true);
    restarted.add(fresh(distinct[0]!));
    restarted.restarted();
    for (const r of distinct) restarted.add(fresh(r));
    expect(shardsOf(restarted).some((s) => s instanceof LoadedShard)).toBe(false);

    // not in dump order, tracked, or another kind: the usual Maps
    const unordered = new TableLoad('route', 'resync', false);
    const tracked = new TableLoad('route', 'resync', true, true);
    for (const r of distinct) {
      unordered.add(fresh(r));
      tracked.add(fresh(r));
    }
    expect(shardsOf(unordered).some((s) => s instanceof LoadedShard)).toBe(false);
    expect(shardsOf(tracked).some((s) => s instanceof LoadedShard)).toBe(false);
  });
});
