/**
 * `db.restore(name)`: a checkpoint turned into a transaction's draft.
 *
 * The store says where to go (`restorePlan`: the checkpoint's state and the diff from the live
 * state to it); this file writes that diff into a transaction through the ordinary draft API, so
 * the result is reviewable (`tx.review()`), committed with `tx.commit()`, and rolled back on
 * failure like any other transaction. The planner orders the operations (links, then addresses,
 * then routes and rules; deletions first); the draft is written in an order where every reference
 * resolves: links removed, links changed, links created (lower devices first), masters, up/down,
 * then addresses, routes, rules, neighbours.
 *
 * What is left to the kernel, in both directions, because it makes and removes these by itself
 * (writing them too would collide with its own, EEXIST, or delete what it is about to delete):
 * - routes of protocol 'kernel' (prefix, local and broadcast routes of addresses, IPv6 link-local
 *   and multicast routes) and 'ra' (router advertisements);
 * - IPv6 link-local and host-scope addresses (fe80::/10 made when a link comes up, ::1 on lo):
 *   the kernel makes a link's again when it comes up, from its MAC address then (restored before
 *   the link is set up), so one made from a MAC the link no longer has (a bridge's first one,
 *   before its ports gave it theirs) comes back different;
 * - neighbours other than PERMANENT ones (learned entries come and go with traffic).
 * What cannot be restored makes restore() throw RestoreError before anything is sent: a device
 * with no link kind (a NIC, lo) that is gone, a veth whose peer lived in another namespace, an
 * IPv6 source-specific route (RouteSpec has no `src`). Kind-specific options (`info`) of a link
 * that still exists are not set back: the draft cannot change them in place, and some (a
 * bridge's timers) change by themselves.
 *
 * Links re-created get their old index when it is free, so what hangs off them keeps its identity
 * keys; a veth pair is created from its lower-indexed end, whose peer the draft numbers next. When
 * an index cannot be kept, references to it (addresses, routes, neighbours, masters, lower devices)
 * are renumbered to the new link's.
 */
import { keyOf } from '../db/keys.js';
import { bridgePortHas } from '../iproute/bridge-port.js';
import { flagOf, LINK_FLAG_FIELDS } from '../iproute/link-flags.js';
import { SPEC_INFO_KEYS } from '../iproute/validate/index.js';
import type {
  AddressRecord, InterfaceRecord, NeighbourRecord, RecordByKind, RecordKind, RouteRecord, RuleRecord,
} from '../iproute/records.js';
import type { AddressSpec, LinkSpec, NeighbourSpec, RouteSpec, RuleSpec } from '../iproute/specs.js';
import { StoreError } from '../store/errors.js';
import type { RestorePlan } from '../store/index.js';
import { ValidationError } from '../transactions/errors.js';
import type { InterfaceDraft } from '../transactions/draft.js';
import type { Transaction } from '../transactions/transaction.js';
import { sameNames } from '../transactions/edits.js';
import { settableMac } from '../transactions/inverse.js';
import { renamesUpLinks } from './kernel-release.js';
import { routeSpec as recordRouteSpec, ruleSpec as recordRuleSpec } from '../transactions/encode-op.js';

/** The checkpoint cannot be restored (nothing was sent); `issues` says why, one line each. */
export class RestoreError extends StoreError {
  override readonly name: string = 'RestoreError';
  constructor(readonly checkpoint: string, readonly issues: readonly string[]) {
    super(`checkpoint '${checkpoint}' cannot be restored: ${issues.join('; ')}`);
  }
}

/** Link fields the draft sets directly (besides master and state, which come after every link exists). */
const LINK_FIELDS = ['ifname', 'mtu', 'address', 'txqlen', 'group'] as const;

/** IFA_F_* bits a request may carry (NODAD, HOMEADDRESS, MANAGETEMPADDR, NOPREFIXROUTE, MCAUTOJOIN). */
const IFA_F_SETTABLE = 0x02 | 0x10 | 0x100 | 0x200 | 0x400;

const kernelRoute = (r: RouteRecord): boolean => r.protocol === 'kernel' || r.protocol === 'ra';
const kernelAddress = (a: AddressRecord): boolean => a.family === 6 && (a.scope === 'link' || a.scope === 'host');
const permanent = (n: NeighbourRecord): boolean => /permanent/i.test(n.state);

/**
 * A bridge takes the lowest MAC of its ports unless one was set (br_stp_recalculate_bridge_id):
 * when the checkpoint's MAC is one of its ports', it comes back with the port, and setting it
 * would fix it for good (and its undo could be an all-zero MAC, which the kernel refuses).
 */
function derivedMac(l: InterfaceRecord, links: readonly InterfaceRecord[]): boolean {
  return l.kind === 'bridge' && links.some((p) => p.master === l.index && p.address === l.address);
}

/** A name the validators take: numbers the name tables could not name are sent as numbers. */
const named = (v: string): string | number => (/^\d+$/.test(v) ? Number(v) : v);

type Remap = (index: number) => number;

/** Writes the way from the live state to the checkpoint into `tx`'s draft; throws RestoreError. */
export function draftRestore(tx: Transaction, plan: RestorePlan): void {
  const issues: string[] = [];
  const remap = new Map<number, number>();
  const ix: Remap = (i) => remap.get(i) ?? i;
  const { diff, target } = plan;
  const targetLinks = new Map(target.interfaces.map((l) => [l.index, l]));

  // ---- links -------------------------------------------------------------------------------
  const removed = diff.interfaces.removed.map((x) => x.record);
  const added = diff.interfaces.added.map((x) => x.record);
  const changed: { before: InterfaceRecord; after: InterfaceRecord }[] = [];
  for (const c of diff.interfaces.changed) {
    // A different kind under the same index is another device: remove it, create the old one.
    if (c.before.kind !== c.after.kind) {
      removed.push(c.before);
      added.push(c.after);
    } else {
      changed.push(c);
    }
  }
  for (const l of removed) {
    if (l.kind === null) { issues.push(`${l.ifname} (#${l.index}) is a device with no link kind: it cannot be deleted`); continue; }
    // Gone already when it was the veth peer or an upper device of a link removed before it.
    if (tx.interfaces.get(l.index)) tx.interfaces.remove(l.index);
  }
  const settled: { draft: InterfaceDraft; want: InterfaceRecord }[] = [];
  for (const { before, after } of changed) {
    const d = tx.interfaces.get(after.index);
    if (!d) continue;
    // Before Linux 6.2 dev_change_name() refused a link that is up (EBUSY), and the draft can only
    // say "up" once.
    if (!renamesUpLinks() && before.ifname !== after.ifname && before.state === 'up' && after.state === 'up') {
      issues.push(`${before.ifname} was ${after.ifname}: a link that is up cannot be renamed (set it down first)`);
      continue;
    }
    for (const f of LINK_FIELDS) {
      if (f === 'address' && (derivedMac(after, target.interfaces) || !settableMac(after.address))) continue;
      if (after[f] !== null && d[f] !== after[f]) (d as unknown as Record<string, unknown>)[f] = after[f];
    }
    // Which alternative names it has (their order is the kernel's). (`?? []`: older records.)
    const want = after.altnames ?? [];
    if (!sameNames(want, d.altnames)) d.altnames = want;
    settled.push({ draft: d, want: after });
  }
  createLinks(tx, added, targetLinks, remap, issues, settled);
  // What a create request cannot say (see recreateLinkOps), for the links made and those changed;
  // before the masters and the states (the mode matters when the link goes up).
  for (const { draft, want } of settled) {
    if ((want.alias ?? null) !== draft.alias) draft.alias = want.alias ?? null;
    if (want.addrGenMode != null && draft.addrGenMode !== want.addrGenMode) draft.addrGenMode = want.addrGenMode;
    // Its flags that are settings (promisc, arp off, ...); a new link's ride in its create request.
    if (typeof want.flags === 'number') for (const f of LINK_FLAG_FIELDS) if (draft[f] !== flagOf(want.flags, f)) draft[f] = flagOf(want.flags, f);
  }
  for (const { draft, want } of settled) {
    const master = want.master === null ? null : ix(want.master);
    if (draft.master !== master) draft.master = master;
    // (A port that joins its bridge again gets the settings the draft shows: see the planner.
    // `!= null`: records stored before links had port settings have none.)
    if (master !== null && want.port != null && !bridgePortHas(draft.port, want.port)) draft.port = want.port;
  }
  for (const { draft, want } of settled) if (draft.state !== want.state) draft.state = want.state;

  // ---- what hangs off the links --------------------------------------------------------------
  const present = <K extends RecordKind>(kind: K, list: readonly RecordByKind[K][]): Set<string> =>
    new Set(list.map((r) => keyOf(kind, r as never)));
  const linkExists = (i: number): boolean => tx.interfaces.get(ix(i)) !== undefined;

  const addrs = present('address', tx.addresses.list());
  for (const { key, record: a } of diff.addresses.removed) if (!kernelAddress(a) && addrs.has(key)) tx.addresses.remove(a);
  for (const { after: a, before, fields } of diff.addresses.changed) {
    if (kernelAddress(a) || !addrs.has(keyOf('address', before))) continue;
    if (['label', 'broadcast', 'scope'].some((f) => f in fields)) tx.addresses.replace(addressSpec(a, ix));
  }
  for (const { record: a } of diff.addresses.added) {
    if (kernelAddress(a)) continue;
    if (!linkExists(a.index)) { issues.push(`address ${a.address}/${a.prefixlen}: its link #${a.index} cannot be restored`); continue; }
    tx.addresses.add(addressSpec(a, ix));
  }

  const routes = present('route', tx.routes.list());
  for (const { key, record: r } of diff.routes.removed) if (!kernelRoute(r) && routes.has(key)) tx.routes.remove(r);
  for (const { after: r, before } of diff.routes.changed) {
    if (kernelRoute(r) || !routes.has(keyOf('route', before))) continue;
    tx.routes.replace(routeSpec(r, ix));
  }
  for (const { record: r } of diff.routes.added) {
    if (kernelRoute(r)) continue;
    const spec = routeSpec(r, ix);
    try {
      tx.routes.add(spec);
    } catch (err) {
      // Another route holds its slot (table, dst, metric): the two coexisted, as with `ip route append`.
      if (!(err instanceof ValidationError)) throw err;
      tx.routes.append(spec);
    }
  }

  const rules = present('rule', tx.rules.list());
  for (const { key, record: r } of diff.rules.removed) if (rules.has(key)) tx.rules.remove(r);
  for (const { before, after } of diff.rules.changed) {
    if (rules.has(keyOf('rule', before))) tx.rules.remove(before);
    tx.rules.add(ruleSpec(after));
  }
  for (const { record: r } of diff.rules.added) tx.rules.add(ruleSpec(r));

  const neigh = present('neighbour', tx.neighbours.list());
  for (const { key, record: n } of diff.neighbours.removed) if (permanent(n) && neigh.has(key)) tx.neighbours.remove(n);
  for (const { after: n, before } of diff.neighbours.changed) {
    if (!permanent(n)) {
      if (permanent(before) && neigh.has(keyOf('neighbour', before))) tx.neighbours.remove(before);
      continue;
    }
    tx.neighbours.replace(neighbourSpec(n, ix));
  }
  for (const { record: n } of diff.neighbours.added) {
    if (!permanent(n)) continue;
    if (!linkExists(n.index)) { issues.push(`neighbour ${n.dst}: its link #${n.index} cannot be restored`); continue; }
    tx.neighbours.add(neighbourSpec(n, ix));
  }

  if (issues.length > 0) throw new RestoreError(plan.checkpoint.name, issues);
}

/**
 * Creates the links the checkpoint has and the live state does not: lower devices before the
 * devices stacked on them, a veth pair once (from its lower-indexed end). Records each new index
 * in `remap` and each link in `settled` (its master and state are set once every link exists).
 */
function createLinks(
  tx: Transaction, added: readonly InterfaceRecord[], targetLinks: ReadonlyMap<number, InterfaceRecord>,
  remap: Map<number, number>, issues: string[], settled: { draft: InterfaceDraft; want: InterfaceRecord }[],
): void {
  const pending = new Map(added.map((l) => [l.index, l]));
  const lowerOf = (l: InterfaceRecord): number | null => {
    if (l.kind === 'veth') return null;
    if (l.link !== null && l.linkNetnsid === null) return l.link;
    return typeof l.info?.link === 'number' ? l.info.link : null;
  };
  const free = (i: number): boolean => tx.base.interfaces.get(keyOf('interface', { index: i } as InterfaceRecord)) === undefined
    && ![...remap.values()].includes(i);
  while (pending.size > 0) {
    // Those whose lower device is not itself waiting; a cycle (impossible in a kernel) ends the loop.
    const ready = [...pending.values()].filter((l) => { const lo = lowerOf(l); return lo === null || !pending.has(lo); });
    if (ready.length === 0) {
      for (const l of pending.values()) issues.push(`${l.ifname}: its lower device cannot be created first`);
      return;
    }
    for (const l of ready.sort((a, b) => a.index - b.index)) {
      if (!pending.has(l.index)) continue; // the peer of a veth created just before
      pending.delete(l.index);
      if (l.kind === null) { issues.push(`${l.ifname} (#${l.index}) is a device with no link kind: it cannot be created`); continue; }
      let peer: InterfaceRecord | null = null;
      if (l.kind === 'veth') {
        if (l.linkNetnsid !== null || l.link === null) { issues.push(`veth ${l.ifname}: its peer was in another namespace`); continue; }
        peer = targetLinks.get(l.link) ?? null;
        if (!peer || !pending.has(peer.index)) { issues.push(`veth ${l.ifname}: its peer #${l.link} is not restored with it`); continue; }
        pending.delete(peer.index);
      }
      const spec = linkSpec(l, peer, (i) => remap.get(i) ?? i);
      if (derivedMac(l, [...targetLinks.values()])) delete spec.address;
      if (free(l.index)) spec.index = l.index;
      const d = tx.interfaces.create(spec);
      remap.set(l.index, d.index);
      settled.push({ draft: d, want: l });
      if (peer) {
        const p = tx.interfaces.get(peer.ifname)!;
        remap.set(peer.index, p.index);
        for (const f of ['txqlen', 'group'] as const) if (peer[f] !== null && p[f] !== peer[f]) p[f] = peer[f];
        if (peer.altnames.length > 0) p.altnames = peer.altnames;
        settled.push({ draft: p, want: peer });
      }
    }
  }
}

function linkSpec(l: InterfaceRecord, peer: InterfaceRecord | null, ix: Remap): LinkSpec {
  const s: LinkSpec = { ifname: l.ifname, kind: l.kind! };
  if (l.mtu > 0) s.mtu = l.mtu;
  if (settableMac(l.address)) s.address = l.address;
  if (l.txqlen !== null) s.txqlen = l.txqlen;
  if (l.group !== null) s.group = l.group;
  if (l.kind !== 'veth' && l.link !== null && l.linkNetnsid === null) s.link = ix(l.link);
  const keys = SPEC_INFO_KEYS[l.kind!];
  if (keys && l.info) {
    const info: Record<string, unknown> = {};
    for (const k of keys) {
      const v = l.info[k];
      if (v !== undefined && v !== null) info[k] = k === 'link' && typeof v === 'number' ? ix(v) : v;
    }
    if (Object.keys(info).length > 0) s.info = info;
  }
  if (l.altnames.length > 0) s.altnames = [...l.altnames];
  if (peer) {
    const p: { ifname: string; address?: string; mtu?: number } = { ifname: peer.ifname };
    if (peer.address !== null) p.address = peer.address;
    if (peer.mtu > 0) p.mtu = peer.mtu;
    s.peer = p;
  }
  return s;
}

function addressSpec(a: AddressRecord, ix: Remap): AddressSpec {
  const s: AddressSpec = { index: ix(a.index), address: a.address, prefixlen: a.prefixlen, scope: named(a.scope) };
  if (a.peer !== null) s.peer = a.peer;
  if (a.broadcast !== null) s.broadcast = a.broadcast;
  if (a.label !== null) s.label = a.label;
  const flags = a.flags & IFA_F_SETTABLE;
  if (flags !== 0) s.flags = flags;
  if (a.metric) s.metric = a.metric;
  return s;
}

/**
 * The transaction layer's specs of a route and a rule record (encode-op.ts), with this restore's
 * index remapping, names that are numbers as numbers, and tos always said.
 */
function routeSpec(r: RouteRecord, ix: Remap): RouteSpec {
  return { ...recordRouteSpec(r, ix), protocol: named(r.protocol), scope: named(r.scope), type: named(r.type), tos: r.tos };
}

function ruleSpec(r: RuleRecord): RuleSpec {
  const s: RuleSpec = { ...recordRuleSpec(r), action: named(r.action), tos: r.tos };
  if (r.protocol !== null) s.protocol = named(r.protocol);
  return s;
}

function neighbourSpec(n: NeighbourRecord, ix: Remap): NeighbourSpec {
  const s: NeighbourSpec = { index: ix(n.index), dst: n.dst, state: 'permanent' };
  if (n.lladdr !== null) s.lladdr = n.lladdr;
  if (n.flags !== 0) s.flags = n.flags;
  return s;
}
