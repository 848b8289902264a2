/**
 * Generates the TypeScript source of a fast reader for a projection: one function specialised
 * to a header struct and a set of chosen attributes, written out from the same tables as the
 * generic decoder, and checked in (STYLE: generated code, with a test that fails when it is
 * stale; see test/iproute/readers.test.ts).
 *
 * Why: a table-driven decoder builds each result object with keyed stores whose names vary
 * (`o[field.name] = value`), which V8 can only run through its megamorphic caches; a reader
 * written for one message kind builds object literals of one shape, and reads each field at a
 * fixed offset. On a 100,000-route dump that is the difference between about 400 and 100 ns per
 * message.
 *
 * A reader works in two passes. The first (`scan`, a small function of its own) walks the
 * attributes and notes where each chosen one is, in a typed array, and a bit for it in a mask;
 * the second reads those, in straight-line code. Why not one loop with a switch: a fresh process
 * runs this code unoptimized, and V8's tiering charges a loop's every turn with the whole loop
 * body's size, so a switch over every chosen attribute inside the loop had the reader marked for
 * optimization early among a commit's 400 link notifications (--trace-opt); its compile (20 ms
 * and more on another thread) ran beside the very work it was meant to speed up, presumably
 * competing with it for the CPUs, and the 400 took 5-12 ms to read instead of 4.7. Split, the scan compiles in about a millisecond and the straight-line
 * part is not compiled at all for a few hundred messages (a fresh process: 4.7-7.9 ms, median
 * about 6). Once warm, the two do what the one loop did.
 *
 * A generated reader reads only well-formed, canonical messages itself. Anything else (a short
 * header, non-zero reserved bytes, an attribute of unexpected length, a repeated attribute, bad
 * framing, any exception) goes to the generic reader of the same projection, which gives the same
 * results and the same DecodeErrors. Its result follows the generic reader's conventions: one
 * object, refilled on every call (valid until the next one), every chosen attribute a key,
 * undefined when absent. Filling it takes named stores into one shape (fast, and no garbage).
 */
import type { CAttr, CField, Codec } from './compile.js';
import * as C from './compile.js';
import type { CompiledProjection } from './project.js';

/** `s + off`, or `s` for offset 0. */
const at = (off: number): string => (off === 0 ? 's' : `s + ${off}`);
const str = (text: string): string => `'${text}'`;

const FIELD_READ: Record<number, (at: string) => string> = {
  [C.F_U8]: (at) => `buf[${at}]!`,
  [C.F_S8]: (at) => `buf.readInt8(${at})`,
  [C.F_U16]: (at) => `buf.readUInt16LE(${at})`,
  [C.F_S16]: (at) => `buf.readInt16LE(${at})`,
  [C.F_U32]: (at) => `buf.readUInt32LE(${at})`,
  [C.F_S32]: (at) => `buf.readInt32LE(${at})`,
  [C.F_BE16]: (at) => `buf.readUInt16BE(${at})`,
  [C.F_BE32]: (at) => `buf.readUInt32BE(${at})`,
  [C.F_U64]: (at) => `buf.readBigUInt64LE(${at})`,
  [C.F_S64]: (at) => `buf.readBigInt64LE(${at})`,
  [C.F_BE64]: (at) => `buf.readBigUInt64BE(${at})`,
};

/** Integer attribute kinds: their size and how they read at `at`. */
const INT_READ: Record<number, [number, (at: string) => string]> = {
  [C.K_U8]: [1, (at) => `buf[${at}]!`],
  [C.K_S8]: [1, (at) => `buf.readInt8(${at})`],
  [C.K_U16]: [2, (at) => `buf.readUInt16LE(${at})`],
  [C.K_S16]: [2, (at) => `buf.readInt16LE(${at})`],
  [C.K_U32]: [4, (at) => `buf.readUInt32LE(${at})`],
  [C.K_S32]: [4, (at) => `buf.readInt32LE(${at})`],
  [C.K_BE16]: [2, (at) => `buf.readUInt16BE(${at})`],
  [C.K_BE32]: [4, (at) => `buf.readUInt32BE(${at})`],
};

const FALLBACK = 'return fallback(buf, s, e);';

const ident = (name: string): string => name.replace(/[^A-Za-z0-9_]/g, '_');
const h = (f: CField): string => `h$${ident(f.name)}`;
const a = (x: CAttr): string => `a$${ident(x.name)}`;

export interface ReaderOptions {
  /**
   * Attributes (by name: kernel type) the reader does not decode but finds on its way, for a
   * caller that reads something in them itself: the reader takes a second argument, an Int32Array
   * of two slots per span, in this order, and writes each one's payload [start, end) there, or -1
   * into the start when the message has none (or went to the generic reader before it). It spares
   * that caller a second walk over the message's attributes.
   */
  spans?: Readonly<Record<string, number>>;
}

/**
 * The source of `export function <fnName>(rt: ProjectionRuntime): (buf, s, e) => Record<string, unknown>`
 * reading projection `p` (with spans: `(rt, spans?: Int32Array)`). Throws Error for a header field
 * kind it does not handle.
 */
export function readerSource(p: CompiledProjection, fnName: string, opts: ReaderOptions = {}): string {
  const { cs, chosen } = p;
  const data = cs.fields.filter((f) => !f.pad);
  const pads = cs.fields.filter((f) => f.pad);
  const attrsAt = (cs.size + 3) & ~3;
  const setup: string[] = [];
  let needsHeader = false;

  for (const f of data) {
    if (FIELD_READ[f.t] === undefined) throw new Error(`${cs.name}.${f.name}: field kind ${f.t} not generated`);
    if (f.en !== null) setup.push(`const f$${ident(f.name)} = rt.fieldEnum(${str(f.name)});`);
  }

  /** Statements that set `target` to the value of codec `c` at [v, ve), or hand the message over. */
  const assign = (c: Codec, x: CAttr, target: string, indent: string): string[] => {
    const int = INT_READ[c.k];
    if (int !== undefined) {
      const [size, read] = int;
      const value = c.en !== null ? `e$${ident(x.name)}(${read('v')})` : read('v');
      if (c.en !== null && !setup.includes(`const e$${ident(x.name)} = rt.attrEnum(${str(x.name)});`)) {
        setup.push(`const e$${ident(x.name)} = rt.attrEnum(${str(x.name)});`);
      }
      return [`${indent}if (ve - v !== ${size}) ${FALLBACK}`, `${indent}${target} = ${value};`];
    }
    switch (c.k) {
      case C.K_STRING: return [`${indent}${target} = rt.string(buf, v, ve);`];
      case C.K_MAC: return [`${indent}${target} = rt.mac(buf, v, ve);`];
      case C.K_BINARY: return [`${indent}${target} = rt.binary(buf, v, ve);`];
      case C.K_FLAG: return [`${indent}if (ve !== v) ${FALLBACK}`, `${indent}${target} = true;`];
      case C.K_IP: return [`${indent}if (ve - v !== 4 && ve - v !== 16) ${FALLBACK}`, `${indent}${target} = rt.ip(buf, v, ve);`];
      default: break;
    }
    // A choice by a header field that is a plain number, between cases written out here.
    const by = c.k === C.K_SELECT && c.byCtx ? data.find((f) => f.name === c.by) : undefined;
    if (by !== undefined && by.en === null && c.cases !== null && c.dflt !== null && [...c.cases.keys()].every((k) => /^\d+$/.test(k))) {
      const out: string[] = [];
      let first = true;
      for (const [key, sub] of c.cases) {
        out.push(`${indent}${first ? '' : '} else '}if (${h(by)} === ${key}) {`, ...assign(sub, x, target, `${indent}  `));
        first = false;
      }
      out.push(`${indent}} else {`, ...assign(c.dflt, x, target, `${indent}  `), `${indent}}`);
      return out;
    }
    needsHeader = true;
    const d = `d$${ident(x.name)}`;
    if (!setup.includes(`const ${d} = rt.attr(${str(x.name)});`)) setup.push(`const ${d} = rt.attr(${str(x.name)});`);
    return [`${indent}${target} = ${d}(buf, v, ve, header ??= {${data.map((f) => ` ${f.name}: ${h(f)}`).join(',')} }, s + ${attrsAt}, e);`];
  };

  // Attribute types are numbered 1, 2, 3... through a table (SLOTS): the single attributes first
  // (a second one hands the message over), then the spans (the first one counts). A type not
  // chosen costs the scan one load; a chosen one, its bit in the mask and two stores.
  if (chosen.some((x) => x.multi)) {
    throw new Error(`${cs.name}: ${chosen.filter((x) => x.multi).map((x) => x.name).join(', ')}: repeated attributes are not generated (the generic reader reads them)`);
  }
  const spans = Object.entries(opts.spans ?? {});
  const types = [...chosen.map((x) => x.type), ...spans.map(([, t]) => t)];
  // (Slot k's bit is 1 << k; 30 slots keep the mask a small integer.)
  if (types.length > 30) throw new Error(`${cs.name}: ${types.length} attributes chosen, at most 30 generated`);
  const maxType = Math.max(0, ...types);
  const slots = types.map((t, i) => `SLOTS[${t}] = ${i + 1};`);
  const bit = (slot: number): string => `0x${(1 << slot >>> 0).toString(16)}`;
  const reads: string[] = [];
  chosen.forEach((x, i) => {
    const slot = i + 1;
    reads.push(
      `      if ((mask & ${bit(slot)}) !== 0) { // ${x.kernel} (${x.type})`,
      `        const v = P[${2 * slot}]!;`,
      `        const ve = P[${2 * slot + 1}]!;`,
      ...assign(x, x, a(x), '        '),
      '      }',
    );
  });
  const spanFill = spans.map(([name], k) => {
    const slot = chosen.length + k + 1;
    return `      if ((mask & ${bit(slot)}) !== 0) { spans[${2 * k}] = P[${2 * slot}]!; spans[${2 * k + 1}] = P[${2 * slot + 1}]!; } // ${name}`;
  });

  const header = data.map((f) => {
    const read = FIELD_READ[f.t]!(at(f.off));
    return `    const ${h(f)} = ${f.en !== null ? `f$${ident(f.name)}(${read})` : read};`;
  });
  const padChecks = pads.map((f) => `    if (${Array.from({ length: f.size }, (_, i) => `buf[${at(f.off + i)}] !== 0`).join(' || ')}) ${FALLBACK}`);
  const locals = chosen.map((x) => `    let ${a(x)}: unknown;`);
  const fill = [
    ...data.map((f) => `    out.${f.name} = ${h(f)};`),
    ...chosen.map((x) => `    attrs.${x.name} = ${a(x)};`),
  ];

  return [
    `/** ${cs.name} with ${chosen.map((x) => x.kernel).join(', ')}${spans.length > 0 ? `; the spans of ${spans.map(([n]) => n).join(', ')}` : ''}. */`,
    `export function ${fnName}(rt: ProjectionRuntime${spans.length > 0 ? ', spans?: Int32Array' : ''}): (buf: Buffer, s: number, e: number) => Record<string, unknown> {`,
    '  const fallback = rt.fallback;',
    ...setup.map((l) => `  ${l}`),
    `  const SLOTS = new Uint8Array(${maxType + 1});`,
    `  ${slots.join(' ')}`,
    '  // Where the scan found each slot\'s attribute: its payload [start, end) at 2 * slot.',
    `  const P = new Int32Array(${2 * (types.length + 1)});`,
    `  const attrs: Record<string, unknown> = {${chosen.map((x) => ` ${x.name}: undefined`).join(',')} };`,
    `  const out: Record<string, unknown> = {${data.map((f) => ` ${f.name}: undefined`).join(',')}, attrs };`,
    '  /** The mask of the slots found (their places in P), or -1: hand the message over. */',
    '  const scan = (buf: Buffer, s: number, e: number): number => {',
    '    let mask = 0;',
    `    for (let off = s + ${attrsAt}; off < e; ) {`,
    '      if (e - off < 4) return -1;',
    '      const len = buf[off]! | (buf[off + 1]! << 8);',
    '      if (len < 4 || off + len > e) return -1;',
    '      const type = (buf[off + 2]! | (buf[off + 3]! << 8)) & 0x3fff;',
    `      const slot = type <= ${maxType} ? SLOTS[type]! : 0;`,
    '      if (slot !== 0) {',
    '        if ((mask & (1 << slot)) === 0) {',
    '          mask |= 1 << slot;',
    '          P[2 * slot] = off + 4;',
    '          P[2 * slot + 1] = off + len;',
    `        } else if (slot <= ${chosen.length}) {`,
    '          return -1;',
    '        }',
    '      }',
    '      off += (len + 3) & ~3;',
    '    }',
    '    return mask;',
    '  };',
    '  return (buf, s, e) => {',
    ...(spans.length > 0 ? [`    if (spans !== undefined) { ${spans.map((_, k) => `spans[${2 * k}] = -1;`).join(' ')} }`] : []),
    `    if (e - s < ${cs.size}) ${FALLBACK}`,
    ...padChecks,
    '    const mask = scan(buf, s, e);',
    `    if (mask < 0) ${FALLBACK}`,
    ...(spans.length > 0 ? ['    if (spans !== undefined) {', ...spanFill, '    }'] : []),
    ...header,
    ...locals,
    ...(needsHeader ? ['    let header: Record<string, unknown> | undefined;'] : []),
    '    try {',
    ...reads,
    '    } catch {',
    `      ${FALLBACK}`,
    '    }',
    ...fill,
    '    return out;',
    '  };',
    '}',
  ].join('\n');
}
