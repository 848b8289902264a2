/**
 * Confirming a plan over the database (src/transactions/confirm.ts), without a kernel: one check
 * after the barrier; and a plan whose every notification was its own request (echo claims,
 * KernelExecutor.echoed) confirmed by the barrier alone, while a plan with one notification not
 * claimed is checked as before. (On the kernel: test/transactions-kernel/echo-claim.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { DbTimeoutError } from '../../src/db/errors.js';
import { DbState } from '../../src/db/state.js';
import { emptySnapshot } from '../../src/db/table.js';
import type { RouteRecord } from '../../src/iproute/records.js';
import { databaseConfirm, type ConfirmView } from '../../src/transactions/confirm.js';
import type { Operation } from '../../src/transactions/ops.js';
import { reduce } from '../../src/db/reducer.js';
import { iface, nu, route4 } from '../db/fixtures.js';

/** Route additions, as a plan has them (keys: the records' own, dbKeys). */
function routeOps(n: number): Operation[] {
  return Array.from({ length: n }, (_, i) => {
    const spec = route4(`10.9.${i}.0/24`, { oif: 2, gateway: null, scope: 'link' }) as RouteRecord;
    return { id: String(i + 1), kind: 'route', intent: 'create', key: `k${i}`, spec, role: 'forward', inverse: [], dev: 'v0' } as Operation;
  });
}

/** A database view whose state never shows anything, counting barriers and waits. */
function emptyView(): ConfirmView & { syncs: number; waits: number } {
  const view = {
    syncs: 0,
    waits: 0,
    state: new DbState(emptySnapshot()),
    sync: async () => { view.syncs += 1; },
    wait: async () => {
      view.waits += 1;
      throw new DbTimeoutError(10);
    },
  };
  return view as unknown as ConfirmView & { syncs: number; waits: number };
}

const ctx = () => ({ deadline: Date.now() + 50, signal: new AbortController().signal });

describe('confirming a plan', () => {
  it('takes a plan whose every notification was its own request as shown once the database has applied them', async () => {
    const ops = routeOps(3);
    const view = emptyView();
    const confirm = databaseConfirm(view, { dbKeys: true, echoed: (o) => (o === ops ? Uint8Array.of(1, 1, 1) : undefined) });
    confirm.prepare?.(ops);
    await confirm(ops, ctx());
    expect({ syncs: view.syncs, waits: view.waits }).toEqual({ syncs: 1, waits: 0 });
  });

  it('looks for the rest when one notification was not claimed, and says what it did not find', async () => {
    const ops = routeOps(3);
    const view = emptyView();
    const confirm = databaseConfirm(view, { dbKeys: true, echoed: () => Uint8Array.of(1, 0, 1) });
    confirm.prepare?.(ops);
    const err = await confirm(ops, ctx()).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/did not show 3 of 3 expected changes/);
    // One barrier, then the waiting.
    expect({ syncs: view.syncs, waits: view.waits }).toEqual({ syncs: 1, waits: 1 });
  });

  it('says which alternative names a link lacks, or still has, when they do not show', async () => {
    const snapshot = reduce(emptySnapshot(), [nu('interface', iface(5, 'v0', { altnames: ['a', 'b'] }))], 'kernel').snapshot;
    const view = { ...emptyView(), state: new DbState(snapshot) } as ConfirmView;
    const set = (spec: Record<string, unknown>): Operation => ({ id: '1', kind: 'interface', intent: 'set', key: '5', spec: { index: 5, ...spec }, role: 'forward', inverse: [], dev: 'v0' }) as Operation;
    const message = (op: Operation) => databaseConfirm(view, { dbKeys: true })([op], ctx()).then(() => 'confirmed', (e: Error) => e.message);
    expect(await message(set({ altnames: ['b'] }))).toBe('confirmed');
    expect(await message(set({ altnames: ['c'] }))).toMatch(/alternative names \["a","b"\], to have \["c"\]/);
    expect(await message(set({ removeAltnames: ['a'] }))).toMatch(/alternative names \["a","b"\], not to have \["a"\]/);
  });

  it('looks for everything without echo marks', async () => {
    const ops = routeOps(2);
    const view = emptyView();
    const err = await databaseConfirm(view, { dbKeys: true })(ops, ctx()).then(() => null, (e: unknown) => e);
    expect((err as Error).message).toMatch(/did not show 2 of 2 expected changes/);
  });
});
