/**
 * Loading a kind into an EMPTY table: the open, or a resync of a kind that holds nothing.
 *
 * A dump into an empty table is all adds: there is nothing to compare with, nothing to sweep, and
 * no shard anyone else holds. So instead of the general path (an overlay per update, a copy of
 * every touched shard per slice, one immer `produce` each: about N²/2c entries copied for N
 * records in slices of c), records go straight into plain Maps, one per shard, that nobody else
 * can see yet; `finish` freezes them once and builds the next snapshot's spine by hand. A route
 * load nobody listens to, read in the kernel's dump order with every key once, does not even fill
 * the Maps: each shard keeps its records in arrays until it is first looked up (LoadedShard).
 * Nor does it make the keys the source left to it (handed their group hashes instead): a
 * LoadedShard makes them when first asked. 109,004 route keys are about 9 MB of strings that
 * every young-generation collection of the load copied; not making them took a whole-process
 * open of the bench namespace from 0.37-0.40 s to 0.345 s (medians of interleaved runs), and
 * makes all of them later in about 45 ms.
 *
 * The result is the same as the general path's: every record reported once as an 'add' (origin
 * 'resync' by default) in dump order, a key dumped twice stored once (reported as a 'change' when
 * the second copy differs, as nothing when it is equal), records and shards frozen, untouched
 * shards, tables and the other kinds keeping their identity.
 */
import type { RecordByKind, RecordKind } from '../iproute/records.js';
import { changedFields, deepEqual } from './equal.js';
import { freezeRecord } from './freeze.js';
import { bulkKeyOf } from './keys.js';
import { FrozenShard, LoadedShard, SHARDS, shardHash } from './table.js';
import type { AnyChange, DbSnapshot, Origin, Table, Update } from './types.js';

type Rec<K extends RecordKind> = RecordByKind[K];

/** Runs of one group hash longer than this are searched for a repeated key through a Set. */
const SHORT_RUN = 16;

export class TableLoad<K extends RecordKind> {
  /** Shards written so far (the others stay the base table's). */
  private readonly shards: (FrozenShard<Rec<K>> | undefined)[];
  private readonly keyOf: (r: Rec<K>) => string;
  // What happened, in order, as parallel arrays rather than one change object per record: the
  // change objects are built only if someone listens (changes()), and 100,000 small objects
  // that survive a few scavenges cost more than building them.
  private readonly keys: string[] = [];
  private readonly afters: Rec<K>[] = [];
  /** For the rare key dumped twice with different contents: position -> the record it replaced. */
  private readonly befores = new Map<number, Rec<K>>();
  private size = 0;
  private finished = false;
  // Untracked: what add() was given, shard by shard in dump order, stored by settle() (see there).
  // A key is undefined where add() was given its group's hash instead (made when needed).
  private pendingKeys: ((string | undefined)[] | undefined)[];
  private pendingRecords: (Rec<K>[] | undefined)[];
  /**
   * Untracked route loads in dump order only: whether every key came once, so that settle() may
   * leave each shard's records in a LoadedShard (indexed on first look-up) instead of putting
   * them into its Map. The kernel dumps the routes of one slot (the key's group) one after the
   * other, so a key that comes twice in one dump comes within the run of records sharing its
   * group's hash: only that run is searched (`runStart`, `runHash`, `runKeys`). A dump that
   * started over (restarted()) may hand records over twice anywhere: the Maps then, as before.
   */
  private distinct: boolean;
  private runHash = -1;
  private runStart = 0;
  private runKeys: Set<string> | null = null;

  /**
   * `track`: keep what happened for changes() (default true). A load nobody listens to (the
   * open: the database is not handed out yet) need not: finish() then lists every record of the
   * new table as an 'add' if someone listens by then, in table order rather than dump order.
   * `dumpOrder`: the records come in the kernel's dump order, those of one key group (a route
   * slot) one after the other, unless restarted() says otherwise (DbSource.dumpEach's promise).
   */
  constructor(
    readonly kind: K,
    private readonly origin: Origin = 'resync',
    private readonly track = true,
    dumpOrder = false,
  ) {
    this.shards = new Array<FrozenShard<Rec<K>> | undefined>(SHARDS[kind]);
    this.pendingKeys = new Array<(string | undefined)[] | undefined>(SHARDS[kind]);
    this.pendingRecords = new Array<Rec<K>[] | undefined>(SHARDS[kind]);
    this.keyOf = bulkKeyOf(kind);
    this.distinct = kind === 'route' && !track && dumpOrder;
  }

  /** Says the dump started over: records may come again, so settle() must look each key up. */
  restarted(): void {
    this.distinct = false;
  }

  /**
   * Stores one dumped record (it becomes the database's: frozen in place). `knownKey`: its key,
   * when the source made it while decoding (DumpEvent.key); it must be keyOf(kind, record).
   * `knownGroup`: else, when the source hashed the key's shard group instead (shardHash of that key):
   * an untracked load then makes the key only if it must (a repeat to look for, the Maps after
   * all), and a LoadedShard makes the others when first asked for them.
   */
  add(record: Rec<K>, knownKey?: string, knownGroup?: number): void {
    if (this.finished) throw new Error('TableLoad.add after finish');
    let key = knownKey;
    if (key === undefined && (this.track || knownGroup === undefined)) key = this.keyOf(record);
    // shardOf(kind, key), with the hash kept for checkDistinct
    const hash = key === undefined ? knownGroup! : shardHash(this.kind, key);
    const i = hash % this.shards.length;
    if (!this.track) {
      freezeRecord(record);
      let keys = this.pendingKeys[i];
      let records = this.pendingRecords[i];
      if (keys === undefined || records === undefined) {
        this.pendingKeys[i] = keys = [];
        this.pendingRecords[i] = records = [];
      }
      if (this.distinct) key = this.checkDistinct(record, key, hash, keys, records);
      keys.push(key);
      records.push(record);
      return;
    }
    if (key === undefined) throw new Error('TableLoad.add: no key'); // (tracked loads made it above)
    let shard = this.shards[i];
    // Read-only to everyone else from the start; nobody sees it before finish().
    if (shard === undefined) this.shards[i] = shard = new FrozenShard();
    const before = shard.get(key);
    if (before !== undefined && deepEqual(before, record)) return;
    freezeRecord(record);
    FrozenShard.put(shard, key, record);
    if (before === undefined) this.size++;
    if (before !== undefined) this.befores.set(this.keys.length, before);
    this.keys.push(key);
    this.afters.push(record);
  }

  /**
   * See `distinct`: whether the record's key came before within the run of its shard hash (the
   * kernel dumps the routes to one destination one after the other). `keys`, `records`: those
   * pending in its shard, which holds the whole run (one hash, one shard). Keys not made yet are
   * made for runs of two or more (a destination with several routes, or two groups of one hash);
   * the record's key is returned, if made.
   */
  private checkDistinct(record: Rec<K>, key: string | undefined, hash: number, keys: (string | undefined)[], records: readonly Rec<K>[]): string | undefined {
    if (hash !== this.runHash) {
      this.runHash = hash;
      this.runStart = keys.length;
      this.runKeys = null;
      return key;
    }
    const mine = key ?? this.keyOf(record);
    // Runs are short but for slots many links share (fe80::/64 on each of 2,000 veths, say):
    // those are searched through a Set of the run's keys.
    let seen = this.runKeys;
    if (seen === null && keys.length - this.runStart >= SHORT_RUN) {
      seen = this.runKeys = new Set();
      for (let q = this.runStart; q < keys.length; q++) seen.add(this.keyAt(keys, records, q));
    }
    if (seen !== null) {
      if (seen.has(mine)) this.distinct = false;
      else seen.add(mine);
      return mine;
    }
    for (let q = this.runStart; q < keys.length; q++) {
      if (this.keyAt(keys, records, q) === mine) {
        this.distinct = false;
        break;
      }
    }
    return mine;
  }

  /** keys[q], made (and kept) if add() was given only its group's hash. */
  private keyAt(keys: (string | undefined)[], records: readonly Rec<K>[], q: number): string {
    return keys[q] ?? (keys[q] = this.keyOf(records[q]!));
  }

  /**
   * Untracked loads store what add() was given here, shard by shard: add() keeps each shard's
   * records apart, in dump order, and here they are put into its Map one after the other (so a key
   * dumped twice ends as it would have), instead of 100,000 records scattered over 4,096 Maps as
   * they come. Each Map then grows while it is fresh in the cache, and the tables it outgrows die
   * young, where the collector does not copy them. When every key came once (`distinct`), each
   * shard is a LoadedShard of those arrays instead, and no key is hashed (or made) here at all:
   * about 40 ms less of a 0.3 s open of the bench namespace.
   */
  private settle(): void {
    const lazy = this.distinct && !this.shards.some((shard) => shard !== undefined);
    for (let i = 0; i < this.shards.length; i++) {
      const keys = this.pendingKeys[i];
      const records = this.pendingRecords[i];
      if (keys === undefined || records === undefined) continue;
      if (lazy) {
        this.shards[i] = new LoadedShard(keys, records, this.keyOf);
        this.size += keys.length;
        continue;
      }
      const shard = (this.shards[i] ??= new FrozenShard());
      for (let q = 0; q < keys.length; q++) {
        const key = this.keyAt(keys, records, q);
        const record = records[q]!;
        const before = shard.get(key);
        if (before !== undefined && deepEqual(before, record)) continue;
        FrozenShard.put(shard, key, record);
        if (before === undefined) this.size++;
      }
    }
    this.pendingKeys.fill(undefined);
    this.pendingRecords.fill(undefined);
  }

  /** Every change so far, in order: an 'add' per record, a 'change' where a key came again. */
  changes(): AnyChange[] {
    const { kind, origin } = this;
    if (!this.track) {
      this.settle();
      // Not tracked: what the table holds, each as an 'add' (a key dumped twice is one record).
      const out: AnyChange[] = [];
      for (const shard of this.shards) shard?.forEach((after, key) => out.push({ op: 'add', kind, key, before: undefined, after, origin } as AnyChange));
      return out;
    }
    const { keys, afters, befores } = this;
    const out = new Array<AnyChange>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const after = afters[i]!;
      const before = befores.get(i);
      out[i] = (before === undefined
        ? { op: 'add', kind, key, before: undefined, after, origin }
        : { op: 'change', kind, key, before, after, origin, fields: changedFields(before, after) }) as AnyChange;
    }
    return out;
  }

  /**
   * The next snapshot: `base` with this kind's table replaced (base itself when nothing was
   * loaded), and its changes when `withChanges` (else none: nobody listens). `base`'s table of
   * this kind must be empty: it is what the records were added to.
   */
  finish(base: DbSnapshot, withChanges = true): Update {
    this.finished = true;
    this.settle();
    const old = base.tables[this.kind] as Table<Rec<K>>;
    if (old.size !== 0) throw new Error(`TableLoad: the ${this.kind} table is not empty`);
    if (this.size === 0) return { snapshot: base, changes: [] };
    const shards: ReadonlyMap<string, Rec<K>>[] = new Array(old.shards.length);
    for (let i = 0; i < shards.length; i++) {
      const s = this.shards[i];
      shards[i] = s === undefined ? old.shards[i]! : Object.freeze(s);
    }
    const table: Table<Rec<K>> = Object.freeze({ size: this.size, shards: Object.freeze(shards) });
    const tables = Object.freeze({ ...base.tables, [this.kind]: table }) as DbSnapshot['tables'];
    const snapshot: DbSnapshot = Object.freeze({ version: base.version + 1, tables });
    return { snapshot, changes: withChanges ? this.changes() : [] };
  }
}
