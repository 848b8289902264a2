/**
 * Opening a database while the kernel is busy changing what it dumps: `ip -batch` adds 50,000
 * routes, then deletes them, and databases are opened at different moments of it. The route
 * dump then runs into changes (the kernel restarts an interrupted dump, the read-ahead is
 * receiving on the thread pool, the records come keyed from the bytes) while the notifications
 * the database subscribed to first pile up behind it. Whatever the moment, each database must
 * end up equal to the kernel (`ip -j`), with every storm route in it exactly once.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { IPDB } from '../../src/index.js';
import { hostRoutes, ipBatchAsync } from '../helpers/ip-async.js';
import { assertKernelAccess, ipBatch, ipJson, useNetnsEach } from '../helpers/netns.js';
import { settle } from '../helpers/witness.js';

const ns = useNetnsEach('ostorm');
const N = 50_000;
const dbs: IPDB[] = [];

beforeEach(() => {
  assertKernelAccess();
  ipBatch(ns(), ['link add va type veth peer name vb', 'link set va up', 'link set vb up', 'addr add 10.0.0.1/24 dev va']);
});

afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

const stormRoutes = (db: IPDB): number => db.routes.filter((r) => r.dst.startsWith('10.12') && r.dst.endsWith('/32')).length;

it('databases opened at several moments of a storm all end up equal to the kernel', async () => {
  const adding = ipBatchAsync(ns(), hostRoutes(N, 'add', '10.0.0.2'));
  // Opened as the storm starts, a moment later, and later still: each dump meets the storm at
  // another point.
  // Each database's storm routes are counted the moment its open() resolves: counted after all
  // three were open, the first had gone on absorbing the storm meanwhile, and a storm that ended
  // before the last open made it look as if the first had missed the storm.
  const opened: Promise<{ db: IPDB; atOpen: number }>[] = [];
  for (const delay of [0, 10, 40]) {
    opened.push(new Promise((resolve) => setTimeout(resolve, delay))
      .then(() => IPDB.open({ netns: ns() }))
      .then((db) => ({ db, atOpen: stormRoutes(db) })));
  }
  const results = await Promise.all(opened);
  const early = results.map((r) => r.db);
  dbs.push(...early);
  // The first one loaded while the storm was under way (the case this test is about): it held
  // part of it when open() resolved.
  expect(results[0]!.atOpen).toBeLessThan(N);
  await adding;
  const witness = ipJson<{ dst: string }>(ns(), '-4', 'route', 'show').filter((r) => r.dst.startsWith('10.12')).length;
  expect(witness).toBe(N);
  for (const db of early) {
    await settle(db, ns());
    expect(stormRoutes(db)).toBe(N);
  }

  // The other way: opened while the routes go.
  const deleting = ipBatchAsync(ns(), hostRoutes(N, 'del', '10.0.0.2'));
  const late = await Promise.all([0, 15].map((delay) => new Promise((resolve) => setTimeout(resolve, delay)).then(() => IPDB.open({ netns: ns() }))));
  dbs.push(...late);
  await deleting;
  for (const db of [...early, ...late]) {
    await settle(db, ns());
    expect(stormRoutes(db)).toBe(0);
  }
}, 120_000);
