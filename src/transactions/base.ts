/**
 * TxBase: what a transaction reads the world from. The database hands in a view of one frozen
 * snapshot; nothing here copies a table: look-ups go by key, scans iterate lazily, and the
 * transaction keeps its own edits beside the base as an overlay (draft.ts, state.ts).
 */
import type {
  AddressRecord, InterfaceRecord, NeighbourRecord, RecordByKind, RecordKind, RouteRecord, RuleRecord,
} from '../iproute/records.js';
import { defaultKeys, keyOf, type KeyFns } from './keys.js';

/** One table of a snapshot: a look-up by identity key and a lazy scan. */
export interface TxTable<R> {
  get(key: string): R | undefined;
  values(): Iterable<R>;
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
  neighboursOn?(index: number): Iterable<NeighbourRecord>;
}

export interface TxBase {
  readonly interfaces: TxTable<InterfaceRecord>;
  readonly addresses: TxTable<AddressRecord>;
  readonly routes: TxTable<RouteRecord>;
  readonly rules: TxTable<RuleRecord>;
  readonly neighbours: TxTable<NeighbourRecord>;
  /** The identity rules the tables are keyed by; keys.ts's defaults when absent. */
  readonly keys?: KeyFns;
  /** A label for the namespace these objects live in (journal, review); null for "ours". */
  readonly netns?: string | null;
  readonly lookup?: TxLookups;
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
  return base.keys ?? defaultKeys;
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
  const keys = opts.keys ?? defaultKeys;
  const table = <K extends RecordKind>(kind: K, rows: readonly RecordByKind[K][] | undefined): TxTable<RecordByKind[K]> => {
    const m = new Map<string, RecordByKind[K]>();
    for (const r of rows ?? []) m.set(keyOf(keys, kind, r), r);
    return { get: (k) => m.get(k), values: () => m.values() };
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
