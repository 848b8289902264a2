/**
 * Read views over one kind's table: `get`, `filter`, iteration, `size`, `watch`.
 *
 * A collection reads a table through a getter, so the same class serves the database's live views
 * (always the current snapshot) and a DbState's fixed views (one snapshot). Derived data is cached
 * per immutable table (WeakMap), so it lives exactly as long as what it derives from: the sorted
 * list, and the name index. The name index is not rebuilt for every new table: the index of the
 * table indexed last (per kind and cache) is MOVED to the new one by re-indexing only the shards
 * that differ (an update leaves all but a few of a table's thousands of shards as they were), so
 * a name lookup after an update costs the update's size, not the table's. An index belongs to
 * one table at a time; looking a name up in an older table moves it back (or builds one). The
 * sorted list is likewise derived from the last one sorted: what changed is merged in.
 *
 * `named()` wraps a collection in a Proxy so that `db.interfaces.eth0` reads like pyroute2. Only
 * names that are not members of the collection are looked up: `db.interfaces.get` is always the
 * method, an interface called "get" is reached with `get('get')`.
 */
import type { Observable } from 'rxjs';
import { rxjs } from '../util/lazy-rxjs.js';
import type { RecordByKind, RecordKind } from '../iproute/records.js';
import { matchesPartial } from './equal.js';
import { keyOf } from './keys.js';
import { ALIASES, ORDER, type Aliases } from './order.js';
import { tableGet, tableValues } from './table.js';
import type { Table } from './types.js';

export type Query<R> = string | number | Partial<R>;
export type Predicate<R> = (record: R) => boolean;

/** A record answering to a name, with what decides between several: primary before secondary. */
interface NameHit<R> {
  record: R;
  rank: 0 | 1;
}

/**
 * Records by name: name -> (record -> hit). By the record itself rather than its key: one record
 * is one key in a table, and a route table loaded in bulk has not made its keys (table.ts
 * LoadedShard), which the first look-up by name would otherwise make for every route.
 */
type NameMap<R> = Map<string, Map<R, NameHit<R>>>;

interface NameIndex<R> {
  /** The table this index describes now (an index moves from table to table). */
  table: Table<R>;
  readonly names: NameMap<R>;
}

interface SortedList<R> {
  readonly table: Table<R>;
  readonly records: R[];
}

interface Derived<R> {
  sorted?: R[];
  /** Valid only while its `table` is this table. */
  names?: NameIndex<R>;
  /** (On the per-kind entry) the index built or moved last. */
  latest?: NameIndex<R>;
  /** (On the per-kind entry) the list sorted last, to derive the next one from. */
  lastSorted?: SortedList<R>;
}

/** Derived data per table (and per kind); one may be shared by every view of a database. */
export type ViewCache = WeakMap<object, Derived<unknown>>;

export class Collection<K extends RecordKind, R extends RecordByKind[K] = RecordByKind[K]> implements Iterable<R> {
  /**
   * @param table the table to read, now
   * @param tables$ makes the stream of the table each time it changes (current one first), for
   *   `watch`; called on the first watch only (it loads rxjs)
   * @param cache derived data per table, shareable between views of the same database
   */
  constructor(
    readonly kind: K,
    private readonly table: () => Table<R>,
    private readonly tables$: () => Observable<Table<R>>,
    private readonly cache: ViewCache = new WeakMap(),
  ) {}

  private tablesView: Observable<Table<R>> | undefined;

  get size(): number {
    return this.table().size;
  }

  /** The identity key a record has (or would have) in this collection. */
  keyOf(record: R): string {
    return keyOf(this.kind, record as RecordByKind[K]);
  }

  /**
   * By identity key, by number (an interface index, a rule priority), by name (see order.ts:
   * ifname or altname, 'addr/len' or 'addr', a route destination, a neighbour address), or by a
   * partial record (the first match in list order).
   */
  get(query: Query<R>): R | undefined {
    return this.lookup(this.table(), query);
  }

  has(query: Query<R>): boolean {
    return this.get(query) !== undefined;
  }

  /** Records matching a predicate or a partial record, in list order. */
  filter(match: Predicate<R> | Partial<R>): R[] {
    const pred = typeof match === 'function' ? match : (r: R) => matchesPartial(r, match);
    return this.list(this.table()).filter(pred);
  }

  find(match: Predicate<R> | Partial<R>): R | undefined {
    const pred = typeof match === 'function' ? match : (r: R) => matchesPartial(r, match);
    return this.list(this.table()).find(pred);
  }

  /** All records in stable list order (a new array; the records are frozen). */
  toArray(): R[] {
    return [...this.list(this.table())];
  }

  [Symbol.iterator](): Iterator<R> {
    return this.list(this.table())[Symbol.iterator]();
  }

  /**
   * The record a query resolves to, now and after every change: emits the current value on
   * subscribe, then each time it becomes a different object (records keep their identity while
   * unchanged), `undefined` while there is none. A name is resolved again on every snapshot, so
   * watching 'eth0' follows whatever is called eth0.
   */
  watch(query: Query<R>): Observable<R | undefined> {
    const { map, distinctUntilChanged } = rxjs();
    return (this.tablesView ??= this.tables$()).pipe(
      map((t) => this.lookup(t, query)),
      distinctUntilChanged(),
    );
  }

  private lookup(table: Table<R>, query: Query<R>): R | undefined {
    if (typeof query === 'object' && query !== null) return this.list(table).find((r) => matchesPartial(r, query));
    const q = String(query);
    const aliases = ALIASES[this.kind] as unknown as Aliases<R>;
    const byName = (): R | undefined => this.byName(table, aliases, aliases.normalise ? aliases.normalise(q) : q);
    const byKey = (): R | undefined => tableGet(this.kind, table, q);
    // A number is a key (an interface index) before anything else; a string is a name first
    // where keys are numbers (an interface called "2"), a key first elsewhere.
    if (typeof query === 'string' && aliases.namesFirst) return byName() ?? byKey();
    return byKey() ?? byName();
  }

  private derived(table: Table<R>): Derived<R> {
    let d = this.cache.get(table) as Derived<R> | undefined;
    if (!d) this.cache.set(table, (d = {}) as Derived<unknown>);
    return d;
  }

  private list(table: Table<R>): R[] {
    const d = this.derived(table);
    if (!d.sorted) {
      const slot = this.kindEntry();
      const prev = slot.lastSorted;
      d.sorted = (prev && prev.table !== table ? this.merged(prev, table) : null) ?? this.sorted(table);
      slot.lastSorted = { table, records: d.sorted };
    }
    return d.sorted;
  }

  /** (order, key): the list order. */
  private entryOrder(): (a: [string, R], b: [string, R]) => number {
    const order = ORDER[this.kind] as unknown as (a: R, b: R) => number;
    return (a, b) => order(a[1], b[1]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  }

  /**
   * The list order of the whole table: by the kind's order, then by key where that ties. Keys are
   * made only for records that tie (a route table loaded in bulk has not made its keys: table.ts
   * LoadedShard), each once.
   */
  private sorted(table: Table<R>): R[] {
    const records = [...tableValues(table)];
    const order = ORDER[this.kind] as unknown as (a: R, b: R) => number;
    let keys: Map<R, string> | undefined;
    const keyOf = (r: R): string => {
      keys ??= new Map();
      let k = keys.get(r);
      if (k === undefined) keys.set(r, (k = this.keyOf(r)));
      return k;
    };
    records.sort((a, b) => {
      const o = order(a, b);
      if (o !== 0) return o;
      const ka = keyOf(a);
      const kb = keyOf(b);
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    return records;
  }

  /**
   * `table`'s list from the list of a table it differs from in a few shards: the records that
   * left are skipped, the new ones sorted alone and merged in, in one pass (a full sort of
   * 100,000 routes takes about 100 ms; this, a few). Null when too much differs.
   */
  private merged(prev: SortedList<R>, table: Table<R>): R[] | null {
    const from = prev.table.shards;
    const to = table.shards;
    if (from.length !== to.length) return null;
    const limit = (prev.records.length >> 3) + 64;
    const gone = new Set<R>();
    const added: [string, R][] = [];
    for (let i = 0; i < to.length; i++) {
      const a = from[i]!;
      const b = to[i]!;
      if (a === b) continue;
      for (const [k, r] of a) if (b.get(k) !== r) gone.add(r);
      for (const [k, r] of b) if (a.get(k) !== r) added.push([k, r]);
      if (gone.size + added.length > limit) return null;
    }
    const cmp = this.entryOrder();
    added.sort(cmp);
    const order = ORDER[this.kind] as unknown as (a: R, b: R) => number;
    // Does the added entry go before the listed record? (its key only when the order ties)
    const before = (e: [string, R], r: R): boolean => {
      const o = order(e[1], r);
      return o !== 0 ? o < 0 : e[0] < this.keyOf(r);
    };
    const out: R[] = [];
    let j = 0;
    for (const r of prev.records) {
      if (gone.has(r)) continue;
      while (j < added.length && before(added[j]!, r)) out.push(added[j++]![1]);
      out.push(r);
    }
    while (j < added.length) out.push(added[j++]![1]);
    return out;
  }

  /** The per-kind entry of the cache: keyed by the kind's alias table, as long-lived as the kind. */
  private kindEntry(): Derived<R> {
    const aliases = ALIASES[this.kind] as object;
    let slot = this.cache.get(aliases) as Derived<R> | undefined;
    if (!slot) this.cache.set(aliases, (slot = {}) as Derived<unknown>);
    return slot;
  }

  /** The record a name means: primary names first, then `better`, then list order, then key. */
  private byName(table: Table<R>, aliases: Aliases<R>, name: string): R | undefined {
    const hits = this.names(table, aliases).get(name);
    if (hits === undefined) return undefined;
    const order = ORDER[this.kind] as unknown as (a: R, b: R) => number;
    const wins = (a: NameHit<R>, b: NameHit<R>): boolean => {
      if (a.rank !== b.rank) return a.rank < b.rank;
      if (aliases.better?.(a.record, b.record)) return true;
      if (aliases.better?.(b.record, a.record)) return false;
      const o = order(a.record, b.record);
      return o !== 0 ? o < 0 : this.keyOf(a.record) < this.keyOf(b.record);
    };
    let best: NameHit<R> | undefined;
    for (const hit of hits.values()) {
      if (!best || wins(hit, best)) best = hit;
    }
    return best?.record;
  }

  /** The name index of `table`: its own, else the latest one moved over, else a new one. */
  private names(table: Table<R>, aliases: Aliases<R>): NameMap<R> {
    const d = this.derived(table);
    if (d.names?.table === table) return d.names.names;
    const slot = this.kindEntry();
    let index = slot.latest;
    if (index && index.table.shards.length === table.shards.length) {
      const from = index.table.shards;
      const to = table.shards;
      for (let i = 0; i < to.length; i++) {
        if (from[i] === to[i]) continue;
        unindexShard(index.names, from[i]!, aliases);
        indexShard(index.names, to[i]!, aliases);
      }
      index.table = table;
    } else {
      index = { table, names: new Map() };
      for (const shard of table.shards) indexShard(index.names, shard, aliases);
    }
    slot.latest = index;
    d.names = index;
    return index.names;
  }
}

/** Adds a shard's records to a name index (a record with one name twice keeps its better rank). */
function indexShard<R>(names: NameMap<R>, shard: ReadonlyMap<string, R>, aliases: Aliases<R>): void {
  const add = (name: string, hit: NameHit<R>): void => {
    let hits = names.get(name);
    if (!hits) names.set(name, (hits = new Map()));
    const had = hits.get(hit.record);
    if (!had || hit.rank < had.rank) hits.set(hit.record, hit);
  };
  for (const record of shard.values()) {
    for (const n of aliases.primary(record)) add(n, { record, rank: 0 });
    for (const n of aliases.secondary?.(record) ?? []) add(n, { record, rank: 1 });
  }
}

/** Removes a shard's records from a name index. */
function unindexShard<R>(names: NameMap<R>, shard: ReadonlyMap<string, R>, aliases: Aliases<R>): void {
  const remove = (name: string, record: R): void => {
    const hits = names.get(name);
    if (!hits) return;
    hits.delete(record);
    if (hits.size === 0) names.delete(name);
  };
  for (const record of shard.values()) {
    for (const n of aliases.primary(record)) remove(n, record);
    for (const n of aliases.secondary?.(record) ?? []) remove(n, record);
  }
}

/** `collection.eth0`: any property that is not a member reads as `get(property)`. */
export type Named<C, R> = C & { readonly [name: string]: R | undefined };

export function named<K extends RecordKind>(c: Collection<K>): Named<Collection<K>, RecordByKind[K]> {
  return new Proxy(c, {
    get(target, prop) {
      // Members first, read on the target itself (getters such as `size` run against it).
      if (typeof prop !== 'string' || prop in target) return Reflect.get(target, prop, target);
      return target.get(prop);
    },
    has(target, prop) {
      return prop in target || (typeof prop === 'string' && target.has(prop));
    },
  }) as Named<Collection<K>, RecordByKind[K]>;
}
