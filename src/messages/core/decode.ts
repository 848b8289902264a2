/**
 * The decoder: walks a compiled set over a byte range. One function per shape (struct,
 * attribute set, value), a switch on the codec kind, no allocation beyond the decoded values.
 * Offsets are absolute in the buffer handed to the top-level decoder, so a DecodeError points
 * at the right byte; every other exception (a RangeError from a short read) is turned into a
 * DecodeError carrying it as `cause`.
 */
import { DecodeError } from '../errors.js';
import { formatIp, formatIp4, formatIp6, formatMac } from './addr.js';
import type { CAttr, Codec, CSet, CStruct, CField } from './compile.js';
import * as C from './compile.js';
import { type WireMeta, wireOf } from './wire.js';

const NLA_TYPE_MASK = 0x3fff;
const NLA_FLAGS_MASK = 0xc000;
const AF_INET = 2, AF_INET6 = 10;

type Obj = Record<string, unknown>;

/** Re-raises `err` as a DecodeError one level further from the root of the path. */
export function withPath(err: unknown, seg: string, offset: number): DecodeError {
  if (err instanceof DecodeError) {
    const prefix = err.path.length > 0 ? err.path.join(' > ') + ': ' : '';
    const base = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
    return new DecodeError(base, { path: [seg, ...err.path], offset: err.offset, cause: err.cause });
  }
  const msg = err instanceof Error ? err.message : String(err);
  return new DecodeError(msg, { path: [seg], offset, cause: err });
}

function copy(buf: Buffer, s: number, e: number): Buffer {
  return Buffer.from(buf.subarray(s, e));
}

export function readField(f: CField, buf: Buffer, o: number): unknown {
  switch (f.t) {
    case C.F_U8: return buf[o]!;
    case C.F_U16: return buf.readUInt16LE(o);
    case C.F_U32: return buf.readUInt32LE(o);
    case C.F_U64: return buf.readBigUInt64LE(o);
    case C.F_S8: return buf.readInt8(o);
    case C.F_S16: return buf.readInt16LE(o);
    case C.F_S32: return buf.readInt32LE(o);
    case C.F_S64: return buf.readBigInt64LE(o);
    case C.F_BE16: return buf.readUInt16BE(o);
    case C.F_BE32: return buf.readUInt32BE(o);
    case C.F_BE64: return buf.readBigUInt64BE(o);
    case C.F_IP4: return formatIp4(buf, o);
    case C.F_IP6: return formatIp6(buf, o);
    case C.F_MAC: return formatMac(buf, o, o + f.size);
    default: return copy(buf, o, o + f.size);
  }
}

function isZeroAt(buf: Buffer, o: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (buf[o + i] !== 0) return false;
  return true;
}

/**
 * Decodes a struct from [s, e). A shorter range leaves the trailing fields absent (and keeps
 * a partial field's bytes); a longer one keeps the extra bytes; both under WIRE. `first` skips
 * leading fields the caller derives itself (the length of an rtnexthop).
 */
export function decodeStruct(cs: CStruct, buf: Buffer, s: number, e: number, first = 0): Obj {
  const o: Obj = {};
  const fields = cs.fields;
  const avail = e - s;
  let n = fields.length;
  for (let i = first; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.off + f.size > avail) { n = i; break; }
    // Reserved bytes are shown only when set; test them in place rather than allocate a copy.
    if (f.pad && isZeroAt(buf, s + f.off, f.size)) continue;
    const v = readField(f, buf, s + f.off);
    o[f.name] = f.en !== null ? f.en.name(v as number) : v;
  }
  if (n < fields.length) {
    const m = wireOf(o);
    m.fields = n;
    const t = fields[n]!.off;
    if (avail > t) m.tail = copy(buf, s + t, e);
  } else if (avail > cs.size) {
    wireOf(o).tail = copy(buf, s + cs.size, e);
  }
  return o;
}

/** A struct followed by attributes: a message body. The struct is the attributes' context. */
export function decodeBody(cs: CStruct, set: CSet, buf: Buffer, s: number, e: number): Obj {
  const hdrEnd = Math.min(e, s + cs.size);
  const o = decodeStruct(cs, buf, s, hdrEnd);
  const as = s + ((cs.size + 3) & ~3);
  o.attrs = as < e ? decodeAttrs(set, buf, as, e, o) : {};
  return o;
}

function readInt(k: number, buf: Buffer, s: number): number {
  switch (k) {
    case C.K_U8: return buf[s]!;
    case C.K_U16: return buf.readUInt16LE(s);
    case C.K_U32: return buf.readUInt32LE(s);
    case C.K_S8: return buf.readInt8(s);
    case C.K_S16: return buf.readInt16LE(s);
    case C.K_S32: return buf.readInt32LE(s);
    case C.K_BE16: return buf.readUInt16BE(s);
    case C.K_BE32: return buf.readUInt32BE(s);
    default: { // K_UINT: NLA_UINT is 4 or 8 bytes; see readUint
      throw new DecodeError(`not an integer kind ${k}`, { offset: s });
    }
  }
}

/** NLA_UINT: 4 or 8 bytes; a number, or a bigint past 2^53. */
function readUint(buf: Buffer, s: number, e: number): number | bigint {
  const n = e - s;
  if (n === 4) return buf.readUInt32LE(s);
  if (n === 8) {
    const v = buf.readBigUInt64LE(s);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? v : Number(v);
  }
  throw new DecodeError(`a uint attribute is 4 or 8 bytes, not ${n}`, { offset: s });
}

function readArray(of: number, buf: Buffer, s: number, e: number): number[] | bigint[] {
  const size = of === C.K_U16 ? 2 : of === C.K_U64 ? 8 : 4;
  if ((e - s) % size !== 0) throw new DecodeError(`array of ${size}-byte items has ${e - s} bytes`, { offset: s });
  if (of === C.K_U64) {
    const out: bigint[] = [];
    for (let o = s; o < e; o += 8) out.push(buf.readBigUInt64LE(o));
    return out;
  }
  const out: number[] = [];
  for (let o = s; o < e; o += size) out.push(of === C.K_U16 ? buf.readUInt16LE(o) : of === C.K_S32 ? buf.readInt32LE(o) : buf.readUInt32LE(o));
  return out;
}

/** Finds the value of `set`'s attribute `name` in [rs, re) — for selectors that come after what they select. */
function scanSibling(set: CSet, name: string, buf: Buffer, rs: number, re: number, ctx: Obj): unknown {
  const sib = set.byName.get(name);
  if (sib === undefined) return undefined;
  let off = rs;
  while (off + 4 <= re) {
    const len = buf[off]! | (buf[off + 1]! << 8);
    const type = (buf[off + 2]! | (buf[off + 3]! << 8)) & NLA_TYPE_MASK;
    if (len < 4 || off + len > re) return undefined; // the main loop reports the damage
    if (type === sib.type) return decodeValue(sib, buf, off + 4, off + len, ctx, set, rs, re, {});
    off += (len + 3) & ~3;
  }
  return undefined;
}

/** Small integers as text, so that a '#family' selector does not convert a number per message. */
const DECIMAL = Array.from({ length: 256 }, (_, i) => String(i));

export function selectorKey(v: unknown): string {
  if (Array.isArray(v)) v = v[0];
  if (typeof v === 'string') return v;
  return typeof v === 'number' && v >= 0 && v < 256 && Number.isInteger(v) ? DECIMAL[v]! : String(v);
}

export function decodeValue(c: Codec, buf: Buffer, s: number, e: number, ctx: Obj, set: CSet | null, rs: number, re: number, out: Obj): unknown {
  if (c.size >= 0 && e - s !== c.size) {
    throw new DecodeError(`expected ${c.size} bytes, got ${e - s}`, { offset: s });
  }
  switch (c.k) {
    case C.K_U8: case C.K_U16: case C.K_U32: case C.K_S8: case C.K_S16: case C.K_S32:
    case C.K_BE16: case C.K_BE32: {
      const v = readInt(c.k, buf, s);
      return c.en === null ? v : c.en.name(v);
    }
    case C.K_UINT: {
      const v = readUint(buf, s, e);
      return c.en === null || typeof v === 'bigint' ? v : c.en.name(v);
    }
    case C.K_U64: return buf.readBigUInt64LE(s);
    case C.K_S64: return buf.readBigInt64LE(s);
    case C.K_BE64: return buf.readBigUInt64BE(s);
    case C.K_STRING: {
      let z = s;
      while (z < e && buf[z] !== 0) z++;
      return buf.toString('utf8', s, z);
    }
    case C.K_BINARY: return copy(buf, s, e);
    case C.K_FLAG: return true;
    case C.K_FLAGU8:
      if (e === s) return true;
      if (e - s === 1) return buf[s]!;
      throw new DecodeError(`expected 0 or 1 bytes, got ${e - s}`, { offset: s });
    case C.K_IP: return formatIp(buf, s, e);
    case C.K_MAC: return formatMac(buf, s, e);
    case C.K_VIA: {
      if (e - s < 2) throw new DecodeError(`rtvia needs 2 bytes, got ${e - s}`, { offset: s });
      const family = buf.readUInt16LE(s);
      const n = e - s - 2;
      if (family === AF_INET && n === 4) return { family, address: formatIp4(buf, s + 2) };
      if (family === AF_INET6 && n === 16) return { family, address: formatIp6(buf, s + 2) };
      if (family === AF_INET || family === AF_INET6) throw new DecodeError(`rtvia family ${family} with ${n} address bytes`, { offset: s });
      return { family, address: formatMac(buf, s + 2, e) };
    }
    case C.K_ARRAY: return readArray(c.of, buf, s, e);
    case C.K_NESTED: return decodeAttrs(c.set!, buf, s, e, ctx);
    case C.K_NARRAY: return decodeNestedArray(c, buf, s, e, ctx);
    case C.K_STRUCT: return decodeStruct(c.struct!, buf, s, e);
    case C.K_MESSAGE: return decodeBody(c.struct!, c.set!, buf, s, e);
    case C.K_MULTIPATH: return decodeMultipath(c, buf, s, e, ctx);
    case C.K_SELECT: {
      let v: unknown;
      if (c.byCtx) v = ctx[c.by];
      else {
        v = out[c.by];
        if (v === undefined && set !== null) v = scanSibling(set, c.by, buf, rs, re, ctx);
      }
      const sub = v === undefined ? c.dflt! : (c.cases!.get(selectorKey(v)) ?? c.dflt!);
      return decodeValue(sub, buf, s, e, ctx, set, rs, re, out);
    }
    default:
      throw new DecodeError(`codec kind ${c.k} has no decoder`, { offset: s });
  }
}

function decodeNestedArray(c: Codec, buf: Buffer, s: number, e: number, ctx: Obj): unknown[] {
  const arr: unknown[] = [];
  let types: number[] | null = null;
  let irregular = false;
  let off = s;
  const item = c.item!;
  const itemFlags = 0;
  while (off < e) {
    if (e - off < 4) throw new DecodeError(`${e - off} stray bytes after the last element`, { offset: off });
    const len = buf[off]! | (buf[off + 1]! << 8);
    const rawType = buf[off + 2]! | (buf[off + 3]! << 8);
    if (len < 4 || off + len > e) throw new DecodeError(`bad nla_len ${len} with ${e - off} bytes left`, { offset: off });
    const i = arr.length;
    const expect = (c.itemType >= 0 ? c.itemType : c.base + i) | itemFlags;
    if (rawType !== expect) irregular = true;
    (types ??= []).push(rawType);
    try {
      arr.push(decodeValue(item, buf, off + 4, off + len, ctx, null, 0, 0, {}));
    } catch (err) {
      throw withPath(err, `[${i}]`, off);
    }
    off += (len + 3) & ~3;
  }
  if (irregular) wireOf(arr).types = types!;
  if (off > e) wireOf(arr).trim = off - e;
  return arr;
}

function decodeMultipath(c: Codec, buf: Buffer, s: number, e: number, ctx: Obj): Obj[] {
  const cs = c.struct!;
  const arr: Obj[] = [];
  let off = s;
  while (off < e) {
    if (e - off < cs.size) throw new DecodeError(`${e - off} bytes left, a ${cs.name} needs ${cs.size}`, { offset: off });
    const len = buf.readUInt16LE(off);
    if (len < cs.size || off + len > e) throw new DecodeError(`bad ${cs.name} length ${len} with ${e - off} bytes left`, { offset: off });
    try {
      const o = decodeStruct(cs, buf, off, off + cs.size, 1);
      const as = off + ((cs.size + 3) & ~3);
      o.attrs = as < off + len ? decodeAttrs(c.set!, buf, as, off + len, ctx) : {};
      arr.push(o);
    } catch (err) {
      throw withPath(err, `[${arr.length}]`, off);
    }
    off += (len + 3) & ~3;
  }
  if (off > e) wireOf(arr).trim = off - e;
  return arr;
}

/** Decodes the attributes in [s, e) with `set`. `ctx` is the enclosing message header (for '#field' selectors). */
export function decodeAttrs(set: CSet, buf: Buffer, s: number, e: number, ctx: Obj): Obj {
  const out: Obj = {};
  let meta: WireMeta | undefined;
  let irregularOrder = false;
  let irregularString = false;
  let last = '';
  let off = s;
  const byType = set.byType;
  while (off < e) {
    if (e - off < 4) throw new DecodeError(`${e - off} stray bytes after the attributes`, { offset: off, path: [set.prefix] });
    const len = buf[off]! | (buf[off + 1]! << 8);
    const rawType = buf[off + 2]! | (buf[off + 3]! << 8);
    if (len < 4 || off + len > e) {
      throw new DecodeError(`bad nla_len ${len} with ${e - off} bytes left`, { offset: off, path: [set.prefix] });
    }
    const type = rawType & NLA_TYPE_MASK;
    const a: CAttr | undefined = byType[type];
    let key: string;
    let value: unknown;
    if (a === undefined) {
      key = `${set.prefix}_UNKNOWN_${type}`;
      value = { type: rawType, data: copy(buf, off + 4, off + len) };
    } else {
      key = a.name;
      if (a.k === C.K_STRING) {
        // Inline: the NUL's position also tells whether the bytes are canonical (text + one NUL).
        let z = off + 4;
        const end = off + len;
        while (z < end && buf[z] !== 0) z++;
        const text = buf.toString('utf8', off + 4, z);
        value = text;
        if (z !== end - 1 || text.indexOf('\ufffd') >= 0) irregularString = true;
      } else {
        try {
          value = decodeValue(a, buf, off + 4, off + len, ctx, set, s, e, out);
        } catch (err) {
          throw withPath(err, a.kernel, off);
        }
      }
    }
    const prev = out[key];
    let occ = 0;
    if (a !== undefined && a.multi) {
      if (prev === undefined) out[key] = [value];
      else {
        occ = (prev as unknown[]).push(value) - 1;
        if (last !== key) irregularOrder = true;
      }
    } else if (prev !== undefined) {
      // A repeat of something the table says comes once (or an unknown type): keep every one.
      meta ??= wireOf(out);
      if (a === undefined) {
        if (Array.isArray(prev)) occ = prev.push(value) - 1;
        else { out[key] = [prev, value]; occ = 1; }
      } else {
        const dup = (meta.dup ??= []);
        if (dup.includes(key)) occ = (prev as unknown[]).push(value) - 1;
        else { dup.push(key); out[key] = [prev, value]; occ = 1; }
      }
      if (last !== key) irregularOrder = true;
    } else {
      out[key] = value;
    }
    if (a !== undefined) {
      const fl = rawType & NLA_FLAGS_MASK;
      if (fl !== a.flags) {
        meta ??= wireOf(out);
        (meta.flags ??= {})[occ === 0 ? key : `${key}#${occ}`] = fl;
      }
      if (irregularString) {
        // Kept exact unless the bytes are the text and one NUL.
        irregularString = false;
        meta ??= wireOf(out);
        (meta.bytes ??= {})[occ === 0 ? key : `${key}#${occ}`] = copy(buf, off + 4, off + len);
      }
    }
    last = key;
    off += (len + 3) & ~3;
  }
  if (off > e) (meta ??= wireOf(out)).trim = off - e;
  if (irregularOrder) (meta ??= wireOf(out)).order = keySequence(set, buf, s, e);
  return out;
}

/** The exact key sequence of a region (already validated by the caller's loop). */
function keySequence(set: CSet, buf: Buffer, s: number, e: number): string[] {
  const keys: string[] = [];
  let off = s;
  while (off + 4 <= e) {
    const len = buf[off]! | (buf[off + 1]! << 8);
    const type = (buf[off + 2]! | (buf[off + 3]! << 8)) & NLA_TYPE_MASK;
    const a = set.byType[type];
    keys.push(a === undefined ? `${set.prefix}_UNKNOWN_${type}` : a.name);
    off += (len + 3) & ~3;
  }
  return keys;
}

/** Top-level entry: decode a whole message body, turning any failure into a DecodeError. */
export function decodeTop(cs: CStruct, set: CSet, buf: Buffer): Obj {
  try {
    return decodeBody(cs, set, buf, 0, buf.length);
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    throw new DecodeError(err instanceof Error ? err.message : String(err), { path: [cs.name], cause: err });
  }
}
