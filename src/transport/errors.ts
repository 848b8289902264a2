/**
 * The transport's errors. One base class, so callers can catch "anything netlink" at once, and
 * one class per kind of failure, each keeping what is needed to act on it:
 *
 * - KernelError: the kernel refused a request. errno and its name, the kernel's own extended-ack
 *   explanation and attribute offset, the request's type and sequence number.
 * - TransportError: a syscall failed, or the socket closed, or the caller gave up (timeout,
 *   abort) before an answer came.
 * - DumpInterruptedError: the dumped table changed while it was being read (NLM_F_DUMP_INTR) more
 *   often than the retry budget allowed. Retryable.
 * - OverrunError: the socket's receive buffer overflowed (ENOBUFS) and messages were lost.
 *   Retryable: resynchronise (dump again) and go on.
 *
 * Malformed bytes are a DecodeError (src/messages/errors.ts), the codecs' own class.
 */
import type { ExtAck } from '../messages/nlmsg.js';
import { errnoMessage, errnoName } from './errno.js';

export { errnoMessage, errnoName, errnoNumber, Errno } from './errno.js';

export class NetlinkError extends Error {
  override name = 'NetlinkError';
  /** True when trying again (for a dump: from the start) can succeed. */
  readonly retryable: boolean = false;
}

export interface KernelErrorInit {
  /** Positive errno. */
  errno: number;
  extAck?: ExtAck;
  /** nlmsg_type of the refused request. */
  requestType: number;
  requestFlags?: number;
  seq: number;
  /** The port id the request was sent from. */
  portId?: number;
  /** A label for humans, e.g. 'add address 10.0.0.1/24 to eth0'; callers may set it later. */
  operation?: string;
  /** The request's payload as the kernel echoed it back (absent when capped). */
  requestPayload?: Buffer | null;
  /** True when a transport hook answered instead of the kernel. */
  local?: boolean;
}

/** The kernel answered a request with an error (NLMSG_ERROR, or NLMSG_DONE carrying one). */
export class KernelError extends NetlinkError {
  override name = 'KernelError';
  readonly errno: number;
  /** The errno's name: 'EEXIST', 'ENODEV', ... */
  readonly code: string;
  /** The kernel's extended ack: its message, the offending attribute's offset in the request, ... */
  readonly extAck: ExtAck;
  readonly requestType: number;
  readonly requestFlags: number;
  readonly seq: number;
  readonly portId: number | undefined;
  readonly requestPayload: Buffer | null;
  readonly local: boolean;
  #operation: string | undefined;

  constructor(init: KernelErrorInit) {
    super('');
    this.errno = init.errno;
    this.code = errnoName(init.errno);
    this.extAck = init.extAck ?? {};
    this.requestType = init.requestType;
    this.requestFlags = init.requestFlags ?? 0;
    this.seq = init.seq;
    this.portId = init.portId;
    this.requestPayload = init.requestPayload ?? null;
    this.local = init.local ?? false;
    this.#operation = init.operation;
    this.message = this.describe();
  }

  /** The kernel's own words (extended ack), if it gave any. */
  get kernelMessage(): string | undefined {
    return this.extAck.message;
  }

  get operation(): string | undefined {
    return this.#operation;
  }

  /** Set by the layer that knows what the request meant; the message follows. */
  set operation(label: string | undefined) {
    this.#operation = label;
    this.message = this.describe();
  }

  private describe(): string {
    const what = this.#operation ?? `netlink request type ${this.requestType} seq ${this.seq}`;
    let text = `${what}: ${this.code} (${errnoMessage(this.errno)})`;
    if (this.extAck.message) text += `: ${this.extAck.message}`;
    if (this.extAck.offset !== undefined) text += ` [at byte ${this.extAck.offset}]`;
    return text;
  }
}

export type TransportFailure =
  /** A syscall failed; see syscall and errno. */
  | 'syscall'
  /** The socket was closed while the operation was pending, or before it started. */
  | 'closed'
  | 'timeout'
  | 'aborted'
  /** A datagram was larger than the receive buffer: its tail was lost. */
  | 'truncated'
  /** A transport hook threw. */
  | 'hook';

export interface TransportErrorInit {
  syscall: string;
  reason: TransportFailure;
  errno?: number;
  detail?: string;
  cause?: unknown;
}

/** Everything that goes wrong between us and the kernel that is not the kernel's answer. */
export class TransportError extends NetlinkError {
  override name = 'TransportError';
  readonly syscall: string;
  readonly reason: TransportFailure;
  readonly errno: number | undefined;
  readonly code: string | undefined;

  constructor(init: TransportErrorInit) {
    const code = init.errno !== undefined ? errnoName(init.errno) : undefined;
    let text = init.reason === 'syscall' ? `${init.syscall} failed` : `${init.syscall}: ${init.reason}`;
    if (init.errno !== undefined) text += `: ${code} (${errnoMessage(init.errno)})`;
    if (init.detail) text += ` (${init.detail})`;
    super(text, { cause: init.cause });
    this.syscall = init.syscall;
    this.reason = init.reason;
    this.errno = init.errno;
    this.code = code;
  }

  static fromErrno(syscall: string, errno: number, detail?: string): TransportError {
    return new TransportError({ syscall, reason: 'syscall', errno, ...(detail !== undefined ? { detail } : {}) });
  }
}

/** A dump kept being interrupted (NLM_F_DUMP_INTR) after every retry. */
export class DumpInterruptedError extends NetlinkError {
  override name = 'DumpInterruptedError';
  override readonly retryable = true;
  readonly requestType: number;
  readonly seq: number;
  /** How many times the dump was run, all interrupted. */
  readonly attempts: number;

  constructor(init: { requestType: number; seq: number; attempts: number }) {
    super(`dump of type ${init.requestType} interrupted by concurrent changes (NLM_F_DUMP_INTR), ${init.attempts} attempt(s)`);
    this.requestType = init.requestType;
    this.seq = init.seq;
    this.attempts = init.attempts;
  }
}

export type OverrunReason =
  /** The kernel dropped messages because the receive buffer was full (recv failed with ENOBUFS). */
  | 'enobufs'
  /** A datagram did not fit the receive buffer. */
  | 'truncated'
  /** A datagram could not be cut into messages. */
  | 'malformed';

/**
 * Messages were lost on a socket. On overrun$ it tells subscribers to resynchronise; given to a
 * pending request it means the request's answer was lost: the kernel may or may not have applied
 * it (`requestType`/`seq` then name the request).
 */
export class OverrunError extends NetlinkError {
  override name = 'OverrunError';
  override readonly retryable = true;
  readonly reason: OverrunReason;
  /** Requests whose answers were lost and which were failed with this error (on overrun$). */
  readonly lostRequests: number;
  readonly requestType: number | undefined;
  readonly seq: number | undefined;

  constructor(init: { reason: OverrunReason; lostRequests?: number; requestType?: number; seq?: number; cause?: unknown }) {
    const base = init.reason === 'enobufs' ? 'receive buffer overrun (ENOBUFS): messages were lost'
      : init.reason === 'truncated' ? 'a datagram did not fit the receive buffer: messages were lost'
      : 'a malformed datagram was dropped: messages were lost';
    const which = init.seq !== undefined ? `; the answer to request type ${init.requestType} seq ${init.seq} was lost, its outcome is unknown` : '';
    super(base + which, { cause: init.cause });
    this.reason = init.reason;
    this.lostRequests = init.lostRequests ?? 0;
    this.requestType = init.requestType;
    this.seq = init.seq;
  }
}
