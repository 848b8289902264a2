/**
 * Inverses. The planner walks its forward operations over a simulated state (state.ts +
 * effects.ts); for operation k, with S(k-1) the state before it:
 *
 *   inverse(k) = [ direct inverse of k, computed from S(k-1),
 *                  restorations of what k made the kernel drop (its victims in S(k-1)),
 *                  restorations of what the direct inverse itself will make the kernel drop
 *                  that was there before k (setting a link back down flushes its IPv6 addresses) ]
 *
 * Rolling back runs the inverses of the applied operations latest first, so when inverse(k) runs
 * the state is S(k) again, and afterwards it is S(k-1): by induction the whole rollback ends at
 * the state the transaction began from, for the objects the transaction touched.
 */
import type { BridgePortSetting } from '../iproute/bridge-port.js';
import type {
  AddressRecord, BridgePort, InterfaceRecord, NeighbourRecord, RecordKind, RouteRecord, RuleRecord,
} from '../iproute/records.js';
import { tableOf, type TxBase } from './base.js';
import { applyOp, sideEffects, type Victim } from './effects.js';
import { undoSequence, type LinkCreateSpec, type LinkSetSpec, type Operation, type OpRole } from './ops.js';
import { sameSlot, TxState } from './state.js';
import { flagsToRestore, linkField } from './link-flags.js';

const RESTORE_TOLERATE = ['EEXIST'] as const;

type RecordOpKind = Exclude<RecordKind, 'interface'>;
type RecordOf<K extends RecordOpKind> = { address: AddressRecord; route: RouteRecord; rule: RuleRecord; neighbour: NeighbourRecord }[K];

function devOf(state: TxState, index: number | null | undefined): string | null {
  if (index === null || index === undefined) return null;
  return state.nameOf(index);
}

/** An operation on a keyed record (`key`: its identity key, when the caller has it). */
export function recordOp<K extends RecordOpKind>(
  state: TxState, kind: K, intent: 'create' | 'replace' | 'append' | 'delete', record: RecordOf<K>, role: OpRole, key?: string,
): Operation {
  const index = kind === 'route' ? (record as RouteRecord).oif : kind === 'rule' ? null : (record as AddressRecord | NeighbourRecord).index;
  const op = {
    id: '', kind, intent, key: key ?? state.key(kind, record as never), spec: record, role, inverse: [], dev: devOf(state, index),
  } as Operation;
  const hops = kind === 'route' ? (record as RouteRecord).multipath : null;
  if (hops) op.hopDevs = hops.map((h) => devOf(state, h.oif));
  return op;
}

export function linkSetOp(
  state: TxState, index: number, fields: Omit<LinkSetSpec, 'index'>, role: OpRole, dev?: string | null, masterDev?: string | null,
): Operation {
  const op: Operation = {
    id: '', kind: 'interface', intent: 'set', key: state.key('interface', { index } as InterfaceRecord),
    spec: { index, ...fields }, role, inverse: [], dev: dev ?? devOf(state, index),
  };
  if (typeof fields.master === 'number') op.masterDev = masterDev ?? devOf(state, fields.master);
  return op;
}

/**
 * Put `link` back into its master (null: out of it), with its port settings: the kernel resets
 * them when a link joins a bridge, so a port made again, or put back into its bridge, would
 * otherwise lose its hairpin, isolation, ...
 */
function masterOps(state: TxState, link: InterfaceRecord, role: OpRole): Operation[] {
  const ops = [linkSetOp(state, link.index, { master: link.master }, role, link.ifname)];
  // (`!= null`: records journalled before links had port settings have none.)
  if (link.master !== null && link.port != null) ops.push(linkSetOp(state, link.index, { port: { ...link.port } }, role, link.ifname));
  return ops;
}

export function linkDeleteOp(state: TxState, link: Pick<InterfaceRecord, 'index' | 'ifname'>, role: OpRole): Operation {
  return {
    id: '', kind: 'interface', intent: 'delete', key: state.key('interface', link as InterfaceRecord),
    spec: { index: link.index, ifname: link.ifname }, role, inverse: [], dev: link.ifname,
  };
}

/**
 * Whether a link's MAC address can be asked for: not 00:00:00:00:00:00, which a bridge reports
 * once its last port has left (br_stp_recalculate_bridge_id) and which the kernel refuses to set
 * or create a link with (EADDRNOTAVAIL). Left out, a recreated bridge gets an address of the
 * kernel's choosing, and a bridge whose first port leaves again goes back to all zeros by itself.
 */
export function settableMac(address: string | null): address is string {
  return address !== null && address !== '00:00:00:00:00:00';
}

/**
 * The create request that makes `link` (and its veth `peer`), as recorded. `again`: they were in
 * the kernel (an undo or a restore), and their settable flags come back too; a link drafted new
 * has none recorded (a draft's record says 0), and is made with the kernel's defaults.
 */
export function createSpecOf(link: InterfaceRecord, peer: InterfaceRecord | null, again = false): LinkCreateSpec {
  const spec: LinkCreateSpec = { index: link.index, ifname: link.ifname, kind: link.kind ?? 'unknown' };
  if (link.mtu > 0) spec.mtu = link.mtu;
  if (settableMac(link.address)) spec.address = link.address;
  if (link.txqlen !== null) spec.txqlen = link.txqlen;
  if (link.group !== null) spec.group = link.group;
  if (link.kind !== 'veth' && link.link !== null && link.linkNetnsid === null) spec.link = link.link;
  if (link.info !== null) spec.info = link.info;
  const flags = again ? flagsToRestore(link.flags, link.kind) : undefined;
  if (flags !== undefined) spec.flags = flags;
  if (link.kind === 'veth' && !peer && link.linkNetnsid !== null) spec.peerNetnsid = link.linkNetnsid;
  if (peer) {
    const p: NonNullable<LinkCreateSpec['peer']> = { index: peer.index, ifname: peer.ifname };
    if (peer.mtu > 0) p.mtu = peer.mtu;
    if (peer.address !== null) p.address = peer.address;
    if (peer.txqlen !== null) p.txqlen = peer.txqlen;
    if (peer.group !== null) p.group = peer.group;
    const peerFlags = again ? flagsToRestore(peer.flags, peer.kind) : undefined;
    if (peerFlags !== undefined) p.flags = peerFlags;
    spec.peer = p;
  }
  return spec;
}

/**
 * Create a link (and peer) as recorded, then give it back what creation cannot say (the kernel
 * ignores an alias and refuses an address generation mode in a create request; alternative names
 * are link properties, added by a request of their own), its master and its up state. The mode is set before the link goes up, when IPv6 makes its link-local address.
 */
export function recreateLinkOps(state: TxState, link: InterfaceRecord, peer: InterfaceRecord | null, role: OpRole): Operation[] {
  const ops: Operation[] = [{
    id: '', kind: 'interface', intent: 'create', key: state.key('interface', link), spec: createSpecOf(link, peer, true),
    role, inverse: [], dev: link.ifname, ...(role === 'restore' ? { tolerate: RESTORE_TOLERATE } : {}),
  }];
  for (const l of peer ? [link, peer] : [link]) {
    // (`!= null`: records journalled before links had these fields have neither.)
    if (l.alias != null) ops.push(linkSetOp(state, l.index, { alias: l.alias }, role, l.ifname));
    if (l.addrGenMode != null) ops.push(linkSetOp(state, l.index, { addrGenMode: l.addrGenMode }, role, l.ifname));
    if (l.altnames.length > 0) ops.push(linkSetOp(state, l.index, { altnames: [...l.altnames] }, role, l.ifname));
  }
  for (const l of peer ? [link, peer] : [link]) {
    if (l.master !== null) ops.push(...masterOps(state, l, role));
  }
  for (const l of peer ? [link, peer] : [link]) {
    if (l.state === 'up') ops.push(linkSetOp(state, l.index, { state: 'up' }, role, l.ifname));
  }
  return ops;
}

/**
 * How to put a route back: NLM_F_EXCL would be refused when another route shares its slot (the
 * route coexisted with it through NLM_F_APPEND, or the kernel made both), so then append.
 */
function routeIntent(state: TxState, r: RouteRecord, alsoThere: readonly RouteRecord[] = []): 'create' | 'append' {
  return state.slotmates(r).length > 0 || alsoThere.some((o) => sameSlot(o, r)) ? 'append' : 'create';
}

function routeRank(r: RouteRecord): number {
  if (r.table === 255) return 0;
  if (r.gateway === null && !r.multipath) return 1;
  return r.multipath ? 3 : 2;
}

/**
 * Operations that put victims back, in dependency order: links (parents before the devices
 * stacked on them), link fields (master, then up), addresses (primaries first), routes (local
 * and on-link before those through gateways), rules, neighbours.
 */
export function restoreOps(state: TxState, victims: readonly Victim[]): Operation[] {
  const links: Operation[] = [];
  const masters: Operation[] = [];
  // Ports rejoin their bridge in the order of their indexes: a bridge numbers a port joining it
  // with the lowest number free, and records keep no port numbers (state the bridge assigns), so
  // ports made in turn and joined in turn get their numbers back; in the victims' order, a
  // bridge's two ports came back with each other's (port 1 and 2, and their STP port ids).
  const ports: { index: number; ops: Operation[] }[] = [];
  const ups: Operation[] = [];
  const addresses: AddressRecord[] = [];
  const routes: RouteRecord[] = [];
  const rules: RuleRecord[] = [];
  const neighbours: NeighbourRecord[] = [];
  for (const v of victims) {
    if (v.withInverse) continue;
    switch (v.kind) {
      case 'interface': {
        const rec = v.record as InterfaceRecord;
        if (!v.fields) {
          links.push(...recreateLinkOps(state, rec, null, 'restore'));
          break;
        }
        if ('master' in v.fields) ports.push({ index: rec.index, ops: masterOps(state, rec, 'restore') });
        if ('address' in v.fields && settableMac(rec.address)) masters.push(linkSetOp(state, rec.index, { address: rec.address }, 'restore', rec.ifname));
        if ('state' in v.fields) ups.push(linkSetOp(state, rec.index, { state: rec.state }, 'restore', rec.ifname));
        break;
      }
      case 'address': addresses.push(v.record as AddressRecord); break;
      case 'route': {
        // IPv6 routes the kernel makes (local, multicast, link-local and address prefixes) come
        // back with their addresses and links, and cannot be made from userspace as they were:
        // the kernel turns a user route's metric 0 into 1024 (ip6_route_info_create).
        const r = v.record as RouteRecord;
        if (!(r.family === 6 && r.protocol === 'kernel')) routes.push(r);
        break;
      }
      case 'rule': rules.push(v.record as RuleRecord); break;
      case 'neighbour': neighbours.push(v.record as NeighbourRecord); break;
    }
  }
  // Ties broken by key, so a plan does not depend on the order a base's tables iterate in.
  const byKey = <R>(kind: RecordKind) => (a: R, b: R) => {
    const ka = state.key(kind, a as never);
    const kb = state.key(kind, b as never);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
  addresses.sort((a, b) => (a.flags & 1) - (b.flags & 1) || byKey<AddressRecord>('address')(a, b));
  routes.sort((a, b) => routeRank(a) - routeRank(b) || byKey<RouteRecord>('route')(a, b));
  rules.sort(byKey<RuleRecord>('rule'));
  neighbours.sort(byKey<NeighbourRecord>('neighbour'));
  const tolerant = (op: Operation): Operation => ({ ...op, tolerate: RESTORE_TOLERATE });
  const restored: RouteRecord[] = [];
  const routeOps = routes.map((r) => {
    // An IPv6 multipath route whose device of one leg went loses that leg only (rt6_sync_down_dev):
    // an add would find the rest there (EEXIST, tolerated) and leave it short. A replace gives it
    // every leg back, and makes it anew if it went whole.
    const intent = r.family === 6 && r.multipath !== null ? 'replace' : routeIntent(state, r, restored);
    restored.push(r);
    return tolerant(recordOp(state, 'route', intent, r, 'restore'));
  });
  ports.sort((a, b) => a.index - b.index);
  return [
    ...links, ...ports.flatMap((p) => p.ops), ...masters, ...ups,
    ...addresses.map((a) => tolerant(recordOp(state, 'address', 'create', a, 'restore'))),
    ...routeOps,
    ...rules.map((r) => tolerant(recordOp(state, 'rule', 'create', r, 'restore'))),
    ...neighbours.map((n) => tolerant(recordOp(state, 'neighbour', 'create', n, 'restore'))),
  ];
}

/** What gives `link` back the alternative names `removed` took from it, in their places. */
function altnamesBack(state: TxState, link: InterfaceRecord, removed: readonly string[]): Operation[] {
  const had = link.altnames ?? [];
  const first = had.findIndex((n) => removed.includes(n));
  if (first < 0) return [];
  const tail = had.slice(first);
  const after = tail.filter((n) => !removed.includes(n));
  return [
    ...(after.length > 0 ? [linkSetOp(state, link.index, { removeAltnames: after }, 'undo', link.ifname)] : []),
    linkSetOp(state, link.index, { altnames: tail }, 'undo', link.ifname),
  ];
}

/** The operation(s) that undo `op` directly, from the state before it. */
function directInverse(state: TxState, op: Operation, home: string | null): Operation[] {
  switch (op.kind) {
    case 'interface': {
      if (op.intent === 'create') {
        return [linkDeleteOp(state, { index: op.spec.index, ifname: op.spec.ifname }, 'undo')];
      }
      const link = state.interface(op.spec.index);
      if (!link) return [];
      if (op.intent === 'delete') {
        const peer = link.kind === 'veth' && link.link !== null && link.linkNetnsid === null ? state.interface(link.link) ?? null : null;
        return recreateLinkOps(state, link, peer, 'undo');
      }
      const { index, netns, ...fields } = op.spec;
      if (netns !== undefined) {
        // Undone from over there: the link is asked back by name, its index may differ there.
        return [{ ...linkSetOp(state, index, { ifname: link.ifname, netns: home }, 'undo', link.ifname), ns: netns }];
      }
      // (The planner sets one field per operation.)
      if (fields.master !== undefined) return masterOps(state, link, 'undo');
      // Names added are removed; names removed come back where they were, the names after them
      // taken out and added again behind them (the kernel appends a name), so the list is as it was.
      if (fields.altnames !== undefined) return [linkSetOp(state, index, { removeAltnames: [...fields.altnames] }, 'undo', link.ifname)];
      if (fields.removeAltnames !== undefined) return altnamesBack(state, link, fields.removeAltnames);
      if (fields.port !== undefined) {
        // Settings the link did not have before (a new port: its bridge's defaults, unknown
        // here) go with it when it leaves the bridge, which undoes that.
        if (link.port == null) return [];
        const old: BridgePort = {};
        for (const k of Object.keys(fields.port) as BridgePortSetting[]) if (link.port[k] !== undefined) (old as Record<string, unknown>)[k] = link.port[k];
        return [linkSetOp(state, index, { port: old }, 'undo', link.ifname)];
      }
      // A mode the link had none of (one just made: the kernel has not set up its IPv6 yet) is
      // not set back: the link's own undo takes it away. (Its undo read 'link set br9', empty.)
      if (fields.addrGenMode !== undefined && link.addrGenMode == null && Object.keys(fields).length === 1) return [];
      const back: Omit<LinkSetSpec, 'index'> = {};
      for (const f of Object.keys(fields)) (back as Record<string, unknown>)[f] = linkField(link, f);
      return [linkSetOp(state, index, back, 'undo', fields.ifname ?? link.ifname)];
    }
    default: {
      // An addition is undone by deleting what it adds: nothing to look up.
      if (op.intent === 'create' || op.intent === 'append') return [recordOp(state, op.kind, 'delete', op.spec as never, 'undo', op.key || undefined)];
      const before = state.get(op.kind, op.key);
      if (op.intent === 'delete') {
        if (!before) return [];
        const intent = op.kind === 'route' ? routeIntent(state, before as RouteRecord) : 'create';
        const undo = recordOp(state, op.kind, intent, before as never, 'undo', op.key);
        // The kernel makes its own routes again (an address re-added, a link up again): if it
        // got there first, the route is back.
        if (op.kind === 'route' && (before as RouteRecord).protocol === 'kernel') undo.tolerate = RESTORE_TOLERATE;
        return [undo];
      }
      if (before && op.intent === 'replace') return [recordOp(state, op.kind, 'replace', before as never, 'undo', op.key)];
      return [recordOp(state, op.kind, 'delete', op.spec as never, 'undo', op.key || undefined)];
    }
  }
}

/** Keys the operation brings into being (its inverse's victims among them need no restoring). */
function createdKeys(state: TxState, op: Operation): Set<string> {
  if (op.kind === 'interface') {
    if (op.intent !== 'create') return new Set();
    const out = new Set([`interface:${op.key}`]);
    if (op.spec.peer) out.add(`interface:${state.key('interface', { index: op.spec.peer.index } as InterfaceRecord)}`);
    return out;
  }
  return op.intent === 'delete' ? new Set() : new Set([`${op.kind}:${op.key}`]);
}

/**
 * Numbers the forward operations and fills in their inverses by simulating them in order over
 * `base`. Returns new operation objects; `forward` is not changed.
 */
export function withInverses(base: TxBase, forward: readonly Operation[], opts: { home?: string | null; keepIds?: boolean } = {}): Operation[] {
  const ops = forward.map((fwd, i) => ({ ...fwd, id: opts.keepIds && fwd.id ? fwd.id : String(i + 1), inverse: [] }) as Operation);
  fillInverses(base, ops, opts);
  return ops;
}

/**
 * Fills in, in place, the inverses of numbered forward operations (and the name of the device
 * each one acts on as it runs), by simulating them in order over `base`: the operations of a plan
 * whose inverses are computed while the kernel is handling them (commit.ts, CommitDeps.inverses).
 */
export function fillInverses(base: TxBase, ops: Operation[], opts: { home?: string | null } = {}): void {
  const state = new TxState(base);
  if (onlyPlainAdditions(ops)) {
    fillAdditions(state, ops);
    return;
  }
  if (allLinkCreations(ops)) {
    fillCreations(state, ops);
    return;
  }
  const home = opts.home ?? null;
  for (const fwd of ops) {
    const id = fwd.id;
    // Names at the time the operation runs (after earlier renames), for people reading the plan.
    const devIndex = fwd.kind === 'interface' ? fwd.spec.index : fwd.kind === 'route' ? fwd.spec.oif : fwd.kind === 'rule' ? null : fwd.spec.index;
    const dev = devOf(state, devIndex) ?? fwd.dev ?? null;
    const direct = directInverse(state, fwd, home);
    const victims = applyOp(state, fwd);
    const later: Victim[] = [];
    let seen: Set<string> | undefined;
    let created: Set<string> | undefined;
    // A link just created has nothing on it yet: a plan creates links before the addresses,
    // routes, ports and stacked devices that use them, and a new index is one no record names.
    // Deleting it again takes only its own veth peer, which is among what it creates. (Asking
    // the state is 6 µs a link once the code is warm, and several times that in a fresh process.)
    const fresh = fwd.kind === 'interface' && fwd.intent === 'create';
    for (const inv of direct) {
      if (inv.ns || fresh) continue;
      const fx = sideEffects(state, inv);
      if (fx.length === 0) continue;
      seen ??= new Set(victims.map((v) => `${v.kind}:${v.key}`));
      created ??= createdKeys(state, fwd);
      for (const v of fx) {
        const id2 = `${v.kind}:${v.key}`;
        if (seen.has(id2) || created.has(id2)) continue;
        seen.add(id2);
        later.push(v);
      }
    }
    // (Most operations have no victims: a plan of 10,000 route additions should not sort 10,000 empty lists.)
    const restores = victims.length === 0 && later.length === 0 ? [] : restoreOps(state, [...victims, ...later]).map((op) =>
      (tableOf(base, op.kind).get(op.key) !== undefined ? { ...op, deferrable: true } : op) as Operation);
    // The inverse operations were made here, for this operation alone: numbered in place.
    const inverse = restores.length === 0 ? direct : [...direct, ...restores];
    for (let j = 0; j < inverse.length; j++) inverse[j]!.id = `${id}.${j + 1}`;
    fwd.dev = dev;
    fwd.inverse = inverse;
  }
}

/**
 * Whether every operation adds a route, rule or neighbour in the transaction's own namespace: the
 * kernel drops nothing for such an addition, nor for its undo, a delete of exactly what it added
 * (effects.ts), and none of them changes a link. Their inverses are plain undos (fillAdditions).
 */
export function onlyPlainAdditions(ops: readonly Operation[]): boolean {
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if ((op.kind !== 'route' && op.kind !== 'rule' && op.kind !== 'neighbour') || (op.intent !== 'create' && op.intent !== 'append') || op.ns) return false;
  }
  return true;
}

/** Whether every operation creates a link (a veth pair, a bridge) in the transaction's own namespace. */
function allLinkCreations(ops: readonly Operation[]): boolean {
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.kind !== 'interface' || op.intent !== 'create' || op.ns) return false;
  }
  return true;
}

/**
 * fillInverses() for a plan that only creates links (200 veth pairs): each is undone by deleting
 * it (its veth peer goes with it), and nothing it does takes anything else (a new index is one no
 * record names), as the general loop finds op by op without asking the state (`fresh`). Nothing
 * later in such a plan reads the links it makes, so the plan is not simulated.
 */
function fillCreations(state: TxState, ops: Operation[]): void {
  for (let i = 0; i < ops.length; i++) {
    const fwd = ops[i]!;
    if (fwd.kind !== 'interface') continue;
    const undo = linkDeleteOp(state, { index: fwd.spec.index, ifname: fwd.spec.ifname! }, 'undo');
    undo.id = `${fwd.id}.1`;
    fwd.dev ??= null;
    fwd.inverse = [undo];
  }
}

/**
 * fillInverses() for a plan of plain additions only (10,000 routes): nothing it does changes a
 * link or has a victim, so each inverse is its delete, named after the link as the base has it,
 * without simulating the plan step by step (what the general loop would find, op by op).
 */
function fillAdditions(state: TxState, ops: Operation[]): void {
  for (let i = 0; i < ops.length; i++) {
    const fwd = ops[i]!;
    // (The undo names the link the addition does: the route's oif, the neighbour's link.)
    const undo = recordOp(state, fwd.kind as RecordOpKind, 'delete', fwd.spec as never, 'undo', fwd.key || undefined);
    undo.id = `${fwd.id}.1`;
    fwd.dev = undo.dev ?? fwd.dev ?? null;
    fwd.inverse = [undo];
  }
}

/**
 * The rollback of a partly applied plan, computed again from what actually took effect: the
 * operations after a failed one ran in a state the plan did not foresee (the failed one's effect
 * and side effects are missing), so their victims may differ from the planned ones. Re-simulating
 * only the applied operations over the same base gives inverses for what really happened.
 * Operations whose outcome is unknown count as applied, and their inverses tolerate finding
 * nothing to undo.
 */
export function rollbackOps(
  base: TxBase, ops: readonly Operation[], applied: (op: Operation) => 'yes' | 'no' | 'maybe', opts: { home?: string | null } = {},
): Operation[] {
  const taken = ops.filter((op) => applied(op) !== 'no').map((op) => ({ ...op, inverse: [] }) as Operation);
  const replanned = withInverses(base, taken, { home: opts.home ?? null, keepIds: true });
  return undoSequence(replanned, applied);
}
