/**
 * A scripted, in-memory NetlinkTransport for deterministic tests and fault injection.
 *
 * It shares all its matching logic with the real socket (core.ts): only the "kernel" is fake.
 * Every message transmitted is shown to a script (a FIFO of answers, then a handler function),
 * whose answer becomes the bytes a kernel would send back: replies and an ACK, an error with
 * extended ack, dump parts and NLMSG_DONE (optionally flagged NLM_F_DUMP_INTR), a lost answer
 * (an overrun), or nothing at all. Answers arrive asynchronously, in one "wake-up" per turn of the
 * event loop, the way the socket delivers them. Notifications and overruns can be injected.
 */
import {
  buildMessage, NLM_F, NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN, NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NETLINK_ROUTE, nlmsgAlign,
  splitMessages, type RawMessage,
} from '../messages/nlmsg.js';
import { TransportCore } from './core.js';
import type { BatchBudget } from './ops.js';
import type { OverrunReason } from './errors.js';
import type { HookMessage } from './hook.js';

/** What the fake kernel got: one message, and whether it is a dump request. */
export interface FakeRequestInfo {
  message: RawMessage;
  /** The message's bytes, header included. */
  bytes: Buffer;
  /** NLM_F_DUMP set and no NLM_F_ACK: how the transport sends dumps. */
  dump: boolean;
}

export type FakeAnswer =
  /** Success: these replies (each its own datagram), then an ACK (for a dump: NLMSG_DONE). */
  | { replies?: HookMessage[] }
  /** Failure: NLMSG_ERROR with this errno and, optionally, an extended ack. */
  | { errno: number; message?: string; offset?: number }
  /** A dump's answer: one datagram per batch, then NLMSG_DONE (with the errno if given). */
  | { batches: HookMessage[][]; interrupted?: boolean; errno?: number; message?: string }
  /** The answer is lost: the receive buffer overflowed (ENOBUFS). */
  | { lost: true }
  /** No answer ever (for timeouts and aborts). */
  | { silent: true };

export type FakeHandler = (req: FakeRequestInfo) => FakeAnswer | undefined;

export interface FakeTransportOptions {
  protocol?: number;
  portId?: number;
  /** Answers messages the FIFO does not; without one, requests are ACKed and dumps are empty. */
  handler?: FakeHandler;
  /** Batch chunking limits (defaults: 256 KiB per send, 1 MiB of answers). */
  budget?: Partial<BatchBudget>;
}

type Inbound = { bytes: Buffer; group: number } | { loss: OverrunReason };

export class FakeTransport extends TransportCore {
  readonly protocol: number;
  readonly portId: number;
  /** Every message the fake kernel received, in order. */
  readonly received: FakeRequestInfo[] = [];
  /** Every transmit() call's bytes (one entry per send(): shows how a batch was chunked). */
  readonly transmits: Buffer[] = [];
  handler: FakeHandler | undefined;
  private readonly script: Array<FakeAnswer | FakeHandler> = [];
  private readonly inbox: Inbound[] = [];
  private scheduled = false;
  private readonly budget: BatchBudget;

  constructor(opts: FakeTransportOptions = {}) {
    super();
    this.protocol = opts.protocol ?? NETLINK_ROUTE;
    this.portId = opts.portId ?? 4242;
    this.handler = opts.handler;
    this.budget = { maxBytes: opts.budget?.maxBytes ?? 256 * 1024, rcvBytes: opts.budget?.rcvBytes ?? 1024 * 1024 };
  }

  /** Queues answers for the next messages, in order (before the handler is asked). */
  enqueue(...answers: Array<FakeAnswer | FakeHandler>): this {
    this.script.push(...answers);
    return this;
  }

  protected setMembership(): void {
    // The fake kernel delivers whatever notify() is given, member or not.
  }

  /** Delivers unsolicited messages (seq 0) as one datagram to `group` (0: unicast). */
  notify(messages: HookMessage[], group = 1): void {
    this.deliver(Buffer.concat(messages.map((m) => buildMessage({ type: m.type, flags: m.flags ?? 0, seq: 0, pid: 0 }, m.payload))), group);
  }

  /** Simulates a receive overrun at this point of the stream. */
  overrun(reason: OverrunReason = 'enobufs'): void {
    this.push({ loss: reason });
  }

  /** Delivers raw bytes as one datagram. */
  deliver(bytes: Buffer, group = 0): void {
    this.push({ bytes, group });
  }

  /** Resolves once everything queued so far has been delivered. */
  async settle(): Promise<void> {
    while (this.scheduled) await new Promise((r) => setImmediate(r));
  }

  protected transmit(bytes: Buffer): void {
    this.transmits.push(Buffer.from(bytes));
    for (const message of splitMessages(Buffer.from(bytes))) {
      const info: FakeRequestInfo = {
        message,
        bytes: buildMessage({ type: message.type, flags: message.flags, seq: message.seq, pid: message.pid }, message.payload),
        dump: (message.flags & NLM_F.DUMP) === NLM_F.DUMP && (message.flags & NLM_F.ACK) === 0,
      };
      this.received.push(info);
      this.answer(info, this.nextAnswer(info));
    }
  }

  protected release(): void {
    this.inbox.length = 0;
  }

  protected batchBudget(): BatchBudget {
    return this.budget;
  }

  private nextAnswer(info: FakeRequestInfo): FakeAnswer {
    const scripted = this.script.shift();
    const a = typeof scripted === 'function' ? scripted(info) : scripted;
    return a ?? this.handler?.(info) ?? (info.dump ? { batches: [] } : {});
  }

  private answer(req: FakeRequestInfo, a: FakeAnswer): void {
    const { seq } = req.message;
    const reply = (m: HookMessage, extra = 0): Buffer =>
      buildMessage({ type: m.type, flags: (m.flags ?? 0) | extra, seq, pid: this.portId }, m.payload);
    if ('silent' in a) return;
    if ('lost' in a) return this.overrun('enobufs');
    if ('batches' in a) {
      a.batches.forEach((batch, i) => {
        const intr = a.interrupted && i === a.batches.length - 1 ? NLM_F.DUMP_INTR : 0;
        this.deliver(Buffer.concat(batch.map((m) => reply(m, NLM_F.MULTI | intr))));
      });
      const status = Buffer.alloc(4);
      status.writeInt32LE(-(a.errno ?? 0), 0);
      const tlvs = a.message !== undefined ? tlv(NLMSGERR_ATTR_MSG, cString(a.message)) : Buffer.alloc(0);
      const flags = NLM_F.MULTI | (a.interrupted ? NLM_F.DUMP_INTR : 0) | (tlvs.length > 0 ? NLM_F.ACK_TLVS : 0);
      this.deliver(buildMessage({ type: NLMSG_DONE, flags, seq, pid: this.portId }, Buffer.concat([status, tlvs])));
      return;
    }
    if ('errno' in a) {
      this.deliver(errorMessage(req.bytes, seq, this.portId, a.errno, a.message, a.offset));
      return;
    }
    for (const m of a.replies ?? []) this.deliver(reply(m));
    if (req.dump) {
      const done = Buffer.alloc(4);
      this.deliver(buildMessage({ type: NLMSG_DONE, flags: NLM_F.MULTI, seq, pid: this.portId }, done));
    } else {
      this.deliver(errorMessage(req.bytes, seq, this.portId, 0));
    }
  }

  private push(item: Inbound): void {
    if (this.closed) return;
    this.inbox.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.wake());
  }

  /** One wake-up: everything queued is read, then the "receive queue" is empty. */
  private wake(): void {
    this.scheduled = false;
    const items = this.inbox.splice(0);
    for (const item of items) {
      if (this.closed) return;
      if ('loss' in item) this.noteLoss(item.loss);
      else this.receive(item.bytes, item.group);
    }
    if (!this.closed) this.drainComplete();
  }
}

/** NLMSG_ERROR as the kernel builds it: the request's header (and payload, on error), then ext-ack attributes. */
function errorMessage(request: Buffer, seq: number, pid: number, errno: number, message?: string, offset?: number): Buffer {
  const status = Buffer.alloc(4);
  status.writeInt32LE(-errno, 0);
  const len = request.readUInt32LE(0);
  const echo = errno === 0 ? request.subarray(0, NLMSG_HDRLEN) : request.subarray(0, nlmsgAlign(len));
  const tlvs: Buffer[] = [];
  if (message !== undefined) tlvs.push(tlv(NLMSGERR_ATTR_MSG, cString(message)));
  if (offset !== undefined) {
    const v = Buffer.alloc(4);
    v.writeUInt32LE(offset, 0);
    tlvs.push(tlv(NLMSGERR_ATTR_OFFS, v));
  }
  const flags = (errno === 0 ? NLM_F.CAPPED : 0) | (tlvs.length > 0 ? NLM_F.ACK_TLVS : 0);
  return buildMessage({ type: NLMSG_ERROR, flags, seq, pid }, Buffer.concat([status, echo, ...tlvs]));
}

function tlv(type: number, value: Buffer): Buffer {
  const out = Buffer.alloc(nlmsgAlign(4 + value.length));
  out.writeUInt16LE(4 + value.length, 0);
  out.writeUInt16LE(type, 2);
  value.copy(out, 4);
  return out;
}

function cString(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.alloc(1)]);
}
