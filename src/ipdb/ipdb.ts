/**
 * IPDB: the live database of one network namespace, wired to the kernel.
 *
 *   const db = await IPDB.open({ netns: 'blue', load: { routes: { tables: [254] } } });
 *   db.interfaces.eth0; db.interfaces.get(2); db.routes.filter({ oif: 2 }); db.snapshot();
 *   db.changes$.subscribe((c) => console.log(c.op, c.kind, c.key, c.origin));
 *   await db.wait((s) => s.interfaces.get('veth0')?.state === 'up', { timeout: 5000 });
 *   await db.ipr.route('add', { dst: '10.1.0.0/16', gateway: '10.0.0.1' });   // low level
 *   db.close();
 *
 * It composes three things and inherits from none: the database core (src/db: reducer,
 * collections, observables, resync), the kernel source (two sockets: events and requests), and
 * the safety net that re-dumps routes after the kernel may have flushed some silently.
 *
 * open() resolves once the initial state is loaded and the event subscription is live, with no
 * window in which a change can be missed: the event socket joins its groups before the first dump
 * is sent, and what arrives during the dumps is applied after them.
 */
import type { Observable } from 'rxjs';
import { Database, type DbUpdate } from '../db/database.js';
import { DbClosedError } from '../db/errors.js';
import { compileLoad, type LoadOptions } from '../db/load.js';
import type { WaitOptions, Waited } from '../db/observe.js';
import type { DbState, Views } from '../db/state.js';
import type { AnyChange, PlainSnapshot } from '../db/types.js';
import type { IPRoute } from '../iproute/iproute.js';
import type { RecordKind } from '../iproute/records.js';
import type {
  CheckpointInfo, CheckpointOptions, DiffSide, HistoryEntry, HistoryFilter, NamespaceStore, QueryParams, SnapshotDiff, TimeLike,
} from '../store/index.js';
import type { NetnsRef } from '../transport/netns.js';
import { checkNetnsRef, missingNetns } from '../iproute/open-netns.js';
import { DUMP_CHUNK } from './dumps.js';
import { EffectsCheck } from './effects-check.js';
import { KernelSource, type KernelSourceOptions } from './kernel-source.js';
import { StoreApi } from './store-api.js';
import { loadAttachStore, type AttachStore, type StoreAttachment } from './store-hook.js';
import { TxLayer, type FreezeApi } from './tx.js';
import type { Transaction, TxCommitOptions } from '../transactions/transaction.js';
import type { RecoveredTx } from '../transactions/recovery.js';

export interface IPDBOptions {
  /** The namespace to mirror: a name under /run/netns, a path, { pid } or { fd }. Default: ours. */
  netns?: NetnsRef;
  /** Which kinds (and which records of a kind) to keep; everything by default (see db/load.ts). */
  load?: LoadOptions;
  /**
   * A store file (SQLite history and checkpoints, src/store): the store attaches to the loaded
   * database and records every change from then on; `db.store` is its handle (store-hook.ts).
   * The transaction journal lives in the same file.
   */
  store?: string;
  /** The store module's entry point, instead of importing src/store (tests, embedders). */
  attachStore?: AttachStore;
  /**
   * Re-dump routes (debounced) after a link goes down or away or an address is removed, in case
   * the side-effect rules missed a silent flush (effects-check.ts). Default on, 100 ms.
   */
  verifyEffects?: boolean | { delayMs?: number };
  /** Events applied per slice at most before yielding to the event loop (default 5,000). */
  sliceSize?: number;
  /** Milliseconds an event slice should take; slices shrink to fit (default 8, see db OpenOptions). */
  sliceMs?: number;
  /**
   * Dumped records applied per slice in a resync (default 20,000): bigger slices resync faster
   * (each slice copies the table's shards) and hold the event loop longer. Also the dump chunk.
   */
  dumpSliceSize?: number;
  /** Tuning of the kernel sockets (event receive buffer, read and parse slices). */
  kernel?: Omit<KernelSourceOptions, 'netns' | 'kinds'>;
}

export class IPDB implements Views {
  /** The low-level API on the database's request socket (typed requests and dumps). */
  readonly ipr: IPRoute;
  /** The namespace this database mirrors (undefined: the process's own). */
  readonly netns: NetnsRef | undefined;
  /** The database core, for layers built on top of IPDB (transactions, the store). */
  readonly database: Database;
  /** The safety net, when enabled (its counters tell how often it corrected the rules). */
  readonly effectsCheck: EffectsCheck | null;
  private readonly source: KernelSource;
  private storeAttachment: StoreAttachment | null = null;
  private closing: Promise<void> | null = null;
  /** Transactions, the commit queue, freezing, the journal (tx.ts). */
  private readonly tx: TxLayer;
  /** History, checkpoints, restore, SQL (store-api.ts). */
  private readonly storeApi = new StoreApi(this);
  private isClosed = false;

  /** Opens the sockets, loads the state, and resolves once the database is live. */
  static async open(options: IPDBOptions = {}): Promise<IPDB> {
    const load = compileLoad(options.load);
    const dumpSliceSize = options.dumpSliceSize ?? DUMP_CHUNK;
    const netns = options.netns;
    if (netns !== undefined) checkNetnsRef(netns);
    const source = await KernelSource.open({
      dumpChunk: dumpSliceSize,
      ...options.kernel,
      ...(netns !== undefined ? { netns } : {}),
      kinds: load.kinds,
    }).catch((err: unknown) => { throw netns === undefined ? err : missingNetns(netns, err); });
    const database = new Database();
    // On failure Database.open closes itself, and with it the source.
    await database.open(source, {
      ...(options.load ? { load: options.load } : {}),
      ...(options.sliceSize !== undefined ? { sliceSize: options.sliceSize } : {}),
      ...(options.sliceMs !== undefined ? { sliceMs: options.sliceMs } : {}),
      dumpSliceSize,
    });
    const db = new IPDB(database, source, options);
    if (options.store !== undefined) {
      try {
        const attach = options.attachStore ?? await loadAttachStore(options.store);
        // The journal first: what a killed process left half done is undone before anything else.
        await db.tx.openJournal(options.store);
        db.storeAttachment = await attach(db, options.store, { txidOf: (c) => db.tx.txidOf(c) });
      } catch (err) {
        void db.close();
        throw err;
      }
    }
    return db;
  }

  private constructor(database: Database, source: KernelSource, options: IPDBOptions) {
    this.database = database;
    this.source = source;
    this.ipr = source.ipr;
    this.netns = options.netns;
    const verify = options.verifyEffects ?? true;
    this.effectsCheck = verify === false ? null : new EffectsCheck(database, verify === true ? {} : verify);
    const events = source.eventTransport;
    this.tx = new TxLayer(this, {
      ...(options.load ? { load: options.load } : {}),
      // A commit's link changes are in the kernel's hands with nothing read (tx.ts, KernelExecutor).
      ...(events.pause ? { pauseEvents: () => events.pause!() } : {}),
      ...(events.claimEchoes ? { claimEchoes: (claim) => events.claimEchoes!(claim) } : {}),
    });
    source.ownEcho = (ev, pid) => this.tx.isOwnEcho(ev, pid);
  }

  // ---- reading (the core's live views) -------------------------------------------------------

  /** The interfaces, with freeze()/unfreeze() and edit() (tx.ts). */
  get interfaces(): Views['interfaces'] & FreezeApi { return this.tx.interfaces(this.database.interfaces); }
  get addresses(): Views['addresses'] { return this.database.addresses; }
  get routes(): Views['routes'] { return this.database.routes; }
  get rules(): Views['rules'] { return this.database.rules; }
  get neighbours(): Views['neighbours'] { return this.database.neighbours; }

  /** The current state: a fixed, frozen view (its collections never change). */
  get state(): DbState {
    return this.database.state;
  }

  /** Every record as plain arrays, in stable order, JSON-serialisable. */
  snapshot(): PlainSnapshot {
    return this.database.snapshot();
  }

  /** The current state on subscribe, then each new one. Completes on close. */
  get state$(): Observable<DbState> { return this.database.state$; }
  /** Every change once, in order; origin 'kernel' | 'resync' | 'commit'. Completes on close. */
  get changes$(): Observable<AnyChange> { return this.database.changes$; }
  /** Every applied update (state and its changes together). Completes on close. */
  get updates$(): Observable<DbUpdate> { return this.database.updates$; }
  /** Failures that did not stop the database (a failed resync). Completes on close. */
  get errors$(): Observable<Error> { return this.database.errors$; }

  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * The first state (the current one included) for which `predicate` returns something truthy;
   * rejects with DbTimeoutError after `timeout` ms, DbClosedError if the database closes first.
   */
  wait<T>(predicate: (state: DbState) => T, options: WaitOptions = {}): Promise<Waited<T>> {
    return this.database.wait(predicate, options);
  }

  /**
   * Resolves once every change the kernel announced before this call is in the database (and the
   * safety-net re-dump it may have caused is done). After `ip ...` or a request of your own
   * returns, `await db.sync()` and the database shows its effect.
   */
  async sync(): Promise<void> {
    if (this.isClosed) throw new DbClosedError('database closed');
    // Rounds, because a re-dump (or an overrun's resync) can be queued by the events just applied.
    for (let round = 0; round < 4 && !this.isClosed; round++) {
      await this.source.sync();
      await this.database.whenIdle();
      if (!this.effectsCheck?.pending) break;
      await this.effectsCheck.flush();
    }
  }

  /**
   * sync() without waiting for the safety net's re-dump of routes (effects-check.ts): every
   * notification the kernel sent before the call is applied, the side-effect rules included.
   * What transactions settle and confirm with (TxHost.applied): the re-dump only corrects what the
   * rules could not see, and runs on its own schedule (waiting for it added about 0.25 s to a
   * commit that set a link down, at 100,000 routes).
   * @internal
   */
  async applied(): Promise<void> {
    if (this.isClosed) throw new DbClosedError('database closed');
    await this.source.sync();
    await this.database.whenIdle();
  }

  /** Re-dumps `kinds` (all kept kinds by default) and applies exactly the differences, origin 'resync'. */
  resync(kinds?: readonly RecordKind[]): Promise<void> {
    return this.database.resync(kinds);
  }

  /**
   * Counters: the event queue's, the safety net's, the notifications not parsed yet, and
   * `claimed`: the notifications of commits' own routes taken without decoding
   * (transactions/echo-claim.ts).
   */
  get stats(): { queue: KernelSource['queueStats']; effects: EffectsCheck['stats'] | null; backlog: number; claimed: number } {
    return {
      queue: this.source.queueStats, effects: this.effectsCheck?.stats ?? null, backlog: this.source.backlog,
      claimed: this.source.eventTransport.stats?.claimed ?? 0,
    };
  }

  // ---- transactions (tx.ts) ----------------------------------------------------------------

  /** A transaction over the current state: edit its draft, then commit() or drop(). */
  begin(): Transaction { return this.tx.begin(); }

  /** Runs `fn` on a new transaction and commits it when `fn` returns; drops it when `fn` throws. */
  transaction<T>(fn: (tx: Transaction) => T | Promise<T>, options?: TxCommitOptions): Promise<T> {
    return this.tx.transaction(fn, options);
  }

  /** Transactions a killed process left unfinished in the store's journal, undone at open. */
  get recovered(): readonly RecoveredTx[] { return this.tx.recovered; }

  /**
   * The store's handle for this namespace (history, checkpoints, SQL) when opened with `store`;
   * null otherwise.
   */
  get store(): NamespaceStore | null {
    return this.storeAttachment?.handle ?? null;
  }

  // ---- the store (store-api.ts): each rejects with NoStoreError without one ------------------

  /** Recorded changes, oldest first: shaped like changes$, with `time` (Date) and `txid`. */
  history(filter?: HistoryFilter): Promise<HistoryEntry[]> { return this.storeApi.history(filter); }

  /** The state as it was at `time`, listed like snapshot(). */
  at(time: TimeLike): Promise<PlainSnapshot> { return this.storeApi.at(time); }

  /** Saves the current state under `name` (CheckpointExistsError unless { replace: true }). */
  checkpoint(name: string, options?: CheckpointOptions): Promise<CheckpointInfo> { return this.storeApi.checkpoint(name, options); }

  /** Every checkpoint, oldest first (the store's own baselines included, `auto: true`). */
  checkpoints(): Promise<CheckpointInfo[]> { return this.storeApi.checkpoints(); }

  /** From `a` to `b`: checkpoint names, 'now' (the default for `b`), or moments (Date, epoch ms). */
  diff(a: DiffSide, b?: DiffSide): Promise<SnapshotDiff> { return this.storeApi.diff(a, b); }

  /** A transaction back to checkpoint `name`: review it, then commit() (rolled back on failure) or drop(). */
  restore(name: string): Promise<Transaction> { return this.storeApi.restore(name); }

  /** Read-only SQL over this namespace's current state and history (src/store/SCHEMA.md). */
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]> { return this.storeApi.query<T>(sql, params); }

  /**
   * Releases both sockets and completes every observable, at once. With a store attached, the
   * promise resolves once the store has written what it held (without one it is already
   * resolved: awaiting it is optional). Idempotent.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.isClosed = true;
    this.effectsCheck?.close();
    this.tx.close();
    let stored: void | Promise<void> = undefined;
    try {
      // First the store stops recording, keeping what it holds; then the sockets go.
      stored = this.storeAttachment?.close();
    } catch (err) {
      stored = Promise.reject(err);
    } finally {
      this.database.close(); // closes the source: both sockets
    }
    this.closing = Promise.resolve(stored);
    // Not awaiting close() must not leave an unhandled rejection; awaiting it still sees the error.
    this.closing.catch(() => undefined);
    return this.closing;
  }
}
