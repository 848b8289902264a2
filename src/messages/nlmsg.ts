/**
 * The netlink message header (struct nlmsghdr, include/uapi/linux/netlink.h) and the framing
 * every netlink family shares: alignment, splitting a datagram into messages, the control
 * message types, and the error/ACK message with its extended-ack attributes.
 *
 * The transport layer knows netlink only through this file.
 */
import { DecodeError } from './errors.js';

export const NLMSG_ALIGNTO = 4;
export const NLMSG_HDRLEN = 16;
export const nlmsgAlign = (n: number): number => (n + NLMSG_ALIGNTO - 1) & ~(NLMSG_ALIGNTO - 1);

/** Control message types (NLMSG_*). Family message types start at NLMSG_MIN_TYPE. */
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;
export const NLMSG_MIN_TYPE = 0x10;

/** nlmsg_flags. GET requests reuse bits 8..9 for ROOT/MATCH; NEW requests for REPLACE/EXCL/CREATE/APPEND. */
export const NLM_F = {
  REQUEST: 0x01,
  MULTI: 0x02,
  ACK: 0x04,
  ECHO: 0x08,
  DUMP_INTR: 0x10,
  DUMP_FILTERED: 0x20,
  ROOT: 0x100,
  MATCH: 0x200,
  ATOMIC: 0x400,
  DUMP: 0x300,
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  APPEND: 0x800,
  NONREC: 0x100,
  BULK: 0x200,
  CAPPED: 0x100,
  ACK_TLVS: 0x200,
} as const;

/** Socket-level options (SOL_NETLINK) the transport sets. */
export const SOL_NETLINK = 270;
export const NETLINK_ADD_MEMBERSHIP = 1;
export const NETLINK_DROP_MEMBERSHIP = 2;
export const NETLINK_BROADCAST_ERROR = 4;
export const NETLINK_NO_ENOBUFS = 5;
export const NETLINK_LISTEN_ALL_NSID = 8;
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;
export const NETLINK_GET_STRICT_CHK = 12;

/** Netlink protocols (the third argument of socket(AF_NETLINK, ...)). */
export const NETLINK_ROUTE = 0;
export const NETLINK_GENERIC = 16;

/** Extended-ack attributes that may follow an nlmsgerr (enum nlmsgerr_attrs). */
export const NLMSGERR_ATTR_MSG = 1;
export const NLMSGERR_ATTR_OFFS = 2;
export const NLMSGERR_ATTR_COOKIE = 3;
export const NLMSGERR_ATTR_POLICY = 4;
export const NLMSGERR_ATTR_MISS_TYPE = 5;
export const NLMSGERR_ATTR_MISS_NEST = 6;

export interface NlMsgHeader {
  /** Total length including the header (nlmsg_len). */
  len: number;
  type: number;
  flags: number;
  seq: number;
  pid: number;
}

/** One message cut out of a datagram: the header and a view (no copy) of its payload. */
export interface RawMessage extends NlMsgHeader {
  payload: Buffer;
}

export function readHeader(buf: Buffer, off = 0): NlMsgHeader {
  if (buf.length - off < NLMSG_HDRLEN) {
    throw new DecodeError(`truncated nlmsghdr: ${buf.length - off} bytes`, { offset: off, path: ['nlmsghdr'] });
  }
  return {
    len: buf.readUInt32LE(off),
    type: buf.readUInt16LE(off + 4),
    flags: buf.readUInt16LE(off + 6),
    seq: buf.readUInt32LE(off + 8),
    pid: buf.readUInt32LE(off + 12),
  };
}

export function writeHeader(buf: Buffer, off: number, h: NlMsgHeader): void {
  buf.writeUInt32LE(h.len >>> 0, off);
  buf.writeUInt16LE(h.type, off + 4);
  buf.writeUInt16LE(h.flags, off + 6);
  buf.writeUInt32LE(h.seq >>> 0, off + 8);
  buf.writeUInt32LE(h.pid >>> 0, off + 12);
}

/** Frames a payload into one complete, aligned netlink message. */
export function buildMessage(h: Omit<NlMsgHeader, 'len'>, payload: Uint8Array): Buffer {
  const len = NLMSG_HDRLEN + payload.length;
  const out = Buffer.alloc(nlmsgAlign(len));
  writeHeader(out, 0, { ...h, len });
  out.set(payload, NLMSG_HDRLEN);
  return out;
}

/**
 * Splits a datagram into messages. Payloads are views into `buf`: callers that keep them past
 * the next receive into a reused buffer must copy (the transport does).
 */
export function splitMessages(buf: Buffer): RawMessage[] {
  const bad = checkFraming(buf, buf.length);
  if (bad) throw bad;
  const out: RawMessage[] = [];
  for (let off = 0; off + NLMSG_HDRLEN <= buf.length; off += nlmsgAlign(buf.readUInt32LE(off))) out.push(messageAt(buf, off));
  return out;
}

/**
 * Whether bytes [0, length) of `buf` are whole messages, as splitMessages() needs: the
 * DecodeError it would throw, or undefined. Lets a reader walk a datagram by offset, without
 * splitting it, once this has passed.
 */
export function checkFraming(buf: Buffer, length: number): DecodeError | undefined {
  for (let off = 0; off + NLMSG_HDRLEN <= length; ) {
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > length) {
      return new DecodeError(`bad nlmsg_len ${len} with ${length - off} bytes left`, { offset: off, path: ['nlmsghdr'] });
    }
    off += nlmsgAlign(len);
  }
  return undefined;
}

/** The message at `off` of a framed datagram (see checkFraming); its payload is a view into `buf`. */
export function messageAt(buf: Buffer, off: number): RawMessage {
  const len = buf.readUInt32LE(off);
  return {
    len,
    type: buf.readUInt16LE(off + 4),
    flags: buf.readUInt16LE(off + 6),
    seq: buf.readUInt32LE(off + 8),
    pid: buf.readUInt32LE(off + 12),
    payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
  };
}

/** A decoded NLMSG_ERROR: errno 0 is an ACK. */
export interface NlMsgErr {
  /** Positive errno (the kernel sends it negated); 0 for an ACK. */
  errno: number;
  /** The header of the request this answers (and, unless capped, its payload). */
  request: NlMsgHeader;
  requestPayload: Buffer | null;
  /** Extended ack: the kernel's own explanation, the offending attribute's offset, etc. */
  extAck: ExtAck;
}

export interface ExtAck {
  message?: string;
  /** Byte offset into the request of the attribute the kernel refused. */
  offset?: number;
  missingType?: number;
  missingNest?: number;
  cookie?: Buffer;
}

export function decodeError(msg: RawMessage): NlMsgErr {
  const p = msg.payload;
  if (p.length < 4 + NLMSG_HDRLEN) {
    throw new DecodeError(`truncated nlmsgerr: ${p.length} bytes`, { path: ['nlmsgerr'] });
  }
  const errno = -p.readInt32LE(0);
  const request = readHeader(p, 4);
  // With NLM_F_CAPPED only the request's header is echoed; otherwise its whole payload.
  const capped = (msg.flags & NLM_F.CAPPED) !== 0 || errno === 0;
  let off = 4 + NLMSG_HDRLEN;
  let requestPayload: Buffer | null = null;
  if (!capped) {
    const end = Math.min(p.length, 4 + request.len);
    requestPayload = p.subarray(off, end);
    off = 4 + nlmsgAlign(request.len);
  }
  const extAck = (msg.flags & NLM_F.ACK_TLVS) !== 0 ? decodeExtAck(p, off) : {};
  return { errno, request, requestPayload, extAck };
}

/** The extended-ack attributes (enum nlmsgerr_attrs) found from `off` to the end of `p`. */
export function decodeExtAck(p: Buffer, off: number): ExtAck {
  const extAck: ExtAck = {};
  while (off + 4 <= p.length) {
    const len = p.readUInt16LE(off);
    const type = p.readUInt16LE(off + 2) & 0x3fff;
    if (len < 4 || off + len > p.length) break;
    const v = p.subarray(off + 4, off + len);
    switch (type) {
      case NLMSGERR_ATTR_MSG: extAck.message = v.toString('utf8').replace(/\0+$/, ''); break;
      case NLMSGERR_ATTR_OFFS: if (v.length >= 4) extAck.offset = v.readUInt32LE(0); break;
      case NLMSGERR_ATTR_MISS_TYPE: if (v.length >= 4) extAck.missingType = v.readUInt32LE(0); break;
      case NLMSGERR_ATTR_MISS_NEST: if (v.length >= 4) extAck.missingNest = v.readUInt32LE(0); break;
      case NLMSGERR_ATTR_COOKIE: extAck.cookie = Buffer.from(v); break;
      default: break;
    }
    off += nlmsgAlign(len);
  }
  return extAck;
}

/** A decoded NLMSG_DONE: the dump's own errno (0 when it succeeded) and extended ack. */
export interface NlMsgDone {
  errno: number;
  extAck: ExtAck;
}

/**
 * Decodes NLMSG_DONE. Its payload is the dump's int status (negated errno, 0 for success),
 * followed by ext-ack attributes when NLM_F_ACK_TLVS is set. Some old families send DONE with no
 * payload at all: that reads as success.
 */
export function decodeDone(msg: RawMessage): NlMsgDone {
  const p = msg.payload;
  if (p.length < 4) return { errno: 0, extAck: {} };
  const errno = -p.readInt32LE(0);
  const extAck = (msg.flags & NLM_F.ACK_TLVS) !== 0 ? decodeExtAck(p, 4) : {};
  return { errno, extAck };
}
