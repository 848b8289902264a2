/**
 * The consumer side of a dump: an async iterator fed by the transport as datagrams arrive.
 *
 * The transport pushes one item per datagram (or a restart marker); the consumer pulls. Items are
 * queued in memory when the consumer is slower than the kernel: the socket cannot stop reading
 * (requests and notifications share it), and the kernel has already paced the dump to our reads.
 */
import type { RawMessage } from '../messages/nlmsg.js';
import { isDumpRestart, type DumpItem } from './transport.js';

export class DumpStream implements AsyncIterableIterator<DumpItem> {
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
