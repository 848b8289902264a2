/** Retention by age and by row count, in chunks, without breaking at() inside what is kept. */
import { describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/db/database.js';
import type { PlainSnapshot } from '../../src/db/types.js';
import { HistoryRangeError, type NamespaceStore } from '../../src/store/index.js';
import type { FakeSource } from '../db/fake-source.js';
import { addr4, iface, route4 } from '../db/fixtures.js';
import { FakeClock, openDb, useStoreFiles } from './helpers.js';

const files = useStoreFiles();

const seed = (s: FakeSource): void => {
  s.set('interface', iface(2, 'eth0'), { silent: true });
  s.set('address', addr4(2, '10.0.0.1/24'), { silent: true });
};

/** Steps one second apart, each adding a route, changing the link and removing an older route. */
async function steps(db: Database, source: FakeSource, clock: FakeClock, from: number, n: number): Promise<{ t: number; s: PlainSnapshot }[]> {
  const out: { t: number; s: PlainSnapshot }[] = [];
  for (let i = from; i < from + n; i++) {
    clock.advance(1000);
    source.set('route', route4(`10.1.${i % 256}.0/24`, { oif: 2, priority: Math.floor(i / 256) }));
    source.set('interface', iface(2, 'eth0', { mtu: 1000 + i }));
    if (i >= 3) source.remove('route', route4(`10.1.${(i - 3) % 256}.0/24`, { oif: 2, priority: Math.floor((i - 3) / 256) }));
    await db.whenIdle();
    out.push({ t: clock.t, s: db.snapshot() });
  }
  return out;
}

async function rows(ns: NamespaceStore): Promise<number> {
  return (await ns.query<{ n: number }>('SELECT count(*) AS n FROM history'))[0]!.n;
}

/** Every recorded moment is rebuilt exactly from the horizon on, and refused before it. */
async function checkAt(ns: NamespaceStore, moments: { t: number; s: PlainSnapshot }[]): Promise<{ kept: number; refused: number }> {
  const horizon = Math.min(...(await ns.checkpoints()).filter((c) => c.replayable).map((c) => c.time.getTime()));
  let kept = 0;
  let refused = 0;
  for (const { t, s } of moments) {
    if (t >= horizon) {
      expect(await ns.at(t)).toEqual(s);
      kept++;
    } else {
      await expect(ns.at(t)).rejects.toBeInstanceOf(HistoryRangeError);
      refused++;
    }
  }
  return { kept, refused };
}

describe('retention', () => {
  it('by row count: keeps the newest maxRows rows and rebuilds every moment they cover', async () => {
    const clock = new FakeClock();
    const store = files.open({ now: clock.now, retention: { maxRows: 100, chunk: 17, intervalMs: 3_600_000 } });
    const { db, source } = await openDb(seed);
    const ns = store.attach(db, 'main');
    const moments = await steps(db, source, clock, 0, 120);
    await store.prune();
    expect(await rows(ns)).toBe(100);
    const { kept, refused } = await checkAt(ns, moments);
    expect(kept).toBeGreaterThanOrEqual(30);
    expect(refused).toBeGreaterThan(0);
    // the newest changes are the ones kept
    expect((await ns.history({ order: 'desc', limit: 1 }))[0]!.time.getTime()).toBe(moments.at(-1)!.t);
    db.close();
  });

  it('by age: removes rows older than maxAgeMs', async () => {
    const clock = new FakeClock();
    const store = files.open({ now: clock.now, retention: { maxAgeMs: 20_000, chunk: 10, intervalMs: 3_600_000 } });
    const { db, source } = await openDb(seed);
    const ns = store.attach(db, 'main');
    const moments = await steps(db, source, clock, 0, 60);
    await store.prune();
    const h = await ns.history();
    expect(h.length).toBeGreaterThan(0);
    expect(Math.min(...h.map((e) => e.time.getTime()))).toBeGreaterThanOrEqual(clock.t - 20_000);
    expect(await ns.history({ until: clock.t - 20_001 })).toEqual([]);
    const { kept, refused } = await checkAt(ns, moments);
    expect(kept).toBeGreaterThanOrEqual(20);
    expect(refused).toBeGreaterThanOrEqual(35);
    db.close();
  });

  it('runs by itself after writes, a chunk at a time, while recording goes on', async () => {
    const clock = new FakeClock();
    const store = files.open({ now: clock.now, flushMs: 1, retention: { maxRows: 50, chunk: 5, intervalMs: 3_600_000 } });
    const { db, source } = await openDb(seed);
    const ns = store.attach(db, 'main');
    const moments = await steps(db, source, clock, 0, 80);
    await ns.flush();
    await vi.waitFor(async () => expect(await rows(ns)).toBe(50), { timeout: 10_000, interval: 20 });
    await checkAt(ns, moments);
    db.close();
  });

  it('moves its base across sessions and keeps user checkpoints', async () => {
    const clock = new FakeClock();
    const path = files.path();
    const options = { now: clock.now, retention: { maxRows: 40, chunk: 7, intervalMs: 3_600_000 } };
    let store = files.open(options, path);
    const one = await openDb(seed);
    const first = store.attach(one.db, 'main');
    const early = await steps(one.db, one.source, clock, 0, 10);
    await first.checkpoint('keep-me');
    one.db.close();
    await store.close();

    clock.advance(5000);
    store = files.open(options, path);
    const two = await openDb(seed);
    const ns = store.attach(two.db, 'main');
    const late = await steps(two.db, two.source, clock, 100, 30);
    await store.prune();
    expect(await rows(ns)).toBe(40);
    const cps = await ns.checkpoints();
    // the first session's baseline is gone, the second's is the base now; the user's stays
    expect(cps.filter((c) => c.auto)).toHaveLength(1);
    expect(cps.map((c) => c.name)).toContain('keep-me');
    expect((await ns.restorePlan('keep-me')).target).toEqual(early.at(-1)!.s);
    await checkAt(ns, [...early, ...late]);
    two.db.close();
  });

  it('counts rows per namespace', async () => {
    const clock = new FakeClock();
    const store = files.open({ now: clock.now, retention: { maxRows: 30, intervalMs: 3_600_000 } });
    const a = await openDb(seed);
    const b = await openDb(seed);
    const na = store.attach(a.db, 'a');
    const nb = store.attach(b.db, 'b');
    await steps(a.db, a.source, clock, 0, 20);
    await steps(b.db, b.source, clock, 0, 5);
    const small = await rows(nb);
    expect(small).toBeLessThan(30);
    await store.prune();
    expect(await rows(na)).toBe(30);
    expect(await rows(nb)).toBe(small);
    a.db.close();
    b.db.close();
  });
});
