/** at(time): the snapshot rebuilt from a checkpoint and the history equals the one the database had. */
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import type { PlainSnapshot } from '../../src/db/types.js';
import { HistoryRangeError } from '../../src/store/index.js';
import type { FakeSource } from '../db/fake-source.js';
import { addr4, addr6, iface, neigh, route4, route6, rule } from '../db/fixtures.js';
import { FakeClock, openDb, useStoreFiles } from './helpers.js';

const files = useStoreFiles();

/** A small deterministic generator (no Math.random: a failure must replay). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** One step of kernel activity: a few random adds, changes and removals over every kind. */
function step(source: FakeSource, rnd: () => number): void {
  const pick = (n: number): number => Math.floor(rnd() * n);
  for (let i = 0, n = 1 + pick(6); i < n; i++) {
    const idx = 2 + pick(4);
    const off = rnd() < 0.3;
    switch (pick(6)) {
      case 0:
        source.set('interface', iface(idx, `eth${idx}`, { mtu: 1500 + pick(3) * 1000, operstate: rnd() < 0.5 ? 'UP' : 'DOWN' }));
        break;
      case 1: {
        const a = addr4(idx, `10.${idx}.0.${1 + pick(3)}/24`);
        if (off) source.remove('address', a);
        else source.set('address', a);
        break;
      }
      case 2: {
        const r = route4(`192.168.${pick(8)}.0/24`, { oif: idx, priority: pick(2) * 100 });
        if (off) source.remove('route', r);
        else source.set('route', r);
        break;
      }
      case 3: {
        const r = route6(`2001:db8:${pick(5)}::/64`, { oif: idx });
        if (off) source.remove('route', r);
        else source.set('route', r, {});
        break;
      }
      case 4: {
        const n = neigh(idx, `10.${idx}.0.${10 + pick(3)}`, { state: rnd() < 0.5 ? 'REACHABLE' : 'STALE' });
        if (off) source.remove('neighbour', n);
        else source.set('neighbour', n);
        break;
      }
      default: {
        const r = rule(1000 + pick(3), { table: 100 + pick(2) });
        if (off) source.remove('rule', r);
        else source.set('rule', r);
      }
    }
  }
}

function seed(s: FakeSource): void {
  for (let i = 1; i <= 5; i++) s.set('interface', iface(i, i === 1 ? 'lo' : `eth${i}`), { silent: true });
  s.set('address', addr6(2, 'fe80::1/64'), { silent: true });
  s.set('route', route4('default', { gateway: '10.2.0.254', oif: 2 }), { silent: true });
}

async function run(db: Database, source: FakeSource, clock: FakeClock, rnd: () => number, steps: number): Promise<{ t: number; s: PlainSnapshot }[]> {
  const out: { t: number; s: PlainSnapshot }[] = [];
  for (let i = 0; i < steps; i++) {
    clock.advance(1000);
    step(source, rnd);
    await db.whenIdle();
    out.push({ t: clock.t, s: db.snapshot() });
  }
  return out;
}

describe('at(time)', () => {
  for (const s of [1, 2, 3]) {
    it(`rebuilds every moment of a random stream (seed ${s})`, async () => {
      const clock = new FakeClock();
      const store = files.open({ now: clock.now });
      const { db, source } = await openDb(seed);
      const t0 = clock.t;
      const initial = db.snapshot();
      const ns = store.attach(db, 'main');
      const rnd = lcg(s);
      const first = await run(db, source, clock, rnd, 15);
      await ns.checkpoint('middle'); // a later starting point for replays
      const second = await run(db, source, clock, rnd, 15);
      expect(await ns.at(t0)).toEqual(initial);
      for (const { t, s: snap } of [...first, ...second]) {
        expect(await ns.at(t)).toEqual(snap);
        expect(await ns.at(new Date(t + 500))).toEqual(snap); // between two steps: the earlier one
      }
      await expect(ns.at(t0 - 1)).rejects.toBeInstanceOf(HistoryRangeError);
      db.close();
    });
  }

  it('spans sessions: a second attach starts from its own baseline', async () => {
    const clock = new FakeClock();
    const path = files.path();
    let store = files.open({ now: clock.now }, path);
    const one = await openDb(seed);
    store.attach(one.db, 'main');
    const rnd = lcg(7);
    const first = await run(one.db, one.source, clock, rnd, 8);
    one.db.close();
    await store.close();

    // Meanwhile the kernel changed without anyone recording it.
    clock.advance(60_000);
    store = files.open({ now: clock.now }, path);
    const two = await openDb((s) => {
      seed(s);
      s.set('route', route4('172.16.0.0/12', { oif: 3 }), { silent: true });
    });
    const t1 = clock.t;
    const baseline = two.db.snapshot();
    const ns = store.attach(two.db, 'main');
    const second = await run(two.db, two.source, clock, rnd, 8);
    for (const { t, s: snap } of [...first, ...second]) expect(await ns.at(t)).toEqual(snap);
    expect(await ns.at(t1)).toEqual(baseline);
    // Between the sessions, the store answers with what it last saw.
    expect(await ns.at(t1 - 1)).toEqual(first.at(-1)!.s);
    two.db.close();
  });
});
