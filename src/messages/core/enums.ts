/**
 * Named numbers: enums (one value, shown by name) and flag sets (a bit mask, shown as a list of
 * names). Both are immutable tables built once; lookups are array or object reads, no closures
 * per call, so decoders can use them on every message.
 */

export interface EnumDef<N extends string = string> {
  readonly kind: 'enum';
  /** The kernel constants' common prefix ('RTPROT'), for docs and debug output. */
  readonly prefix: string;
  readonly byName: { readonly [K in N]: number };
  /** Number -> name. A Map, since values can be sparse (RTPROT_BGP = 186). */
  readonly byValue: ReadonlyMap<number, N>;
  /** The name for a number, or the number itself when it has none. */
  name(value: number): N | number;
  /** The number for a name (or a number, passed through). Throws RangeError for an unknown name. */
  value(v: N | number | string): number;
}

/** What a field typed with this enum holds: a known name or, failing one, the raw number. */
export type EnumValue<E> = E extends EnumDef<infer N> ? N | number : never;

export function defineEnum<const T extends Record<string, number>>(prefix: string, values: T): EnumDef<Extract<keyof T, string>> {
  type N = Extract<keyof T, string>;
  const byValue = new Map<number, N>();
  // Small values (all but a few) also in an array: an indexed read beats a Map lookup per field.
  const dense: (N | undefined)[] = [];
  // First name wins for aliases (RT_TABLE_UNSPEC / RT_SCOPE_UNIVERSE): the table lists the
  // one ip(8) prints first.
  for (const [k, v] of Object.entries(values)) {
    if (byValue.has(v)) continue;
    byValue.set(v, k as N);
    if (Number.isInteger(v) && v >= 0 && v < 1024) dense[v] = k as N;
  }
  for (let i = 0; i < dense.length; i++) if (dense[i] === undefined) dense[i] = undefined;
  const byName = Object.freeze({ ...values }) as unknown as { readonly [K in N]: number };
  return Object.freeze({
    kind: 'enum' as const,
    prefix,
    byName,
    byValue,
    name(value: number): N | number {
      const n = value < dense.length ? dense[value] : byValue.get(value);
      return n === undefined ? value : n;
    },
    value(v: N | number | string): number {
      if (typeof v === 'number') return v;
      const n = (byName as Record<string, number>)[v];
      if (n === undefined) {
        // Accept a decimal string too: records spell unnamed values that way.
        if (/^\d+$/.test(v)) return Number(v);
        throw new RangeError(`unknown ${prefix} name '${v}'`);
      }
      return n;
    },
  });
}

export interface FlagsDef<N extends string = string> {
  readonly kind: 'flags';
  readonly prefix: string;
  readonly byName: { readonly [K in N]: number };
  /** Names of the set bits, low bit first; bits with no name appear as '0x...' strings. */
  names(bits: number): string[];
  /** The mask for a list of names (or '0x..' strings). */
  bits(names: readonly (N | string)[]): number;
  /** ip(8)-style rendering: names joined by '|' (or '' when no bit is set). */
  format(bits: number): string;
}

export function defineFlags<const T extends Record<string, number>>(prefix: string, values: T): FlagsDef<Extract<keyof T, string>> {
  type N = Extract<keyof T, string>;
  const entries = Object.entries(values).filter(([, v]) => v !== 0).sort((a, b) => a[1] - b[1]);
  const byName = Object.freeze({ ...values }) as unknown as { readonly [K in N]: number };
  const names = (bits: number): string[] => {
    const out: string[] = [];
    let rest = bits >>> 0;
    for (const [k, v] of entries) {
      if ((rest & v) === v) { out.push(k); rest = (rest & ~v) >>> 0; }
    }
    for (let b = 0; rest !== 0 && b < 32; b++) {
      const m = (1 << b) >>> 0;
      if (rest & m) { out.push(`0x${m.toString(16)}`); rest = (rest & ~m) >>> 0; }
    }
    return out;
  };
  return Object.freeze({
    kind: 'flags' as const,
    prefix,
    byName,
    names,
    bits(list: readonly string[]): number {
      let m = 0;
      for (const k of list) {
        const v = (byName as Record<string, number>)[k];
        if (v !== undefined) m |= v;
        else if (/^0x[0-9a-f]+$/i.test(k)) m |= parseInt(k, 16);
        else throw new RangeError(`unknown ${prefix} flag '${k}'`);
      }
      return m >>> 0;
    },
    format(bits: number): string {
      return names(bits).join('|');
    },
  });
}
