/**
 * Sharded tables: how a kind's records are laid out in a snapshot, and how to read them.
 *
 * A record's shard is a hash of its key's group (keys.ts): for routes the kernel slot, so every
 * route of one slot shares a shard and the NLM_F_REPLACE / multipath rules can find them by
 * scanning one shard. Shard counts are per kind: enough that one shard stays a few hundred entries
 * at the sizes we expect (100,000 routes / 256), few enough that an empty database is small.
 */
import { freeze } from 'immer';
import type { RecordByKind, RecordKind } from '../iproute/records.js';
import { keyGroup } from './keys.js';
import type { DbSnapshot, Table } from './types.js';
import { KINDS } from './types.js';

export const SHARDS: { readonly [K in RecordKind]: number } = {
  interface: 64,
  address: 64,
  route: 256,
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

export function shardOf(kind: RecordKind, key: string): number {
  return hashString(keyGroup(key)) % SHARDS[kind];
}

function emptyTable<R>(shards: number): Table<R> {
  return { size: 0, shards: Array.from({ length: shards }, () => new Map<string, R>()) };
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

/** Every record of a table, shard by shard (no particular order). */
export function* tableEntries<R>(table: Table<R>): Generator<[string, R]> {
  for (const shard of table.shards) yield* shard;
}
