/**
 * The working set of one update: every write of a batch goes to an overlay over the base snapshot,
 * and `finish()` folds the overlay into the next snapshot in ONE immer `produce`.
 *
 * Why an overlay and not writes through an immer draft: rules such as "remove every route through
 * this link" must scan a kind, and iterating a draft Map creates a proxy per value (100,000 of them
 * for the route table). Reads here go to the overlay first, then to the frozen base, at plain Map
 * speed. Secondary indexes (routes by output interface, addresses by link, ...) are built lazily,
 * at most once per update, and only when a rule needs one.
 */
import type { Immer } from 'immer';
import type { RecordByKind, RecordKind } from '../iproute/records.js';
import { changedFields, deepEqual } from './equal.js';
import { freezeRecord } from './freeze.js';
import { keyGroup, keyOf, nexthopsOf, routeKeyer } from './keys.js';
import { FrozenShard, shardMatching, shardOf } from './table.js';
import type { AnyChange, DbSnapshot, Origin, Table } from './types.js';

type Rec<K extends RecordKind> = RecordByKind[K];
type Overlay = Map<number, Map<string, unknown>>; // shard -> key -> record, or null for removed
type IndexValue = string | number;

/**
 * Secondary indexes the kernel-side-effect rules use: the values a record is indexed under, and
 * `has`, whether it is indexed under one (what a single question tests, without allocating).
 */
export const INDEXES = {
  'route.oif': {
    kind: 'route', values: (r: Rec<'route'>) => nexthopsOf(r).map((h) => h.oif).filter((o): o is number => o !== null),
    has: (r: Rec<'route'>, v: IndexValue) => r.oif === v || (r.multipath !== null && r.multipath.some((h) => h.oif === v)),
  },
  'route.prefsrc': {
    kind: 'route', values: (r: Rec<'route'>) => (r.prefsrc ? [`${r.family}|${r.prefsrc}`] : []),
    has: (r: Rec<'route'>, v: IndexValue) => r.prefsrc !== null && `${r.family}|${r.prefsrc}` === v,
  },
  'address.index': { kind: 'address', values: (r: Rec<'address'>) => [r.index], has: (r: Rec<'address'>, v: IndexValue) => r.index === v },
  'address.local': {
    kind: 'address', values: (r: Rec<'address'>) => [`${r.family}|${r.address}`],
    has: (r: Rec<'address'>, v: IndexValue) => `${r.family}|${r.address}` === v,
  },
  'neighbour.index': { kind: 'neighbour', values: (r: Rec<'neighbour'>) => [r.index], has: (r: Rec<'neighbour'>, v: IndexValue) => r.index === v },
} as const;

export type IndexName = keyof typeof INDEXES;

/** Values of one index found by a pass each in an update, before the whole index is built. */
const PARTIAL_AT_MOST = 4;

export interface WriteOptions {
  reason?: string;
  origin?: Origin;
}

export class Working {
  readonly changes: AnyChange[] = [];
  /** Kinds whose state the rules could not decide exactly: the caller should re-dump them. */
  readonly resync = new Set<RecordKind>();
  private readonly overlays = new Map<RecordKind, Overlay>();
  private readonly sizeDelta = new Map<RecordKind, number>();
  private readonly indexes = new Map<IndexName, Map<IndexValue, Set<string>>>();
  /** Indexes holding only the values asked so far (each found by one filtered pass). */
  private readonly partial = new Set<IndexName>();

  constructor(
    readonly base: DbSnapshot,
    readonly origin: Origin,
  ) {}

  private table<K extends RecordKind>(kind: K): Table<Rec<K>> {
    return this.base.tables[kind] as Table<Rec<K>>;
  }

  get<K extends RecordKind>(kind: K, key: string): Rec<K> | undefined {
    return this.at(kind, key, shardOf(kind, key));
  }

  /** get() with the key's shard already known (hashed once per write, not once per step). */
  private at<K extends RecordKind>(kind: K, key: string, shard: number): Rec<K> | undefined {
    // The overlay holds a record, or null for one removed in this update: one look-up tells both.
    const v = this.overlays.get(kind)?.get(shard)?.get(key);
    if (v !== undefined) return (v as Rec<K> | null) ?? undefined;
    return this.table(kind).shards[shard]?.get(key);
  }

  /** Route keys of this update (routeKeyer: a burst of route events mostly shares next hops). */
  private routeKeys: ((r: Rec<'route'>) => string) | undefined;

  private keyFor<K extends RecordKind>(kind: K, record: Rec<K>): string {
    if (kind === 'route') return (this.routeKeys ??= routeKeyer())(record as Rec<'route'>);
    return keyOf(kind, record);
  }

  /** Stores a record under its key; an equal record already there is left alone (no change). */
  put<K extends RecordKind>(kind: K, record: Rec<K>, opts?: WriteOptions, key = this.keyFor(kind, record)): Rec<K> {
    const shard = shardOf(kind, key);
    const before = this.at(kind, key, shard);
    if (before !== undefined && deepEqual(before, record)) return before;
    freezeRecord(record);
    this.write(kind, key, shard, record, before);
    const origin = opts?.origin ?? this.origin;
    const change = before === undefined
      ? { op: 'add' as const, kind, key, before: undefined, after: record, origin }
      : { op: 'change' as const, kind, key, before, after: record, origin, fields: changedFields(before, record) };
    this.changes.push((opts?.reason ? { ...change, reason: opts.reason } : change) as AnyChange);
    return record;
  }

  /** Removes the record under `key`, if there is one. */
  remove<K extends RecordKind>(kind: K, key: string, opts?: WriteOptions): Rec<K> | undefined {
    const shard = shardOf(kind, key);
    const before = this.at(kind, key, shard);
    if (before === undefined) return undefined;
    this.write(kind, key, shard, null, before);
    const change = { op: 'remove' as const, kind, key, before, after: undefined, origin: opts?.origin ?? this.origin };
    this.changes.push((opts?.reason ? { ...change, reason: opts.reason } : change) as AnyChange);
    return before;
  }

  private write<K extends RecordKind>(kind: K, key: string, shard: number, record: Rec<K> | null, before: Rec<K> | undefined): void {
    let overlay = this.overlays.get(kind);
    if (!overlay) this.overlays.set(kind, (overlay = new Map()));
    let ov = overlay.get(shard);
    if (!ov) overlay.set(shard, (ov = new Map()));
    ov.set(key, record);
    const delta = (record === null ? -1 : 0) + (before === undefined ? 1 : 0);
    if (delta !== 0) this.sizeDelta.set(kind, (this.sizeDelta.get(kind) ?? 0) + delta);
    // (Most updates build no index: no rule needed one.)
    if (this.indexes.size > 0) this.updateIndexes(kind, key, before, record ?? undefined);
  }

  /** Calls `fn` for every current record of a kind (base and overlay merged). */
  each<K extends RecordKind>(kind: K, fn: (key: string, record: Rec<K>) => void): void {
    // A plain loop, not generators: this runs over 100,000 routes when a rule needs an index.
    const overlay = this.overlays.get(kind);
    const shards = this.table(kind).shards;
    for (let i = 0; i < shards.length; i++) {
      const ov = overlay?.get(i);
      for (const [key, rec] of shards[i]!) if (!ov?.has(key)) fn(key, rec);
      if (ov) for (const [key, rec] of ov) if (rec !== null) fn(key, rec as Rec<K>);
    }
  }

  /** The current records whose key group (e.g. a route slot) is `group`, by key: one shard's scan. */
  group<K extends RecordKind>(kind: K, group: string): [string, Rec<K>][] {
    const shard = shardOf(kind, group);
    const out: [string, Rec<K>][] = [];
    const ov = this.overlays.get(kind)?.get(shard);
    const base = this.table(kind).shards[shard]!;
    for (const [key, rec] of base) if (!ov?.has(key) && keyGroup(key) === group) out.push([key, rec]);
    if (ov) for (const [key, rec] of ov) if (rec !== null && keyGroup(key) === group) out.push([key, rec as Rec<K>]);
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /**
   * Keys of the current records whose index `name` includes `value`, sorted: the order of the
   * changes a rule makes must not depend on how events were batched.
   *
   * The first values asked of an index in an update (up to PARTIAL_AT_MOST) are found by one pass
   * each that keeps only their records (a link going down in a table of 100,000 routes: about a
   * tenth of what indexing every route by link took; a link deleted asks for each of its
   * addresses); one more builds the whole index, once, for the rest of the update.
   */
  lookup(name: IndexName, value: IndexValue): string[] {
    let index = this.indexes.get(name);
    const def = INDEXES[name];
    if (index === undefined || (this.partial.has(name) && !index.has(value))) {
      if (index === undefined) {
        this.indexes.set(name, (index = new Map()));
        this.partial.add(name);
      }
      if (index.size < PARTIAL_AT_MOST) {
        const found = new Set<string>();
        const has = def.has as (r: unknown, v: IndexValue) => boolean;
        this.matching(def.kind, (rec) => has(rec, value), (key) => { found.add(key); });
        index.set(value, found);
      } else {
        index.clear();
        this.partial.delete(name);
        const idx = index;
        const values = def.values as (r: unknown) => IndexValue[];
        this.each(def.kind, (key, rec) => addToIndex(idx, values(rec), key));
      }
    }
    return [...(index.get(value) ?? [])].sort();
  }

  /** The current records of a kind that pass `test` (base and overlay merged), keys made only for those. */
  private matching<K extends RecordKind>(kind: K, test: (r: Rec<K>) => boolean, fn: (key: string, record: Rec<K>) => void): void {
    const overlay = this.overlays.get(kind);
    const shards = this.table(kind).shards;
    for (let i = 0; i < shards.length; i++) {
      const ov = overlay?.get(i);
      shardMatching(shards[i]!, test, ov === undefined ? fn : (key, rec) => { if (!ov.has(key)) fn(key, rec); });
      if (ov) for (const [key, rec] of ov) if (rec !== null && test(rec as Rec<K>)) fn(key, rec as Rec<K>);
    }
  }

  private updateIndexes(kind: RecordKind, key: string, before: unknown, after: unknown): void {
    for (const [name, index] of this.indexes) {
      const def = INDEXES[name];
      if (def.kind !== kind) continue;
      const values = def.values as (r: unknown) => IndexValue[];
      if (before !== undefined) for (const v of values(before)) index.get(v)?.delete(key);
      if (after === undefined) continue;
      // A partial index follows only the values it was asked for.
      if (this.partial.has(name)) for (const v of values(after)) index.get(v)?.add(key);
      else addToIndex(index, values(after), key);
    }
  }

  /**
   * The next snapshot: the base itself when nothing changed, else one `produce`.
   *
   * The new tables are built here by hand (a copy of each touched shard, the shards array sliced
   * once) and handed to the produce whole, so immer only swaps table objects in the spine: with
   * thousands of shards touched by one batch, assigning each through a draft array costs more
   * than the copies themselves.
   */
  finish(immer: Immer): DbSnapshot {
    const tables = new Map<RecordKind, Table<unknown>>();
    // forEach and keys(), not for-of over entries: an update is made once, before the JIT has
    // warmed up, and destructuring each entry costs an array per entry there.
    this.overlays.forEach((overlay, kind) => {
      const table = this.table(kind) as Table<unknown>;
      let shards: ReadonlyMap<string, unknown>[] | null = null;
      overlay.forEach((ov, shard) => {
        const base = table.shards[shard] as ReadonlyMap<string, unknown>;
        // e.g. added then removed within the batch: keep the old shard
        if (!differs(base, ov)) return;
        shards ??= table.shards.slice();
        // Records are frozen as they are stored; the shard refuses writes by its class.
        shards[shard] = FrozenShard.from(base, ov);
      });
      if (shards === null) return;
      const size = table.size + (this.sizeDelta.get(kind) ?? 0);
      tables.set(kind, Object.freeze({ size, shards: Object.freeze(shards) }));
    });
    if (tables.size === 0) return this.base;
    return immer.produce(this.base, (draft) => {
      draft.version = this.base.version + 1;
      const spine = draft.tables as Record<RecordKind, Table<unknown>>;
      for (const [kind, table] of tables) spine[kind] = table;
    });
  }
}

/** Whether the writes `ov` leave anything of `base` different. */
function differs(base: ReadonlyMap<string, unknown>, ov: ReadonlyMap<string, unknown>): boolean {
  // A batch of 400 links touches each of the 64 link shards with six keys or so: forEach there,
  // not an iterator, each of whose steps is an object in code a fresh process runs unoptimized.
  // A big overlay (a storm's) stops at its first difference.
  if (ov.size <= 16) {
    let out = false;
    ov.forEach((rec, key) => {
      if (!out && (rec === null ? base.has(key) : base.get(key) !== rec)) out = true;
    });
    return out;
  }
  for (const key of ov.keys()) {
    const rec = ov.get(key);
    if (rec === null ? base.has(key) : base.get(key) !== rec) return true;
  }
  return false;
}

function addToIndex(index: Map<IndexValue, Set<string>>, values: readonly IndexValue[], key: string): void {
  for (const v of values) {
    let set = index.get(v);
    if (!set) index.set(v, (set = new Set()));
    set.add(key);
  }
}
