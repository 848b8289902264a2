/** The schema: columns for every record field, documented in SCHEMA.md, migrated from older files. */
import BetterSqlite3 from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KINDS, PLURAL } from '../../src/db/types.js';
import { HistoryRangeError, isEmptyDiff, migrate, SchemaError, STATE_TABLES, STORE_MIGRATIONS, Store } from '../../src/store/index.js';
import { keyOf } from '../../src/db/keys.js';
import type { AnyRecord, RecordKind, RouteRecord } from '../../src/iproute/records.js';
import { addr4, iface, neigh, route4, rule } from '../db/fixtures.js';
import { FakeClock, openDb, useStoreFiles } from './helpers.js';

const files = useStoreFiles();

/** One record per kind with every field set (fixtures fill every field; the rest given here). */
const FULL: { [K in RecordKind]: AnyRecord } = {
  interface: iface(2, 'eth0', { master: 9, link: 3, linkNetnsid: 1, altnames: ['enp0s1'], info: { id: 42, port: 4789 }, slaveKind: 'bridge' }),
  address: addr4(2, '10.0.0.1/32', { peer: '10.0.0.2/32', broadcast: '10.0.0.255', label: 'eth0:1' }),
  route: route4('10.2.0.0/16', { src: null, gateway: '10.0.0.254', priority: 100, prefsrc: '10.0.0.1', metrics: { mtu: 1400 }, pref: 'high' }),
  rule: rule(1000, { src: '10.0.0.0/8', dst: '192.168.0.0/16', iifname: 'eth0', oifname: 'eth1', fwmark: 7, fwmask: 255, protocol: 'static' }),
  neighbour: neigh(2, '10.0.0.254'),
};

describe('current-state tables', () => {
  it('have a column for every record field, reading exactly that field', async () => {
    const store = files.open();
    const { db } = await openDb((s) => {
      for (const kind of KINDS) s.set(kind, FULL[kind], { silent: true });
    });
    const ns = store.attach(db, 'main');
    for (const kind of KINDS) {
      const spec = STATE_TABLES[kind];
      expect(new Set(spec.columns.map((c) => c.field)), kind).toEqual(new Set(Object.keys(FULL[kind])));
      const [row] = await ns.query<Record<string, unknown>>(`SELECT * FROM ${spec.table}`);
      const record = db[PLURAL[kind]].toArray()[0] as unknown as Record<string, unknown>;
      for (const col of spec.columns) {
        const v = record[col.field];
        // (SQLite reads JSON's true and false as 1 and 0.)
        const want = v !== null && typeof v === 'object' ? JSON.stringify(v) : typeof v === 'boolean' ? Number(v) : v;
        expect(row![col.column], `${spec.table}.${col.column}`).toEqual(want);
      }
    }
    db.close();
  });
});

describe('SCHEMA.md', () => {
  it('documents every table and view, column by column, as the file has them', () => {
    const doc = readFileSync(new URL('../../src/store/SCHEMA.md', import.meta.url), 'utf8');
    const documented = new Map<string, string[]>();
    for (const section of doc.split(/^### /m).slice(1)) {
      const name = section.split(/[\s(]/)[0]!;
      documented.set(name, [...section.matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((m) => m[1]!));
    }
    const path = files.path();
    files.open({}, path);
    const db = new BetterSqlite3(path, { readonly: true });
    try {
      const objects = (db.prepare("SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' AND name <> 'schema_versions'").pluck().all() as string[]).sort();
      expect([...documented.keys()].sort()).toEqual(objects);
      for (const name of objects) {
        const cols = (db.prepare(`SELECT name FROM pragma_table_xinfo(?)`).pluck().all(name) as string[]);
        expect(documented.get(name), name).toEqual(cols);
      }
    } finally {
      db.close();
    }
  });
});

/**
 * What nldb's first store version wrote: schema version 1 of component 'store' (history and
 * checkpoints, no current-state tables), frozen here as a fixture.
 */
const V1_FIXTURE = `
CREATE TABLE schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL, updated_at INTEGER NOT NULL);
INSERT INTO schema_versions VALUES ('store', 1, 1700000000000), ('journal', 1, 1700000000000);
CREATE TABLE namespaces (ns TEXT PRIMARY KEY, created_at INTEGER NOT NULL, pruned_to INTEGER NOT NULL DEFAULT 0, rows INTEGER NOT NULL DEFAULT 0);
CREATE TABLE history (id INTEGER PRIMARY KEY AUTOINCREMENT, ns TEXT NOT NULL, time INTEGER NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,
  op TEXT NOT NULL, origin TEXT NOT NULL, txid TEXT, reason TEXT, fields TEXT, before TEXT, after TEXT);
CREATE INDEX history_ns_time ON history (ns, time);
CREATE INDEX history_ns_kind_key ON history (ns, kind, key);
CREATE TABLE checkpoints (id INTEGER PRIMARY KEY AUTOINCREMENT, ns TEXT NOT NULL, name TEXT NOT NULL, time INTEGER NOT NULL,
  auto INTEGER NOT NULL DEFAULT 0, seq INTEGER, UNIQUE (ns, name));
CREATE TABLE checkpoint_rows (checkpoint_id INTEGER NOT NULL REFERENCES checkpoints (id) ON DELETE CASCADE, kind TEXT NOT NULL,
  key TEXT NOT NULL, record TEXT NOT NULL, UNIQUE (checkpoint_id, kind, key));
CREATE TABLE journal_tx (tx_id TEXT PRIMARY KEY, state TEXT NOT NULL);
INSERT INTO journal_tx VALUES ('tx-old', 'committed');
`;

/** A route record as nldb stored it before schema version 4: no `onlink` (store/upgrade.ts fills it in). */
function storedBeforeV4(r: RouteRecord): string {
  const { onlink: _, ...old } = r;
  return JSON.stringify(old);
}

describe('migrations', () => {
  it('opens a store written by an older version: v1 history and checkpoints survive, v2 tables appear', async () => {
    const path = files.path();
    const eth0 = iface(2, 'eth0');
    const eth0big = iface(2, 'eth0', { mtu: 9000 });
    const r1 = route4('10.2.0.0/16', { oif: 2 });
    const old = new BetterSqlite3(path);
    old.pragma('journal_mode = WAL');
    old.exec(V1_FIXTURE);
    old.prepare("INSERT INTO namespaces VALUES ('main', 1700000000000, 0, 2)").run();
    old.prepare("INSERT INTO checkpoints (ns, name, time, auto, seq) VALUES ('main', '@attach old', 1700000000000, 1, 0)").run();
    old.prepare("INSERT INTO checkpoint_rows VALUES (1, 'interface', '2', ?)").run(JSON.stringify(eth0));
    const h = old.prepare('INSERT INTO history (ns, time, kind, key, op, origin, txid, reason, fields, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    h.run('main', 1700000001000, 'interface', '2', 'change', 'kernel', null, null, '["mtu"]', JSON.stringify(eth0), JSON.stringify(eth0big));
    h.run('main', 1700000002000, 'route', 'r1', 'add', 'commit', 'tx-old', null, null, null, storedBeforeV4(r1));
    old.close();

    const clock = new FakeClock(1700000010000);
    const store = files.open({ now: clock.now }, path);
    expect((await store.query<{ component: string; version: number }>('SELECT component, version FROM schema_versions ORDER BY component')))
      .toEqual([{ component: 'journal', version: 1 }, { component: 'store', version: STORE_MIGRATIONS.length }]);
    const ns = store.namespace('main');
    const hist = await ns.history();
    expect(hist.map((e) => [e.op, e.kind, e.txid, e.fields])).toEqual([['change', 'interface', null, ['mtu']], ['add', 'route', 'tx-old', undefined]]);
    const at = await ns.at(1700000001500);
    expect(at.interfaces).toEqual([eth0big]);
    expect(at.routes).toEqual([]);
    expect((await ns.at(1700000002000)).routes).toEqual([r1]);
    await expect(ns.at(1699999999999)).rejects.toBeInstanceOf(HistoryRangeError);
    // the new tables exist, empty until a database is attached
    expect(await ns.query('SELECT count(*) AS n FROM routes')).toEqual([{ n: 0 }]);
    const { db } = await openDb((s) => s.set('interface', eth0, { silent: true }));
    ns.attach(db);
    expect(await ns.query('SELECT ifname, mtu FROM interfaces')).toEqual([{ ifname: 'eth0', mtu: 1500 }]);
    // other components' tables are left alone
    expect(await store.query('SELECT tx_id FROM journal_tx')).toEqual([{ tx_id: 'tx-old' }]);
    db.close();
  });

  it('opens a store written by schema version 2: checkpoints stored as rows read as before, and retention folds into them', async () => {
    // A version-2 file, made by the very migrations version 2 shipped (they never change), then
    // filled as nldb's version 2 wrote: checkpoints one row per object, tables in step.
    const path = files.path();
    const eth0 = iface(2, 'eth0');
    const eth0big = iface(2, 'eth0', { mtu: 9000 });
    const a1 = addr4(2, '10.0.0.1/24');
    const r1 = route4('10.2.0.0/16', { oif: 2 });
    const r2 = route4('10.3.0.0/16', { oif: 2 });
    const k = { eth0: keyOf('interface', eth0), a1: keyOf('address', a1), r1: keyOf('route', r1), r2: keyOf('route', r2) };
    const old = new BetterSqlite3(path);
    old.pragma('journal_mode = WAL');
    migrate(old, 'store', STORE_MIGRATIONS.slice(0, 2), () => 1_700_000_000_000);
    old.prepare("INSERT INTO namespaces VALUES ('main', 1700000000000, 0, 3)").run();
    const cp = old.prepare('INSERT INTO checkpoints (ns, name, time, auto, seq) VALUES (?, ?, ?, ?, ?)');
    const row = old.prepare('INSERT INTO checkpoint_rows VALUES (?, ?, ?, ?)');
    cp.run('main', '@attach 2023-11-14T22:13:20.000Z 0a0b0c', 1_700_000_000_000, 1, 0);
    row.run(1, 'interface', k.eth0, JSON.stringify(eth0));
    row.run(1, 'address', k.a1, JSON.stringify(a1));
    row.run(1, 'route', k.r1, storedBeforeV4(r1));
    const h = old.prepare('INSERT INTO history (ns, time, kind, key, op, origin, txid, reason, fields, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    h.run('main', 1_700_000_001_000, 'interface', k.eth0, 'change', 'kernel', null, null, '["mtu"]', JSON.stringify(eth0), JSON.stringify(eth0big));
    cp.run('main', 'before', 1_700_000_001_500, 0, 1);
    for (const [kind, key, rec] of [['interface', k.eth0, eth0big], ['address', k.a1, a1], ['route', k.r1, r1]] as const) row.run(2, kind, key, kind === 'route' ? storedBeforeV4(rec) : JSON.stringify(rec));
    h.run('main', 1_700_000_002_000, 'route', k.r1, 'remove', 'kernel', null, null, null, storedBeforeV4(r1), null);
    h.run('main', 1_700_000_003_000, 'route', k.r2, 'add', 'commit', 'tx-1', null, null, null, storedBeforeV4(r2));
    old.prepare('INSERT INTO interfaces (ns, key, record) VALUES (?, ?, ?)').run('main', k.eth0, JSON.stringify(eth0big));
    old.prepare('INSERT INTO addresses (ns, key, record) VALUES (?, ?, ?)').run('main', k.a1, JSON.stringify(a1));
    old.prepare('INSERT INTO routes (ns, key, record) VALUES (?, ?, ?)').run('main', k.r2, storedBeforeV4(r2));
    old.close();

    const clock = new FakeClock(1_700_000_010_000);
    const store = files.open({ now: clock.now, retention: { maxRows: 1, chunk: 1, intervalMs: 3_600_000 } }, path);
    expect((await store.query<{ v: number }>("SELECT version AS v FROM schema_versions WHERE component = 'store'"))[0]!.v).toBe(STORE_MIGRATIONS.length);
    const ns = store.namespace('main');
    expect((await ns.checkpoints()).map((c) => [c.name, c.objects, c.replayable])).toEqual([
      ['@attach 2023-11-14T22:13:20.000Z 0a0b0c', 3, true], ['before', 3, true],
    ]);
    const s0 = { interfaces: [eth0], addresses: [a1], routes: [r1], rules: [], neighbours: [] };
    const s1 = { ...s0, interfaces: [eth0big] };
    const s2 = { ...s1, routes: [] };
    const s3 = { ...s1, routes: [r2] };
    expect(await ns.at(1_700_000_000_500)).toEqual(s0);
    expect(await ns.at(1_700_000_001_000)).toEqual(s1);
    expect(await ns.at(1_700_000_002_500)).toEqual(s2);
    expect((await ns.restorePlan('before')).target).toEqual(s1);
    const d = await ns.diff('before', 'now');
    expect([d.routes.added.map((x) => x.key), d.routes.removed.map((x) => x.key)]).toEqual([[k.r2], [k.r1]]);
    expect(await ns.query('SELECT dst FROM routes')).toEqual([{ dst: '10.3.0.0/16' }]);

    // Retention folds the oldest rows into the old base's rows: a removal as 'null'.
    await store.prune();
    expect((await ns.history()).map((e) => e.time.getTime())).toEqual([1_700_000_003_000]);
    const base = (await ns.checkpoints()).find((c) => c.auto)!;
    expect(base).toMatchObject({ objects: 2, replayable: true, time: new Date(1_700_000_002_000) });
    expect(await ns.at(1_700_000_002_000)).toEqual(s2);
    expect(await ns.at(1_700_000_003_000)).toEqual(s3);
    await expect(ns.at(1_700_000_001_000)).rejects.toBeInstanceOf(HistoryRangeError);
    const rows = await store.query<{ key: string; record: string }>(
      "SELECT r.key, r.record FROM checkpoint_rows r JOIN checkpoints c ON c.id = r.checkpoint_id WHERE c.auto = 1 AND r.kind = 'route'");
    expect(rows).toEqual([{ key: k.r1, record: 'null' }]);

    // A database attached now gets a baseline in parts; the old checkpoints stay readable beside it.
    const { db } = await openDb((src) => {
      src.set('interface', eth0big, { silent: true });
      src.set('route', r2, { silent: true });
    });
    ns.attach(db);
    expect(isEmptyDiff(await ns.diff('before', 'before'))).toBe(true);
    expect((await ns.diff('before', 'now')).addresses.removed.map((x) => x.key)).toEqual([k.a1]);
    expect(await ns.query('SELECT count(*) AS n FROM checkpoint_parts')).toEqual([{ n: 2 }]);
    expect(await ns.query('SELECT ifname, mtu FROM interfaces')).toEqual([{ ifname: 'eth0', mtu: 9000 }]);
    db.close();
  });

  it('refuses a file from a newer version, leaving it untouched', () => {
    const path = files.path();
    const newer = new BetterSqlite3(path);
    const newerVersion = STORE_MIGRATIONS.length + 1;
    migrate(newer, 'store', Array.from({ length: newerVersion }, (_, i) => `CREATE TABLE t${i} (x)`));
    newer.close();
    expect(() => Store.open(path)).toThrow(SchemaError);
    const check = new BetterSqlite3(path, { readonly: true });
    expect(check.prepare("SELECT version FROM schema_versions WHERE component = 'store'").pluck().get()).toBe(newerVersion);
    check.close();
  });
});
