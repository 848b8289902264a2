/**
 * The store: one SQLite file holding, per labelled namespace, the history of every change its
 * database saw, checkpoints, and current-state tables for SQL (the transaction journal lives in the
 * same file, under its own tables).
 *
 *   const store = Store.open('state.sqlite', { retention: { maxAgeMs: 7 * 864e5 } });
 *   const ns = store.attach(db, 'default');          // records db.changes$ from now on
 *   await ns.history({ since: Date.now() - 60_000, kind: 'route' });
 *   await ns.at(someTime);                            // the snapshot as it was then
 *   await ns.checkpoint('before-upgrade');
 *   await ns.diff('before-upgrade', 'now');
 *   await ns.query('SELECT r.dst, i.ifname FROM routes r JOIN interfaces i ON i.ifindex = r.oif');
 *   await store.close();
 *
 * Writes happen in a writer thread (writer.ts), in batches (recorder.ts), so every read first
 * waits for the writes it depends on: that is why reads are async. The current-state tables that
 * SQL reads are filled in the background after a database is attached (fill.ts): `query()` waits
 * for that too.
 */
import type { Observable } from 'rxjs';
import type { PlainSnapshot } from '../db/types.js';
import {
  deleteCheckpointJob, diffMaps, findCheckpoint, listCheckpoints, type CheckpointInfo, type SnapshotDiff,
} from './checkpoints.js';
import { StoreCore, type StoreOptions } from './core.js';
import { CheckpointExistsError, CheckpointNotFoundError, HistoryRangeError, StoreClosedError } from './errors.js';
import { TableFill } from './fill.js';
import { mapsAt, ms, readHistory, type HistoryEntry, type HistoryFilter, type TimeLike } from './history.js';
import { emptyMaps, mapsOfPlain, mapsOfSnapshot, plainOfMaps, type ObjectMaps } from './maps.js';
import { loadCheckpoint, saveState, tablesOfMaps } from './parts.js';
import { QueryConnection, type QueryParams } from './query.js';
import { ensureNamespaceJob, Recorder, type AttachOptions, type Recordable, type RecorderStats } from './recorder.js';
import { Retention } from './retention.js';

export const DEFAULT_LABEL = 'default';

/** One side of a diff: a checkpoint's name, 'now' (the live state), or a moment in history. */
export type DiffSide = string | Date | number;

/** What `restorePlan` returns: where to go, and the way there from now. */
export interface RestorePlan {
  readonly checkpoint: CheckpointInfo;
  /** The checkpoint's state. */
  readonly target: PlainSnapshot;
  /** From the live state to the target: `added` objects to create, `removed` to delete, `changed` to set back. */
  readonly diff: SnapshotDiff;
}

export interface CheckpointOptions {
  /** Overwrite a checkpoint of the same name (default: CheckpointExistsError). */
  replace?: boolean;
}

export class Store {
  private readonly core: StoreCore;
  private readonly retention: Retention;
  private readonly handles = new Map<string, NamespaceStore>();
  private queryDb: QueryConnection | null = null;
  private closing: Promise<void> | null = null;

  private constructor(readonly path: string, options: StoreOptions) {
    this.core = new StoreCore(path, options);
    this.retention = new Retention(this.core, options.retention, (ns) => {
      // A fill left unfinished by a closed or killed process is done again, then retention goes on.
      if (!this.core.closed) this.namespace(ns).tablesFilled().catch((e: unknown) => this.core.errors.next(e as Error));
    });
  }

  /**
   * Opens (or creates) a store file: WAL mode, synchronous NORMAL, its schema migrated to this
   * version (SchemaError if the file comes from a newer nldb).
   */
  static open(path: string, options: StoreOptions = {}): Store {
    return new Store(path, options);
  }

  /** Failures nobody awaited: a history batch that could not be written, the writer dying. */
  get errors$(): Observable<Error> {
    return this.core.errors.observable;
  }

  /** The handle of one namespace's data (created in the file when something is first written). */
  namespace(label: string = DEFAULT_LABEL): NamespaceStore {
    this.check();
    let h = this.handles.get(label);
    if (!h) {
      h = new NamespaceStore(this.core, label, () => this.retention.poke());
      this.handles.set(label, h);
    }
    return h;
  }

  /** Starts recording `db` under `label`; see NamespaceStore.attach. */
  attach(db: Recordable, label: string = DEFAULT_LABEL, options?: AttachOptions): NamespaceStore {
    return this.namespace(label).attach(db, options);
  }

  /** The labels of every namespace in the file. */
  namespaces(): string[] {
    this.check();
    return this.core.reader.prepare('SELECT ns FROM namespaces ORDER BY ns').pluck().all() as string[];
  }

  /**
   * Read-only SQL over every namespace (see SCHEMA.md); waits for pending writes first, and for
   * every namespace's current-state tables to be filled.
   */
  async query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]> {
    await this.tablesFilled();
    this.queryDb ??= new QueryConnection(this.path);
    return this.queryDb.run<T>(sql, params);
  }

  /** Resolves once every namespace's current-state tables hold its state (see NamespaceStore.tablesFilled). */
  async tablesFilled(): Promise<void> {
    await this.flush();
    for (const label of this.namespaces()) await this.namespace(label).tablesFilled();
  }

  /** Writes everything recorded so far and waits until it is committed. */
  async flush(): Promise<void> {
    this.check();
    await Promise.all([...this.handles.values()].map((h) => h.recorder.flush()));
    await this.core.barrier();
  }

  /** Runs retention now, until nothing is due (it also runs by itself). */
  async prune(): Promise<void> {
    await this.tablesFilled();
    await this.retention.run();
  }

  /** Stops recording every attached database, writes what is pending, and closes the file. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.retention.stop();
    // A fill under way is left for the next store that needs the tables (fill.ts).
    for (const h of this.handles.values()) h.fill.close();
    try {
      await Promise.all([...this.handles.values()].map((h) => h.recorder.detach()));
    } finally {
      this.core.closed = true;
      for (const h of this.handles.values()) h.closeQuery();
      this.queryDb?.close();
      try {
        await this.core.writer.close();
      } finally {
        this.core.reader.close();
        this.core.errors.complete();
      }
    }
  }

  private check(): void {
    if (this.core.closed) throw new StoreClosedError();
  }
}

export class NamespaceStore {
  /** @internal */
  readonly recorder: Recorder;
  /** @internal */
  readonly fill: TableFill;
  private queryDb: QueryConnection | null = null;
  /** Checkpoint saves and deletions, one at a time. */
  private checkpointing: Promise<unknown> = Promise.resolve();

  /** @internal use Store.namespace */
  constructor(private readonly core: StoreCore, readonly label: string, onWritten: () => void) {
    this.fill = new TableFill(core, label, onWritten);
    this.recorder = new Recorder(core, label, this.fill, onWritten);
  }

  /** The database being recorded, if any. */
  get attached(): Recordable | null {
    return this.recorder.attached;
  }

  /**
   * Records `db` from now on: its current state becomes an automatic checkpoint (the baseline
   * `at()` starts from; in the file once `flush()` resolves) and, in the background, the
   * namespace's current-state tables; then every change is recorded. One database per namespace
   * at a time; recording stops when the database closes or on `detach()`.
   */
  attach(db: Recordable, options?: AttachOptions): this {
    this.check();
    this.recorder.attach(db, options);
    return this;
  }

  /** How much this handle has recorded, in how many batches, and what waits in the buffer. */
  stats(): RecorderStats {
    return this.recorder.stats();
  }

  /** Stops recording (what was recorded stays); resolves once it is written. */
  detach(): Promise<void> {
    return this.recorder.detach();
  }

  /**
   * Writes everything recorded so far and waits until it is committed: the baseline of an attached
   * database, its changes, checkpoints. (Not the current-state tables: `tablesFilled()`.)
   */
  async flush(): Promise<void> {
    this.check();
    await this.recorder.flush();
    await this.core.barrier();
  }

  /**
   * Resolves once the current-state tables hold the namespace's state as of the last change
   * recorded. After an attach they are filled from the baseline in the background; a fill that a
   * closed or killed process left unfinished is done again here. `query()` waits for this.
   */
  async tablesFilled(): Promise<void> {
    await this.flush();
    await this.fill.done();
    await this.core.barrier();
  }

  /** Recorded changes, oldest first (see HistoryFilter). */
  async history(filter: HistoryFilter = {}): Promise<HistoryEntry[]> {
    await this.flush();
    return readHistory(this.core.reader, this.label, filter);
  }

  /** The snapshot as it was at `time`, listed like `db.snapshot()`. HistoryRangeError before the recorded range. */
  async at(time: TimeLike): Promise<PlainSnapshot> {
    await this.flush();
    return plainOfMaps(mapsAt(this.core.reader, this.label, ms(time)));
  }

  /**
   * Saves the whole state under `name`: the attached database's live state (at an exact history
   * position), or the snapshot given.
   */
  checkpoint(name: string, snapshot?: PlainSnapshot, options: CheckpointOptions = {}): Promise<CheckpointInfo> {
    return this.oneAtATime(async () => {
      if (name.startsWith('@')) throw new Error(`checkpoint names starting with '@' are reserved for the store's own ('${name}')`);
      if (!snapshot && !this.recorder.attached) throw new Error(`namespace '${this.label}' has no database attached: pass the snapshot to save`);
      await this.flush();
      const existing = findCheckpoint(this.core.reader, this.label, name);
      if (existing && !options.replace) throw new CheckpointExistsError(this.label, name);
      if (existing) await this.core.run(deleteCheckpointJob(this.label, name), false);
      if (snapshot) {
        const time = this.core.tick();
        await this.core.run(ensureNamespaceJob(this.label, time), false);
        const opts = { auto: false, positioned: false, fill: false, report: false };
        await (await saveState(this.core, this.label, name, time, tablesOfMaps(mapsOfPlain(snapshot)), opts)).done;
      } else {
        await this.recorder.saveCheckpoint(name);
      }
      return listCheckpoints(this.core.reader, this.label).find((c) => c.name === name)!;
    });
  }

  /** Every checkpoint of this namespace, oldest first (automatic ones included). */
  async checkpoints(): Promise<CheckpointInfo[]> {
    await this.flush();
    return listCheckpoints(this.core.reader, this.label);
  }

  deleteCheckpoint(name: string): Promise<boolean> {
    return this.oneAtATime(async () => {
      await this.flush();
      if (!findCheckpoint(this.core.reader, this.label, name)) return false;
      await this.core.run(deleteCheckpointJob(this.label, name), false);
      return true;
    });
  }

  /**
   * Compares two states object by object (identity keys) and field by field, a to b. Each side is
   * a checkpoint name, 'now' (the attached database's live state, else the last recorded one), or
   * a moment (Date or epoch ms) rebuilt with `at()`.
   */
  async diff(a: DiffSide, b: DiffSide = 'now'): Promise<SnapshotDiff> {
    await this.flush();
    return diffMaps(this.resolve(a), this.resolve(b));
  }

  /**
   * What restoring a checkpoint takes: its state and the diff from now to it. The store cannot
   * change the kernel: the caller (IPDB.restore) turns the diff into a transaction, reviewable
   * and rolled back on failure like any other.
   */
  async restorePlan(name: string): Promise<RestorePlan> {
    await this.flush();
    const row = findCheckpoint(this.core.reader, this.label, name);
    if (!row) throw new CheckpointNotFoundError(this.label, name);
    const target = loadCheckpoint(this.core.reader, row.id);
    const info = listCheckpoints(this.core.reader, this.label).find((c) => c.name === name)!;
    return { checkpoint: info, target: plainOfMaps(target), diff: diffMaps(this.liveMaps(), target) };
  }

  /**
   * Read-only SQL over this namespace's rows only (see SCHEMA.md); waits for pending writes and
   * for the current-state tables to be filled first.
   */
  async query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]> {
    await this.tablesFilled();
    this.queryDb ??= new QueryConnection(this.core.path, this.label);
    return this.queryDb.run<T>(sql, params);
  }

  /** @internal */
  closeQuery(): void {
    this.queryDb?.close();
    this.queryDb = null;
  }

  private resolve(side: DiffSide): ObjectMaps {
    if (side === 'now') return this.liveMaps();
    if (typeof side !== 'string') return mapsAt(this.core.reader, this.label, ms(side));
    const row = findCheckpoint(this.core.reader, this.label, side);
    if (!row) throw new CheckpointNotFoundError(this.label, side);
    return loadCheckpoint(this.core.reader, row.id);
  }

  /** The attached database's state; else the last one recorded (none: empty). */
  private liveMaps(): ObjectMaps {
    const db = this.recorder.attached;
    if (db) return mapsOfSnapshot(db.state.snapshot);
    try {
      return mapsAt(this.core.reader, this.label, Number.MAX_SAFE_INTEGER);
    } catch (e) {
      if (e instanceof HistoryRangeError) return emptyMaps();
      throw e;
    }
  }

  private oneAtATime<T>(f: () => Promise<T>): Promise<T> {
    const p = this.checkpointing.then(f);
    this.checkpointing = p.catch(() => undefined);
    return p;
  }

  private check(): void {
    if (this.core.closed) throw new StoreClosedError();
  }
}
