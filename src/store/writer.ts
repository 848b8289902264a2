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
 * main thread. The one thing it does beyond running SQL is filling tables from checkpoint parts
 * (FillOp, for fill.ts): it reads a part from the file, decodes it with codec.ts's decodePart
 * (handed to it as source text), keeps its records with the keys the main thread sent, and later
 * writes them in key order, a chunk per job; so filling the state tables costs the main thread
 * nothing but listing the keys. The worker's code is a string evaluated by `new Worker(...,
 * { eval: true })` so that it runs unchanged from the TypeScript sources under test and from the
 * built package (a worker cannot load a .ts file); keep it this small.
 *
 * Reads do not come here: the main thread reads with its own connection (WAL lets readers and the
 * writer proceed together) after awaiting the jobs it depends on.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { decodePart } from './codec.js';
import { StoreClosedError, StoreWriteError } from './errors.js';

/**
 * Operations for filling a table from checkpoint parts, in key order. WHY in key order: rows
 * written in random key order, a few thousand per transaction, dirty most pages of the key index
 * in every transaction (measured: 1.9 s for 110,000 routes, against 0.5 s in key order). WHY kept
 * in the worker's memory (about 300 bytes a record until written): staged in a TEMP table instead,
 * the same fill took 1.6 to 2.1 s.
 * - stage: `sql[from]` run with `args` selects one row whose first column is a part; its records,
 *   paired in order with `keys`, are kept under the name `stage`.
 * - drain: the next `count` records kept under `drain`, in key order (sorted at the first drain),
 *   each written by `sql[into]` run with (...prefix, key, the record as JSON); forgotten when all
 *   are written.
 * - forget: what is kept under every name starting with `forget` is dropped.
 */
export type FillOp =
  | { readonly stage: string; readonly from: number; readonly args: readonly unknown[]; readonly keys: readonly string[] }
  | { readonly drain: string; readonly into: number; readonly prefix: readonly unknown[]; readonly count: number }
  | { readonly forget: string };

/** One job: SQL texts, and operations `[index into sql, ...params]` (params may be one object of named values) or fill operations. */
export interface Job {
  readonly what: string;
  readonly sql: readonly string[];
  readonly ops: readonly (readonly unknown[] | FillOp)[];
}

/** Rows changed, per SQL text of the job. */
export type JobResult = number[];

const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const decode = new Function('return (' + workerData.decoder + ')')();
const fail = (e) => ({ message: String(e && e.message || e), code: e && e.code, name: e && e.name });
let db;
try {
  db = new Database(workerData.path);
  for (const p of workerData.pragmas) db.pragma(p);
} catch (e) {
  parentPort.postMessage({ id: 0, error: fail(e) });
}
const cache = new Map();
// records kept for a fill (FillOp), by name
const staged = new Map();
const prepare = (sql) => {
  let s = cache.get(sql);
  if (s === undefined) { s = db.prepare(sql); cache.set(sql, s); }
  return s;
};
const run = db && db.transaction((job) => {
  // prepared on first use: a job may create a table that its later statements use
  const stmts = job.sql.map(() => undefined);
  const changes = job.sql.map(() => 0);
  const stmt = (i) => stmts[i] || (stmts[i] = prepare(job.sql[i]));
  for (const op of job.ops) {
    if (Array.isArray(op)) {
      changes[op[0]] += stmt(op[0]).run(...op.slice(1)).changes;
      continue;
    }
    if (op.stage !== undefined) {
      const row = stmt(op.from).get(...op.args);
      if (row === undefined) throw new Error('fill: no such checkpoint part');
      const records = decode(Object.values(row)[0]);
      const keys = op.keys;
      if (records.length !== keys.length) throw new Error('fill: ' + records.length + ' records, ' + keys.length + ' keys');
      let s = staged.get(op.stage);
      if (s === undefined) staged.set(op.stage, (s = { keys: [], records: [], order: null, next: 0 }));
      for (let i = 0; i < keys.length; i++) { s.keys.push(keys[i]); s.records.push(records[i]); }
    } else if (op.drain !== undefined) {
      const s = staged.get(op.drain);
      if (s === undefined) continue;
      const k = s.keys;
      if (s.order === null) s.order = Array.from(k.keys()).sort((a, b) => (k[a] < k[b] ? -1 : k[a] > k[b] ? 1 : 0));
      const ins = stmt(op.into);
      const end = Math.min(s.order.length, s.next + op.count);
      for (; s.next < end; s.next++) {
        const i = s.order[s.next];
        changes[op.into] += ins.run(...op.prefix, k[i], JSON.stringify(s.records[i])).changes;
        s.records[i] = null;
      }
      if (s.next >= s.order.length) staged.delete(op.drain);
    } else {
      for (const name of [...staged.keys()]) if (name.startsWith(op.forget)) staged.delete(name);
    }
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
    // The worker's code is CommonJS: a program run with --input-type=module (node -e) would hand
    // that flag down and make it an ES module, where `require` does not exist.
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
    this.worker = new Worker(WORKER_SOURCE, { eval: true, execArgv, workerData: { path, pragmas, driver, decoder: decodePart.toString() } });
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
