/**
 * Read views over one kind's table: `get`, `filter`, iteration, `size`, `watch`.
 *
 * A collection reads a table through a getter, so the same class serves the database's live views
 * (always the current snapshot) and a DbState's fixed views (one snapshot). Derived data is cached
 * per immutable object (WeakMap), so it lives exactly as long as what it derives from: the sorted
 * list per table; the name index per SHARD, so that after an update only the shards that changed
 * are indexed again (a name lookup asks every shard's index: 256 Map lookups for routes, instead
 * of re-indexing 100,000 routes after every update).
 *
 * `named()` wraps a collection in a Proxy so that `db.interfaces.eth0` reads like pyroute2. Only
 * names that are not members of the collection are looked up: `db.interfaces.get` is always the
 * method, an interface called "get" is reached with `get('get')`.
 */
import { distinctUntilChanged, map, type Observable } from 'rxjs';
import type { RecordByKind, RecordKind } from '../iproute/records.js';
import { matchesPartial } from './equal.js';
import { keyOf } from './keys.js';
import { ALIASES, ORDER, type Aliases } from './order.js';
import { tableEntries, tableGet } from './table.js';
import type { Table } from './types.js';

export type Query<R> = string | number | Partial<R>;
export type Predicate<R> = (record: R) => boolean;

/** A record answering to a name, with what decides between several: primary before secondary. */
interface NameHit<R> {
  record: R;
  key: string;
  rank: 0 | 1;
}

interface Derived<R> {
  sorted?: R[];
  names?: Map<string, NameHit<R>[]>;
}

/** Derived data per table or shard object; one may be shared by every view of a database. */
export type ViewCache = WeakMap<object, Derived<unknown>>;

export class Collection<K extends RecordKind, R extends RecordByKind[K] = RecordByKind[K]> implements Iterable<R> {
  /**
   * @param table the table to read, now
   * @param tables$ the table each time it changes (current one first), for `watch`
   * @param cache derived data per table, shareable between views of the same database
   */
  constructor(
    readonly kind: K,
    private readonly table: () => Table<R>,
    private readonly tables$: Observable<Table<R>>,
    private readonly cache: ViewCache = new WeakMap(),
  ) {}

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
    return this.tables$.pipe(
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
      const order = ORDER[this.kind] as unknown as (a: R, b: R) => number;
      const entries = [...tableEntries(table)];
      entries.sort((a, b) => order(a[1], b[1]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      d.sorted = entries.map((e) => e[1]);
    }
    return d.sorted;
  }

  /** The record a name means: primary names first, then `better`, then list order, then key. */
  private byName(table: Table<R>, aliases: Aliases<R>, name: string): R | undefined {
    const order = ORDER[this.kind] as unknown as (a: R, b: R) => number;
    const wins = (a: NameHit<R>, b: NameHit<R>): boolean => {
      if (a.rank !== b.rank) return a.rank < b.rank;
      if (aliases.better?.(a.record, b.record)) return true;
      if (aliases.better?.(b.record, a.record)) return false;
      const o = order(a.record, b.record);
      return o !== 0 ? o < 0 : a.key < b.key;
    };
    let best: NameHit<R> | undefined;
    for (const shard of table.shards) {
      for (const hit of this.shardNames(shard, aliases).get(name) ?? []) {
        if (!best || wins(hit, best)) best = hit;
      }
    }
    return best?.record;
  }

  private shardNames(shard: ReadonlyMap<string, R>, aliases: Aliases<R>): Map<string, NameHit<R>[]> {
    let d = this.cache.get(shard) as Derived<R> | undefined;
    if (!d) this.cache.set(shard, (d = {}) as Derived<unknown>);
    if (!d.names) {
      const names = new Map<string, NameHit<R>[]>();
      const add = (name: string, hit: NameHit<R>): void => {
        const hits = names.get(name);
        if (hits) hits.push(hit);
        else names.set(name, [hit]);
      };
      for (const [key, record] of shard) {
        for (const n of aliases.primary(record)) add(n, { record, key, rank: 0 });
        for (const n of aliases.secondary?.(record) ?? []) add(n, { record, key, rank: 1 });
      }
      d.names = names;
    }
    return d.names;
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
