/**
 * The write-ahead journal of transactions, in SQLite (better-sqlite3), so that a process that dies
 * in the middle of a commit leaves enough behind for the next open to undo it.
 *
 * Everything is written before the matching request is sent, synchronously, one SQLite
 * transaction per batch: the plan with every inverse (begin), then "these may reach the kernel
 * now" (markSent), then what the kernel acknowledged (markDone) and undid (markUndone). The file
 * is in WAL mode with synchronous = FULL: a commit of the journal is on disk when the call returns.
 *
 * Tables (prefixed journal_, beside other components' tables in the same file; versions in
 * schema_versions, see src/store/migrate.ts, component 'journal'):
 *
 *   journal_tx                      one row per transaction
 *     tx_id       TEXT PRIMARY KEY
 *     ns          TEXT              namespace label, NULL for the database's own
 *     state       TEXT NOT NULL     planned | sending | rolling-back |
 *                                   committed | rolled-back | rollback-failed (the last three: finished)
 *     created_at  INTEGER NOT NULL  ms since the epoch
 *     updated_at  INTEGER NOT NULL
 *     detail      TEXT              why it ended as it did (error text), or NULL
 *
 *   journal_op                      one row per forward operation
 *     tx_id       TEXT NOT NULL     → journal_tx (ON DELETE CASCADE)
 *     op_id       TEXT NOT NULL     the operation's id in its plan ('3')
 *     seq         INTEGER NOT NULL  position in the plan, from 0
 *     op          TEXT NOT NULL     JSON of the operation, without its inverse
 *     inverse     TEXT NOT NULL     JSON array of its inverse operations
 *     sent        INTEGER NOT NULL  1 once handed to the socket: it may have reached the kernel
 *     done        INTEGER NOT NULL  1 once the kernel acknowledged it
 *     undone      INTEGER NOT NULL  1 once its inverse was acknowledged
 *     PRIMARY KEY (tx_id, op_id)
 */
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { migrate, type Migration } from '../store/migrate.js';
import { undoSequence, type Operation } from './ops.js';

export const JOURNAL_COMPONENT = 'journal';

export const JOURNAL_MIGRATIONS: readonly Migration[] = [
  `CREATE TABLE journal_tx (
     tx_id TEXT PRIMARY KEY,
     ns TEXT,
     state TEXT NOT NULL CHECK (state IN ('planned', 'sending', 'rolling-back', 'committed', 'rolled-back', 'rollback-failed')),
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     detail TEXT
   );
   CREATE TABLE journal_op (
     tx_id TEXT NOT NULL REFERENCES journal_tx(tx_id) ON DELETE CASCADE,
     op_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     op TEXT NOT NULL,
     inverse TEXT NOT NULL,
     sent INTEGER NOT NULL DEFAULT 0,
     done INTEGER NOT NULL DEFAULT 0,
     undone INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (tx_id, op_id)
   );
   CREATE INDEX journal_tx_open ON journal_tx(state) WHERE state IN ('planned', 'sending', 'rolling-back');`,
];

export type JournalState = 'planned' | 'sending' | 'rolling-back' | 'committed' | 'rolled-back' | 'rollback-failed';
export type JournalOutcome = 'committed' | 'rolled-back' | 'rollback-failed';

export interface JournalOp {
  /** The operation with its inverse. */
  op: Operation;
  sent: boolean;
  done: boolean;
  undone: boolean;
}

export interface UnfinishedTx {
  txId: string;
  ns: string | null;
  state: JournalState;
  createdAt: number;
  ops: JournalOp[];
  /** Operations that may have reached the kernel and were not undone: sent, not undone. */
  maybeApplied: Operation[];
}

export interface JournalOptions {
  now?: () => number;
}

interface TxRow { tx_id: string; ns: string | null; state: JournalState; created_at: number }
interface OpRow { op_id: string; op: string; inverse: string; sent: number; done: number; undone: number }

export class Journal {
  private readonly now: () => number;
  private readonly stmt;

  /** Uses an open connection (shared with other components of the same file). */
  constructor(readonly db: Database, opts: JournalOptions = {}) {
    this.now = opts.now ?? Date.now;
    db.pragma('foreign_keys = ON');
    migrate(db, JOURNAL_COMPONENT, JOURNAL_MIGRATIONS, this.now);
    this.stmt = {
      insertTx: db.prepare('INSERT INTO journal_tx (tx_id, ns, state, created_at, updated_at) VALUES (?, ?, \'planned\', ?, ?)'),
      insertOp: db.prepare('INSERT INTO journal_op (tx_id, op_id, seq, op, inverse) VALUES (?, ?, ?, ?, ?)'),
      setState: db.prepare('UPDATE journal_tx SET state = ?, updated_at = ?, detail = COALESCE(?, detail) WHERE tx_id = ?'),
      sent: db.prepare('UPDATE journal_op SET sent = 1 WHERE tx_id = ? AND op_id = ?'),
      done: db.prepare('UPDATE journal_op SET sent = 1, done = 1 WHERE tx_id = ? AND op_id = ?'),
      undone: db.prepare('UPDATE journal_op SET undone = 1 WHERE tx_id = ? AND op_id = ?'),
      open: db.prepare("SELECT tx_id, ns, state, created_at FROM journal_tx WHERE state IN ('planned', 'sending', 'rolling-back') ORDER BY created_at, tx_id"),
      one: db.prepare('SELECT tx_id, ns, state, created_at FROM journal_tx WHERE tx_id = ?'),
      ops: db.prepare('SELECT op_id, op, inverse, sent, done, undone FROM journal_op WHERE tx_id = ? ORDER BY seq'),
      prune: db.prepare("DELETE FROM journal_tx WHERE state IN ('committed', 'rolled-back', 'rollback-failed') AND updated_at < ?"),
    };
  }

  /** Opens (or creates) the journal file: WAL, synchronous FULL, schema migrated. */
  static open(path: string, opts: JournalOptions = {}): Journal {
    const db = new BetterSqlite3(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    return new Journal(db, opts);
  }

  /** Records a transaction's plan, with every inverse, before any of it is sent. */
  begin(txId: string, ns: string | null, plan: readonly Operation[]): void {
    const t = this.now();
    this.db.transaction(() => {
      this.stmt.insertTx.run(txId, ns, t, t);
      plan.forEach((op, seq) => {
        const { inverse, ...rest } = op;
        this.stmt.insertOp.run(txId, op.id, seq, JSON.stringify(rest), JSON.stringify(inverse));
      });
    }).immediate();
  }

  private batch(txId: string, state: JournalState | null, ids: readonly string[], stmt: BetterSqlite3.Statement): void {
    const t = this.now();
    this.db.transaction(() => {
      for (const id of ids) stmt.run(txId, id);
      if (state) this.stmt.setState.run(state, t, null, txId);
    }).immediate();
  }

  /** These operations are about to be sent: from now on they may reach the kernel. */
  markSent(txId: string, opIds: readonly string[]): void {
    this.batch(txId, 'sending', opIds, this.stmt.sent);
  }

  /** The kernel acknowledged these operations. */
  markDone(txId: string, opIds: string | readonly string[]): void {
    this.batch(txId, null, typeof opIds === 'string' ? [opIds] : opIds, this.stmt.done);
  }

  /** The rollback starts: the inverses are about to be sent. */
  markRollingBack(txId: string): void {
    this.batch(txId, 'rolling-back', [], this.stmt.undone);
  }

  /** The inverses of these operations were acknowledged. */
  markUndone(txId: string, opIds: readonly string[]): void {
    this.batch(txId, null, opIds, this.stmt.undone);
  }

  finish(txId: string, outcome: JournalOutcome, detail?: string): void {
    this.stmt.setState.run(outcome, this.now(), detail ?? null, txId);
  }

  private load(row: TxRow): UnfinishedTx {
    const ops = (this.stmt.ops.all(row.tx_id) as OpRow[]).map((r): JournalOp => ({
      op: { ...(JSON.parse(r.op) as Operation), inverse: JSON.parse(r.inverse) as Operation[] },
      sent: r.sent === 1,
      done: r.done === 1,
      undone: r.undone === 1,
    }));
    return {
      txId: row.tx_id, ns: row.ns, state: row.state, createdAt: row.created_at, ops,
      maybeApplied: ops.filter((o) => o.sent && !o.undone).map((o) => o.op),
    };
  }

  /** Transactions that never finished (the process died), oldest first, with what may have applied. */
  unfinished(): UnfinishedTx[] {
    return (this.stmt.open.all() as TxRow[]).map((r) => this.load(r));
  }

  get(txId: string): UnfinishedTx | undefined {
    const row = this.stmt.one.get(txId) as TxRow | undefined;
    return row ? this.load(row) : undefined;
  }

  /** Forgets finished transactions last updated before `before` (ms since the epoch). */
  prune(before: number): number {
    return this.stmt.prune.run(before).changes;
  }

  close(): void {
    this.db.close();
  }
}

/**
 * What undoes an unfinished transaction: the inverses of every operation that may have reached
 * the kernel and was not undone, latest first. Every one of them tolerates finding its work
 * already done (or never needed): the journal cannot know how far the kernel got.
 */
export function recoveryPlan(tx: UnfinishedTx): Operation[] {
  const pending = new Set(tx.maybeApplied.map((o) => o.id));
  return undoSequence(tx.ops.map((o) => o.op), (op) => (pending.has(op.id) ? 'maybe' : 'no'));
}
