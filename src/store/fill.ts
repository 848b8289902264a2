/**
 * Filling a namespace's current-state tables (state-tables.ts) from its baseline, in the writer's
 * background, after the baseline is in the file.
 *
 * WHY not with the baseline: a row per object is what made opening with a store cost three times
 * opening without (114,000 rows of JSON, ~7 µs each). The baseline is written compactly (parts.ts)
 * and the tables follow, in steps of a few thousand rows, each its own job, each posted when the
 * previous one is done (so history batches of a storm get their turns in between):
 *
 *   1. clear   the namespace's old rows
 *   2. stage   each part: the writer decodes it itself (codec.ts's decodePart, in its thread) and
 *              keeps its records with the keys the main thread sends (the database's own: the main
 *              thread only lists them)
 *   3. drain   per kind, the kept records into the table in key order (writer.ts, FillOp: in key
 *              order the key index is written once, not once per transaction)
 *   4. replay  the history written since the baseline's position, a range of ids per job; the
 *              last job takes the rest and clears the namespace's `fill` mark
 *
 * Retention leaves a namespace alone while it is marked (retention.ts): the baseline keeps its
 * position and gets no rows laid over it (parts.ts) before the fill is done.
 *
 * Measured on the bench namespace (114,000 objects): about 1.2 s of the writer's time; the main
 * thread lists keys (a few ms a part); the writer keeps about 300 bytes a record until written.
 *
 * While a fill is under way the namespace's history batches leave the state tables alone
 * (`active`). From the moment the last replay job is posted, batches write the tables again: the
 * writer runs jobs in order, so every change is in the tables exactly once.
 *
 * The mark (namespaces.fill, set with the baseline) says the tables are not complete. A process
 * that closes, or dies, before the fill is done leaves it: whoever next needs the tables (`query`,
 * `tablesFilled`) fills them again from the same baseline, taking the keys from the decoded
 * records; a new attach starts over from its own baseline.
 */
import { KINDS } from '../db/types.js';
import type { RecordKind } from '../iproute/records.js';
import type { StoreCore } from './core.js';
import { CHECKPOINT_ID, decodeKeyed } from './parts.js';
import { STATE_TABLES } from './state-tables.js';
import type { FillOp, Job } from './writer.js';

/** A part to fill from: which one, how many records, and how to list their keys in the order they were encoded. */
export interface FillPart {
  readonly kind: RecordKind;
  readonly part: number;
  readonly count: number;
  keys(): string[];
}

/** Rows removed, rows written, history ids replayed, per job. */
const CHUNK = 4096;

/** What the writer keeps for one kind of one fill (FillOp), by name: every name of a namespace's fills starts with stagePrefix. */
const stageName = (ns: string, fill: number, kind: RecordKind): string => JSON.stringify([ns, fill, kind]);
const stagePrefix = (ns: string): string => `${JSON.stringify([ns]).slice(0, -1)},`;

function clearJob(ns: string, first: boolean): Job {
  const sql = KINDS.map((k) => `DELETE FROM ${STATE_TABLES[k].table} WHERE rowid IN (SELECT rowid FROM ${STATE_TABLES[k].table} WHERE ns = ? LIMIT ${CHUNK})`);
  const ops: Job['ops'] = KINDS.map((_, i) => [i, ns]);
  // What an earlier fill of this namespace (superseded) left in the writer goes first.
  return { what: `fill ${ns}`, sql, ops: first ? [{ forget: stagePrefix(ns) }, ...ops] : ops };
}

function stageJob(ns: string, name: string, fill: number, p: FillPart): Job {
  const op: FillOp = { stage: stageName(ns, fill, p.kind), from: 0, args: [{ ns, name, kind: p.kind, part: p.part }], keys: p.keys() };
  return { what: `fill ${ns}`, sql: [`SELECT data FROM checkpoint_parts WHERE checkpoint_id = ${CHECKPOINT_ID} AND kind = @kind AND part = @part`], ops: [op] };
}

function drainJob(ns: string, fill: number, kind: RecordKind): Job {
  const op: FillOp = { drain: stageName(ns, fill, kind), into: 0, prefix: [ns], count: CHUNK };
  const upsert = `INSERT INTO ${STATE_TABLES[kind].table} (ns, key, record) VALUES (?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET record = excluded.record`;
  return { what: `fill ${ns}`, sql: [upsert], ops: [op] };
}

/**
 * The history rows of `ns` with lo < id <= hi (no upper bound: hi null) applied in id order: each
 * object ends as its last row there says. The last one also clears the namespace's mark. Rows are
 * read by id range (`+ns`, `+kind` keep SQLite on the rowid, not on an index over the whole history
 * of the namespace).
 */
function replayJob(ns: string, name: string, lo: number, hi: number | null): Job {
  const range = hi === null ? 'id > @lo' : 'id > @lo AND id <= @hi';
  const sql: string[] = [];
  for (const kind of KINDS) {
    const t = STATE_TABLES[kind].table;
    sql.push(
      `INSERT INTO ${t} (ns, key, record) SELECT ns, key, after FROM history WHERE ${range} AND +ns = @ns AND +kind = '${kind}' AND after IS NOT NULL ` +
      'ORDER BY id ON CONFLICT (ns, key) DO UPDATE SET record = excluded.record',
      // objects whose last row in the range removed them
      `DELETE FROM ${t} WHERE ns = @ns AND key IN (SELECT key FROM history WHERE ${range} AND +ns = @ns AND +kind = '${kind}' ` +
      'GROUP BY key HAVING max(id) = max(CASE WHEN after IS NULL THEN id END))',
    );
  }
  if (hi === null) sql.push(`UPDATE namespaces SET fill = NULL WHERE ns = @ns AND fill = ${CHECKPOINT_ID}`);
  return { what: `fill ${ns}`, sql, ops: sql.map((_, i) => [i, { ns, name, lo, hi }]) };
}

export class TableFill {
  /** True from a baseline's last job until the fill's last job is posted: batches skip the tables. */
  active = false;
  private generation = 0;
  private running: Promise<void> | null = null;
  private looked = false;
  private closing = false;

  /** @param onDone called when a fill is done (retention, which leaves the namespace alone meanwhile, looks again) */
  constructor(private readonly core: StoreCore, private readonly ns: string, private readonly onDone: () => void = () => undefined) {}

  /**
   * Fills the tables from checkpoint `name` (posted before this call), superseding a fill under
   * way. Its first job is posted now.
   */
  start(name: string, parts: readonly FillPart[]): void {
    const gen = ++this.generation;
    this.looked = true;
    this.active = true;
    if (this.closing) return; // a baseline finished while the store closes: its fill is left to the next store
    const run = this.run(gen, this.core.nextFill(), name, parts);
    run.catch((e: unknown) => this.core.errors.next(e as Error));
    this.running = run;
  }

  /** Posts nothing more for the fill under way (a new baseline supersedes it). */
  stop(): void {
    this.generation++;
    this.looked = true;
  }

  /** Posts nothing more, and starts no fill (the store is closing): the mark stays in the file for the next store. */
  close(): void {
    this.closing = true;
    this.stop();
  }

  /**
   * Resolves once the tables hold the namespace's state: at once when no fill is under way here
   * or marked in the file; a fill a previous process left unfinished is resumed first.
   */
  async done(): Promise<void> {
    if (!this.looked) {
      this.looked = true;
      this.resume();
    }
    for (;;) {
      const r = this.running;
      if (!r) return;
      await r;
      if (r === this.running) return;
    }
  }

  private async run(gen: number, fill: number, name: string, parts: readonly FillPart[]): Promise<void> {
    const ns = this.ns;
    /** Runs a job unless this fill was superseded or stopped meanwhile (then null). */
    const post = async (job: Job): Promise<number[] | null> => (gen === this.generation ? this.core.run(job, false) : null);
    for (let first = true; ; first = false) {
      const removed = await post(clearJob(ns, first));
      if (removed === null) return;
      if (removed.every((n) => n === 0)) break;
    }
    const count = new Map<RecordKind, number>();
    for (const p of parts) {
      if ((await post(stageJob(ns, name, fill, p))) === null) return;
      count.set(p.kind, (count.get(p.kind) ?? 0) + p.count);
    }
    for (const [kind, n] of count) {
      for (let done = 0; done < n; done += CHUNK) if ((await post(drainJob(ns, fill, kind))) === null) return;
    }
    const r = this.core.reader;
    let lo = (r.prepare('SELECT seq FROM checkpoints WHERE ns = ? AND name = ?').pluck().get(ns, name) as number | null) ?? 0;
    for (;;) {
      const hi = (r.prepare('SELECT max(id) FROM history').pluck().get() as number | null) ?? 0;
      if (hi - lo <= CHUNK) break;
      if ((await post(replayJob(ns, name, lo, lo + CHUNK))) === null) return;
      lo += CHUNK;
    }
    if (gen !== this.generation) return;
    this.active = false;
    await this.core.run(replayJob(ns, name, lo, null), false);
    this.onDone();
  }

  /** Starts again a fill the file marks as unfinished (see the file comment). */
  private resume(): void {
    const r = this.core.reader;
    const mark = r.prepare('SELECT c.name, c.id FROM namespaces n JOIN checkpoints c ON c.id = n.fill WHERE n.ns = ?').get(this.ns) as { name: string; id: number } | undefined;
    if (!mark) return;
    const rows = r.prepare('SELECT kind, part, count FROM checkpoint_parts WHERE checkpoint_id = ? ORDER BY kind, part').all(mark.id) as { kind: RecordKind; part: number; count: number }[];
    const read = r.prepare('SELECT data FROM checkpoint_parts WHERE checkpoint_id = ? AND kind = ? AND part = ?').pluck();
    const parts = rows.map(({ kind, part, count }): FillPart => ({ kind, part, count, keys: () => decodeKeyed(kind, read.get(mark.id, kind, part) as string).keys }));
    this.start(mark.name, parts);
  }
}
