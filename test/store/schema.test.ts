/** The schema: columns for every record field, documented in SCHEMA.md, migrated from older files. */
import BetterSqlite3 from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KINDS, PLURAL } from '../../src/db/types.js';
import { HistoryRangeError, migrate, SchemaError, STATE_TABLES, Store } from '../../src/store/index.js';
import type { AnyRecord, RecordKind } from '../../src/iproute/records.js';
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
        expect(row![col.column], `${spec.table}.${col.column}`).toEqual(v !== null && typeof v === 'object' ? JSON.stringify(v) : v);
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
      documented.set(name, [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]!));
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
    h.run('main', 1700000002000, 'route', 'r1', 'add', 'commit', 'tx-old', null, null, null, JSON.stringify(r1));
    old.close();

    const clock = new FakeClock(1700000010000);
    const store = files.open({ now: clock.now }, path);
    expect((await store.query<{ component: string; version: number }>('SELECT component, version FROM schema_versions ORDER BY component')))
      .toEqual([{ component: 'journal', version: 1 }, { component: 'store', version: 2 }]);
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

  it('refuses a file from a newer version, leaving it untouched', () => {
    const path = files.path();
    const newer = new BetterSqlite3(path);
    migrate(newer, 'store', ['CREATE TABLE a (x)', 'CREATE TABLE b (x)', 'CREATE TABLE c (x)']);
    newer.close();
    expect(() => Store.open(path)).toThrow(SchemaError);
    const check = new BetterSqlite3(path, { readonly: true });
    expect(check.prepare("SELECT version FROM schema_versions WHERE component = 'store'").pluck().get()).toBe(3);
    check.close();
  });
});
