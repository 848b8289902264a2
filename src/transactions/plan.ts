/**
 * plan(base, edits): the operations that take the kernel from `base` to what the draft describes,
 * in dependency order, each with its inverse (inverse.ts).
 *
 * Order (STYLE.md practice 8), deletions first so names, keys and addresses are free again:
 *   1. delete neighbours, rules, routes, addresses (secondaries before primaries), links (ports
 *      and stacked devices before their masters and lower devices)
 *   2. links: set down; links leaving for another namespace (their own fields, then the move);
 *      rename (a link can only be renamed while down: EBUSY otherwise); create (lower devices
 *      first; a veth pair is one request); mtu, MAC, txqlen, group; master; set up (after its
 *      master, before any route through it: an IPv4 route needs its device up)
 *   3. addresses; routes (on-link before those through a gateway, single-path before multipath);
 *      rules; neighbours
 * Everything is validated against the final picture before any operation is made: a spec that
 * points at a link that will not exist, two links with one name, a created index that is taken,
 * removing a device that could not be re-created: each is a ValidationError naming the field.
 */
import { bridgePortChanges } from '../iproute/bridge-port.js';
import type { BridgePort, InterfaceRecord, RecordKind, RouteRecord } from '../iproute/records.js';
import type { TxBase } from './base.js';
import { sameRecord, type CreatedLink, type KeyedEdit, type TxEdits } from './edits.js';
import { ValidationError, type ValidationIssue } from './errors.js';
import { createSpecOf, fillInverses, linkDeleteOp, linkSetOp, onlyPlainAdditions, recordOp, withInverses } from './inverse.js';
import { linkField, withFlagFields } from './link-flags.js';
import { LINK_SET_FIELDS, type LinkSetField, type Operation } from './ops.js';
import { routeLinks, TxState } from './state.js';
import { createdRecords } from './effects.js';

export interface PlanOptions {
  /** The namespace label of the transaction's own namespace, for inverses run from elsewhere. */
  home?: string | null;
  /**
   * The kernel renames a link that is up (Linux 6.2 and later: net: allow to rename interface
   * when it's up). Without it, a rename of a link that is up must come with setting it down
   * (dev_change_name() refused it with EBUSY).
   */
  renameUp?: boolean;
  /**
   * Commit with { overwrite: true }: a route the transaction adds where someone else has put one
   * in the same slot since begin() takes the slot (a replace, whose undo puts theirs back), where
   * an add would be refused (EEXIST).
   */
  overwrite?: boolean;
}

type KeyedKind = Exclude<RecordKind, 'interface'>;
const TABLE: Record<KeyedKind, 'addresses' | 'routes' | 'rules' | 'neighbours'> = {
  address: 'addresses', route: 'routes', rule: 'rules', neighbour: 'neighbours',
};

/** The links as they will be after commit: index → record. */
function finalLinks(state: TxState, edits: TxEdits): Map<number, InterfaceRecord> {
  const out = new Map<number, InterfaceRecord>();
  for (const l of state.interfaces()) out.set(l.index, l);
  for (const [i, f] of edits.links.set) {
    const l = out.get(i);
    if (l) out.set(i, withFlagFields({ ...l, ...f }, f));
  }
  for (const i of goneLinks(state, edits)) out.delete(i);
  // Ports of a bridge that leaves are released by the kernel (unless the draft set their master).
  for (const l of out.values()) {
    if (l.master !== null && !out.has(l.master) && !('master' in (edits.links.set.get(l.index) ?? {}))) {
      out.set(l.index, { ...l, master: null });
    }
  }
  for (const c of edits.links.created) {
    out.set(c.record.index, c.record);
    if (c.peer) out.set(c.peer.index, c.peer);
  }
  return out;
}

function validate(state: TxState, edits: TxEdits, links: Map<number, InterfaceRecord>, opts: PlanOptions): void {
  const issues: ValidationIssue[] = [];
  const fail = (field: string, value: unknown, expected: string, reason: string) => issues.push({ field, value, expected, reason });
  const exists = (i: number | null) => i === null || links.has(i);

  const names = new Map<string, number>();
  for (const l of links.values()) {
    const other = names.get(l.ifname);
    if (other !== undefined) fail(`interfaces.${l.ifname}.ifname`, l.ifname, 'interface name', `used by two links (#${other} and #${l.index})`);
    names.set(l.ifname, l.index);
  }
  // Alternative names are names too (the kernel refuses one taken, EEXIST): a new link or a rename
  // may not take one, nor a new link's alternative name a name. (`?? []`: older records.)
  const altnames = new Map<string, number>();
  for (const l of links.values()) {
    const list = l.altnames ?? [];
    for (let k = 0; k < list.length; k++) {
      const n = list[k]!;
      const other = names.get(n) ?? altnames.get(n);
      if (other !== undefined) {
        const who = other === l.index ? 'its own name' : `also a name of ${links.get(other)!.ifname} (#${other})`;
        fail(`interfaces.${l.ifname}.altnames`, n, 'alternative name', `${who} after commit: the kernel refuses a name taken (EEXIST)`);
      }
      altnames.set(n, l.index);
    }
  }
  for (const l of links.values()) {
    if (l.master !== null && (!links.has(l.master) || l.master === l.index)) {
      fail(`interfaces.${l.ifname}.master`, l.master, 'interface', l.master === l.index ? 'a link cannot be its own master' : 'no such link after commit');
    }
  }
  for (const c of edits.links.created) {
    for (const r of c.peer ? [c.record, c.peer] : [c.record]) {
      if (state.interface(r.index)) fail(`interfaces.${r.ifname}.index`, r.index, 'interface index', 'already taken');
    }
    if (c.record.kind !== 'veth' && c.record.link !== null && !links.has(c.record.link)) {
      fail(`interfaces.${c.record.ifname}.link`, c.record.link, 'interface', 'no such link after commit');
    }
  }
  for (const [i, f] of edits.links.set) {
    const l = state.interface(i);
    if (!l) fail(`interfaces.#${i}`, i, 'interface', 'no longer exists');
    // Before Linux 6.2 dev_change_name() refused a link that is up (EBUSY); the planner renames
    // after setting links down, so there the transaction has to set it down too.
    if (!opts.renameUp && l && f.ifname !== undefined && f.ifname !== l.ifname && l.state === 'up' && f.state !== 'down') {
      fail(`interfaces.${l.ifname}.ifname`, f.ifname, 'interface name', "a link that is up cannot be renamed (EBUSY): set its state to 'down' in the same transaction");
    }
    for (const k of ['state', 'master', 'port'] as const) {
      if (edits.links.moved.has(i) && k in f) {
        fail(`interfaces.${state.interface(i)?.ifname ?? `#${i}`}.${k}`, f[k], k, 'a link moved to another namespace arrives there down and without a master; set it over there');
      }
    }
  }
  // Port settings go to the link's bridge (br_setport): it has to be a bridge's port then.
  for (const l of links.values()) {
    // (Set in this transaction: an existing link's edits, or a new link's record.)
    const given = state.interface(l.index) ? edits.links.set.get(l.index)?.port : l.port;
    if (given == null) continue;
    const master = l.master === null ? undefined : links.get(l.master);
    if (master?.kind !== 'bridge') {
      fail(`interfaces.${l.ifname}.port`, l.port, 'bridge port settings', 'the link is not a port of a bridge after commit: set its master to a bridge');
    }
  }
  for (const i of edits.links.removed) {
    const l = state.interface(i);
    if (l && l.kind === null) {
      fail(`interfaces.${l.ifname}`, l.ifname, 'interface', 'a device with no link kind (a NIC, lo) cannot be deleted, nor re-created by a rollback');
    }
  }
  edits.addresses.forEach((e, key) => {
    if (e.final && !exists(e.final.index)) fail(`addresses[${key}].index`, e.final.index, 'interface', 'no such link after commit');
  });
  edits.neighbours.forEach((e, key) => {
    if (e.final && !exists(e.final.index)) fail(`neighbours[${key}].index`, e.final.index, 'interface', 'no such link after commit');
  });
  edits.routes.forEach((e, key) => {
    const r = e.final;
    if (!r) return;
    // (The common route, one hop: its oif alone, without routeLinks' list.)
    if (r.multipath === null) {
      if (r.oif !== null && !links.has(r.oif)) fail(`routes[${key}].oif`, r.oif, 'interface', 'no such link after commit');
      return;
    }
    for (const i of routeLinks(r)) if (!links.has(i)) fail(`routes[${key}].oif`, i, 'interface', 'no such link after commit');
  });
  if (issues.length > 0) throw new ValidationError(issues);
}

/** Links that leave the namespace: removed (with their veth peers) or moved away. */
function goneLinks(state: TxState, edits: TxEdits): Set<number> {
  const out = new Set<number>(edits.links.moved.keys());
  for (const i of edits.links.removed) {
    out.add(i);
    const l = state.interface(i);
    if (l && l.kind === 'veth' && l.link !== null && l.linkNetnsid === null) out.add(l.link);
  }
  return out;
}

/** Dependents first: a port before its master, a stacked device before its lower device. */
function teardownOrder(state: TxState, indexes: readonly number[]): number[] {
  const set = new Set(indexes);
  const out: number[] = [];
  const visiting = new Set<number>();
  const visit = (i: number) => {
    if (out.includes(i) || visiting.has(i)) return;
    visiting.add(i);
    // A veth's peer here goes with it: what is stacked on the peer (a macvlan, a vxlan's device)
    // goes then too, and must be deleted before, not after (ENODEV).
    const self = state.interface(i);
    const peer = self?.kind === 'veth' && self.linkNetnsid === null ? self.link : null;
    for (const j of set) {
      const l = state.interface(j);
      // A vxlan names its lower device in its options (IFLA_VXLAN_LINK), not in IFLA_LINK.
      const lower = l && l.kind !== 'veth' ? (l.link ?? (typeof l.info?.link === 'number' ? l.info.link : null)) : null;
      if (l && j !== i && j !== peer && (l.master === i || lower === i || (peer !== null && (l.master === peer || lower === peer)))) visit(j);
    }
    out.push(i);
  };
  for (const i of indexes) visit(i);
  return out;
}

/** Lower devices first among created links. */
function createOrder(created: readonly CreatedLink[]): CreatedLink[] {
  const byIndex = new Map(created.map((c) => [c.record.index, c]));
  const out: CreatedLink[] = [];
  const visit = (c: CreatedLink, depth: number) => {
    if (out.includes(c) || depth > created.length) return;
    const lower = c.record.kind !== 'veth' && c.record.link !== null ? byIndex.get(c.record.link) : undefined;
    if (lower) visit(lower, depth + 1);
    out.push(c);
  };
  for (const c of created) visit(c, 0);
  return out;
}

/** Renames in an order where each new name is free; a cycle goes through a temporary name. */
function renameOps(state: TxState, renames: { index: number; from: string; to: string }[], gone: ReadonlySet<number>): Operation[] {
  const holder = new Map<string, number>();
  for (const l of state.interfaces()) if (!gone.has(l.index)) holder.set(l.ifname, l.index);
  const ops: Operation[] = [];
  const pending = [...renames];
  const names = new Map(renames.map((r) => [r.index, r.from]));
  const rename = (index: number, to: string) => {
    const from = names.get(index)!;
    ops.push(linkSetOp(state, index, { ifname: to }, 'forward', from));
    holder.delete(from);
    holder.set(to, index);
    names.set(index, to);
  };
  while (pending.length > 0) {
    const i = pending.findIndex((r) => { const h = holder.get(r.to); return h === undefined || h === r.index; });
    if (i >= 0) {
      const [r] = pending.splice(i, 1);
      rename(r!.index, r!.to);
      continue;
    }
    // Every wanted name is held by another pending rename: a cycle (a <-> b); break it.
    const r = pending.find((p) => pending.some((q) => q.index === holder.get(p.to)));
    if (!r) throw new Error(`rename planning is stuck: ${pending.map((p) => `${p.from} -> ${p.to}`).join(', ')}`);
    let tmp = `nldbtx${r.index}`.slice(0, 15);
    for (let n = 0; holder.has(tmp); n++) tmp = `nldbtx${r.index}_${n}`.slice(0, 15);
    rename(r.index, tmp);
  }
  return ops;
}

/** `known`: the edits were made over the base planned against, so their `was` is what it holds. */
function keyedOps<K extends KeyedKind>(
  state: TxState, kind: K, edits: ReadonlyMap<string, KeyedEdit<never>>, known: boolean, overwrite = false,
): { deletes: Operation[]; puts: Operation[] } {
  const deletes: Operation[] = [];
  const puts: Operation[] = [];
  // forEach, not for-of with destructuring: planned once per commit, before the JIT warms up,
  // where each destructured entry is an array of its own (10,000 of them for 10,000 routes).
  (edits as ReadonlyMap<string, KeyedEdit<Parameters<typeof recordOp<K>>[3]>>).forEach((e, key) => {
    const before = (known && e.was !== undefined ? e.was ?? undefined : state.get(kind, key)) as Parameters<typeof recordOp<K>>[3] | undefined;
    if (e.final === null) {
      // Displaced by a replace in the same slot: the replace itself removes it, atomically.
      if (e.displacedBy !== undefined && edits.get(e.displacedBy)?.final) return;
      if (before) deletes.push(recordOp(state, kind, 'delete', before, 'forward', key));
      return;
    }
    if (before === undefined) {
      let intent = e.intent === 'delete' ? 'create' : e.intent;
      if (overwrite && kind === 'route' && intent === 'create' && takenSlot(state, edits, e.final as RouteRecord)) intent = 'replace';
      puts.push(recordOp(state, kind, intent, e.final, 'forward', key));
    } else if (!sameRecord(before, e.final)) {
      // A rule cannot be replaced in place (the kernel ignores NLM_F_REPLACE for rules).
      if (kind === 'rule') {
        deletes.push(recordOp(state, kind, 'delete', before, 'forward', key));
        puts.push(recordOp(state, kind, 'create', e.final, 'forward', key));
      } else {
        puts.push(recordOp(state, kind, 'replace', e.final, 'forward', key));
      }
    }
  });
  return { deletes, puts };
}

/** Whether a route the transaction does not remove holds the slot `r` is added to. */
function takenSlot(state: TxState, edits: ReadonlyMap<string, KeyedEdit<never>>, r: RouteRecord): boolean {
  return state.slotmates(r).some((o) => edits.get(state.key('route', o))?.final !== null);
}

/** `ops` ordered by `rank` (0 .. ranks - 1), keeping their order within a rank. */
function partition(ops: Operation[], ranks: number, rank: (op: Operation) => number): Operation[] {
  // Ranks first: ops already in order (all of one rank, as a plan of 10,000 routes through one
  // gateway is) are returned as they are.
  const of = new Array<number>(ops.length);
  let sorted = true;
  for (let i = 0; i < ops.length; i++) {
    of[i] = rank(ops[i]!);
    if (i > 0 && of[i]! < of[i - 1]!) sorted = false;
  }
  if (sorted) return ops;
  const out: Operation[] = [];
  for (let r = 0; r < ranks; r++) for (let i = 0; i < ops.length; i++) if (of[i] === r) out.push(ops[i]!);
  return out;
}

function routeRank(r: RouteRecord): number {
  if (r.multipath) return 2;
  return r.gateway === null ? 0 : 1;
}

/**
 * What gives link `l` the alternative names `want` (link properties: requests of their own): the
 * names it has and `want` has not removed (RTM_DELLINKPROP), then those it lacks added
 * (RTM_NEWLINKPROP), which the kernel appends. Only which names a link has is set, not their order.
 */
function altnameOps(state: TxState, l: InterfaceRecord, want: readonly string[]): Operation[] {
  const have = l.altnames ?? [];
  const removed = have.filter((n) => !want.includes(n));
  const added = want.filter((n) => !have.includes(n));
  return [
    ...(removed.length > 0 ? [linkSetOp(state, l.index, { removeAltnames: removed }, 'forward', l.ifname)] : []),
    ...(added.length > 0 ? [linkSetOp(state, l.index, { altnames: added }, 'forward', l.ifname)] : []),
  ];
}

/** Whether a new link has anything set right after its create request (below, in forwardOps). */
function setAfterCreate(r: InterfaceRecord): boolean {
  // (A create makes a link down, with no master, settings or names of these kinds.)
  return r.alias != null || r.addrGenMode != null || r.altnames.length > 0 || r.master !== null || r.port != null || r.state !== 'down';
}

/** The forward operations, in order, without ids or inverses. */
export function forwardOps(base: TxBase, edits: TxEdits, opts: PlanOptions = {}): Operation[] {
  const state = new TxState(base);
  const links = finalLinks(state, edits);
  validate(state, edits, links, opts);

  const keyed = {} as Record<KeyedKind, { deletes: Operation[]; puts: Operation[] }>;
  const known = edits.base === base;
  for (const kind of Object.keys(TABLE) as KeyedKind[]) keyed[kind] = keyedOps(state, kind, edits[TABLE[kind]] as never, known, opts.overwrite === true);
  // Secondaries before primaries; on-link routes before gateway routes before multipath ones.
  // (Stable partitions, not sorts: a plan of 10,000 routes has 10,000 of one rank.)
  keyed.address.deletes = partition(keyed.address.deletes, 2, (op) => 1 - ((op.spec as { flags: number }).flags & 1));
  keyed.route.puts = partition(keyed.route.puts, 3, (op) => routeRank(op.spec as RouteRecord));

  const linkDeletes = teardownOrder(state, edits.links.removed.filter((i) => state.interface(i)))
    .map((i) => linkDeleteOp(state, state.interface(i)!, 'forward'));

  // Link fields: existing links from edits.links.set, new links' alias, mode, master and state
  // from their records.
  const downs: Operation[] = [];
  const renames: { index: number; from: string; to: string }[] = [];
  const fieldOps: Operation[] = [];
  const masters: Operation[] = [];
  const ports: Operation[] = [];
  const ups: Operation[] = [];
  const setField = (l: InterfaceRecord, f: LinkSetField, value: unknown) => {
    if (f === 'ifname') renames.push({ index: l.index, from: l.ifname, to: value as string });
    else if (f === 'port') {
      // What differs from what the link will have: after a change of master (or a create), the
      // bridge's defaults, which the settings are not compared with.
      const fields = edits.links.set.get(l.index);
      const have = fields && 'master' in fields && fields.master !== l.master ? null : l.port;
      const changes = bridgePortChanges(have, value as BridgePort);
      if (Object.keys(changes).length > 0) ports.push(linkSetOp(state, l.index, { port: changes }, 'forward', l.ifname));
    }
    else if (f === 'altnames') fieldOps.push(...altnameOps(state, l, value as readonly string[]));
    else if (f === 'state') (value === 'down' ? downs : ups).push(linkSetOp(state, l.index, { state: value as 'up' | 'down' }, 'forward', l.ifname));
    else if (f === 'master') {
      // (A master the transaction creates is not in the state planned against: named from the draft.)
      const name = typeof value === 'number' ? links.get(value)?.ifname : undefined;
      masters.push(linkSetOp(state, l.index, { master: value as number | null }, 'forward', l.ifname, name));
    }
    else fieldOps.push(linkSetOp(state, l.index, { [f]: value }, 'forward', l.ifname));
  };
  // A link leaving for another namespace gets its own fields (name, MTU, MAC) set first, then
  // moves, before other renames: one of them may want its old name.
  const leaving: Operation[] = [];
  for (const [index, fields] of edits.links.set) {
    const l = state.interface(index)!;
    for (const f of LINK_SET_FIELDS) {
      if (f === 'port' || !(f in fields) || sameRecord(linkField(l, f), fields[f])) continue;
      if (!edits.links.moved.has(index)) setField(l, f, fields[f]);
      else if (f === 'altnames') leaving.push(...altnameOps(state, l, fields.altnames!));
      else leaving.push(linkSetOp(state, index, { [f]: fields[f] }, 'forward', l.ifname));
    }
    // A link that joins another bridge gets that bridge's defaults: the settings the draft shows
    // are set again after it (a link leaving its bridge, or joining a master of another kind, a
    // bond or a VRF, has none).
    const port = fields.port ?? l.port;
    const joins = 'master' in fields && fields.master !== l.master && fields.master != null && links.get(fields.master)?.kind === 'bridge';
    if (port && (joins || ('port' in fields && !sameRecord(l.port, fields.port)))) setField(l, 'port', port);
  }
  const creates: Operation[] = [];
  for (const c of createOrder(edits.links.created)) {
    const spec = createSpecOf(c.record, c.peer);
    // Flags set on a new link ride in its create request, those bits only (ifi_change).
    if (c.flagMask !== undefined) Object.assign(spec, { flags: c.record.flags & c.flagMask, flagMask: c.flagMask });
    if (c.peerFlagMask !== undefined && spec.peer && c.peer) Object.assign(spec.peer, { flags: c.peer.flags & c.peerFlagMask, flagMask: c.peerFlagMask });
    // A bridge keeps an MTU set on it, and takes its ports' lowest otherwise, whenever a port joins
    // (br_mtu_auto_adjust): only an MTU set by a request of its own counts as set
    // (BROPT_MTU_SET_BY_USER, br_change_mtu), one in the create request does not.
    const bridgeMtu = c.record.kind === 'bridge' && spec.mtu !== undefined ? spec.mtu : undefined;
    if (bridgeMtu !== undefined) delete spec.mtu;
    creates.push({ id: '', kind: 'interface', intent: 'create', key: state.key('interface', c.record), spec, role: 'forward', inverse: [], dev: c.record.ifname });
    if (bridgeMtu !== undefined) setField(createdRecords(spec)[0]!, 'mtu', bridgeMtu);
    // What a create request cannot say, for the links that have any (the records a create makes
    // are made only for them).
    if (!setAfterCreate(c.record) && (c.peer === null || !setAfterCreate(c.peer))) continue;
    const made = createdRecords(spec);
    // (Indexes, not entries(): no pair per link, in code a fresh process runs unoptimized.)
    for (let i = 0; i < made.length; i++) {
      const r = i === 0 ? c.record : c.peer!;
      const m = made[i]!;
      // (What a create request cannot say: set right after it, before the link goes up. Each
      // condition here is one of setAfterCreate()'s, which skips links with none of them.)
      if (r.alias != null) setField(m, 'alias', r.alias);
      if (r.addrGenMode != null) setField(m, 'addrGenMode', r.addrGenMode);
      if (r.altnames.length > 0) fieldOps.push(...altnameOps(state, m, r.altnames));
      if (r.master !== null) setField(m, 'master', r.master);
      if (r.port !== null) setField(m, 'port', r.port);
      if (r.state !== m.state) setField(m, 'state', r.state);
    }
  }
  for (const [i, ns] of edits.links.moved) {
    const l = state.interface(i);
    if (l) leaving.push(linkSetOp(state, i, { netns: ns }, 'forward', (edits.links.set.get(i)?.ifname as string | undefined) ?? l.ifname));
  }

  return [
    ...keyed.neighbour.deletes, ...keyed.rule.deletes, ...keyed.route.deletes, ...keyed.address.deletes, ...linkDeletes,
    ...downs, ...leaving, ...renameOps(state, renames, goneLinks(state, edits)), ...creates, ...fieldOps, ...masters, ...ports, ...ups,
    ...keyed.address.puts, ...keyed.route.puts, ...keyed.rule.puts, ...keyed.neighbour.puts,
  ];
}

/**
 * The whole plan: forward operations in dependency order, numbered '1', '2', ..., each with the
 * inverse operations that undo it ('3.1', '3.2', ...). Throws ValidationError before anything is
 * planned when the draft cannot be carried out.
 */
export function plan(base: TxBase, edits: TxEdits, opts: PlanOptions = {}): Operation[] {
  return withInverses(base, forwardOps(base, edits, opts), { home: opts.home ?? null });
}

/**
 * plan() in two steps: the forward operations now, numbered and validated (ValidationError), and
 * `inverses()`, which fills in their inverses in place (the same ones plan() gives), to be called
 * once, later: a commit without a journal computes them while the kernel works (commit.ts).
 */
export function planInTwo(
  base: TxBase, edits: TxEdits, opts: PlanOptions = {},
): { ops: Operation[]; inverses: () => void; onDemand: boolean } {
  // forwardOps() makes new operations each time: numbered in place.
  const ops = forwardOps(base, edits, opts);
  for (let i = 0; i < ops.length; i++) ops[i]!.id = String(i + 1);
  // (Such a plan's inverses are plain undos, which nothing confirming looks for: commit.ts.)
  return { ops, inverses: () => fillInverses(base, ops, { home: opts.home ?? null }), onDemand: onlyPlainAdditions(ops) };
}

/** A readable name of a keyed object for messages: 'route 10.0.0.0/24 table 254'. */
export function labelOf(kind: RecordKind, record: unknown): string {
  const r = record as Record<string, unknown>;
  switch (kind) {
    case 'interface': return `interface ${String(r.ifname ?? `#${String(r.index)}`)}`;
    case 'address': return `address ${String(r.address)}/${String(r.prefixlen)} on #${String(r.index)}`;
    case 'route': return `route ${String(r.dst)} table ${String(r.table)}`;
    case 'rule': return `rule priority ${String(r.priority)}`;
    case 'neighbour': return `neighbour ${String(r.dst)} on #${String(r.index)}`;
  }
}
