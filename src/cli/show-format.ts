/**
 * `nldb show` for people: one table per kind of record (src/iproute/records.ts), in iproute2's
 * words (tables 'main'/'local', 'lookup', 'via', 'dev'). Interface indexes are shown as names
 * where the snapshot has them. Pure: records in, text out.
 */
import { IFA_F, NTF, RT_TABLE } from '../messages/index.js';
import type {
  AddressRecord, InterfaceRecord, NeighbourRecord, NextHop, RouteRecord, RuleRecord,
} from '../index.js';
import type { Style } from './style.js';
import { renderTable, type Column } from './table.js';

/** The kinds `show` knows, by the name used on the command line (the snapshot's keys). */
export const SHOW_KINDS = ['interfaces', 'addresses', 'routes', 'rules', 'neighbours'] as const;
export type ShowKind = (typeof SHOW_KINDS)[number];

/** What `show` renders: the snapshot's arrays (any may be absent when not loaded). */
export interface ShowInput {
  readonly interfaces?: readonly InterfaceRecord[];
  readonly addresses?: readonly AddressRecord[];
  readonly routes?: readonly RouteRecord[];
  readonly rules?: readonly RuleRecord[];
  readonly neighbours?: readonly NeighbourRecord[];
}

/** index -> ifname, falling back to '#index' for an interface the snapshot does not have. */
export type IfNames = (index: number | null) => string | null;

export function ifNames(interfaces: readonly InterfaceRecord[] | undefined): IfNames {
  const m = new Map<number, string>();
  for (const i of interfaces ?? []) m.set(i.index, i.ifname);
  return (index) => (index === null ? null : m.get(index) ?? `#${index}`);
}

export function tableName(id: number): string {
  const n = RT_TABLE.name(id);
  return typeof n === 'string' && n !== 'unspec' ? n : String(id);
}

const stateColor = (t: string, _r: unknown, s: Style): string =>
  t === 'up' || t === 'UP' || t === 'REACHABLE' || t === 'PERMANENT' ? s.green(t)
    : t === 'down' || t === 'DOWN' || t === 'FAILED' || t === 'LOWERLAYERDOWN' ? s.red(t)
      : s.yellow(t);
const addrColor = (t: string, _r: unknown, s: Style): string => s.blue(t);
const nameColor = (t: string, _r: unknown, s: Style): string => s.cyan(t);
const macColor = (t: string, _r: unknown, s: Style): string => s.magenta(t);

export function interfacesTable(rows: readonly InterfaceRecord[], names: IfNames, style: Style): string {
  const cols: Column<InterfaceRecord>[] = [
    { header: 'INDEX', cell: (r) => r.index, align: 'right' },
    { header: 'NAME', cell: (r) => r.ifname, color: nameColor },
    { header: 'KIND', cell: (r) => r.kind },
    { header: 'STATE', cell: (r) => r.state, color: stateColor },
    { header: 'OPER', cell: (r) => r.operstate, color: stateColor },
    { header: 'MTU', cell: (r) => r.mtu, align: 'right' },
    { header: 'MAC', cell: (r) => r.address, color: macColor },
    { header: 'MASTER', cell: (r) => names(r.master), color: nameColor },
    { header: 'LINK', cell: (r) => (r.link === null ? null : r.linkNetnsid !== null ? `#${r.link}@netns${r.linkNetnsid}` : names(r.link)), color: nameColor },
    { header: 'ALTNAMES', cell: (r) => r.altnames.join(',') },
  ];
  return renderTable([...rows].sort((a, b) => a.index - b.index), cols, style);
}

export function addressesTable(rows: readonly AddressRecord[], names: IfNames, style: Style): string {
  const cols: Column<AddressRecord>[] = [
    { header: 'DEV', cell: (r) => names(r.index), color: nameColor },
    { header: 'FAMILY', cell: (r) => (r.family === 4 ? 'inet' : 'inet6') },
    { header: 'ADDRESS', cell: (r) => `${r.address}/${r.prefixlen}`, color: addrColor },
    { header: 'PEER', cell: (r) => r.peer, color: addrColor },
    { header: 'BROADCAST', cell: (r) => r.broadcast, color: addrColor },
    { header: 'SCOPE', cell: (r) => r.scope },
    { header: 'LABEL', cell: (r) => r.label },
    { header: 'FLAGS', cell: (r) => IFA_F.names(r.flags).join(',').toLowerCase() },
  ];
  const sorted = [...rows].sort((a, b) => a.index - b.index || a.family - b.family);
  return renderTable(sorted, cols, style);
}

function nexthops(hops: readonly NextHop[], names: IfNames): string {
  return hops.map((h) => [h.gateway ? `via ${h.gateway}` : null, h.oif !== null ? `dev ${names(h.oif)}` : null, `weight ${h.weight}`, h.onlink ? 'onlink' : null,
    h.encap ? `encap ${h.encap.type}` : null, h.realms !== null && h.realms !== undefined ? realmsText(h.realms) : null]
    .filter((x) => x !== null).join(' ')).join('; ');
}

export function routesTable(rows: readonly RouteRecord[], names: IfNames, style: Style): string {
  const cols: Column<RouteRecord>[] = [
    { header: 'TABLE', cell: (r) => tableName(r.table) },
    { header: 'DST', cell: (r) => (r.src ? `${r.dst} from ${r.src}` : r.dst), color: addrColor },
    { header: 'TYPE', cell: (r) => r.type },
    { header: 'GATEWAY', cell: (r) => (r.multipath ? nexthops(r.multipath, names) : r.gateway), color: addrColor },
    { header: 'DEV', cell: (r) => names(r.oif), color: nameColor },
    { header: 'METRIC', cell: (r) => r.priority, align: 'right' },
    { header: 'PROTO', cell: (r) => r.protocol },
    { header: 'SCOPE', cell: (r) => r.scope },
    { header: 'PREFSRC', cell: (r) => r.prefsrc, color: addrColor },
    { header: 'EXTRA', cell: (r) => extras(r) },
  ];
  const sorted = [...rows].sort((a, b) => a.family - b.family || a.table - b.table || a.dst.localeCompare(b.dst, 'en', { numeric: true }));
  return renderTable(sorted, cols, style);
}

/** RTA_FLOW as ip prints it: 'realm 9' (a "to" realm alone), 'realms 3/5' (from/to). */
function realmsText(v: number): string {
  const from = v >>> 16;
  return from === 0 ? `realm ${v & 0xffff}` : `realms ${from}/${v & 0xffff}`;
}

function extras(r: RouteRecord): string {
  const out: string[] = [];
  if (r.tos) out.push(`tos 0x${r.tos.toString(16)}`);
  if (r.pref) out.push(`pref ${r.pref}`);
  if (r.onlink) out.push('onlink');
  if (r.nhid !== null && r.nhid !== undefined) out.push(`nhid ${r.nhid}`);
  if (r.encap) out.push(`encap ${r.encap.type}`);
  if (r.realms !== null && r.realms !== undefined) out.push(realmsText(r.realms));
  for (const [k, v] of Object.entries(r.metrics ?? {})) if (k !== 'lock') out.push(`${k === 'ccAlgo' ? 'congctl' : k} ${v}`);
  return out.join(' ');
}

export function rulesTable(rows: readonly RuleRecord[], names: IfNames, style: Style): string {
  void names;
  const cols: Column<RuleRecord>[] = [
    { header: 'PRIO', cell: (r) => r.priority, align: 'right' },
    { header: 'FAMILY', cell: (r) => (r.family === 4 ? 'inet' : 'inet6') },
    { header: 'FROM', cell: (r) => r.src ?? 'all', color: addrColor },
    { header: 'TO', cell: (r) => r.dst, color: addrColor },
    { header: 'IIF', cell: (r) => r.iifname, color: nameColor },
    { header: 'OIF', cell: (r) => r.oifname, color: nameColor },
    { header: 'FWMARK', cell: (r) => (r.fwmark === null ? null : r.fwmask !== null && r.fwmask !== 0xffffffff ? `0x${r.fwmark.toString(16)}/0x${r.fwmask.toString(16)}` : `0x${r.fwmark.toString(16)}`) },
    { header: 'ACTION', cell: (r) => ruleAction(r) },
    { header: 'PROTO', cell: (r) => r.protocol },
    { header: 'EXTRA', cell: (r) => ruleExtras(r) },
  ];
  const sorted = [...rows].sort((a, b) => a.family - b.family || a.priority - b.priority);
  return renderTable(sorted, cols, style);
}

/** The selectors ip prints after the others: not, tos, suppress_*, l3mdev, uidrange, ipproto, ports. */
function ruleExtras(r: RuleRecord): string {
  const range = (x: { start: number; end: number }) => (x.start === x.end ? `${x.start}` : `${x.start}-${x.end}`);
  const out: string[] = [];
  if (r.invert) out.push('not');
  if (r.tos) out.push(`tos 0x${r.tos.toString(16)}`);
  if (r.l3mdev) out.push('l3mdev');
  if (r.uidRange) out.push(`uidrange ${range(r.uidRange)}`);
  if (r.ipProto !== null && r.ipProto !== undefined) out.push(`ipproto ${r.ipProto}`);
  if (r.sportRange) out.push(`sport ${range(r.sportRange)}`);
  if (r.dportRange) out.push(`dport ${range(r.dportRange)}`);
  if (r.suppressPrefixlen !== null && r.suppressPrefixlen !== undefined) out.push(`suppress_prefixlength ${r.suppressPrefixlen}`);
  if (r.suppressIfgroup !== null && r.suppressIfgroup !== undefined) out.push(`suppress_ifgroup ${r.suppressIfgroup}`);
  if (r.extra) out.push('(more)');
  return out.join(' ');
}

export function ruleAction(r: RuleRecord): string {
  if (r.action === 'to_tbl') return `lookup ${tableName(r.table)}`;
  if (r.action === 'goto') return `goto ${r.goto ?? '?'}`;
  return r.action;
}

export function neighboursTable(rows: readonly NeighbourRecord[], names: IfNames, style: Style): string {
  const cols: Column<NeighbourRecord>[] = [
    { header: 'DEV', cell: (r) => names(r.index), color: nameColor },
    { header: 'ADDRESS', cell: (r) => r.dst, color: addrColor },
    { header: 'LLADDR', cell: (r) => r.lladdr, color: macColor },
    { header: 'STATE', cell: (r) => r.state, color: stateColor },
    { header: 'FLAGS', cell: (r) => NTF.names(r.flags).join(',').toLowerCase() },
  ];
  const sorted = [...rows].sort((a, b) => a.index - b.index || a.family - b.family || a.dst.localeCompare(b.dst, 'en', { numeric: true }));
  return renderTable(sorted, cols, style);
}

const TITLES: Record<ShowKind, string> = {
  interfaces: 'Interfaces', addresses: 'Addresses', routes: 'Routes', rules: 'Rules', neighbours: 'Neighbours',
};

/** The tables for the kinds asked for, each under a title when there are several. */
export function renderShow(input: ShowInput, kinds: readonly ShowKind[], style: Style): string {
  const names = ifNames(input.interfaces);
  const parts: string[] = [];
  for (const kind of kinds) {
    const rows = input[kind];
    if (!rows) continue;
    let body: string;
    if (rows.length === 0) body = style.dim(`(no ${kind})`) + '\n';
    else if (kind === 'interfaces') body = interfacesTable(rows as InterfaceRecord[], names, style);
    else if (kind === 'addresses') body = addressesTable(rows as AddressRecord[], names, style);
    else if (kind === 'routes') body = routesTable(rows as RouteRecord[], names, style);
    else if (kind === 'rules') body = rulesTable(rows as RuleRecord[], names, style);
    else body = neighboursTable(rows as NeighbourRecord[], names, style);
    parts.push(kinds.length > 1 ? `${style.bold(style.underline(TITLES[kind]))}\n${body}` : body);
  }
  return parts.join('\n');
}
