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
 * Targeted where it can be: after links went down or away, only the routes through each are
 * re-dumped, the kernel filtering by device (Database.resyncRoutesVia): a link down in a table of
 * 100,000 routes re-read its 100 routes, where the whole table took about 0.25 s of the event
 * loop's thread. The IPv6 addresses such a link loses with it are covered by that (the rules
 * change no route elsewhere for an address of a link that is down). Any other address that went
 * is covered by the routes of its own link (the last IPv4 address of a link takes the link's
 * routes with it) and of every link with a route that uses the address as its preferred source:
 * the kernel flushes those (IPv4, fib_sync_down_addr) or clears their source (IPv6,
 * rt6_remove_prefsrc) on any link. Those are the links of the routes the rules took or changed
 * for the address, and of the routes that still name it as their source (a table the rules leave
 * alone). Every route is re-dumped when that makes more than TARGETED_LINKS links, when one of
 * those routes has no single device (several next hops, or none), or when a route of several
 * next hops goes through one of the links.
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
  private addresses: { family: number; index: number; address: string }[] = [];
  /**
   * The devices of the routes the rules took or changed for an address that went, since the last
   * round; null once one of them had no single device (every route is re-dumped then).
   */
  private sourceLinks: Set<number> | null = new Set();
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
      if (c.kind === 'route' && c.origin !== 'resync' && (c.reason === 'prefsrc-removed' || c.reason === 'last-ipv4-address-removed')) {
        this.noteSourceLink(c.before!);
      }
      if (triggersRouteFlush(c)) {
        this.stats.triggers += 1;
        if (c.kind === 'interface') this.links.add((c.before ?? c.after)!.index);
        else if (c.kind === 'address') this.addresses.push({ family: c.before!.family, index: c.before!.index, address: c.before!.address });
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

  /** Notes the device of a route an address that went concerns (none: every route is re-dumped). */
  private noteSourceLink(r: RouteRecord): void {
    if (r.oif === null || (r.multipath !== null && r.multipath.length > 0)) this.sourceLinks = null;
    else this.sourceLinks?.add(r.oif);
  }

  /**
   * The links whose routes cover the addresses that went (see the header): each address's own,
   * the sources' noted, and those of the routes still naming one of them as their source; null
   * when only every route does.
   */
  private addressLinks(addresses: readonly { family: number; index: number; address: string }[]): Set<number> | null {
    if (addresses.length === 0) return new Set();
    const sources = new Set(addresses.map((a) => `${a.family}|${a.address}`));
    tableMatching(this.db.state.snapshot.tables.route, (r: RouteRecord) => r.prefsrc !== null && sources.has(`${r.family}|${r.prefsrc}`),
      (_key, r) => this.noteSourceLink(r));
    const out = this.sourceLinks;
    if (out !== null) for (const a of addresses) out.add(a.index);
    return out;
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
    const covered = (a: { family: number; index: number }): boolean => a.family === 6 && this.links.has(a.index);
    const more = this.addressLinks(this.addresses.filter((a) => !covered(a)));
    const links = [...new Set([...this.links, ...(more ?? [])])];
    const all = more === null || links.length > TARGETED_LINKS || this.multipathThrough(links);
    this.links = new Set();
    this.addresses = [];
    this.sourceLinks = new Set();
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
