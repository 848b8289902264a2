/** SQL: current-state tables kept from the same batches, history views, read-only enforcement. */
import { describe, expect, it } from 'vitest';
import { KINDS, PLURAL } from '../../src/db/types.js';
import { STATE_TABLES, STORE_MIGRATIONS, StoreQueryError, StoreReadOnlyError } from '../../src/store/index.js';
import { addr4, iface, neigh, route4, route6, rule } from '../db/fixtures.js';
import type { FakeSource } from '../db/fake-source.js';
import { openDb, useStoreFiles } from './helpers.js';

const files = useStoreFiles();

const seed = (s: FakeSource): void => {
  s.set('interface', iface(1, 'lo', { kind: null }), { silent: true });
  s.set('interface', iface(2, 'eth0'), { silent: true });
  s.set('interface', iface(3, 'eth1'), { silent: true });
  s.set('address', addr4(2, '10.0.0.1/24'), { silent: true });
  s.set('address', addr4(3, '10.1.0.1/24'), { silent: true });
  s.set('route', route4('10.2.0.0/16', { gateway: '10.0.0.254', oif: 2 }), { silent: true });
  s.set('route', route4('10.3.0.0/16', { gateway: '10.1.0.254', oif: 3 }), { silent: true });
  s.set('route', route4('10.4.0.0/16', {
    oif: null,
    multipath: [{ gateway: '10.0.0.253', oif: 2, weight: 1, onlink: false, encap: null, realms: null }, { gateway: '10.1.0.253', oif: 3, weight: 2, onlink: false, encap: null, realms: null }],
  }), { silent: true });
  s.set('rule', rule(1000, { table: 100 }), { silent: true });
  s.set('neighbour', neigh(2, '10.0.0.254'), { silent: true });
};

describe('SQL over the current state', () => {
  it('joins routes to interfaces, single path and multipath', async () => {
    const store = files.open();
    const { db, source } = await openDb(seed);
    const ns = store.attach(db, 'main');
    source.set('route', route4('10.5.0.0/16', { gateway: '10.1.0.1', oif: 3 }));
    await db.whenIdle();
    expect(await ns.query('SELECT r.dst, i.ifname FROM routes r JOIN interfaces i ON i.ifindex = r.oif ORDER BY r.dst')).toEqual([
      { dst: '10.2.0.0/16', ifname: 'eth0' },
      { dst: '10.3.0.0/16', ifname: 'eth1' },
      { dst: '10.5.0.0/16', ifname: 'eth1' },
    ]);
    expect(await ns.query(
      'SELECT i.ifname, count(*) AS n FROM route_nexthops h JOIN interfaces i ON i.ifindex = h.oif GROUP BY i.ifname ORDER BY i.ifname',
    )).toEqual([{ ifname: 'eth0', n: 2 }, { ifname: 'eth1', n: 3 }]);
    expect(await ns.query("SELECT gateway, weight FROM route_nexthops WHERE dst = ? ORDER BY weight", ['10.4.0.0/16'])).toEqual([
      { gateway: '10.0.0.253', weight: 1 }, { gateway: '10.1.0.253', weight: 2 },
    ]);
    expect(await ns.query('SELECT a.address, i.ifname FROM addresses a JOIN interfaces i USING (ifindex) WHERE i.ifname = @name', { name: 'eth1' }))
      .toEqual([{ address: '10.1.0.1', ifname: 'eth1' }]);
    db.close();
  });

  it('keeps every table equal to the live database, object by object, through changes', async () => {
    const store = files.open();
    const { db, source } = await openDb(seed);
    const ns = store.attach(db, 'main');
    source.set('interface', iface(3, 'eth1', { mtu: 9000 }));
    source.remove('route', route4('10.2.0.0/16', { gateway: '10.0.0.254', oif: 2 }));
    source.set('route', route6('2001:db8::/64', { oif: 2 }));
    source.remove('neighbour', neigh(2, '10.0.0.254'));
    source.set('rule', rule(2000, { table: 200 }));
    await db.whenIdle();
    for (const kind of KINDS) {
      const rows = await ns.query<{ key: string; record: string }>(`SELECT key, record FROM ${STATE_TABLES[kind].table}`);
      const stored = new Map(rows.map((r) => [r.key, JSON.parse(r.record) as unknown]));
      const live = db[PLURAL[kind]].toArray().map((r) => [db[PLURAL[kind]].keyOf(r as never), r] as const);
      expect(stored).toEqual(new Map(live));
    }
    db.close();
  });

  it('scopes a namespace handle to its namespace; the store sees every namespace', async () => {
    const store = files.open();
    const a = await openDb(seed);
    const b = await openDb((s) => s.set('interface', iface(7, 'wg0'), { silent: true }));
    const na = store.attach(a.db, 'a');
    const nb = store.attach(b.db, "b'quoted");
    expect(await nb.query('SELECT ns, ifname FROM interfaces')).toEqual([{ ns: "b'quoted", ifname: 'wg0' }]);
    expect((await na.query<{ n: number }>('SELECT count(*) AS n FROM interfaces'))[0]!.n).toBe(3);
    expect((await na.query<{ n: number }>('SELECT count(*) AS n FROM main.interfaces'))[0]!.n).toBe(4);
    expect(await store.query('SELECT ns, count(*) AS n FROM interfaces GROUP BY ns ORDER BY ns')).toEqual([
      { ns: 'a', n: 3 }, { ns: "b'quoted", n: 1 },
    ]);
    a.db.close();
    b.db.close();
  });
});

describe('SQL over the history', () => {
  it('counts route flaps and interface carrier changes', async () => {
    const store = files.open();
    const { db, source } = await openDb(seed);
    const ns = store.attach(db, 'main');
    const flappy = route4('10.9.0.0/16', { gateway: '10.0.0.9', oif: 2 });
    for (let i = 0; i < 3; i++) {
      source.set('route', flappy);
      source.remove('route', flappy);
    }
    source.set('route', flappy);
    for (const op of ['DOWN', 'UP', 'DOWN', 'UP']) source.set('interface', iface(3, 'eth1', { operstate: op }));
    source.set('interface', iface(3, 'eth1', { mtu: 1400 }));
    await db.whenIdle();
    expect(await ns.query('SELECT dst, adds, removes, flaps FROM route_flaps ORDER BY flaps DESC LIMIT 1')).toEqual([
      { dst: '10.9.0.0/16', adds: 4, removes: 3, flaps: 3 },
    ]);
    expect(await ns.query('SELECT ifindex, ifname, operstate_changes, downs FROM interface_flaps')).toEqual([
      { ifindex: 3, ifname: 'eth1', operstate_changes: 4, downs: 2 },
    ]);
    expect(await ns.query(
      "SELECT count(*) AS n FROM history WHERE kind = 'route' AND coalesce(after, before) ->> '$.dst' = ?", ['10.9.0.0/16'],
    )).toEqual([{ n: 7 }]);
    db.close();
  });
});

describe('read-only enforcement', () => {
  it('refuses every statement that writes or returns no rows, with a typed error, and changes nothing', async () => {
    const store = files.open();
    const { db } = await openDb(seed);
    const ns = store.attach(db, 'main');
    const refused = [
      "INSERT INTO history (ns, time, kind, key, op, origin) VALUES ('main', 1, 'route', 'k', 'add', 'kernel')",
      "UPDATE routes SET record = '{}'",
      'DELETE FROM main.routes',
      'DROP TABLE main.history',
      'CREATE TABLE t (x)',
      'PRAGMA journal_mode = DELETE',
      "ATTACH DATABASE ':memory:' AS other",
      'BEGIN',
      "VACUUM INTO '/tmp/nldb-should-not-exist.sqlite'",
    ];
    for (const sql of refused) {
      await expect(ns.query(sql), sql).rejects.toBeInstanceOf(StoreReadOnlyError);
      await expect(store.query(sql), sql).rejects.toBeInstanceOf(StoreReadOnlyError);
    }
    await expect(ns.query('SELECT nope FROM routes')).rejects.toBeInstanceOf(StoreQueryError);
    await expect(ns.query('SELECT 1; DELETE FROM routes')).rejects.toBeInstanceOf(StoreQueryError);
    expect((await ns.query<{ n: number }>('SELECT count(*) AS n FROM routes'))[0]!.n).toBe(3);
    expect((await store.query<{ v: number }>("SELECT version AS v FROM schema_versions WHERE component = 'store'"))[0]!.v).toBe(STORE_MIGRATIONS.length);
    db.close();
  });
});
