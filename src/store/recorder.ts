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
 * Attaching writes a baseline first: the database's state at that moment, saved as the namespace's
 * automatic checkpoint (parts.ts: compact parts, one encoded per turn of the event loop, the first
 * written while the next is encoded). Changes that arrive meanwhile wait in the buffer and are
 * posted after the baseline: the writer runs jobs in order, so the history that follows a baseline
 * starts exactly where it ends. The current-state tables are then filled from the baseline in the
 * background (fill.ts); until that is done, batches write history only and the fill's last step
 * replays them into the tables. A user's checkpoint of the live state goes the same way, without
 * the fill.
 */
import type { Observable } from 'rxjs';
import { KINDS, type AnyChange, type DbSnapshot } from '../db/types.js';
import type { RecordKind } from '../iproute/records.js';
import type { Listener, Unsubscribable } from '../util/emitter.js';
import type { StoreCore } from './core.js';
import type { TableFill } from './fill.js';
import { keysOfPlan, saveState, tablesOfSnapshot } from './parts.js';
import { STATE_TABLES } from './state-tables.js';
import type { Job } from './writer.js';

/** What can be recorded: `Database` from src/db is one. */
export interface Recordable {
  readonly state: { readonly snapshot: DbSnapshot };
  readonly changes$: Observable<AnyChange>;
  /**
   * The same changes, listened to without rxjs (Database has it): used instead of `changes$`
   * when present, so that recording does not load rxjs (~50 ms) into a program that never asked for it.
   */
  listenChanges?(listener: Partial<Listener<AnyChange>>): Unsubscribable;
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

/**
 * The SQL of a history batch: op [0] history row, [1 + kind] upsert, [6 + kind] delete, [11] row
 * count. (While the state tables are being filled, the upserts and deletes are left out.)
 */
const BATCH_SQL: readonly string[] = [
  'INSERT INTO history (ns, time, kind, key, op, origin, txid, reason, fields, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ...UPSERT,
  ...DELETE,
  'UPDATE namespaces SET rows = rows + ? WHERE ns = ?',
];
const COUNT_OP = 1 + 2 * KINDS.length;

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
  private sub: Unsubscribable | null = null;
  /** While a baseline or checkpoint is being posted, batches wait. */
  private held = false;
  /** The baseline and checkpoints being posted, one after the other. */
  private saving: Promise<void> = Promise.resolve();
  /** History batches posted and not yet committed. */
  private writing = 0;
  private readonly posted = new Set<Promise<unknown>>();
  private txidOf: (c: AnyChange) => string | null = defaultTxid;
  private attachedTo: Recordable | null = null;
  private readonly counts = { changes: 0, batches: 0, largestBatch: 0 };

  /**
   * @param fill the namespace's state-table fill (batches leave the tables to it while it runs)
   * @param onWritten called after each history batch is committed (retention looks then)
   */
  constructor(private readonly core: StoreCore, readonly ns: string, private readonly fill: TableFill, private readonly onWritten: () => void) {}

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
    // A fill resumed from an earlier session's baseline is of no use any more.
    this.fill.stop();
    const listener = {
      next: (c: AnyChange) => this.push(c),
      complete: () => void this.detach().catch((e: unknown) => this.core.errors.next(e as Error)),
    };
    this.sub = db.listenChanges ? db.listenChanges(listener) : db.changes$.subscribe(listener);
    this.saving = this.writeBaseline(snapshot, time).catch((e: unknown) => this.core.errors.next(e as Error));
  }

  /**
   * Saves the attached database's live state as checkpoint `name` (after the baseline and any
   * checkpoint under way), at the history position of the changes recorded so far. Resolves once
   * it is committed.
   */
  saveCheckpoint(name: string): Promise<void> {
    const p = this.saving.then(() => this.writeCheckpoint(name));
    this.saving = p.then(() => undefined, () => undefined);
    return p;
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
    await this.saving;
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
    const tables = !this.fill.active;
    for (const { time, change: c, txid } of batch) {
      const before = c.before === undefined ? null : JSON.stringify(c.before);
      const after = c.after === undefined ? null : JSON.stringify(c.after);
      const fields = c.fields ? JSON.stringify(c.fields) : null;
      ops.push([0, ns, time, c.kind, c.key, c.op, c.origin, txid, c.reason ?? null, fields, before, after]);
      if (!tables) continue;
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
      // A random tag keeps two baselines of one millisecond (two attaches) apart. Math.random is
      // enough for that (nothing to keep secret), and spares loading node:crypto (3-4 ms).
      const tag = Math.floor(Math.random() * 0x1000000).toString(16).padStart(6, '0');
      const name = `@attach ${new Date(time).toISOString()} ${tag}`;
      const saved = await saveState(this.core, ns, name, time, tablesOfSnapshot(snapshot), { auto: true, positioned: true, fill: true, report: true });
      this.track(saved.done);
      // Before batches flow again: they are to leave the tables to the fill.
      this.fill.start(name, saved.plans.map((p) => ({ kind: p.kind, part: p.part, count: p.count, keys: () => keysOfPlan(p) })));
    } finally {
      this.held = false;
      this.schedule();
    }
  }

  private async writeCheckpoint(name: string): Promise<void> {
    const db = this.attachedTo;
    if (!db) throw new Error(`namespace '${this.ns}' has no database attached`);
    // In one synchronous step: post what is buffered, stamp the time, take the snapshot. Every
    // change stamped up to that time is then in the checkpoint, every later one after it.
    this.cut(true);
    const time = this.core.tick();
    const snapshot = db.state.snapshot;
    this.held = true;
    const saved = saveState(this.core, this.ns, name, time, tablesOfSnapshot(snapshot), { auto: false, positioned: true, fill: false, report: false });
    try {
      await saved;
    } finally {
      this.held = false;
      this.schedule();
    }
    const { done } = await saved;
    this.track(done);
    await done;
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch(() => undefined); // reported by the core; here we only wait for it
    this.posted.add(q);
    void q.then(() => this.posted.delete(q));
  }
}
