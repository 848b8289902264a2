/**
 * Recording one namespace's database: every change from `changes$` becomes a history row and an
 * upsert (or delete) in the current-state tables, written in batches by the writer thread.
 *
 * The event path does as little as it can: a change is stamped with the time and pushed onto a
 * buffer. A batch is cut when `batchSize` changes are waiting (on the next turn of the event loop,
 * never inside the database's publish) or `flushMs` after the first change waited; cutting
 * serialises the batch (JSON) and posts it; the writer thread commits it as one transaction. One
 * batch is in the writer's hands at a time: what arrives meanwhile gathers into the next one (up to
 * `maxBatch`), so a storm is written in a few large transactions. A process killed meanwhile loses
 * what was buffered or posted and not yet committed: the last batch.
 *
 * Attaching writes a baseline first: the database's state at that moment replaces the namespace's
 * current-state rows, and an automatic checkpoint of it is taken. The records go in key order
 * (sorted here: inserting 100,000 routes in key order costs the writer half of what hash order
 * does), in slices serialised between turns of the event loop. Changes that arrive meanwhile wait
 * in the buffer and are posted after the baseline: the writer runs jobs in order, so the history
 * that follows a baseline starts exactly where it ends.
 */
import { randomBytes } from 'node:crypto';
import type { Observable, Subscription } from 'rxjs';
import { tableEntries } from '../db/table.js';
import { KINDS, type AnyChange, type DbSnapshot, type Table } from '../db/types.js';
import type { RecordKind } from '../iproute/records.js';
import { checkpointFromCurrentJob } from './checkpoints.js';
import type { StoreCore } from './core.js';
import { STATE_TABLES } from './state-tables.js';
import type { Job } from './writer.js';

/** What can be recorded: `Database` from src/db is one. */
export interface Recordable {
  readonly state: { readonly snapshot: DbSnapshot };
  readonly changes$: Observable<AnyChange>;
}

export interface AttachOptions {
  /**
   * The transaction id of a change, for the history's txid column. By default a `txid` property
   * on the change itself (origin 'commit' changes carry it once the database sets one).
   */
  txidOf?: (change: AnyChange) => string | null | undefined;
}

export interface RecorderStats {
  /** Changes posted to the writer. */
  readonly changes: number;
  /** Batches (write transactions) they were posted in. */
  readonly batches: number;
  readonly largestBatch: number;
  /** Changes waiting for their batch. */
  readonly buffered: number;
}

interface Entry {
  readonly time: number;
  readonly change: AnyChange;
  readonly txid: string | null;
}

const KIND_INDEX: { readonly [K in RecordKind]: number } = { interface: 0, address: 1, route: 2, rule: 3, neighbour: 4 };

const UPSERT = KINDS.map((k) =>
  `INSERT INTO ${STATE_TABLES[k].table} (ns, key, record) VALUES (?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET record = excluded.record`);
const DELETE = KINDS.map((k) => `DELETE FROM ${STATE_TABLES[k].table} WHERE ns = ? AND key = ?`);

/** The SQL of a history batch: op [0] history row, [1 + kind] upsert, [6 + kind] delete, [11] row count. */
const BATCH_SQL: readonly string[] = [
  'INSERT INTO history (ns, time, kind, key, op, origin, txid, reason, fields, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ...UPSERT,
  ...DELETE,
  'UPDATE namespaces SET rows = rows + ? WHERE ns = ?',
];
const COUNT_OP = 1 + 2 * KINDS.length;

/** Records per baseline job: a slice serialised between two turns of the event loop. */
const BASELINE_SLICE = 5000;

const defaultTxid = (c: AnyChange): string | null => {
  const t = (c as { txid?: unknown }).txid;
  return typeof t === 'string' ? t : null;
};

export function ensureNamespaceJob(ns: string, time: number): Job {
  return { what: `namespace ${ns}`, sql: ['INSERT INTO namespaces (ns, created_at) VALUES (?, ?) ON CONFLICT (ns) DO NOTHING'], ops: [[0, ns, time]] };
}

export class Recorder {
  private buffer: Entry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private sub: Subscription | null = null;
  /** While the baseline is being posted, batches wait. */
  private held = false;
  private baseline: Promise<void> = Promise.resolve();
  /** History batches posted and not yet committed. */
  private writing = 0;
  private readonly posted = new Set<Promise<unknown>>();
  private txidOf: (c: AnyChange) => string | null = defaultTxid;
  private attachedTo: Recordable | null = null;
  private readonly counts = { changes: 0, batches: 0, largestBatch: 0 };

  /** @param onWritten called after each history batch is committed (retention looks then) */
  constructor(private readonly core: StoreCore, readonly ns: string, private readonly onWritten: () => void) {}

  get attached(): Recordable | null {
    return this.attachedTo;
  }

  /** Changes recorded and batches posted so far by this handle, and what waits in the buffer. */
  stats(): RecorderStats {
    return { ...this.counts, buffered: this.buffer.length };
  }

  attach(db: Recordable, options: AttachOptions = {}): void {
    if (this.attachedTo) throw new Error(`namespace '${this.ns}' already has a database attached`);
    this.attachedTo = db;
    const custom = options.txidOf;
    this.txidOf = custom ? (c) => custom(c) ?? null : defaultTxid;
    // The snapshot is frozen: read now, written over the next turns; every later change comes
    // through the subscription made in the same synchronous step, so none falls in between.
    const snapshot = db.state.snapshot;
    const time = this.core.tick();
    this.held = true;
    this.sub = db.changes$.subscribe({
      next: (c) => this.push(c),
      complete: () => void this.detach().catch((e: unknown) => this.core.errors.next(e as Error)),
    });
    this.baseline = this.writeBaseline(snapshot, time);
  }

  /** Stops recording: posts what is buffered and waits until it is written. */
  async detach(): Promise<void> {
    this.sub?.unsubscribe();
    this.sub = null;
    this.attachedTo = null;
    await this.flush();
  }

  /** Posts everything buffered and waits for everything this recorder posted. */
  async flush(): Promise<void> {
    await this.baseline;
    this.cut(true);
    await Promise.allSettled([...this.posted]);
  }

  private push(c: AnyChange): void {
    this.buffer.push({ time: this.core.tick(), change: c, txid: this.txidOf(c) });
    this.schedule();
  }

  private schedule(): void {
    // While a batch is being written, the next one gathers; its completion schedules again.
    if (this.held || this.buffer.length === 0 || this.writing > 0) return;
    if (this.buffer.length >= this.core.batchSize) {
      this.immediate ??= setImmediate(() => this.cut());
    } else {
      this.timer ??= setTimeout(() => this.cut(), this.core.flushMs);
    }
  }

  /**
   * Posts the buffer as a batch of at most `maxBatch` changes, unless one is being written.
   * `all`: posts everything now, in as many batches as it takes (flush, checkpoints).
   */
  cut(all = false): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    if (this.held || (!all && this.writing > 0)) return;
    const size = this.core.maxBatch;
    while (this.buffer.length > 0) {
      const batch = this.buffer.length <= size ? this.buffer : this.buffer.slice(0, size);
      this.buffer = this.buffer.length <= size ? [] : this.buffer.slice(size);
      this.counts.changes += batch.length;
      this.counts.batches++;
      this.counts.largestBatch = Math.max(this.counts.largestBatch, batch.length);
      this.writing++;
      this.track(this.core.run(this.batchJob(batch)).finally(() => {
        this.writing--;
        this.onWritten();
        this.schedule();
      }));
      if (!all) break;
    }
  }

  private batchJob(batch: readonly Entry[]): Job {
    const ns = this.ns;
    const ops: unknown[][] = [];
    for (const { time, change: c, txid } of batch) {
      const before = c.before === undefined ? null : JSON.stringify(c.before);
      const after = c.after === undefined ? null : JSON.stringify(c.after);
      const fields = c.fields ? JSON.stringify(c.fields) : null;
      ops.push([0, ns, time, c.kind, c.key, c.op, c.origin, txid, c.reason ?? null, fields, before, after]);
      const k = KIND_INDEX[c.kind];
      ops.push(after !== null ? [1 + k, ns, c.key, after] : [1 + KINDS.length + k, ns, c.key]);
    }
    ops.push([COUNT_OP, batch.length, ns]);
    return { what: `history of ${ns}`, sql: BATCH_SQL, ops };
  }

  private async writeBaseline(snapshot: DbSnapshot, time: number): Promise<void> {
    const ns = this.ns;
    try {
      this.track(this.core.run(ensureNamespaceJob(ns, time)));
      this.track(this.core.run({ what: `reset ${ns}`, sql: DELETE.map((d) => d.replace(' AND key = ?', '')), ops: KINDS.map((_, i) => [i, ns]) }));
      for (const kind of KINDS) {
        const k = KIND_INDEX[kind];
        const entries = [...tableEntries(snapshot.tables[kind] as Table<unknown>)];
        entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        for (let i = 0; i < entries.length; i += BASELINE_SLICE) {
          const ops = entries.slice(i, i + BASELINE_SLICE).map(([key, record]) => [k, ns, key, JSON.stringify(record)]);
          this.track(this.core.run({ what: `baseline of ${ns}`, sql: UPSERT, ops }));
          await new Promise<void>((r) => setImmediate(r));
        }
      }
      // A random tag keeps two baselines of one millisecond (two attaches) apart.
      const name = `@attach ${new Date(time).toISOString()} ${randomBytes(3).toString('hex')}`;
      this.track(this.core.run(checkpointFromCurrentJob(ns, name, time, true)));
    } finally {
      this.held = false;
      this.schedule();
    }
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch(() => undefined); // reported by the core; here we only wait for it
    this.posted.add(q);
    void q.then(() => this.posted.delete(q));
  }
}
