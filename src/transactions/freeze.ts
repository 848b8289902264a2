/**
 * Freezing an interface: `db.interfaces.freeze('eth0')` keeps the link as it is now, its settings
 * (name, MTU, MAC, state, master, queue length, group) and its addresses, by reverting what other
 * programs change on it, until `unfreeze`.
 *
 * How: the freezer watches the database's changes for the link and its addresses; after one, once
 * the database's own commits are done (so nothing of ours is mistaken for someone else's), it
 * compares the link with what was frozen and commits a transaction that puts back what differs.
 * Changes this database commits itself are the user's: they update what is frozen (adopt()); the
 * freezer's own reverting transactions are not.
 *
 * Not frozen: IPv6 link-local addresses (the kernel makes and removes them itself), routes and
 * neighbours. Before Linux 6.2 a link that is up could not be renamed: a rename is reverted in two
 * steps (down and renamed, then up again), each a transaction of its own, whatever the kernel. A
 * link deleted outright is created again with its index, name, MAC and settings where its kind
 * allows it.
 */
import type { Subscription, Observable } from 'rxjs';
import type { AnyChange } from '../db/types.js';
import type { DbState } from '../db/state.js';
import type { AddressRecord, InterfaceRecord } from '../iproute/records.js';
import type { IfRef, LinkSpec } from '../iproute/specs.js';
import { SPEC_INFO_KEYS } from '../iproute/validate/index.js';
import { addressSpec } from './encode-op.js';
import type { CommitReport } from './commit.js';
import { flagsToRestore, linkField } from './link-flags.js';
import { flagOf, LINK_FLAG_FIELDS } from '../iproute/link-flags.js';
import { LINK_SET_FIELDS } from './ops.js';
import { withFields } from './effects.js';
import { sameNames } from './edits.js';
import type { Transaction } from './transaction.js';

export interface FreezeHost {
  /** The database's current state. */
  state(): DbState;
  readonly changes$: Observable<AnyChange>;
  begin(): Transaction;
  /** Resolves once no commit of this database is queued or running. */
  idle(): Promise<void>;
  /** Brings the database up to date with the kernel. */
  sync(): Promise<void>;
  /** A revert that failed (reported, not thrown: nobody awaits it). */
  error(err: Error): void;
}

interface Frozen {
  link: InterfaceRecord;
  /** For a veth: its peer as it was, to create the pair again. */
  peer: InterfaceRecord | null;
  /** Identity key → address. */
  addresses: Map<string, AddressRecord>;
}

export interface FreezeOptions {
  /** ms to wait after a change before looking (changes come in bursts). Default 20. */
  delayMs?: number;
  /** Reverting transactions per burst of changes before giving up (and reporting). Default 5. */
  maxRounds?: number;
}

const frozenAddress = (a: AddressRecord): boolean => !(a.family === 6 && a.scope === 'link');

export class Freezer {
  private readonly frozen = new Map<number, Frozen>();
  private sub: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  /**
   * The ids of the freezer's own reverting transactions: what they do is not the user's, so it is
   * not adopted (the first step of reverting a rename sets the link down, to be set up again).
   */
  private readonly reverting = new Set<string>();
  private readonly delayMs: number;
  private readonly maxRounds: number;

  constructor(private readonly host: FreezeHost, opts: FreezeOptions = {}) {
    this.delayMs = opts.delayMs ?? 20;
    this.maxRounds = opts.maxRounds ?? 5;
  }

  private find(ref: IfRef): InterfaceRecord {
    const state = this.host.state();
    const l = state.interfaces.get(ref as never) as InterfaceRecord | undefined;
    if (!l) throw new Error(`no interface ${JSON.stringify(ref)} to freeze`);
    return l;
  }

  /** Keeps the interface as it is now. Freezing it again takes its state anew. */
  freeze(ref: IfRef): InterfaceRecord {
    const link = this.find(ref);
    const state = this.host.state();
    const addresses = new Map<string, AddressRecord>();
    for (const a of state.addresses) if (a.index === link.index && frozenAddress(a)) addresses.set(state.addresses.keyOf(a), a);
    const peer = link.kind === 'veth' && link.link !== null && link.linkNetnsid === null
      ? (state.interfaces.get(link.link) as InterfaceRecord | undefined) ?? null : null;
    this.frozen.set(link.index, { link, peer, addresses });
    this.sub ??= this.host.changes$.subscribe((c) => this.onChange(c));
    return link;
  }

  /** Stops keeping it; true when it was frozen. */
  unfreeze(ref: IfRef): boolean {
    let index: number | undefined;
    if (typeof ref === 'number') index = ref;
    else for (const [i, f] of this.frozen) if (f.link.ifname === ref) index = i;
    const had = index !== undefined && this.frozen.delete(index);
    if (this.frozen.size === 0) this.stop();
    return had;
  }

  /** Indexes of the frozen interfaces. */
  get indexes(): number[] {
    return [...this.frozen.keys()];
  }

  /** A commit of this database went through: what it did to a frozen link is the new normal. */
  adopt(report: CommitReport): void {
    if (this.frozen.size === 0 || this.reverting.has(report.txId)) return;
    const state = this.host.state();
    for (const op of report.ops) {
      if (op.kind === 'interface') {
        const f = this.frozen.get(op.spec.index);
        if (!f) continue;
        if (op.intent === 'delete' || (op.intent === 'set' && op.spec.netns !== undefined)) { this.frozen.delete(op.spec.index); continue; }
        if (op.intent === 'set') {
          // As the kernel leaves it (alternative names added behind the others, or removed).
          const { index: _i, netns: _n, ...fields } = op.spec;
          f.link = withFields(f.link, fields);
        }
      } else if (op.kind === 'address') {
        const f = this.frozen.get(op.spec.index);
        if (!f || !frozenAddress(op.spec)) continue;
        const key = state.addresses.keyOf(op.spec);
        if (op.intent === 'delete') f.addresses.delete(key);
        else f.addresses.set(key, op.spec);
      }
    }
    if (this.frozen.size === 0) this.stop();
  }

  private onChange(c: AnyChange): void {
    const index = c.kind === 'interface' ? (c.after ?? c.before)!.index : c.kind === 'address' ? (c.after ?? c.before)!.index : null;
    if (index === null || !this.frozen.has(index)) return;
    this.schedule();
  }

  private schedule(): void {
    if (this.running) { this.again = true; return; }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.revertAll().catch((e: unknown) => this.host.error(e instanceof Error ? e : new Error(String(e)))).finally(() => {
        this.running = null;
        if (this.again) { this.again = false; this.schedule(); }
      });
    }, this.delayMs);
  }

  /** Resolves once no revert is pending or running (tests, close). */
  async settled(): Promise<void> {
    while (this.timer || this.running) {
      if (this.running) await this.running;
      else await new Promise((r) => setTimeout(r, this.delayMs));
    }
  }

  private async revertAll(): Promise<void> {
    for (let round = 0; round < this.maxRounds; round++) {
      await this.host.idle();
      await this.host.sync();
      const tx = this.host.begin();
      let changed = false;
      for (const [index, f] of [...this.frozen]) changed = this.draftRevert(tx, index, f) || changed;
      if (!changed) { tx.drop(); return; }
      this.reverting.add(tx.id);
      try {
        await tx.commit({ overwrite: true });
      } finally {
        this.reverting.delete(tx.id);
      }
    }
    throw new Error(`freeze: the frozen interfaces ${this.indexes.join(', ')} still differ after ${this.maxRounds} reverting transactions`);
  }

  /** Puts into `tx` what brings link `index` back to `f`; false when nothing differs. */
  private draftRevert(tx: Transaction, index: number, f: Frozen): boolean {
    const now = tx.interfaces.get(index);
    if (!now) return this.draftRecreate(tx, f);
    let changed = false;
    const link = f.link;
    const rename = now.ifname !== link.ifname;
    for (const field of LINK_SET_FIELDS) {
      if (field === 'ifname' || field === 'state') continue;
      const want = linkField(link, field);
      if (want === null && field !== 'master') continue;
      const have = (now as unknown as Record<string, unknown>)[field];
      // (Alternative names: which ones, not their order, which is the kernel's.)
      const same = field === 'altnames'
        ? sameNames(have as readonly string[], link.altnames)
        : JSON.stringify(have) === JSON.stringify(want);
      if (!same) { (now as unknown as Record<string, unknown>)[field] = want; changed = true; }
    }
    if (rename) {
      // dev_change_name() wants the link down: rename now, bring it up in the next round.
      if (now.state === 'up') now.state = 'down';
      now.ifname = link.ifname;
      changed = true;
    } else if (now.state !== link.state) {
      now.state = link.state;
      changed = true;
    }
    const have = new Map<string, AddressRecord>();
    for (const a of now.addresses) if (frozenAddress(a)) have.set(this.host.state().addresses.keyOf(a), a);
    for (const [key, a] of f.addresses) {
      if (!have.has(key)) { tx.addresses.add(addressSpec(a, false)); changed = true; }
    }
    for (const [key, a] of have) {
      if (!f.addresses.has(key)) { tx.addresses.remove(a); changed = true; }
    }
    return changed;
  }

  private draftRecreate(tx: Transaction, f: Frozen): boolean {
    const l = f.link;
    if (l.kind === null) return false;
    const spec: LinkSpec = { index: l.index, ifname: l.ifname, kind: l.kind, mtu: l.mtu };
    if (l.address) spec.address = l.address;
    if (l.txqlen !== null) spec.txqlen = l.txqlen;
    if (l.group !== null) spec.group = l.group;
    if (l.kind !== 'veth' && l.link !== null) spec.link = l.link;
    if (l.master !== null) spec.master = l.master;
    if (l.kind === 'veth') {
      if (!f.peer) return false;
      // The peer gets its own index back where it is free: left to the draft, it could take the
      // index of another frozen link deleted too, which the next round would then take for that link.
      const peerIndex = tx.interfaces.get(f.peer.index) === undefined ? { index: f.peer.index } : {};
      spec.peer = { ifname: f.peer.ifname, mtu: f.peer.mtu, ...peerIndex, ...(f.peer.address ? { address: f.peer.address } : {}) };
    }
    const keep = SPEC_INFO_KEYS[l.kind];
    if (keep && l.info) {
      const info: Record<string, unknown> = {};
      for (const k of keep) if (l.info[k] !== undefined) info[k] = l.info[k];
      if (Object.keys(info).length > 0) spec.info = info;
    }
    if (l.state === 'up') spec.state = 'up';
    // What a create request cannot say, set right after it (before the link goes up): an alias,
    // IPv6's address generation mode, alternative names, a bridge port's settings.
    // (`!= null`: records made before links had these fields have none.)
    if (l.alias != null) spec.alias = l.alias;
    if (l.addrGenMode != null) spec.addrGenMode = l.addrGenMode;
    if (l.altnames.length > 0) spec.altnames = [...l.altnames];
    if (l.master !== null && l.port != null) spec.port = l.port;
    // Flags that are settings, when not a new link's: they ride in the create request.
    if (flagsToRestore(l.flags, l.kind) !== undefined) for (const field of LINK_FLAG_FIELDS) spec[field] = flagOf(l.flags, field);
    const made = tx.interfaces.create(spec);
    if (f.peer && made.kind === 'veth') {
      const p = tx.interfaces.get(f.peer.ifname);
      if (p && f.peer.altnames.length > 0) p.altnames = [...f.peer.altnames];
      if (p && flagsToRestore(f.peer.flags, f.peer.kind) !== undefined) for (const field of LINK_FLAG_FIELDS) p[field] = flagOf(f.peer.flags, field);
    }
    for (const a of f.addresses.values()) tx.addresses.add(addressSpec(a, false));
    return true;
  }

  private stop(): void {
    this.sub?.unsubscribe();
    this.sub = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  close(): void {
    this.frozen.clear();
    this.stop();
  }
}
