/**
 * Datagrams to decoded messages, tolerant of bad input: a short or malformed message becomes an
 * item that says what is wrong (and keeps the bytes), never an exception. Then the two ways to
 * show the result: a tree for people, JSON for programs.
 */
import {
  DecodeError, NETLINK_GENERIC, NLMSG_ALIGNTO, NLMSG_DONE, NLMSG_ERROR, nlmsgFlagNames, NETLINK_ROUTE, NLMSG_HDRLEN, Registry, decodeMessage, nlmsgAlign, readHeader,
  type DecodedMessage, type NlMsgHeader,
} from '../../messages/index.js';
import type { Style } from '../style.js';
import type { Datagram } from './input.js';
import { hex, headerText, payloadNodes, type TreeNode } from './tree.js';

export type Item =
  | { readonly kind: 'message'; readonly offset: number; readonly len: number; readonly message: DecodedMessage }
  /** A message that is there but could not be decoded in full: its header, why, and its bytes. */
  | { readonly kind: 'broken'; readonly offset: number; readonly header: NlMsgHeader; readonly problem: string; readonly bytes: Buffer }
  | { readonly kind: 'problem'; readonly offset: number; readonly problem: string; readonly bytes?: Buffer }
  /** Zero bytes after the last message (a sender's fixed-size buffer): the kernel ignores them too. */
  | { readonly kind: 'padding'; readonly offset: number; readonly length: number };

export interface DecodedDatagram {
  readonly datagram: Datagram;
  readonly protocol: 'route' | 'generic' | 'other';
  /** The registry its messages were decoded with (the tree walks the same tables). */
  readonly registry: Registry;
  readonly items: readonly Item[];
}

export interface DecodeSummary {
  readonly datagrams: readonly DecodedDatagram[];
  readonly messages: number;
  /** Items that could not be decoded in full (truncated, malformed, unreadable lines). */
  readonly problems: number;
}

export type ProtocolChoice = 'route' | 'generic';

function protocolOf(d: Datagram, fallback: ProtocolChoice): DecodedDatagram['protocol'] {
  if (d.protocol === null) return fallback;
  if (d.protocol === 'NETLINK_ROUTE' || d.protocol === String(NETLINK_ROUTE)) return 'route';
  if (d.protocol === 'NETLINK_GENERIC' || d.protocol === String(NETLINK_GENERIC)) return 'generic';
  return 'other';
}

/** Cuts bytes into messages and decodes each, reporting what is short or wrong. */
export function decodeBytes(bytes: Buffer, registry: Registry, cut: boolean): Item[] {
  const items: Item[] = [];
  let off = 0;
  while (off < bytes.length) {
    const left = bytes.length - off;
    if (off > 0 && bytes.subarray(off).every((b) => b === 0)) {
      // Alignment padding is not worth a word; a longer zero tail is shown, but is no problem.
      if (left >= NLMSG_ALIGNTO) items.push({ kind: 'padding', offset: off, length: left });
      break;
    }
    if (left < NLMSG_HDRLEN) {
      items.push({ kind: 'problem', offset: off, problem: `truncated: ${left} byte${left === 1 ? '' : 's'} left, need ${NLMSG_HDRLEN} for a message header${cut ? ' (the tracer cut the data short)' : ''}`, bytes: Buffer.from(bytes.subarray(off)) });
      break;
    }
    const h = readHeader(bytes, off);
    if (h.len < NLMSG_HDRLEN) {
      items.push({ kind: 'broken', offset: off, header: h, problem: `bad nlmsg_len ${h.len}: shorter than the header itself; the rest is not framed`, bytes: Buffer.from(bytes.subarray(off)) });
      break;
    }
    if (h.len > left) {
      items.push({
        kind: 'broken', offset: off, header: h, bytes: Buffer.from(bytes.subarray(off + NLMSG_HDRLEN)),
        problem: `truncated: ${left} bytes left, need ${h.len}${cut ? ' (the tracer cut the data short: raise strace -s)' : ''}`,
      });
      break;
    }
    const payload = bytes.subarray(off + NLMSG_HDRLEN, off + h.len);
    try {
      items.push({ kind: 'message', offset: off, len: h.len, message: decodeMessage({ ...h, payload }, registry) });
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      items.push({ kind: 'broken', offset: off, header: h, problem: `cannot decode: ${err.message} (at byte ${err.offset} of the payload)`, bytes: Buffer.from(payload) });
    }
    off += nlmsgAlign(h.len);
  }
  return items;
}

export function decodeDatagrams(datagrams: readonly Datagram[], fallback: ProtocolChoice = 'route'): DecodeSummary {
  const registries = { route: Registry.rtnetlink(), generic: Registry.generic(), other: new Registry({ protocol: -1 }) };
  let messages = 0;
  let problems = 0;
  const out: DecodedDatagram[] = [];
  for (const d of datagrams) {
    const protocol = protocolOf(d, fallback);
    const registry = registries[protocol];
    const items: Item[] = [];
    for (const p of d.pieces) {
      if (p.kind === 'bytes') items.push(...decodeBytes(p.bytes, registry, p.cut));
      else if (p.kind === 'opaque') items.push({ kind: 'broken', offset: 0, header: p.header, problem: p.reason, bytes: Buffer.alloc(0) });
      else items.push({ kind: 'problem', offset: 0, problem: p.text });
    }
    for (const it of items) {
      if (it.kind === 'message') messages++;
      else if (it.kind !== 'padding') problems++;
    }
    out.push({ datagram: d, protocol, registry, items });
  }
  return { datagrams: out, messages, problems };
}

/* ------------------------------------------------------------------ text */

function renderNodes(nodes: readonly TreeNode[], depth: number, style: Style, out: string[]): void {
  const pad = '  '.repeat(depth);
  for (const n of nodes) {
    if (n.problem) {
      out.push(`${pad}${style.red(`! ${n.label}`)}`);
    } else {
      const kernel = n.kernel ? ` ${style.dim(`(${n.kernel})`)}` : '';
      const value = n.value !== undefined ? ` ${n.value}` : '';
      out.push(`${pad}${style.cyan(n.label)}${kernel}:${value}`);
    }
    if (n.children) renderNodes(n.children, depth + 1, style, out);
  }
}

function rawRows(b: Buffer): TreeNode[] {
  const rows: TreeNode[] = [];
  for (let i = 0; i < b.length; i += 16) rows.push({ label: i.toString(16).padStart(4, '0'), value: hex(b.subarray(i, i + 16)) });
  return rows;
}

export function renderText(summary: DecodeSummary, style: Style): string {
  const out: string[] = [];
  for (const dd of summary.datagrams) {
    const d = dd.datagram;
    const dir = d.direction === 'sent' ? 'sent to the kernel' : d.direction === 'received' ? 'received from the kernel' : null;
    const where = [d.label, dir, d.protocol].filter((x) => x !== null).join(', ');
    out.push(style.dim(`── ${where}`));
    const { registry } = dd;
    for (const it of dd.items) {
      if (it.kind === 'message') {
        const m = it.message;
        const { title, detail } = headerText({ ...m, len: it.len }, m.typeName, m.flagNames);
        out.push(`${style.bold(title)} ${style.dim(detail)}`);
        renderNodes(payloadNodes(m, registry), 1, style, out);
      } else if (it.kind === 'broken') {
        const entry = registry.lookup(it.header.type);
        const name = entry?.typeName ?? controlName(it.header.type);
        const { title, detail } = headerText(it.header, name, nlmsgFlagNames(it.header.flags, entry?.op ?? (it.header.type === NLMSG_ERROR || it.header.type === NLMSG_DONE ? 'ack' : undefined)));
        out.push(`${style.bold(title)} ${style.dim(detail)}`);
        out.push(`  ${style.red(`! ${it.problem}`)}`);
        if (it.bytes.length > 0) renderNodes([{ label: 'payload', value: `${it.bytes.length} bytes`, children: rawRows(it.bytes) }], 1, style, out);
      } else if (it.kind === 'padding') {
        out.push(style.dim(`(${it.length} zero bytes after the last message, ignored)`));
      } else {
        out.push(style.red(`! ${it.problem}`));
        if (it.bytes && it.bytes.length > 0) renderNodes(rawRows(it.bytes), 1, style, out);
      }
    }
    if (dd.items.length === 0) out.push(style.dim('  (no data)'));
  }
  return out.join('\n') + '\n';
}

function controlName(type: number): string {
  return ({ 1: 'NLMSG_NOOP', 2: 'NLMSG_ERROR', 3: 'NLMSG_DONE', 4: 'NLMSG_OVERRUN' } as Record<number, string>)[type] ?? String(type);
}

/* ------------------------------------------------------------------ JSON */

/** Bigints as strings, Buffers as hex strings; WIRE metadata (a symbol key) is left out. */
export function jsonSafe(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = jsonSafe(x);
    return o;
  }
  return v;
}

export function renderJson(summary: DecodeSummary): string {
  const datagrams = summary.datagrams.map((dd) => ({
    label: dd.datagram.label,
    direction: dd.datagram.direction,
    protocol: dd.datagram.protocol ?? dd.protocol,
    messages: dd.items.map((it) => {
      if (it.kind === 'message') return { offset: it.offset, len: it.len, ...(jsonSafe(it.message) as object) };
      if (it.kind === 'padding') return { offset: it.offset, padding: it.length };
      if (it.kind === 'broken') return { offset: it.offset, ...it.header, problem: it.problem, bytes: it.bytes.toString('hex') };
      return { offset: it.offset, problem: it.problem, ...(it.bytes ? { bytes: it.bytes.toString('hex') } : {}) };
    }),
  }));
  return JSON.stringify(datagrams, null, 2) + '\n';
}
