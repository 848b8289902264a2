/**
 * The bookkeeping shapes of the transport core: a pending request or dump, counters, batch
 * budgets, and small helpers (timeouts and abort signals, the errors for a closed transport).
 */
import { buildMessage, NLM_F, splitMessages, type RawMessage } from '../messages/nlmsg.js';
import { Errno } from './errno.js';
import { NetlinkError, TransportError } from './errors.js';
import type { DumpSink, DumpVisit } from './dump.js';
import type { HookMessage } from './hook.js';
import type { BatchResult, DumpOptions, NetlinkRequest, Notification, RequestOptions } from './transport.js';

export const DEFAULT_DUMP_RETRIES = 5;
/** Rough receive-buffer cost of one answer (an ACK skb's truesize is about 1 KiB; errors echo the request). */
export const ANSWER_COST = 2048;

export interface RequestOp {
  readonly kind: 'request';
  seq: number;
  type: number;
  flags: number;
  readonly operation: string | undefined;
  readonly replies: RawMessage[];
  /** Handed to the kernel: from then on its answer is in the receive queue, or lost. */
  transmitted: boolean;
  done: boolean;
  cleanup: (() => void) | undefined;
  readonly settle: (r: BatchResult) => void;
  /** What it ended with (set before settle is called). */
  result: BatchResult | undefined;
  /** Called after settle (a batch counts its chunk's answers with it). */
  onDone: (() => void) | undefined;
}

export interface DumpOp {
  readonly kind: 'dump';
  seq: number;
  type: number;
  flags: number;
  readonly msg: NetlinkRequest;
  readonly operation: string | undefined;
  readonly maxRetries: number;
  attempt: number;
  /** An NLM_F_DUMP_INTR was seen in this attempt: the rest of it is swallowed, then it runs again. */
  interrupted: boolean;
  /** The consumer is gone or has its error: swallow the kernel's output until the dump ends. */
  detached: boolean;
  /** Sent to the kernel (it is then the head of the dump queue). */
  started: boolean;
  finished: boolean;
  cleanup: (() => void) | undefined;
  /** The consumer: dump()'s iterator, or dumpEach()'s visitor (then also `visit`). */
  readonly sink: DumpSink;
  /** dumpEach(): messages go to it in place, without RawMessage objects or a copy of the datagram. */
  readonly visit: DumpVisit | undefined;
}

export type Op = RequestOp | DumpOp;

export function requestOp(msg: NetlinkRequest, operation: string | undefined, settle: RequestOp['settle']): RequestOp {
  return {
    kind: 'request', seq: 0, type: msg.type, flags: NLM_F.REQUEST | NLM_F.ACK | (msg.flags ?? 0), operation,
    replies: [], transmitted: false, done: false, cleanup: undefined, settle, result: undefined, onDone: undefined,
  };
}

export function dumpOp(msg: NetlinkRequest, opts: DumpOptions, sink: DumpSink, visit: DumpVisit | undefined): DumpOp {
  return {
    kind: 'dump', seq: 0, type: msg.type, flags: NLM_F.REQUEST | NLM_F.DUMP | (msg.flags ?? 0), msg,
    operation: opts.operation, maxRetries: opts.maxRetries ?? DEFAULT_DUMP_RETRIES, attempt: 1,
    interrupted: false, detached: false, started: false, finished: false, cleanup: undefined, sink, visit,
  };
}

/** A message a hook answered with, as if the kernel had sent it (our seq and port id). */
export function localMessage(seq: number, portId: number, m: HookMessage): RawMessage {
  return splitMessages(buildMessage({ type: m.type, flags: m.flags ?? 0, seq, pid: portId }, m.payload))[0]!;
}

/** A received message as a Notification (same fields, plus the group). */
export function notification(msg: RawMessage, group: number): Notification {
  return { len: msg.len, type: msg.type, flags: msg.flags, seq: msg.seq, pid: msg.pid, payload: msg.payload, group };
}

export interface TransportStats {
  /** transmit() calls (send() syscalls on a socket). */
  sends: number;
  /** Datagrams received. */
  datagrams: number;
  /** Messages that matched nothing pending (answers to requests given up on, ...). */
  strays: number;
  /** Overruns reported on overrun$. */
  overruns: number;
  /** Receives made on the thread pool while a dump was being handled (socket.ts, dumpReadAhead). */
  readAheads: number;
  /** Notifications an echo claim recognised (NetlinkTransport.claimEchoes). */
  claimed: number;
}

/** The largest send and the receive-buffer room available for the answers of one batch chunk. */
export interface BatchBudget {
  maxBytes: number;
  rcvBytes: number;
}

/**
 * Cuts a batch into chunks: each chunk is sent in one send(), at most `maxBytes` long, and the
 * answers it will queue (about ANSWER_COST plus the message each) must fit `rcvBytes`. Returns
 * the end index of each chunk. A single message too large for the budget still gets a chunk.
 */
export function planChunks(sizes: readonly number[], budget: BatchBudget): number[] {
  const ends: number[] = [];
  let bytes = 0;
  let answers = 0;
  for (let i = 0; i < sizes.length; i++) {
    const b = sizes[i]!;
    const a = ANSWER_COST + b;
    if (i > 0 && (bytes + b > budget.maxBytes || answers + a > budget.rcvBytes) && bytes > 0) {
      ends.push(i);
      bytes = 0;
      answers = 0;
    }
    bytes += b;
    answers += a;
  }
  if (sizes.length > 0) ends.push(sizes.length);
  return ends;
}

/** Timeout and abort signal for one operation; returns the disarm function. */
export function arm(opts: RequestOptions, what: string, fail: (err: TransportError) => void): (() => void) | undefined {
  const { signal, timeoutMs } = opts;
  if (signal?.aborted) {
    fail(new TransportError({ syscall: what, reason: 'aborted', cause: signal.reason }));
    return undefined;
  }
  let timer: NodeJS.Timeout | undefined;
  if (timeoutMs !== undefined) {
    timer = setTimeout(() => fail(new TransportError({ syscall: what, reason: 'timeout', errno: Errno.ETIMEDOUT, detail: `${timeoutMs} ms` })), timeoutMs);
  }
  const onAbort = (): void => fail(new TransportError({ syscall: what, reason: 'aborted', cause: signal?.reason }));
  signal?.addEventListener('abort', onAbort, { once: true });
  if (!timer && !signal) return undefined;
  return () => {
    if (timer) clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  };
}

export function closedError(what: string): TransportError {
  return new TransportError({ syscall: what, reason: 'closed', errno: Errno.EBADF, detail: 'the netlink socket is closed' });
}

export function asTransportError(err: unknown, syscall: string): NetlinkError {
  if (err instanceof NetlinkError) return err;
  return new TransportError({ syscall, reason: 'syscall', cause: err });
}
