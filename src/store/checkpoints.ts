/**
 * Checkpoints: a whole namespace's state saved under a name. How the objects are stored is
 * parts.ts (compact parts, rows laid over them); this file finds, lists and removes checkpoints
 * and compares two states.
 *
 * A checkpoint of the live state is taken at an exact history position (`seq`): every history row
 * of its namespace with a higher id came after it. That is what lets `at()` start from any such
 * checkpoint and replay the rows after it. A checkpoint saved from a snapshot handed in has no
 * position (seq NULL): it serves diff and restore, not replay.
 *
 * Automatic checkpoints (auto = 1, names starting with '@') are taken when a database is attached
 * (the baseline) and moved forward by retention (retention.ts); users cannot name theirs with '@'.
 * A checkpoint being written has ready = 0 and is invisible here.
 */
import type { Database as SqliteDb } from 'better-sqlite3';
import { changedFields } from '../db/equal.js';
import { KINDS, PLURAL } from '../db/types.js';
import type { RecordByKind, RecordKind } from '../iproute/records.js';
import type { ObjectMaps } from './maps.js';
import type { Job } from './writer.js';

export interface CheckpointInfo {
  readonly name: string;
  readonly time: Date;
  /** Taken by the store (a baseline when a database was attached), not by a user. */
  readonly auto: boolean;
  /**
   * `at()` can start from it: saved from the live state at a known history position, and the
   * history after that position is still complete (retention has not passed it).
   */
  readonly replayable: boolean;
  /** How many objects it holds. */
  readonly objects: number;
}

export interface CheckpointRow {
  id: number;
  name: string;
  time: number;
  auto: number;
  seq: number | null;
}

export function deleteCheckpointJob(ns: string, name: string): Job {
  return {
    what: `delete checkpoint ${name}`,
    sql: [
      'DELETE FROM checkpoint_parts WHERE checkpoint_id = (SELECT id FROM checkpoints WHERE ns = ? AND name = ?)',
      'DELETE FROM checkpoint_rows WHERE checkpoint_id = (SELECT id FROM checkpoints WHERE ns = ? AND name = ?)',
      'DELETE FROM checkpoints WHERE ns = ? AND name = ?',
    ],
    ops: [[0, ns, name], [1, ns, name], [2, ns, name]],
  };
}

export function findCheckpoint(reader: SqliteDb, ns: string, name: string): CheckpointRow | undefined {
  return reader.prepare('SELECT id, name, time, auto, seq FROM checkpoints WHERE ns = ? AND name = ? AND ready = 1').get(ns, name) as CheckpointRow | undefined;
}

export function listCheckpoints(reader: SqliteDb, ns: string): CheckpointInfo[] {
  const rows = reader.prepare(
    'SELECT c.name, c.time, c.auto, c.seq >= coalesce(n.pruned_to, 0) AS replayable, c.objects ' +
    'FROM checkpoints c LEFT JOIN namespaces n ON n.ns = c.ns WHERE c.ns = ? AND c.ready = 1 ORDER BY c.time, c.id').all(ns) as (CheckpointRow & { objects: number; replayable: number | null })[];
  return rows.map((r) => ({ name: r.name, time: new Date(r.time), auto: r.auto === 1, replayable: r.replayable === 1, objects: r.objects }));
}

// ---------------------------------------------------------------------------------------------
// Diff

export interface FieldChange {
  readonly before: unknown;
  readonly after: unknown;
}

export interface ObjectChange<R> {
  readonly key: string;
  readonly before: R;
  readonly after: R;
  /** Every top-level field that differs, with its two values. */
  readonly fields: Readonly<Record<string, FieldChange>>;
}

export interface KindDiff<R> {
  /** In b, not in a. */
  readonly added: readonly { readonly key: string; readonly record: R }[];
  /** In a, not in b. */
  readonly removed: readonly { readonly key: string; readonly record: R }[];
  /** In both (same identity key), with different fields. */
  readonly changed: readonly ObjectChange<R>[];
}

export type SnapshotDiff = { readonly [K in RecordKind as (typeof PLURAL)[K]]: KindDiff<RecordByKind[K]> };

/** Object by object (identity keys) and field by field, a to b; each list sorted by key. */
export function diffMaps(a: ObjectMaps, b: ObjectMaps): SnapshotDiff {
  const out = {} as Record<string, KindDiff<unknown>>;
  for (const kind of KINDS) {
    const ma = a[kind] as Map<string, object>;
    const mb = b[kind] as Map<string, object>;
    const added: { key: string; record: object }[] = [];
    const removed: { key: string; record: object }[] = [];
    const changed: ObjectChange<object>[] = [];
    for (const [key, before] of ma) {
      const after = mb.get(key);
      if (after === undefined) {
        removed.push({ key, record: before });
        continue;
      }
      if (after === before) continue;
      const names = changedFields(before, after);
      if (names.length === 0) continue;
      const fields: Record<string, FieldChange> = {};
      for (const f of names) fields[f] = { before: (before as Record<string, unknown>)[f], after: (after as Record<string, unknown>)[f] };
      changed.push({ key, before, after, fields });
    }
    for (const [key, record] of mb) if (!ma.has(key)) added.push({ key, record });
    const byKey = (x: { key: string }, y: { key: string }): number => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0);
    out[PLURAL[kind]] = { added: added.sort(byKey), removed: removed.sort(byKey), changed: changed.sort(byKey) };
  }
  return out as unknown as SnapshotDiff;
}

/** True when the diff lists nothing. */
export function isEmptyDiff(d: SnapshotDiff): boolean {
  return KINDS.every((k) => {
    const x = d[PLURAL[k]];
    return x.added.length === 0 && x.removed.length === 0 && x.changed.length === 0;
  });
}
