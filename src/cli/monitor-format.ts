/**
 * `nldb monitor` for people: each change on one line, as what changed.
 *
 *   12:00:01.204  + interface v0 #5: veth, down, mtu 1500
 *   12:00:01.210  ~ interface v0 #5: state down → up, operstate DOWN → UP
 *   12:00:01.215  - address 10.0.0.1/24 dev v0  (link-removed)
 *   12:00:02.001  + route 10.9.0.0/24 via 10.0.0.2 dev v0 table main  [resync]
 *
 * '+' appeared, '-' went, '~' changed (only the fields that differ, before → after). Changes a
 * resynchronisation found are marked [resync], our own commits [commit]; an inferred change
 * says why in parentheses (the database's `reason`). Pure: changes in, text out.
 */
import { IFA_F, IFF, NTF } from '../messages/index.js';
import type {
  AnyChange, AddressRecord, AnyRecord, InterfaceRecord, NeighbourRecord, RecordKind, RouteRecord, RuleRecord,
} from '../index.js';
import { ruleAction, tableName, type IfNames } from './show-format.js';
import { ruleSelectors } from '../transactions/ops.js';
import type { Style } from './style.js';

/** The object in a few words, as ip would name it. */
export function describeRecord(kind: RecordKind, r: AnyRecord, names: IfNames): string {
  switch (kind) {
    case 'interface': {
      const i = r as InterfaceRecord;
      return `${i.ifname} #${i.index}`;
    }
    case 'address': {
      const a = r as AddressRecord;
      return `${a.address}/${a.prefixlen}${a.peer ? ` peer ${a.peer}` : ''} dev ${names(a.index)}`;
    }
    case 'route': {
      const x = r as RouteRecord;
      const parts = [x.type !== 'unicast' ? `${x.type} ${x.dst}` : x.dst];
      if (x.src) parts.push(`from ${x.src}`);
      if (x.gateway) parts.push(`via ${x.gateway}`);
      if (x.oif !== null) parts.push(`dev ${names(x.oif)}`);
      if (x.onlink) parts.push('onlink');
      if (x.multipath) parts.push(`(${x.multipath.length} nexthops)`);
      parts.push(`table ${tableName(x.table)}`);
      if (x.priority !== null) parts.push(`metric ${x.priority}`);
      // (An IPv4 route's metrics are part of what it is: one whose mtu changed is another route,
      // a '-' and a '+' that would read alike without them.)
      if (x.tos) parts.push(`tos ${x.tos}`);
      if (x.metrics) for (const [k, v] of Object.entries(x.metrics)) parts.push(`${k} ${v}`);
      return parts.join(' ');
    }
    case 'rule': {
      const u = r as RuleRecord;
      // Every selector: '302: from 10.0.0.0/8 lookup 100' for 'not from 10.0.0.0/8' reads as the opposite rule.
      const parts = [`${u.priority}:`, ...ruleSelectors(u), u.l3mdev ? 'lookup [l3mdev-table]' : ruleAction(u)];
      if (u.suppressPrefixlen != null) parts.push(`suppress_prefixlength ${u.suppressPrefixlen}`);
      if (u.suppressIfgroup != null) parts.push(`suppress_ifgroup ${u.suppressIfgroup}`);
      return parts.join(' ');
    }
    case 'neighbour': {
      const n = r as NeighbourRecord;
      return `${n.dst} dev ${names(n.index)}`;
    }
  }
}

/** A few facts worth seeing when an object appears or goes. */
function summary(kind: RecordKind, r: AnyRecord): string {
  switch (kind) {
    case 'interface': {
      const i = r as InterfaceRecord;
      return [i.kind ?? 'device', i.state, `mtu ${i.mtu}`, i.address ? i.address : null].filter((x) => x !== null).join(', ');
    }
    case 'neighbour': {
      const n = r as NeighbourRecord;
      return [n.lladdr, n.state].filter((x) => x !== null).join(', ');
    }
    case 'route': {
      const x = r as RouteRecord;
      return `proto ${x.protocol}, scope ${x.scope}`;
    }
    default:
      return '';
  }
}

/** A field's value in words: bit sets by name, interface indexes by name. */
export function formatField(kind: RecordKind, field: string, v: unknown, names: IfNames): string {
  if (typeof v === 'number') {
    if (field === 'flags') {
      const set = kind === 'interface' ? IFF : kind === 'address' ? IFA_F : kind === 'neighbour' ? NTF : null;
      // (No bit set: 'none', as an absent value reads, not a number among names.)
      if (set) return v === 0 ? 'none' : set.names(v).join(',').toLowerCase();
    }
    if ((kind === 'interface' && (field === 'master' || field === 'link')) || field === 'oif' || (kind !== 'interface' && field === 'index')) {
      return names(v) ?? String(v);
    }
  }
  return formatValue(v);
}

export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'string') return v === '' ? "''" : v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** The fields whose values differ, in the record's own order (the change's list, if it has one). */
export function changedFields(before: AnyRecord, after: AnyRecord, listed?: readonly string[]): string[] {
  if (listed && listed.length > 0) return [...listed];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => !sameValue((before as unknown as Record<string, unknown>)[k], (after as unknown as Record<string, unknown>)[k]));
}

/**
 * A changed field as 'mtu 1500 → 1400'. A field holding an object on both sides (a link's info or
 * port settings, a route's metrics) gives one such part per key that differs, under its dotted
 * name ('info.ttl 10 → 20'): the whole object twice would bury the one change.
 */
export function fieldChanges(kind: RecordKind, field: string, before: unknown, after: unknown, names: IfNames, style: Style): string[] {
  const part = (name: string, b: string, a: string): string => `${name} ${style.dim(b)} → ${style.bold(a)}`;
  if (isPlainObject(before) && isPlainObject(after)) {
    return [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .filter((k) => !sameValue(before[k], after[k]))
      .map((k) => part(`${field}.${k}`, formatValue(before[k]), formatValue(after[k])));
  }
  return [part(field, formatField(kind, field, before, names), formatField(kind, field, after, names))];
}

export function clock(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export interface ChangeLineOptions {
  readonly names: IfNames;
  readonly style: Style;
  /** When it was seen; omitted from the line when absent. */
  readonly at?: Date;
}

/** One change as one line of text (no newline). */
export function formatChange(c: AnyChange, o: ChangeLineOptions): string {
  const { style, names } = o;
  const rec = (c.after ?? c.before) as AnyRecord;
  // (A route that changes in place, an IPv6 one, says its metrics in the change itself.)
  const named = c.op === 'change' && c.kind === 'route' ? { ...(rec as RouteRecord), metrics: null } : rec;
  const what = `${c.kind} ${describeRecord(c.kind, named, names)}`;
  let sign: string;
  let body: string;
  if (c.op === 'add') {
    sign = style.green('+');
    const s = summary(c.kind, rec);
    body = `${style.green(what)}${s ? `: ${s}` : ''}`;
  } else if (c.op === 'remove') {
    sign = style.red('-');
    body = style.red(what);
  } else {
    sign = style.yellow('~');
    const before = c.before as AnyRecord;
    const after = c.after as AnyRecord;
    const diffs = changedFields(before, after, c.fields).flatMap((f) =>
      fieldChanges(c.kind, f, (before as unknown as Record<string, unknown>)[f], (after as unknown as Record<string, unknown>)[f], names, style));
    // The description uses the new values (an interface renamed reads under its new name).
    body = `${style.yellow(what)}: ${diffs.length > 0 ? diffs.join(', ') : 'no visible difference'}`;
  }
  const tags: string[] = [];
  if (c.reason) tags.push(style.dim(`(${c.reason})`));
  if (c.origin !== 'kernel') tags.push(style.magenta(`[${c.origin}]`));
  const time = o.at ? `${style.dim(clock(o.at))}  ` : '';
  return `${time}${sign} ${body}${tags.length > 0 ? `  ${tags.join(' ')}` : ''}`;
}

/** The change as one line of JSON: the Change object itself (records are JSON-safe). */
export function changeJson(c: AnyChange, at?: Date): string {
  return JSON.stringify({ ...(at ? { time: at.toISOString() } : {}), ...c });
}

/**
 * Keeps index -> name current while changes stream by, so a line about an address names its
 * interface even after the interface is gone (a removal's name is kept until the next add).
 */
export class NameBook {
  readonly #names = new Map<number, string>();

  constructor(interfaces: readonly InterfaceRecord[] = []) {
    for (const i of interfaces) this.#names.set(i.index, i.ifname);
  }

  /** Learns from a change; call before formatting it. */
  learn(c: AnyChange): void {
    if (c.kind !== 'interface') return;
    const r = (c.after ?? c.before) as InterfaceRecord;
    this.#names.set(r.index, r.ifname);
  }

  readonly lookup: IfNames = (index) => (index === null ? null : this.#names.get(index) ?? `#${index}`);
}

/**
 * A marker line before changes a resynchronisation found: the database re-read part of the state
 * from the kernel (after the kernel dropped events, or when events arrived in an order it could
 * not settle), and what differed follows.
 */
export function formatResync(kinds: readonly string[], style: Style, at?: Date): string {
  const time = at ? `${style.dim(clock(at))}  ` : '';
  return `${time}${style.magenta(`= resync of ${kinds.join(', ')}: re-read from the kernel; what differed follows, marked [resync]`)}`;
}
