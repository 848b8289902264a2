/**
 * The draft of a transaction: the whole database as the transaction would leave it, read and
 * written through `tx.interfaces`, `tx.addresses`, `tx.routes`, `tx.rules`, `tx.neighbours`.
 *
 * Nothing is copied up front. Interfaces are immer drafts made on first touch (draft-links.ts);
 * the other tables keep an overlay of edits by identity key over the frozen base (edits.ts), so a
 * transaction touching 3 routes of 100,000 holds 3 entries. Reading a table merges the base with
 * the overlay lazily, and hides what the kernel would take away with a link the draft removed.
 *
 * Every call checks its spec at once (IPRoute's validators): a mistake throws a ValidationError
 * naming the field and value, at the line that made it.
 */
import type {
  AddressRecord, NeighbourRecord, RecordByKind, RouteRecord, RuleRecord,
} from '../iproute/records.js';
import type { AddressSpec, IfRef, LinkSpec, NeighbourSpec, RouteSpec, RuleSpec } from '../iproute/specs.js';
import { keyedRows, keyOf, keysOf, tableOf, type KeyFns, type TxBase } from './base.js';
import { LinkDraft, type InterfaceDraft, type LinkAddressSpec } from './draft-links.js';
import { KeyedEdits, type TxEdits } from './edits.js';
import { invalid } from './errors.js';
import { KEY_OF, routeKeyer } from '../db/keys.js';
import {
  addressRecord, neighbourRecord, neighbourTarget, quickRouteMatcher, routeMatcher, routeRecord, ruleMatcher, ruleRecord, type RouteMatch,
} from './normalise.js';
import { gatewayLink, isConnected, type OnLinkView } from './onlink.js';
import { QuickMemo } from './quick-specs.js';
import { BaseIndexes, routeLinks, sameSlot } from './state.js';

/** IFA_F_PERMANENT: the kernel reports every address added without lifetimes with it. */
const IFA_F_PERMANENT = 0x80;

export type { InterfaceDraft, LinkAddressSpec };

export interface InterfacesApi {
  get(ref: IfRef): InterfaceDraft | undefined;
  has(ref: IfRef): boolean;
  /** Creates a link: { ifname, kind, ... } (IPRoute's LinkSpec); a veth names its peer. */
  create(spec: LinkSpec): InterfaceDraft;
  remove(ref: IfRef): void;
  list(): InterfaceDraft[];
  [Symbol.iterator](): Iterator<InterfaceDraft>;
}

/** `tx.interfaces.eth0`, or `tx.interfaces.get('eth0')` for names that clash with a method. */
export type InterfacesDraft = InterfacesApi & { readonly [ifname: string]: InterfaceDraft | undefined };

export interface AddressesDraft extends Iterable<AddressRecord> {
  add(spec: AddressSpec): AddressRecord;
  replace(spec: AddressSpec): AddressRecord;
  remove(spec: AddressSpec | AddressRecord): AddressRecord;
  list(): AddressRecord[];
  on(ref: IfRef): AddressRecord[];
}

export interface RoutesDraft extends Iterable<RouteRecord> {
  add(spec: RouteSpec): RouteRecord;
  append(spec: RouteSpec): RouteRecord;
  replace(spec: RouteSpec): RouteRecord;
  /** Removes the one route matching `spec` (unspecified fields are wildcards; table main). */
  remove(spec: RouteSpec | RouteRecord): RouteRecord;
  find(spec: RouteSpec): RouteRecord[];
  list(): RouteRecord[];
}

export interface RulesDraft extends Iterable<RuleRecord> {
  add(spec: RuleSpec): RuleRecord;
  remove(spec: RuleSpec | RuleRecord): RuleRecord;
  find(spec: RuleSpec): RuleRecord[];
  list(): RuleRecord[];
}

export interface NeighboursDraft extends Iterable<NeighbourRecord> {
  add(spec: NeighbourSpec): NeighbourRecord;
  replace(spec: NeighbourSpec): NeighbourRecord;
  remove(spec: NeighbourSpec | NeighbourRecord): NeighbourRecord;
  list(): NeighbourRecord[];
  on(ref: IfRef): NeighbourRecord[];
}

export interface DraftOptions {
  /** Throws when the transaction may no longer be changed (committed, dropped). */
  guard?: () => void;
  /** Picks indexes for created links; by default a little above the highest one present. */
  allocateIndex?: (taken: (index: number) => boolean) => number;
  namespaceExists?: (name: string) => boolean;
}

const RECORD_FIELDS = {
  address: ['index', 'family', 'address', 'prefixlen', 'peer', 'broadcast', 'label', 'scope', 'flags'],
  route: ['family', 'table', 'dst', 'gateway', 'oif', 'priority', 'protocol', 'scope', 'type', 'multipath', 'prefsrc', 'tos', 'metrics', 'pref'],
  rule: ['family', 'priority', 'table', 'src', 'dst', 'action', 'iifname', 'oifname', 'fwmark', 'fwmask', 'tos', 'protocol'],
  neighbour: ['index', 'family', 'dst', 'lladdr', 'state', 'flags'],
} as const;

type KeyedKind = keyof typeof RECORD_FIELDS;

/** What the draft indexes its routes by: the destination's text (the slot check sorts out tables and families). */
const routeDst = (r: Pick<RouteRecord, 'dst'>) => r.dst;

/** A whole record (from list() or find()) rather than a spec: it has every field, nulls included. */
function isRecord(kind: KeyedKind, x: unknown): boolean {
  return typeof x === 'object' && x !== null && RECORD_FIELDS[kind].every((f) => f in x);
}

const NO_ROUTES: RouteRecord[] = Object.freeze([]) as unknown as RouteRecord[];
const NO_KEYS: readonly string[] = Object.freeze([]);
/** NUD_VALID: the states of an entry with a link-layer address. */
const NUD_VALID: ReadonlySet<string> = new Set(['PERMANENT', 'NOARP', 'REACHABLE', 'STALE', 'DELAY', 'PROBE']);
const ANY = (): boolean => true;

/**
 * Table.put()'s check of a record that nothing is under its key yet: throws to refuse it. `near`
 * is what the caller looked up for it already (a route: the base's routes to its destination).
 */
type Vacant<R> = (r: R, key: string, value: unknown, near: readonly string[]) => void;

/** One keyed table of the draft: its base, the overlay of edits, and what the draft hides. */
class Table<K extends KeyedKind> {
  readonly edits: KeyedEdits<RecordByKind[K]>;
  constructor(
    private readonly base: TxBase, private readonly keys: KeyFns, readonly kind: K,
    private readonly hidden: (r: RecordByKind[K]) => boolean, indexer?: (r: RecordByKind[K]) => string,
  ) {
    this.edits = new KeyedEdits(tableOf(base, kind), indexer);
    this.keyer = (kind === 'route' && keys.route === KEY_OF.route
      ? routeKeyer()
      : (r: RecordByKind[K]) => keyOf(keys, kind, r)) as (r: RecordByKind[K]) => string;
  }

  /** Keys by record object (records are immutable; a route's key is a long string to build). */
  private readonly keyCache = new WeakMap<object, string>();

  key(r: RecordByKind[K]): string {
    let k = this.keyCache.get(r);
    if (k === undefined) {
      k = keyOf(this.keys, this.kind, r);
      this.keyCache.set(r, k);
    }
    return k;
  }

  /**
   * Keys new records: the database's route keys through a memo (routeKeyer: the part after the
   * destination is made once per next hop and attributes, not for each of 10,000 routes).
   */
  private readonly keyer: (r: RecordByKind[K]) => string;

  /** The key of a record just made (not cached: it is keyed once, then known by its key). */
  keyOfNew(r: RecordByKind[K]): string {
    return this.keyer(r);
  }

  current(key: string): RecordByKind[K] | undefined {
    const r = this.edits.current(key);
    return r && !this.hidden(r) ? r : undefined;
  }

  *values(): Iterable<RecordByKind[K]> {
    const m = this.edits.map;
    if (m.size === 0) {
      for (const r of tableOf(this.base, this.kind).values()) if (!this.hidden(r)) yield r;
    } else {
      for (const [key, r] of keyedRows(this.base, this.kind)) if (!this.hidden(r) && !m.has(key)) yield r;
    }
    for (const e of m.values()) if (e.final && !this.hidden(e.final)) yield e.final;
  }

  /**
   * Puts a record under `key` (its identity key). `vacant`, when given, runs when nothing is
   * there yet, before the record is put (a route's check of its kernel slot), with the record,
   * its key, `value` and `near`. The caller may know the table's indexer value for the record
   * (`at`), and that the base has nothing under the key (`absent`).
   */
  put(r: RecordByKind[K], intent: 'create' | 'replace' | 'append', field: string, value: unknown,
    key: string = this.key(r), vacant?: Vacant<RecordByKind[K]>, at?: string, absent = false, near: readonly string[] = NO_KEYS): RecordByKind[K] {
    // One look-up in the base serves both the check and the put (none when the caller knows).
    const was = absent ? undefined : this.edits.baseGet(key);
    const e = this.edits.map.get(key);
    const now = e ? (e.final ?? undefined) : was;
    const there = now !== undefined && !this.hidden(now);
    if (there && intent !== 'replace') {
      throw invalid(field, value, this.kind, `exists already${this.kind === 'rule' ? '' : '; use replace() to overwrite it'}`);
    }
    if (!there) vacant?.(r, key, value, near);
    // (vacant() may take a slotmate out, never what is under `key`: `e` is still what is there.)
    this.edits.putKnown(key, r, intent, was, e ?? null, at);
    return r;
  }

  removeKey(key: string, field: string, value: unknown): RecordByKind[K] {
    const r = this.current(key);
    if (!r) throw invalid(field, value, this.kind, 'no such object in this transaction');
    this.edits.remove(key);
    return r;
  }

  /**
   * The keys of the visible objects among the base's under `baseKeys` (those the edits leave
   * alone) and the edits' under `editKeys` that pass `test`, the base's first: what a remove by
   * spec takes, without keying the record it finds again.
   */
  keysAmong(test: (r: RecordByKind[K]) => boolean, baseKeys: readonly string[], editKeys: Iterable<string>): string[] {
    const m = this.edits.map;
    const out: string[] = [];
    for (let i = 0; i < baseKeys.length; i++) {
      const k = baseKeys[i]!;
      if (m.has(k)) continue;
      const r = this.edits.baseGet(k);
      if (r !== undefined && !this.hidden(r) && test(r)) out.push(k);
    }
    for (const k of editKeys) {
      const r = m.get(k)?.final;
      if (r && !this.hidden(r) && test(r)) out.push(k);
    }
    return out;
  }

  /**
   * values() among the base's objects under `baseKeys` and the edits' under `editKeys` only (what
   * an index says is at one place), in values()' order: the base's first, then the edits'.
   */
  valuesAmong(baseKeys: readonly string[], editKeys: Iterable<string>): RecordByKind[K][] {
    // (keysAmong found each one visible: current() gives it back.)
    return this.keysAmong(ANY, baseKeys, editKeys).map((k) => this.current(k)!);
  }

  /** The single object matching `test`, or a ValidationError (none, or ambiguous). */
  only(test: (r: RecordByKind[K]) => boolean, field: string, value: unknown, within?: Iterable<RecordByKind[K]>): RecordByKind[K] {
    const hits: RecordByKind[K][] = [];
    for (const r of within ?? this.values()) if (test(r)) hits.push(r);
    if (hits.length === 0) throw invalid(field, value, this.kind, 'no such object in this transaction');
    if (hits.length > 1) throw invalid(field, value, this.kind, `matches ${hits.length} objects; give more fields (or pass one from find())`);
    return hits[0]!;
  }
}

export class TxDraft {
  readonly interfaces: InterfacesDraft;
  readonly addresses: AddressesDraft;
  readonly routes: RoutesDraft;
  readonly rules: RulesDraft;
  readonly neighbours: NeighboursDraft;
  private readonly links: LinkDraft;
  private readonly tables: { [K in KeyedKind]: Table<K> };
  private readonly ix: BaseIndexes;
  private readonly dbRouteKeys: boolean;
  /** For gateway look-ups (onlink.ts): base candidates, found once; the draft's own, as put. */
  private baseConnected?: RouteRecord[];
  private baseAddresses?: AddressRecord[];
  private readonly connectedPuts = new Set<string>();
  private readonly addressPuts = new Set<string>();

  constructor(readonly base: TxBase, opts: DraftOptions = {}) {
    const guard = opts.guard ?? (() => {});
    const keys = keysOf(base);
    // With the database's keys, a route's key begins with its family, table and destination: a
    // destination the base has no route to has none under the key either (putRoute).
    this.dbRouteKeys = keys.route === KEY_OF.route;
    this.ix = BaseIndexes.of(base);
    const gone = (i: number | null) => i !== null && this.links.isGone(i);
    this.tables = {
      address: new Table(base, keys, 'address', (a) => gone(a.index)),
      route: new Table(base, keys, 'route', (r) => routeLinks(r).some(gone), routeDst),
      rule: new Table(base, keys, 'rule', () => false),
      neighbour: new Table(base, keys, 'neighbour', (n) => gone(n.index)),
    };
    this.links = new LinkDraft(base, {
      guard,
      methods: (index) => this.linkMethods(index),
      gone: (indexes) => {
        const set = new Set(indexes);
        this.tables.address.edits.cancelPuts((a) => set.has(a.index));
        this.tables.neighbour.edits.cancelPuts((n) => set.has(n.index));
        this.tables.route.edits.cancelPuts((r) => routeLinks(r).some((i) => set.has(i)));
      },
      addedOn: (index) => {
        const counts: [number, string][] = [
          [this.tables.address.edits.countPuts((a) => a.index === index), 'address'],
          [this.tables.route.edits.countPuts((r) => routeLinks(r).includes(index)), 'route'],
          [this.tables.neighbour.edits.countPuts((n) => n.index === index), 'neighbour'],
        ];
        return counts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}${n === 1 ? '' : what === 'address' ? 'es' : 's'}`).join(', ');
      },
      ...(opts.allocateIndex ? { allocateIndex: opts.allocateIndex } : {}),
      ...(opts.namespaceExists ? { namespaceExists: opts.namespaceExists } : {}),
    });
    const resolve = this.links.resolve;
    const quick = new QuickMemo();
    const links = this.links;
    const t = this.tables;

    const api: InterfacesApi = {
      get: (ref) => links.get(ref),
      has: (ref) => links.get(ref) !== undefined,
      create: (spec) => links.create(spec),
      remove: (ref) => links.remove(ref),
      list: () => links.list(),
      [Symbol.iterator]: () => links.list()[Symbol.iterator](),
    };
    this.interfaces = new Proxy(api, {
      get(target, prop) {
        if (typeof prop === 'symbol' || Object.hasOwn(target, prop)) return Reflect.get(target, prop);
        return links.get(prop);
      },
      set(_t, prop) {
        throw invalid(String(prop), undefined, 'interface', 'use interfaces.create() to add a link');
      },
    }) as InterfacesDraft;

    this.addresses = {
      add: (spec) => { guard(); return this.putAddress(addressRecord(spec, resolve), 'create', spec.address); },
      replace: (spec) => { guard(); return this.putAddress(addressRecord(spec, resolve), 'replace', spec.address); },
      remove: (spec) => { guard(); return this.removeAddress(spec); },
      list: () => [...t.address.values()],
      on: (ref) => this.addressesOn(resolve(typeof ref === 'number' ? { index: ref } : { ifname: ref }, 'ifname')),
      [Symbol.iterator]: () => t.address.values()[Symbol.iterator](),
    };

    this.routes = {
      add: (spec) => { guard(); return this.putRoute(this.completeRoute(routeRecord(spec, resolve, quick)), spec.dst, 'create'); },
      append: (spec) => { guard(); return this.putRoute(this.completeRoute(routeRecord(spec, resolve, quick)), spec.dst, 'append'); },
      replace: (spec) => { guard(); return this.putRoute(this.completeRoute(routeRecord(spec, resolve, quick)), spec.dst, 'replace'); },
      remove: (spec) => {
        guard();
        if (isRecord('route', spec)) return t.route.removeKey(t.route.key(spec as RouteRecord), 'dst', spec.dst);
        const s = spec as RouteSpec;
        // The routes to its destination that match it, by key: one is the one; of several, the
        // one the spec names exactly (its record, unspecified fields as an add would fill them)
        // is meant. (The exact record, when there, always matches.)
        const m = quickRouteMatcher(s, resolve, quick) ?? routeMatcher(s, resolve);
        const keys = t.route.keysAmong(m, this.ix.routesAt(m.family, m.table, m.dst), this.routeEditsAt(m.dst));
        if (keys.length === 1) return t.route.removeKey(keys[0]!, 'dst', s.dst);
        if (keys.length > 1) {
          const exact = this.tryKey(() => t.route.key(routeRecord(s, resolve)));
          if (exact !== undefined && keys.includes(exact)) return t.route.removeKey(exact, 'dst', s.dst);
        }
        // None, or more than one: only() says which.
        const r = t.route.only(m, 'dst', s.dst, this.routesTo(m));
        return t.route.removeKey(t.route.key(r), 'dst', s.dst);
      },
      find: (spec) => { const m = quickRouteMatcher(spec, resolve, quick) ?? routeMatcher(spec, resolve); return [...this.routesTo(m)].filter(m); },
      list: () => [...t.route.values()],
      [Symbol.iterator]: () => t.route.values()[Symbol.iterator](),
    };

    this.rules = {
      add: (spec) => { guard(); return t.rule.put(ruleRecord(spec), 'create', 'priority', spec.priority); },
      remove: (spec) => {
        guard();
        if (isRecord('rule', spec)) return t.rule.removeKey(t.rule.key(spec as RuleRecord), 'priority', spec.priority);
        const r = t.rule.only(ruleMatcher(spec as RuleSpec), 'priority', spec.priority);
        return t.rule.removeKey(t.rule.key(r), 'priority', spec.priority);
      },
      find: (spec) => { const m = ruleMatcher(spec); return [...t.rule.values()].filter(m); },
      list: () => [...t.rule.values()],
      [Symbol.iterator]: () => t.rule.values()[Symbol.iterator](),
    };

    this.neighbours = {
      add: (spec) => { guard(); return t.neighbour.put(this.withLladdr(neighbourRecord(spec, resolve), false), 'create', 'dst', spec.dst); },
      replace: (spec) => { guard(); return t.neighbour.put(this.withLladdr(neighbourRecord(spec, resolve), true), 'replace', 'dst', spec.dst); },
      remove: (spec) => {
        guard();
        if (isRecord('neighbour', spec)) return t.neighbour.removeKey(t.neighbour.key(spec as NeighbourRecord), 'dst', spec.dst);
        const n = neighbourTarget(spec as NeighbourSpec, resolve);
        const hit = t.neighbour.only((r) => r.index === n.index && r.family === n.family && r.dst === n.dst, 'dst', spec.dst, this.neighboursOn(n.index));
        return t.neighbour.removeKey(t.neighbour.key(hit), 'dst', spec.dst);
      },
      list: () => [...t.neighbour.values()],
      on: (ref) => this.neighboursOn(resolve(typeof ref === 'number' ? { index: ref } : { ifname: ref }, 'ifname')),
      [Symbol.iterator]: () => t.neighbour.values()[Symbol.iterator](),
    };
  }

  /**
   * An address as the kernel will report it: permanent (no lifetimes are sent), and an IPv4
   * address labelled with its link's name when no label is given.
   */
  private putAddress(rec: AddressRecord, intent: 'create' | 'replace', value: unknown): AddressRecord {
    // `rec` was just made by addressRecord(): completed in place.
    const r = rec;
    r.flags |= IFA_F_PERMANENT;
    if (r.family === 4 && r.label === null) r.label = this.links.nameOf(r.index) ?? null;
    const t = this.tables.address;
    const key = t.keyOfNew(r);
    t.put(r, intent, 'address', value, key);
    this.addressPuts.add(key);
    return r;
  }

  /** The draft's view for gateway look-ups. */
  private readonly onLink: OnLinkView = {
    connectedRoutes: () => {
      const t = this.tables.route;
      if (!this.baseConnected) this.baseConnected = [...tableOf(this.base, 'route').values()].filter(isConnected);
      const out: RouteRecord[] = [];
      for (const r of this.baseConnected) if (t.current(t.key(r)) !== undefined) out.push(r);
      for (const k of this.connectedPuts) { const r = t.current(k); if (r) out.push(r); }
      return out;
    },
    addresses: () => {
      const t = this.tables.address;
      if (!this.baseAddresses) this.baseAddresses = [...tableOf(this.base, 'address').values()];
      const out: AddressRecord[] = [];
      for (const a of this.baseAddresses) if (t.current(t.key(a)) !== undefined) out.push(a);
      for (const k of this.addressPuts) { const a = t.current(k); if (a) out.push(a); }
      return out;
    },
  };

  /**
   * A route through a gateway with no device named gets the device the kernel will pick
   * (onlink.ts), so that its identity key is the one the kernel will report.
   */
  private completeRoute(rec: RouteRecord): RouteRecord {
    if (isConnected(rec)) return rec;
    if (rec.multipath) {
      if (!rec.multipath.some((h) => h.gateway !== null && h.oif === null)) return rec;
      return {
        ...rec,
        multipath: rec.multipath.map((h) => (h.gateway !== null && h.oif === null ? { ...h, oif: gatewayLink(this.onLink, rec.table, h.gateway) } : h)),
      };
    }
    if (rec.gateway === null || rec.oif !== null) return rec;
    const oif = gatewayLink(this.onLink, rec.table, rec.gateway);
    return oif === null ? rec : { ...rec, oif };
  }

  /**
   * Puts a route: `add` (create, append) and `replace`. `ip route add` (NLM_F_EXCL) is refused
   * when the kernel's slot (table, dst, metric, and tos for IPv4) holds any route, whatever its
   * nexthop: said here, before anything is sent. `ip route replace` takes the place of the one
   * route of its slot when no route with its identity exists; the draft shows the old one gone.
   */
  private putRoute(rec: RouteRecord, dst: unknown, intent: 'create' | 'replace' | 'append'): RouteRecord {
    const t = this.tables.route;
    const key = t.keyOfNew(rec);
    const near = this.ix.routesAt(rec.family, rec.table, rec.dst);
    const absent = this.dbRouteKeys && near.length === 0;
    // Most routes of a big batch go to a destination neither the base nor the draft has a route
    // to: no key to find, no slot to check (putNew does what put() would find to do).
    if (!(absent && intent === 'create' && t.edits.putNew(key, rec, routeDst(rec)))) {
      const vacant = intent === 'create' ? this.slotFree : intent === 'replace' ? this.takeSlot : undefined;
      t.put(rec, intent, 'dst', dst, key, vacant, routeDst(rec), absent, near);
    }
    if (isConnected(rec)) this.connectedPuts.add(key);
    return rec;
  }

  /**
   * A neighbour of a valid state needs a link-layer address on a link that has them: the kernel
   * refuses one without (EINVAL, 'No link layer address given'), and leaves an entry in state
   * none behind, which a rollback cannot see to remove. A replace of an entry there keeps its
   * address (neigh_update), and a link without a MAC address (a tunnel) has none to give.
   */
  private withLladdr(rec: NeighbourRecord, replacing: boolean): NeighbourRecord {
    if (rec.lladdr !== null || !NUD_VALID.has(rec.state)) return rec;
    const t = this.tables.neighbour;
    if (replacing && t.current(t.key(rec)) !== undefined) return rec;
    if (this.links.get(rec.index)?.address == null) return rec;
    throw invalid('lladdr', undefined, 'MAC address', `missing: a neighbour in state ${rec.state.toLowerCase()} needs one (the kernel refuses it, and leaves an entry in state none behind)`);
  }

  /** An added route's check of an empty slot (ValidationError naming the route there). */
  private readonly slotFree: Vacant<RouteRecord> = (rec, key, dst, near) => {
    const mate = this.slotmates(rec, key, near, true)[0];
    if (mate) {
      throw invalid('dst', dst, 'route', `another route holds its slot (table ${mate.table}, metric ${mate.priority ?? 0}` +
        `${mate.gateway ? `, via ${mate.gateway}` : ''}${mate.oif !== null ? `, dev #${mate.oif}` : ''}): append() adds beside it, replace() swaps it`);
    }
  };

  /** A replacing route's taking of its slot: the one route there goes (ValidationError for several). */
  private readonly takeSlot: Vacant<RouteRecord> = (rec, key, dst, near) => {
    const mates = this.slotmates(rec, key, near);
    if (mates.length > 1) {
      throw invalid('dst', dst, 'route', `${mates.length} routes share its table, metric and tos: remove the one to replace, then add`);
    }
    const t = this.tables.route;
    if (mates.length === 1) t.edits.remove(t.key(mates[0]!), key);
  };

  /**
   * Routes the draft now has in the slot of `rec` (whose key is `key`), other than `rec` itself
   * (with `first`, the first one found only). `baseKeys`: the base's routes to its destination
   * (BaseIndexes.routesAt).
   */
  private slotmates(rec: RouteRecord, key: string, baseKeys: readonly string[], first = false): RouteRecord[] {
    const t = this.tables.route;
    const dst = routeDst(rec);
    let out: RouteRecord[] = NO_ROUTES;
    for (let i = 0; i < baseKeys.length; i++) {
      const k = baseKeys[i]!;
      const r = t.current(k);
      if (r && k !== key && sameSlot(r, rec)) {
        if (first) return [r];
        if (out === NO_ROUTES) out = [];
        out.push(r);
      }
    }
    // (Most destinations of a big batch are new: nothing to iterate.)
    if (!t.edits.hasPutsAt(dst)) return out;
    for (const k of t.edits.putsAt(dst)) {
      const r = t.current(k);
      if (r && k !== key && !tableOf(this.base, 'route').get(k) && sameSlot(r, rec)) {
        if (first) return [r];
        if (out === NO_ROUTES) out = [];
        out.push(r);
      }
    }
    return out;
  }

  /**
   * The routes the draft now has to `to.dst` (and perhaps to the same text in other tables or
   * families: callers test): from the base's index by destination (a snapshot of many routes
   * answers from one shard) and the draft's own, never a walk over the whole table.
   */
  private routesTo(to: Pick<RouteMatch, 'family' | 'table' | 'dst'>): Iterable<RouteRecord> {
    return this.tables.route.valuesAmong(this.ix.routesAt(to.family, to.table, to.dst), this.routeEditsAt(to.dst));
  }

  /** The keys of the routes the draft itself puts to `dst`. */
  private routeEditsAt(dst: string): Iterable<string> {
    const edits = this.tables.route.edits;
    return edits.hasPutsAt(dst) ? edits.putsAt(dst) : NO_KEYS;
  }

  private tryKey(f: () => string): string | undefined {
    try {
      return f();
    } catch {
      return undefined;
    }
  }

  private addressesOn(index: number): AddressRecord[] {
    return [...this.tables.address.values()].filter((a) => a.index === index);
  }

  private neighboursOn(index: number): NeighbourRecord[] {
    return [...this.tables.neighbour.values()].filter((n) => n.index === index);
  }

  private removeAddress(spec: AddressSpec | AddressRecord): AddressRecord {
    const t = this.tables.address;
    if (isRecord('address', spec)) return t.removeKey(t.key(spec as AddressRecord), 'address', spec.address);
    const s = spec as AddressSpec;
    const rec = addressRecord(s, this.links.resolve);
    const exact = t.key(rec);
    if (t.current(exact)) return t.removeKey(exact, 'address', s.address);
    // '10.0.0.2' without a length: whichever address of the link has that local address.
    const lengthGiven = typeof s.address === 'object' || s.prefixlen !== undefined || s.address.includes('/');
    const hit = t.only((a) => a.family === rec.family && a.address === rec.address && (!lengthGiven || a.prefixlen === rec.prefixlen),
      'address', s.address, this.addressesOn(rec.index));
    return t.removeKey(t.key(hit), 'address', s.address);
  }

  private linkMethods(index: number): Record<string, unknown> {
    const spec = (s: string | LinkAddressSpec): AddressSpec => (typeof s === 'string' ? { index, address: s } : { ...s, index });
    return {
      addIp: (s: string | LinkAddressSpec) => this.addresses.add(spec(s)),
      delIp: (s: string | LinkAddressSpec) => this.addresses.remove(spec(s)),
      addresses: () => this.addressesOn(index),
    };
  }

  /**
   * What the draft changes, for the planner and the conflict check: copies, unless `live` (the
   * draft's own maps, for a commit, once the draft can no longer change).
   */
  edits(live = false): TxEdits {
    const t = this.tables;
    const m = <R>(x: ReadonlyMap<string, R>): ReadonlyMap<string, R> => (live ? x : new Map(x));
    return {
      links: this.links.edits(),
      addresses: m(t.address.edits.map),
      routes: m(t.route.edits.map),
      rules: m(t.rule.edits.map),
      neighbours: m(t.neighbour.edits.map),
      base: this.base,
    };
  }
}

