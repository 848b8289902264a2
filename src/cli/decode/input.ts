/**
 * What `nldb decode` reads, turned into datagrams of bytes. Accepted, and recognised by looking:
 *
 * - strace output (`strace -f -x -s 65535 -e trace=network ...`), whole lines with pid and time
 *   prefixes; with `-e read=all -e write=all` the hex dumps under each call are used as they are
 *   exact, otherwise the bytes are rebuilt from the call's arguments (rebuild.ts).
 * - strace hex dump lines alone (` | 00000  1c 00 00 00 ...  |....|`).
 * - C strings as strace prints them (`"\x1c\x00\x00\x00\x10\x00..."`), one datagram per string;
 *   or escaped text without quotes, one datagram per line.
 * - Plain hex, spaces and newlines ignored; a blank line starts another datagram.
 */
import { rebuild, type Piece } from './rebuild.js';
import { parseCall, StraceSyntaxError, unescapeC, type StraceCall, type StraceValue, field } from './strace-value.js';

export interface Datagram {
  /** Where it came from, for the heading ('sendmsg on fd 4', 'string 2', 'hex block 1'). */
  readonly label: string;
  readonly direction: 'sent' | 'received' | null;
  /** The socket's protocol when the trace says it ('NETLINK_ROUTE'), else null. */
  readonly protocol: string | null;
  readonly pieces: readonly Piece[];
}

export type InputFormat = 'strace' | 'hexdump' | 'string' | 'hex';

const DUMP_LINE = /^ \| ([0-9a-f]{5,}) {2}(.*)$/;
// `[pid 123] `, `123 ` (with -f to a file), then timestamps (-t, -tt, -ttt, -r) before the call.
const PREFIX = /^(?:\[pid\s+(\d+)\]\s+|(\d+)\s+)?(?:\d+(?::\d+)*(?:\.\d+)?\s+)*/;
const DATA_CALLS = new Set(['sendto', 'sendmsg', 'recvmsg', 'recvfrom', 'send', 'recv', 'write', 'read']);
const CALL_START = /^(\w+)\(/;

export function detectFormat(text: string): InputFormat | null {
  const lines = text.split('\n');
  if (lines.some((l) => isCallLine(l))) return 'strace';
  if (lines.some((l) => DUMP_LINE.test(l))) return 'hexdump';
  if (/"|\\/.test(text)) return 'string';
  const bare = text.replace(/\s+/g, '');
  if (bare.length > 0 && /^(0x)?[0-9a-fA-F]+$/.test(bare)) return 'hex';
  return null;
}

function isCallLine(line: string): boolean {
  const rest = line.replace(PREFIX, '');
  const m = CALL_START.exec(rest);
  return m !== null && (DATA_CALLS.has(m[1]!) || m[1] === 'socket') || rest.startsWith('<... ');
}

export class InputError extends Error {
  override name = 'InputError';
}

/** Turns input text into datagrams. Throws InputError when nothing in it looks decodable. */
export function readDatagrams(text: string, format: InputFormat | null = detectFormat(text)): Datagram[] {
  switch (format) {
    case 'strace': return fromStrace(text);
    case 'hexdump': return fromHexDump(text);
    case 'string': return fromStrings(text);
    case 'hex': return fromHex(text);
    default: throw new InputError('nothing to decode: expected strace output, a hex dump, an escaped string or hex');
  }
}

function dumpBytes(rest: string): number[] {
  // 16 bytes of "xx " with an extra space after the eighth: 49 columns, then the ASCII column.
  const out: number[] = [];
  for (const m of rest.slice(0, 49).matchAll(/[0-9a-f]{2}/g)) out.push(parseInt(m[0], 16));
  return out;
}

function fromHexDump(text: string): Datagram[] {
  const out: Datagram[] = [];
  let cur: number[] | null = null;
  const flush = () => { if (cur) out.push({ label: `hex dump ${out.length + 1}`, direction: null, protocol: null, pieces: [{ kind: 'bytes', bytes: Buffer.from(cur), cut: false }] }); };
  for (const line of text.split('\n')) {
    const m = DUMP_LINE.exec(line);
    if (!m) continue;
    if (parseInt(m[1]!, 16) === 0) { flush(); cur = []; }
    (cur ??= []).push(...dumpBytes(m[2]!));
  }
  flush();
  return out;
}

function fromStrings(text: string): Datagram[] {
  const out: Datagram[] = [];
  const quoted = [...text.matchAll(/"((?:[^"\\]|\\.)*)"/g)];
  const bodies = quoted.length > 0 ? quoted.map((m) => m[1]!) : text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  for (const body of bodies) {
    out.push({ label: `string ${out.length + 1}`, direction: null, protocol: null, pieces: [{ kind: 'bytes', bytes: unescapeC(body), cut: false }] });
  }
  return out;
}

function fromHex(text: string): Datagram[] {
  return text.split(/\n\s*\n/).map((b) => b.replace(/\s+/g, '').replace(/^0x/i, '')).filter((b) => b !== '').map((b, i) => {
    const pieces: Piece[] = [];
    const even = b.length - (b.length % 2);
    pieces.push({ kind: 'bytes', bytes: Buffer.from(b.slice(0, even), 'hex'), cut: false });
    if (even !== b.length) pieces.push({ kind: 'problem', text: `odd number of hex digits: the last one ('${b.slice(even)}') is ignored` });
    return { label: `hex block ${i + 1}`, direction: null, protocol: null, pieces };
  });
}

interface TracedCall {
  call: StraceCall | null;
  /** The line as text, for a problem report when it did not parse. */
  text: string;
  error: string | null;
  dump: number[] | null;
}

/** Collects calls (joining `<unfinished ...>` with `<... resumed>`) and the hex dumps after them. */
function collectCalls(text: string): TracedCall[] {
  const calls: TracedCall[] = [];
  const unfinished = new Map<number, string>();
  let last: TracedCall | null = null;
  for (const line of text.split('\n')) {
    const dm = DUMP_LINE.exec(line);
    if (dm) {
      if (last) (last.dump ??= []).push(...dumpBytes(dm[2]!));
      continue;
    }
    if (/^ \* \d+ bytes in buffer/.test(line)) continue;
    const pm = PREFIX.exec(line)!;
    const pid = pm[1] ?? pm[2];
    const pidNum = pid !== undefined ? Number(pid) : null;
    let rest = line.slice(pm[0].length).trimEnd();
    const resumed = /^<\.\.\. (\w+) resumed>\s?(.*)$/.exec(rest);
    if (resumed) {
      const head = unfinished.get(pidNum ?? -1);
      if (head === undefined) { last = null; continue; }
      unfinished.delete(pidNum ?? -1);
      rest = head + resumed[2]!;
    } else if (rest.endsWith('<unfinished ...>')) {
      if (CALL_START.test(rest)) unfinished.set(pidNum ?? -1, rest.slice(0, -'<unfinished ...>'.length));
      last = null;
      continue;
    }
    const m = CALL_START.exec(rest);
    if (!m || !(DATA_CALLS.has(m[1]!) || m[1] === 'socket')) { last = null; continue; }
    let entry: TracedCall;
    try {
      entry = { call: parseCall(rest, pidNum), text: rest, error: null, dump: null };
    } catch (err) {
      if (!(err instanceof StraceSyntaxError)) throw err;
      entry = { call: null, text: rest, error: err.message, dump: null };
    }
    calls.push(entry);
    last = entry;
  }
  return calls;
}

function atomText(v: StraceValue | undefined): string | undefined {
  return v?.kind === 'atom' ? v.text : undefined;
}

/** The data argument of a send/recv call: one value, or the iov_base of each element of msg_iov. */
function dataOf(call: StraceCall): StraceValue[] {
  if (call.name === 'sendmsg' || call.name === 'recvmsg') {
    const iov = field(call.args[1], 'msg_iov');
    if (iov?.kind !== 'array') return [];
    return iov.items.map((i) => field(i, 'iov_base')).filter((v): v is StraceValue => v !== undefined);
  }
  return call.args[1] ? [call.args[1]] : [];
}

function fromStrace(text: string): Datagram[] {
  const protocols = new Map<string, string | null>();
  const out: Datagram[] = [];
  for (const t of collectCalls(text)) {
    if (!t.call) {
      const name = CALL_START.exec(t.text)?.[1] ?? 'a line';
      if (name !== 'socket') out.push({ label: name, direction: null, protocol: null, pieces: [{ kind: 'problem', text: `cannot read strace's line: ${t.error}` }] });
      continue;
    }
    const { call } = t;
    const fd = atomText(call.args[0]) ?? '?';
    if (call.name === 'socket') {
      const ret = call.ret?.match(/^\d+/)?.[0];
      if (ret !== undefined) protocols.set(ret, atomText(call.args[0]) === 'AF_NETLINK' ? (atomText(call.args[2]) ?? null) : 'not netlink');
      continue;
    }
    const protocol = protocols.get(fd) ?? null;
    if (protocol === 'not netlink') continue;
    // A failed call (-1 EAGAIN) moved no data; nor did a peek at the size (iov_base=NULL).
    if (call.ret === null || call.ret.startsWith('-')) continue;
    const direction = call.name.startsWith('send') || call.name === 'write' ? 'sent' : 'received';
    const label = `${call.name} on fd ${fd}${call.pid !== null ? ` (pid ${call.pid})` : ''}`;
    let pieces: Piece[];
    if (t.dump) {
      pieces = [{ kind: 'bytes', bytes: Buffer.from(t.dump), cut: false }];
    } else {
      pieces = dataOf(call).flatMap((v) => rebuild(v));
    }
    if (pieces.length === 0) continue;
    out.push({ label, direction, protocol, pieces });
  }
  return out;
}
