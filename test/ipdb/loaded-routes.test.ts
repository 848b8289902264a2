/**
 * The routes an open loads stay in their shards' arrays until looked up, their keys made when first
 * asked for (LoadedShard, bulk.ts).
 * On a real namespace: a table loaded that way equals `ip -j` when read whole, finds every route
 * by its key, and takes the kernel's later changes as a table loaded into Maps does. The
 * namespace has one slot shared by many routes (fe80::/64 on each of 24 veth pairs: a run longer
 * than the load searches in place), gateway routes, a multipath route and routes in two tables.
 */
import { beforeAll, expect, it } from 'vitest';
import { IPDB } from '../../src/index.js';
import { LoadedShard } from '../../src/db/table.js';
import { hostRoutes } from '../helpers/ip-async.js';
import { assertKernelAccess, ipBatch, useNetns } from '../helpers/netns.js';
import { compareNow, noDad, settle } from '../helpers/witness.js';

const ns = useNetns('loaded');
const PAIRS = 24;

beforeAll(() => {
  assertKernelAccess();
  noDad(ns());
  const links: string[] = [];
  for (let i = 0; i < PAIRS; i++) links.push(`link add la${i} type veth peer name lb${i}`, `link set la${i} up`, `link set lb${i} up`);
  ipBatch(ns(), [
    ...links,
    'addr add 10.0.0.1/24 dev la0',
    'addr add 10.0.1.1/24 dev la1',
    ...hostRoutes(3000, 'add', '10.0.0.2'),
    ...hostRoutes(500, 'add', '10.0.1.2', 100),
    'route add 192.0.2.0/24 nexthop via 10.0.0.2 dev la0 nexthop via 10.0.1.2 dev la1',
  ]);
});

it('is the kernel\'s table read whole, key by key, and as it changes afterwards', async () => {
  const db = await IPDB.open({ netns: ns() });
  try {
    const shards = db.database.state.snapshot.tables.route.shards;
    // the case under test: the open left its route shards unindexed
    const loaded = shards.filter((s) => s instanceof LoadedShard);
    expect(loaded.length).toBeGreaterThan(1000);
    expect(loaded.every((s) => !(s as LoadedShard<unknown>).indexed)).toBe(true);
    expect(db.routes.filter((r) => r.dst === 'fe80::/64').length).toBe(2 * PAIRS);

    // read whole: equal to ip -j (the comparison reads the snapshot, which indexes nothing)
    expect(await compareNow(db, ns())).toEqual([]);
    expect(loaded.every((s) => !(s as LoadedShard<unknown>).indexed)).toBe(true);

    // the keys the open left to make (it hands routes over with their groups' hashes): listed
    // shard by shard, each is the database's key of its record, and listing them indexes nothing
    for (const s of loaded) for (const [k, r] of s) expect(k).toBe(db.routes.keyOf(r as never));
    expect(loaded.every((s) => !(s as LoadedShard<unknown>).indexed)).toBe(true);

    // key by key: every route found under its key, as the database itself keys it
    const all = db.routes.toArray();
    expect(all.length).toBe(db.routes.size);
    for (const r of all) expect(db.routes.get(db.routes.keyOf(r))).toBe(r);
    expect(loaded.every((s) => (s as LoadedShard<unknown>).indexed)).toBe(true);

    // and changed by the kernel afterwards: deletions, additions, a replaced multipath route
    ipBatch(ns(), [
      ...hostRoutes(1000, 'del', '10.0.0.2'),
      ...hostRoutes(200, 'del', '10.0.1.2', 100),
      'route add 198.51.100.0/24 via 10.0.1.2',
      'route replace 192.0.2.0/24 nexthop via 10.0.1.2 dev la1 weight 3',
      'link set la5 down',
    ]);
    await settle(db, ns());
  } finally {
    db.close();
  }
}, 60_000);

it('the same, when the first thing after the open is a change rather than a look-up', async () => {
  const db = await IPDB.open({ netns: ns() });
  try {
    ipBatch(ns(), ['link set la7 down', 'route del 198.51.100.0/24', ...hostRoutes(1100, 'del', '10.0.0.2').slice(1000)]);
    await settle(db, ns());
  } finally {
    db.close();
  }
}, 60_000);
