/**
 * Scale by structure, not by time (timings belong in bench/): a 100,000-route batch is ONE immer
 * produce, and an update copies only the shards it writes to; every other shard, table and
 * record keeps its object identity.
 */
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../src/db/reconcile.js';
import { createImmer, reduce } from '../../src/db/reducer.js';
import { DbState } from '../../src/db/state.js';
import { emptySnapshot, SHARDS } from '../../src/db/table.js';
import type { DbSnapshot } from '../../src/db/types.js';
import type { RecordEvent } from '../../src/iproute/records.js';
import { del, iface, nu, route4 } from './fixtures.js';

function countingImmer() {
  const immer = createImmer();
  const produce = immer.produce;
  const counter = { calls: 0 };
  immer.produce = ((...args: Parameters<typeof produce>) => {
    counter.calls++;
    return (produce as (...a: unknown[]) => unknown)(...args);
  }) as typeof produce;
  return { immer, counter };
}

const N = 100_000;
const routeN = (i: number) => route4(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`, { oif: 2 + (i % 7), gateway: null, scope: 'link' });

describe('100,000 routes', () => {
  let big: DbSnapshot;

  it('a batch of 100,000 route events is applied with one produce', () => {
    const { immer, counter } = countingImmer();
    const events = Array.from({ length: N }, (_, i) => nu('route', routeN(i)));
    const r = reduce(emptySnapshot(), [nu('interface', iface(2, 'eth0')), ...events], 'kernel', { immer });
    expect(counter.calls).toBe(1);
    expect(r.changes).toHaveLength(N + 1);
    expect(r.snapshot.tables.route.size).toBe(N);
    // spread over every shard, none holding more than a small multiple of the mean
    const sizes = r.snapshot.tables.route.shards.map((s) => s.size);
    expect(sizes).toHaveLength(SHARDS.route);
    expect(Math.max(...sizes)).toBeLessThan((3 * N) / SHARDS.route);
    big = r.snapshot;
  });

  it('one route changed: one shard is new, the other 255 and every other table are the same objects', () => {
    const { immer, counter } = countingImmer();
    const r = reduce(big, [del('route', routeN(12345)), nu('route', routeN(N + 1))], 'kernel', { immer });
    expect(counter.calls).toBe(1);
    const before = big.tables.route.shards;
    const after = r.snapshot.tables.route.shards;
    const changed = after.map((s, i) => s !== before[i]).filter(Boolean).length;
    expect(changed).toBeGreaterThanOrEqual(1);
    expect(changed).toBeLessThanOrEqual(2); // the removed route's shard and the added one's
    expect(r.snapshot.tables.interface).toBe(big.tables.interface);
    expect(r.snapshot.tables.address).toBe(big.tables.address);
    const untouched = new DbState(big).routes.get(routeN(777).dst);
    expect(new DbState(r.snapshot).routes.get(routeN(777).dst)).toBe(untouched);
    expect(r.snapshot.tables.route.size).toBe(N);
  });

  it('removing a link sweeps its 14,000-odd routes in one produce, leaving the other links\' shards\' records untouched', () => {
    const { immer, counter } = countingImmer();
    const r = reduce(big, [del('interface', iface(2, 'eth0'))], 'kernel', { immer });
    expect(counter.calls).toBe(1);
    const viaEth0 = Array.from({ length: N }, (_, i) => i).filter((i) => i % 7 === 0).length;
    expect(r.changes).toHaveLength(viaEth0 + 1);
    expect(r.snapshot.tables.route.size).toBe(N - viaEth0);
    expect(new DbState(r.snapshot).routes.get(routeN(1).dst)).toBe(new DbState(big).routes.get(routeN(1).dst));
  });

  it('reconciling with an identical 100,000-route dump changes nothing and returns the same snapshot', () => {
    const dump: RecordEvent[] = Array.from({ length: N }, (_, i) => ({ kind: 'route', op: 'new', record: routeN(i) }));
    const r = reconcile(big, ['route'], dump);
    expect(r.changes).toEqual([]);
    expect(r.snapshot).toBe(big);
  });
});
