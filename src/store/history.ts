/**
 * Reading history: filtered lists of recorded changes, and the state at a past moment.
 *
 * `at(t)` is the state after every change stamped at or before t: it starts from the replayable
 * checkpoint (saved from the live state, with a history position `seq`) that is latest among those
 * taken at or before t and whose following history retention has not touched (seq >= pruned_to),
 * and replays the history rows after its position up to t. The baseline taken on attach is such a
 * checkpoint, and retention keeps one at the edge of what it removes (retention.ts), so every
 * moment from the first attach on can be rebuilt, back to the retention horizon. Between two
 * sessions (nothing attached) the store answers with the state it last saw.
 */
import type { Database as SqliteDb } from 'better-sqlite3';
import type { AnyChange, Origin } from '../db/types.js';
import type { AnyRecord, RecordKind } from '../iproute/records.js';
import { loadCheckpoint } from './parts.js';
import { HistoryRangeError } from './errors.js';
import type { ObjectMaps } from './maps.js';
import { upgradeStored } from './upgrade.js';

export type TimeLike = Date | number;

export interface HistoryFilter {
  /** From this time on (inclusive). */
  since?: TimeLike;
  /** Up to this time (inclusive). */
  until?: TimeLike;
  kind?: RecordKind | readonly RecordKind[];
  /** An identity key (as in Change.key). */
  key?: string;
  origin?: Origin;
  txid?: string;
  /** At most this many rows: the oldest ones, or the newest with order 'desc'. */
  limit?: number;
  /** 'asc' (default): oldest first. */
  order?: 'asc' | 'desc';
}

/** A recorded change: shaped like the changes of `db.changes$`, with when and in which transaction. */
export type HistoryEntry = AnyChange & {
  /** The row's id: increases with every change recorded in the file. */
  readonly id: number;
  readonly ns: string;
  readonly time: Date;
  readonly txid: string | null;
};

export const ms = (t: TimeLike): number => (typeof t === 'number' ? t : t.getTime());

interface Row {
  id: number;
  ns: string;
  time: number;
  kind: RecordKind;
  key: string;
  op: AnyChange['op'];
  origin: Origin;
  txid: string | null;
  reason: string | null;
  fields: string | null;
  before: string | null;
  after: string | null;
}

export function readHistory(reader: SqliteDb, ns: string, f: HistoryFilter = {}): HistoryEntry[] {
  const where = ['ns = @ns'];
  const params: Record<string, unknown> = { ns };
  if (f.since !== undefined) (where.push('time >= @since'), (params.since = ms(f.since)));
  if (f.until !== undefined) (where.push('time <= @until'), (params.until = ms(f.until)));
  if (f.kind !== undefined) {
    const kinds = typeof f.kind === 'string' ? [f.kind] : f.kind;
    where.push(`kind IN (${kinds.map((_, i) => `@kind${i}`).join(', ') || 'NULL'})`);
    kinds.forEach((k, i) => (params[`kind${i}`] = k));
  }
  if (f.key !== undefined) (where.push('key = @key'), (params.key = f.key));
  if (f.origin !== undefined) (where.push('origin = @origin'), (params.origin = f.origin));
  if (f.txid !== undefined) (where.push('txid = @txid'), (params.txid = f.txid));
  const dir = f.order === 'desc' ? 'DESC' : 'ASC';
  let sql = `SELECT * FROM history WHERE ${where.join(' AND ')} ORDER BY time ${dir}, id ${dir}`;
  if (f.limit !== undefined) (sql += ' LIMIT @limit'), (params.limit = Math.max(0, Math.floor(f.limit)));
  return (reader.prepare(sql).all(params) as Row[]).map(entryOf);
}

function entryOf(r: Row): HistoryEntry {
  const e: Record<string, unknown> = {
    op: r.op,
    kind: r.kind,
    key: r.key,
    before: r.before === null ? undefined : upgradeStored(r.kind, JSON.parse(r.before) as AnyRecord),
    after: r.after === null ? undefined : upgradeStored(r.kind, JSON.parse(r.after) as AnyRecord),
    origin: r.origin,
  };
  if (r.fields !== null) e.fields = JSON.parse(r.fields) as string[];
  if (r.reason !== null) e.reason = r.reason;
  e.id = r.id;
  e.ns = r.ns;
  e.time = new Date(r.time);
  e.txid = r.txid;
  return e as unknown as HistoryEntry;
}

/** The objects of `ns` as they were at `time` (see the file comment). */
export function mapsAt(reader: SqliteDb, ns: string, time: number): ObjectMaps {
  const floor = (reader.prepare('SELECT pruned_to FROM namespaces WHERE ns = ?').get(ns) as { pruned_to: number } | undefined)?.pruned_to ?? 0;
  const start = reader.prepare(
    'SELECT id, time, seq FROM checkpoints WHERE ns = ? AND ready = 1 AND seq IS NOT NULL AND seq >= ? AND time <= ? ' +
    'ORDER BY seq DESC, time DESC, id DESC LIMIT 1').get(ns, floor, time) as { id: number; time: number; seq: number } | undefined;
  if (!start) {
    const earliest = reader.prepare('SELECT min(time) AS t FROM checkpoints WHERE ns = ? AND ready = 1 AND seq IS NOT NULL AND seq >= ?').get(ns, floor) as { t: number | null };
    throw new HistoryRangeError(ns, time, earliest.t);
  }
  const maps = loadCheckpoint(reader, start.id);
  // Rows after the checkpoint are stamped no earlier than it (the clock is monotonic, core.ts):
  // the time range keeps this on the (ns, time) index.
  const rows = reader.prepare(
    'SELECT kind, key, after FROM history WHERE ns = ? AND time >= ? AND time <= ? AND id > ? ORDER BY time, id',
  ).raw().iterate(ns, start.time, time, start.seq) as Iterable<[RecordKind, string, string | null]>;
  for (const [kind, key, after] of rows) {
    const m = maps[kind] as Map<string, unknown>;
    if (after === null) m.delete(key);
    else m.set(key, upgradeStored(kind, JSON.parse(after)));
  }
  return maps;
}
