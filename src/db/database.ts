/**
 * Database: the live, read-only mirror of the kernel's network objects.
 *
 *   const db = new Database();
 *   await db.open(source, { load: { routes: { tables: [254] } } });
 *   db.interfaces.eth0; db.routes.filter({ oif: 2 }); db.snapshot();
 *   db.changes$.subscribe(c => ...); await db.wait(s => s.interfaces.get('veth0'), { timeout: 5000 });
 *   db.close();
 *
 * Open: subscribe to the source's events first (they queue), dump every kept kind (mark, dump,
 * sweep, origin 'resync'; into a table that is still empty, a plain load: bulk.ts), then apply
 * the queued events in order. An event that arrived during the dump may be older or newer than
 * what the dump saw; applying all of them after the dump is safe: a 'new' carries the whole object
 * and overwrites, a 'del' of something the dump did not have is a no-op, and every later kernel
 * change is itself among the queued events, so the state converges on the kernel's (an old event
 * may cause a transient change that a later one undoes).
 *
 * Overrun (events lost): a resync of every kept kind takes its turn in the apply queue. Reads stay
 * available throughout (they see the snapshot as of the last applied slice); events that arrive
 * meanwhile wait behind the resync. Rules that cannot decide (route-merge.ts) ask for a targeted
 * resync of their kind the same way.
 *
 * Publishing an update: the new state becomes current first, then `updates$` emits, then each
 * change on `changes$`, then `state$` — so a subscriber to any of them reads the new state.
 */
import type { Immer } from 'immer';
import type { Observable, SchedulerLike } from 'rxjs';
import { Emitter, type Listener, type Unsubscribable } from '../util/emitter.js';
import { rxjs } from '../util/lazy-rxjs.js';
import type { RecordByKind, RecordKind } from '../iproute/records.js';
import type { ViewCache } from './collection.js';
import { TableLoad } from './bulk.js';
import { DbClosedError, DbSourceError } from './errors.js';
import { compileLoad, type CompiledLoad, type DumpHint, type LoadOptions } from './load.js';
import { waitFor, type WaitOptions, type Waited } from './observe.js';
import { ApplyQueue, setImmediateYield } from './queue.js';
import { Resync } from './reconcile.js';
import { createImmer, reduce } from './reducer.js';
import { dumpChunks, type DbSource } from './source.js';
import { DbState, makeViews, plainOf, type Views } from './state.js';
import { emptySnapshot } from './table.js';
import type { AnyChange, DbEvent, PlainSnapshot, Update } from './types.js';

/** How long an event slice should hold the event loop, by default (see OpenOptions.sliceMs). */
export const DEFAULT_SLICE_MS = 8;

export interface DatabaseOptions {
  /** Clock for `wait` timeouts (a TestScheduler in tests). */
  scheduler?: SchedulerLike;
  /** The immer instance to produce with. */
  immer?: Immer;
  /** How to give the event loop a turn between slices (setImmediate). */
  yieldToLoop?: () => Promise<void>;
  /** Delay before retrying a failed resync, doubled each time up to 30 s (default 100 ms). */
  resyncRetryMs?: number;
}

export interface OpenOptions {
  /** Which kinds and records to keep (all by default). */
  load?: LoadOptions;
  /** Events (or dumped records) applied per slice at most before yielding (default 5,000). */
  sliceSize?: number;
  /**
   * Milliseconds an event slice should hold the event loop (default 8): slices are sized from
   * the time per event measured on the previous ones, between 100 events (or sliceSize, if
   * smaller) and sliceSize. Infinity: every slice is sliceSize.
   */
  sliceMs?: number;
  /**
   * Dumped records applied (or swept) per slice in a resync, when it should differ from
   * `sliceSize`. Each slice copies the shards it touches, and a slice of a dump touches nearly
   * all of them, so resyncing N records in slices of c copies about N²/2c entries: bigger slices
   * are faster and hold the event loop longer (default: sliceSize). A kind whose table is empty
   * (the open) is loaded without slices or copies (bulk.ts), and published once when complete.
   */
  dumpSliceSize?: number;
}

/** One applied update: the state after it and the changes that led there. */
export interface DbUpdate {
  readonly state: DbState;
  readonly changes: readonly AnyChange[];
}

export class Database implements Views {
  readonly interfaces: Views['interfaces'];
  readonly addresses: Views['addresses'];
  readonly routes: Views['routes'];
  readonly rules: Views['rules'];
  readonly neighbours: Views['neighbours'];

  private current: DbState;
  // Plain emitters; the rxjs Observables below are made on first use, so a program that never
  // subscribes never loads rxjs (src/util/emitter.ts).
  private readonly stateSubject = new Emitter<DbState>();
  private readonly changesSubject = new Emitter<AnyChange>();
  private readonly updatesSubject = new Emitter<DbUpdate>();
  private readonly errorsSubject = new Emitter<Error>();
  private stateView: Observable<DbState> | undefined;
  private readonly cache: ViewCache = new WeakMap();
  private readonly immer: Immer;
  private readonly subs: Unsubscribable[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private source: DbSource | null = null;
  private load: CompiledLoad = compileLoad();
  private queue: ApplyQueue | null = null;
  private sliceSize = 5000;
  private dumpSliceSize = 5000;
  private closed = false;
  private pendingResync: { kinds: Set<RecordKind>; done: Promise<void> } | null = null;
  private retryDelay: number;
  private abortOpen: ((e: Error) => void) | null = null;

  constructor(private readonly options: DatabaseOptions = {}) {
    this.immer = options.immer ?? createImmer();
    this.retryDelay = options.resyncRetryMs ?? 100;
    this.current = new DbState(emptySnapshot(), this.cache);
    const views = makeViews(
      (kind) => this.current.snapshot.tables[kind],
      (kind) => {
        const { map, distinctUntilChanged } = rxjs();
        return this.state$.pipe(map((s) => s.snapshot.tables[kind]), distinctUntilChanged());
      },
      this.cache,
    );
    this.interfaces = views.interfaces;
    this.addresses = views.addresses;
    this.routes = views.routes;
    this.rules = views.rules;
    this.neighbours = views.neighbours;
  }

  /** The current state on subscribe, then every new one. Completes on close. */
  get state$(): Observable<DbState> {
    // BehaviorSubject-like, but emitted after changes$ (see publish).
    this.stateView ??= new (rxjs().Observable)<DbState>((subscriber) => {
      subscriber.next(this.current);
      if (this.closed) {
        subscriber.complete();
        return undefined;
      }
      const sub = this.stateSubject.subscribe(subscriber);
      return () => sub.unsubscribe();
    });
    return this.stateView;
  }

  /** Every change, once, in order. Completes on close. */
  get changes$(): Observable<AnyChange> {
    return this.changesSubject.observable;
  }

  /** Every applied update (state and its changes together), for journals. Completes on close. */
  get updates$(): Observable<DbUpdate> {
    return this.updatesSubject.observable;
  }

  /**
   * Failures that did not stop the database (a failed resync, the event stream failing), and
   * those of work built on it that reports here (report()).
   */
  get errors$(): Observable<Error> {
    return this.errorsSubject.observable;
  }

  /** Reports on errors$ a failure of background work built on the database (IPDB's freeze reverts). */
  report(err: Error): void {
    if (!this.closed) this.errorsSubject.next(err);
  }

  /**
   * changes$ for the library's own listeners (the effects check, the store): the same changes,
   * without loading rxjs. Returns how to stop listening.
   */
  listenChanges(listener: ((change: AnyChange) => void) | Partial<Listener<AnyChange>>): Unsubscribable {
    return this.changesSubject.subscribe(listener);
  }

  /** The current state (a fixed view of the current snapshot). */
  get state(): DbState {
    return this.current;
  }

  get isOpen(): boolean {
    return this.source !== null && !this.closed;
  }

  /** Plain arrays of every record, in stable order, JSON-serialisable. */
  snapshot(): PlainSnapshot {
    return plainOf(this);
  }

  /**
   * Subscribes to the source's events, dumps every kept kind, applies the events that arrived
   * meanwhile, and resolves. The database owns the source from here on (closes it on close).
   * Rejects with DbSourceError if a dump fails (the database is then closed).
   */
  async open(source: DbSource, options: OpenOptions = {}): Promise<this> {
    if (this.closed) throw new DbClosedError('database closed');
    if (this.source) throw new Error('database already open');
    this.source = source;
    this.load = compileLoad(options.load);
    this.sliceSize = options.sliceSize ?? 5000;
    this.dumpSliceSize = options.dumpSliceSize ?? this.sliceSize;
    const queue = new ApplyQueue({
      apply: (events) => this.applyEvents(events),
      sliceSize: this.sliceSize,
      sliceMs: options.sliceMs ?? DEFAULT_SLICE_MS,
      yieldToLoop: this.options.yieldToLoop ?? setImmediateYield,
    });
    this.queue = queue;
    const loaded = new Promise<void>((resolve, reject) => {
      this.abortOpen = reject;
      queue.pushJob(() => this.dumpAndSweep(this.load.kinds).then(resolve, reject));
    });
    // Subscribe after queueing the load job and before it runs: events queue up behind the dump.
    this.subs.push(source.events$.subscribe({
      next: (batch) => this.onEvents(batch),
      error: (e: unknown) => this.errorsSubject.next(new DbSourceError('events', { cause: e })),
    }));
    this.subs.push(source.overrun$.subscribe(() => void this.requestResync(this.load.kinds).catch(() => undefined)));
    try {
      await loaded;
      await queue.barrier();
    } catch (e) {
      this.close();
      throw e instanceof DbClosedError ? e : new DbSourceError('open', { cause: e });
    } finally {
      this.abortOpen = null;
    }
    return this;
  }

  /**
   * Re-dumps `kinds` (all kept kinds by default) and corrects the database from it: mark, dump,
   * sweep, origin 'resync'. Queued behind what is already waiting; requests made before it starts
   * are merged into one.
   */
  resync(kinds?: readonly RecordKind[]): Promise<void> {
    const wanted = (kinds ?? this.load.kinds).filter((k) => this.load.kinds.includes(k));
    return this.requestResync(wanted);
  }

  /**
   * Re-dumps only the routes through link `index` (the source asks the kernel to filter the dump
   * by output device: DumpHint.oif) and corrects those, origin 'resync': a route the database has
   * with `index` as its only output device and the dump does not show is removed, and what the
   * dump shows is stored as it is. What the safety net runs after a link went down or away
   * (src/ipdb/effects-check.ts) instead of re-reading every route. Routes with several next hops
   * are not swept here (a filtered dump speaks for each of them by the kernel's rules, not
   * ours): ask resync() when those matter. Queued like resync().
   */
  resyncRoutesVia(index: number): Promise<void> {
    if (this.closed) return Promise.reject(new DbClosedError());
    if (!this.queue) return Promise.reject(new Error('database not open'));
    if (!this.load.kinds.includes('route')) return Promise.resolve();
    const queue = this.queue;
    return new Promise<void>((resolve, reject) => {
      queue.pushJob(async () => {
        try {
          await this.sweepRoutesVia(index);
          resolve();
        } catch (e) {
          const err = e instanceof DbClosedError ? e : new DbSourceError('resync', { cause: e });
          if (!this.closed) this.errorsSubject.next(err);
          reject(err);
        }
      });
    });
  }

  /** Resolves once everything queued so far (events, resyncs) has been applied. */
  whenIdle(): Promise<void> {
    if (!this.queue) return this.closed ? Promise.reject(new DbClosedError()) : Promise.resolve();
    return this.queue.barrier();
  }

  /**
   * Resolves with the first state (the current one included) for which `predicate` returns
   * something truthy: the state itself for `true`, else the returned value. Rejects with
   * DbTimeoutError after `timeout` ms, with DbClosedError if the database closes first.
   */
  wait<T>(predicate: (state: DbState) => T, options: WaitOptions = {}): Promise<Waited<T>> {
    return rxjs().firstValueFrom(waitFor(this.state$, predicate, { scheduler: this.options.scheduler, ...options }));
  }

  /** Stops everything: unsubscribes, closes the source, completes every observable. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abortOpen?.(new DbClosedError('database closed while opening'));
    for (const sub of this.subs.splice(0)) sub.unsubscribe();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.queue?.close();
    try {
      this.source?.close();
    } catch (e) {
      this.errorsSubject.next(new DbSourceError('close', { cause: e }));
    }
    this.updatesSubject.complete();
    this.changesSubject.complete();
    this.errorsSubject.complete();
    this.stateSubject.complete();
  }

  private onEvents(batch: readonly DbEvent[]): void {
    const kept = batch.filter((ev) => this.load.keep(ev.kind, ev.record));
    this.queue?.pushEvents(kept);
  }

  private applyEvents(events: DbEvent[]): void {
    const result = reduce(this.state.snapshot, events, 'kernel', { immer: this.immer, complete: this.load.complete });
    this.publish(result);
    if (result.resync.length > 0) void this.requestResync(result.resync).catch(() => undefined);
  }

  private publish(update: Update): void {
    if (this.closed) return;
    const moved = update.snapshot !== this.current.snapshot;
    if (!moved && update.changes.length === 0) return;
    if (moved) this.current = new DbState(update.snapshot, this.cache);
    const state = this.current;
    this.updatesSubject.next({ state, changes: update.changes });
    for (const c of update.changes) this.changesSubject.next(c);
    if (moved) this.stateSubject.next(state);
  }

  private requestResync(kinds: readonly RecordKind[]): Promise<void> {
    if (this.closed) return Promise.reject(new DbClosedError());
    if (!this.queue) return Promise.reject(new Error('database not open'));
    if (kinds.length === 0) return Promise.resolve();
    if (this.pendingResync) {
      for (const k of kinds) this.pendingResync.kinds.add(k);
      return this.pendingResync.done;
    }
    const pending = { kinds: new Set(kinds), done: Promise.resolve() };
    pending.done = new Promise<void>((resolve, reject) => {
      this.queue!.pushJob(async () => {
        if (this.pendingResync === pending) this.pendingResync = null; // later requests queue anew
        try {
          await this.dumpAndSweep([...pending.kinds]);
          this.retryDelay = this.options.resyncRetryMs ?? 100;
          resolve();
        } catch (e) {
          const err = e instanceof DbClosedError ? e : new DbSourceError('resync', { cause: e });
          if (!this.closed) {
            this.errorsSubject.next(err);
            this.retryLater([...pending.kinds]);
          }
          reject(err);
        }
      });
    });
    this.pendingResync = pending;
    return pending.done;
  }

  private retryLater(kinds: RecordKind[]): void {
    const delay = this.retryDelay;
    this.retryDelay = Math.min(delay * 2, 30_000);
    const t = setTimeout(() => {
      this.timers.delete(t);
      void this.requestResync(kinds).catch(() => undefined);
    }, delay);
    this.timers.add(t);
  }

  /**
   * A kind whose table is empty (the open): all adds, nothing to sweep, so the records go straight
   * into new shards (bulk.ts) and the table is published once, when its dump is complete. Nothing
   * else writes meanwhile: events wait behind this job in the apply queue.
   */
  private async loadEmpty(kind: RecordKind, checkOpen: () => void): Promise<void> {
    // Kept changes only for someone listening now; one who starts listening during the load
    // still hears every record of it as an add (TableLoad.changes).
    const source = this.source!;
    // Read through dumpEach, the records come in the kernel's dump order (see TableLoad).
    const load = new TableLoad(kind, 'resync', this.changesSubject.observed || this.updatesSubject.observed, source.dumpEach !== undefined);
    const filter = this.load;
    const all = filter.complete.has(kind); // no filter to ask, record by record
    if (source.dumpEach) {
      const visit = (record: RecordByKind[RecordKind], key: string | undefined, group?: number): void => {
        if (all || filter.keep(kind, record)) load.add(record as never, key, group);
      };
      await source.dumpEach(kind, filter.hint(kind), visit, () => load.restarted()).catch((err: unknown) => {
        checkOpen(); // closing the database fails its dump: say so
        throw err;
      });
    } else {
      for await (const chunk of dumpChunks(source.dump(kind, filter.hint(kind)))) {
        checkOpen();
        for (const ev of chunk) {
          if (ev.kind === kind && ev.op === 'new' && (all || filter.keep(kind, ev.record))) load.add(ev.record as never, ev.key);
        }
      }
    }
    checkOpen();
    // The changes are built only for someone to hear them (on open, usually nobody listens yet).
    const heard = this.changesSubject.observed || this.updatesSubject.observed;
    this.publish(load.finish(this.current.snapshot, heard));
  }

  /** resyncRoutesVia(): the filtered dump applied, then its scope swept, slice by slice. */
  private async sweepRoutesVia(index: number): Promise<void> {
    const load = this.load;
    const checkOpen = (): void => {
      if (this.closed) throw new DbClosedError('database closed during a dump');
    };
    const resync = new Resync(['route'], {
      immer: this.immer,
      inScope: (_kind, r) => {
        const route = r as RecordByKind['route'];
        return route.oif === index && (route.multipath === null || route.multipath.length === 0) && load.keep('route', route);
      },
      // The candidates: one pass that keeps the routes through the link (Working.lookup).
      candidates: (w) => w.lookup('route.oif', index),
    });
    await this.runResync('route', resync, { ...load.hint('route'), oif: index }, checkOpen);
  }

  /** One kind's dump (as `hint` narrows it) applied by `resync`, then its sweep, slice by slice. */
  private async runResync(kind: RecordKind, resync: Resync, hint: DumpHint | undefined, checkOpen: () => void): Promise<void> {
    const yieldToLoop = this.options.yieldToLoop ?? setImmediateYield;
    for await (const chunk of dumpChunks(this.source!.dump(kind, hint))) {
      checkOpen();
      const kept = chunk.filter((ev) => ev.kind === kind && this.load.keep(kind, ev.record as RecordByKind[RecordKind]));
      for (let i = 0; i < kept.length; i += this.dumpSliceSize) {
        this.publish(resync.apply(this.state.snapshot, kept.slice(i, i + this.dumpSliceSize)));
        await yieldToLoop();
        checkOpen();
      }
    }
    for (;;) {
      const swept = resync.sweep(this.state.snapshot, this.dumpSliceSize);
      this.publish(swept);
      if (swept.done) break;
      await yieldToLoop();
      checkOpen();
    }
  }

  /** Mark, dump, sweep, kind by kind, slice by slice, publishing as it goes. */
  private async dumpAndSweep(kinds: readonly RecordKind[]): Promise<void> {
    const checkOpen = (): void => {
      if (this.closed) throw new DbClosedError('database closed during a dump');
    };
    for (const kind of kinds) {
      if (this.current.snapshot.tables[kind].size === 0) {
        await this.loadEmpty(kind, checkOpen);
        continue;
      }
      // Links or addresses found down or gone flush routes silently; when this pass does not
      // re-read the routes, the rules say which (reconcile.ts).
      const effects = (kind === 'interface' || kind === 'address') && !kinds.includes('route')
        ? { effects: { complete: this.load.complete, origin: 'resync' as const } }
        : {};
      await this.runResync(kind, new Resync([kind], { immer: this.immer, ...effects }), this.load.hint(kind), checkOpen);
    }
  }
}
