/**
 * The operation model (STYLE.md practice 8): a transaction is a list of operations, each with an
 * explicit intent and the operations that undo it, ordered by dependency.
 *
 * - `intent` says which netlink request and flags it becomes: create (NLM_F_CREATE|NLM_F_EXCL),
 *   replace (NLM_F_CREATE|NLM_F_REPLACE), append (NLM_F_CREATE|NLM_F_APPEND), delete (RTM_DEL*),
 *   set (RTM_NEWLINK/SETLINK on an existing link, one field per operation so a failure names it).
 * - `spec` holds record-shaped fields to send (records.ts names): whole records for addresses,
 *   routes, rules and neighbours, so an inverse re-creates an object exactly as it was.
 * - `inverse` lists what undoes it, in order: the direct inverse first, then "restore" operations
 *   that put back what the kernel dropped as a side effect (effects.ts). Inverses carry no
 *   inverses of their own.
 * - `tolerate` names errnos that count as success: a restoration that finds its object already
 *   back (the kernel re-creates prefix routes itself) gets EEXIST, which is fine.
 * - `ns` is the namespace an operation runs in when it is not the transaction's own (undoing a
 *   move to another namespace has to be asked for over there).
 */
import type { AddressRecord, BridgePort, NeighbourRecord, RecordKind, RouteRecord, RuleRecord } from '../iproute/records.js';
import { describeKindOptions } from './kind-options.js';
import { LINK_FLAG_FIELDS, type LinkFlagSettings } from '../iproute/link-flags.js';
import { describeFlags } from './link-flags.js';

export type Intent = 'create' | 'replace' | 'append' | 'delete' | 'set';

/** forward: planned from the draft; undo: a direct inverse; restore: puts back a side-effect victim. */
export type OpRole = 'forward' | 'undo' | 'restore';

export interface LinkCreateSpec {
  index: number;
  ifname: string;
  kind: string;
  mtu?: number;
  address?: string;
  txqlen?: number;
  group?: number;
  /** IFLA_LINK: the lower device (macvlan, vlan), by index. */
  link?: number;
  info?: Record<string, unknown>;
  /** The settable IFF_* bits (link-flags.ts: promisc, allmulticast, noarp, multicast, dynamic), when not the defaults. */
  flags?: number;
  /** Which of them `flags` says (the create's ifi_change): all of them when absent. */
  flagMask?: number;
  /** The far end of a veth pair, created by the same request. */
  peer?: { index: number; ifname: string; mtu?: number; address?: string; txqlen?: number; group?: number; flags?: number; flagMask?: number };
  /**
   * A veth whose far end was in another namespace (this is its IFLA_LINK_NETNSID): the kernel
   * deleted that end with it, and neither can be made again from here as they were (the far end's
   * namespace, addresses and routes are another database's). A create of it fails, saying so.
   */
  peerNetnsid?: number;
}

/** The fields an existing link can be set to; the planner sets one per operation. */
export interface LinkSetSpec extends LinkFlagSettings {
  index: number;
  ifname?: string;
  mtu?: number;
  address?: string;
  state?: 'up' | 'down';
  master?: number | null;
  txqlen?: number;
  group?: number;
  /** null: none ('' is sent). */
  alias?: string | null;
  addrGenMode?: string | null;
  /**
   * Bridge port settings to set (bridge-port.ts), those that change; sent as `type bridge_slave`
   * settings, after the link is a port of its bridge.
   */
  port?: BridgePort;
  /** Alternative names to add (appended to the link's): a request of its own (RTM_NEWLINKPROP). */
  altnames?: string[];
  /** Alternative names to remove: a request of its own (RTM_DELLINKPROP). */
  removeAltnames?: string[];
  /** Move to this namespace (a name); null means the transaction's own namespace. */
  netns?: string | null;
}

export interface LinkDeleteSpec {
  index: number;
  ifname: string;
}

export const LINK_SET_FIELDS = [
  'ifname', 'mtu', 'address', 'state', 'master', 'txqlen', 'group', 'alias', 'addrGenMode', 'port', 'altnames', ...LINK_FLAG_FIELDS,
] as const;
export type LinkSetField = (typeof LINK_SET_FIELDS)[number];

interface OpCommon {
  /** Unique within a plan: '3' for a forward operation, '3.1', '3.2' for its inverse operations. */
  id: string;
  /** Identity key of the object (src/db/keys.ts, or the base's own key functions). */
  key: string;
  role: OpRole;
  inverse: Operation[];
  /** The interface's name when planned, for people (describe, review); not sent. */
  dev?: string | null;
  /** A link set's master's name when planned ('master br0', not '#17'), for people; not sent. */
  masterDev?: string | null;
  /** A multipath route's next hops' device names when planned, in order, for people; not sent. */
  hopDevs?: (string | null)[];
  /** Namespace label to run in when not the transaction's own. */
  ns?: string | null;
  /** errno names ('EEXIST') that mean success for this operation. */
  tolerate?: readonly string[];
  /**
   * A restoration of an object the transaction began with: if it fails where it stands in a
   * rollback, it is tried again once the rest of the rollback has run. (A multipath route that
   * survived with a dead leg cannot be re-created until that leg's device is up again, which a
   * later inverse does.)
   */
  deferrable?: boolean;
}

export type InterfaceOp =
  | (OpCommon & { kind: 'interface'; intent: 'create'; spec: LinkCreateSpec })
  | (OpCommon & { kind: 'interface'; intent: 'set'; spec: LinkSetSpec })
  | (OpCommon & { kind: 'interface'; intent: 'delete'; spec: LinkDeleteSpec });
export type AddressOp = OpCommon & { kind: 'address'; intent: 'create' | 'replace' | 'delete'; spec: AddressRecord };
export type RouteOp = OpCommon & { kind: 'route'; intent: 'create' | 'replace' | 'append' | 'delete'; spec: RouteRecord };
export type RuleOp = OpCommon & { kind: 'rule'; intent: 'create' | 'delete'; spec: RuleRecord };
export type NeighbourOp = OpCommon & { kind: 'neighbour'; intent: 'create' | 'replace' | 'delete'; spec: NeighbourRecord };

export type Operation = InterfaceOp | AddressOp | RouteOp | RuleOp | NeighbourOp;

/** Dependency rank of a kind: links first when building, last when tearing down. */
export const KIND_RANK: { readonly [K in RecordKind]: number } = {
  interface: 0, address: 1, route: 2, rule: 3, neighbour: 4,
};

/**
 * The operations that undo `ops`, given which of them took effect: the inverses of each applied
 * operation, latest first. `maybe` marks operations whose outcome is unknown (no answer before the
 * deadline, a crash): their inverses tolerate finding nothing to undo.
 */
export function undoSequence(ops: readonly Operation[], applied: (op: Operation) => 'yes' | 'no' | 'maybe'): Operation[] {
  const out: Operation[] = [];
  // The undos of consecutive changes of master, by the index of their link: ports put back into a
  // bridge rejoin in the order of their indexes (the bridge numbers them as they join), as after a
  // removed bridge (inverse.ts, restoreOps); latest first, ports moved to another bridge came back
  // with each other's numbers. They are independent of each other: one per link.
  let masters: { index: number; ops: Operation[] }[] = [];
  const flush = (): void => {
    masters.sort((x, y) => x.index - y.index);
    for (const m of masters) out.push(...m.ops);
    masters = [];
  };
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i]!;
    const a = applied(op);
    if (a === 'no') continue;
    const undo = a === 'maybe' ? op.inverse.map((inv) => ({ ...inv, tolerate: [...new Set([...(inv.tolerate ?? []), ...UNDO_TOLERATE])] })) : op.inverse;
    if (op.kind === 'interface' && op.intent === 'set' && op.spec.master !== undefined && !op.ns) {
      masters.push({ index: op.spec.index, ops: undo });
      continue;
    }
    flush();
    out.push(...undo);
  }
  flush();
  return out;
}

/** Errnos an inverse may meet when its forward operation never happened (or already was undone). */
export const UNDO_TOLERATE: readonly string[] = ['EEXIST', 'ENOENT', 'ESRCH', 'ENODEV', 'EADDRNOTAVAIL'];

// ---------------------------------------------------------------------------------------------
// describe(): one line per operation, spelled like the `ip` command that would do the same.

const VERB: Record<Intent, string> = { create: 'add', replace: 'replace', append: 'append', delete: 'del', set: 'set' };

function devName(op: Operation, index: number | null | undefined): string {
  if (index === null || index === undefined) return '';
  return op.dev && (op.kind !== 'route' || op.spec.oif === index) ? op.dev : `#${index}`;
}

function linkFields(s: Partial<LinkSetSpec & LinkCreateSpec>, masterDev?: string | null): string {
  const parts: string[] = [];
  if (s.ifname !== undefined) parts.push(`name ${s.ifname}`);
  if (s.mtu !== undefined) parts.push(`mtu ${s.mtu}`);
  if (s.address !== undefined) parts.push(`address ${s.address}`);
  if (s.txqlen !== undefined) parts.push(`txqueuelen ${s.txqlen}`);
  if (s.group !== undefined) parts.push(`group ${s.group}`);
  if (s.alias !== undefined) parts.push(s.alias === null ? 'alias ""' : `alias ${JSON.stringify(s.alias)}`);
  if (s.addrGenMode !== undefined && s.addrGenMode !== null) parts.push(`addrgenmode ${s.addrGenMode}`);
  if (s.altnames !== undefined) parts.push(...s.altnames.map((n) => `altname ${n}`));
  if (s.removeAltnames !== undefined) parts.push(...s.removeAltnames.map((n) => `property del altname ${n}`));
  for (const f of LINK_FLAG_FIELDS) if (s[f] !== undefined) parts.push(`${f} ${s[f] ? 'on' : 'off'}`);
  if (s.master !== undefined) parts.push(s.master === null ? 'nomaster' : `master ${masterDev ?? `#${s.master}`}`);
  if (s.port != null) parts.push(`type bridge_slave ${Object.entries(s.port).map(([k, v]) => `${k} ${v === true ? 'on' : v === false ? 'off' : v}`).join(' ')}`);
  if (s.netns !== undefined) parts.push(`netns ${s.netns ?? '<home>'}`);
  if (s.state !== undefined) parts.push(s.state);
  return parts.join(' ');
}

function routeText(r: RouteRecord, op: Operation): string {
  const parts = [r.type !== 'unicast' ? `${r.type} ${r.dst}` : r.dst];
  if (r.src) parts.push(`from ${r.src}`);
  // (Through a nexthop object, the object is what is sent: its gateways are the kernel's report.)
  if (r.nhid != null) parts.push(`nhid ${r.nhid}`);
  else {
    if (r.encap) parts.push(`encap ${r.encap.type}`);
    if (r.gateway) parts.push(`via ${r.gateway}`);
    if (r.oif !== null) parts.push(`dev ${devName(op, r.oif)}`);
    if (r.onlink) parts.push('onlink');
    if (r.realms != null) parts.push(`realms ${r.realms >>> 16}/${r.realms & 0xffff}`);
    if (r.multipath) {
      r.multipath.forEach((h, i) => {
        const dev = h.oif === null ? '' : ` dev ${op.hopDevs?.[i] ?? `#${h.oif}`}`;
        parts.push(`nexthop${h.encap ? ` encap ${h.encap.type}` : ''}${h.gateway ? ` via ${h.gateway}` : ''}${dev} weight ${h.weight}${h.onlink ? ' onlink' : ''}`);
      });
    }
  }
  parts.push(`table ${r.table}`, `proto ${r.protocol}`, `scope ${r.scope}`);
  if (r.priority !== null) parts.push(`metric ${r.priority}`);
  if (r.prefsrc) parts.push(`src ${r.prefsrc}`);
  if (r.tos) parts.push(`tos ${r.tos}`);
  if (r.metrics) for (const [k, v] of Object.entries(r.metrics)) parts.push(`${k} ${v}`);
  if (r.pref && r.pref !== 'medium') parts.push(`pref ${r.pref}`);
  return parts.join(' ');
}

/**
 * What a rule matches, as ip writes it: 'not from 10.0.0.0/8 ipproto 17 dport 53-53'. (The review
 * and the command's one-line summaries both say it: a rule shown without a selector reads as
 * another rule.)
 */
export function ruleSelectors(r: RuleRecord): string[] {
  const parts: string[] = [];
  if (r.invert) parts.push('not');
  parts.push(`from ${r.src ?? 'all'}`);
  if (r.dst) parts.push(`to ${r.dst}`);
  if (r.iifname) parts.push(`iif ${r.iifname}`);
  if (r.oifname) parts.push(`oif ${r.oifname}`);
  if (r.fwmark !== null) parts.push(`fwmark 0x${r.fwmark.toString(16)}${r.fwmask !== null && r.fwmask !== 0xffffffff ? `/0x${r.fwmask.toString(16)}` : ''}`);
  if (r.tos) parts.push(`tos ${r.tos}`);
  if (r.uidRange) parts.push(`uidrange ${r.uidRange.start}-${r.uidRange.end}`);
  if (r.ipProto != null) parts.push(`ipproto ${r.ipProto}`);
  if (r.sportRange) parts.push(`sport ${r.sportRange.start}-${r.sportRange.end}`);
  if (r.dportRange) parts.push(`dport ${r.dportRange.start}-${r.dportRange.end}`);
  return parts;
}

function ruleText(r: RuleRecord): string {
  const parts: string[] = [];
  if (r.family === 6) parts.push('-6');
  parts.push(...ruleSelectors(r));
  parts.push(`priority ${r.priority}`);
  parts.push(r.l3mdev ? 'l3mdev' : r.action === 'to_tbl' ? `lookup ${r.table}` : r.action === 'goto' ? `goto ${r.goto}` : r.action);
  if (r.suppressPrefixlen != null) parts.push(`suppress_prefixlength ${r.suppressPrefixlen}`);
  if (r.suppressIfgroup != null) parts.push(`suppress_ifgroup ${r.suppressIfgroup}`);
  if (r.extra) parts.push('(and attributes kept whole)');
  return parts.join(' ');
}

/** The operation alone, without its inverse: 'link set v0 mtu 9000'. */
export function describeOne(op: Operation): string {
  const at = op.ns ? `[netns ${op.ns}] ` : '';
  const verb = VERB[op.intent];
  switch (op.kind) {
    case 'interface': {
      const name = op.dev ?? `#${op.spec.index}`;
      if (op.intent === 'create') {
        const s = op.spec;
        // As ip orders it: the link's own fields, then its type and the type's options, then the
        // peer's (before, the link's fields came after the peer's, and read as the peer's).
        let text = `${at}link add ${s.ifname} index ${s.index}`;
        if (s.link !== undefined) text += ` link #${s.link}`;
        const f = linkFields({ mtu: s.mtu, address: s.address, txqlen: s.txqlen, group: s.group });
        if (f) text += ` ${f}`;
        text += ` type ${s.kind}`;
        // What the create sends of its kind options, not every attribute a record holds.
        const options = s.info ? describeKindOptions(s.kind, s.info) : '';
        if (options) text += ` ${options}`;
        if (s.flags !== undefined) text += ` (${describeFlags(s.flags, s.flagMask)})`;
        if (s.peer) text += ` peer ${s.peer.ifname} index ${s.peer.index}${s.peer.address ? ` address ${s.peer.address}` : ''}${s.peer.mtu ? ` mtu ${s.peer.mtu}` : ''}`;
        if (s.peer?.flags !== undefined) text += ` (${describeFlags(s.peer.flags, s.peer.flagMask)})`;
        if (s.peerNetnsid !== undefined) text += ` (its peer was in namespace id ${s.peerNetnsid}: it cannot be made again)`;
        return text;
      }
      if (op.intent === 'delete') return `${at}link del ${name}`;
      const { index: _i, ...fields } = op.spec;
      return `${at}link set ${name} ${linkFields(fields, op.masterDev)}`;
    }
    case 'address': {
      const a = op.spec;
      let text = `${at}address ${verb} ${a.address}/${a.prefixlen}`;
      if (a.peer) text += ` peer ${a.peer}`;
      if (a.broadcast) text += ` brd ${a.broadcast}`;
      text += ` dev ${devName(op, a.index)}`;
      if (a.label && a.label !== op.dev) text += ` label ${a.label}`;
      if (a.scope !== 'global') text += ` scope ${a.scope}`;
      return text;
    }
    case 'route':
      return `${at}route ${verb} ${routeText(op.spec, op)}`;
    case 'rule':
      return `${at}rule ${verb} ${ruleText(op.spec)}`;
    case 'neighbour': {
      const n = op.spec;
      return `${at}neighbour ${verb} ${n.dst}${n.lladdr ? ` lladdr ${n.lladdr}` : ''} dev ${devName(op, n.index)} nud ${n.state.toLowerCase()}`;
    }
  }
}

function countRestores(ops: readonly Operation[]): string {
  const counts = new Map<string, number>();
  for (const o of ops) counts.set(o.kind, (counts.get(o.kind) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}${n === 1 ? '' : 's'}`).join(', ');
}

/**
 * One readable line: 'link set v0 mtu 9000 (undo: mtu 1500)',
 * 'link del v9 (undo: link add v9 index 9 type veth ...; then restore 2 addresss, 3 routes)'.
 */
export function describe(op: Operation): string {
  const head = describeOne(op);
  const [first, ...rest] = op.inverse;
  if (!first) return head;
  let undo: string;
  if (op.kind === 'interface' && op.intent === 'set' && first.kind === 'interface' && first.intent === 'set' &&
      first.spec.index === op.spec.index && !first.ns) {
    const { index: _i, ...fields } = first.spec;
    undo = linkFields(fields, first.masterDev);
  } else {
    undo = describeOne(first);
  }
  const more = rest.length > 0 ? `; then ${rest.some((o) => o.role === 'restore') ? 'restore' : 'also'} ${countRestores(rest)}` : '';
  return `${head} (undo: ${undo}${more})`;
}

/** A whole plan, one operation per line with its inverse operations indented below. */
export function review(ops: readonly Operation[]): string {
  if (ops.length === 0) return '(nothing to do)';
  const lines: string[] = [];
  for (const op of ops) {
    lines.push(`${op.id.padStart(3)}  ${describeOne(op)}`);
    for (const inv of op.inverse) lines.push(`       undo ${inv.id}: ${describeOne(inv)}${inv.tolerate?.length ? ` [ok if ${inv.tolerate.join('/')}]` : ''}`);
  }
  return lines.join('\n');
}

/**
 * The second pass of a rollback: the deferrable restorations that failed in the first one
 * (`failed(op)`), to be tried again, in order, after everything else ran.
 */
export function retryLater(undo: readonly Operation[], failed: (op: Operation, i: number) => boolean): Operation[] {
  return undo.filter((op, i) => op.deferrable === true && failed(op, i));
}
