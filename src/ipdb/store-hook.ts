/**
 * The hook point for the store (src/store: SQLite history and checkpoints, built separately).
 *
 * `IPDB.open({ store: 'state.sqlite' })` loads the database first, then hands it to the store
 * module: its `attachStore(db, path)` if it exports one, else `Store.open(path).attach(db.database, label)`
 * (the label is the namespace's name, 'default' for our own). The store records a baseline of the
 * loaded state and follows `db.changes$` from there. `db.store` is what the attachment gives back
 * (the store's per-namespace handle: history, checkpoints, SQL). The attachment is closed before
 * the database's sockets are, so it can write what it still holds.
 *
 * The module is imported lazily, on first use: nobody loads SQLite who does not ask for it. (A
 * plain specifier, so a bundler keeps it a separate chunk and still finds it.)
 */
import type { AnyChange } from '../db/types.js';
import type { NamespaceStore } from '../store/index.js';
import type { NetnsRef } from '../transport/netns.js';
import type { IPDB } from './ipdb.js';

/** What attaching a store gives back: its handle for users, and how to close it. */
export interface StoreAttachment {
  /** Exposed as `db.store`. */
  readonly handle?: NamespaceStore;
  /** Stops recording and writes what is pending (may be asynchronous). */
  close(): void | Promise<void>;
}

/** What IPDB tells the store when attaching it. */
export interface StoreHookOptions {
  /** The transaction a change belongs to (origin 'commit'), for the history's txid column. */
  txidOf?: (change: AnyChange) => string | null;
}

/** A store module's entry point (or a test's stand-in). */
export type AttachStore = (db: IPDB, path: string, options?: StoreHookOptions) => StoreAttachment | Promise<StoreAttachment>;

export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(path: string, opts: { cause?: unknown } = {}) {
    super(`cannot open the store ${JSON.stringify(path)}: the store module (src/store) is not available`, opts);
  }
}

/** The label the store files a namespace's data under. */
export function storeLabel(netns: NetnsRef | undefined): string {
  if (netns === undefined) return 'default';
  if (typeof netns === 'string') return netns;
  if ('name' in netns) return netns.name;
  if ('path' in netns) return netns.path;
  if ('pid' in netns) return `pid:${netns.pid}`;
  return `fd:${netns.fd}`;
}

interface StoreModule {
  attachStore?: AttachStore;
  Store?: { open(path: string): { attach(db: IPDB['database'], label: string, options?: StoreHookOptions): NamespaceStore; close(): Promise<void> } };
}

/** Loads the store module's entry point, or throws StoreUnavailableError. */
export async function loadAttachStore(path: string): Promise<AttachStore> {
  let mod: StoreModule;
  try {
    mod = (await import('../store/index.js')) as StoreModule;
  } catch (cause) {
    throw new StoreUnavailableError(path, { cause });
  }
  if (typeof mod.attachStore === 'function') return mod.attachStore;
  const Store = mod.Store;
  if (!Store || typeof Store.open !== 'function') throw new StoreUnavailableError(path);
  return (db, file, options) => {
    const store = Store.open(file);
    try {
      // The database core, not the IPDB: the store listens to its changes without loading rxjs.
      const handle = store.attach(db.database, storeLabel(db.netns), options?.txidOf ? { txidOf: options.txidOf } : {});
      return { handle, close: () => store.close() };
    } catch (err) {
      void store.close().catch(() => undefined);
      throw err;
    }
  };
}
