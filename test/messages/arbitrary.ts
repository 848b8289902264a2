/**
 * fast-check arbitraries for valid messages, generated from the same tables the codecs use:
 * every attribute set, struct and selector of a schema. Values are canonical (enum numbers that
 * have a name are given by name, as decode returns them), so decode(encode(m)) equals m.
 */
import fc from 'fast-check';
import { formatIp, formatMac, type AttrSpec, type CodecSpec, type EnumDef, type FieldSpec, type Schema, type StructDef } from './helpers.js';

type Obj = Record<string, unknown>;

const INT_RANGE: Record<string, [number, number]> = {
  u8: [0, 0xff], u16: [0, 0xffff], u32: [0, 0xffffffff], s8: [-0x80, 0x7f], s16: [-0x8000, 0x7fff],
  s32: [-0x80000000, 0x7fffffff], be16: [0, 0xffff], be32: [0, 0xffffffff], uint: [0, 0xffffffff],
};

function intArb(kind: string, en?: EnumDef): fc.Arbitrary<unknown> {
  const [min, max] = INT_RANGE[kind]!;
  // Bias towards small values so enum names come up.
  const n = fc.oneof(fc.integer({ min: Math.max(min, 0), max: Math.min(max, 300) }), fc.integer({ min, max }));
  return en ? n.map((v) => en.name(v)) : n;
}

const BIG: Record<string, [bigint, bigint]> = { u64: [0n, (1n << 64n) - 1n], be64: [0n, (1n << 64n) - 1n], s64: [-(1n << 63n), (1n << 63n) - 1n] };

const ipArb = fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 16, maxLength: 16 }))
  .map((b) => formatIp(Buffer.from(b), 0, b.length));
const macArb = fc.uint8Array({ maxLength: 8 }).map((b) => formatMac(Buffer.from(b), 0, b.length));
const bufArb = fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b));
const strArb = fc.string({ maxLength: 12 }).filter((s) => !s.includes('\0'));

function fieldArb(f: FieldSpec): fc.Arbitrary<unknown> {
  const t = f.type;
  if (t === 'u64' || t === 's64' || t === 'be64') return fc.bigInt({ min: BIG[t]![0], max: BIG[t]![1] });
  if (t === 'ip4') return fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => formatIp(Buffer.from(b), 0, 4));
  if (t === 'ip6') return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIp(Buffer.from(b), 0, 16));
  const n = Number(t.slice(t.indexOf(':') + 1));
  if (t.startsWith('mac:')) return fc.uint8Array({ minLength: n, maxLength: n }).map((b) => formatMac(Buffer.from(b), 0, n));
  if (t.startsWith('bytes:')) return fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b));
  return intArb(t, f.enum);
}

export function structArb(def: StructDef, skip: readonly string[] = []): fc.Arbitrary<Obj> {
  const rec: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of def.fields) if (!f.pad && !skip.includes(f.name)) rec[f.name] = fieldArb(f);
  return fc.record(rec) as fc.Arbitrary<Obj>;
}

export class Gen {
  constructor(readonly schema: Schema, readonly maxDepth = 3) {}

  value(spec: CodecSpec, depth: number, family: number): fc.Arbitrary<unknown> {
    switch (spec.codec) {
      case 'u8': case 'u16': case 'u32': case 's8': case 's16': case 's32': case 'be16': case 'be32':
        return intArb(spec.codec, spec.enum);
      case 'uint': // number up to 2^53, bigint beyond (as decode gives them)
        return fc.oneof(intArb('uint'), fc.bigInt({ min: BigInt(Number.MAX_SAFE_INTEGER) + 1n, max: (1n << 64n) - 1n }), fc.integer({ min: 2 ** 32, max: Number.MAX_SAFE_INTEGER }));
      case 'u64': case 's64': case 'be64': return fc.bigInt({ min: BIG[spec.codec]![0], max: BIG[spec.codec]![1] });
      case 'string': return strArb;
      case 'binary': return bufArb;
      case 'flag': return fc.constant(true);
      case 'flag-or-u8': return fc.oneof(fc.constant(true), fc.integer({ min: 0, max: 255 }));
      case 'ip': return ipArb;
      case 'mac': return macArb;
      case 'via': return fc.oneof(
        fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => ({ family: 2, address: formatIp(Buffer.from(b), 0, 4) })),
        fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => ({ family: 10, address: formatIp(Buffer.from(b), 0, 16) })),
        fc.uint8Array({ minLength: 1, maxLength: 6 }).map((b) => ({ family: 17, address: formatMac(Buffer.from(b), 0, b.length) })),
      );
      case 'array':
        return spec.of === 'u64'
          ? fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { maxLength: 6 })
          : fc.array(intArb(spec.of), { maxLength: 6 });
      case 'nested': return this.attrs(spec.set, depth + 1, family);
      case 'nested-array': return fc.array(this.value(spec.item, depth + 1, family), { maxLength: depth < this.maxDepth ? 3 : 0 });
      case 'struct': return structArb(spec.struct);
      case 'message': return this.message(spec.struct, spec.set, depth + 1);
      case 'multipath':
        return fc.array(
          fc.tuple(structArb(spec.struct, ['len']), this.attrs(spec.set, depth + 1, family)).map(([s, attrs]) => ({ ...s, attrs })),
          { maxLength: depth < this.maxDepth ? 3 : 0 },
        );
      case 'select': {
        // Selected by the message family (the caller picks the case).
        const c = spec.cases[String(family)] ?? spec.default;
        return c ? this.value(c, depth, family) : bufArb;
      }
    }
  }

  attrs(setName: string, depth: number, family: number): fc.Arbitrary<Obj> {
    if (depth > this.maxDepth) return fc.constant({});
    const set = this.schema[setName]!;
    const plain: Record<string, fc.Arbitrary<unknown>> = {};
    const bySibling: (AttrSpec & { codec: 'select' })[] = [];
    const siblings = new Set<string>();
    for (const a of set.attrs) {
      if (a.codec === 'select' && !a.by.startsWith('#')) { bySibling.push(a as never); siblings.add(a.by); continue; }
    }
    for (const a of set.attrs) {
      if (a.codec === 'select' && !a.by.startsWith('#')) continue;
      if (siblings.has(a.name)) continue; // chosen together with what it selects
      const v = this.value(a, depth, family);
      plain[a.name] = a.multi ? fc.array(v, { minLength: 1, maxLength: 3 }) : v;
    }
    const known = new Set(set.attrs.map((a) => a.type));
    const unknown = fc.option(
      fc.tuple(fc.integer({ min: 1, max: 0x3fff }).filter((t) => !known.has(t)), fc.boolean(), bufArb)
        .map(([t, nested, data]) => ({ [`${set.prefix}_UNKNOWN_${t}`]: { type: t | (nested ? 0x8000 : 0), data } })),
      { nil: {} },
    );
    const selected = bySibling.map((sel) => {
      const keys = Object.keys(sel.cases);
      const sibling = set.attrs.find((a) => a.name === sel.by)!;
      const other = this.value(sibling, depth, family).filter((v) => !keys.includes(String(v)));
      // A known case (sibling set to its key), an unknown one (raw bytes), or neither.
      return fc.oneof(
        fc.constantFrom(...keys).chain((k) => fc.option(this.value(sel.cases[k]!, depth, family), { nil: undefined }).map((v) => ({ [sel.by]: k, ...(v === undefined ? {} : { [sel.name]: v }) }))),
        fc.tuple(other, bufArb).map(([s, b]) => ({ [sel.by]: s, [sel.name]: b })),
        fc.constant({}),
      );
    });
    return fc.tuple(fc.record(plain, { requiredKeys: [] }), unknown, ...selected)
      .map(([p, u, ...sels]) => Object.assign({}, p, u, ...sels) as Obj);
  }

  message(header: StructDef, setName: string, depth = 0): fc.Arbitrary<Obj> {
    const famField = header.fields.find((f) => f.name === 'family');
    const fam = famField ? fc.constantFrom(0, 2, 7, 10, 28) : fc.constant(0);
    return fam.chain((family) =>
      fc.tuple(structArb(header, ['family']), this.attrs(setName, depth, family))
        .map(([h, attrs]) => ({ ...(famField ? { family } : {}), ...h, attrs })));
  }
}
