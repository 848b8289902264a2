/**
 * The control messages every netlink family shares: NLMSG_ERROR (an error, or an ACK when the
 * error is 0) with its extended-ack attributes, NLMSG_DONE (end of a dump, with the dump's error
 * and ext-ack), NLMSG_NOOP. Lossless like the family codecs, so a scripted fake transport can
 * encode the exact bytes a kernel would send. (linux/netlink.h: struct nlmsgerr, enum nlmsgerr_attrs)
 */
import { compileSchema } from './core/compile.js';
import { decodeAttrs } from './core/decode.js';
import { encodeAttrs, Writer } from './core/encode.js';
import { attrSet, type AttrsOf } from './core/spec.js';
import { getWire, wireOf } from './core/wire.js';
import { DecodeError, EncodeError } from './errors.js';
import { NLM_F, NLMSG_HDRLEN, nlmsgAlign, readHeader, writeHeader, type NlMsgHeader } from './nlmsg.js';

const extAckSchema = {
  'extack-attrs': attrSet('NLMSGERR_ATTR', [
    { type: 1, kernel: 'NLMSGERR_ATTR_MSG', name: 'msg', codec: 'string' },
    { type: 2, kernel: 'NLMSGERR_ATTR_OFFS', name: 'offs', codec: 'u32' },
    { type: 3, kernel: 'NLMSGERR_ATTR_COOKIE', name: 'cookie', codec: 'binary' },
    { type: 4, kernel: 'NLMSGERR_ATTR_POLICY', name: 'policy', codec: 'binary' },
    { type: 5, kernel: 'NLMSGERR_ATTR_MISS_TYPE', name: 'missType', codec: 'u32' },
    { type: 6, kernel: 'NLMSGERR_ATTR_MISS_NEST', name: 'missNest', codec: 'u32' },
  ]),
} as const;
const extAckSet = compileSchema(extAckSchema).set('extack-attrs');

/** Extended-ack attributes: the kernel's explanation (msg), the offending attribute's byte offset in the request (offs), ... */
export type ExtAckAttrs = AttrsOf<typeof extAckSchema, 'extack-attrs'>;

export interface ErrorMessage {
  /** Positive errno; 0 means ACK. (The kernel sends it negated.) */
  error: number;
  /** The header of the request this answers. */
  request: NlMsgHeader;
  /** The request's payload, echoed unless the kernel capped the ACK (NLM_F_CAPPED, and every success). */
  requestPayload: Buffer | null;
  extAck: ExtAckAttrs;
}

export interface DoneMessage {
  /** Positive errno of a failed dump, else 0. */
  error: number;
  extAck: ExtAckAttrs;
}

function guard<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    throw new DecodeError(err instanceof Error ? err.message : String(err), { path: [what], cause: err });
  }
}

/** The ext-ack TLVs at [off, end) if the flags announce them; any other leftover goes to WIRE.tail of `o`. */
function readExtAck(p: Buffer, off: number, flags: number, o: object): ExtAckAttrs {
  if ((flags & NLM_F.ACK_TLVS) !== 0 && off < p.length) return decodeAttrs(extAckSet, p, off, p.length, {}) as ExtAckAttrs;
  if (off < p.length) wireOf(o).tail = Buffer.from(p.subarray(off));
  return {};
}

export const nlmsgerr = Object.freeze({
  /** Decodes an NLMSG_ERROR payload; `flags` is the message's nlmsg_flags (CAPPED, ACK_TLVS). */
  decode(payload: Buffer, flags: number): ErrorMessage {
    return guard('nlmsgerr', () => {
      const p = payload;
      if (p.length < 4 + NLMSG_HDRLEN) throw new DecodeError(`truncated nlmsgerr: ${p.length} bytes`, { path: ['nlmsgerr'] });
      const e0 = p.readInt32LE(0);
      const error = e0 === 0 ? 0 : -e0;
      const request = readHeader(p, 4);
      let off = 4 + NLMSG_HDRLEN;
      let requestPayload: Buffer | null = null;
      if ((flags & NLM_F.CAPPED) === 0 && error !== 0) {
        if (request.len < NLMSG_HDRLEN) throw new DecodeError(`echoed request length ${request.len}`, { path: ['nlmsgerr'], offset: 4 });
        const end = 4 + request.len;
        if (end > p.length) throw new DecodeError(`echoed request of ${request.len} bytes, ${p.length - 4} present`, { path: ['nlmsgerr'], offset: 4 });
        requestPayload = Buffer.from(p.subarray(off, end));
        off = Math.min(p.length, 4 + nlmsgAlign(request.len));
      }
      const msg: ErrorMessage = { error, request, requestPayload, extAck: {} };
      msg.extAck = readExtAck(p, off, flags, msg);
      return msg;
    });
  },
  encode(msg: ErrorMessage, flags: number): Buffer {
    const w = new Writer();
    w.ensure(4 + NLMSG_HDRLEN);
    if (!Number.isInteger(msg.error) || msg.error < 0) throw new EncodeError(`error: expected a positive errno or 0, got ${msg.error}`);
    w.buf.writeInt32LE(-msg.error, 0);
    writeHeader(w.buf, 4, msg.request);
    w.pos = 4 + NLMSG_HDRLEN;
    if (msg.requestPayload) w.bytes(msg.requestPayload);
    // The echoed request is padded only when something follows it (nlmsg_len covers the padding then).
    const more = getWire(msg)?.tail !== undefined || ((flags & NLM_F.ACK_TLVS) !== 0 && Object.keys(msg.extAck).length > 0);
    if (more) w.align();
    finishExtAck(w, msg, flags);
    return w.result();
  },
});

function finishExtAck(w: Writer, msg: { extAck: ExtAckAttrs }, flags: number): void {
  if ((flags & NLM_F.ACK_TLVS) !== 0) encodeAttrs(extAckSet, w, msg.extAck as Record<string, unknown>, {});
  const tail = getWire(msg)?.tail;
  if (tail) w.bytes(tail);
}

export const nlmsgdone = Object.freeze({
  /** Decodes an NLMSG_DONE payload (the dump's error, and ext-ack when NLM_F_ACK_TLVS). */
  decode(payload: Buffer, flags: number): DoneMessage {
    return guard('nlmsgdone', () => {
      // Very old kernels and some families send an empty DONE.
      const e0 = payload.length >= 4 ? payload.readInt32LE(0) : 0;
      const msg: DoneMessage = { error: e0 === 0 ? 0 : -e0, extAck: {} };
      if (payload.length > 0 && payload.length < 4) wireOf(msg).tail = Buffer.from(payload);
      else if (payload.length === 0) wireOf(msg).fields = 0;
      else msg.extAck = readExtAck(payload, 4, flags, msg);
      return msg;
    });
  },
  encode(msg: DoneMessage, flags: number): Buffer {
    const w = new Writer();
    const m = getWire(msg);
    if (m?.fields === 0) return Buffer.alloc(0);
    if (m?.tail && m.tail.length < 4) return Buffer.from(m.tail);
    w.ensure(4);
    w.buf.writeInt32LE(-msg.error, 0);
    w.pos = 4;
    finishExtAck(w, msg, flags);
    return w.result();
  },
});
