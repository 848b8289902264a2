/**
 * The database's own vocabulary: events in, changes out, and the frozen snapshot in between.
 *
 * A snapshot is plain data, frozen: one table per record kind, each table a fixed array of shards
 * (read-only Maps from identity key to record). Sharding is what keeps an update cheap: an update
 * copies each shard it writes to, so one route changed among 100,000 costs a copy of one shard of
 * a few dozen entries, not of the whole collection (see KERNEL-NOTES.md, "immer at this scale").
 * Untouched shards, tables and records keep their object identity from one snapshot to the next.
 */
import type { AnyRecord, RecordByKind, RecordEvent, RecordKind } from '../iproute/records.js';

export type { AnyRecord, RecordByKind, RecordEvent, RecordKind };

/** Why a change happened: a kernel notification, a re-dump (open or resync), or our own commit. */
export type Origin = 'kernel' | 'resync' | 'commit';

/**
 * An event as the database accepts it: a RecordEvent, optionally carrying what the netlink header
 * said. `nlmsgFlags` matters for routes: the kernel announces `ip route replace` as an RTM_NEWROUTE
 * with NLM_F_REPLACE and sends NO RTM_DELROUTE for the route it replaced (fib_table_insert,
 * fib6_add_rt2node), so without the flag the replaced route would linger until a resync.
 * `origin` lets an adapter mark the echo of our own request as 'commit' (a notification caused by
 * a request carries that request's port id and sequence number).
 * (Proposed for src/iproute/records.ts; kept here as an extension until then.)
 */
export type DbEvent = RecordEvent & {
  readonly nlmsgFlags?: number;
  readonly origin?: Origin;
  /**
   * The record's identity key exactly as keys.ts makes it, when the adapter wrote it while
   * decoding (src/ipdb/keyed-route-reader.ts does for routes); the database makes it otherwise.
   */
  readonly key?: string;
};

/** The kinds in dependency order: links first, then what hangs off them. */
export const KINDS: readonly RecordKind[] = ['interface', 'address', 'route', 'rule', 'neighbour'];

/** Collection names, pyroute2 style. */
export const PLURAL = {
  interface: 'interfaces',
  address: 'addresses',
  route: 'routes',
  rule: 'rules',
  neighbour: 'neighbours',
} as const satisfies { [K in RecordKind]: string };

export type Plural = (typeof PLURAL)[RecordKind];

/**
 * One observed change of one object. `before`/`after` are the frozen records (undefined for the
 * side that does not exist). Changes are listed in the order they happened: replaying them over
 * the old snapshot gives the new one.
 */
export interface Change<K extends RecordKind = RecordKind> {
  readonly op: 'add' | 'change' | 'remove';
  readonly kind: K;
  readonly key: string;
  readonly before: RecordByKind[K] | undefined;
  readonly after: RecordByKind[K] | undefined;
  readonly origin: Origin;
  /** For 'change': the names of the fields that differ. */
  readonly fields?: readonly string[];
  /**
   * Set when the change was inferred, not announced: a kernel side effect the database models
   * ('link-removed', 'link-down', 'prefsrc-removed', 'last-ipv4-address-removed'), a route
   * replaced by NLM_F_REPLACE ('replaced'), or IPv6 multipath bookkeeping ('multipath-merged',
   * 'multipath-shrunk').
   */
  readonly reason?: string;
}

export type AnyChange = { [K in RecordKind]: Change<K> }[RecordKind];

/** One kind's records: a fixed number of shards, each a Map from identity key to record. */
export interface Table<R> {
  readonly size: number;
  readonly shards: readonly ReadonlyMap<string, R>[];
}

/** The whole database state at one moment: frozen, structurally shared. */
export interface DbSnapshot {
  /** Incremented by every update that changed something. */
  readonly version: number;
  readonly tables: { readonly [K in RecordKind]: Table<RecordByKind[K]> };
}

/** What `snapshot()` returns: plain arrays, stable order, JSON-serialisable. */
export type PlainSnapshot = { [K in RecordKind as (typeof PLURAL)[K]]: RecordByKind[K][] };

/** The result of applying events or a dump: the next snapshot and the changes that led to it. */
export interface Update {
  readonly snapshot: DbSnapshot;
  readonly changes: readonly AnyChange[];
}
