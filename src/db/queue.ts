/**
 * The apply queue (the "async cache"): one serial line of work in front of the reducer.
 *
 * Event batches from the source are queued and applied on a later turn of the event loop, so
 * whatever arrived together (several socket reads in one tick) is folded into one update. Big
 * backlogs are applied in slices (5,000 events at most by default, fewer when slices are slow:
 * see sliceMs), with a yield to the event loop after each slice: a 100,000-event storm never
 * blocks I/O for its whole length. Jobs (the dump on open, a resync) take their turn in the same
 * line, so events that arrive while a dump runs wait behind it and are applied after it, in order.
 */
import type { DbEvent } from './types.js';
import { DbClosedError } from './errors.js';

type Task =
  | { type: 'events'; events: readonly DbEvent[]; offset: number }
  | { type: 'job'; run: () => Promise<void> }
  | { type: 'barrier'; resolve: () => void; reject: (e: unknown) => void };

export interface QueueOptions {
  /** Applies one slice of events (synchronously: reduce and publish). */
  apply(events: DbEvent[]): void;
  /** Events per slice at most. */
  sliceSize: number;
  /**
   * Milliseconds a slice should take: after each slice the next one is sized from the time per
   * event measured so far (never above sliceSize, never below MIN_ADAPTIVE_SLICE or sliceSize if
   * smaller). Unset: every slice is sliceSize.
   */
  sliceMs?: number;
  /** Gives the event loop a turn (setImmediate by default). */
  yieldToLoop: () => Promise<void>;
  /** The clock for sliceMs (performance.now by default). */
  now?: () => number;
}

/** Adaptive slices never shrink below this many events (or sliceSize, when it is smaller). */
export const MIN_ADAPTIVE_SLICE = 100;
/** The first adaptive slice, before any has been timed (or sliceSize, when it is smaller). */
export const FIRST_ADAPTIVE_SLICE = 1000;

export const setImmediateYield = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class ApplyQueue {
  private readonly tasks: Task[] = [];
  private scheduled = false;
  private running = false;
  private closed = false;
  /** Events the next slice takes (adaptive when options.sliceMs is set). */
  private limit: number;
  /** Smoothed milliseconds per applied event (adaptive slices). */
  private msPerEvent = 0;

  constructor(private readonly options: QueueOptions) {
    // Adaptive: the first slice is a guess (until one has been timed), kept moderate.
    this.limit = options.sliceMs === undefined ? options.sliceSize : Math.min(options.sliceSize, FIRST_ADAPTIVE_SLICE);
  }

  /** Queues a batch of events; applied on a later tick together with whatever else arrives. */
  pushEvents(events: readonly DbEvent[]): void {
    if (this.closed || events.length === 0) return;
    this.tasks.push({ type: 'events', events, offset: 0 });
    this.kick();
  }

  /** Queues a job; what is queued after it waits until it has finished. */
  pushJob(run: () => Promise<void>): void {
    if (this.closed) return;
    this.tasks.push({ type: 'job', run });
    this.kick();
  }

  /** Resolves once everything queued so far has been applied. */
  barrier(): Promise<void> {
    if (this.closed) return Promise.reject(new DbClosedError());
    return new Promise((resolve, reject) => {
      this.tasks.push({ type: 'barrier', resolve, reject });
      this.kick();
    });
  }

  get length(): number {
    return this.tasks.length;
  }

  /** Drops everything queued; pending barriers reject with DbClosedError. */
  close(): void {
    this.closed = true;
    for (const t of this.tasks.splice(0)) if (t.type === 'barrier') t.reject(new DbClosedError());
  }

  private kick(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    // setImmediate, not a microtask: batches that arrive in the same tick are folded together.
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (!this.closed && this.tasks.length > 0) {
        const head = this.tasks[0]!;
        if (head.type === 'barrier') {
          this.tasks.shift();
          head.resolve();
        } else if (head.type === 'job') {
          this.tasks.shift();
          try {
            await head.run();
          } catch {
            // Jobs report their own failures (the database's errors$); the line goes on.
          }
        } else {
          this.applySlice(this.takeSlice());
          if (this.tasks.length > 0) await this.options.yieldToLoop();
        }
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * Applies a slice and, with sliceMs, sizes the next one. What a slice costs per event depends on
   * the tables' sizes (each slice copies the shards it touches) and on the events, so it is
   * measured rather than guessed; a storm then holds the event loop about sliceMs per turn.
   */
  private applySlice(events: DbEvent[]): void {
    const { sliceMs, sliceSize } = this.options;
    if (sliceMs === undefined) {
      this.options.apply(events);
      return;
    }
    const now = this.options.now ?? (() => performance.now());
    const t0 = now();
    this.options.apply(events);
    const per = (now() - t0) / Math.max(1, events.length);
    // Smoothed, so one slow slice (a garbage collection) does not halve the next ones.
    this.msPerEvent = this.msPerEvent === 0 ? per : 0.7 * this.msPerEvent + 0.3 * per;
    const floor = Math.min(sliceSize, MIN_ADAPTIVE_SLICE);
    const fit = this.msPerEvent > 0 ? Math.floor(sliceMs / this.msPerEvent) : sliceSize;
    this.limit = Math.max(floor, Math.min(sliceSize, fit));
  }

  /** Up to `limit` events from the consecutive event batches at the head of the queue. */
  private takeSlice(): DbEvent[] {
    const out: DbEvent[] = [];
    const max = this.limit;
    while (out.length < max) {
      const head = this.tasks[0];
      if (!head || head.type !== 'events') break;
      const take = Math.min(max - out.length, head.events.length - head.offset);
      for (let i = 0; i < take; i++) out.push(head.events[head.offset + i]!);
      head.offset += take;
      if (head.offset >= head.events.length) this.tasks.shift();
    }
    return out;
  }
}
