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
 * Messages that trickle in just after a slice are gathered for a few milliseconds (coalesceMs), so
 * that a burst the kernel sends one datagram at a time reaches the database in fewer batches.
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
  /**
   * Milliseconds to gather messages that trickle in right after a slice (default 3; 0: none).
   * The kernel announces a burst of changes one datagram at a time, as fast as it makes them
   * (5,000 address additions: about 40 notifications a millisecond for a quarter of a second).
   * Read as they come, each turn of the event loop would hand the database a handful of events,
   * and every batch costs the database a new snapshot: batches no closer than this cut a burst
   * into a hundred updates rather than a thousand. Only a busy stream is gathered (the last
   * slice had at least coalesceFrom messages): a lone message, or one after a quiet spell, goes
   * at once, and idle() (the database's sync) never waits for the gathering.
   */
  coalesceMs?: number;
  /** Messages the last slice must have parsed for the next ones to be gathered (default 4). */
  coalesceFrom?: number;
}

type Item = { kind: 'messages'; messages: readonly Notification[]; offset: number } | { kind: 'lost'; cause: unknown };

export class EventQueue {
  private readonly items: Item[] = [];
  private readonly maxPerSlice: number;
  private readonly sliceMs: number;
  private readonly coalesceMs: number;
  private scheduled = false;
  /** The gathering timer (kick), while one runs. */
  private timer: NodeJS.Timeout | undefined;
  /** performance.now() when the last slice ended, and how many messages it parsed. */
  private lastSlice = -Infinity;
  private lastParsed = 0;
  private readonly coalesceFrom: number;
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
    this.coalesceMs = options.coalesceMs ?? 3;
    this.coalesceFrom = options.coalesceFrom ?? 4;
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
    // A full slice's worth is not held back.
    this.kick(this.queued >= this.maxPerSlice);
  }

  pushLoss(cause: unknown): void {
    if (this.closed) return;
    this.items.push({ kind: 'lost', cause });
    this.kick(true);
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
    // Whoever waits wants everything now: no gathering.
    this.kick(true);
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    this.items.length = 0;
    this.queued = 0;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.wakeIdle();
  }

  /**
   * Schedules the next slice: at once (`hurry`, a quiet stream, or after a quiet spell), or, when
   * messages keep coming right after a busy slice, once coalesceMs have passed since it (a
   * gathering already scheduled is cut short by a later hurry).
   */
  private kick(hurry = false): void {
    if (!this.started || this.closed || this.items.length === 0) return;
    if (this.scheduled) {
      if (!hurry || this.timer === undefined) return;
      clearTimeout(this.timer);
      this.timer = undefined;
      this.scheduled = false;
    }
    this.scheduled = true;
    const wait = hurry || this.lastParsed < this.coalesceFrom ? 0 : this.coalesceMs - (performance.now() - this.lastSlice);
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.scheduled = false;
        this.slice();
      }, wait);
      return;
    }
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
    this.lastSlice = performance.now();
    this.lastParsed = parsed;
    // A backlog goes on at once; gathering is for what arrives after the queue ran dry. Its next
    // slice is scheduled before this one's events go to the sink, whose own turn (the database
    // applies them on a later turn of the event loop) then comes after it: the events of both
    // reach the database in one update, two slices an update. (400 link notifications that a
    // fresh process parsed in two slices made two snapshots, each copying every link shard.)
    const more = this.items.length > 0;
    if (more) this.kick(true);
    flush();
    if (this.closed) return;
    if (!more) this.wakeIdle();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
