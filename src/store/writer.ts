/**
 * The writer thread: every write to the store runs in a worker thread, one SQLite transaction per
 * job, in the order the jobs were posted. WHY a thread: better-sqlite3 is synchronous, and writing
 * a 100,000-change storm costs several microseconds per row in SQLite; on the event path that would
 * nearly double the cost of applying the storm (and of opening a big database). Here the event
 * path only serialises the rows (JSON) and posts them; SQLite runs beside it.
 *
 * The worker knows nothing of nldb: a job is a list of SQL texts and a list of operations, each
 * `[sqlIndex, ...params]`, run in order inside BEGIN IMMEDIATE ... COMMIT. It answers with how many
 * rows each SQL text changed in total. Everything that decides WHAT to write stays typed, on the
 * main thread. The worker's code is a string evaluated by `new Worker(..., { eval: true })` so that
 * it runs unchanged from the TypeScript sources under test and from the built package (a worker
 * cannot load a .ts file); keep it this small.
 *
 * Reads do not come here: the main thread reads with its own connection (WAL lets readers and the
 * writer proceed together) after awaiting the jobs it depends on.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { StoreClosedError, StoreWriteError } from './errors.js';

/** One job: SQL texts, and operations `[index into sql, ...params]` (params may be one object of named values). */
export interface Job {
  readonly what: string;
  readonly sql: readonly string[];
  readonly ops: readonly (readonly unknown[])[];
}

/** Rows changed, per SQL text of the job. */
export type JobResult = number[];

const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const fail = (e) => ({ message: String(e && e.message || e), code: e && e.code, name: e && e.name });
let db;
try {
  db = new Database(workerData.path);
  for (const p of workerData.pragmas) db.pragma(p);
} catch (e) {
  parentPort.postMessage({ id: 0, error: fail(e) });
}
const cache = new Map();
const prepare = (sql) => {
  let s = cache.get(sql);
  if (s === undefined) { s = db.prepare(sql); cache.set(sql, s); }
  return s;
};
const run = db && db.transaction((job) => {
  // prepared on first use: a job may create a table that its later statements use
  const stmts = job.sql.map(() => undefined);
  const changes = job.sql.map(() => 0);
  for (const op of job.ops) {
    const i = op[0];
    const stmt = stmts[i] || (stmts[i] = prepare(job.sql[i]));
    changes[i] += stmt.run(...op.slice(1)).changes;
  }
  return changes;
});
parentPort.on('message', (msg) => {
  if (msg.close) {
    try { if (db) db.close(); parentPort.postMessage({ id: msg.id, result: [] }); }
    catch (e) { parentPort.postMessage({ id: msg.id, error: fail(e) }); }
    parentPort.close();
    return;
  }
  if (!db) { parentPort.postMessage({ id: msg.id, error: { message: 'the store could not be opened' } }); return; }
  try { parentPort.postMessage({ id: msg.id, result: run.immediate(msg.job) }); }
  catch (e) { parentPort.postMessage({ id: msg.id, error: fail(e) }); }
});
`;

interface Reply {
  id: number;
  result?: JobResult;
  error?: { message: string; code?: string; name?: string };
}

interface Pending {
  what: string;
  resolve: (r: JobResult) => void;
  reject: (e: Error) => void;
}

export class WriterThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private fatal: Error | null = null;

  /**
   * @param path the SQLite file (already created and migrated)
   * @param pragmas run on the worker's connection when it opens
   * @param onError failures nobody awaits (the worker dying, a failed open)
   */
  constructor(path: string, pragmas: readonly string[], private readonly onError: (e: Error) => void) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, pragmas, driver } });
    // Idle, the thread must not keep the process alive; while a job runs it must (see post).
    this.worker.unref();
    this.worker.on('message', (m: Reply) => this.onReply(m));
    this.worker.on('error', (e) => this.die(new StoreWriteError('writer thread', undefined, { cause: e })));
    this.worker.on('exit', (code) => {
      if (!this.closed) this.die(new StoreWriteError('writer thread', undefined, { cause: new Error(`writer thread exited (${code})`) }));
    });
  }

  /** Jobs posted and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Runs a job in one transaction, after every job posted before it. */
  run(job: Job): Promise<JobResult> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    if (this.fatal) return Promise.reject(this.fatal);
    const id = this.nextId++;
    return new Promise<JobResult>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { what: job.what, resolve, reject });
      this.worker.postMessage({ id, job: { sql: job.sql, ops: job.ops } });
    });
  }

  /** Waits for every job posted so far, closes the worker's connection and ends the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    const id = this.nextId++;
    const done = this.fatal
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          if (this.pending.size === 0) this.worker.ref();
          this.pending.set(id, { what: 'close', resolve: () => resolve(), reject });
          this.worker.postMessage({ id, close: true });
        });
    this.closed = true;
    try {
      await done;
    } finally {
      await this.worker.terminate();
    }
  }

  private onReply(m: Reply): void {
    if (m.id === 0 && m.error) {
      this.die(this.toError('open', m.error));
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker.unref();
    if (m.error) p.reject(this.toError(p.what, m.error));
    else p.resolve(m.result ?? []);
  }

  private toError(what: string, e: NonNullable<Reply['error']>): StoreWriteError {
    const cause = Object.assign(new Error(e.message), { code: e.code, name: e.name ?? 'Error' });
    return new StoreWriteError(what, e.code, { cause });
  }

  private die(e: Error): void {
    if (this.fatal) return;
    this.fatal = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    this.onError(e);
  }
}
