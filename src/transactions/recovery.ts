/**
 * Recovery after a crash: a process killed in the middle of a commit leaves its transaction
 * unfinished in the journal (state planned, sending or rolling-back). The next process to open
 * the journal undoes whatever of it may have reached the kernel: the inverses of every operation
 * marked sent and not undone, latest first, each tolerating "already undone" or "never happened"
 * (the journal cannot know how far the kernel got), and then marks the transaction finished, with
 * what it did in its detail.
 */
import { sendUndo, type OpExecutor } from './commit.js';
import type { OpFailure } from './errors.js';
import { recoveryPlan, type Journal, type UnfinishedTx } from './journal.js';

export interface RecoveredTx {
  txId: string;
  /** The namespace label the transaction ran in (null: the process's own). */
  ns: string | null;
  /** When the transaction was written to the journal (ms since the epoch). */
  startedAt: number;
  /** Where it had got to: 'planned' (nothing sent), 'sending', 'rolling-back'. */
  stage: UnfinishedTx['state'];
  /** Operations that may have reached the kernel. */
  maybeApplied: number;
  /** Undo operations sent. */
  undoOps: number;
  outcome: 'rolled-back' | 'rollback-failed';
  errors: OpFailure[];
}

export interface RecoveryOptions {
  /** ms for undoing one transaction (default 30,000). */
  timeout?: number;
  now?: () => number;
}

/** An executor for a transaction's namespace, and how to release it. */
export interface ScopedExecutor {
  executor: OpExecutor;
  release(): void;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Undoes every unfinished transaction of the journal, oldest first. `executorFor(ns)` gives an
 * executor in the transaction's namespace (or throws when it cannot: the namespace is gone).
 */
export async function recoverUnfinished(
  journal: Journal, executorFor: (ns: string | null) => Promise<ScopedExecutor>, opts: RecoveryOptions = {},
): Promise<RecoveredTx[]> {
  const out: RecoveredTx[] = [];
  for (const tx of journal.unfinished()) {
    const undo = recoveryPlan(tx);
    const base = { txId: tx.txId, ns: tx.ns, startedAt: tx.createdAt, stage: tx.state, maybeApplied: tx.maybeApplied.length, undoOps: undo.length };
    if (undo.length === 0) {
      journal.finish(tx.txId, 'rolled-back', 'recovered at open: nothing had been sent');
      out.push({ ...base, outcome: 'rolled-back', errors: [] });
      continue;
    }
    let scoped: ScopedExecutor;
    try {
      scoped = await executorFor(tx.ns);
    } catch (err) {
      journal.finish(tx.txId, 'rollback-failed', `recovered at open: cannot reach namespace ${tx.ns ?? '(own)'}: ${message(err)}`);
      out.push({ ...base, outcome: 'rollback-failed', errors: undo.map((op) => ({ op, error: err })) });
      continue;
    }
    try {
      journal.markRollingBack(tx.txId);
      const results = await sendUndo(scoped.executor, undo, opts.timeout ?? 30_000, opts.now);
      const errors: OpFailure[] = [];
      const failedFwd = new Set<string>();
      undo.forEach((op, i) => {
        const r = results[i]!;
        if (r.status === 'ok') return;
        errors.push({ op, error: r.error ?? new Error('no answer') });
        failedFwd.add(op.id.split('.')[0]!);
      });
      journal.markUndone(tx.txId, tx.maybeApplied.map((op) => op.id).filter((id) => !failedFwd.has(id)));
      const outcome = errors.length === 0 ? 'rolled-back' : 'rollback-failed';
      journal.finish(tx.txId, outcome, errors.length === 0
        ? `recovered at open: ${undo.length} undo operations for ${tx.maybeApplied.length} that may have been applied`
        : `recovered at open, incompletely: ${errors.map((f) => `${f.op.id}: ${message(f.error)}`).slice(0, 20).join('; ')}`);
      out.push({ ...base, outcome, errors });
    } finally {
      scoped.release();
    }
  }
  return out;
}
