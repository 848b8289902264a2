/**
 * What every transport shares, whatever carries the bytes: sequence numbers, the table of pending
 * requests and dumps, matching replies to them by sequence number, the hook, notifications and
 * overruns. The real socket (socket.ts) and the fake (fake.ts) differ only in how bytes go out
 * (transmit) and come in (they call receive() per datagram and drainComplete() when the socket
 * has nothing more to read), so the fake exercises exactly this logic.
 *
 * Matching: the kernel answers a request with messages carrying the request's sequence number
 * and our port id. A multicast notification caused by our own request carries them too, so it is
 * recognised by the multicast group the datagram came with, not by its header.
 */
import type { Observable } from 'rxjs';
import {
  buildMessage, checkFraming, decodeDone, decodeError, messageAt, nlmsgAlign, NLM_F, NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN, NLMSG_NOOP,
  readHeader, splitMessages, type RawMessage,
} from '../messages/nlmsg.js';
import { Errno } from './errno.js';
import { DumpInterruptedError, KernelError, NetlinkError, OverrunError, TransportError, type OverrunReason } from './errors.js';
import { DumpStream, DumpVisit } from './dump.js';
import { Emitter, type Stream } from '../util/emitter.js';
import { u32le } from '../util/bytes.js';
import {
  ANSWER_COST, arm, asTransportError, closedError, dumpOp, localMessage, notification, planChunks, requestOp,
  type BatchBudget, type DumpOp, type Op, type RequestOp, type TransportStats,
} from './ops.js';
import type { FramedRequests } from './framed.js';
import type { HookKind, HookMessage, NetlinkHook } from './hook.js';
import type {
  BatchOptions, BatchResult, DumpItem, DumpOptions, DumpVisitor, EchoClaim, NetlinkRequest, NetlinkTransport, Notification, RequestOptions,
} from './transport.js';

/** Chunks of a batch with at least this many requests are sent off the event loop's thread (transmitAsync). */
export const OFF_THREAD_MIN = 16;

/** A batch request on its way out: framed already (a hook saw it), or its payload to frame. */
interface Outgoing {
  op: RequestOp;
  bytes: Buffer | null;
  payload: Uint8Array;
}

/** Writes a little-endian u32 (Buffer#writeUInt32LE checks its arguments: thousands of times here). */
function putU32(b: Buffer, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = v >>> 24;
}

/**
 * planChunks() for a framed batch: its messages' sizes are only worked out when the batch does
 * not fit one chunk (the batch's length and count tell when it does).
 */
function framedChunks(batch: FramedRequests, budget: BatchBudget): number[] {
  const n = batch.count;
  if (n > 0 && batch.length <= budget.maxBytes && n * ANSWER_COST + batch.length <= budget.rcvBytes) return [n];
  const sizes = new Array<number>(n);
  for (let i = 0; i < n; i++) sizes[i] = batch.endOf(i) - batch.starts[i]!;
  return planChunks(sizes, budget);
}

/** One buffer with every message of a chunk, framed in place (what buildMessage makes of each). */
function frameChunk(chunk: readonly Outgoing[]): Buffer {
  let total = 0;
  for (let i = 0; i < chunk.length; i++) {
    const o = chunk[i]!;
    total += o.bytes !== null ? o.bytes.length : nlmsgAlign(NLMSG_HDRLEN + o.payload.length);
  }
  const out = Buffer.allocUnsafe(total);
  let off = 0;
  for (let i = 0; i < chunk.length; i++) {
    const o = chunk[i]!;
    if (o.bytes !== null) {
      out.set(o.bytes, off);
      off += o.bytes.length;
      continue;
    }
    // The nlmsghdr: len, type, flags, seq, pid 0 (as writeHeader writes it).
    const len = NLMSG_HDRLEN + o.payload.length;
    const op = o.op;
    putU32(out, off, len);
    out[off + 4] = op.type & 0xff;
    out[off + 5] = op.type >>> 8;
    out[off + 6] = op.flags & 0xff;
    out[off + 7] = op.flags >>> 8;
    putU32(out, off + 8, op.seq);
    putU32(out, off + 12, 0);
    out.set(o.payload, off + NLMSG_HDRLEN);
    const end = off + nlmsgAlign(len);
    for (let z = off + len; z < end; z++) out[z] = 0;
    off = end;
  }
  return out;
}

/** The payload of the NetlinkRequest a framed request's op is made from (its bytes are in the batch). */
const EMPTY = Buffer.alloc(0);
/** A quiet that was never started (BatchOptions.quiet): nothing to end. */
const NOTHING = (): void => {};

/** A batch request's settle: its result is kept on the op itself (no closure per request). */
function keepResult(this: void): void {}

/** A copy of buf[start, end) in a Buffer of its own (one allocation: no view of a copy). */
const sliceCopy = Uint8Array.prototype.slice as (this: Buffer, start: number, end: number) => Buffer;
function copyOf(buf: Buffer, start: number, end: number): Buffer {
  return sliceCopy.call(buf, start, end);
}

/** The result of every request of a framed batch answered by a plain ACK (read, never changed). */
const PLAIN_ACK: BatchResult = Object.freeze({ ok: true as const, replies: Object.freeze([]) as unknown as RawMessage[] });

/**
 * A requestFramed() batch while it has requests without an answer: sequence numbers
 * [from, from + count), one per request, in order.
 */
interface FramedBatch {
  readonly from: number;
  readonly count: number;
  readonly batch: FramedRequests;
  readonly operation: string | undefined;
  /** Each request's result, once it has one. */
  readonly results: (BatchResult | undefined)[];
  answered: number;
  /** Requests [0, sent) are with the kernel: answers to them are expected. */
  sent: number;
  /** The chunk being sent: requests [chunkStart, chunkEnd), `left` of them unanswered, `wake` once none is. */
  chunkStart: number;
  chunkEnd: number;
  left: number;
  wake: (() => void) | undefined;
}

/** Each request's result, in order (complete() has set one on every op by the time this runs). */
function resultsOf(ops: readonly RequestOp[]): BatchResult[] {
  const results = new Array<BatchResult>(ops.length);
  for (let i = 0; i < ops.length; i++) results[i] = ops[i]!.result!;
  return results;
}

export abstract class TransportCore implements NetlinkTransport {
  abstract readonly protocol: number;
  abstract readonly portId: number;
  hook: NetlinkHook | undefined;
  /** Counters, for diagnostics and benchmarks. */
  readonly stats: TransportStats = { sends: 0, datagrams: 0, strays: 0, overruns: 0, readAheads: 0, claimed: 0 };

  // rxjs is loaded only when someone asks for the $ views (see src/util/emitter.ts).
  private readonly notificationSubject = new Emitter<Notification[]>();
  private readonly overrunSubject = new Emitter<OverrunError>();
  private readonly pending = new Map<number, Op>();
  private readonly dumpQueue: DumpOp[] = [];
  /** requestFramed() batches with requests not answered yet. */
  private readonly framed: FramedBatch[] = [];
  private nextSeq = 1;
  private notificationBatch: Notification[] = [];
  private lossReason: OverrunReason | undefined;
  private lossCause: unknown;
  private isClosed = false;
  private wasBusy = false;
  private readonly groups = new Set<number>();
  /** Echo claims (claimEchoes), offered every lone notification from their port. */
  private claims: EchoClaim[] = [];

  get notifications$(): Observable<Notification[]> {
    return this.notificationSubject.observable;
  }

  get overrun$(): Observable<OverrunError> {
    return this.overrunSubject.observable;
  }

  get notifications(): Stream<Notification[]> {
    return this.notificationSubject;
  }

  get overruns(): Stream<OverrunError> {
    return this.overrunSubject;
  }

  /** Hands complete, aligned messages to the kernel; throws TransportError. */
  protected abstract transmit(bytes: Buffer): void;
  /**
   * transmit() off the event loop's thread, where a transport can: the kernel handles a chunk of
   * a batch inside the send() call (5,000 address additions take it about a quarter of a second),
   * and meanwhile this thread reads the answers and notifications already queued. Rejects with a
   * TransportError. Used for chunks of OFF_THREAD_MIN requests or more of batches that ask for it
   * (BatchOptions.offThread).
   */
  protected transmitAsync?(bytes: Buffer): Promise<void>;
  /** Stops this transport's reading until the returned function is called (BatchOptions.quiet). */
  protected pauseReading(): () => void {
    return NOTHING;
  }

  /**
   * The start of a quiet send (BatchOptions.quiet): returns what ends it. A quiet only makes the
   * kernel's work faster: a caller's function that throws (starting or ending it) is left out, and
   * the batch goes on.
   */
  private beginQuiet(quiet: BatchOptions['quiet']): () => void {
    if (quiet === undefined || quiet === false) return NOTHING;
    const own = this.pauseReading();
    let others = NOTHING;
    if (typeof quiet === 'function') {
      try {
        others = quiet();
      } catch {
        // (Not quiet elsewhere, then.)
      }
    }
    return () => {
      own();
      try {
        others();
      } catch {
        // (Their reading was the caller's to resume.)
      }
    };
  }

  /** Releases the underlying resources (poll handle, fd). Called once, by close(). */
  protected abstract release(): void;
  protected abstract batchBudget(): BatchBudget;
  /** Joins (true) or leaves a multicast group. */
  protected abstract setMembership(group: number, join: boolean): void;
  /** Told when the transport goes from idle to having work pending, and back. */
  protected onBusyChange(_busy: boolean): void {}

  /** Whether a dump is queued or running (its datagrams may be arriving). */
  protected get dumping(): boolean {
    return this.dumpQueue.length > 0;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The multicast groups joined. */
  get memberships(): ReadonlySet<number> {
    return this.groups;
  }

  addMembership(group: number): void {
    if (this.isClosed) throw closedError('addMembership');
    this.setMembership(group, true);
    this.groups.add(group);
  }

  dropMembership(group: number): void {
    if (this.isClosed) throw closedError('dropMembership');
    this.setMembership(group, false);
    this.groups.delete(group);
  }

  // ---- requests ------------------------------------------------------------------------------

  request(msg: NetlinkRequest, opts: RequestOptions = {}): Promise<RawMessage[]> {
    return new Promise<RawMessage[]>((resolve, reject) => {
      const op = requestOp(msg, opts.operation, (r) => (r.ok ? resolve(r.replies) : reject(r.error)));
      if (this.isClosed) return this.complete(op, { ok: false, error: closedError('request') });
      op.cleanup = arm(opts, 'request', (err) => this.complete(op, { ok: false, error: err }));
      if (op.done) return;
      const bytes = this.prepare(op, msg, 'request');
      if (!bytes) return;
      this.register(op);
      try {
        this.send(bytes);
        op.transmitted = true;
      } catch (err) {
        this.complete(op, { ok: false, error: asTransportError(err, 'send') });
      }
    });
  }

  async requestBatch(msgs: readonly NetlinkRequest[], opts: BatchOptions = {}): Promise<BatchResult[]> {
    // Each op keeps its own result (complete() sets op.result): no closure per request.
    const ops = new Array<RequestOp>(msgs.length);
    for (let i = 0; i < msgs.length; i++) ops[i] = requestOp(msgs[i]!, opts.operation, keepResult);
    const { failAll, stopped, disarm } = this.guardBatch(ops, opts);
    try {
      // Hook decisions first, in order; what is left goes out in chunks that fit one send()
      // and whose answers fit the receive buffer. Without a hook to show each message to, they
      // are framed only when their chunk is (framing 10,000 messages one by one, then copying
      // them all into the chunk, costs as much as the kernel takes to handle them).
      const outgoing: Outgoing[] = [];
      const sizes: number[] = [];
      const hooked = this.hook?.outgoing !== undefined;
      for (const [i, op] of ops.entries()) {
        if (op.done) continue;
        if (!hooked) {
          op.seq = this.allocSeq();
          const payload = msgs[i]!.payload;
          outgoing.push({ op, bytes: null, payload });
          sizes.push(nlmsgAlign(NLMSG_HDRLEN + payload.length));
          continue;
        }
        const bytes = this.prepare(op, msgs[i]!, 'batch');
        if (bytes) {
          outgoing.push({ op, bytes, payload: bytes });
          sizes.push(bytes.length);
        }
      }
      let start = 0;
      const ends = outgoing.length > 0 && !this.isClosed ? planChunks(sizes, this.batchBudget()) : [];
      for (const end of ends) {
        if (stopped() || this.isClosed) break;
        const chunk = outgoing.slice(start, end).filter((o) => !o.op.done);
        start = end;
        if (chunk.length > 0) await this.sendChunk(chunk.map((o) => o.op), () => frameChunk(chunk), opts.offThread === true, opts.quiet);
      }
      if (this.isClosed) failAll(closedError('requestBatch'));
    } finally {
      disarm?.();
    }
    return resultsOf(ops);
  }

  /**
   * requestBatch() for requests framed already (FramedRequests): the transport writes their
   * sequence numbers in place, and each chunk is sent as a view of the batch's buffer. The buffer
   * must not change until this resolves. With an outgoing hook, each message goes through
   * requestBatch() so that the hook sees it (and so do requests asking for NLM_F_ECHO).
   *
   * The requests get consecutive sequence numbers and no bookkeeping of their own (FramedBatch):
   * an answer finds its request by subtraction, and a plain ACK's result is PLAIN_ACK, one frozen
   * object for all (its `replies` is a frozen empty list). A request answered otherwise becomes a
   * pending request like any other when that answer arrives (framedOp).
   */
  async requestFramed(batch: FramedRequests, opts: BatchOptions = {}): Promise<BatchResult[]> {
    if (this.hook?.outgoing !== undefined) return this.requestBatch(batch.requests(), opts);
    if (batch.echoes > 0) return this.requestBatch(batch.requests(), opts);
    const n = batch.count;
    const results = new Array<BatchResult | undefined>(n);
    if (n === 0) return [];
    if (this.isClosed) return results.fill({ ok: false, error: closedError('requestBatch') }) as BatchResult[];
    const from = this.allocBlock(n);
    const b: FramedBatch = {
      from, count: n, batch, operation: opts.operation, results, answered: 0, sent: 0, chunkStart: 0, chunkEnd: 0, left: 0, wake: undefined,
    };
    const bytes = batch.bytes;
    const starts = batch.starts;
    // One store per request, no calls: a batch of 10,000 requests comes to a process that has
    // just started, which runs this loop unoptimized. (Messages start 4-aligned in the buffer,
    // and netlink's header is in host order, as a Uint32Array writes it.)
    if ((bytes.byteOffset & 3) === 0) {
      const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
      for (let i = 0; i < n; i++) words[(starts[i]! + 8) >>> 2] = from + i;
    } else {
      for (let i = 0; i < n; i++) putU32(bytes, starts[i]! + 8, from + i);
    }
    this.framed.push(b);
    this.checkBusy();
    let stop: NetlinkError | undefined;
    const failAll = (err: NetlinkError): void => {
      stop ??= err;
      this.failFramed(b, () => err);
    };
    const disarm = arm(opts, 'requestBatch', failAll);
    try {
      let start = 0;
      const ends = stop === undefined ? framedChunks(batch, this.batchBudget()) : [];
      for (const end of ends) {
        if (stop !== undefined || this.isClosed) break;
        const first = start;
        start = end;
        await this.sendFramedChunk(b, first, end, bytes.subarray(batch.starts[first]!, batch.endOf(end - 1)), opts.offThread === true, opts.quiet);
      }
      if (this.isClosed) failAll(closedError('requestBatch'));
    } finally {
      disarm?.();
    }
    return results as BatchResult[];
  }

  /** Sends requests [first, end) of a framed batch (`view`, their bytes) and waits for their answers. */
  private sendFramedChunk(b: FramedBatch, first: number, end: number, view: Buffer, offThread: boolean, quiet: BatchOptions['quiet']): Promise<void> {
    return new Promise<void>((resolve) => {
      b.chunkStart = first;
      b.chunkEnd = end;
      // (Nothing answered yet, nothing of the chunk is: no pass over it.)
      let left = b.answered === 0 ? end - first : 0;
      if (b.answered > 0) for (let i = first; i < end; i++) if (b.results[i] === undefined) left++;
      b.left = left;
      if (left === 0) {
        resolve();
        return;
      }
      b.wake = resolve;
      const fail = (err: unknown): void => {
        const error = asTransportError(err, 'send');
        this.failFramed(b, () => error, first, end);
      };
      if (offThread && this.transmitAsync !== undefined && end - first >= OFF_THREAD_MIN) {
        // Answers may come back before the send returns: the requests are out from here on.
        b.sent = end;
        this.stats.sends += 1;
        const endQuiet = this.beginQuiet(quiet);
        this.transmitAsync(view).catch(fail).finally(endQuiet);
        return;
      }
      try {
        this.send(view);
        b.sent = end;
      } catch (err) {
        fail(err);
      }
    });
  }

  /**
   * What both batch calls arm before sending: failing every request at once (the first error is
   * the one that stops the batch), on close, abort or the deadline.
   */
  private guardBatch(ops: readonly RequestOp[], opts: BatchOptions): {
    failAll: (err: NetlinkError) => void; stopped: () => boolean; disarm: (() => void) | undefined;
  } {
    let stop: NetlinkError | undefined;
    const failAll = (err: NetlinkError): void => {
      stop ??= err;
      for (const op of ops) this.complete(op, { ok: false, error: err });
    };
    if (this.isClosed) failAll(closedError('requestBatch'));
    return { failAll, stopped: () => stop !== undefined, disarm: arm(opts, 'requestBatch', failAll) };
  }

  /**
   * Sends one chunk (its requests, and its bytes: framed when it goes out) in one transmit() and
   * waits until every request of it is answered or failed.
   */
  private sendChunk(chunk: RequestOp[], frame: () => Buffer, offThread: boolean, quiet: BatchOptions['quiet']): Promise<void> {
    return new Promise<void>((resolve) => {
      let left = chunk.length;
      const onDone = (): void => { if (--left === 0) resolve(); };
      for (let i = 0; i < chunk.length; i++) {
        const op = chunk[i]!;
        op.onDone = onDone;
        this.pending.set(op.seq, op);
      }
      this.checkBusy();
      const fail = (err: unknown): void => {
        const error = asTransportError(err, 'send');
        for (const op of chunk) this.complete(op, { ok: false, error });
      };
      if (offThread && this.transmitAsync !== undefined && chunk.length >= OFF_THREAD_MIN) {
        const bytes = frame();
        // Answers may come back before the send returns: the requests are out from here on.
        for (const op of chunk) op.transmitted = true;
        this.stats.sends += 1;
        const endQuiet = this.beginQuiet(quiet);
        this.transmitAsync(bytes).catch(fail).finally(endQuiet);
        return;
      }
      try {
        this.send(frame());
        for (const op of chunk) op.transmitted = true;
      } catch (err) {
        fail(err);
      }
    });
  }

  private complete(op: RequestOp, result: BatchResult): void {
    if (op.done) return;
    op.done = true;
    op.result = result;
    if (this.pending.get(op.seq) === op) this.pending.delete(op.seq);
    op.cleanup?.();
    op.settle(result);
    op.onDone?.();
    this.checkBusy();
  }

  // ---- framed batches --------------------------------------------------------------------------

  /** The request of a framed batch with sequence number `seq`, not answered yet: [batch, index]. */
  private framedAt(seq: number): [FramedBatch, number] | undefined {
    const list = this.framed;
    for (let k = 0; k < list.length; k++) {
      const b = list[k]!;
      const i = seq - b.from;
      if (i >= 0 && i < b.sent && b.results[i] === undefined) return [b, i];
    }
    return undefined;
  }

  /** A plain ACK for `seq`: true when it answered a request of a framed batch. */
  private framedAck(seq: number): boolean {
    const list = this.framed;
    for (let k = 0; k < list.length; k++) {
      const b = list[k]!;
      const i = seq - b.from;
      if (i >= 0 && i < b.sent && b.results[i] === undefined) {
        this.framedAnswered(b, i, PLAIN_ACK);
        return true;
      }
    }
    return false;
  }

  /**
   * The request of a framed batch with sequence number `seq` as a pending RequestOp (made now,
   * when something other than a plain ACK arrives for it): the general path takes it from there,
   * and its result goes back to the batch.
   */
  private framedOp(seq: number): RequestOp | undefined {
    const hit = this.framedAt(seq);
    if (hit === undefined) return undefined;
    const [b, i] = hit;
    const op = requestOp({ type: b.batch.typeOf(i), flags: b.batch.flagsOf(i), payload: EMPTY }, b.operation, keepResult);
    op.seq = seq;
    op.transmitted = true;
    op.onDone = () => this.framedAnswered(b, i, op.result!);
    this.pending.set(seq, op);
    return op;
  }

  private framedAnswered(b: FramedBatch, i: number, result: BatchResult): void {
    b.results[i] = result;
    b.answered += 1;
    if (i >= b.chunkStart && i < b.chunkEnd && --b.left === 0) {
      const wake = b.wake;
      b.wake = undefined;
      wake?.();
    }
    if (b.answered === b.count) {
      const at = this.framed.indexOf(b);
      if (at >= 0) this.framed.splice(at, 1);
      this.checkBusy();
    }
  }

  /**
   * Fails the requests of [first, end) of a framed batch that have no answer yet (`error(i)` says
   * with what), those that became pending requests included.
   */
  private failFramed(b: FramedBatch, error: (i: number) => NetlinkError, first = 0, end = b.count, onlySent = false): number {
    let failed = 0;
    for (let i = first; i < end; i++) {
      if (b.results[i] !== undefined || (onlySent && i >= b.sent)) continue;
      const op = this.pending.get(b.from + i);
      failed += 1;
      if (op?.kind === 'request') this.complete(op, { ok: false, error: error(i) });
      else this.framedAnswered(b, i, { ok: false, error: error(i) });
    }
    return failed;
  }

  /**
   * The first of `n` consecutive sequence numbers, none of them pending or in a framed batch,
   * without wrapping past 2^32 - 1.
   */
  private allocBlock(n: number): number {
    let start = this.nextSeq;
    for (let tries = 0; ; tries++) {
      if (start + n - 1 > 0xffffffff) start = 1;
      let clash = 0;
      this.pending.forEach((_op, seq) => {
        if (seq >= start && seq < start + n && seq + 1 > clash) clash = seq + 1;
      });
      for (const b of this.framed) {
        if (b.from < start + n && start < b.from + b.count && b.from + b.count > clash) clash = b.from + b.count;
      }
      if (clash === 0) break;
      if (tries > 64) throw new TransportError({ syscall: 'requestBatch', reason: 'syscall', detail: `no ${n} free sequence numbers in a row` });
      start = clash;
    }
    this.nextSeq = start + n > 0xffffffff ? 1 : start + n;
    return start;
  }

  // ---- dumps ---------------------------------------------------------------------------------

  dump(msg: NetlinkRequest, opts: DumpOptions = {}): AsyncIterable<DumpItem> {
    return {
      [Symbol.asyncIterator]: () => {
        const stream = new DumpStream(() => this.detachDump(op));
        const op = dumpOp(msg, opts, stream, undefined);
        this.startDump(op, opts);
        return stream;
      },
    };
  }

  dumpEach(msg: NetlinkRequest, visitor: DumpVisitor, opts: DumpOptions = {}): Promise<void> {
    const visit = new DumpVisit(visitor, (err) => this.detachDump(op, err));
    const op = dumpOp(msg, opts, visit, visit);
    this.startDump(op, opts);
    return visit.done;
  }

  private startDump(op: DumpOp, opts: DumpOptions): void {
    if (this.isClosed) {
      op.sink.fail(closedError('dump'));
      return;
    }
    op.cleanup = arm(opts, 'dump', (err) => this.detachDump(op, err));
    if (op.detached) return;
    this.dumpQueue.push(op);
    this.checkBusy();
    if (this.dumpQueue.length === 1) this.runDump(op);
  }

  /** Sends the dump request for the current attempt (the op is the head of the dump queue). */
  private runDump(op: DumpOp): void {
    op.started = true;
    op.interrupted = false;
    const bytes = this.prepare(op, op.msg, 'dump');
    if (!bytes) return;
    this.register(op);
    try {
      this.send(bytes);
    } catch (err) {
      this.detachDump(op, asTransportError(err, 'send'));
      this.dumpEnded(op);
    }
  }

  /**
   * The consumer side is over (it stopped reading, or gets `error`). A dump the kernel is still
   * producing stays registered so that its remaining parts are swallowed, and the next dump is
   * only sent after its end: the kernel runs one dump per socket and answers EBUSY to a second.
   */
  private detachDump(op: DumpOp, error?: unknown): void {
    if (!op.detached) {
      op.detached = true;
      op.cleanup?.();
      if (error !== undefined) op.sink.fail(error);
      else op.sink.end();
    }
    if (!op.started) this.dumpEnded(op);
  }

  /** The kernel side of the dump is over: forget it and start the next queued dump. */
  private dumpEnded(op: DumpOp): void {
    if (op.finished) return;
    op.finished = true;
    op.cleanup?.();
    if (this.pending.get(op.seq) === op) this.pending.delete(op.seq);
    const at = this.dumpQueue.indexOf(op);
    if (at >= 0) this.dumpQueue.splice(at, 1);
    if (at === 0 && !this.isClosed) {
      const next = this.dumpQueue[0];
      if (next) this.runDump(next);
    }
    this.checkBusy();
  }

  private dumpDone(op: DumpOp, done: RawMessage): void {
    if ((done.flags & NLM_F.DUMP_INTR) !== 0) op.interrupted = true;
    const d = decodeDone(done);
    if (d.errno !== 0) {
      this.detachDump(op, this.kernelError(op, d.errno, d.extAck, null));
    } else if (op.interrupted && !op.detached) {
      const cause = new DumpInterruptedError({ requestType: op.type, seq: op.seq, attempts: op.attempt });
      if (op.attempt <= op.maxRetries) {
        this.pending.delete(op.seq);
        op.attempt += 1;
        op.sink.push({ restart: true, attempt: op.attempt, cause });
        this.runDump(op);
        return;
      }
      this.detachDump(op, cause);
    } else {
      this.detachDump(op);
    }
    this.dumpEnded(op);
  }

  // ---- sending -------------------------------------------------------------------------------

  private send(bytes: Buffer): void {
    this.stats.sends += 1;
    this.transmit(bytes);
  }

  /** Makes the op's answers findable by its sequence number (given by prepare()). */
  private register(op: Op): void {
    this.pending.set(op.seq, op);
    this.checkBusy();
  }

  private inFramed(seq: number): boolean {
    for (const b of this.framed) if (seq >= b.from && seq < b.from + b.count) return true;
    return false;
  }

  private allocSeq(): number {
    // Sequence numbers belong to this transport; 0 is left to unsolicited messages.
    for (;;) {
      const seq = this.nextSeq;
      this.nextSeq = seq >= 0xffffffff ? 1 : seq + 1;
      if (!this.pending.has(seq) && !this.inFramed(seq)) return seq;
    }
  }

  /**
   * Builds the wire bytes and asks the hook. Returns the bytes to transmit, or null when the op
   * was settled here (answered or failed by the hook). Allocates the op's sequence number.
   */
  private prepare(op: Op, msg: NetlinkRequest, kind: HookKind): Buffer | null {
    const seq = this.allocSeq();
    op.seq = seq;
    let bytes = buildMessage({ type: op.type, flags: op.flags, seq, pid: 0 }, msg.payload);
    const hook = this.hook;
    if (!hook?.outgoing) return bytes;
    let decision;
    try {
      decision = hook.outgoing(splitMessages(bytes)[0]!, { protocol: this.protocol, portId: this.portId, kind, bytes });
    } catch (err) {
      this.settleLocally(op, seq, { error: new TransportError({ syscall: 'hook', reason: 'hook', cause: err }) });
      return null;
    }
    if (!decision || decision.action === 'forward') {
      const r = decision?.replace;
      if (r) {
        if (r.type !== undefined) op.type = r.type;
        if (r.flags !== undefined) op.flags = r.flags;
        bytes = buildMessage({ type: op.type, flags: op.flags, seq, pid: 0 }, r.payload ?? msg.payload);
      }
      return bytes;
    }
    if (decision.action === 'reply') {
      this.settleLocally(op, seq, { replies: decision.messages });
    } else {
      const extAck = { ...(decision.message !== undefined ? { message: decision.message } : {}), ...(decision.offset !== undefined ? { offset: decision.offset } : {}) };
      this.settleLocally(op, seq, { error: this.kernelError(op, decision.errno, extAck, null, true) });
    }
    return null;
  }

  private settleLocally(op: Op, seq: number, answer: { replies: HookMessage[] } | { error: NetlinkError }): void {
    op.seq = seq;
    if (op.kind === 'request') {
      if ('error' in answer) this.complete(op, { ok: false, error: answer.error });
      else this.complete(op, { ok: true, replies: answer.replies.map((m) => localMessage(seq, this.portId, m)) });
      return;
    }
    if ('error' in answer) {
      this.detachDump(op, answer.error);
    } else {
      if (answer.replies.length > 0) op.sink.push(answer.replies.map((m) => localMessage(seq, this.portId, m)));
      this.detachDump(op);
    }
    this.dumpEnded(op);
  }

  // ---- receiving -----------------------------------------------------------------------------

  /**
   * One datagram from the kernel: bytes [0, length) of `buf`, which the caller may reuse as soon as
   * this returns. Messages are read where they lie; what must outlive the call (request replies,
   * notifications, dump() batches, errors keeping the request's bytes, the hook's view) is cut
   * from one copy of the datagram, made only if needed. dumpEach() visitors read their messages in
   * place, so a dump read that way is never copied. `group` is the multicast group from the
   * sender's address, 0 for unicast.
   */
  protected receive(buf: Buffer, group: number, length = buf.length): void {
    this.stats.datagrams += 1;
    // The two commonest datagrams, each alone in its datagram, take short ways of their own; the
    // rest the general path. (Small functions: V8 optimizes a function after a number of calls
    // that grows with its size, and a commit's 10,000 ACKs come to a process that has just started.)
    if (this.hook?.incoming === undefined && (group === 0 ? this.plainAck(buf, length) : this.loneNotification(buf, group, length))) return;
    this.receiveAny(buf, group, length);
  }

  /**
   * The commonest datagram of a batch, by far: one plain ACK (NLMSG_ERROR with error 0) of a
   * pending request, alone in its datagram. It completes its request as it lies, without the
   * general path's bookkeeping (a batch of 10,000 requests is answered by 10,000 of them). False
   * when the datagram is something else.
   */
  private plainAck(buf: Buffer, length: number): boolean {
    if (length < NLMSG_HDRLEN + 4) return false;
    const len = u32le(buf, 0);
    if (len < NLMSG_HDRLEN + 4 || len > length || nlmsgAlign(len) < length ||
      (buf[4]! | (buf[5]! << 8)) !== NLMSG_ERROR || u32le(buf, NLMSG_HDRLEN) !== 0) return false;
    const seq = u32le(buf, 8);
    const op = this.pending.get(seq);
    if (op?.kind === 'request') {
      this.complete(op, { ok: true, replies: op.replies });
      return true;
    }
    return op === undefined && this.framed.length > 0 && this.framedAck(seq);
  }

  /**
   * The commonest datagram of a storm: one notification alone in its datagram (what the general
   * path does with it, without its bookkeeping): its payload copied alone. False when the
   * datagram is something else.
   */
  private loneNotification(buf: Buffer, group: number, length: number): boolean {
    if (length < NLMSG_HDRLEN) return false;
    const len = u32le(buf, 0);
    if (len < NLMSG_HDRLEN || len > length || nlmsgAlign(len) < length) return false;
    const seq = u32le(buf, 8);
    const op = seq === 0 ? undefined : this.pending.get(seq);
    // (The echo of a request of ours answers it: the general path.)
    if (op?.kind === 'request' && (op.flags & NLM_F.ECHO) !== 0) return false;
    if (this.claims.length > 0) {
      const claimed = this.claimedBy(buf, length, group);
      if (claimed !== undefined) {
        this.stats.claimed += 1;
        this.notificationBatch.push(claimed);
        return true;
      }
    }
    this.notificationBatch.push({
      len, type: buf[4]! | (buf[5]! << 8), flags: buf[6]! | (buf[7]! << 8), seq, pid: u32le(buf, 12),
      payload: copyOf(buf, NLMSG_HDRLEN, len), group,
    });
    return true;
  }

  /** What a claim made of a lone notification from its port, if one did. */
  private claimedBy(buf: Buffer, length: number, group: number): Notification | undefined {
    const pid = u32le(buf, 12);
    const claims = this.claims;
    for (let k = 0; k < claims.length; k++) {
      const c = claims[k]!;
      if (c.pid !== pid) continue;
      const n = c.match(buf, length, group);
      if (n !== undefined) return n;
    }
    return undefined;
  }

  claimEchoes(claim: EchoClaim): () => void {
    this.claims = [...this.claims, claim];
    return () => {
      this.claims = this.claims.filter((c) => c !== claim);
    };
  }

  /** receive() for any datagram. */
  private receiveAny(buf: Buffer, group: number, length: number): void {
    let copy: Buffer | undefined;
    const stable = (): Buffer => (copy ??= Buffer.from(buf.subarray(0, length)));
    const malformed = checkFraming(buf, length);
    if (malformed) {
      this.datagramLost('malformed', stable(), group, malformed);
      return;
    }
    const hook = this.hook;
    if (hook?.incoming) {
      const bytes = stable();
      try { hook.incoming(splitMessages(bytes), { protocol: this.protocol, portId: this.portId, group, bytes }); } catch { /* see hook.ts */ }
    }
    let batchOp: DumpOp | undefined;
    let batch: RawMessage[] = [];
    for (let off = 0; off + NLMSG_HDRLEN <= length; ) {
      const len = buf.readUInt32LE(off);
      const at = off;
      off += (len + 3) & ~3;
      const seq = buf.readUInt32LE(at + 8);
      const op = this.pending.get(seq) ?? (group === 0 && this.framed.length > 0 ? this.framedOp(seq) : undefined);
      if (group !== 0) {
        // A multicast notification, possibly caused by our own request (it then carries our seq
        // and port id), or the echo of a request sent with NLM_F_ECHO: the kernel sends that as
        // a unicast copy of the notification, still marked with the group, and leaves us out of
        // the multicast itself. So the echo answers the request, and also stands in for the
        // notification we would have had as a member of the group.
        if (op?.kind === 'request' && (op.flags & NLM_F.ECHO) !== 0) {
          const msg = messageAt(stable(), at);
          this.requestMessage(op, msg);
          if (this.groups.has(group)) this.notificationBatch.push(notification(msg, group));
        } else {
          this.notificationBatch.push(notification(messageAt(stable(), at), group));
        }
        continue;
      }
      if (!op) {
        if (seq === 0) this.notificationBatch.push(notification(messageAt(stable(), at), group));
        else this.stats.strays += 1;
        continue;
      }
      if (op.kind === 'request') {
        // A plain ACK (NLMSG_ERROR with error 0) completes its request as it lies: a batch of
        // 10,000 requests is answered by 10,000 of them, and copying each costs more than the rest.
        if (buf.readUInt16LE(at + 4) === NLMSG_ERROR && len >= NLMSG_HDRLEN + 4 && buf.readInt32LE(at + NLMSG_HDRLEN) === 0) {
          this.complete(op, { ok: true, replies: op.replies });
          continue;
        }
        this.requestMessage(op, messageAt(stable(), at));
        continue;
      }
      if (batchOp !== op) {
        this.pushBatch(batchOp, batch);
        batch = [];
      }
      batchOp = op;
      const type = buf.readUInt16LE(at + 4);
      if (type === NLMSG_DONE) {
        this.pushBatch(op, batch);
        batch = [];
        // A view into `buf` will do: decodeDone copies what it keeps.
        this.dumpDone(op, messageAt(buf, at));
      } else if (type === NLMSG_ERROR) {
        this.pushBatch(op, batch);
        batch = [];
        const e = decodeError(messageAt(stable(), at));
        // ENOBUFS here means the kernel could not queue the dump's first part (receive queue
        // full); the dump stays running in the kernel and continues on our next reads.
        if (e.errno !== 0 && e.errno !== Errno.ENOBUFS) {
          this.detachDump(op, this.kernelError(op, e.errno, e.extAck, e.requestPayload));
          this.dumpEnded(op);
        }
      } else if (type !== NLMSG_NOOP) {
        const flags = buf.readUInt16LE(at + 6);
        if ((flags & NLM_F.DUMP_INTR) !== 0) op.interrupted = true;
        const visit = op.visit;
        if (visit === undefined) batch.push(messageAt(stable(), at));
        else if (!op.detached && !op.interrupted) visit.message(buf, at + NLMSG_HDRLEN, at + len, type, flags);
      }
    }
    this.pushBatch(batchOp, batch);
  }

  /**
   * Hands a dump() consumer the messages of one datagram. An interrupted attempt's messages are
   * withheld (even those before the flagged one): the restart marker will tell it to start over.
   */
  private pushBatch(op: DumpOp | undefined, batch: RawMessage[]): void {
    if (op && batch.length > 0 && !op.detached && !op.interrupted) op.sink.push(batch);
  }

  private requestMessage(op: RequestOp, msg: RawMessage): void {
    if (msg.type === NLMSG_ERROR) {
      const e = decodeError(msg);
      if (e.errno === 0) this.complete(op, { ok: true, replies: op.replies });
      else this.complete(op, { ok: false, error: this.kernelError(op, e.errno, e.extAck, e.requestPayload) });
    } else if (msg.type === NLMSG_DONE) {
      // Only a request sent with dump flags ends like this; its ACK, if any, will be a stray.
      this.complete(op, { ok: true, replies: op.replies });
    } else if (msg.type !== NLMSG_NOOP) {
      op.replies.push(msg);
    }
  }

  /**
   * A datagram whose content was lost (cut short, or not splittable). If its first header names a
   * pending operation, that one fails; otherwise it was a notification and subscribers resync.
   */
  protected datagramLost(reason: OverrunReason, prefix: Buffer, group: number, cause?: unknown): void {
    const seq = group === 0 && prefix.length >= 16 ? readHeader(prefix).seq : 0;
    const op = seq !== 0 ? this.pending.get(seq) ?? this.framedOp(seq) : undefined;
    const error = reason === 'truncated'
      ? new TransportError({ syscall: 'recvmsg', reason: 'truncated', errno: Errno.EMSGSIZE, detail: `${prefix.length} bytes kept`, cause })
      : new OverrunError({ reason, seq, requestType: op?.type, cause });
    if (op?.kind === 'request') this.complete(op, { ok: false, error });
    else if (op?.kind === 'dump') this.detachDump(op, error);
    else this.noteLoss(reason, cause);
  }

  /** Messages were lost (ENOBUFS and friends); acted upon at the end of the drain. */
  protected noteLoss(reason: OverrunReason, cause?: unknown): void {
    this.lossReason ??= reason;
    this.lossCause ??= cause;
  }

  /** Hands the notifications gathered so far to subscribers, as one batch. */
  protected flushNotifications(): void {
    if (this.notificationBatch.length === 0) return;
    const batch = this.notificationBatch;
    this.notificationBatch = [];
    this.notificationSubject.next(batch);
  }

  /**
   * The receive queue is empty. Every request handed to the kernel was processed inside its
   * send() (rtnetlink and generic netlink answer synchronously), so an unanswered one now has
   * lost its answer to an overrun: it fails with OverrunError (its outcome is unknown). Dumps in
   * progress are kept: the kernel produces a dump's parts only as we read, and never drops them.
   */
  protected drainComplete(): void {
    this.flushNotifications();
    const reason = this.lossReason;
    if (reason === undefined) return;
    const cause = this.lossCause;
    this.lossReason = undefined;
    this.lossCause = undefined;
    let lost = 0;
    for (const op of [...this.pending.values()]) {
      if (op.kind !== 'request' || !op.transmitted) continue;
      lost += 1;
      this.complete(op, { ok: false, error: new OverrunError({ reason, seq: op.seq, requestType: op.type, cause }) });
    }
    for (const b of [...this.framed]) {
      lost += this.failFramed(b, (i) => new OverrunError({ reason, seq: b.from + i, requestType: b.batch.typeOf(i), cause }), 0, b.count, true);
    }
    this.stats.overruns += 1;
    if (!this.isClosed) this.overrunSubject.next(new OverrunError({ reason, lostRequests: lost, cause }));
  }

  // ---- helpers -------------------------------------------------------------------------------

  private kernelError(op: Op, errno: number, extAck: KernelError['extAck'], payload: Buffer | null, local = false): KernelError {
    return new KernelError({
      errno, extAck, requestType: op.type, requestFlags: op.flags, seq: op.seq, portId: this.portId,
      operation: op.operation, requestPayload: payload, local,
    });
  }

  private checkBusy(): void {
    const busy = this.pending.size > 0 || this.dumpQueue.length > 0 || this.framed.length > 0;
    if (busy !== this.wasBusy) {
      this.wasBusy = busy;
      this.onBusyChange(busy);
    }
  }

  close(): void {
    this.shutdown(closedError('close'));
  }

  /** Closes the transport, failing everything pending with `error`. */
  protected shutdown(error: NetlinkError): void {
    if (this.isClosed) return;
    this.isClosed = true;
    try {
      this.release();
    } finally {
      for (const op of [...this.pending.values(), ...this.dumpQueue]) {
        if (op.kind === 'request') this.complete(op, { ok: false, error });
        else {
          this.detachDump(op, error);
          this.dumpEnded(op);
        }
      }
      for (const b of [...this.framed]) this.failFramed(b, () => error);
      this.pending.clear();
      this.framed.length = 0;
      this.dumpQueue.length = 0;
      this.notificationBatch = [];
      this.notificationSubject.complete();
      this.overrunSubject.complete();
      this.checkBusy();
    }
  }
}
