/**
 * Storms: `ip -batch` adds 100,000 routes and then deletes them while a subscriber counts every
 * change. Afterwards the database equals the kernel, and the subscriber saw each route exactly
 * once added and once removed: no losses, no duplicates, whether the event socket overran or not.
 *
 * Then overruns on purpose, two ways, to prove the resync path gives exactly the differences:
 * an event socket with a tiny receive buffer, and an event loop blocked for the whole storm (the
 * kernel drops everything past its buffer; what was queued before the loss arrives as events,
 * the rest comes from the re-dump, and nothing twice).
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { IPDB, type AnyChange } from '../../src/index.js';
import { hostRoutes, ipBatchAsync } from '../helpers/ip-async.js';
import { assertKernelAccess, ip, ipBatch, useNetnsEach } from '../helpers/netns.js';
import { settle } from '../helpers/witness.js';

const ns = useNetnsEach('storm');
const N = 100_000;
const STORM_PREFIX = '10.1'; // hostRoutes() makes 10.128.x.y .. 10.129.x.y

interface Tally {
  adds: Map<string, number>;
  removes: Map<string, number>;
  changes: number;
  origins: Map<string, number>;
}

let db: IPDB | undefined;

beforeEach(() => {
  assertKernelAccess();
  ipBatch(ns(), ['link add va type veth peer name vb', 'link set va up', 'link set vb up', 'addr add 10.0.0.1/24 dev va']);
});

afterEach(() => {
  db?.close();
  db = undefined;
});

/** Counts, per route key, the adds and removes of the storm's routes seen on changes$. */
function tally(d: IPDB): Tally {
  const t: Tally = { adds: new Map(), removes: new Map(), changes: 0, origins: new Map() };
  d.changes$.subscribe((c: AnyChange) => {
    if (c.kind !== 'route') return;
    const r = (c.after ?? c.before)!;
    if (!r.dst.startsWith(STORM_PREFIX) || !r.dst.endsWith('/32')) return;
    t.origins.set(c.origin, (t.origins.get(c.origin) ?? 0) + 1);
    if (c.op === 'add') t.adds.set(c.key, (t.adds.get(c.key) ?? 0) + 1);
    else if (c.op === 'remove') t.removes.set(c.key, (t.removes.get(c.key) ?? 0) + 1);
    else t.changes += 1;
  });
  return t;
}

/** Every storm key seen exactly once as added and (after the deletes) once as removed. */
function expectExactlyOnce(t: Tally, n: number, removed: boolean): void {
  expect(t.adds.size).toBe(n);
  expect([...t.adds.values()].filter((v) => v !== 1)).toEqual([]);
  expect(t.changes).toBe(0);
  if (!removed) {
    expect(t.removes.size).toBe(0);
    return;
  }
  expect(t.removes.size).toBe(n);
  expect([...t.removes.values()].filter((v) => v !== 1)).toEqual([]);
  expect([...t.adds.keys()].filter((k) => !t.removes.has(k))).toEqual([]);
}

const stormRoutes = (d: IPDB) => d.routes.filter((r) => r.dst.startsWith(STORM_PREFIX) && r.dst.endsWith('/32')).length;

it('a 100,000-route storm, added then deleted while the event loop runs: every change exactly once', { timeout: 180_000 }, async () => {
  db = await IPDB.open({ netns: ns() });
  const t = tally(db);
  await ipBatchAsync(ns(), hostRoutes(N, 'add', '10.0.0.2'));
  await settle(db, ns(), 60_000);
  expect(stormRoutes(db)).toBe(N);
  await ipBatchAsync(ns(), hostRoutes(N, 'del', '10.0.0.2'));
  await settle(db, ns(), 60_000);
  expect(stormRoutes(db)).toBe(0);
  expectExactlyOnce(t, N, true);
  // Whatever path each change took, nothing else was reported about these routes.
  console.log(`storm: origins ${JSON.stringify(Object.fromEntries(t.origins))}, losses ${db.stats.queue.losses}, ` +
    `largest backlog ${db.stats.queue.maxQueued} messages`);
});

it('forced overrun with a tiny event receive buffer: the resync fills in exactly what was lost', { timeout: 180_000 }, async () => {
  db = await IPDB.open({ netns: ns(), kernel: { eventRcvbuf: 32 * 1024 } });
  const t = tally(db);
  await ipBatchAsync(ns(), hostRoutes(N, 'add', '10.0.0.2'));
  await settle(db, ns(), 60_000);
  expect(db.stats.queue.losses).toBeGreaterThan(0);
  expect(t.origins.get('resync') ?? 0).toBeGreaterThan(0);
  expectExactlyOnce(t, N, false);
  await ipBatchAsync(ns(), hostRoutes(N, 'del', '10.0.0.2'));
  await settle(db, ns(), 60_000);
  expectExactlyOnce(t, N, true);
});

it('forced overrun by blocking the event loop for the whole storm: events before the loss plus the re-dump, nothing twice', { timeout: 180_000 }, async () => {
  db = await IPDB.open({ netns: ns() });
  const t = tally(db);
  // Some unrelated state changes in the same storm must come through as well.
  ipBatch(ns(), [...hostRoutes(N, 'add', '10.0.0.2'), 'addr add 10.9.0.1/24 dev va', 'link set vb mtu 1400']); // spawnSync: the loop is blocked
  await settle(db, ns(), 60_000);
  expect(db.stats.queue.losses).toBeGreaterThan(0);
  const viaEvents = t.origins.get('kernel') ?? 0;
  const viaResync = t.origins.get('resync') ?? 0;
  expect(viaEvents).toBeGreaterThan(0); // what fit in the receive buffer before the loss
  expect(viaResync).toBeGreaterThan(0);
  expect(viaEvents + viaResync).toBe(N);
  expectExactlyOnce(t, N, false);
  expect(db.addresses.get('10.9.0.1/24')).toBeDefined();
  expect(db.interfaces.vb?.mtu).toBe(1400);

  ipBatch(ns(), hostRoutes(N, 'del', '10.0.0.2'));
  await settle(db, ns(), 60_000);
  expectExactlyOnce(t, N, true);
  ip(ns(), 'route', 'add', '10.20.0.0/16', 'via', '10.0.0.2');
  await settle(db, ns()); // and it is live again
});
