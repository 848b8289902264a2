/**
 * The safety net under the side-effect rules (db/effects.ts).
 *
 * The kernel removes routes without a word when a link goes down, goes away or loses addresses
 * (IPv4's fib_table_flush sends no RTM_DELROUTE). The database models those effects with rules
 * read from the kernel's source and checked against it by the integration tests; but a rule can
 * only be as exact as what the records show (dead nexthop flags, nexthop scopes, VRFs and other
 * kernels' variations are not visible). So after each such trigger a re-dump of routes runs,
 * debounced: when the rules were exact it finds nothing (no change is emitted); when they were
 * not, it emits exactly the corrections, origin 'resync'.
 *
 * Targeted where it can be: after links went down or away (at most TARGETED_LINKS of them, none
 * with a route of several next hops through it), only the routes through each are re-dumped, the
 * kernel filtering by device (Database.resyncRoutesVia): a link down in a table of 100,000 routes
 * re-read its 100 routes, where the whole table took about 0.25 s of the event loop's thread.
 * The IPv6 addresses such a link loses with it are covered by that (the rules change no route
 * elsewhere for an address of a link that is down). Any other address that went re-dumps every
 * route: the kernel also flushes the routes using an IPv4 address as their source, on any link.
 *
 * Cost: one round of dumps per burst of triggers, at most one per (dump time + delay), never more
 * than one in flight; triggers during a round schedule one more after it.
 */
import type { Database } from '../db/database.js';
import { tableMatching } from '../db/table.js';
import type { AnyChange } from '../db/types.js';
import type { RouteRecord } from '../iproute/records.js';
import type { Unsubscribable } from '../util/emitter.js';

/** Links gone down or away in one burst up to which only their routes are re-dumped. */
export const TARGETED_LINKS = 8;

export interface EffectsCheckOptions {
  /** Milliseconds between the first trigger and the re-dump (default 100). */
  delayMs?: number;
}

/** Does this change make the kernel drop routes silently? */
export function triggersRouteFlush(c: AnyChange): boolean {
  if (c.origin === 'resync') return false;
  if (c.kind === 'interface') {
    if (c.op === 'remove') return true;
    return c.op === 'change' && c.before?.state === 'up' && c.after?.state === 'down';
  }
  return c.kind === 'address' && c.op === 'remove';
}

export class EffectsCheck {
  /**
   * Re-dumps run (`targeted`: of them, those of the routes through a few links only), and route
   * changes they found (0 while the rules are exact).
   */
  readonly stats = { triggers: 0, resyncs: 0, targeted: 0, corrections: 0 };
  /** The links and addresses of the triggers since the last round. */
  private links = new Set<number>();
  private addresses: { family: number; index: number }[] = [];
  private readonly delayMs: number;
  private readonly sub: Unsubscribable;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(private readonly db: Database, options: EffectsCheckOptions = {}) {
    this.delayMs = options.delayMs ?? 100;
    // listenChanges, not changes$: the check runs in every IPDB and must not load rxjs.
    this.sub = db.listenChanges((c) => {
      if (c.kind === 'route' && c.origin === 'resync' && this.running) this.stats.corrections += 1;
      if (triggersRouteFlush(c)) {
        this.stats.triggers += 1;
        if (c.kind === 'interface') this.links.add((c.before ?? c.after)!.index);
        else if (c.kind === 'address') this.addresses.push({ family: c.before!.family, index: c.before!.index });
        this.schedule();
      }
    });
  }

  /** Whether the database has a route of several next hops with one of them through `links`. */
  private multipathThrough(links: readonly number[]): boolean {
    let found = false;
    tableMatching(this.db.state.snapshot.tables.route, (r: RouteRecord) =>
      !found && r.multipath !== null && r.multipath.some((h) => h.oif !== null && links.includes(h.oif)), () => { found = true; });
    return found;
  }

  /** True while a re-dump is waiting or running. */
  get pending(): boolean {
    return this.timer !== undefined || this.running !== undefined;
  }

  /** Runs a waiting re-dump now; resolves when none is waiting or running any more. */
  async flush(): Promise<void> {
    while (!this.closed && this.pending) {
      if (this.timer !== undefined) {
        clearTimeout(this.timer);
        this.timer = undefined;
        this.run();
      }
      await this.running?.catch(() => undefined);
    }
  }

  close(): void {
    this.closed = true;
    this.sub.unsubscribe();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, this.delayMs);
    // A pending check must not keep the process alive on its own.
    this.timer.unref();
  }

  private run(): void {
    if (this.closed) return;
    this.stats.resyncs += 1;
    const links = [...this.links];
    const covered = (a: { family: number; index: number }): boolean => a.family === 6 && this.links.has(a.index);
    const all = !this.addresses.every(covered) || links.length > TARGETED_LINKS || this.multipathThrough(links);
    this.links = new Set();
    this.addresses = [];
    if (!all) this.stats.targeted += 1;
    // Failures reach db.errors$; a targeted round that failed is done again in full.
    const done = all
      ? this.db.resync(['route']).catch(() => undefined)
      : Promise.all(links.map((i) => this.db.resyncRoutesVia(i))).catch(() => this.db.resync(['route'])).catch(() => undefined);
    this.running = done.then(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    });
  }
}
