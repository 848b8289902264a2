/**
 * The interface every netlink transport offers: the real socket (socket.ts) and the scripted
 * in-memory fake (fake.ts). Layers above take a NetlinkTransport, never a NetlinkSocket, so tests
 * can inject faults deterministically.
 *
 * Nothing here knows a message family: payloads are opaque bytes after the nlmsghdr.
 */
import type { Observable } from 'rxjs';
import type { RawMessage } from '../messages/nlmsg.js';
import type { DumpInterruptedError, NetlinkError, OverrunError } from './errors.js';
import type { FramedRequests } from './framed.js';
import type { NetlinkHook } from './hook.js';
import type { Stream } from '../util/emitter.js';
import type { TransportStats } from './ops.js';

/** A message to send: the transport adds the header, the sequence number and NLM_F_REQUEST. */
export interface NetlinkRequest {
  type: number;
  /** Extra flags (NLM_F_CREATE, NLM_F_EXCL, NLM_F_ECHO, ...). REQUEST, ACK and DUMP are added as needed. */
  flags?: number;
  payload: Uint8Array;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Give up (TransportError 'timeout') when no answer came in this time. No timeout by default. */
  timeoutMs?: number;
  /** A label for errors, e.g. 'add address 10.0.0.1/24 to eth0' (KernelError.operation). */
  operation?: string;
}

export interface DumpOptions extends RequestOptions {
  /**
   * How many times an interrupted dump (NLM_F_DUMP_INTR) is run again before the iterator throws
   * DumpInterruptedError. Default 5. 0 means: throw at the first interruption.
   */
  maxRetries?: number;
}

export interface BatchOptions extends RequestOptions {
  /**
   * Send large chunks from a thread-pool thread (where the transport can), so that this thread
   * reads answers and notifications while the kernel is still handling the chunk. Worth it when the
   * kernel's work dominates (thousands of address additions); default false.
   */
  offThread?: boolean;
  /**
   * With offThread: read nothing while a chunk is in the kernel's hands (from the thread-pool
   * send until it returns; the answers wait in the receive buffer and are read right after). A
   * function also quiets the process's other readers for that span: it is called as each such
   * send starts and returns what ends the quiet (e.g. `() => events.pause()`).
   *
   * Why: some requests wait inside the kernel for the other CPUs (a veth end's creation waits for
   * an RCU grace period). 200 veth pairs took the kernel 31-38 ms from a thread-pool thread with
   * this one idle, against 42-56 ms sent by this thread right after it had been busy; from the pool
   * with this thread reading meanwhile, the whole took as long as that.
   */
  quiet?: boolean | (() => () => void);
}

/** The outcome of one request of a batch, in the order the requests were given. */
export type BatchResult =
  | { ok: true; replies: RawMessage[] }
  | { ok: false; error: NetlinkError };

/**
 * Yielded by a dump when it was interrupted (NLM_F_DUMP_INTR) and starts again from the beginning:
 * everything the consumer got from this dump before the marker must be discarded.
 */
export interface DumpRestart {
  readonly restart: true;
  /** The attempt that starts now (2 for the first retry). */
  readonly attempt: number;
  readonly cause: DumpInterruptedError;
}

/** What a dump yields: the messages of one received datagram, or a restart marker. */
export type DumpItem = RawMessage[] | DumpRestart;

export function isDumpRestart(item: DumpItem): item is DumpRestart {
  return !Array.isArray(item);
}

/**
 * A dump consumer that takes each message where it lies, before the next datagram is read
 * (dumpEach). For callers that turn every message into something of their own at once (records):
 * no RawMessage objects are made and no datagram is copied.
 */
export interface DumpVisitor {
  /**
   * One of the dump's messages (control messages are handled by the transport): its payload is
   * buf[start, end). The bytes are valid only during the call (the socket reuses its receive
   * buffer): keep nothing that views them. A throw ends the dump with that error.
   */
  message(buf: Buffer, start: number, end: number, type: number, flags: number): void;
  /** The dump was interrupted (NLM_F_DUMP_INTR) and starts again: forget every message seen so far. */
  restart(marker: DumpRestart): void;
}

/** An unsolicited message: a multicast notification (group > 0) or a unicast one with seq 0 (group 0). */
export interface Notification extends RawMessage {
  /** The multicast group it was sent to (from the sender's address), 0 for unicast. */
  group: number;
  /**
   * Set when an echo claim (NetlinkTransport.claimEchoes) recognised the message: what the claim
   * says it stands for. The payload is still the message's (bytes equal to it).
   */
  claimed?: unknown;
}

/**
 * A claim on the notifications our own requests cause (NetlinkTransport.claimEchoes): whoever
 * sent them knows what they say, and can hand the reader of the notifications what it already has
 * instead of bytes to decode.
 */
export interface EchoClaim {
  /** The port id the requests went out from: the kernel writes it into what they cause. */
  readonly pid: number;
  /**
   * A notification from `pid`, alone in its datagram: bytes [0, length) of `buf`, valid only
   * during the call. Returns the Notification to deliver for it (its payload must outlive the
   * call: bytes of the claim's own that are equal to the message's), or undefined to let it go
   * the usual way.
   */
  match(buf: Buffer, length: number, group: number): Notification | undefined;
}

export interface NetlinkTransport {
  /** The netlink protocol (NETLINK_ROUTE = 0, NETLINK_GENERIC = 16, ...). */
  readonly protocol: number;
  /** The socket's port id (nl_pid), as the kernel assigned it. */
  readonly portId: number;
  readonly closed: boolean;
  /** Sees every message sent and every datagram received; may answer or fail requests itself. */
  hook: NetlinkHook | undefined;
  /** Counters, where the transport keeps them (sockets and the fake do). */
  readonly stats?: TransportStats;

  /**
   * Sends one message with NLM_F_REQUEST|NLM_F_ACK and resolves, when the ACK arrives, with the
   * other messages answering it (e.g. the object echoed back with NLM_F_ECHO, or a GET's reply).
   * Rejects with KernelError when the kernel refuses it.
   */
  request(msg: NetlinkRequest, opts?: RequestOptions): Promise<RawMessage[]>;

  /**
   * A dump (NLM_F_REQUEST|NLM_F_DUMP). Each iteration runs a new dump; the iterator yields the
   * messages of each datagram as it arrives (never the whole table buffered), and a DumpRestart
   * marker when an interrupted dump starts over. Breaking out of the loop abandons the dump.
   * A socket runs one dump at a time (the kernel allows no more): later ones wait their turn,
   * while requests go on meanwhile.
   */
  dump(msg: NetlinkRequest, opts?: DumpOptions): AsyncIterable<DumpItem>;

  /**
   * The same dump as dump(), its messages handed one by one to `visitor` as they are read (see
   * DumpVisitor); resolves when the dump has ended, rejects as dump()'s iteration would (or with
   * what the visitor threw). Optional: callers fall back to dump() where it is missing.
   */
  dumpEach?(msg: NetlinkRequest, visitor: DumpVisitor, opts?: DumpOptions): Promise<void>;

  /**
   * Many requests, pipelined: as many as fit are sent in one send() call, each with its own
   * sequence number and ACK. Resolves with one result per request, in order; one failure does not
   * stop the others (the kernel goes on with the next message anyway).
   */
  requestBatch(msgs: readonly NetlinkRequest[], opts?: BatchOptions): Promise<BatchResult[]>;

  /**
   * requestBatch() for requests written into one buffer already (FramedRequests, framed.ts): the
   * same answers, without a buffer per request or copying them into chunks. The buffer must not
   * change until the promise settles. Optional: callers fall back to requestBatch(batch.requests()).
   */
  requestFramed?(batch: FramedRequests, opts?: BatchOptions): Promise<BatchResult[]>;
  /**
   * Whether everything the kernel has sent this transport so far has been read and handed to
   * subscribers (nothing waits to be read, nothing is asked). Optional; false when in doubt.
   */
  drained?(): boolean;
  /**
   * Stops reading until the returned function is called (pauses nest: reading resumes once every
   * one has ended; calling it again does nothing). What arrives meanwhile waits in the receive
   * buffer, where an overrun is noticed on resuming. Optional.
   */
  pause?(): () => void;

  /**
   * Adds a claim on the notifications that requests of another socket cause (EchoClaim); the
   * returned function removes it. Only datagrams read without an incoming hook are offered to a
   * claim. Optional.
   */
  claimEchoes?(claim: EchoClaim): () => void;

  /** Unsolicited messages, in batches of what arrived together. */
  readonly notifications$: Observable<Notification[]>;
  /**
   * Emits when messages were lost (receive overrun). Subscribers to notifications$ must then
   * resynchronise (dump again). Requests whose answers were lost have already been failed with an
   * OverrunError each; dumps in progress are kept, because the kernel paces a dump to the reader
   * and never drops its parts.
   */
  readonly overrun$: Observable<OverrunError>;
  /**
   * notifications$ and overrun$ as plain streams, for consumers inside the library: the same
   * values, without loading rxjs (src/util/emitter.ts).
   */
  readonly notifications: Stream<Notification[]>;
  readonly overruns: Stream<OverrunError>;

  addMembership(group: number): void;
  dropMembership(group: number): void;

  /** Completes the observables, rejects what is pending with TransportError 'closed'. Idempotent. */
  close(): void;
}
