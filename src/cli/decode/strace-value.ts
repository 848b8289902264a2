/**
 * The value syntax strace prints syscall arguments in: structs `{a=1, b=[...]}`, arrays `[...]`,
 * C strings `"\x1c\x00..."` (possibly cut short: `"..."...`) and atoms (`NLM_F_REQUEST|0x300`,
 * `-ENODEV`, `if_nametoindex("v0")`, `0x10 /* NLMSG_??? *\/`). Parsed into a small tree so the
 * netlink bytes can be rebuilt from it; nothing here knows about netlink.
 */

export type StraceValue =
  | { readonly kind: 'struct'; readonly entries: readonly { readonly key: string | null; readonly value: StraceValue }[] }
  | { readonly kind: 'array'; readonly items: readonly StraceValue[] }
  /** A C string; `truncated` when strace cut it short (its -s limit) and printed `...` after it. */
  | { readonly kind: 'string'; readonly bytes: Buffer; readonly truncated: boolean }
  /** Anything else, comments removed and trimmed: a number, a constant expression, a call. */
  | { readonly kind: 'atom'; readonly text: string };

export class StraceSyntaxError extends Error {
  override name = 'StraceSyntaxError';
  constructor(message: string, readonly offset: number) {
    super(`${message} at column ${offset + 1}`);
  }
}

/**
 * Decodes the body of a C string as strace prints it (without the quotes): `\xNN` (-x/-xx),
 * octal `\N`..`\NNN` (strace's default for non-printable bytes), `\n \t \r \v \f \" \\`, and
 * printable bytes as themselves (their UTF-8 bytes, for pasted text).
 */
export function unescapeC(body: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      for (const b of Buffer.from(c, 'utf8')) out.push(b);
      continue;
    }
    const n = body[i + 1];
    if (n === undefined) { out.push(0x5c); break; }
    if (n === 'x' && /^[0-9a-fA-F]/.test(body[i + 2] ?? '')) {
      let j = i + 2;
      let hex = '';
      while (j < body.length && hex.length < 2 && /[0-9a-fA-F]/.test(body[j]!)) hex += body[j++];
      out.push(parseInt(hex, 16));
      i = j - 1;
      continue;
    }
    if (n >= '0' && n <= '7') {
      // strace pads an octal escape to three digits when a digit follows, so greedy is exact.
      let j = i + 1;
      let oct = '';
      while (j < body.length && oct.length < 3 && body[j]! >= '0' && body[j]! <= '7') oct += body[j++];
      out.push(parseInt(oct, 8) & 0xff);
      i = j - 1;
      continue;
    }
    const simple: Record<string, number> = { n: 10, t: 9, r: 13, v: 11, f: 12, a: 7, b: 8, e: 27, '"': 34, '\\': 92, "'": 39, '?': 63 };
    const v = simple[n];
    if (v !== undefined) out.push(v);
    else for (const b of Buffer.from(n, 'utf8')) out.push(b);
    i += 1;
  }
  return Buffer.from(out);
}

/** A cursor over one line of strace output. */
export class StraceReader {
  pos = 0;
  constructor(readonly text: string) {}

  skipSpace(): void {
    while (this.pos < this.text.length) {
      const c = this.text[this.pos]!;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { this.pos++; continue; }
      if (this.text.startsWith('/*', this.pos)) {
        const end = this.text.indexOf('*/', this.pos + 2);
        this.pos = end < 0 ? this.text.length : end + 2;
        continue;
      }
      break;
    }
  }

  peek(): string | undefined {
    this.skipSpace();
    return this.text[this.pos];
  }

  expect(c: string): void {
    if (this.peek() !== c) throw new StraceSyntaxError(`expected '${c}'`, this.pos);
    this.pos++;
  }

  /** One value; stops before the `,` `}` `]` or `)` that ends it. */
  value(): StraceValue {
    const c = this.peek();
    if (c === undefined) throw new StraceSyntaxError('unexpected end of line', this.pos);
    if (c === '{') return this.struct();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    return this.atom();
  }

  private struct(): StraceValue {
    this.expect('{');
    const entries: { key: string | null; value: StraceValue }[] = [];
    while (this.peek() !== '}') {
      if (this.peek() === undefined) throw new StraceSyntaxError("unterminated '{'", this.pos);
      const m = /^([A-Za-z_][\w.]*)=/.exec(this.text.slice(this.pos, this.pos + 200));
      let key: string | null = null;
      if (m) { key = m[1]!; this.pos += m[0].length; }
      entries.push({ key, value: this.value() });
      if (this.peek() === ',') this.pos++;
    }
    this.pos++;
    return { kind: 'struct', entries };
  }

  private array(): StraceValue {
    this.expect('[');
    const items: StraceValue[] = [];
    while (this.peek() !== ']') {
      if (this.peek() === undefined) throw new StraceSyntaxError("unterminated '['", this.pos);
      items.push(this.value());
      if (this.peek() === ',') this.pos++;
    }
    this.pos++;
    return { kind: 'array', items };
  }

  private string(): StraceValue {
    this.expect('"');
    const start = this.pos;
    let i = this.pos;
    while (i < this.text.length && this.text[i] !== '"') i += this.text[i] === '\\' ? 2 : 1;
    if (i >= this.text.length) throw new StraceSyntaxError('unterminated string', start - 1);
    const bytes = unescapeC(this.text.slice(start, i));
    this.pos = i + 1;
    let truncated = false;
    if (this.text.startsWith('...', this.pos)) { truncated = true; this.pos += 3; }
    return { kind: 'string', bytes, truncated };
  }

  private atom(): StraceValue {
    const start = this.pos;
    let depth = 0;
    let text = '';
    while (this.pos < this.text.length) {
      const c = this.text[this.pos]!;
      if (this.text.startsWith('/*', this.pos)) {
        const end = this.text.indexOf('*/', this.pos + 2);
        this.pos = end < 0 ? this.text.length : end + 2;
        continue;
      }
      if (c === '"') {
        let i = this.pos + 1;
        while (i < this.text.length && this.text[i] !== '"') i += this.text[i] === '\\' ? 2 : 1;
        text += this.text.slice(this.pos, i + 1);
        this.pos = i + 1;
        continue;
      }
      if (c === '(' || c === '{' || c === '[') depth++;
      else if (c === ')' || c === '}' || c === ']') { if (depth === 0) break; depth--; }
      else if (c === ',' && depth === 0) break;
      text += c;
      this.pos++;
    }
    text = text.trim();
    if (text === '') throw new StraceSyntaxError('expected a value', start);
    return { kind: 'atom', text };
  }
}

/** Parses one complete value (e.g. a pasted iov_base). */
export function parseStraceValue(text: string): StraceValue {
  const r = new StraceReader(text);
  const v = r.value();
  if (r.peek() !== undefined) throw new StraceSyntaxError('unexpected text after the value', r.pos);
  return v;
}

/** A struct's field by name. */
export function field(v: StraceValue | undefined, key: string): StraceValue | undefined {
  if (v?.kind !== 'struct') return undefined;
  return v.entries.find((e) => e.key === key)?.value;
}

export interface StraceCall {
  /** The process id strace put in front of the line, when it did (-f). */
  pid: number | null;
  name: string;
  args: StraceValue[];
  /** The return value's text ('52', '-1 EAGAIN (Resource temporarily unavailable)'), or null if unfinished. */
  ret: string | null;
}

/**
 * Parses `name(arg, arg, ...) = ret` (after any pid or timestamp prefix has been removed).
 * Arguments that fail to parse make the whole call fail: the caller shows that as such.
 */
export function parseCall(text: string, pid: number | null): StraceCall {
  const m = /^(\w+)\(/.exec(text);
  if (!m) throw new StraceSyntaxError('not a system call', 0);
  const r = new StraceReader(text);
  r.pos = m[0].length;
  const args: StraceValue[] = [];
  while (r.peek() !== ')') {
    if (r.peek() === undefined) throw new StraceSyntaxError('unterminated argument list', r.pos);
    args.push(r.value());
    if (r.peek() === ',') r.pos++;
  }
  r.pos++;
  const rest = text.slice(r.pos).trim();
  const ret = rest.startsWith('=') ? rest.slice(1).trim() : null;
  return { pid, name: m[1]!, args, ret };
}
