/**
 * The bookkeeping shapes of the transport core: a pending request or dump, counters, batch
 * budgets, and small helpers (timeouts and abort signals, the errors for a closed transport).
 */
import type { RawMessage } from '../messages/nlmsg.js';
import { Errno } from './errno.js';
import { NetlinkError, TransportError } from './errors.js';
import type { DumpStream } from './dump.js';
import type { BatchResult, NetlinkRequest, RequestOptions } from './transport.js';

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
  readonly stream: DumpStream;
}

export type Op = RequestOp | DumpOp;

export interface TransportStats {
  /** transmit() calls (send() syscalls on a socket). */
  sends: number;
  /** Datagrams received. */
  datagrams: number;
  /** Messages that matched nothing pending (answers to requests given up on, ...). */
  strays: number;
  /** Overruns reported on overrun$. */
  overruns: number;
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
