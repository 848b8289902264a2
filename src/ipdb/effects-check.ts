/**
 * The safety net under the side-effect rules (db/effects.ts).
 *
 * The kernel removes routes without a word when a link goes down, goes away or loses addresses
 * (IPv4's fib_table_flush sends no RTM_DELROUTE). The database models those effects with rules
 * read from the kernel's source and checked against it by the integration tests; but a rule can
 * only be as exact as what the records show (dead nexthop flags, nexthop scopes, VRFs and other
 * kernels' variations are not visible). So after each such trigger a targeted re-dump of routes
 * runs, debounced: when the rules were exact it finds nothing (no change is emitted); when they
 * were not, it emits exactly the corrections, origin 'resync'.
 *
 * Cost: one route dump per burst of triggers, at most one per (dump time + delay), never more
 * than one in flight; triggers during a dump schedule one more after it.
 */
import type { Database } from '../db/database.js';
import type { AnyChange } from '../db/types.js';
import type { Unsubscribable } from '../util/emitter.js';

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
  /** Re-dumps run, and route changes they found (0 while the rules are exact). */
  readonly stats = { triggers: 0, resyncs: 0, corrections: 0 };
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
        this.schedule();
      }
    });
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
    const done = this.db.resync(['route']).catch(() => undefined); // failures reach db.errors$
    this.running = done.then(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    });
  }
}
