/**
 * The current-state tables after an attach: filled from the baseline in the background, after the
 * baseline is in the file, while changes keep coming; and filled again by the next store when a
 * process closed before the fill was done.
 */
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { KINDS, PLURAL } from '../../src/db/types.js';
import { STATE_TABLES, type NamespaceStore, type Store } from '../../src/store/index.js';
import { PART_RECORDS } from '../../src/store/parts.js';
import type { FakeSource } from '../db/fake-source.js';
import { addr4, iface, neigh, route4, rule } from '../db/fixtures.js';
import { openDb, useStoreFiles } from './helpers.js';

const files = useStoreFiles();

const N = 5 * PART_RECORDS;
const routeN = (i: number) => route4(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`, { oif: 2 + (i % 3), gateway: `10.0.${i % 3}.254` });

function seed(s: FakeSource): void {
  for (let i = 2; i <= 4; i++) s.set('interface', iface(i, `eth${i}`), { silent: true });
  s.set('address', addr4(2, '10.0.0.1/24'), { silent: true });
  s.set('rule', rule(1000), { silent: true });
  s.set('neighbour', neigh(2, '10.0.0.254'), { silent: true });
  for (let i = 0; i < N; i++) s.set('route', routeN(i), { silent: true });
}

/** Some of everything: adds, changes and removals over every kind. */
async function churn(db: Database, source: FakeSource, from: number): Promise<void> {
  source.events.next([
    ...Array.from({ length: 300 }, (_, i) => ({ kind: 'route' as const, op: 'del' as const, record: routeN(from + i * 7) })),
    ...Array.from({ length: 300 }, (_, i) => ({ kind: 'route' as const, op: 'new' as const, record: routeN(N + from + i) })),
  ]);
  source.set('interface', iface(3, 'eth3', { mtu: 9000 + from }));
  source.set('address', addr4(3, `10.3.${from & 255}.1/24`));
  source.remove('neighbour', neigh(2, '10.0.0.254'));
  source.set('rule', rule(2000 + from));
  await db.whenIdle();
}

function raw<T>(path: string, sql: string): T {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return db.prepare(sql).get() as T;
  } finally {
    db.close();
  }
}

/** Every state table, row by row, against the database's live state. */
async function expectTablesEqual(q: Store | NamespaceStore, ns: string, db: Database): Promise<void> {
  for (const kind of KINDS) {
    const rows = await q.query<{ key: string; record: string }>(`SELECT key, record FROM main.${STATE_TABLES[kind].table} WHERE ns = ?`, [ns]);
    const stored = new Map(rows.map((r) => [r.key, JSON.parse(r.record) as unknown]));
    const view = db[PLURAL[kind]];
    expect(stored, kind).toEqual(new Map(view.toArray().map((r) => [view.keyOf(r as never), r] as const)));
  }
}

describe('the current-state tables', () => {
  it('are filled after the baseline is in the file, in the background, with the changes made meanwhile', async () => {
    const store = files.open();
    const path = (store as unknown as { path: string }).path;
    const { db, source } = await openDb(seed);
    const ns = store.attach(db, 'main');
    await churn(db, source, 0);
    await ns.flush();
    // The baseline is in: a ready checkpoint with every object, in parts; the tables are not yet.
    const cp = raw<{ objects: number; parts: number; fill: number | null }>(path,
      "SELECT c.objects, (SELECT count(*) FROM checkpoint_parts p WHERE p.checkpoint_id = c.id) AS parts, n.fill FROM checkpoints c JOIN namespaces n ON n.ns = c.ns WHERE c.auto = 1 AND c.ready = 1");
    expect(cp.objects).toBe(N + 6);
    expect(cp.parts).toBeGreaterThanOrEqual(5 + 4);
    expect(cp.fill).not.toBeNull();
    expect(raw<{ n: number }>(path, 'SELECT count(*) AS n FROM routes').n).toBeLessThan(N);
    expect(raw<{ n: number }>(path, 'SELECT count(*) AS n FROM history').n).toBeGreaterThan(600);
    await churn(db, source, 1000);
    await expectTablesEqual(ns, 'main', db);
    expect(raw<{ fill: number | null }>(path, 'SELECT fill FROM namespaces').fill).toBeNull();
    // and from then on the batches keep them in step
    await churn(db, source, 2000);
    await expectTablesEqual(ns, 'main', db);
    db.close();
  });

  it('left unfinished by a store closed early, are filled by the next store that needs them', async () => {
    const path = files.path();
    const first = files.open({}, path);
    const { db, source } = await openDb(seed);
    first.attach(db, 'main');
    await churn(db, source, 0);
    db.close();
    await first.close();
    expect(raw<{ fill: number | null }>(path, 'SELECT fill FROM namespaces').fill).not.toBeNull();
    expect(raw<{ n: number }>(path, 'SELECT count(*) AS n FROM routes').n).toBeLessThan(N);

    const second = files.open({}, path);
    // (the database is closed: its last state is what the store recorded)
    await expectTablesEqual(second, 'main', db);
    expect(raw<{ fill: number | null }>(path, 'SELECT fill FROM namespaces').fill).toBeNull();
    // a new attach of the same namespace starts over from its own baseline, old rows replaced
    const again = await openDb((s) => {
      s.set('interface', iface(7, 'wg0'), { silent: true });
      for (let i = 0; i < 100; i++) s.set('route', routeN(N * 2 + i), { silent: true });
    });
    const ns = second.attach(again.db, 'main');
    await expectTablesEqual(ns, 'main', again.db);
    again.db.close();
  });

  it('closed while the baseline is being written: the baseline is written whole, the tables left to the next store', async () => {
    const path = files.path();
    const first = files.open({}, path);
    const errors: Error[] = [];
    first.errors$.subscribe((e) => errors.push(e));
    const { db } = await openDb(seed);
    first.attach(db, 'main');
    await first.close(); // at once: the baseline's parts are still being encoded
    await new Promise((r) => setTimeout(r, 50));
    expect(errors).toEqual([]);
    const cp = raw<{ objects: number; ready: number; fill: number | null; rows: number }>(path,
      "SELECT c.objects, c.ready, n.fill, (SELECT count(*) FROM routes) AS rows FROM checkpoints c JOIN namespaces n ON n.ns = c.ns WHERE c.auto = 1");
    expect(cp).toEqual({ objects: N + 6, ready: 1, fill: expect.any(Number) as unknown as number, rows: 0 });
    const second = files.open({}, path);
    await expectTablesEqual(second, 'main', db);
    db.close();
  });

  it('lose no change of the many batches written while the fill runs', async () => {
    const store = files.open({ batchSize: 200, flushMs: 1 });
    const { db, source } = await openDb(seed);
    const ns = store.attach(db, 'main');
    // many small batches while the fill runs
    for (let k = 0; k < 20; k++) await churn(db, source, k * 50);
    await expectTablesEqual(ns, 'main', db);
    const [h] = await ns.query<{ n: number }>('SELECT count(*) AS n FROM history');
    expect(h!.n).toBe(ns.stats().changes);
    db.close();
  });
});
