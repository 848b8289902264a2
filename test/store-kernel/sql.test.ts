/**
 * db.query() on the kernel: SQL over the store's current-state tables answers what `ip -j` shows
 * (routes joined to the interfaces they leave by, addresses counted per interface, a multipath
 * route's nexthops), sees this namespace only, and refuses to write.
 */
import { describe, expect, it } from 'vitest';
import { openStore, StoreReadOnlyError } from '../../src/index.js';
import { createNetns, deleteNetns, ip, ipJson, useNetnsEach } from '../helpers/netns.js';
import { noDad, settle } from '../helpers/witness.js';
import { useStoreDbs } from './helpers.js';

const netns = useNetnsEach('sq');
const dbs = useStoreDbs();

/** ip prints host routes without their length. */
const prefix = (dst: string, family: 4 | 6): string => (dst === 'default' || dst.includes('/') ? dst : `${dst}/${family === 4 ? 32 : 128}`);

function build(ns: string): void {
  noDad(ns);
  const cmds = [
    'link add va type veth peer name vb', 'link add vc type veth peer name vd',
    'link set va up', 'link set vb up', 'link set vc up', 'link set vd up',
    'addr add 10.1.0.1/24 dev va', 'addr add 10.1.0.2/24 dev va', 'addr add 10.2.0.1/24 dev vc', 'addr add 2001:db8:2::1/64 dev vc',
    'route add 10.50.0.0/16 via 10.1.0.9', 'route add 10.51.0.0/16 via 10.2.0.9', 'route add 10.52.0.0/16 dev vc',
    'route add 10.60.0.0/16 nexthop via 10.1.0.9 weight 2 nexthop via 10.2.0.9',
    'route add 2001:db8:50::/48 via 2001:db8:2::9',
  ];
  for (const c of cmds) ip(ns, ...c.split(' '));
}

describe('db.query', () => {
  it('joins routes to interfaces and counts addresses per interface as ip -j shows them', async () => {
    const ns = netns();
    build(ns);
    const path = dbs.path();
    const db = await dbs.open({ netns: ns, store: path });
    ip(ns, 'route', 'add', '10.53.0.0/16', 'via', '10.2.0.9'); // one change after open: from the history path
    ip(ns, 'addr', 'add', '10.2.0.3/24', 'dev', 'vc');
    await settle(db, ns);

    // Single-path routes of the main table, with the name of the interface they leave by.
    const rows = await db.query<{ family: number; dst: string; gateway: string | null; ifname: string }>(
      'SELECT r.family, r.dst, r.gateway, i.ifname FROM routes r JOIN interfaces i ON i.ifindex = r.oif WHERE r.table_id = 254 ORDER BY r.family, r.dst, r.gateway');
    const want: { family: number; dst: string; gateway: string | null; ifname: string }[] = [];
    for (const family of [4, 6] as const) {
      for (const r of ipJson<{ dst: string; gateway?: string; dev?: string }>(ns, `-${family}`, 'route', 'show', 'table', 'main')) {
        if (r.dev === undefined) continue; // multipath: below
        want.push({ family, dst: prefix(r.dst, family), gateway: r.gateway ?? null, ifname: r.dev });
      }
    }
    const order = (a: typeof want[number], b: typeof want[number]) =>
      a.family - b.family || (a.dst < b.dst ? -1 : a.dst > b.dst ? 1 : 0) || String(a.gateway).localeCompare(String(b.gateway));
    expect(rows.length).toBeGreaterThan(8);
    expect([...rows].sort(order)).toEqual(want.sort(order));

    // Addresses per interface.
    const counts = await db.query<{ ifname: string; n: number }>(
      'SELECT i.ifname, count(*) AS n FROM addresses a JOIN interfaces i ON i.ifindex = a.ifindex GROUP BY i.ifname ORDER BY i.ifname');
    const seen = ipJson<{ ifname: string; addr_info?: unknown[] }>(ns, 'addr', 'show')
      .filter((l) => (l.addr_info ?? []).length > 0)
      .map((l) => ({ ifname: l.ifname, n: l.addr_info!.length }))
      .sort((a, b) => a.ifname.localeCompare(b.ifname));
    expect(counts).toEqual(seen);
    expect(counts.find((c) => c.ifname === 'vc')!.n).toBe(4); // two IPv4, one global and one link-local IPv6

    // A multipath route's nexthops, through the route_nexthops view, with parameters.
    const hops = await db.query<{ gateway: string; ifname: string; weight: number }>(
      'SELECT h.gateway, i.ifname, h.weight FROM route_nexthops h JOIN interfaces i ON i.ifindex = h.oif WHERE h.dst = ? ORDER BY h.gateway',
      ['10.60.0.0/16']);
    const mp = ipJson<{ dst: string; nexthops: { gateway: string; dev: string; weight: number }[] }>(ns, 'route', 'show', '10.60.0.0/16')[0]!;
    expect(hops).toEqual(mp.nexthops.map((h) => ({ gateway: h.gateway, ifname: h.dev, weight: h.weight })).sort((a, b) => a.gateway.localeCompare(b.gateway)));

    // Read-only.
    await expect(db.query('DELETE FROM routes')).rejects.toBeInstanceOf(StoreReadOnlyError);
    await expect(db.query("UPDATE interfaces SET record = '{}'")).rejects.toBeInstanceOf(StoreReadOnlyError);
    expect((await db.query<{ n: number }>('SELECT count(*) AS n FROM routes'))[0]!.n).toBe(db.routes.size);
  });

  it('sees its own namespace only; the store sees all of them', async () => {
    const a = netns();
    const b = createNetns('sq');
    try {
      build(a);
      ip(b, 'link', 'add', 'vz', 'type', 'veth', 'peer', 'name', 'vy');
      const path = dbs.path();
      // Two databases recording into one file, each under its namespace's name.
      const da = await dbs.open({ netns: a, store: path });
      const db = await dbs.open({ netns: b, store: path });
      await settle(da, a);
      await settle(db, b);
      const count = async (d: typeof da) => (await d.query<{ n: number }>('SELECT count(*) AS n FROM interfaces'))[0]!.n;
      expect(await count(da)).toBe(da.interfaces.size);
      expect(await count(db)).toBe(3);
      expect((await db.query<{ ifname: string }>('SELECT ifname FROM interfaces ORDER BY ifname')).map((r) => r.ifname)).toEqual(['lo', 'vy', 'vz']);
      await da.close();
      await db.close();
      const store = await openStore(path);
      try {
        expect(store.namespaces()).toEqual([a, b].sort());
        const all = await store.query<{ ns: string; n: number }>('SELECT ns, count(*) AS n FROM interfaces GROUP BY ns ORDER BY ns');
        expect(all).toEqual([{ ns: a, n: da.interfaces.size }, { ns: b, n: 3 }].sort((x, y) => x.ns.localeCompare(y.ns)));
      } finally {
        await store.close();
      }
    } finally {
      deleteNetns(b);
    }
  });
});
