/**
 * The store's side of IPDB: `db.history()`, `db.at()`, `db.checkpoint()`, `db.checkpoints()`,
 * `db.diff()`, `db.restore()`, `db.query()`. IPDB's methods delegate here.
 *
 *   const db = await IPDB.open({ netns: 'blue', store: 'blue.sqlite' });
 *   await db.checkpoint('before');
 *   ...                                                  // anyone changes the namespace
 *   await db.history({ since: Date.now() - 60_000, kind: 'route' });
 *   await db.diff('before');                             // from the checkpoint to now
 *   const tx = await db.restore('before');               // a transaction back to it
 *   console.log(tx.review()); await tx.commit();
 *   await db.query('SELECT ifname, count(*) FROM addresses a JOIN interfaces i USING (ifindex) GROUP BY ifname');
 *
 * The store (src/store) records and answers; what this adds needs the live database: each call
 * first syncs with the kernel (so a change made just before the call, by `ip` or anyone, is in
 * the answer), and restore turns a checkpoint into a transaction (restore.ts). Without a store
 * every method rejects with NoStoreError.
 */
import type { PlainSnapshot } from '../db/types.js';
import { StoreError } from '../store/errors.js';
import type {
  CheckpointInfo, CheckpointOptions, DiffSide, HistoryEntry, HistoryFilter, NamespaceStore, QueryParams, SnapshotDiff, Store,
  StoreOptions, TimeLike,
} from '../store/index.js';
import type { Transaction } from '../transactions/transaction.js';
import { draftRestore } from './restore.js';

/** A store method was called on a database opened without `store`. */
export class NoStoreError extends StoreError {
  override readonly name: string = 'NoStoreError';
  constructor(readonly method: string) {
    super(`db.${method}() needs a store: open the database with IPDB.open({ store: 'state.sqlite' })`);
  }
}

/** What the store methods need of their IPDB. */
export interface StoreApiHost {
  readonly store: NamespaceStore | null;
  readonly closed: boolean;
  sync(): Promise<void>;
  begin(): Transaction;
}

export class StoreApi {
  constructor(private readonly host: StoreApiHost) {}

  /** The store's handle, after the database has caught up with the kernel. */
  private async ready(method: string): Promise<NamespaceStore> {
    const store = this.host.store;
    if (!store) throw new NoStoreError(method);
    // A closed database has nothing left to sync; the store then answers from what it recorded
    // (or says it is closed).
    if (!this.host.closed) await this.host.sync();
    return store;
  }

  async history(filter?: HistoryFilter): Promise<HistoryEntry[]> {
    return (await this.ready('history')).history(filter);
  }

  async at(time: TimeLike): Promise<PlainSnapshot> {
    return (await this.ready('at')).at(time);
  }

  async checkpoint(name: string, options?: CheckpointOptions): Promise<CheckpointInfo> {
    return (await this.ready('checkpoint')).checkpoint(name, undefined, options);
  }

  async checkpoints(): Promise<CheckpointInfo[]> {
    return (await this.ready('checkpoints')).checkpoints();
  }

  async diff(a: DiffSide, b: DiffSide = 'now'): Promise<SnapshotDiff> {
    return (await this.ready('diff')).diff(a, b);
  }

  /**
   * A transaction that brings the namespace back to checkpoint `name` (open: review it, then
   * commit() or drop()). RestoreError when part of the checkpoint cannot be re-created;
   * CheckpointNotFoundError when there is no such checkpoint.
   */
  async restore(name: string): Promise<Transaction> {
    const plan = await (await this.ready('restore')).restorePlan(name);
    // Only microtasks run between the plan's diff (taken from the live state) and begin(): no
    // event is applied in between, so the draft's base is the state the diff starts from.
    const tx = this.host.begin();
    try {
      draftRestore(tx, plan);
    } catch (err) {
      tx.drop();
      throw err;
    }
    return tx;
  }

  async query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]> {
    return (await this.ready('query')).query<T>(sql, params);
  }
}

/**
 * Opens a store file by itself, with no database: what was recorded (history, checkpoints, diffs
 * between them, SQL), e.g. for a tool reading the file of a daemon. SQLite is loaded here, on
 * first use, not by importing nldb. Close it with `store.close()`.
 */
export async function openStore(path: string, options?: StoreOptions): Promise<Store> {
  const { Store } = await import('../store/index.js');
  return Store.open(path, options);
}
