/**
 * Committing against the kernel simulator through a fake pipelined executor: success, a kernel
 * failure at each position of a 20+ operation plan, no answer before the deadline, transport
 * failure, confirmation and verification failures, rollback failures, conflicts, and
 * runTransaction's commit-or-drop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommitError, ConflictError, DeadlineError } from '../../src/transactions/errors.js';
import { Journal } from '../../src/transactions/journal.js';
import { KernelError } from '../../src/transport/errors.js';
import type { Operation } from '../../src/transactions/ops.js';
import { begin, runTransaction, type Transaction } from '../../src/transactions/transaction.js';
import type { OpExecutor } from '../../src/transactions/commit.js';
import { buildWorld, envFor, simExecutor, type ExecutorScript } from './fixture.js';
import type { World } from './sim.js';

const original = buildWorld();

/** A transaction of every kind of operation, 20+ of them, which the simulator accepts whole. */
function bigTx(w: World, extra: Parameters<typeof envFor>[1] = {}): Transaction {
  const tx = begin(w.base(), envFor(w, extra));
  const t = tx.interfaces;
  tx.addresses.remove({ ifname: 'v0', address: '10.0.0.1/24' });
  tx.routes.remove({ dst: '10.1.0.0/16' });
  tx.rules.remove({ priority: 100 });
  tx.neighbours.remove({ ifname: 'br0', dst: '10.9.0.9' });
  t.v0!.state = 'down';
  t.v0!.mtu = 9000;
  t.mv0!.state = 'down';
  t.mv0!.ifname = 'mvx';
  t.eth0!.address = '52:54:00:aa:bb:cc';
  t.eth0!.txqlen = 500;
  const n0 = t.create({ ifname: 'n0', kind: 'veth', peer: 'n1', state: 'up' });
  t.n1!.master = 'br0';
  t.n1!.state = 'up';
  t.create({ ifname: 'n2', kind: 'bridge', state: 'up' });
  n0.addIp('10.5.0.1/24');
  n0.addIp('10.5.0.2/24');
  n0.addIp('2001:db8:5::1/64');
  tx.routes.add({ dst: '10.6.0.0/16', gateway: '10.5.0.254', oif: 'n0' });
  tx.routes.add({ dst: '10.7.0.0/24', oif: 'n0', prefsrc: '10.5.0.1' });
  tx.routes.replace({ dst: 'default', gateway: '192.168.1.254', oif: 'eth0' });
  tx.routes.add({ dst: '2001:db8:6::/48', oif: 'n0' });
  tx.rules.add({ priority: 200, table: 101, dst: '10.6.0.0/16' });
  tx.neighbours.add({ ifname: 'n0', dst: '10.5.0.9', lladdr: '02:00:00:00:05:09' });
  tx.interfaces.remove('n2');
  tx.interfaces.create({ ifname: 'n3', kind: 'bridge' });
  return tx;
}

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'nldb-commit-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

describe('commit', () => {
  it('applies a whole plan, confirms, verifies and journals it', async () => {
    const w = original.clone();
    const journal = Journal.open(join(dir, 'j.db'));
    const confirmed: Operation[][] = [];
    let verified = 0;
    const tx = bigTx(w, {
      executor: simExecutor(w), journal,
      confirm: async (ops) => { confirmed.push([...ops]); },
    });
    const ops = tx.plan();
    expect(ops.length).toBeGreaterThanOrEqual(20);
    const report = await tx.commit({ verify: () => { verified++; return true; } });
    expect(report.ops.map((o) => o.id)).toEqual(ops.map((o) => o.id));
    expect(tx.status).toBe('committed');
    expect(confirmed).toHaveLength(1);
    expect(verified).toBe(1);
    const home = w.dump().home;
    expect(home.interfaces.find((l) => l.ifname === 'mvx')).toBeDefined();
    expect(home.interfaces.find((l) => l.ifname === 'v0')?.mtu).toBe(9000);
    expect(home.routes.some((r) => r.dst === 'default' && r.gateway === '192.168.1.254')).toBe(true);
    expect(home.routes.some((r) => r.dst === 'default' && r.gateway === '192.168.1.1')).toBe(false);
    expect(journal.unfinished()).toEqual([]);
    expect(journal.get(tx.id)?.state).toBe('committed');
    journal.close();
    expect(() => { tx.interfaces.v0!.mtu = 1500; }).toThrow(/committed/);
  });

  it('has every inverse before it resolves: computed while the kernel works, or before sending with a journal', async () => {
    const expected = bigTx(original.clone()).plan();
    const run = async (journal: Journal | null) => {
      const w = original.clone();
      const inner = simExecutor(w);
      const seen: { atSend: number; afterStarted: number } = { atSend: -1, afterStarted: -1 };
      const filled = (ops: readonly Operation[]) => ops.filter((op) => op.inverse.length > 0).length;
      const executor: OpExecutor = {
        send: async (ops, ctx) => {
          seen.atSend = filled(ops);
          ctx.started?.();
          seen.afterStarted = filled(ops);
          return inner.send(ops, ctx);
        },
      };
      const report = await bigTx(w, { executor, journal }).commit();
      return { seen, report };
    };
    const all = expected.filter((op) => op.inverse.length > 0).length;
    expect(all).toBeGreaterThanOrEqual(20);
    const plain = await run(null);
    expect(plain.seen).toEqual({ atSend: 0, afterStarted: all });
    // The same inverses as plan() gives, device names included.
    expect(plain.report.ops).toEqual(expected);
    const journalled = await run(Journal.open(join(dir, 'j.db')));
    expect(journalled.seen).toEqual({ atSend: all, afterStarted: all });
    expect(journalled.report.ops).toEqual(expected);
  });

  it('fills the inverses of a plan of plain additions only when something reads them: the report, verify, a rollback', async () => {
    const additions = (w: World, extra: Parameters<typeof envFor>[1] = {}): Transaction => {
      const tx = begin(w.base(), envFor(w, extra));
      for (let i = 0; i < 5; i++) tx.routes.add({ dst: `10.60.${i}.0/24`, oif: 'eth0' });
      tx.rules.add({ priority: 300, table: 102, dst: '10.60.0.0/16' });
      return tx;
    };
    const expected = additions(original.clone()).plan();
    expect(expected).toHaveLength(6);
    expect(expected.every((op) => op.inverse.length === 1 && op.inverse[0]!.intent === 'delete')).toBe(true);

    // Not while the kernel works, nor by the time the commit resolves; the report's ops have them.
    const w = original.clone();
    const inner = simExecutor(w);
    let afterStarted = -1;
    const executor: OpExecutor = {
      send: async (ops, ctx) => {
        ctx.started?.();
        afterStarted = ops.filter((op) => op.inverse.length > 0).length;
        return inner.send(ops, ctx);
      },
    };
    const report = await additions(w, { executor }).commit();
    expect(afterStarted).toBe(0);
    expect(report.ops).toEqual(expected);

    // verify sees them.
    const w2 = original.clone();
    let inVerify = -1;
    await additions(w2, { executor: simExecutor(w2) }).commit({
      verify: ({ ops }) => { inVerify = ops.filter((op) => op.inverse.length === 1).length; return true; },
    });
    expect(inVerify).toBe(expected.length);

    // A refusal of the last one undoes the others.
    const w3 = original.clone();
    const refusal = Object.assign(new Error('refused'), { code: 'EPERM' });
    const err = await additions(w3, { executor: simExecutor(w3, { failAt: new Map([[expected.length - 1, refusal]]) }) }).commit().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(CommitError);
    expect((err as CommitError).rolledBack).toBe(true);
    expect(w3.dump()).toEqual(original.dump());
    expect(w.dump().home.routes.filter((r) => r.dst.startsWith('10.60.'))).toHaveLength(5);
  });

  it('rolls back to the original state when the kernel refuses the operation at any position', async () => {
    const n = bigTx(original.clone()).plan().length;
    expect(n).toBeGreaterThanOrEqual(20);
    for (let k = 0; k < n; k++) {
      const w = original.clone();
      const refusal = Object.assign(new Error(`refused #${k}`), { code: 'EPERM' });
      const journal = Journal.open(join(dir, `k${k}.db`));
      const tx = bigTx(w, { executor: simExecutor(w, { failAt: new Map([[k, refusal]]) }), journal });
      const ops = tx.plan();
      const err = await tx.commit().then(() => null, (e: unknown) => e);
      expect(err, `k=${k}`).toBeInstanceOf(CommitError);
      const ce = err as CommitError;
      expect(ce.op?.id, `k=${k}`).toBe(ops[k]!.id);
      expect(ce.cause).toBe(refusal);
      expect(ce.phase).toBe('send');
      expect(ce.failures[0]!.error).toBe(refusal);
      expect(ce.rolledBack, `k=${k}: ${ce.message}`).toBe(true);
      expect(ce.rollbackErrors).toEqual([]);
      expect(w.dump(), `k=${k} (${ops[k]!.id})`).toEqual(original.dump());
      expect(journal.get(tx.id)?.state).toBe('rolled-back');
      expect(tx.status).toBe('failed');
      journal.close();
    }
  });

  it('says which operation failed, keeps the kernel error, and reads well', async () => {
    const w = original.clone();
    const refusal = Object.assign(new Error('Operation not permitted'), { code: 'EPERM', errno: 1 });
    const tx = begin(w.base(), envFor(w, { executor: simExecutor(w, { failAt: new Map([[1, refusal]]) }) }));
    tx.interfaces.v0!.mtu = 9000;
    tx.interfaces.br0!.mtu = 1400;
    const err = (await tx.commit().catch((e: unknown) => e)) as CommitError;
    expect(err).toBeInstanceOf(CommitError);
    expect(err.op?.spec).toEqual({ index: 10, mtu: 1400 });
    expect(err.message).toMatch(/operation 2 \(link set br0 mtu 1400\) failed: Operation not permitted; rolled back/);
    expect(w.dump()).toEqual(original.dump());
  });

  it('rolls back what may have happened when no answer comes before the deadline', async () => {
    const w = original.clone();
    const tx = bigTx(w, { executor: simExecutor(w, { hang: true }) });
    const err = (await tx.commit({ timeout: 30 }).catch((e: unknown) => e)) as CommitError;
    expect(err).toBeInstanceOf(CommitError);
    expect(err.phase).toBe('timeout');
    expect(err.cause).toBeInstanceOf(DeadlineError);
    expect(err.rolledBack).toBe(true);
    expect(w.dump()).toEqual(original.dump());
  });

  for (const applyUnanswered of [true, false]) {
    it(`undoes an unanswered operation (${applyUnanswered ? 'applied' : 'not applied'}) with tolerant inverses`, async () => {
      const w = original.clone();
      const script: ExecutorScript = { silentAt: new Set([0, 5, 12]), applyUnanswered };
      const tx = bigTx(w, { executor: simExecutor(w, script) });
      const ops = tx.plan();
      const err = (await tx.commit().catch((e: unknown) => e)) as CommitError;
      // Unapplied, an operation's dependents fail too: then a kernel error comes first.
      expect(err.phase).toBe(applyUnanswered ? 'timeout' : 'send');
      if (applyUnanswered) expect(err.op?.id).toBe(ops[0]!.id);
      expect(err.rolledBack, err.message).toBe(true);
      expect(w.dump()).toEqual(original.dump());
    });
  }

  it('treats a transport failure as "maybe sent" and rolls back', async () => {
    const w = original.clone();
    const boom = new Error('socket closed');
    let calls = 0;
    const inner = simExecutor(w);
    const executor: OpExecutor = { send: async (ops, ctx) => { if (calls++ === 0) throw boom; return inner.send(ops, ctx); } };
    const tx = bigTx(w, { executor });
    const err = (await tx.commit().catch((e: unknown) => e)) as CommitError;
    expect(err.phase).toBe('send');
    expect(err.cause).toBe(boom);
    expect(err.op).toBeNull();
    expect(err.rolledBack).toBe(true);
    expect(w.dump()).toEqual(original.dump());
  });

  it('rolls back when confirmation or verification fails', async () => {
    for (const [phase, extra, opts] of [
      ['confirm', { confirm: async () => { throw new Error('not seen'); } }, {}],
      ['verify', {}, { verify: () => false }],
      ['verify', {}, { verify: async () => { throw new Error('ping failed'); } }],
      ['timeout', { confirm: () => new Promise<void>(() => {}) }, { timeout: 30 }],
    ] as const) {
      const w = original.clone();
      const tx = bigTx(w, { executor: simExecutor(w), ...extra });
      const err = (await tx.commit(opts).catch((e: unknown) => e)) as CommitError;
      expect(err).toBeInstanceOf(CommitError);
      expect(err.phase).toBe(phase);
      expect(err.op).toBeNull();
      expect(err.rolledBack).toBe(true);
      expect(w.dump(), phase).toEqual(original.dump());
    }
  });

  it('reports an incomplete rollback with its errors', async () => {
    const w = original.clone();
    const inner = simExecutor(w, { failAt: new Map([[3, new Error('nope')]]) });
    let calls = 0;
    const stuck = Object.assign(new Error('stuck'), { code: 'EBUSY' });
    const executor: OpExecutor = {
      async send(ops, ctx) {
        if (calls++ === 0) return inner.send(ops, ctx);
        // The rollback: its first operation is refused.
        const [first, ...rest] = ops;
        const more = await inner.send(rest, ctx);
        return [{ status: 'error', error: stuck }, ...more].slice(0, ops.length) as never;
        void first;
      },
    };
    const journal = Journal.open(join(dir, 'rb.db'));
    const tx = bigTx(w, { executor, journal });
    const err = (await tx.commit().catch((e: unknown) => e)) as CommitError;
    expect(err.rolledBack).toBe(false);
    expect(err.rollbackErrors.length).toBeGreaterThanOrEqual(1);
    expect(err.rollbackErrors[0]!.error).toBe(stuck);
    expect(err.message).toMatch(/rollback incomplete/);
    expect(journal.get(tx.id)?.state).toBe('rollback-failed');
    journal.close();
  });

  it('names the first three failed undos in its message, and counts the rest', () => {
    const op = (id: string): Operation => ({ id, kind: 'interface', intent: 'delete', key: id, spec: { index: 9, ifname: 'v9' }, role: 'undo', inverse: [], dev: 'v9' } as Operation);
    const failures = ['1.1', '2.1', '3.1', '4.1', '5.1'].map((id) => ({ op: op(id), error: new Error('ENODEV') }));
    const e = new CommitError({ txId: 't', phase: 'send', op: null, cause: new Error('x'), rolledBack: false, rollbackErrors: failures });
    expect(e.message).toMatch(/rollback incomplete: 1\.1 \(link del v9\): ENODEV; 2\.1 .*; 3\.1 \(link del v9\): ENODEV; and 2 more undos failed \(rollbackErrors\)$/);
    expect(e.message).not.toContain('4.1');
    expect(e.rollbackErrors).toHaveLength(5);
  });

  it('says which operation failed once, not again where the kernel error names it', () => {
    const op = { id: '2', kind: 'interface', intent: 'delete', key: '9', spec: { index: 9, ifname: 'v9' }, role: 'forward', inverse: [], dev: 'v9' } as Operation;
    const undo = { ...op, id: '1.1', intent: 'create', role: 'undo' } as Operation;
    const refused = new KernelError({ errno: 19, requestType: 17, seq: 1, operation: 'link del v9', extAck: { message: 'no such device' } });
    const e = new CommitError({
      txId: 't', phase: 'send', op, cause: refused, rolledBack: false,
      rollbackErrors: [{ op: undo, error: new KernelError({ errno: 17, requestType: 16, seq: 2, operation: 'what the undo asked' }) }],
    });
    expect(e.message).toMatch(/^transaction t: operation 2 \(link del v9\) failed: ENODEV \(No such device\): no such device; rollback incomplete: 1\.1 \(link add v9 [^)]*\): what the undo asked: EEXIST \(File exists\)$/);
    expect(e.cause).toBe(refused);
  });
});

describe('conflicts at commit', () => {
  it('refuses, sends nothing, and can be overridden', async () => {
    const w = original.clone();
    const log: Operation[][] = [];
    const tx = begin(w.base(), envFor(w, { executor: simExecutor(w, {}, log) }));
    tx.interfaces.v0!.mtu = 9000;
    tx.interfaces.br0!.mtu = 1400;
    // Someone else changes v0's MTU and br0's MAC meanwhile.
    w.apply({ id: 'x', kind: 'interface', intent: 'set', key: '11', role: 'forward', inverse: [], spec: { index: 11, mtu: 1400 } });
    w.apply({ id: 'y', kind: 'interface', intent: 'set', key: '10', role: 'forward', inverse: [], spec: { index: 10, address: '02:00:00:00:00:99' } });
    const err = (await tx.commit().catch((e: unknown) => e)) as ConflictError;
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.conflicts).toEqual([expect.objectContaining({ kind: 'interface', field: 'mtu', atBegin: 1500, now: 1400, reason: 'changed' })]);
    expect(log).toEqual([]);
    expect(tx.status).toBe('open');
    const concurrent = w.dump();
    await tx.commit({ overwrite: true });
    const v0 = w.dump().home.interfaces.find((l) => l.index === 11)!;
    expect(v0.mtu).toBe(9000);
    // br0's MAC, changed by someone else, survives; its MTU is ours.
    const br0 = w.dump().home.interfaces.find((l) => l.index === 10)!;
    expect(br0).toEqual({ ...concurrent.home.interfaces.find((l) => l.index === 10)!, mtu: 1400 });
    // The plan was made against the current state: undoing the MTU sets back 1400, not 1500.
    expect(log[0]!.find((o) => o.key === '11')!.inverse[0]!.spec).toEqual({ index: 11, mtu: 1400 });
  });
});

describe('runTransaction', () => {
  it('commits when the function returns, with its result', async () => {
    const w = original.clone();
    const out = await runTransaction(() => begin(w.base(), envFor(w, { executor: simExecutor(w) })), (tx) => {
      tx.interfaces.v0!.mtu = 9000;
      return 42;
    });
    expect(out).toBe(42);
    expect(w.dump().home.interfaces.find((l) => l.ifname === 'v0')!.mtu).toBe(9000);
  });

  it('drops, never commits, when the function throws', async () => {
    const w = original.clone();
    const log: Operation[][] = [];
    let tx: Transaction | undefined;
    await expect(runTransaction(() => (tx = begin(w.base(), envFor(w, { executor: simExecutor(w, {}, log) }))), async (t) => {
      t.interfaces.v0!.mtu = 9000;
      throw new Error('changed my mind');
    })).rejects.toThrow('changed my mind');
    expect(log).toEqual([]);
    expect(tx!.status).toBe('dropped');
    expect(w.dump()).toEqual(original.dump());
  });
});
