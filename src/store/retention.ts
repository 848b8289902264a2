/**
 * Retention: history rows older than `maxAgeMs`, or beyond the newest `maxRows` of a namespace,
 * are removed, a chunk (default 2,000 rows) per writer transaction, one namespace at a time, after
 * history batches are written and on a slow timer. Planning a chunk costs the main thread a few
 * indexed reads; the work itself runs in the writer thread, in turn with the history batches, so
 * pruning a long backlog never holds up the event path or the file for long.
 *
 * Removing rows must not break `at()`. Each namespace keeps a rolling base: its oldest automatic
 * checkpoint, positioned exactly at the retention edge (checkpoints.seq = namespaces.pruned_to).
 * A chunk of rows is folded into the base before it is deleted: for each object the chunk touches,
 * its last row in the chunk decides, written as a row laid over the base's parts (parts.ts): its
 * `after` record, or 'null' for a removal. Its object count moves by what the chunk added and
 * removed (an object existed before the chunk when its first row there has a `before`, after it
 * when its last row has an `after`), and the base's position and time move to the chunk's last row. A base never
 * swallows the rows of a later session: a chunk stops at the next automatic checkpoint (a later
 * attach's baseline); once no row of the namespace lies before that one, it becomes the base and
 * the old base is dropped. User checkpoints are never removed.
 */
import type { StoreCore, RetentionOptions } from './core.js';
import { deleteCheckpointJob } from './checkpoints.js';
import type { Job } from './writer.js';

// Rows are written in id order (INSERT OR REPLACE: the last one of each object wins), a removal as
// 'null'. The count first, while the chunk's rows are still there. All look at the chunk only.
const FOLD_COUNT =
  'UPDATE checkpoints SET objects = objects + (SELECT coalesce(sum((l.after IS NOT NULL) - (f.before IS NOT NULL)), 0) ' +
  'FROM (SELECT min(id) AS fid, max(id) AS lid FROM history WHERE ns = @ns AND id > @lo AND id <= @hi GROUP BY kind, key) g ' +
  'JOIN history f ON f.id = g.fid JOIN history l ON l.id = g.lid) WHERE id = @cid';
const FOLD_ROWS =
  'INSERT OR REPLACE INTO checkpoint_rows (checkpoint_id, kind, key, record) ' +
  "SELECT @cid, kind, key, coalesce(after, 'null') FROM history WHERE ns = @ns AND id > @lo AND id <= @hi ORDER BY id";
const DROP_ROWS = 'DELETE FROM history WHERE ns = @ns AND id > @lo AND id <= @hi';
const MOVE_BASE = 'UPDATE checkpoints SET seq = @hi, time = @t WHERE id = @cid';
const MOVE_EDGE = 'UPDATE namespaces SET pruned_to = @hi, rows = max(0, rows - @n) WHERE ns = @ns';

interface NsRow { pruned_to: number; rows: number; fill: number | null }
interface CpRow { id: number; name: string; seq: number }

export class Retention {
  private current: Promise<void> | null = null;
  private again = false;
  private readonly timer: NodeJS.Timeout | null = null;
  private readonly chunk: number;

  /**
   * @param whenFilling called for a namespace skipped because its state tables are being filled:
   *   the store makes sure that fill runs (it pokes retention again when the fill is done)
   */
  constructor(private readonly core: StoreCore, private readonly opts: RetentionOptions = {}, private readonly whenFilling: (ns: string) => void = () => undefined) {
    this.chunk = Math.max(1, opts.chunk ?? 2000);
    if (this.enabled) {
      this.timer = setInterval(() => this.poke(), opts.intervalMs ?? 1000);
      this.timer.unref(); // age-based pruning of an idle store must not keep the process alive
    }
  }

  get enabled(): boolean {
    return this.opts.maxAgeMs !== undefined || this.opts.maxRows !== undefined;
  }

  /** Looks for work soon; while a pass runs, that pass looks again when it is done. */
  poke(): void {
    if (!this.enabled || this.core.closed) return;
    if (this.current) {
      this.again = true;
      return;
    }
    void this.start().catch((e: unknown) => this.core.errors.next(e as Error));
  }

  /** Prunes now, until nothing is due (after the pass already running, if any). */
  async run(): Promise<void> {
    while (this.current) await this.current.catch(() => undefined);
    await this.start();
  }

  /** Passes never overlap: each plans from what the previous one left. */
  private start(): Promise<void> {
    const p = this.pass().finally(() => {
      this.current = null;
      if (this.again) {
        this.again = false;
        setImmediate(() => this.poke());
      }
    });
    this.current = p;
    return p;
  }

  /** Prunes until nothing is due: one chunk per namespace per round, each its own transaction. */
  private async pass(): Promise<void> {
    for (;;) {
      if (this.core.closed) return;
      let worked = false;
      const all = this.core.reader.prepare('SELECT ns FROM namespaces ORDER BY ns').pluck().all() as string[];
      for (const ns of all) {
        const job = this.plan(ns);
        if (!job) continue;
        worked = true;
        await this.core.run(job, false);
        if (this.core.closed) return;
      }
      if (!worked) return;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The next chunk of `ns` to remove, as a job; null when nothing is due. */
  plan(ns: string): Job | null {
    const r = this.core.reader;
    const st = r.prepare('SELECT pruned_to, rows, fill FROM namespaces WHERE ns = ?').get(ns) as NsRow | undefined;
    if (!st) return null;
    // While the state tables are filled from a base, its rows and position stay as they are (fill.ts).
    if (st.fill !== null) {
      this.whenFilling(ns);
      return null;
    }
    const lo = st.pruned_to;
    const cutoff = this.opts.maxAgeMs !== undefined ? this.core.tick() - this.opts.maxAgeMs : -Infinity;
    const excess = this.opts.maxRows !== undefined ? st.rows - this.opts.maxRows : 0;
    // Cheap look first (this runs after every batch): is anything due at all?
    const oldest = r.prepare('SELECT id, time FROM history WHERE ns = ? ORDER BY time, id LIMIT 1').raw().get(ns) as [number, number] | undefined;
    if (!oldest || (excess <= 0 && oldest[1] >= cutoff && oldest[0] > lo)) return null;
    const cand = r.prepare('SELECT id, time FROM history WHERE ns = ? ORDER BY time, id LIMIT ?').raw().all(ns, this.chunk) as [number, number][];
    // Rows at or before the edge belong to no base (a file without baselines): they just go.
    const stale = cand.filter(([id]) => id <= lo);
    if (stale.length > 0) {
      return { what: `retention of ${ns}`, sql: ['DELETE FROM history WHERE ns = @ns AND id <= @hi', 'UPDATE namespaces SET rows = max(0, rows - @n) WHERE ns = @ns'],
        ops: [[0, { ns, hi: stale.at(-1)![0] }], [1, { ns, n: stale.length }]] };
    }
    let k = 0;
    while (k < cand.length && (k < excess || cand[k]![1] < cutoff)) k++;
    if (k === 0) return null;
    // The base is the newest baseline at the edge: when a later session's baseline reaches the
    // edge it takes over (what follows it was recorded from it), and older ones are dropped.
    const bases = r.prepare('SELECT id, name, seq FROM checkpoints WHERE ns = ? AND auto = 1 AND ready = 1 AND seq <= ? ORDER BY seq DESC, id DESC').all(ns, lo) as CpRow[];
    const base = bases[0];
    if (bases.length > 1) return this.dropBases(ns, bases.slice(1));
    const next = r.prepare('SELECT id, name, seq FROM checkpoints WHERE ns = ? AND auto = 1 AND ready = 1 AND seq > ? ORDER BY seq LIMIT 1').get(ns, lo) as CpRow | undefined;
    if (next) {
      let within = 0;
      while (within < k && cand[within]![0] <= next.seq) within++;
      // No row of ns lies before the next baseline: move the edge to it; it becomes the base.
      if (within === 0) return { what: `retention of ${ns}`, sql: ['UPDATE namespaces SET pruned_to = ? WHERE ns = ?'], ops: [[0, next.seq, ns]] };
      k = within;
    }
    const [hi, t] = cand[k - 1]!;
    const p = { ns, lo, hi, t, n: k, cid: base?.id ?? -1 };
    // A base not at the edge is not the state there: without one, rows are removed unfolded.
    const fold = base !== undefined && base.seq === lo;
    const sql = fold ? [FOLD_COUNT, FOLD_ROWS, DROP_ROWS, MOVE_BASE, MOVE_EDGE] : [DROP_ROWS, MOVE_EDGE];
    return { what: `retention of ${ns}`, sql, ops: sql.map((_, i) => [i, p]) };
  }

  private dropBases(ns: string, old: readonly CpRow[]): Job {
    const jobs = old.map((c) => deleteCheckpointJob(ns, c.name));
    const sql = jobs[0]!.sql;
    return { what: `retention of ${ns}`, sql, ops: jobs.flatMap((j) => j.ops) };
  }
}
