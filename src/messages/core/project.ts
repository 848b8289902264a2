/**
 * Partial decoding ("projections"): a message body with only some of its attributes, for hot
 * paths that need a few fields of very many messages (a 100,000-route dump mapped to records).
 *
 * The same compiled tables and value decoders as decode(), so a projected attribute reads exactly
 * as decode() reads it, and the result has decode()'s shape restricted to the chosen attributes:
 * the header struct's fields flat, plus `attrs` holding the chosen attributes that are present.
 * What is skipped costs a length read: unchosen attributes are framing-checked, not decoded (so a
 * malformed one goes unnoticed), and nothing is kept for re-encoding (no WIRE metadata, no
 * unknown attributes). For every attribute, use decode().
 *
 * A reader (projectionReader) decodes into one object it reuses from message to message: for a
 * caller that turns each message into something else at once, that leaves no garbage but the
 * values themselves. Garbage matters more than arithmetic here: a dump's records all survive, and
 * the young generation's pages can then be promoted whole rather than copied object by object
 * only when little else shares them.
 */
import { DecodeError } from '../errors.js';
import type { CAttr, CField, CSet, CStruct } from './compile.js';
import * as C from './compile.js';
import { formatIp, formatMac } from './addr.js';
import { decodeStruct, decodeValue, readField, withPath } from './decode.js';

const NLA_TYPE_MASK = 0x3fff;

type Obj = Record<string, unknown>;

export interface CompiledProjection {
  readonly cs: CStruct;
  readonly set: CSet;
  /** The chosen attributes, dense by nla_type (undefined: skip). */
  readonly pick: (CAttr | undefined)[];
  /** The chosen attributes, in the order they were named. */
  readonly chosen: readonly CAttr[];
}

export function compileProjection(cs: CStruct, set: CSet, names: readonly string[]): CompiledProjection {
  const pick: (CAttr | undefined)[] = [];
  const chosen: CAttr[] = [];
  for (const name of names) {
    const a = set.byName.get(name);
    if (a === undefined) throw new Error(`${set.name}: no attribute '${name}' to project`);
    pick[a.type] = a;
    chosen.push(a);
  }
  // Holes filled so that `pick` stays a packed array (fast element reads).
  for (let i = 0; i < pick.length; i++) if (pick[i] === undefined) pick[i] = undefined;
  return { cs, set, pick, chosen };
}

/**
 * Decodes the message body at buf[start, end) through projection `p`, into new objects. Throws
 * DecodeError, with offsets counted from `start` as decode() counts them from the payload's start.
 */
export function decodeProjected(p: CompiledProjection, buf: Buffer, start: number, end: number): Obj {
  try {
    const o = decodeStruct(p.cs, buf, start, Math.min(end, start + p.cs.size));
    const attrs: Obj = {};
    o.attrs = attrs;
    projectAttrs(p, buf, start, end, o, attrs);
    return o;
  } catch (err) {
    throw rebased(err, p, start);
  }
}

/**
 * A decoder that fills one object, again and again: read() returns the same object each time,
 * valid until the next read(). Header fields the bytes do not reach, reserved fields that are
 * zero, and chosen attributes a message lacks are undefined (rather than absent, so that the
 * object keeps one shape).
 */
export function projectionReader(p: CompiledProjection): (buf: Buffer, start: number, end: number) => Obj {
  const fields = p.cs.fields;
  const o: Obj = {};
  for (const f of fields) o[f.name] = undefined;
  const attrs: Obj = {};
  for (const a of p.chosen) attrs[a.name] = undefined;
  o.attrs = attrs;
  return (buf, start, end) => {
    try {
      readStructInto(fields, buf, start, Math.min(end, start + p.cs.size), o);
      const chosen = p.chosen;
      for (let i = 0; i < chosen.length; i++) attrs[chosen[i]!.name] = undefined;
      projectAttrs(p, buf, start, end, o, attrs);
      return o;
    } catch (err) {
      throw rebased(err, p, start);
    }
  };
}

/**
 * What a generated reader (reader-gen.ts) needs from the tables at run time: the generic reader,
 * to hand over every message it does not read itself (anything unusual, and every error, so that
 * both give the same results and the same DecodeErrors), the enum tables, the decoders of the
 * attributes it does not inline, and the value formatters.
 */
export interface ProjectionRuntime {
  readonly fallback: (buf: Buffer, start: number, end: number) => Obj;
  /** A header field's enum: number -> name (or the number). */
  fieldEnum(name: string): (value: number) => unknown;
  /** A chosen attribute's enum: number -> name (or the number). */
  attrEnum(name: string): (value: number) => unknown;
  /** A chosen attribute's payload, decoded as decode() does (header: for '#field' selectors). */
  attr(name: string): (buf: Buffer, start: number, end: number, header: Obj, attrsStart: number, attrsEnd: number) => unknown;
  /** Text up to the first NUL, an IP address (4 or 16 bytes), a hex-colon address, a copy. */
  readonly string: (buf: Buffer, start: number, end: number) => string;
  readonly ip: (buf: Buffer, start: number, end: number) => string;
  readonly mac: (buf: Buffer, start: number, end: number) => string;
  readonly binary: (buf: Buffer, start: number, end: number) => Buffer;
}

export function projectionRuntime(p: CompiledProjection): ProjectionRuntime {
  const chosen = (name: string): CAttr => {
    const a = p.chosen.find((c) => c.name === name);
    if (a === undefined) throw new Error(`${p.set.name}: '${name}' is not projected`);
    return a;
  };
  const enumOf = (en: CAttr['en'], what: string): ((v: number) => unknown) => {
    if (en === null) throw new Error(`${what} has no enum`);
    return (v) => en.name(v);
  };
  return {
    fallback: projectionReader(p),
    fieldEnum(name) {
      const f = p.cs.fields.find((x) => x.name === name);
      if (f === undefined) throw new Error(`${p.cs.name}: no field '${name}'`);
      return enumOf(f.en, `${p.cs.name}.${name}`);
    },
    attrEnum: (name) => enumOf(chosen(name).en, `${p.set.name}.${name}`),
    attr(name) {
      const a = chosen(name);
      return (buf, start, end, header, rs, re) => decodeValue(a, buf, start, end, header, p.set, rs, re, {});
    },
    string: (buf, start, end) => {
      let z = start;
      while (z < end && buf[z] !== 0) z++;
      // (No encoding named: UTF-8, without toString's look-up of the encoding's name.)
      return buf.toString(undefined, start, z);
    },
    ip: formatIp,
    mac: formatMac,
    binary: (buf, start, end) => Buffer.from(buf.subarray(start, end)),
  };
}

function readStructInto(fields: readonly CField[], buf: Buffer, s: number, e: number, o: Obj): void {
  const avail = e - s;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.off + f.size > avail || (f.pad && isZeroAt(buf, s + f.off, f.size))) {
      o[f.name] = undefined;
      continue;
    }
    const v = readField(f, buf, s + f.off);
    o[f.name] = f.en !== null ? f.en.name(v as number) : v;
  }
}

function isZeroAt(buf: Buffer, o: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (buf[o + i] !== 0) return false;
  return true;
}

/** The chosen attributes of the region after the header, into `attrs` (ctx: the header, for '#field' selectors). */
function projectAttrs(p: CompiledProjection, buf: Buffer, s: number, e: number, ctx: Obj, attrs: Obj): void {
  const { cs, set, pick } = p;
  const as = s + ((cs.size + 3) & ~3);
  let off = as;
  let dup: string[] | undefined;
  while (off < e) {
    if (e - off < 4) throw new DecodeError(`${e - off} stray bytes after the attributes`, { offset: off, path: [set.prefix] });
    const len = buf[off]! | (buf[off + 1]! << 8);
    if (len < 4 || off + len > e) throw new DecodeError(`bad nla_len ${len} with ${e - off} bytes left`, { offset: off, path: [set.prefix] });
    const type = (buf[off + 2]! | (buf[off + 3]! << 8)) & NLA_TYPE_MASK;
    const a = type < pick.length ? pick[type] : undefined;
    if (a !== undefined) {
      let value: unknown;
      if (a.k === C.K_STRING) {
        let z = off + 4;
        while (z < off + len && buf[z] !== 0) z++;
        value = buf.toString('utf8', off + 4, z);
      } else {
        try {
          value = decodeValue(a, buf, off + 4, off + len, ctx, set, as, e, attrs);
        } catch (err) {
          throw withPath(err, a.kernel, off);
        }
      }
      const prev = attrs[a.name];
      // As decode(): a repeatable attribute is an array; a repeat of another one becomes one too.
      if (a.multi) {
        if (prev === undefined) attrs[a.name] = [value];
        else (prev as unknown[]).push(value);
      } else if (prev === undefined) {
        attrs[a.name] = value;
      } else if (dup?.includes(a.name)) {
        (prev as unknown[]).push(value);
      } else {
        (dup ??= []).push(a.name);
        attrs[a.name] = [prev, value];
      }
    }
    off += (len + 3) & ~3;
  }
}

/** Any failure as a DecodeError whose offset counts from the payload's start. */
function rebased(err: unknown, p: CompiledProjection, start: number): DecodeError {
  if (err instanceof DecodeError) {
    return new DecodeError(err.message.slice(err.path.length > 0 ? err.path.join(' > ').length + 2 : 0), {
      path: err.path, offset: err.offset - start, cause: err.cause,
    });
  }
  return new DecodeError(err instanceof Error ? err.message : String(err), { path: [p.cs.name], cause: err });
}
