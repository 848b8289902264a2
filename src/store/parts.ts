/**
 * A whole state saved in the file: a checkpoint's objects as parts (codec.ts), plus, for the bases
 * retention has moved, rows laid over them.
 *
 * Saving (`saveState`) is what attaching a database (its baseline) and `checkpoint(name)` do: the
 * state's tables are cut into parts of about PART_RECORDS records along shard boundaries; the
 * main thread encodes one part per turn of the event loop and posts it, so the writer writes a
 * part while the next is encoded, and events keep being handled in between. The checkpoint's row
 * is posted first with `ready = 0` and made ready by the last job: a process killed halfway leaves
 * a row nobody reads (removed at the namespace's next attach), never half a state.
 *
 * Loading (`loadCheckpoint`): every part decoded, each record keyed with the database's keyOf,
 * then the checkpoint's rows applied over them (checkpoint_rows: retention folds the history it
 * removes into its base there, a record or 'null' for an object removed; a checkpoint written by
 * schema version 2 has all its objects there and no parts).
 */
import type { Database as SqliteDb } from 'better-sqlite3';
import { keyOf, routeKeyer } from '../db/keys.js';
import { KINDS, type DbSnapshot } from '../db/types.js';
import type { RecordKind } from '../iproute/records.js';
import { decodePart, encodePart } from './codec.js';
import type { StoreCore } from './core.js';
import { emptyMaps, type ObjectMaps } from './maps.js';
import { upgradeStored } from './upgrade.js';
import type { Job } from './writer.js';

/** Records per part, about: one part is encoded in one turn (~3 ms) and filled in one writer job (~15 ms). */
export const PART_RECORDS = 4096;

/** A state as the saver reads it: per kind, Maps from key to record (a snapshot's shards, or one Map). */
export type StateTables = { readonly [K in RecordKind]: readonly ReadonlyMap<string, unknown>[] };

export function tablesOfSnapshot(s: DbSnapshot): StateTables {
  const out = {} as Record<RecordKind, readonly ReadonlyMap<string, unknown>[]>;
  for (const kind of KINDS) out[kind] = s.tables[kind].shards as readonly ReadonlyMap<string, unknown>[];
  return out;
}

export function tablesOfMaps(m: ObjectMaps): StateTables {
  const out = {} as Record<RecordKind, readonly ReadonlyMap<string, unknown>[]>;
  for (const kind of KINDS) out[kind] = [m[kind] as ReadonlyMap<string, unknown>];
  return out;
}

/** One part to save: a run of one kind's Maps, in table order. */
export interface PartPlan {
  readonly kind: RecordKind;
  readonly part: number;
  readonly maps: readonly ReadonlyMap<string, unknown>[];
  readonly count: number;
}

export function planParts(tables: StateTables): PartPlan[] {
  const out: PartPlan[] = [];
  for (const kind of KINDS) {
    let maps: ReadonlyMap<string, unknown>[] = [];
    let count = 0;
    let part = 0;
    for (const m of tables[kind]) {
      if (m.size === 0) continue;
      maps.push(m);
      count += m.size;
      if (count >= PART_RECORDS) {
        out.push({ kind, part: part++, maps, count });
        maps = [];
        count = 0;
      }
    }
    if (count > 0) out.push({ kind, part, maps, count });
  }
  return out;
}

/** The keys of a planned part, in the order its records were encoded. */
export function keysOfPlan(p: PartPlan): string[] {
  const keys: string[] = [];
  for (const m of p.maps) for (const k of m.keys()) keys.push(k);
  return keys;
}

/** `(SELECT id ...)` of the checkpoint named @name in @ns. */
export const CHECKPOINT_ID = '(SELECT id FROM checkpoints WHERE ns = @ns AND name = @name)';

export interface SaveOptions {
  /** A baseline of the store's own (auto = 1). */
  readonly auto: boolean;
  /** Taken from the live state at the current history position (seq); else seq is NULL. */
  readonly positioned: boolean;
  /** A baseline: the namespace's state tables are to be filled from it (fill.ts). */
  readonly fill: boolean;
  /** Also send a failure to the store's `errors$` (a baseline nobody awaits). */
  readonly report: boolean;
}

const STALE = 'SELECT id FROM checkpoints WHERE ns = @ns AND ready = 0 AND (@stale = 1 OR name = @name)';

function beginJob(ns: string, name: string, time: number, objects: number, o: SaveOptions): Job {
  return {
    what: `checkpoint ${name}`,
    sql: [
      // What a killed process left unready: of the whole namespace when a new session begins,
      // else only a checkpoint of the same name.
      `DELETE FROM checkpoint_parts WHERE checkpoint_id IN (${STALE})`,
      `DELETE FROM checkpoint_rows WHERE checkpoint_id IN (${STALE})`,
      'DELETE FROM checkpoints WHERE ns = @ns AND ready = 0 AND (@stale = 1 OR name = @name)',
      'INSERT INTO checkpoints (ns, name, time, auto, seq, objects, ready) VALUES ' +
      '(@ns, @name, @time, @auto, CASE WHEN @positioned = 1 THEN (SELECT coalesce(max(id), 0) FROM history) END, @objects, 0)',
    ],
    ops: [0, 1, 2, 3].map((i) => [i, { ns, name, time, objects, auto: o.auto ? 1 : 0, positioned: o.positioned ? 1 : 0, stale: o.auto ? 1 : 0 }]),
  };
}

function partJob(ns: string, name: string, kind: RecordKind, part: number, count: number, data: string): Job {
  return {
    what: `checkpoint ${name}`,
    sql: [`INSERT INTO checkpoint_parts (checkpoint_id, kind, part, count, data) VALUES (${CHECKPOINT_ID}, @kind, @part, @count, @data)`],
    ops: [[0, { ns, name, kind, part, count, data }]],
  };
}

function commitJob(ns: string, name: string, o: SaveOptions): Job {
  const sql = ['UPDATE checkpoints SET ready = 1 WHERE ns = @ns AND name = @name'];
  if (o.auto) {
    // The first baseline of a namespace is where its history starts: nothing before it to keep.
    sql.push('UPDATE namespaces SET pruned_to = (SELECT seq FROM checkpoints WHERE ns = @ns AND name = @name) ' +
      'WHERE ns = @ns AND NOT EXISTS (SELECT 1 FROM checkpoints WHERE ns = @ns AND auto = 1 AND ready = 1 AND name <> @name)');
  }
  if (o.fill) sql.push(`UPDATE namespaces SET fill = ${CHECKPOINT_ID} WHERE ns = @ns`);
  return { what: `checkpoint ${name}`, sql, ops: sql.map((_, i) => [i, { ns, name }]) };
}

export interface SavedState {
  /** The parts, as planned (what the fill of a baseline needs). */
  readonly plans: readonly PartPlan[];
  /** Settles once the writer has committed the last job: the checkpoint is ready. */
  readonly done: Promise<void>;
}

/**
 * Saves `tables` as checkpoint `name` of `ns`: posts its row, then one part per turn of the event
 * loop, then the job that makes it ready. Resolves once the last job is posted (not written:
 * `done`). The state must not change meanwhile: a snapshot, or Maps nobody else holds.
 */
export async function saveState(core: StoreCore, ns: string, name: string, time: number, tables: StateTables, o: SaveOptions): Promise<SavedState> {
  const plans = planParts(tables);
  const objects = plans.reduce((n, p) => n + p.count, 0);
  const jobs: Promise<unknown>[] = [core.run(beginJob(ns, name, time, objects, o), o.report)];
  for (let i = 0; i < plans.length; i++) {
    // one part per turn, the first too: attaching (IPDB.open) returns before any is encoded
    await new Promise<void>((r) => setImmediate(r));
    const p = plans[i]!;
    const { text, count } = encodePart(p.kind, p.maps);
    jobs.push(core.run(partJob(ns, name, p.kind, p.part, count, text), o.report));
  }
  jobs.push(core.run(commitJob(ns, name, o), o.report));
  // Every job is awaited through `done`; a failure is the first job's that failed.
  const done = Promise.all(jobs).then(() => undefined);
  done.catch(() => undefined);
  return { plans, done };
}

/** A keyOf for many records in a row (routes through the database's faster keyer). */
function keyerOf(kind: RecordKind): (r: unknown) => string {
  if (kind === 'route') {
    const k = routeKeyer();
    return (r) => k(r as never);
  }
  return (r) => keyOf(kind, r as never);
}

/** The records of one stored part, each with its key. */
export function decodeKeyed(kind: RecordKind, data: string): { keys: string[]; records: unknown[] } {
  const records = decodePart(data);
  for (const r of records) upgradeStored(kind, r);
  const key = keyerOf(kind);
  return { keys: records.map(key), records };
}

/** A checkpoint's objects (see the file comment). */
export function loadCheckpoint(reader: SqliteDb, id: number): ObjectMaps {
  const maps = emptyMaps();
  const parts = reader.prepare('SELECT kind, data FROM checkpoint_parts WHERE checkpoint_id = ? ORDER BY kind, part').raw().iterate(id) as Iterable<[RecordKind, string]>;
  for (const [kind, data] of parts) {
    const m = maps[kind] as Map<string, unknown>;
    const key = keyerOf(kind);
    for (const r of decodePart(data)) m.set(key(r), upgradeStored(kind, r));
  }
  const rows = reader.prepare('SELECT kind, key, record FROM checkpoint_rows WHERE checkpoint_id = ?').raw().iterate(id) as Iterable<[RecordKind, string, string]>;
  for (const [kind, key, record] of rows) {
    const m = maps[kind] as Map<string, unknown>;
    if (record === 'null') m.delete(key);
    else m.set(key, upgradeStored(kind, JSON.parse(record)));
  }
  return maps;
}
