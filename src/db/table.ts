/**
 * Sharded tables: how a kind's records are laid out in a snapshot, and how to read them.
 *
 * A record's shard is a hash of its key's group (keys.ts); for routes, of the start of the group
 * (the kernel slot) that names the destination: family|table|dst. So every route to one
 * destination in one table shares a shard, whatever its tos and metric: the NLM_F_REPLACE /
 * multipath rules find a slot's routes by scanning one shard, and a transaction finds what
 * already goes to a destination the same way (routeKeysTo) instead of indexing the whole table
 * for every snapshot it drafts on. Shard counts are per kind. Routes get 4,096: an update copies
 * every shard it touches, so the shard size is the cost per changed route (about 25 entries at
 * 100,000 routes, where 256 shards meant about 400 and a 5,000-event slice copied the whole
 * table); an empty table's shards are all one shared empty Map, so the count costs nothing until
 * records come.
 * Name lookups do not walk the shards (collection.ts), so their number does not slow reads.
 */
import { freeze } from 'immer';
import type { RecordByKind, RecordKind } from '../iproute/records.js';
import { GROUP_SEP } from './keys.js';
import type { DbSnapshot, Table } from './types.js';
import { KINDS } from './types.js';

export const SHARDS: { readonly [K in RecordKind]: number } = {
  interface: 64,
  address: 64,
  route: 4096,
  rule: 16,
  neighbour: 64,
};

/** FNV-1a, 32 bits: cheap, stable across runs and processes (no per-process seed). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const GROUP_SEP_CODE = GROUP_SEP.charCodeAt(0);

/** hashString(keyGroup(key)), without cutting the group out of the key first. */
export function hashKeyGroup(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c === GROUP_SEP_CODE) break;
    h ^= c;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const BAR_CODE = '|'.charCodeAt(0);

/**
 * hashString of a route key's start up to its third '|' (family|table|dst: a destination never
 * holds one), or up to the end of its group: the part of a route key that chooses its shard.
 */
export function hashRouteDst(key: string): number {
  let h = 0x811c9dc5;
  let bars = 0;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c === GROUP_SEP_CODE || (c === BAR_CODE && ++bars === 3)) break;
    h ^= c;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The hash that chooses the shard of a key of `kind` (shardOf before the modulo). */
export function shardHash(kind: RecordKind, key: string): number {
  return kind === 'route' ? hashRouteDst(key) : hashKeyGroup(key);
}

/**
 * shardHash of a key whose hashed part is the first `end` bytes of `bytes` (one character per
 * byte, as latin1): what a reader that writes a key's text as bytes can hash without making the
 * string.
 */
export function hashGroupBytes(bytes: Uint8Array, end: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < end; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function shardOf(kind: RecordKind, key: string): number {
  return shardHash(kind, key) % SHARDS[kind];
}

/**
 * The keys of the routes of `table` (a route table) to exactly `dst` in routing table `routes`
 * of `family`, whatever their tos, metric and next hops: one shard's scan (see above).
 */
export function routeKeysTo(table: Table<unknown>, family: number, routes: number, dst: string): string[] {
  const head = `${family}|${routes}|${dst}`;
  const shard = table.shards[hashString(head) % SHARDS.route];
  const out: string[] = [];
  if (shard === undefined || shard.size === 0) return out;
  for (const key of shard.keys()) {
    if (key.length > head.length && key.charCodeAt(head.length) === BAR_CODE && key.startsWith(head)) out.push(key);
  }
  return out;
}

const mapSet = Map.prototype.set;
const mapDelete = Map.prototype.delete;

/**
 * A shard as snapshots hold it: a Map whose set/delete/clear throw. Frozen by its class rather
 * than per object (immer's freeze defines four properties on every Map it freezes, which costs
 * more than copying a small shard; a batch replaces thousands of them). Filled only here.
 */
export class FrozenShard<R> extends Map<string, R> {
  override set(): never {
    throw new TypeError('a snapshot shard is read-only');
  }

  override delete(): never {
    throw new TypeError('a snapshot shard is read-only');
  }

  override clear(): never {
    throw new TypeError('a snapshot shard is read-only');
  }

  /** A new shard: `base` with `writes` applied (null: delete the key). */
  static from<R>(base: ReadonlyMap<string, R> | null, writes?: ReadonlyMap<string, R | null>): FrozenShard<R> {
    const m = new FrozenShard<R>();
    // forEach, not new Map(base): the constructor goes through the iterator protocol.
    base?.forEach((rec, key) => mapSet.call(m, key, rec));
    writes?.forEach((rec, key) => {
      if (rec === null) mapDelete.call(m, key);
      else mapSet.call(m, key, rec);
    });
    return Object.freeze(m);
  }

  /** Fills a shard nobody else has seen yet (a load into an empty table). */
  static put<R>(shard: FrozenShard<R>, key: string, record: R): void {
    mapSet.call(shard, key, record);
  }
}

/**
 * A shard of a load into an empty table (bulk.ts) that puts its records into the Map on its first
 * look-up (get or has) rather than when it is made, and that makes the keys the load did not make
 * (`undefined` in `keys`) when it is first asked for them. Until indexed it answers size and
 * iteration from its arrays, in their order, as the Map would.
 *
 * WHY: putting 109,004 routes into 4,096 Maps at the end of a load cost about 50 ms of a 0.3 s
 * open. Map.set reads each key's characters to hash them, long after the dump left them out of the
 * cache, in an order unrelated to the one they were made in. And making the keys at all, 109,004
 * strings of about 70 characters that every young-generation collection of the load then copies,
 * cost 0.03 to 0.05 s more of the whole process (bulk.ts). Reading a table's records (its size, a snapshot, the
 * sorted lists, the store's baseline) needs neither keys nor index; reading its keys (entries, a
 * checkpoint's maps, a copy a write makes of the shard) makes the shard's missing keys once; a
 * look-up (an event, a resync, a transaction, `get`) indexes only its own shard (about 27 routes,
 * a few microseconds) when it first needs it.
 *
 * The keys must be distinct, and each must be `keyOf(record)` (the load checks the first: bulk.ts
 * falls back to FrozenShard when a key came twice). Frozen like any shard: the arrays are dropped
 * once indexed, through `pending`, a holder whose reference freezing leaves alone.
 */
export class LoadedShard<R> extends FrozenShard<R> {
  private readonly pending: { keys: (string | undefined)[] | null; records: readonly R[] | null; keyOf: ((record: R) => string) | null };

  /** `keys[i]`: the key of `records[i]`, or undefined for `keyOf` to make when it is asked for. */
  constructor(keys: (string | undefined)[], records: readonly R[], keyOf: ((record: R) => string) | null = null) {
    super();
    if (keys.length !== records.length) throw new Error('LoadedShard: as many keys as records');
    this.pending = { keys, records, keyOf };
  }

  /** Whether the records are still only in the arrays (the first look-up moves them). */
  get indexed(): boolean {
    return this.pending.keys === null;
  }

  /** The key of the i-th record, made now if the load did not make it. */
  private keyAt(keys: (string | undefined)[], records: readonly R[], i: number): string {
    const known = keys[i];
    if (known !== undefined) return known;
    const keyOf = this.pending.keyOf;
    if (keyOf === null) throw new Error('LoadedShard: a key is missing and there is no keyOf to make it');
    return (keys[i] = keyOf(records[i]!));
  }

  private index(): void {
    const { keys, records } = this.pending;
    if (keys === null || records === null) return;
    for (let i = 0; i < keys.length; i++) mapSet.call(this, this.keyAt(keys, records, i), records[i]);
    this.pending.keys = null;
    this.pending.records = null;
    this.pending.keyOf = null;
  }

  override get(key: string): R | undefined {
    if (this.pending.keys !== null) this.index();
    return super.get(key);
  }

  override has(key: string): boolean {
    if (this.pending.keys !== null) this.index();
    return super.has(key);
  }

  override get size(): number {
    const keys = this.pending.keys;
    return keys === null ? super.size : keys.length;
  }

  override forEach(fn: (value: R, key: string, map: Map<string, R>) => void, thisArg?: unknown): void {
    const { keys, records } = this.pending;
    if (keys === null || records === null) return super.forEach(fn, thisArg);
    for (let i = 0; i < keys.length; i++) fn.call(thisArg, records[i]!, this.keyAt(keys, records, i), this);
  }

  override keys(): MapIterator<string> {
    const { keys, records } = this.pending;
    if (keys === null || records === null) return super.keys();
    return this.walk(keys, records, (k) => k) as unknown as MapIterator<string>;
  }

  override values(): MapIterator<R> {
    const records = this.pending.records;
    return records === null ? super.values() : (records.values() as unknown as MapIterator<R>);
  }

  override entries(): MapIterator<[string, R]> {
    const { keys, records } = this.pending;
    if (keys === null || records === null) return super.entries();
    return this.walk(keys, records, (k, r) => [k, r] as [string, R]) as unknown as MapIterator<[string, R]>;
  }

  override [Symbol.iterator](): MapIterator<[string, R]> {
    return this.entries();
  }

  /** The arrays' entries in order (keys made as they are reached), whatever indexing does meanwhile. */
  private *walk<T>(keys: (string | undefined)[], records: readonly R[], out: (key: string, record: R) => T): Generator<T> {
    for (let i = 0; i < keys.length; i++) yield out(this.keyAt(keys, records, i), records[i]!);
  }

  /** forEach() over the records that pass `test` only: the others' keys stay unmade. */
  matching(test: (record: R) => boolean, visit: (key: string, record: R) => void): void {
    const { keys, records } = this.pending;
    if (keys === null || records === null) {
      super.forEach((r, k) => { if (test(r)) visit(k, r); });
      return;
    }
    for (let i = 0; i < records.length; i++) if (test(records[i]!)) visit(this.keyAt(keys, records, i), records[i]!);
  }
}

/**
 * Calls `visit` with the key and record of every record of `table` that passes `test`, shard by
 * shard: one pass over the records, keys made only for those that pass (a loaded table keeps the
 * others unmade). What a single question ("the routes through link 5") costs instead of an index
 * of every record.
 */
export function tableMatching<R>(table: Table<R>, test: (record: R) => boolean, visit: (key: string, record: R) => void): void {
  for (const shard of table.shards) shardMatching(shard, test, visit);
}

/** tableMatching() for one shard. */
export function shardMatching<R>(shard: ReadonlyMap<string, R>, test: (record: R) => boolean, visit: (key: string, record: R) => void): void {
  if (shard.size === 0) return;
  if (shard instanceof LoadedShard) (shard as LoadedShard<R>).matching(test, visit);
  else shard.forEach((r, k) => { if (test(r)) visit(k, r); });
}

function emptyTable<R>(shards: number): Table<R> {
  // Every shard of an empty table is the same empty shard: thousands of route shards cost one
  // Map until they hold something.
  const empty = FrozenShard.from<R>(null);
  return { size: 0, shards: new Array<ReadonlyMap<string, R>>(shards).fill(empty) };
}

/** A new, empty, frozen snapshot. */
export function emptySnapshot(): DbSnapshot {
  const tables = {} as { [K in RecordKind]: Table<RecordByKind[K]> };
  for (const kind of KINDS) (tables as Record<RecordKind, Table<unknown>>)[kind] = emptyTable(SHARDS[kind]);
  return freeze({ version: 0, tables }, true);
}

export function tableGet<R>(kind: RecordKind, table: Table<R>, key: string): R | undefined {
  return table.shards[shardOf(kind, key)]?.get(key);
}

/** Every record of a table, shard by shard (no particular order), without their keys. */
export function* tableValues<R>(table: Table<R>): Generator<R> {
  for (const shard of table.shards) yield* shard.values();
}

/** Every record of a table, shard by shard (no particular order). */
export function* tableEntries<R>(table: Table<R>): Generator<[string, R]> {
  for (const shard of table.shards) yield* shard;
}
