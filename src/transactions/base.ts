/**
 * TxBase: what a transaction reads the world from. The database hands in a view of one frozen
 * snapshot; nothing here copies a table: look-ups go by key, scans iterate lazily, and the
 * transaction keeps its own edits beside the base as an overlay (draft.ts, state.ts).
 */
import type {
  AddressRecord, InterfaceRecord, NeighbourRecord, RecordByKind, RecordKind, RouteRecord, RuleRecord,
} from '../iproute/records.js';
import { KEY_OF } from '../db/keys.js';

/**
 * Identity keys, one function per kind: two records with the same key are the same kernel object.
 * The database's (src/db/keys.ts, where the kernel's rules are written down) unless a base brings
 * others (TxBase.keys: a planner test can check that nothing depends on their spelling).
 */
export type KeyFns = { readonly [K in RecordKind]: (record: RecordByKind[K]) => string };

export function keyOf<K extends RecordKind>(keys: KeyFns, kind: K, record: RecordByKind[K]): string {
  return (keys[kind] as (r: RecordByKind[K]) => string)(record);
}

/** One table of a snapshot: a look-up by identity key and a lazy scan. */
export interface TxTable<R> {
  get(key: string): R | undefined;
  values(): Iterable<R>;
  /** Every record with its key, when the table has them at hand (no key is computed again). */
  entries?(): Iterable<[string, R]>;
  /**
   * What the view reads (a database table, immutable): two views of the same source hold the same
   * records, so nothing changed between them (conflicts.ts skips comparing them).
   */
  readonly source?: object;
}

/**
 * Look-ups a base may offer from indexes it already keeps; without them the transaction builds
 * its own on first use, with one pass over the table (keys only, no records copied).
 */
export interface TxLookups {
  addressesOn?(index: number): Iterable<AddressRecord>;
  /** Routes with `index` as oif or as the oif of a multipath leg. */
  routesVia?(index: number): Iterable<RouteRecord>;
  routesFrom?(prefsrc: string): Iterable<RouteRecord>;
  /** Routes to exactly this destination prefix in this table (any metric, tos, nexthop). */
  routesTo?(family: 4 | 6, table: number, dst: string): Iterable<RouteRecord>;
  /**
   * routesTo() as the keys of those routes (the database's: a snapshot answers from one shard,
   * src/db/table.ts routeKeysTo). Preferred over routesTo when both are there.
   */
  routeKeysTo?(family: 4 | 6, table: number, dst: string): readonly string[];
  /** routesVia() as keys: a snapshot answers with one pass over its routes, no index of them all. */
  routeKeysVia?(index: number): readonly string[];
  /** routesFrom() as keys, the same way. */
  routeKeysFrom?(prefsrc: string): readonly string[];
  neighboursOn?(index: number): Iterable<NeighbourRecord>;
}

export interface TxBase {
  readonly interfaces: TxTable<InterfaceRecord>;
  readonly addresses: TxTable<AddressRecord>;
  readonly routes: TxTable<RouteRecord>;
  readonly rules: TxTable<RuleRecord>;
  readonly neighbours: TxTable<NeighbourRecord>;
  /** The identity rules the tables are keyed by; the database's (KEY_OF) when absent. */
  readonly keys?: KeyFns;
  /** A label for the namespace these objects live in (journal, review); null for "ours". */
  readonly netns?: string | null;
  readonly lookup?: TxLookups;
  /** What the base reads (a database snapshot, immutable): bases over one source are equal. */
  readonly source?: object;
}

export type TableName = 'interfaces' | 'addresses' | 'routes' | 'rules' | 'neighbours';

export const TABLE_OF: { readonly [K in RecordKind]: TableName } = {
  interface: 'interfaces',
  address: 'addresses',
  route: 'routes',
  rule: 'rules',
  neighbour: 'neighbours',
};

export const KINDS: readonly RecordKind[] = ['interface', 'address', 'route', 'rule', 'neighbour'];

export function tableOf<K extends RecordKind>(base: TxBase, kind: K): TxTable<RecordByKind[K]> {
  return base[TABLE_OF[kind]] as unknown as TxTable<RecordByKind[K]>;
}

export function keysOf(base: TxBase): KeyFns {
  return base.keys ?? KEY_OF;
}

/** A table's records with their keys: its own entries when it has them, else keyed here. */
export function* keyedRows<K extends RecordKind>(base: TxBase, kind: K): Iterable<[string, RecordByKind[K]]> {
  const table = tableOf(base, kind);
  if (table.entries) {
    yield* table.entries();
    return;
  }
  const keys = keysOf(base);
  for (const r of table.values()) yield [keyOf(keys, kind, r), r];
}

export interface SnapshotArrays {
  interfaces?: readonly InterfaceRecord[];
  addresses?: readonly AddressRecord[];
  routes?: readonly RouteRecord[];
  rules?: readonly RuleRecord[];
  neighbours?: readonly NeighbourRecord[];
}

/**
 * A TxBase over plain arrays (tests, small callers): builds one Map per table, keyed by `keys`.
 * The database should rather hand in views of the maps it already keeps.
 */
export function baseFromArrays(s: SnapshotArrays, opts: { keys?: KeyFns; netns?: string | null } = {}): TxBase {
  const keys = opts.keys ?? KEY_OF;
  const table = <K extends RecordKind>(kind: K, rows: readonly RecordByKind[K][] | undefined): TxTable<RecordByKind[K]> => {
    const m = new Map<string, RecordByKind[K]>();
    for (const r of rows ?? []) m.set(keyOf(keys, kind, r), r);
    return { get: (k) => m.get(k), values: () => m.values(), entries: () => m.entries() };
  };
  return {
    interfaces: table('interface', s.interfaces),
    addresses: table('address', s.addresses),
    routes: table('route', s.routes),
    rules: table('rule', s.rules),
    neighbours: table('neighbour', s.neighbours),
    keys,
    netns: opts.netns ?? null,
  };
}

/** Every record of a base as arrays (tests and small tables only: this copies). */
export function baseToArrays(base: TxBase): Required<SnapshotArrays> {
  return {
    interfaces: [...base.interfaces.values()],
    addresses: [...base.addresses.values()],
    routes: [...base.routes.values()],
    rules: [...base.rules.values()],
    neighbours: [...base.neighbours.values()],
  };
}
