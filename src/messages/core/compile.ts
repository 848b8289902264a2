/**
 * Turns the declarative tables into lookup structures the decoder and encoder walk: per set an
 * array indexed by nla_type and a map by friendly name, per codec a small record with a numeric
 * kind. Done once per schema (at module load for the built-in families); decoding then costs a
 * table lookup and a switch per attribute, with no closures.
 */
import type { EnumDef } from './enums.js';
import type { AttrSpec, CodecSpec, FieldSpec, FieldType, Schema, StructDef } from './spec.js';
import { fieldSize } from './spec.js';

/* codec kinds */
export const K_U8 = 0, K_U16 = 1, K_U32 = 2, K_S8 = 3, K_S16 = 4, K_S32 = 5, K_BE16 = 6, K_BE32 = 7, K_UINT = 8;
export const K_U64 = 9, K_S64 = 10, K_BE64 = 11;
export const K_STRING = 12, K_BINARY = 13, K_FLAG = 14, K_IP = 15, K_MAC = 16, K_VIA = 17, K_ARRAY = 18;
export const K_NESTED = 19, K_NARRAY = 20, K_STRUCT = 21, K_MESSAGE = 22, K_MULTIPATH = 23, K_SELECT = 24;
/** A flag in requests but a u8 in dumps (IFLA_VXLAN_TTL_INHERIT): true for the empty form, the number for the u8. */
export const K_FLAGU8 = 25;

const KIND_BY_NAME: Record<string, number> = {
  u8: K_U8, u16: K_U16, u32: K_U32, s8: K_S8, s16: K_S16, s32: K_S32, be16: K_BE16, be32: K_BE32, uint: K_UINT,
  u64: K_U64, s64: K_S64, be64: K_BE64, string: K_STRING, binary: K_BINARY, flag: K_FLAG, ip: K_IP, mac: K_MAC,
  via: K_VIA, array: K_ARRAY, nested: K_NESTED, 'nested-array': K_NARRAY, struct: K_STRUCT, message: K_MESSAGE,
  multipath: K_MULTIPATH, select: K_SELECT, 'flag-or-u8': K_FLAGU8,
};

/** Fixed payload size by kind (-1: variable or checked elsewhere). */
const FIXED: Record<number, number> = {
  [K_U8]: 1, [K_U16]: 2, [K_U32]: 4, [K_S8]: 1, [K_S16]: 2, [K_S32]: 4, [K_BE16]: 2, [K_BE32]: 4,
  [K_U64]: 8, [K_S64]: 8, [K_BE64]: 8, [K_FLAG]: 0,
};

/* struct field kinds */
export const F_U8 = 0, F_U16 = 1, F_U32 = 2, F_U64 = 3, F_S8 = 4, F_S16 = 5, F_S32 = 6, F_S64 = 7;
export const F_BE16 = 8, F_BE32 = 9, F_BE64 = 10, F_IP4 = 11, F_IP6 = 12, F_MAC = 13, F_BYTES = 14;

export interface CField {
  readonly name: string;
  readonly kernel: string;
  readonly t: number;
  readonly off: number;
  readonly size: number;
  readonly en: EnumDef | null;
  readonly pad: boolean;
}

export interface CStruct {
  readonly name: string;
  readonly size: number;
  readonly fields: readonly CField[];
}

export interface Codec {
  k: number;
  /** Fixed payload size, -1 if variable. */
  size: number;
  en: EnumDef | null;
  set: CSet | null;
  item: Codec | null;
  base: number;
  itemType: number;
  struct: CStruct | null;
  /** Packed array element kind (a K_ scalar). */
  of: number;
  /** select: the sibling's friendly name or the header field name (byCtx). */
  by: string;
  byCtx: boolean;
  cases: Map<string, Codec> | null;
  dflt: Codec | null;
}

export interface CAttr extends Codec {
  type: number;
  kernel: string;
  name: string;
  multi: boolean;
  flags: number;
}

export interface CSet {
  readonly name: string;
  readonly prefix: string;
  /** Dense array indexed by nla_type (NLA_F_* bits masked off). */
  byType: (CAttr | undefined)[];
  byName: Map<string, CAttr>;
}

export interface CompiledSchema {
  readonly sets: ReadonlyMap<string, CSet>;
  set(name: string): CSet;
  struct(def: StructDef): CStruct;
  codec(spec: CodecSpec, where: string): Codec;
}

function fieldKind(t: FieldType): number {
  switch (t) {
    case 'u8': return F_U8; case 'u16': return F_U16; case 'u32': return F_U32; case 'u64': return F_U64;
    case 's8': return F_S8; case 's16': return F_S16; case 's32': return F_S32; case 's64': return F_S64;
    case 'be16': return F_BE16; case 'be32': return F_BE32; case 'be64': return F_BE64;
    case 'ip4': return F_IP4; case 'ip6': return F_IP6;
    default: return t.startsWith('mac:') ? F_MAC : F_BYTES;
  }
}

export function compileStruct(def: StructDef): CStruct {
  let off = 0;
  const fields: CField[] = def.fields.map((f: FieldSpec) => {
    const size = fieldSize(f.type);
    const c: CField = { name: f.name, kernel: f.kernel, t: fieldKind(f.type), off, size, en: f.enum ?? null, pad: f.pad === true };
    off += size;
    return c;
  });
  return { name: def.name, size: off, fields };
}

function blank(k: number): Codec {
  return { k, size: FIXED[k] ?? -1, en: null, set: null, item: null, base: 1, itemType: -1, struct: null, of: -1, by: '', byCtx: false, cases: null, dflt: null };
}

/** Raw bytes: the fallback of a select with no matching case. */
export const BINARY_CODEC: Codec = blank(K_BINARY);

/**
 * Compiles every set of a schema. Set references are resolved after all sets exist, so sets may
 * refer to each other in cycles (a veth's peer is a link message inside a link message).
 */
export function compileSchema(schema: Schema): CompiledSchema {
  const sets = new Map<string, CSet>();
  const structs = new Map<StructDef, CStruct>();
  const pending: Array<() => void> = [];

  const structOf = (def: StructDef): CStruct => {
    let s = structs.get(def);
    if (!s) { s = compileStruct(def); structs.set(def, s); }
    return s;
  };
  const resolveSet = (c: Codec, name: string, where: string): void => {
    pending.push(() => {
      const s = sets.get(name);
      if (!s) throw new Error(`${where}: unknown attribute set '${name}'`);
      c.set = s;
    });
  };

  const codecOf = (spec: CodecSpec, where: string, into?: Codec): Codec => {
    const k = KIND_BY_NAME[spec.codec];
    if (k === undefined) throw new Error(`${where}: unknown codec '${spec.codec}'`);
    const c = into ?? blank(k);
    c.k = k;
    c.size = FIXED[k] ?? -1;
    switch (spec.codec) {
      case 'u8': case 'u16': case 'u32': case 's8': case 's16': case 's32': case 'be16': case 'be32': case 'uint':
        c.en = spec.enum ?? null;
        break;
      case 'array': {
        const of = KIND_BY_NAME[spec.of];
        if (of === undefined || FIXED[of] === undefined) throw new Error(`${where}: bad array item '${spec.of}'`);
        c.of = of;
        break;
      }
      case 'nested':
        resolveSet(c, spec.set, where);
        break;
      case 'nested-array':
        c.item = codecOf(spec.item, `${where}[]`);
        c.base = spec.base ?? 1;
        c.itemType = spec.itemType ?? -1;
        break;
      case 'struct':
        c.struct = structOf(spec.struct);
        c.size = -1; // shorter and longer structs are accepted (see struct.ts)
        break;
      case 'message': case 'multipath':
        c.struct = structOf(spec.struct);
        resolveSet(c, spec.set, where);
        if (spec.codec === 'multipath') {
          const f0 = c.struct.fields[0];
          if (!f0 || f0.t !== F_U16) throw new Error(`${where}: a multipath struct starts with its u16 length`);
        }
        break;
      case 'select': {
        c.byCtx = spec.by.startsWith('#');
        c.by = c.byCtx ? spec.by.slice(1) : spec.by;
        c.cases = new Map();
        for (const [key, sub] of Object.entries(spec.cases)) c.cases.set(key, codecOf(sub, `${where}(${key})`));
        c.dflt = spec.default ? codecOf(spec.default, `${where}(default)`) : BINARY_CODEC;
        break;
      }
      default:
        break;
    }
    return c;
  };

  for (const [setName, def] of Object.entries(schema)) {
    const set: CSet = { name: setName, prefix: def.prefix, byType: [], byName: new Map() };
    for (const a of def.attrs as readonly AttrSpec[]) {
      const where = `${setName}.${a.kernel}`;
      if (!Number.isInteger(a.type) || a.type < 0 || a.type > 0x3fff) throw new Error(`${where}: bad type ${a.type}`);
      if (set.byType[a.type]) throw new Error(`${where}: type ${a.type} already used by ${set.byType[a.type]!.kernel}`);
      if (set.byName.has(a.name)) throw new Error(`${where}: name '${a.name}' used twice`);
      if (a.name.includes('_UNKNOWN_')) throw new Error(`${where}: reserved name '${a.name}'`);
      const attr = blank(0) as CAttr;
      attr.type = a.type;
      attr.kernel = a.kernel;
      attr.name = a.name;
      attr.multi = a.multi === true;
      attr.flags = a.nlaFlags ?? 0;
      codecOf(a, where, attr);
      set.byType[a.type] = attr;
      set.byName.set(a.name, attr);
    }
    // Fill holes so byType stays a packed array (fast element reads in the decoder).
    for (let i = 0; i < set.byType.length; i++) if (set.byType[i] === undefined) set.byType[i] = undefined;
    sets.set(setName, set);
  }
  for (const p of pending.splice(0)) p();
  // A select's sibling must exist in the same set.
  for (const set of sets.values()) {
    for (const a of set.byName.values()) {
      if (a.k === K_SELECT && !a.byCtx && !set.byName.has(a.by)) {
        throw new Error(`${set.name}.${a.kernel}: select by unknown sibling '${a.by}'`);
      }
    }
  }

  return {
    sets,
    set(name: string): CSet {
      const s = sets.get(name);
      if (!s) throw new Error(`unknown attribute set '${name}'`);
      return s;
    },
    struct: structOf,
    codec(spec: CodecSpec, where: string): Codec {
      const c = codecOf(spec, where);
      for (const p of pending.splice(0)) p();
      return c;
    },
  };
}
