/**
 * How a checkpoint stores records: a "part" is one slice of one kind's records, as compact JSON,
 * column by column.
 *
 *   {"v":1,"n":3,"fields":["family","table","dst",...],
 *    "cols":[[[4],[3]], [[254,255],[2,1]], {"lines":"10.0.0.0/8\n10.1.0.0/16\n10.1.0.1"}, ...]}
 *
 * `fields` are the record's fields (STATE_TABLES order, which is the records' own); `cols[i]` holds
 * field i of every record: `[values]` with one value per record, `[values, runs]` where `runs[j]`
 * records in a row hold `values[j]` (family, table, protocol, scope are the same over long
 * stretches), or `{"lines": ...}`: one string per record, joined by newlines (a column of strings
 * none of which needs escaping in JSON, such as addresses). Only numbers, strings, booleans and
 * null are merged into runs: objects (multipath, metrics, altnames, info) stay one per record, so
 * no two decoded records share one. Keys are not stored: they are the database's keyOf of the
 * record (parts.ts recomputes them; the writer gets them from the database when it fills the
 * state tables).
 *
 * WHY this and not JSON.stringify of the records: a baseline of the bench namespace (114,000
 * objects) costs JSON.stringify ~120 ms of the main thread and makes 26 MB (its keys: +30 ms,
 * +8 MB), which the writer then needs 50-120 ms to put in the file; this costs ~60 ms and makes
 * 4.4 MB. Reading a record's fields by name through a generated reader (below), and joining
 * strings instead of quoting each (below), is most of the gain.
 */
import type { RecordKind } from '../iproute/records.js';
import { STATE_TABLES } from './state-tables.js';

/** The format's version, in every part ("v"): decodePart refuses others. */
export const PART_FORMAT = 1;

/** Reads field `fields[i]` of every record of `shards`, in order, into `cols[i]`; returns the count. */
type ColumnReader = (shards: readonly ReadonlyMap<string, unknown>[], cols: unknown[][]) => number;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * A reader made for one field list. WHY generated: a loop reading `r[fields[i]]` makes every read a
 * lookup by a name the engine cannot predict (measured ~45 ms for the bench baseline); a function
 * that spells `r.family`, `r.table`, ... reads each field at a known offset (~25 ms). The field
 * names are the state tables' own identifiers (checked), never data.
 */
function compileReader(fields: readonly string[]): ColumnReader {
  for (const f of fields) if (!IDENTIFIER.test(f)) throw new Error(`not a field name: ${JSON.stringify(f)}`);
  const cols = fields.map((_, j) => `const c${j} = cols[${j}];`).join(' ');
  const reads = fields.map((f, j) => `c${j}[i] = r.${f};`).join(' ');
  return new Function('shards', 'cols', `${cols} let i = 0; for (const shard of shards) for (const r of shard.values()) { ${reads} i++; } return i;`) as ColumnReader;
}

interface KindCodec {
  readonly fields: readonly string[];
  readonly read: ColumnReader;
  /**
   * Column arrays, reused from one part to the next (encodePart is synchronous and done with them
   * when it returns): a baseline of 100,000 records would otherwise allocate 1.5 million slots
   * anew, which the garbage collector then copies around while the parts are encoded.
   */
  readonly cols: unknown[][];
}

/** A memo of readers and scratch columns, not state: nothing in it outlives one encodePart call. */
const codecs = new Map<RecordKind, KindCodec>();

function codecOf(kind: RecordKind): KindCodec {
  let c = codecs.get(kind);
  if (!c) {
    const fields = STATE_TABLES[kind].columns.map((col) => col.field as string);
    codecs.set(kind, (c = { fields, read: compileReader(fields), cols: fields.map(() => []) }));
  }
  return c;
}

const mergeable = (v: unknown): boolean => v === null || typeof v !== 'object';

/** How many values of a column are looked at before deciding it has no runs worth finding. */
const PROBE = 64;

/** Characters JSON would escape, but the newline (the separator, counted apart). */
const NEEDS_ESCAPE = /[\u0000-\u0009\u000b-\u001f"\\\ud800-\udfff]/;

/**
 * A column of strings as one string, joined by newlines, or null when one value is not a string
 * or holds a character JSON would escape. WHY: JSON.stringify flattens each string it quotes (a
 * dst made by concatenation is a rope until then), which for 100,000 routes' dsts costs ~40 ms;
 * join copies their characters without, and the test runs once over the joined text (~15 ms).
 */
function lines(values: unknown[]): { lines: string } | null {
  const n = values.length;
  for (let i = 0; i < n; i++) if (typeof values[i] !== 'string') return null;
  const text = values.join('\n');
  if (NEEDS_ESCAPE.test(text)) return null;
  // n - 1 newlines: the separators, none inside a value
  let newlines = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) if (++newlines >= n) return null;
  return newlines === n - 1 ? { lines: text } : null;
}

/** One column as `[values]`, `[values, runs]` or `{ lines }` (see the file comment). */
function column(values: unknown[]): unknown[] | { lines: string } {
  const n = values.length;
  // A column whose first values never repeat (dst, gateway, an interface's name) is kept whole:
  // comparing its strings to their neighbours would cost more than the runs save (a dst built by
  // concatenation is compared piece by piece).
  let repeats = 0;
  const probe = Math.min(n, PROBE);
  for (let i = 1; i < probe; i++) if (values[i] === values[i - 1] && mergeable(values[i])) repeats++;
  if (repeats * 8 < probe) return lines(values) ?? [values];
  const vals: unknown[] = [];
  const runs: number[] = [];
  let prev = values[0];
  let run = 1;
  for (let i = 1; i < n; i++) {
    const v = values[i];
    if (v === prev && mergeable(v)) run++;
    else {
      vals.push(prev);
      runs.push(run);
      prev = v;
      run = 1;
    }
  }
  if (n > 0) {
    vals.push(prev);
    runs.push(run);
  }
  return vals.length === n ? [values] : [vals, runs];
}

/** One part: the records of `shards` (in their order) as JSON text. */
export function encodePart(kind: RecordKind, shards: readonly ReadonlyMap<string, unknown>[]): { text: string; count: number } {
  const { fields, read, cols } = codecOf(kind);
  let n = 0;
  for (const s of shards) n += s.size;
  for (const c of cols) c.length = n;
  try {
    const count = read(shards, cols);
    if (count !== n) throw new Error(`encodePart: read ${count} records of ${n}`);
    return { text: JSON.stringify({ v: PART_FORMAT, n, fields, cols: cols.map(column) }), count: n };
  } finally {
    // what the records hold is not kept alive by the codec
    for (const c of cols) c.fill(undefined);
  }
}

/**
 * The records of a part, in order. Self-contained on purpose (no imports, no outer names): the
 * writer thread runs this very function, from its source text, to fill the state tables.
 */
export function decodePart(text: string): Record<string, unknown>[] {
  type Column = [unknown[], number[] | undefined] | { lines: string };
  const p = JSON.parse(text) as { v: number; n: number; fields: string[]; cols: Column[] };
  if (p.v !== 1) throw new Error(`checkpoint part format ${String(p.v)} is not known to this nldb`);
  const n = p.n;
  const out = new Array<Record<string, unknown>>(n);
  for (let i = 0; i < n; i++) out[i] = {};
  for (let f = 0; f < p.fields.length; f++) {
    const name = p.fields[f]!;
    const col = p.cols[f]!;
    const [vals, runs] = Array.isArray(col) ? col : [n === 0 ? [] : col.lines.split('\n'), undefined];
    if (runs === undefined) {
      for (let i = 0; i < n; i++) out[i]![name] = vals[i];
    } else {
      let i = 0;
      for (let j = 0; j < vals.length; j++) {
        const v = vals[j];
        for (let r = runs[j]!; r > 0; r--) out[i++]![name] = v;
      }
    }
  }
  return out;
}
