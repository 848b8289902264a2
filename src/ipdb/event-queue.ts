/**
 * The event queue: raw notifications in, parsed database events out, on a schedule of its own.
 *
 * Receiving and parsing are kept apart on purpose. The transport drains the event socket into
 * memory as fast as it can (a cheap copy per datagram); everything heavier (decoding attributes
 * into records, and downstream the reducer) happens here, later, in slices bounded by a message
 * count and a time budget, with a turn of the event loop between slices. So a burst of 100,000
 * route notifications moves out of the kernel's receive buffer (where it would overrun) into
 * this queue (where it only costs memory), and the event loop is never held for long.
 *
 * Order is kept: an overrun (or an undecodable message, which is a loss too) is queued as a
 * marker among the messages, and reported only after the events that arrived before it have
 * been emitted, so the database's resync takes its turn after them.
 */
import type { Notification } from '../transport/transport.js';
import type { DbEvent } from '../db/types.js';

/** What the queue tells its owner. */
export interface EventQueueSink {
  /** One batch of parsed events, in kernel order. */
  events(batch: DbEvent[]): void;
  /** Events were lost (`cause`: the transport's OverrunError, or a DecodeError): resync. */
  lost(cause: unknown): void;
}

export interface EventQueueOptions {
  /** Messages parsed per slice at most (default 4,096). */
  maxPerSlice?: number;
  /** Milliseconds a slice may take before it yields (default 4). */
  sliceMs?: number;
}

type Item = { kind: 'messages'; messages: readonly Notification[]; offset: number } | { kind: 'lost'; cause: unknown };

export class EventQueue {
  private readonly items: Item[] = [];
  private readonly maxPerSlice: number;
  private readonly sliceMs: number;
  private scheduled = false;
  private started = false;
  private closed = false;
  private queued = 0;
  private idleWaiters: Array<() => void> = [];
  /** Counters for diagnostics and benchmarks. */
  readonly stats = { messages: 0, events: 0, slices: 0, losses: 0, maxQueued: 0 };

  constructor(
    private readonly parse: (msg: Notification) => DbEvent | null,
    private readonly sink: EventQueueSink,
    options: EventQueueOptions = {},
  ) {
    this.maxPerSlice = Math.max(1, options.maxPerSlice ?? 4096);
    this.sliceMs = options.sliceMs ?? 4;
  }

  /** Messages not parsed yet. */
  get length(): number {
    return this.queued;
  }

  pushMessages(messages: readonly Notification[]): void {
    if (this.closed || messages.length === 0) return;
    this.items.push({ kind: 'messages', messages, offset: 0 });
    this.queued += messages.length;
    if (this.queued > this.stats.maxQueued) this.stats.maxQueued = this.queued;
    this.kick();
  }

  pushLoss(cause: unknown): void {
    if (this.closed) return;
    this.items.push({ kind: 'lost', cause });
    this.kick();
  }

  /**
   * Starts delivering. Until then everything is kept: the database subscribes after the socket
   * has joined its groups, and what arrives in between must not be dropped.
   */
  start(): void {
    this.started = true;
    this.kick();
  }

  /** Resolves once everything queued so far has been handed to the sink. */
  idle(): Promise<void> {
    if (this.closed || (this.items.length === 0 && !this.scheduled)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    this.items.length = 0;
    this.queued = 0;
    this.wakeIdle();
  }

  private kick(): void {
    if (this.scheduled || !this.started || this.closed || this.items.length === 0) return;
    this.scheduled = true;
    // setImmediate: runs after the socket's current read slice, and lets I/O in between slices.
    setImmediate(() => {
      this.scheduled = false;
      this.slice();
    });
  }

  private slice(): void {
    if (this.closed) return;
    this.stats.slices += 1;
    const t0 = performance.now();
    let out: DbEvent[] = [];
    let parsed = 0;
    const flush = (): void => {
      if (out.length === 0) return;
      this.stats.events += out.length;
      const batch = out;
      out = [];
      this.sink.events(batch);
    };
    while (this.items.length > 0 && parsed < this.maxPerSlice) {
      const head = this.items[0]!;
      if (head.kind === 'lost') {
        this.items.shift();
        flush();
        this.stats.losses += 1;
        this.sink.lost(head.cause);
        if (this.closed) return;
        continue;
      }
      const end = Math.min(head.messages.length, head.offset + (this.maxPerSlice - parsed));
      let failure: { error: unknown } | undefined;
      let i = head.offset;
      for (; i < end; i++) {
        // The clock is read every 256 messages too: one socket read can bring thousands.
        if ((i - head.offset) % 256 === 255 && performance.now() - t0 >= this.sliceMs) break;
        let ev: DbEvent | null;
        try {
          ev = this.parse(head.messages[i]!);
        } catch (error) {
          failure = { error };
          i += 1;
          break;
        }
        if (ev) out.push(ev);
      }
      const n = i - head.offset;
      parsed += n;
      this.queued -= n;
      head.offset = i;
      if (head.offset >= head.messages.length) this.items.shift();
      if (failure) {
        // An undecodable notification is a lost change: report it in its place in the order.
        flush();
        this.stats.losses += 1;
        this.sink.lost(failure.error);
        if (this.closed) return;
      }
      if (performance.now() - t0 >= this.sliceMs) break;
    }
    this.stats.messages += parsed;
    flush();
    if (this.closed) return;
    if (this.items.length > 0) this.kick();
    else this.wakeIdle();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
