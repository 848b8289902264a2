/** Recording: every change becomes a history row, written in batches off the event path. */
import BetterSqlite3 from 'better-sqlite3';
import { Subject } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { emptySnapshot } from '../../src/db/table.js';
import type { AnyChange, DbEvent } from '../../src/db/types.js';
import type { HistoryEntry } from '../../src/store/index.js';
import { addr4, iface, route4 } from '../db/fixtures.js';
import { FakeClock, openDb, useStoreFiles } from './helpers.js';

const files = useStoreFiles();

/** What a history entry says about a change, without where and when it was stored. */
const asChange = (e: HistoryEntry): Record<string, unknown> => {
  const { id: _i, ns: _n, time: _t, txid: _x, ...c } = e as unknown as Record<string, unknown>;
  return c;
};

const routeN = (i: number) => route4(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`, { oif: 2 + (i % 3) });

function count(path: string, sql: string): number {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return (db.prepare(sql).pluck().get() as number);
  } finally {
    db.close();
  }
}

describe('recording', () => {
  it('records every change the database publishes, shaped like the change, in order', async () => {
    const store = files.open();
    const { db, source } = await openDb((s) => s.set('interface', iface(2, 'eth0'), { silent: true }));
    const seen: AnyChange[] = [];
    db.changes$.subscribe((c) => seen.push(c));
    const ns = store.attach(db, 'main');
    source.set('address', addr4(2, '10.0.0.1/24'));
    source.set('interface', iface(2, 'eth0', { mtu: 9000 }));
    source.set('route', route4('10.1.0.0/16'));
    source.remove('address', addr4(2, '10.0.0.1/24'));
    await db.whenIdle();
    const h = await ns.history();
    // (removing the address also removes what the database models as going with it)
    expect(seen.map((c) => c.op).slice(0, 4)).toEqual(['add', 'change', 'add', 'remove']);
    expect(h.map(asChange)).toEqual(JSON.parse(JSON.stringify(seen)));
    expect(h.every((e) => e.ns === 'main' && e.time instanceof Date && e.txid === null)).toBe(true);
    expect(h.map((e) => e.id)).toEqual([...h.map((e) => e.id)].sort((a, b) => a - b));
    expect(h[1]!.fields).toEqual(['mtu']);
    db.close();
  });

  it('writes nothing on the event path: changes wait for their batch, then one transaction writes it', async () => {
    const store = files.open({ flushMs: 60_000, batchSize: 1000 });
    const path = (store as unknown as { path: string }).path;
    const { db, source } = await openDb();
    const ns = store.attach(db, 'main');
    await ns.flush(); // the (empty) baseline
    for (let i = 0; i < 10; i++) source.set('route', routeN(i));
    await db.whenIdle();
    expect(ns.stats().buffered).toBe(10);
    expect(count(path, 'SELECT count(*) FROM history')).toBe(0);
    await ns.flush();
    expect(count(path, 'SELECT count(*) FROM history')).toBe(10);
    expect(ns.stats()).toMatchObject({ changes: 10, batches: 1, buffered: 0 });
    db.close();
  });

  it('flushes by itself after flushMs', async () => {
    // Long enough that the change is still buffered when the database is idle, on a busy machine
    // too (5 ms once let the timer flush it first: a CI run saw buffered 0 there).
    const store = files.open({ flushMs: 250 });
    const { db, source } = await openDb();
    const ns = store.attach(db, 'main');
    source.set('route', routeN(1));
    await db.whenIdle();
    expect(ns.stats().buffered).toBe(1);
    await vi.waitFor(() => expect(ns.stats()).toMatchObject({ changes: 1, buffered: 0 }), { timeout: 5000, interval: 5 });
    db.close();
  });

  it('records a burst of 100,000 route changes completely, in batches', async () => {
    const N = 100_000;
    const store = files.open({ batchSize: 2000, maxBatch: 10_000 });
    const { db, source } = await openDb((s) => s.set('interface', iface(2, 'eth0'), { silent: true }));
    const ns = store.attach(db, 'main');
    // One batch of events, as a netlink storm delivers them (handed over without copies).
    source.events.next(Array.from({ length: N }, (_, i): DbEvent => ({ kind: 'route', op: 'new', record: routeN(i) })));
    await db.whenIdle();
    source.events.next(Array.from({ length: N / 2 }, (_, i): DbEvent => ({ kind: 'route', op: 'del', record: routeN(i * 2) })));
    await db.whenIdle();
    await ns.flush();
    const [h] = await ns.query<{ adds: number; removes: number; n: number }>(
      "SELECT sum(op = 'add') AS adds, sum(op = 'remove') AS removes, count(*) AS n FROM history WHERE kind = 'route'");
    expect(h).toEqual({ adds: N, removes: N / 2, n: 1.5 * N });
    const [r] = await ns.query<{ n: number }>('SELECT count(*) AS n FROM routes');
    expect(r!.n).toBe(N / 2);
    expect(db.routes.size).toBe(N / 2);
    const stats = ns.stats();
    expect(stats.changes).toBe(1.5 * N);
    expect(stats.largestBatch).toBeLessThanOrEqual(10_000);
    expect(stats.batches).toBeLessThan((1.5 * N) / 100);
    db.close();
  });

  it('keeps recording through a database close: pending changes are written', async () => {
    const store = files.open({ flushMs: 60_000 });
    const { db, source } = await openDb();
    const ns = store.attach(db, 'main');
    source.set('route', routeN(1));
    await db.whenIdle();
    db.close();
    await store.flush();
    expect(ns.attached).toBeNull();
    expect(await ns.history()).toHaveLength(1);
  });

  it('records txids: from the change itself, or from txidOf', async () => {
    const store = files.open();
    const changes = new Subject<AnyChange>();
    const fake = { state: { snapshot: emptySnapshot() }, changes$: changes.asObservable() };
    const ns = store.attach(fake, 'a');
    const r = route4('10.9.0.0/16');
    changes.next({ op: 'add', kind: 'route', key: 'k1', before: undefined, after: r, origin: 'commit', txid: 'tx-1' } as AnyChange);
    changes.next({ op: 'remove', kind: 'route', key: 'k1', before: r, after: undefined, origin: 'kernel' });
    changes.complete();
    const h = await ns.history();
    expect(h.map((e) => [e.op, e.origin, e.txid])).toEqual([['add', 'commit', 'tx-1'], ['remove', 'kernel', null]]);
    expect(await ns.history({ txid: 'tx-1' })).toHaveLength(1);

    const other = new Subject<AnyChange>();
    const nb = store.namespace('b').attach({ state: { snapshot: emptySnapshot() }, changes$: other }, { txidOf: (c) => (c.origin === 'commit' ? 'tx-9' : null) });
    other.next({ op: 'add', kind: 'route', key: 'k2', before: undefined, after: r, origin: 'commit' });
    other.complete();
    expect((await nb.history()).map((e) => e.txid)).toEqual(['tx-9']);
  });

  it('keeps namespaces apart in one file', async () => {
    const store = files.open();
    const a = await openDb();
    const b = await openDb();
    const na = store.attach(a.db, 'a');
    const nb = store.attach(b.db, 'b');
    a.source.set('route', routeN(1));
    b.source.set('route', routeN(2));
    b.source.set('route', routeN(3));
    await Promise.all([a.db.whenIdle(), b.db.whenIdle()]);
    expect(await na.history()).toHaveLength(1);
    expect(await nb.history()).toHaveLength(2);
    expect(store.namespaces()).toEqual(['a', 'b']);
    expect(() => store.attach(a.db, 'a')).toThrow(/already has a database attached/);
    a.db.close();
    b.db.close();
  });
});

describe('history filters', () => {
  it('selects by time range (inclusive), kind, key, origin, and limits either end', async () => {
    const clock = new FakeClock();
    const store = files.open({ now: clock.now });
    const { db, source } = await openDb((s) => s.set('interface', iface(2, 'eth0'), { silent: true }));
    const ns = store.attach(db, 'main');
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      times.push(clock.advance(1000));
      source.set('route', routeN(i));
      source.set('address', addr4(2, `10.0.${i}.1/24`));
      await db.whenIdle();
    }
    const key3 = (await ns.history({ kind: 'route' }))[3]!.key;
    expect((await ns.history()).length).toBe(12);
    expect((await ns.history({ since: times[2], until: new Date(times[3]!) })).map((e) => e.time.getTime())).toEqual([times[2], times[2], times[3], times[3]]);
    expect((await ns.history({ kind: 'address' })).every((e) => e.kind === 'address')).toBe(true);
    expect((await ns.history({ kind: ['address', 'route'] })).length).toBe(12);
    expect((await ns.history({ key: key3 })).map((e) => (e.after as { dst: string }).dst)).toEqual([routeN(3).dst]);
    expect((await ns.history({ kind: 'route', limit: 2 })).map((e) => e.time.getTime())).toEqual([times[0], times[1]]);
    expect((await ns.history({ kind: 'route', limit: 2, order: 'desc' })).map((e) => e.time.getTime())).toEqual([times[5], times[4]]);
    expect(await ns.history({ origin: 'resync' })).toEqual([]);
    expect(await ns.history({ since: times[5]! + 1 })).toEqual([]);
    db.close();
  });
});
