/**
 * Rebuilds netlink bytes from strace's own rendering of them. When strace cannot tell which
 * netlink protocol a socket speaks (a socket in another namespace: `strace ip -n NS ...`), it
 * decodes only the framing: each nlmsghdr as a struct and the payload as a string, and the
 * nlmsgerr of error messages. Those pieces are exact and can be put back together. When it does
 * know the protocol it decodes the payload itself (ifi_index=if_nametoindex("v0"), ...), which
 * cannot be turned back into bytes: that message is reported as such, with its header.
 */
import {
  NLM_F, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN, NLMSGERR_ATTR_COOKIE, NLMSGERR_ATTR_MISS_NEST,
  NLMSGERR_ATTR_MISS_TYPE, NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLMSGERR_ATTR_POLICY, NLMSG_HDRLEN, RTM_NAMES,
  GENL_ID_CTRL, nlmsgAlign, type NlMsgHeader,
} from '../../messages/index.js';
import { errnoNumber } from '../../transport/index.js';
import { field, type StraceValue } from './strace-value.js';

export type Piece =
  /** Bytes to cut into messages. `cut`: the tracer stopped short of the whole data. */
  | { readonly kind: 'bytes'; readonly bytes: Buffer; readonly cut: boolean }
  /** A message whose header is known but whose payload strace decoded beyond recovery. */
  | { readonly kind: 'opaque'; readonly header: NlMsgHeader; readonly reason: string }
  /** Something in the input that is not a message at all, said in words. */
  | { readonly kind: 'problem'; readonly text: string };

const CONTROL_TYPES: Record<string, number> = {
  NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE, NLMSG_OVERRUN,
  // strace's name for the generic netlink controller's type.
  nlctrl: GENL_ID_CTRL,
};
const TYPE_BY_NAME: ReadonlyMap<string, number> = new Map([
  ...Object.entries(CONTROL_TYPES),
  ...Object.entries(RTM_NAMES).map(([n, name]) => [name, Number(n)] as [string, number]),
]);
const EXTACK_BY_NAME: Record<string, number> = {
  NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLMSGERR_ATTR_COOKIE, NLMSGERR_ATTR_POLICY, NLMSGERR_ATTR_MISS_TYPE, NLMSGERR_ATTR_MISS_NEST,
};

class Unrebuildable extends Error {}

/** A number, or an expression of constants strace printed (`NLM_F_REQUEST|0x300`, `-EEXIST`). */
export function atomNumber(v: StraceValue | undefined, names: (name: string) => number | undefined = () => undefined): number {
  if (v?.kind !== 'atom') throw new Unrebuildable(`expected a number, found ${v ? v.kind : 'nothing'}`);
  const pieces = v.text.split('|').map((raw) => {
    const part = raw.trim();
    if (/^-?(0x[0-9a-fA-F]+|\d+)$/.test(part)) return part.startsWith('-') ? -Number(part.slice(1)) : Number(part);
    const n = part.startsWith('-') ? names(part.slice(1)) : names(part);
    if (n === undefined) throw new Unrebuildable(`unknown constant '${part}'`);
    return part.startsWith('-') ? -n : n;
  });
  // A lone value keeps its sign (-EEXIST); several are a bit set.
  return pieces.length === 1 ? pieces[0]! : pieces.reduce((a, b) => (a | b) >>> 0, 0);
}

const flagName = (name: string): number | undefined =>
  name.startsWith('NLM_F_') ? (NLM_F as Record<string, number>)[name.slice(6)] : undefined;
const typeName = (name: string): number | undefined => TYPE_BY_NAME.get(name);

function header(v: StraceValue): NlMsgHeader {
  return {
    len: atomNumber(field(v, 'nlmsg_len')) >>> 0,
    type: atomNumber(field(v, 'nlmsg_type'), typeName) & 0xffff,
    flags: atomNumber(field(v, 'nlmsg_flags'), flagName) & 0xffff,
    seq: atomNumber(field(v, 'nlmsg_seq')) >>> 0,
    // strace prints port ids above 2^31 as negative numbers.
    pid: atomNumber(field(v, 'nlmsg_pid')) >>> 0,
  };
}

const isHeader = (v: StraceValue | undefined): boolean => field(v, 'nlmsg_len') !== undefined;

function s32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n | 0);
  return b;
}

function headerBytes(h: NlMsgHeader): Buffer {
  const b = Buffer.alloc(NLMSG_HDRLEN);
  b.writeUInt32LE(h.len, 0);
  b.writeUInt16LE(h.type, 4);
  b.writeUInt16LE(h.flags, 6);
  b.writeUInt32LE(h.seq, 8);
  b.writeUInt32LE(h.pid, 12);
  return b;
}

interface Rebuilt { bytes: Buffer; cut: boolean }

/** An nlmsgerr payload: `{error=-EEXIST, msg=...}`, optionally followed by ext-ack attributes. */
function errorPayload(err: StraceValue, extAck: readonly StraceValue[]): Rebuilt {
  const errno = atomNumber(field(err, 'error'), (n) => errnoNumber(n));
  const msg = field(err, 'msg');
  let inner: Rebuilt = { bytes: Buffer.alloc(0), cut: false };
  if (msg !== undefined) inner = isHeader(msg) ? { bytes: headerBytes(header(msg)), cut: false } : message(msg);
  const chunks = [s32(errno), inner.bytes];
  let cut = inner.cut;
  // The echoed request is padded to its aligned length before the ext-ack attributes.
  const pad = nlmsgAlign(inner.bytes.length) - inner.bytes.length;
  if (extAck.length > 0 && pad > 0) chunks.push(Buffer.alloc(pad));
  for (const a of extAck) {
    const r = nla(a, (n) => EXTACK_BY_NAME[n]);
    chunks.push(r.bytes);
    cut ||= r.cut;
  }
  return { bytes: Buffer.concat(chunks), cut };
}

/** `[{nla_len=N, nla_type=T}, value]` with a string or a number as the value. */
function nla(v: StraceValue, names: (n: string) => number | undefined): Rebuilt {
  if (v.kind !== 'array' || v.items.length < 1) throw new Unrebuildable('an attribute strace decoded itself');
  const hdr = v.items[0];
  const len = atomNumber(field(hdr, 'nla_len'));
  const type = atomNumber(field(hdr, 'nla_type'), names);
  const body = Buffer.alloc(Math.max(0, len - 4));
  const val = v.items[1];
  let cut = false;
  if (val?.kind === 'string') {
    val.bytes.copy(body, 0, 0, Math.min(val.bytes.length, body.length));
    cut = val.truncated;
  } else if (val?.kind === 'atom') {
    const n = atomNumber(val);
    if (body.length >= 4) body.writeUInt32LE(n >>> 0, 0);
    else if (body.length === 2) body.writeUInt16LE(n & 0xffff, 0);
    else if (body.length === 1) body.writeUInt8(n & 0xff, 0);
  } else if (val !== undefined) {
    throw new Unrebuildable('an attribute strace decoded itself');
  }
  const out = Buffer.alloc(nlmsgAlign(4 + body.length));
  out.writeUInt16LE(len, 0);
  out.writeUInt16LE(type, 2);
  body.copy(out, 4);
  return { bytes: out, cut };
}

function payload(v: StraceValue | undefined, type: number): Rebuilt {
  if (v === undefined) return { bytes: Buffer.alloc(0), cut: false };
  if (v.kind === 'string') return { bytes: v.bytes, cut: v.truncated };
  if (v.kind === 'atom') {
    // NLMSG_DONE's int status (strace prints `0`, or -ENOENT and the like).
    return { bytes: s32(atomNumber(v, (n) => errnoNumber(n))), cut: false };
  }
  if (type === NLMSG_ERROR) {
    if (v.kind === 'struct' && field(v, 'error') !== undefined) return errorPayload(v, []);
    if (v.kind === 'array' && v.items[0] && field(v.items[0], 'error') !== undefined) return errorPayload(v.items[0], v.items.slice(1));
  }
  throw new Unrebuildable('strace decoded this payload itself');
}

/** `[{nlmsg_len=...}, payload]` or a lone header: the message's bytes, as long as its payload is. */
function message(v: StraceValue): Rebuilt {
  const hv = v.kind === 'array' ? v.items[0] : v;
  if (hv === undefined || !isHeader(hv)) throw new Unrebuildable('not a netlink message');
  const h = header(hv);
  const body = v.kind === 'array' ? payload(v.items[1], h.type) : { bytes: Buffer.alloc(0), cut: false };
  const bytes = Buffer.concat([headerBytes(h), body.bytes]);
  // Keep the alignment padding the kernel sent, so the next message starts where it did.
  const padded = bytes.length < nlmsgAlign(h.len) && bytes.length === h.len
    ? Buffer.concat([bytes, Buffer.alloc(nlmsgAlign(h.len) - h.len)]) : bytes;
  return { bytes: padded, cut: body.cut };
}

/** What strace printed as a netlink buffer (sendto's buf, an iov_base), as pieces to decode. */
export function rebuild(v: StraceValue): Piece[] {
  if (v.kind === 'string') return [{ kind: 'bytes', bytes: v.bytes, cut: v.truncated }];
  if (v.kind === 'atom') return v.text === 'NULL' ? [] : [{ kind: 'problem', text: `not data: ${v.text}` }];
  // One message ([hdr, payload] or a lone hdr), or a list of them.
  const list = isHeader(v) || (v.kind === 'array' && isHeader(v.items[0])) ? [v] : v.kind === 'array' ? v.items : [v];
  const out: Piece[] = [];
  for (const m of list) {
    if (m.kind === 'atom' && m.text === '...') {
      out.push({ kind: 'problem', text: 'strace left out the rest of the messages (its -s limit)' });
      continue;
    }
    try {
      const r = message(m);
      out.push({ kind: 'bytes', bytes: r.bytes, cut: r.cut });
    } catch (err) {
      if (!(err instanceof Unrebuildable)) throw err;
      const hv = m.kind === 'array' ? m.items[0] : m;
      let h: NlMsgHeader | undefined;
      try { h = hv && isHeader(hv) ? header(hv) : undefined; } catch (e) { if (!(e instanceof Unrebuildable)) throw e; }
      if (h) {
        out.push({
          kind: 'opaque', header: h,
          reason: `${err.message}: its bytes are not in the trace (capture with strace -e read=all -e write=all for a hex dump)`,
        });
      } else {
        out.push({ kind: 'problem', text: `cannot rebuild a message: ${err.message}` });
      }
    }
  }
  return out;
}
