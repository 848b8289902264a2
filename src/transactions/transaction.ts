/**
 * Transaction: a draft of the whole database plus what it takes to commit it.
 *
 *   const tx = begin(base, env);          // the database calls this for db.begin()
 *   tx.interfaces.eth0.mtu = 9000;
 *   tx.routes.add({ dst: '10.1.0.0/16', gateway: '10.0.0.1' });
 *   console.log(tx.review());             // the plan, each operation with its undo
 *   await tx.commit({ timeout: 5000 });   // or tx.drop()
 *
 * commit() checks for conflicts with changes made since begin() (ConflictError, nothing sent,
 * the transaction stays open so it can be committed again with { overwrite: true }), plans
 * against the database's current snapshot (ValidationError, nothing sent), then hands the plan
 * to commitPlan(). Once commit() starts, the draft can no longer change; it ends committed or
 * failed. runTransaction() commits when its function returns and drops when it throws.
 */
import type { TxBase } from './base.js';
import { commitPlan, type CommitOptions, type CommitReport, type ConfirmFn, type OpExecutor } from './commit.js';
import { detectConflicts } from './conflicts.js';
import {
  TxDraft, type AddressesDraft, type InterfacesDraft, type NeighboursDraft, type RoutesDraft, type RulesDraft,
} from './draft.js';
import type { TxEdits } from './edits.js';
import { ConflictError, type Conflict } from './errors.js';
import type { Journal } from './journal.js';
import { review, type Operation } from './ops.js';
import { plan, planInTwo } from './plan.js';
import { randomId } from '../util/random-id.js';

export interface TxEnvironment {
  /** Sends operations (IPRoute's pipelined batch); needed by commit(). */
  executor?: OpExecutor;
  /** Written before anything is sent. */
  journal?: Journal | null;
  /** Resolves once the database shows the operations' effects. */
  confirm?: ConfirmFn;
  /** The database's snapshot now: for conflicts, and to plan against what is there. */
  current?: () => TxBase;
  /** Encodes operations into the bytes they would be sent as (IPBatch). */
  compile?: (ops: readonly Operation[]) => unknown;
  /** Transaction id (default: a random UUID). */
  id?: string;
  /** Picks indexes for created links. */
  allocateIndex?: (taken: (index: number) => boolean) => number;
  now?: () => number;
  /**
   * Runs each commit in turn (a commit queue): commits of one database go one after another,
   * each checked and planned against the state at its own turn.
   */
  serialize?: <T>(run: () => Promise<T>) => Promise<T>;
  /** Called at the start of the commit's turn, before conflicts are checked (bring the database up to date). */
  settle?: () => Promise<void>;
  /** Told of every commit that went through (after confirmation and verification). */
  committed?: (report: CommitReport) => void;
  /** The kernel renames links that are up (PlanOptions.renameUp). */
  renameUp?: boolean;
  /** Whether a named network namespace exists (moveTo refuses one that does not). */
  namespaceExists?: (name: string) => boolean;
}

export type TxStatus = 'open' | 'committing' | 'committed' | 'failed' | 'dropped';

export interface TxCommitOptions extends CommitOptions {
  /** Commit even when what the transaction changes was changed by someone else since begin(). */
  overwrite?: boolean;
}

export class Transaction {
  readonly id: string;
  private state: TxStatus = 'open';
  private readonly draft: TxDraft;

  constructor(readonly base: TxBase, private readonly env: TxEnvironment = {}) {
    this.id = env.id ?? randomId();
    this.draft = new TxDraft(base, {
      guard: () => {
        if (this.state !== 'open') throw new Error(`transaction ${this.id} is ${this.state}: it can no longer be changed`);
      },
      ...(env.allocateIndex ? { allocateIndex: env.allocateIndex } : {}),
      ...(env.namespaceExists ? { namespaceExists: env.namespaceExists } : {}),
    });
  }

  get status(): TxStatus {
    return this.state;
  }

  get interfaces(): InterfacesDraft { return this.draft.interfaces; }
  get addresses(): AddressesDraft { return this.draft.addresses; }
  get routes(): RoutesDraft { return this.draft.routes; }
  get rules(): RulesDraft { return this.draft.rules; }
  get neighbours(): NeighboursDraft { return this.draft.neighbours; }

  edits(): TxEdits {
    return this.draft.edits();
  }

  private now(): TxBase {
    return this.env.current?.() ?? this.base;
  }

  /** What the transaction changes that others changed since begin(). */
  conflicts(): Conflict[] {
    return detectConflicts(this.base, this.now(), this.edits());
  }

  /** The operations commit() would send now, each with its inverse. Throws ValidationError. */
  plan(): Operation[] {
    return plan(this.now(), this.edits(), { home: this.now().netns ?? null, renameUp: this.env.renameUp === true });
  }

  /** The plan, readably: one line per operation, its undo operations below it. */
  review(): string {
    return review(this.plan());
  }

  /**
   * The bytes the plan would be sent as, sending nothing (needs the environment's encoder). An
   * IPDB's transactions give a Buffer: the netlink messages one after the other, in plan order
   * (KernelExecutor.compile).
   */
  compile<T = Buffer>(): T {
    if (!this.env.compile) throw new Error('this transaction has no encoder (TxEnvironment.compile)');
    return this.env.compile(this.plan()) as T;
  }

  /** Forgets the draft; nothing is sent. */
  drop(): void {
    if (this.state === 'open') this.state = 'dropped';
  }

  async commit(opts: TxCommitOptions = {}): Promise<CommitReport> {
    if (this.state !== 'open') throw new Error(`transaction ${this.id} is ${this.state}: it cannot be committed`);
    const executor = this.env.executor;
    if (!executor) throw new Error('this transaction has no executor (TxEnvironment.executor)');
    const serialize = this.env.serialize;
    if (!serialize) return this.commitNow(executor, opts);
    // The draft is fixed from here on; its turn may come later.
    this.state = 'committing';
    return serialize(async () => {
      this.state = 'open';
      return this.commitNow(executor, opts);
    }).catch((e: unknown) => {
      if (this.state === 'committing') this.state = 'failed';
      throw e;
    });
  }

  private async commitNow(executor: OpExecutor, opts: TxCommitOptions): Promise<CommitReport> {
    await this.env.settle?.();
    // The draft's own maps, not copies: they are planned from at once, and the draft cannot
    // change once the state is 'committing' (below, before the first await).
    const edits = this.draft.edits(true);
    const current = this.now();
    if (!opts.overwrite) {
      const conflicts = detectConflicts(this.base, current, edits);
      if (conflicts.length > 0) throw new ConflictError(conflicts);
    }
    // The inverses are filled in by commitPlan (while the kernel works, or when asked for, when there is no journal).
    const { ops, inverses, onDemand } = planInTwo(current, edits, {
      home: current.netns ?? null, renameUp: this.env.renameUp === true, overwrite: opts.overwrite === true,
    });
    executor.prepare?.(ops);
    this.state = 'committing';
    try {
      const report = await commitPlan(ops, {
        txId: this.id, executor, journal: this.env.journal ?? null, ns: current.netns ?? null, base: current, inverses, inversesOnDemand: onDemand,
        ...(this.env.confirm ? { confirm: this.env.confirm } : {}),
        ...(this.env.now ? { now: this.env.now } : {}),
      }, opts);
      this.state = 'committed';
      this.env.committed?.(report);
      return report;
    } catch (e) {
      this.state = 'failed';
      throw e;
    }
  }
}

export function begin(base: TxBase, env: TxEnvironment = {}): Transaction {
  return new Transaction(base, env);
}

/**
 * Runs `fn` on a new transaction: commits when it returns (or resolves), drops when it throws
 * (never commits a transaction whose block failed). Resolves to `fn`'s result.
 */
export async function runTransaction<T>(start: () => Transaction, fn: (tx: Transaction) => T | Promise<T>, opts: TxCommitOptions = {}): Promise<T> {
  const tx = start();
  let result: T;
  try {
    result = await fn(tx);
  } catch (e) {
    tx.drop();
    throw e;
  }
  if (tx.status === 'open') await tx.commit(opts);
  return result;
}
