/**
 * A whole state as plain Maps from identity key to record, one per kind: what checkpoints, `at()`
 * and `diff()` work on. Keys always come from the database (src/db/keys.ts): taken from its
 * tables or its changes, or computed with its `keyOf` (a plain snapshot handed in, a checkpoint
 * read back: parts.ts).
 */
import { DbState } from '../db/state.js';
import { shardOf, SHARDS, tableEntries } from '../db/table.js';
import { keyOf } from '../db/keys.js';
import { KINDS, PLURAL, type DbSnapshot, type PlainSnapshot, type Table } from '../db/types.js';
import type { RecordByKind, RecordKind } from '../iproute/records.js';

export type ObjectMaps = { [K in RecordKind]: Map<string, RecordByKind[K]> };

export function emptyMaps(): ObjectMaps {
  return { interface: new Map(), address: new Map(), route: new Map(), rule: new Map(), neighbour: new Map() };
}

/** The maps of a database snapshot (its own keys, no sorting). */
export function mapsOfSnapshot(s: DbSnapshot): ObjectMaps {
  const out = emptyMaps();
  for (const kind of KINDS) {
    const m = out[kind] as Map<string, unknown>;
    for (const [k, r] of tableEntries(s.tables[kind] as Table<unknown>)) m.set(k, r);
  }
  return out;
}

/** The maps of a plain snapshot (`db.snapshot()`), keyed with the database's key functions. */
export function mapsOfPlain(p: PlainSnapshot): ObjectMaps {
  const out = emptyMaps();
  for (const kind of KINDS) {
    const m = out[kind] as Map<string, unknown>;
    for (const r of p[PLURAL[kind]] as RecordByKind[RecordKind][]) m.set(keyOf(kind, r as never), r);
  }
  return out;
}

/**
 * A DbState over the maps, so reading it (views, `toJSON()` order) is exactly the database's: a
 * rebuilt snapshot lists its records in the same order as `db.snapshot()` did.
 */
export function stateOfMaps(maps: ObjectMaps, version = 0): DbState {
  const tables = {} as Record<RecordKind, Table<unknown>>;
  // Shards nothing falls into share one empty Map, as in the database's own tables (table.ts):
  // a rebuilt route table would otherwise make 4,096 Maps, most of them for nothing.
  const none: ReadonlyMap<string, unknown> = new Map();
  for (const kind of KINDS) {
    const shards = new Array<ReadonlyMap<string, unknown>>(SHARDS[kind]).fill(none);
    for (const [k, r] of maps[kind] as Map<string, unknown>) {
      const i = shardOf(kind, k);
      let s = shards[i]!;
      if (s === none) shards[i] = s = new Map<string, unknown>();
      (s as Map<string, unknown>).set(k, r);
    }
    tables[kind] = { size: maps[kind].size, shards };
  }
  return new DbState({ version, tables } as unknown as DbSnapshot);
}

export function plainOfMaps(maps: ObjectMaps): PlainSnapshot {
  return stateOfMaps(maps).toJSON();
}

/** Total records in the maps. */
export function countMaps(maps: ObjectMaps): number {
  return KINDS.reduce((n, k) => n + maps[k].size, 0);
}
