/**
 * The apply queue (the "async cache"): one serial line of work in front of the reducer.
 *
 * Event batches from the source are queued and applied on a later turn of the event loop, so
 * whatever arrived together (several socket reads in one tick) is folded into one update. Big
 * backlogs are applied in slices (5,000 events by default), with a yield to the event loop after
 * each slice: a 100,000-event storm never blocks I/O for its whole length. Jobs (the dump on
 * open, a resync) take their turn in the same line, so events that arrive while a dump runs wait
 * behind it and are applied after it, in order.
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
  /** Events per slice. */
  sliceSize: number;
  /** Gives the event loop a turn (setImmediate by default). */
  yieldToLoop: () => Promise<void>;
}

export const setImmediateYield = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class ApplyQueue {
  private readonly tasks: Task[] = [];
  private scheduled = false;
  private running = false;
  private closed = false;

  constructor(private readonly options: QueueOptions) {}

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
          this.options.apply(this.takeSlice());
          if (this.tasks.length > 0) await this.options.yieldToLoop();
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** Up to sliceSize events from the consecutive event batches at the head of the queue. */
  private takeSlice(): DbEvent[] {
    const out: DbEvent[] = [];
    const max = this.options.sliceSize;
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
