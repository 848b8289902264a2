/**
 * Reconciliation with a dump: mark, dump, sweep.
 *
 * After an overrun (events were lost) or when a rule could not decide (route-merge.ts), the
 * database re-dumps the kinds concerned and corrects itself: every dumped record is stored
 * (an equal one is left alone: no change), then every record of those kinds the dump did not
 * mention is removed. The result is exactly the real differences, once each, origin 'resync':
 * not the dump replayed as events (NDB's 201,000 events for 100,000 routes), not a reset.
 *
 * A dump is authoritative, so the event rules (cascades, NLM_F_REPLACE, multipath merging) do not
 * run here, with one exception (`effects`): a re-dump of interfaces or addresses alone can find
 * what a lost or absorbed event would have told, a link that went down or away, an address that
 * went, and the kernel's silent consequences of it (IPv4 routes flushed, effects.ts) concern kinds
 * this re-dump does not read. So, when asked, the side-effect rules run for what the re-dump finds.
 * Example: an interface re-dump overlaps `ip link set X down`; the dump already shows X down, so
 * the RTM_NEWLINK queued behind it changes nothing and would not flush X's routes. `Resync` works in slices so a large dump never holds the event loop: `apply` chunk by
 * chunk as the dump arrives, then `sweep` with a limit until it says done. `reconcile` does all of
 * it at once.
 */
import type { Immer } from 'immer';
import type { AnyRecord, RecordKind } from '../iproute/records.js';
import { addressRemoved, linkDown, linkRemoved, type EffectOptions } from './effects.js';
import { keyOf } from './keys.js';
import { createImmer } from './reducer.js';
import type { DbSnapshot, Update } from './types.js';
import { Working } from './working.js';
import type { DumpEvent } from './source.js';

export interface ReconcileOptions {
  immer?: Immer;
  /**
   * Which stored records the dump speaks for (default: all of the kinds given). A dump of one
   * routing table must not sweep the routes of the others.
   */
  inScope?: (kind: RecordKind, record: AnyRecord) => boolean;
  /**
   * Where the sweep looks for records the dump did not mention (default: every record of the
   * kinds). With `inScope`, for a narrow dump over a big table: the records in scope are among
   * these keys (e.g. Working.lookup of the routes through one link), and no other is read.
   */
  candidates?: (w: Working, kind: RecordKind) => Iterable<string>;
  /**
   * Run the kernel's side-effect rules for links found down or gone and addresses found gone
   * (see the header). For a re-dump that does not also re-read the routes: one that does would
   * only see its flushes undone by the route dump that follows.
   */
  effects?: EffectOptions;
}

export class Resync {
  private readonly kinds: ReadonlySet<RecordKind>;
  private readonly seen = new Map<RecordKind, Set<string>>();
  private readonly immer: Immer;
  private pending: [RecordKind, string][] | null = null;

  constructor(kinds: Iterable<RecordKind>, private readonly options: ReconcileOptions = {}) {
    this.kinds = new Set(kinds);
    for (const k of this.kinds) this.seen.set(k, new Set());
    this.immer = options.immer ?? createImmer();
  }

  /** Stores dumped records (marking them seen). Records of other kinds are ignored. */
  apply(snapshot: DbSnapshot, dumped: Iterable<DumpEvent>): Update {
    const w = new Working(snapshot, 'resync');
    this.applyTo(w, dumped);
    return { snapshot: w.finish(this.immer), changes: w.changes };
  }

  /** Removes up to `limit` records the dump did not mention; `done` once none is left. */
  sweep(snapshot: DbSnapshot, limit = Infinity): Update & { done: boolean } {
    const w = new Working(snapshot, 'resync');
    const done = this.sweepInto(w, limit);
    return { snapshot: w.finish(this.immer), changes: w.changes, done };
  }

  /** @internal */
  applyTo(w: Working, dumped: Iterable<DumpEvent>): void {
    if (this.pending) throw new Error('Resync.apply after the sweep started');
    for (const ev of dumped) {
      const seen = this.seen.get(ev.kind);
      if (!seen || ev.op !== 'new') continue;
      const key = ev.key ?? keyOf(ev.kind, ev.record as never);
      seen.add(key);
      const fx = this.options.effects;
      if (fx && ev.kind === 'interface') {
        const before = w.get('interface', key);
        const r = ev.record as AnyRecord & { index: number; state: string };
        if (before?.state === 'up' && r.state === 'down') linkDown(w, r.index, fx);
      }
      w.put(ev.kind, ev.record as never, {}, key);
    }
  }

  /** @internal */
  sweepInto(w: Working, limit: number): boolean {
    if (!this.pending) this.pending = this.unseen(w);
    let n = 0;
    while (this.pending.length > 0 && n < limit) {
      const [kind, key] = this.pending.pop()!;
      const fx = this.options.effects;
      if (fx && kind === 'interface') {
        const link = w.get('interface', key);
        if (link) linkRemoved(w, link.index, fx);
      }
      const gone = w.remove(kind, key);
      if (fx && kind === 'address' && gone) addressRemoved(w, gone as never, fx);
      n++;
    }
    return this.pending.length === 0;
  }

  private unseen(w: Working): [RecordKind, string][] {
    const out: [RecordKind, string][] = [];
    const { inScope, candidates } = this.options;
    for (const kind of this.kinds) {
      const seen = this.seen.get(kind)!;
      if (candidates) {
        for (const key of candidates(w, kind)) {
          const rec = w.get(kind, key);
          if (rec !== undefined && !seen.has(key) && (!inScope || inScope(kind, rec as AnyRecord))) out.push([kind, key]);
        }
        continue;
      }
      w.each(kind, (key, rec) => {
        if (!seen.has(key) && (!inScope || inScope(kind, rec as AnyRecord))) out.push([kind, key]);
      });
    }
    return out.reverse(); // popped from the end: swept in table order
  }

  /** The immer instance this resync produces with. */
  get producer(): Immer {
    return this.immer;
  }
}

/** Mark, dump, sweep in one go: the exact differences between `snapshot` and the dump. */
export function reconcile(
  snapshot: DbSnapshot,
  kinds: Iterable<RecordKind>,
  dumped: Iterable<DumpEvent>,
  options: ReconcileOptions = {},
): Update {
  const r = new Resync(kinds, options);
  const w = new Working(snapshot, 'resync');
  r.applyTo(w, dumped);
  r.sweepInto(w, Infinity);
  return { snapshot: w.finish(r.producer), changes: w.changes };
}
