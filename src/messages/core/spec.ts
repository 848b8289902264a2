/**
 * The declarative tables: what a struct, an attribute and an attribute set look like, and the
 * TypeScript types derived from them. A table written `as const` (or through the `attrSet` /
 * `struct` helpers, whose const type parameters do the same) is the single source of truth:
 * the compiler (compile.ts) turns it into lookup arrays for the decoder and encoder, and the
 * mapped types below turn it into the decoded message types. Nothing is written twice.
 */
import type { EnumDef, EnumValue } from './enums.js';

/* ---------------------------------------------------------------- structs */

/** Fixed-layout C struct field types. 'mac:N' and 'bytes:N' are N-byte arrays. */
export type FieldType =
  | 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32' | 's64' | 'be16' | 'be32' | 'be64'
  | 'ip4' | 'ip6' | `mac:${number}` | `bytes:${number}`;

export interface FieldSpec {
  /** Friendly camelCase name used in decoded objects. */
  readonly name: string;
  /** The C field name in the kernel header (rtm_dst_len), for grepping. */
  readonly kernel: string;
  readonly type: FieldType;
  readonly enum?: EnumDef;
  /** Reserved/padding: present in decoded objects only when non-zero. */
  readonly pad?: boolean;
}

export interface StructDef<F extends readonly FieldSpec[] = readonly FieldSpec[]> {
  readonly kind: 'struct';
  /** The C struct name ('rtmsg'). */
  readonly name: string;
  readonly fields: F;
  /** sizeof(struct): the sum of the field sizes (holes are written as pad fields). */
  readonly size: number;
}

/* ---------------------------------------------------------------- attributes */

export type IntCodec = 'u8' | 'u16' | 'u32' | 's8' | 's16' | 's32' | 'be16' | 'be32' | 'uint';
export type BigCodec = 'u64' | 's64' | 'be64';
export type PlainCodec = 'string' | 'binary' | 'flag' | 'ip' | 'mac' | 'via' | 'flag-or-u8';
export type ArrayItem = 'u16' | 'u32' | 's32' | 'u64';

/** How one attribute's payload reads. */
export type CodecSpec =
  | { readonly codec: IntCodec; readonly enum?: EnumDef }
  | { readonly codec: BigCodec }
  | { readonly codec: PlainCodec }
  /** Packed fixed-width scalars with no TLV framing (IFLA_INET_CONF, IFLA_INET6_STATS). */
  | { readonly codec: 'array'; readonly of: ArrayItem }
  /** Another attribute set, by its name in the schema. */
  | { readonly codec: 'nested'; readonly set: string }
  /**
   * A nest whose children are the elements of a list. Element i has nla_type `base + i`
   * (default base 1, as nlctrl writes them) or, with `itemType`, the same type each.
   */
  | { readonly codec: 'nested-array'; readonly item: CodecSpec; readonly base?: number; readonly itemType?: number }
  | { readonly codec: 'struct'; readonly struct: StructDef }
  /** A struct followed by attributes: a whole message body (VETH_INFO_PEER carries a link). */
  | { readonly codec: 'message'; readonly struct: StructDef; readonly set: string }
  /** RTA_MULTIPATH: back-to-back structs whose first field is a u16 length, each followed by attributes. */
  | { readonly codec: 'multipath'; readonly struct: StructDef; readonly set: string }
  /**
   * A payload whose layout depends on something else: `by` names a sibling attribute
   * (IFLA_INFO_DATA by 'kind') or, with a leading '#', a field of the enclosing message header
   * ('#family'). The sibling may come later on the wire: the decoder scans for it. No matching
   * case: `default`, else the raw bytes as a Buffer.
   */
  | { readonly codec: 'select'; readonly by: string; readonly cases: { readonly [k: string]: CodecSpec }; readonly default?: CodecSpec };

export type AttrSpec = CodecSpec & {
  /** nla_type (without the NLA_F_* bits). */
  readonly type: number;
  /** The kernel constant ('IFLA_IFNAME'). */
  readonly kernel: string;
  /** Friendly camelCase name ('ifname'), the key in decoded objects. */
  readonly name: string;
  /** Repeatable attribute: the decoded value is an array of every occurrence, in order. */
  readonly multi?: boolean;
  /** NLA_F_NESTED / NLA_F_NET_BYTEORDER bits the kernel sets on this type (default 0). */
  readonly nlaFlags?: number;
};

export interface AttrSetDef<P extends string = string, A extends readonly AttrSpec[] = readonly AttrSpec[]> {
  readonly kind: 'attrs';
  /** Common prefix of the kernel names ('IFLA'); unknown attributes are keyed PREFIX_UNKNOWN_<n>. */
  readonly prefix: P;
  readonly attrs: A;
}

/** Attribute sets by name; nested attributes refer to each other through these names, as YNL specs do. */
export type Schema = { readonly [name: string]: AttrSetDef };

/* ---------------------------------------------------------------- helpers that keep literal types */

export function struct<const F extends readonly FieldSpec[]>(name: string, fields: F): StructDef<F> {
  let size = 0;
  for (const f of fields) size += fieldSize(f.type);
  return Object.freeze({ kind: 'struct' as const, name, fields, size });
}

export function attrSet<const P extends string, const A extends readonly AttrSpec[]>(prefix: P, attrs: A): AttrSetDef<P, A> {
  return Object.freeze({ kind: 'attrs' as const, prefix, attrs });
}

export function fieldSize(t: FieldType): number {
  switch (t) {
    case 'u8': case 's8': return 1;
    case 'u16': case 's16': case 'be16': return 2;
    case 'u32': case 's32': case 'be32': case 'ip4': return 4;
    case 'u64': case 's64': case 'be64': return 8;
    case 'ip6': return 16;
    default: {
      const n = Number(t.slice(t.indexOf(':') + 1));
      if (!Number.isInteger(n) || n < 0) throw new Error(`bad field type ${t}`);
      return n;
    }
  }
}

/* ---------------------------------------------------------------- derived types */

/** Read as 'out' (decoded: struct fields present) or 'in' (encode input: header fields optional). */
export type Mode = 'out' | 'in';

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** An attribute the table does not know, kept as it came. */
export interface RawAttr {
  /** The full nla_type, NLA_F_* bits included. */
  type: number;
  /** A copy of the payload. */
  data: Buffer;
}

type FieldValue<F> =
  F extends { readonly enum: infer E } ? EnumValue<E> :
  F extends { readonly type: 'u64' | 's64' | 'be64' } ? bigint :
  F extends { readonly type: 'ip4' | 'ip6' | `mac:${number}` } ? string :
  F extends { readonly type: `bytes:${number}` } ? Buffer :
  number;

type PadFields<Fs extends readonly FieldSpec[]> = Extract<Fs[number], { readonly pad: true }>;
type DataFields<Fs extends readonly FieldSpec[]> = Exclude<Fs[number], { readonly pad: true }>;

export type StructValue<D, M extends Mode = 'out'> = D extends StructDef<infer Fs>
  ? Simplify<
      (M extends 'out'
        ? { -readonly [F in DataFields<Fs> as F['name']]: FieldValue<F> }
        : { -readonly [F in DataFields<Fs> as F['name']]?: FieldValue<F> })
      & { -readonly [F in PadFields<Fs> as F['name']]?: FieldValue<F> }>
  : never;

type IntValue<C> = C extends { readonly enum: infer E } ? EnumValue<E> : number;

interface PlainTypes {
  string: string;
  binary: Buffer;
  flag: true;
  ip: string;
  mac: string;
  via: Via;
  'flag-or-u8': true | number;
}

/** RTA_VIA: a gateway of another address family (struct rtvia). */
export interface Via {
  family: number;
  /** IP text for AF_INET/AF_INET6, hex-colon otherwise. */
  address: string;
}

interface ArrayTypes { u16: number[]; u32: number[]; s32: number[]; u64: bigint[] }

export type ValueOf<S extends Schema, C, M extends Mode = 'out'> =
  C extends { readonly codec: 'uint' } ? IntValue<C> | bigint :
  C extends { readonly codec: IntCodec } ? IntValue<C> :
  C extends { readonly codec: BigCodec } ? bigint :
  C extends { readonly codec: infer P extends PlainCodec } ? PlainTypes[P] :
  C extends { readonly codec: 'array'; readonly of: infer I extends ArrayItem } ? ArrayTypes[I] :
  C extends { readonly codec: 'nested'; readonly set: infer N extends string } ? AttrsOf<S, N, M> :
  C extends { readonly codec: 'nested-array'; readonly item: infer I } ? ValueOf<S, I, M>[] :
  C extends { readonly codec: 'struct'; readonly struct: infer D } ? StructValue<D, M> :
  C extends { readonly codec: 'message'; readonly struct: infer D; readonly set: infer N extends string } ? MessageOf<S, D, N, M> :
  C extends { readonly codec: 'multipath'; readonly struct: infer D; readonly set: infer N extends string } ? MessageOf<S, D, N, M>[] :
  C extends { readonly codec: 'select'; readonly cases: infer K } ?
    | { [k in keyof K]: ValueOf<S, K[k], M> }[keyof K]
    | (C extends { readonly default: infer D } ? ValueOf<S, D, M> : Buffer) :
  unknown;

type AttrValue<S extends Schema, E, M extends Mode> =
  E extends { readonly multi: true } ? ValueOf<S, E, M>[] : ValueOf<S, E, M>;

/** Keys under which unknown attributes of a set are kept. */
export type UnknownAttrs<P extends string> = { [k in `${P}_UNKNOWN_${number}`]?: RawAttr | RawAttr[] };

export type AttrsOf<S extends Schema, N extends string, M extends Mode = 'out'> =
  S[N] extends AttrSetDef<infer P, infer A>
    ? { -readonly [E in A[number] as E['name']]?: AttrValue<S, E, M> } & UnknownAttrs<P>
    : never;

/** A message body: the header struct's fields, flat, plus `attrs`. */
export type MessageOf<S extends Schema, D, N extends string, M extends Mode = 'out'> =
  StructValue<D, M> & { attrs: AttrsOf<S, N, M> };

/** The variants of a select attribute, by case key (LinkInfoDataByKind['vxlan']). */
export type SelectCases<S extends Schema, C, M extends Mode = 'out'> =
  C extends { readonly cases: infer K } ? { -readonly [k in keyof K]: ValueOf<S, K[k], M> } : never;

/** The spec of attribute `Name` in set `N` (to reach a select's cases from a schema). */
export type AttrSpecOf<S extends Schema, N extends string, Name extends string> =
  S[N] extends AttrSetDef<string, infer A> ? Extract<A[number], { readonly name: Name }> : never;
