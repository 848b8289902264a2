/**
 * The consumer side of a dump: an async iterator fed by the transport as datagrams arrive.
 *
 * The transport pushes one item per datagram (or a restart marker); the consumer pulls. Items are
 * queued in memory when the consumer is slower than the kernel: the socket cannot stop reading
 * (requests and notifications share it), and the kernel has already paced the dump to our reads.
 */
import type { RawMessage } from '../messages/nlmsg.js';
import { isDumpRestart, type DumpItem, type DumpVisitor } from './transport.js';

/** What the transport core feeds a dump's consumer through: dump()'s iterator or dumpEach()'s visitor. */
export interface DumpSink {
  /** A datagram's messages (materialised), or a restart marker. */
  push(item: DumpItem): void;
  end(): void;
  fail(error: unknown): void;
}

export class DumpStream implements AsyncIterableIterator<DumpItem>, DumpSink {
  private readonly items: DumpItem[] = [];
  private waiter: { resolve: (r: IteratorResult<DumpItem>) => void; reject: (e: unknown) => void } | undefined;
  private ended = false;
  private failure: { error: unknown } | undefined;
  private returned = false;

  /** `onReturn` runs once when the consumer stops early (break, return(), throw()). */
  constructor(private readonly onReturn: () => void) {}

  /** True once the consumer has gone away: nothing pushed will be read. */
  get abandoned(): boolean {
    return this.returned;
  }

  push(item: DumpItem): void {
    if (this.ended || this.returned) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  /** The dump completed: the consumer reads what is queued, then done. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: undefined, done: true });
    }
  }

  /** The dump failed: the consumer reads what is queued, then gets the error. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = { error };
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      this.failure = undefined;
      w.reject(error);
    }
  }

  next(): Promise<IteratorResult<DumpItem>> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.failure) {
      const { error } = this.failure;
      this.failure = undefined;
      return Promise.reject(error);
    }
    if (this.ended || this.returned) return Promise.resolve({ value: undefined, done: true });
    if (this.waiter) return Promise.reject(new Error('DumpStream.next() called again before the previous call settled'));
    return new Promise((resolve, reject) => { this.waiter = { resolve, reject }; });
  }

  return(): Promise<IteratorResult<DumpItem>> {
    this.stop();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<DumpItem>> {
    this.stop();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private stop(): void {
    if (this.returned) return;
    this.returned = true;
    this.items.length = 0;
    this.failure = undefined;
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve({ value: undefined, done: true });
    if (!this.ended) this.onReturn();
    this.ended = true;
  }
}

/**
 * The consumer side of dumpEach(): the core hands it each message in place (message()), restart
 * markers and locally answered messages through push(); `done` settles when the dump ends. A
 * throwing visitor ends the dump: `abort` detaches it (the kernel's rest is swallowed) and fails
 * `done` with what was thrown.
 */
export class DumpVisit implements DumpSink {
  readonly done: Promise<void>;
  private settled = false;
  private resolve!: () => void;
  private reject!: (e: unknown) => void;

  constructor(private readonly visitor: DumpVisitor, private readonly abort: (error: unknown) => void) {
    this.done = new Promise<void>((resolve, reject) => { this.resolve = resolve; this.reject = reject; });
  }

  /** One message, payload buf[start, end); the bytes are valid only during the call. */
  message(buf: Buffer, start: number, end: number, type: number, flags: number): void {
    if (this.settled) return;
    try {
      this.visitor.message(buf, start, end, type, flags);
    } catch (err) {
      this.abort(err);
    }
  }

  push(item: DumpItem): void {
    if (this.settled) return;
    try {
      if (isDumpRestart(item)) this.visitor.restart(item);
      else for (const m of item) this.visitor.message(m.payload, 0, m.payload.length, m.type, m.flags);
    } catch (err) {
      this.abort(err);
    }
  }

  end(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve();
  }

  fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }
}

/**
 * Runs a dump to the end and returns all its messages, following restarts (what came before a
 * restart marker is dropped). For callers that want the whole table rather than a stream.
 */
export async function collectDump(dump: AsyncIterable<DumpItem>): Promise<RawMessage[]> {
  let out: RawMessage[] = [];
  for await (const item of dump) {
    if (isDumpRestart(item)) out = [];
    else for (const m of item) out.push(m);
  }
  return out;
}
