/**
 * The encoder: the decoder's mirror over the same compiled tables. It writes into one growing
 * buffer (per encode call), reserving each attribute's header and patching the length after
 * the payload, so nests need no second sizing pass. Values are checked as they are written;
 * a wrong type or range raises EncodeError with the attribute path.
 */
import { EncodeError } from '../errors.js';
import { parseIp, parseIpInto, parseMac } from './addr.js';
import type { CAttr, Codec, CSet, CStruct, CField } from './compile.js';
import * as C from './compile.js';
import { selectorKey } from './decode.js';
import { getWire } from './wire.js';

type Obj = Record<string, unknown>;
const AF_INET = 2, AF_INET6 = 10;

export class Writer {
  buf: Buffer;
  pos = 0;
  constructor(capacity = 256) {
    this.buf = Buffer.allocUnsafe(capacity);
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const nb = Buffer.allocUnsafe(cap);
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }
  zero(n: number): void {
    this.ensure(n);
    // A loop beats Buffer.fill's call overhead for the few bytes of headers and padding.
    if (n <= 16) for (let i = 0; i < n; i++) this.buf[this.pos + i] = 0;
    else this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  align(): void {
    const p = (this.pos + 3) & ~3;
    if (p !== this.pos) this.zero(p - this.pos);
  }
  /** The bytes written, as an exactly-sized copy (the working buffer is usually larger). */
  result(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

function fail(msg: string): never {
  throw new EncodeError(msg);
}

function withPath(err: unknown, seg: string): EncodeError {
  if (err instanceof EncodeError) {
    const prefix = err.path.length > 0 ? err.path.join(' > ') + ': ' : '';
    const base = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
    return new EncodeError(base, { path: [seg, ...err.path], cause: err.cause });
  }
  return new EncodeError(err instanceof Error ? err.message : String(err), { path: [seg], cause: err });
}

function toInt(v: unknown, min: number, max: number, what: string): number {
  if (typeof v === 'bigint') v = Number(v);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(`${what}: expected an integer in [${min}, ${max}], got ${typeof v === 'number' ? v : typeof v}`);
  }
  return v;
}

function toBig(v: unknown, signed: boolean, what: string): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
  else fail(`${what}: expected a bigint, got ${typeof v}`);
  const lo = signed ? -(1n << 63n) : 0n;
  const hi = signed ? (1n << 63n) - 1n : (1n << 64n) - 1n;
  if (b < lo || b > hi) fail(`${what}: ${b} out of range`);
  return b;
}

function enumValue(c: { en: Codec['en'] }, v: unknown): unknown {
  if (c.en !== null && typeof v === 'string') {
    try { return c.en.value(v); } catch (err) { throw new EncodeError((err as Error).message, { cause: err }); }
  }
  return v;
}

function writeInt(w: Writer, k: number, raw: unknown): void {
  switch (k) {
    case C.K_U8: w.ensure(1); w.buf[w.pos++] = toInt(raw, 0, 0xff, 'u8'); return;
    case C.K_S8: w.ensure(1); w.buf.writeInt8(toInt(raw, -0x80, 0x7f, 's8'), w.pos); w.pos += 1; return;
    case C.K_U16: w.ensure(2); w.buf.writeUInt16LE(toInt(raw, 0, 0xffff, 'u16'), w.pos); w.pos += 2; return;
    case C.K_S16: w.ensure(2); w.buf.writeInt16LE(toInt(raw, -0x8000, 0x7fff, 's16'), w.pos); w.pos += 2; return;
    case C.K_BE16: w.ensure(2); w.buf.writeUInt16BE(toInt(raw, 0, 0xffff, 'be16'), w.pos); w.pos += 2; return;
    case C.K_U32: w.ensure(4); w.buf.writeUInt32LE(toInt(raw, 0, 0xffffffff, 'u32'), w.pos); w.pos += 4; return;
    case C.K_S32: w.ensure(4); w.buf.writeInt32LE(toInt(raw, -0x80000000, 0x7fffffff, 's32'), w.pos); w.pos += 4; return;
    case C.K_BE32: w.ensure(4); w.buf.writeUInt32BE(toInt(raw, 0, 0xffffffff, 'be32'), w.pos); w.pos += 4; return;
    case C.K_UINT: {
      // As the kernel's nla_put_uint: 4 bytes when the value fits, else 8.
      const n = typeof raw === 'bigint' ? toBig(raw, false, 'uint') : BigInt(toInt(raw, 0, Number.MAX_SAFE_INTEGER, 'uint'));
      if (n <= 0xffffffffn) { w.ensure(4); w.buf.writeUInt32LE(Number(n), w.pos); w.pos += 4; } else { w.ensure(8); w.buf.writeBigUInt64LE(n, w.pos); w.pos += 8; }
      return;
    }
    case C.K_U64: w.ensure(8); w.buf.writeBigUInt64LE(toBig(raw, false, 'u64'), w.pos); w.pos += 8; return;
    case C.K_S64: w.ensure(8); w.buf.writeBigInt64LE(toBig(raw, true, 's64'), w.pos); w.pos += 8; return;
    case C.K_BE64: w.ensure(8); w.buf.writeBigUInt64BE(toBig(raw, false, 'be64'), w.pos); w.pos += 8; return;
    default: fail(`not an integer kind ${k}`);
  }
}

function asBytes(v: unknown, what: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  fail(`${what}: expected a Buffer, got ${typeof v}`);
}

function writeField(w: Writer, f: CField, v: unknown): void {
  if (v === undefined) { w.zero(f.size); return; }
  if (f.en !== null) v = enumValue(f, v);
  try {
    switch (f.t) {
      case C.F_U8: writeInt(w, C.K_U8, v); return;
      case C.F_U16: writeInt(w, C.K_U16, v); return;
      case C.F_U32: writeInt(w, C.K_U32, v); return;
      case C.F_U64: writeInt(w, C.K_U64, v); return;
      case C.F_S8: writeInt(w, C.K_S8, v); return;
      case C.F_S16: writeInt(w, C.K_S16, v); return;
      case C.F_S32: writeInt(w, C.K_S32, v); return;
      case C.F_S64: writeInt(w, C.K_S64, v); return;
      case C.F_BE16: writeInt(w, C.K_BE16, v); return;
      case C.F_BE32: writeInt(w, C.K_BE32, v); return;
      case C.F_BE64: writeInt(w, C.K_BE64, v); return;
      default: {
        const b = f.t === C.F_IP4 || f.t === C.F_IP6 ? parseIp(v as string) : f.t === C.F_MAC ? parseMac(v as string) : asBytes(v, f.name);
        if (b.length > f.size) fail(`${b.length} bytes do not fit in ${f.size}`);
        w.bytes(b);
        if (b.length < f.size) w.zero(f.size - b.length);
      }
    }
  } catch (err) {
    throw withPath(err, f.kernel);
  }
}

/** Writes a struct; fields left undefined are written as zeros. */
export function encodeStruct(cs: CStruct, w: Writer, o: Obj, first = 0): void {
  if (o === null || typeof o !== 'object') fail(`${cs.name}: expected an object`);
  const meta = getWire(o);
  const n = meta?.fields ?? cs.fields.length;
  for (let i = first; i < n; i++) {
    const f = cs.fields[i]!;
    writeField(w, f, o[f.name]);
  }
  if (meta?.tail) w.bytes(meta.tail);
}

/** A struct, then (aligned) its attributes, the struct serving as their context. */
export function encodeBody(cs: CStruct, set: CSet, w: Writer, o: Obj): void {
  encodeStruct(cs, w, o);
  const attrs = (o.attrs ?? {}) as Obj;
  if (attrs === null || typeof attrs !== 'object') fail('attrs: expected an object');
  // Padding between header and attributes only when there are attributes: a bare header
  // (a 1-byte rtgenmsg) stays as long as it was.
  for (const k in attrs) {
    if (attrs[k] !== undefined) { w.align(); encodeAttrs(set, w, attrs, o); return; }
  }
}

/** One attribute around `fn`'s payload (raw attributes and list elements, off the hot path). */
function writeTlv(w: Writer, type: number, fn: () => void): void {
  const start = w.pos;
  w.zero(4);
  fn();
  finishTlv(w, start, type);
}

function finishTlv(w: Writer, start: number, type: number): void {
  const len = w.pos - start;
  if (len > 0xffff) fail(`attribute of ${len} bytes exceeds nla_len's 65535`);
  w.buf.writeUInt16LE(len, start);
  w.buf.writeUInt16LE(type, start + 2);
  w.align();
}

function encodeValue(c: Codec, w: Writer, v: unknown, ctx: Obj, siblings: Obj): void {
  switch (c.k) {
    case C.K_U8: case C.K_U16: case C.K_U32: case C.K_S8: case C.K_S16: case C.K_S32:
    case C.K_BE16: case C.K_BE32: case C.K_UINT:
      writeInt(w, c.k, enumValue(c, v));
      return;
    case C.K_U64: case C.K_S64: case C.K_BE64:
      writeInt(w, c.k, v);
      return;
    case C.K_STRING: {
      if (typeof v !== 'string') fail(`expected a string, got ${typeof v}`);
      const n = Buffer.byteLength(v);
      w.ensure(n + 1);
      w.buf.write(v, w.pos, 'utf8');
      w.pos += n;
      w.buf[w.pos++] = 0;
      return;
    }
    case C.K_BINARY: w.bytes(asBytes(v, 'binary')); return;
    case C.K_FLAG: return;
    case C.K_FLAGU8: if (v !== true) writeInt(w, C.K_U8, v); return;
    case C.K_IP: w.ensure(16); w.pos += parseIpInto(v as string, w.buf, w.pos); return;
    case C.K_MAC: w.bytes(parseMac(v as string)); return;
    case C.K_VIA: {
      const via = v as { family?: unknown; address?: unknown };
      if (via === null || typeof via !== 'object') fail('via: expected { family, address }');
      const family = toInt(via.family, 0, 0xffff, 'via.family');
      w.ensure(2); w.buf.writeUInt16LE(family, w.pos); w.pos += 2;
      const b = family === AF_INET || family === AF_INET6 ? parseIp(via.address as string) : parseMac(via.address as string);
      if ((family === AF_INET && b.length !== 4) || (family === AF_INET6 && b.length !== 16)) fail(`via: address does not match family ${family}`);
      w.bytes(b);
      return;
    }
    case C.K_ARRAY: {
      if (!Array.isArray(v)) fail('expected an array');
      for (const x of v) writeInt(w, c.of, x);
      return;
    }
    case C.K_NESTED:
      if (v === null || typeof v !== 'object' || Array.isArray(v)) fail('expected an object of attributes');
      encodeAttrs(c.set!, w, v as Obj, ctx);
      return;
    case C.K_NARRAY: {
      if (!Array.isArray(v)) fail('expected an array');
      const meta = getWire(v);
      for (let i = 0; i < v.length; i++) {
        const type = meta?.types?.[i] ?? (c.itemType >= 0 ? c.itemType : c.base + i);
        try {
          writeTlv(w, type, () => encodeValue(c.item!, w, v[i], ctx, {}));
        } catch (err) {
          throw withPath(err, `[${i}]`);
        }
      }
      if (meta?.trim) w.pos -= meta.trim;
      return;
    }
    case C.K_STRUCT: encodeStruct(c.struct!, w, v as Obj); return;
    case C.K_MESSAGE: encodeBody(c.struct!, c.set!, w, v as Obj); return;
    case C.K_MULTIPATH: {
      if (!Array.isArray(v)) fail('expected an array of next hops');
      const cs = c.struct!;
      for (let i = 0; i < v.length; i++) {
        const nh = v[i] as Obj;
        try {
          const start = w.pos;
          encodeStruct(cs, w, nh); // the length field (absent: zeros) is patched below
          w.buf.writeUInt16LE(0, start);
          w.align();
          const attrs = (nh.attrs ?? {}) as Obj;
          encodeAttrs(c.set!, w, attrs, ctx);
          const len = w.pos - start;
          if (len > 0xffff) fail(`next hop of ${len} bytes`);
          w.buf.writeUInt16LE(len, start);
        } catch (err) {
          throw withPath(err, `[${i}]`);
        }
      }
      const meta = getWire(v);
      if (meta?.trim) w.pos -= meta.trim;
      return;
    }
    case C.K_SELECT: {
      const sel = c.byCtx ? ctx[c.by] : siblings[c.by];
      const sub = sel === undefined ? c.dflt! : (c.cases!.get(selectorKey(sel)) ?? c.dflt!);
      // Raw bytes are always accepted: what an unknown variant decoded to.
      if (v instanceof Uint8Array && sub.k !== C.K_BINARY) { w.bytes(v); return; }
      encodeValue(sub, w, v, ctx, siblings);
      return;
    }
    default:
      fail(`codec kind ${c.k} has no encoder`);
  }
}

function isUnknownKey(set: CSet, key: string): boolean {
  return key.startsWith(set.prefix + '_UNKNOWN_');
}

function emitOne(w: Writer, a: CAttr, v: unknown, occKey: string, ctx: Obj, attrs: Obj, flags: Record<string, number> | undefined, bytes: Record<string, Buffer> | undefined): void {
  if (a.k === C.K_FLAG && v === false) return;
  const start = w.pos;
  w.zero(4);
  const exact = bytes?.[occKey];
  if (exact !== undefined && a.k === C.K_STRING && decodedString(exact) === v) w.bytes(exact);
  else encodeValue(a, w, v, ctx, attrs);
  finishTlv(w, start, a.type | (flags?.[occKey] ?? a.flags));
}

function decodedString(b: Buffer): string {
  let z = 0;
  while (z < b.length && b[z] !== 0) z++;
  return b.toString('utf8', 0, z);
}

function emitRaw(w: Writer, raw: unknown, key: string): void {
  const r = raw as { type?: unknown; data?: unknown };
  if (r === null || typeof r !== 'object') fail(`${key}: expected { type, data }`);
  const type = toInt(r.type, 0, 0xffff, `${key}.type`);
  const data = asBytes(r.data, `${key}.data`);
  writeTlv(w, type, () => w.bytes(data));
}

/** Writes one occurrence (or, for repeated keys, every occurrence or the `occ`-th) of `key`. */
function emitKey(set: CSet, w: Writer, attrs: Obj, key: string, occ: number, ctx: Obj, dup: readonly string[] | undefined, flags: Record<string, number> | undefined, bytes: Record<string, Buffer> | undefined): void {
  const v = attrs[key];
  if (v === undefined) return;
  const a = set.byName.get(key);
  try {
    if (a === undefined) {
      if (!isUnknownKey(set, key)) fail(`no attribute named '${key}' in ${set.prefix}`);
      if (Array.isArray(v)) {
        if (occ >= 0) { if (occ < v.length) emitRaw(w, v[occ], key); } else for (const r of v) emitRaw(w, r, key);
      } else if (occ <= 0) emitRaw(w, v, key);
      return;
    }
    if (a.multi || (dup !== undefined && dup.includes(key))) {
      if (!Array.isArray(v)) fail(`expected an array of values`);
      const from = occ >= 0 ? occ : 0;
      const to = occ >= 0 ? Math.min(occ + 1, v.length) : v.length;
      for (let i = from; i < to; i++) emitOne(w, a, v[i], i === 0 ? key : `${key}#${i}`, ctx, attrs, flags, bytes);
      return;
    }
    if (occ <= 0) emitOne(w, a, v, key, ctx, attrs, flags, bytes);
  } catch (err) {
    throw withPath(err, a?.kernel ?? key);
  }
}

/** Writes every attribute of `attrs`, in key order (or the recorded wire order). */
export function encodeAttrs(set: CSet, w: Writer, attrs: Obj, ctx: Obj): void {
  const start = w.pos;
  const meta = getWire(attrs);
  const dup = meta?.dup;
  const flags = meta?.flags;
  const bytes = meta?.bytes;
  if (meta?.order) {
    const seen = new Map<string, number>();
    for (const key of meta.order) {
      const n = seen.get(key) ?? 0;
      seen.set(key, n + 1);
      emitKey(set, w, attrs, key, n, ctx, dup, flags, bytes);
    }
    // Keys added since decoding go after the recorded ones.
    for (const key of Object.keys(attrs)) if (!seen.has(key)) emitKey(set, w, attrs, key, -1, ctx, dup, flags, bytes);
  } else {
    for (const key in attrs) emitKey(set, w, attrs, key, -1, ctx, dup, flags, bytes);
  }
  if (meta?.trim && w.pos - meta.trim >= start) w.pos -= meta.trim;
}

/** Top-level entry: encode a whole message body. */
export function encodeTop(cs: CStruct, set: CSet, msg: Obj): Buffer {
  if (msg === null || typeof msg !== 'object') throw new EncodeError(`${cs.name}: expected a message object`);
  const w = new Writer();
  encodeBody(cs, set, w, msg);
  return w.result();
}
