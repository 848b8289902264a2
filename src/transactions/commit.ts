/**
 * Carrying out a plan: journal → send all operations pipelined → confirm → verify, against ONE
 * deadline; on any failure, the inverses of what took effect, latest first, and a CommitError.
 *
 * The kernel handles pipelined requests one after another and answers each, failed or not, so
 * any subset of the plan may have taken effect; the executor reports one result per operation.
 * An operation with no answer (deadline, transport failure) counts as "maybe applied": its
 * inverses run too, tolerating the errors that mean "nothing to undo" (ops.ts, UNDO_TOLERATE).
 *
 * Nothing here knows sockets or messages: the executor (wired by the integrator to IPRoute's
 * pipelined requestBatch) turns operations into requests; `confirm` (wired to the database's
 * wait) resolves once the database has seen the changes.
 */
import { CommitError, DeadlineError, errnoName, type CommitPhase, type OpFailure } from './errors.js';
import type { TxBase } from './base.js';
import { rollbackOps } from './inverse.js';
import type { Journal } from './journal.js';
import { retryLater, undoSequence, type Operation } from './ops.js';

export type OpResult =
  | { status: 'ok' }
  | { status: 'error'; error: unknown }
  /** No answer: it may or may not have taken effect. */
  | { status: 'unknown'; error?: unknown };

export interface SendContext {
  /** ms since the epoch (the `now` clock) after which answers no longer matter. */
  deadline: number;
  /** Aborted when the deadline passes. */
  signal: AbortSignal;
  /**
   * Called by the executor once the kernel has the operations (sent, or being sent from another
   * thread): the commit does its own remaining work meanwhile. An executor may call it only once
   * the answers are in, when working beside the kernel would slow it (kernel-executor.ts).
   */
  started?: () => void;
}

/** Sends operations as one pipelined batch; one result per operation, in order. */
export interface OpExecutor {
  send(ops: readonly Operation[], ctx: SendContext): Promise<OpResult[]>;
  /**
   * Checks (and may encode ahead) every operation, throwing a ValidationError when one could
   * never be sent: called before the journal is written, so bad input sends nothing.
   */
  prepare?(ops: readonly Operation[]): void;
}

/** Resolves once the database's own view shows the operations' effects; rejects otherwise. */
export interface ConfirmFn {
  (ops: readonly Operation[], ctx: SendContext): Promise<void>;
  /**
   * Works out ahead what confirming `ops` will look for, while the kernel handles them (called
   * once their inverses are there, before the call that confirms them).
   */
  prepare?(ops: readonly Operation[]): void;
}

export interface VerifyContext extends SendContext {
  txId: string;
  ops: readonly Operation[];
}

export interface CommitOptions {
  /** ms for sending, confirming and verifying together (default 10,000). */
  timeout?: number;
  /** ms for the rollback, counted from when it starts (default: `timeout`). */
  rollbackTimeout?: number;
  /** Called after confirmation; false or a throw rolls the transaction back. */
  verify?: (ctx: VerifyContext) => boolean | Promise<boolean>;
}

export interface CommitDeps {
  txId: string;
  executor: OpExecutor;
  journal?: Journal | null;
  confirm?: ConfirmFn;
  /** Namespace label for the journal (and the home of inverses run from elsewhere). */
  ns?: string | null;
  /**
   * The snapshot the plan was made from. With it, a rollback is planned again from what actually
   * took effect (inverse.ts, rollbackOps); without it, the planned inverses are used as they are.
   */
  base?: TxBase;
  now?: () => number;
  /**
   * Fills in the operations' inverses (plan.ts, planInTwo), when the plan comes without them. The
   * journal needs them before anything is sent; without a journal they are computed while the
   * kernel handles the batch (SendContext.started), and are there before the commit confirms,
   * verifies, rolls back or resolves. (A rollback plans again from `base` in any case.)
   */
  inverses?: () => void;
  /**
   * The inverses are only ever plain undos (inverse.ts, onlyPlainAdditions: 10,000 routes): nothing
   * confirming looks for depends on them, so without a journal they are filled in only when
   * something reads them (a rollback, `verify`, the report's `ops`), not on the way.
   */
  inversesOnDemand?: boolean;
}

export interface CommitReport {
  txId: string;
  /** The operations sent, each with its inverse (made when first read, for a plan of plain additions). */
  ops: readonly Operation[];
}

export const DEFAULT_TIMEOUT = 10_000;

function tolerated(op: Operation, error: unknown): boolean {
  const name = errnoName(error);
  return name !== undefined && (op.tolerate ?? []).includes(name);
}

/** Normalises executor results: tolerated errors are successes; missing answers are unknown. */
function settle(ops: readonly Operation[], results: readonly OpResult[] | undefined, cause?: unknown): OpResult[] {
  // (A loop, not map(): 10,000 results of a process that has just started.)
  const out = new Array<OpResult>(ops.length);
  for (let i = 0; i < ops.length; i++) {
    const r = results?.[i];
    out[i] = !r ? { status: 'unknown', error: cause } : r.status === 'error' && tolerated(ops[i]!, r.error) ? { status: 'ok' } : r;
  }
  return out;
}

class Deadline {
  readonly controller = new AbortController();
  constructor(readonly at: number, readonly ms: number, private readonly now: () => number) {}

  get ctx(): SendContext {
    return { deadline: this.at, signal: this.controller.signal };
  }

  /** `p`, or a DeadlineError when the deadline passes first (then the signal is aborted). */
  async race<T>(p: Promise<T>, what: string): Promise<T> {
    const left = this.at - this.now();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new DeadlineError(what, this.ms);
        this.controller.abort(err);
        reject(err);
      }, Math.max(0, left));
    });
    try {
      return await Promise.race([p, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Sends undo operations (a rollback, or a recovery after a crash) against their own deadline:
 * tolerated errors count as done, and deferrable restorations that failed where they stood are
 * tried once more at the end. One result per operation.
 */
export async function sendUndo(executor: OpExecutor, undo: readonly Operation[], timeoutMs: number, now: () => number = Date.now): Promise<OpResult[]> {
  const deadline = new Deadline(now() + timeoutMs, timeoutMs, now);
  const sendAll = async (batch: readonly Operation[]): Promise<OpResult[]> => {
    try {
      return settle(batch, await deadline.race(executor.send(batch, deadline.ctx), 'rollback'));
    } catch (e) {
      return settle(batch, undefined, e);
    }
  };
  const rr = await sendAll(undo);
  // Restorations that could not be made where they stood get a second chance at the end.
  const again = retryLater(undo, (_op, i) => rr[i]!.status !== 'ok');
  if (again.length > 0) {
    const position = new Map(undo.map((op, i) => [op, i]));
    const second = await sendAll(again);
    again.forEach((op, j) => { rr[position.get(op)!] = second[j]!; });
  }
  return rr;
}

interface RollbackOutcome {
  rolledBack: boolean;
  errors: OpFailure[];
}

async function rollback(
  deps: CommitDeps, ops: readonly Operation[], results: readonly OpResult[], timeoutMs: number, now: () => number,
): Promise<RollbackOutcome> {
  const { txId, journal } = deps;
  const status = new Map(ops.map((op, i) => [op.id, results[i]!.status]));
  const applied = (op: Operation): 'yes' | 'no' | 'maybe' => {
    const s = status.get(op.id);
    return s === 'ok' ? 'yes' : s === 'unknown' ? 'maybe' : 'no';
  };
  const undo = deps.base ? rollbackOps(deps.base, ops, applied, { home: deps.ns ?? null }) : undoSequence(ops, applied);
  journal?.markRollingBack(txId);
  if (undo.length === 0) {
    journal?.finish(txId, 'rolled-back');
    return { rolledBack: true, errors: [] };
  }
  const rr = await sendUndo(deps.executor, undo, timeoutMs, now);
  const errors: OpFailure[] = [];
  const failedFwd = new Set<string>();
  undo.forEach((op, i) => {
    const r = rr[i]!;
    if (r.status === 'ok') return;
    errors.push({ op, error: r.error ?? new Error('no answer') });
    failedFwd.add(op.id.split('.')[0]!);
  });
  const undone = ops.filter((op) => status.get(op.id) !== 'error' && !failedFwd.has(op.id)).map((op) => op.id);
  journal?.markUndone(txId, undone);
  journal?.finish(txId, errors.length === 0 ? 'rolled-back' : 'rollback-failed',
    errors.length === 0 ? undefined : errors.map((f) => `${f.op.id}: ${f.error instanceof Error ? f.error.message : String(f.error)}`).join('; '));
  return { rolledBack: errors.length === 0, errors };
}

/**
 * Commits `ops` (a plan from plan.ts). Resolves when every operation was acknowledged, confirmed
 * and verified; otherwise rolls back what took effect and rejects with a CommitError.
 */
export async function commitPlan(ops: readonly Operation[], deps: CommitDeps, opts: CommitOptions = {}): Promise<CommitReport> {
  const now = deps.now ?? Date.now;
  const timeout = opts.timeout ?? DEFAULT_TIMEOUT;
  const rollbackTimeout = opts.rollbackTimeout ?? timeout;
  const { txId, journal } = deps;
  // Nothing is written or sent for operations that could never be sent.
  deps.executor.prepare?.(ops);
  const deadline = new Deadline(now() + timeout, timeout, now);

  // The inverses: now if the journal is to hold them, else while the kernel works.
  let inversesLeft = deps.inverses;
  let inversesError: unknown;
  const fillInverses = (): void => {
    const fill = inversesLeft;
    inversesLeft = undefined;
    try {
      fill?.();
    } catch (e) {
      inversesError ??= e;
    }
  };
  if (journal || ops.length === 0) {
    fillInverses();
    if (inversesError !== undefined) throw inversesError;
  }
  // (A commit of 10,000 routes keeps its only thread busy while the kernel works: the 10,000
  // inverse objects cost it about 5 ms in a fresh process, and nothing may ever read them: a
  // rollback plans again from `base` when it has one.)
  const onDemand = deps.inversesOnDemand === true;

  // Written (and on disk) before anything is sent.
  journal?.begin(txId, deps.ns ?? null, ops);
  if (ops.length === 0) {
    journal?.finish(txId, 'committed');
    return { txId, ops };
  }
  journal?.markSent(txId, ops.map((o) => o.id));

  const fail = async (phase: CommitPhase, results: OpResult[], cause: unknown, op: Operation | null, failures: OpFailure[] = []): Promise<never> => {
    fillInverses();
    const rb = await rollback(deps, ops, results, rollbackTimeout, now);
    throw new CommitError({ txId, phase, op, cause, failures, rolledBack: rb.rolledBack, rollbackErrors: rb.errors });
  };

  // Once the kernel has the operations: their inverses (if not written already), then what
  // confirming them will look for, while the kernel works.
  const started = (): void => {
    if (!onDemand) fillInverses();
    if (inversesError !== undefined) return;
    try {
      deps.confirm?.prepare?.(ops);
    } catch {
      // (Confirming works it out again, and says what is wrong.)
    }
  };
  let results: OpResult[];
  try {
    results = settle(ops, await deadline.race(deps.executor.send(ops, { ...deadline.ctx, started }), 'sending'));
  } catch (e) {
    results = settle(ops, undefined, e);
    return fail(e instanceof DeadlineError ? 'timeout' : 'send', results, e, null);
  }
  if (!onDemand) fillInverses();
  // (Only a fault in the planner's simulation, which also plans the rollback, could end here.)
  if (inversesError !== undefined) return fail('send', results, inversesError, null);
  journal?.markDone(txId, ops.filter((_, i) => results[i]!.status === 'ok').map((o) => o.id));

  const failures: OpFailure[] = [];
  let unanswered = -1;
  for (let i = 0; i < results.length; i++) {
    const r = results[i]!;
    if (r.status === 'error') failures.push({ op: ops[i]!, error: r.error });
    else if (r.status === 'unknown' && unanswered < 0) unanswered = i;
  }
  const first = failures[0];
  if (first) return fail('send', results, first.error, first.op, failures);
  if (unanswered >= 0) {
    const r = results[unanswered] as { error?: unknown };
    return fail('timeout', results, r.error ?? new DeadlineError('waiting for acknowledgements', timeout), ops[unanswered]!);
  }

  if (deps.confirm) {
    try {
      await deadline.race(deps.confirm(ops, deadline.ctx), 'confirming');
    } catch (e) {
      return fail(e instanceof DeadlineError ? 'timeout' : 'confirm', results, e, null);
    }
  }
  if (opts.verify) {
    fillInverses();
    if (inversesError !== undefined) return fail('send', results, inversesError, null);
    let ok: boolean;
    try {
      ok = await deadline.race(Promise.resolve().then(() => opts.verify!({ txId, ops, ...deadline.ctx })), 'verifying');
    } catch (e) {
      return fail(e instanceof DeadlineError ? 'timeout' : 'verify', results, e, null);
    }
    if (!ok) return fail('verify', results, new Error('verify returned false'), null);
  }
  journal?.finish(txId, 'committed');
  if (!onDemand || inversesLeft === undefined) return { txId, ops };
  return {
    txId,
    get ops(): readonly Operation[] {
      fillInverses();
      if (inversesError !== undefined) throw inversesError;
      return ops;
    },
  };
}
