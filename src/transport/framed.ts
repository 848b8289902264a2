/**
 * FramedRequests: many requests written straight into one buffer, each behind its nlmsghdr, ready
 * to be sent as they lie (NetlinkTransport.requestFramed). Only their sequence numbers are left to
 * the transport, which writes them as it registers the requests.
 *
 * Why: a batch of 10,000 requests given as NetlinkRequest objects is 10,000 payload buffers, then
 * 10,000 header writes and copies into the buffer each chunk is sent from. Encoders that can write
 * in place (transactions/record-wire.ts) write here once, and the chunks are views of this buffer.
 */
import { NLM_F, NLMSG_HDRLEN, nlmsgAlign } from '../messages/nlmsg.js';
import type { NetlinkRequest } from './transport.js';

const zeroFill = Uint8Array.prototype.fill as (this: Uint8Array, value: number, start: number, end: number) => Uint8Array;

export class FramedRequests {
  /** The messages, bytes [0, length). */
  bytes: Buffer;
  length = 0;
  /** Where each message starts. */
  readonly starts: number[] = [];
  /**
   * How many of the messages ask for NLM_F_ECHO (requestFramed sends a batch with any its general
   * way), counted by add() and drop(). A writer that appends around add() (encode-op.ts's
   * repeatRoute copies the last route) appends no message that asks for one.
   */
  echoes = 0;

  constructor(capacity = 64 * 1024) {
    this.bytes = Buffer.allocUnsafe(Math.max(NLMSG_HDRLEN, capacity));
  }

  get count(): number {
    return this.starts.length;
  }

  /**
   * Appends a message of type `type` (NLM_F_REQUEST | NLM_F_ACK | `flags`) with room for a payload
   * of `payloadLen` bytes, zeroed; returns the offset its payload starts at (write it there).
   */
  add(type: number, flags: number, payloadLen: number): number {
    const start = this.length;
    const len = NLMSG_HDRLEN + payloadLen;
    const end = start + nlmsgAlign(len);
    if (end > this.bytes.length) this.grow(end);
    const b = this.bytes;
    // (The typed array's own fill: Buffer's checks its arguments first, for every request.)
    zeroFill.call(b, 0, start, end);
    b[start] = len & 0xff;
    b[start + 1] = (len >>> 8) & 0xff;
    b[start + 2] = (len >>> 16) & 0xff;
    b[start + 3] = len >>> 24;
    b[start + 4] = type & 0xff;
    b[start + 5] = type >>> 8;
    const f = NLM_F.REQUEST | NLM_F.ACK | flags;
    if ((f & NLM_F.ECHO) !== 0) this.echoes++;
    b[start + 6] = f & 0xff;
    b[start + 7] = (f >>> 8) & 0xff;
    // seq (8..11) is the transport's; pid (12..15) stays 0.
    this.starts.push(start);
    this.length = end;
    return start + NLMSG_HDRLEN;
  }

  /** Appends a message with this payload. */
  addPayload(type: number, flags: number, payload: Uint8Array): void {
    const at = this.add(type, flags, payload.length);
    this.bytes.set(payload, at);
  }

  /** Takes back the last message added (its payload could not be written). */
  drop(): void {
    if (this.starts.length === 0) return;
    if ((this.flagsOf(this.starts.length - 1) & NLM_F.ECHO) !== 0) this.echoes--;
    this.length = this.starts.pop()!;
  }

  /** The type of message i (from its header). */
  typeOf(i: number): number {
    const at = this.starts[i]!;
    return this.bytes[at + 4]! | (this.bytes[at + 5]! << 8);
  }

  /** The flags of message i (from its header: NLM_F_REQUEST and NLM_F_ACK included). */
  flagsOf(i: number): number {
    const at = this.starts[i]!;
    return this.bytes[at + 6]! | (this.bytes[at + 7]! << 8);
  }

  /** Where message i ends (aligned: where the next one starts). */
  endOf(i: number): number {
    return i + 1 < this.starts.length ? this.starts[i + 1]! : this.length;
  }

  /**
   * The messages as NetlinkRequests, their payloads viewed in place: for a transport that shows
   * each message to a hook, or one without requestFramed.
   */
  requests(): NetlinkRequest[] {
    const out: NetlinkRequest[] = new Array(this.starts.length);
    for (let i = 0; i < this.starts.length; i++) {
      const at = this.starts[i]!;
      const len = this.bytes.readUInt32LE(at);
      out[i] = { type: this.typeOf(i), flags: this.flagsOf(i) & ~(NLM_F.REQUEST | NLM_F.ACK), payload: this.bytes.subarray(at + NLMSG_HDRLEN, at + len) };
    }
    return out;
  }

  private grow(atLeast: number): void {
    let size = this.bytes.length * 2;
    while (size < atLeast) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.bytes.copy(next, 0, 0, this.length);
    this.bytes = next;
  }
}
