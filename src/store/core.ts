/**
 * What every part of a store shares: the file's main-thread connection (reads only), the writer
 * thread (all writes, in order), the clock, the options, and where unawaited failures go.
 *
 * The clock never goes backwards within a file: a change is stamped max(now, last stamp), the last
 * stamp starting from the newest time already in the file. History is then ordered the same way by
 * time and by id, which `at()` and retention rely on (a wall clock stepped back by NTP would
 * otherwise make a later change look older than an earlier one).
 */
import BetterSqlite3, { type Database as SqliteDb } from 'better-sqlite3';
import { Emitter } from '../util/emitter.js';
import { migrate } from './migrate.js';
import { STORE_COMPONENT, STORE_MIGRATIONS } from './schema.js';
import { WriterThread, type Job, type JobResult } from './writer.js';

export interface RetentionOptions {
  /** Remove history rows older than this (ms). */
  maxAgeMs?: number;
  /** Keep at most this many history rows per namespace. */
  maxRows?: number;
  /** Rows removed per writer transaction, at most (default 2,000): pruning never holds the file long. */
  chunk?: number;
  /** How often to look for rows to prune when nothing is being written (default 1,000 ms). */
  intervalMs?: number;
}

export interface StoreOptions {
  retention?: RetentionOptions;
  /** A batch is written as soon as this many changes wait (default 2,000). */
  batchSize?: number;
  /**
   * Changes per write transaction, at most (default 10,000). While the writer is busy, waiting
   * changes gather into one bigger batch: under a storm, fewer and larger transactions write
   * faster (each random-keyed insert dirties index pages that the next ones then share). Bounded
   * because another connection writing the file (the journal) waits for the lock meanwhile.
   */
  maxBatch?: number;
  /** How long a change may wait for its batch to fill (default 50 ms). */
  flushMs?: number;
  /** The clock (ms since the epoch); tests pass a fake one. */
  now?: () => number;
}

/** Pragmas for every connection that writes: WAL, and a commit is durable at the next checkpoint. */
export const WRITE_PRAGMAS: readonly string[] = ['journal_mode = WAL', 'synchronous = NORMAL', 'busy_timeout = 5000', 'temp_store = MEMORY'];

export class StoreCore {
  readonly reader: SqliteDb;
  readonly writer: WriterThread;
  /** Failures nobody awaits (an Emitter: the store loads rxjs only when `errors$` is read). */
  readonly errors = new Emitter<Error>();
  readonly batchSize: number;
  readonly maxBatch: number;
  readonly flushMs: number;
  private readonly now: () => number;
  private last: number;
  private fills = 0;
  closed = false;

  constructor(readonly path: string, readonly options: StoreOptions) {
    this.batchSize = Math.max(1, options.batchSize ?? 2000);
    this.maxBatch = Math.max(this.batchSize, options.maxBatch ?? 10_000);
    this.flushMs = options.flushMs ?? 50;
    this.now = options.now ?? Date.now;
    // This connection creates and migrates the file, then only reads (query_only). It stays open
    // for the store's life: while one connection is open the WAL and its index stay in place, so
    // read-only connections (query.ts) can open beside it.
    const db = new BetterSqlite3(path);
    try {
      for (const p of WRITE_PRAGMAS) db.pragma(p);
      migrate(db, STORE_COMPONENT, STORE_MIGRATIONS, this.now);
      db.pragma('query_only = ON');
      const newest = db.prepare('SELECT max(coalesce((SELECT max(time) FROM history), 0), coalesce((SELECT max(time) FROM checkpoints), 0)) AS t').get() as { t: number };
      this.last = newest.t;
    } catch (e) {
      db.close();
      throw e;
    }
    this.reader = db;
    this.writer = new WriterThread(path, WRITE_PRAGMAS, (e) => this.errors.next(e));
  }

  /** A time stamp: now, or the last one given if the clock went back. */
  tick(): number {
    const t = this.now();
    if (t > this.last) this.last = t;
    return this.last;
  }

  /** A number for a fill of the state tables, unique in this store (fill.ts). */
  nextFill(): number {
    return ++this.fills;
  }

  /**
   * Runs a job. `report`: also send a failure to `errors` (for the jobs nobody awaits, such as
   * history batches); an explicit operation leaves it to its caller.
   */
  run(job: Job, report = true): Promise<JobResult> {
    const p = this.writer.run(job);
    if (report) p.catch((e: unknown) => this.errors.next(e as Error));
    return p;
  }

  /** Resolves once every job posted so far has been committed (or failed). */
  async barrier(): Promise<void> {
    await this.writer.run({ what: 'barrier', sql: [], ops: [] });
  }
}
