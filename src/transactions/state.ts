/**
 * TxState: a mutable overlay over a frozen TxBase, for the planner's step-by-step simulation of
 * what each operation does to the kernel (effects.ts). Only the objects an operation touches are
 * copied into the overlay; a table of 100,000 routes stays where it is.
 *
 * The side-effect rules need "everything on link 7" and "every route with prefsrc 10.0.0.1":
 * those look-ups use the base's own indexes when it offers them (TxBase.lookup), else secondary
 * indexes built on first use (one pass over the table, keys only), and are corrected by the
 * overlay at query time. The overlay's own indexes are built on first use too, and kept from
 * then on: a plan of 10,000 route additions asks none of them, and pays for none.
 */
import type {
  AddressRecord, Family, InterfaceRecord, NeighbourRecord, RecordByKind, RecordKind, RouteRecord,
} from '../iproute/records.js';
import { formatIp, maskBytes, parseIp } from '../iproute/validate/ip.js';
import { keyedRows, keyOf, keysOf, tableOf, type KeyFns, type TxBase } from './base.js';
import { routeMetric } from './normalise.js';

type Overlay = { [K in RecordKind]: Map<string, RecordByKind[K] | null> };

/** Every interface index a route sends through: its oif and the oif of each multipath leg. */
export function routeLinks(r: RouteRecord): number[] {
  const out: number[] = [];
  if (r.oif !== null) out.push(r.oif);
  for (const h of r.multipath ?? []) if (h.oif !== null && !out.includes(h.oif)) out.push(h.oif);
  return out;
}

const subnets = new WeakMap<object, string>();

/** 'link|network/len' of an address: which addresses share a subnet on one link (cached per record). */
export function subnetOf(a: Pick<AddressRecord, 'index' | 'family' | 'address' | 'prefixlen'>): string {
  // One string per record: it is looked up in maps several times, and a string keeps its hash.
  let s = subnets.get(a);
  if (s === undefined) {
    // A host prefix is its own network: nothing to parse (most of a big batch of /32s).
    let net = a.address;
    if (a.prefixlen !== (a.family === 4 ? 32 : 128)) {
      const ip = parseIp(a.address);
      if (ip) net = formatIp(a.family, maskBytes(ip.bytes, a.prefixlen));
    }
    s = `${a.index}|${a.family}|${net}/${a.prefixlen}`;
    subnets.set(a, s);
  }
  return s;
}

/**
 * The link a device is stacked on, as unregistering it takes the device along (IFLA_LINK; a
 * vxlan names it in its options, IFLA_VXLAN_LINK); null for a veth (its IFLA_LINK is its peer) and
 * for a lower device in another namespace.
 */
export function lowerOf(l: InterfaceRecord): number | null {
  if (l.kind === 'veth' || l.linkNetnsid !== null) return null;
  return l.link ?? (typeof l.info?.link === 'number' ? l.info.link : null);
}

export function sameSlot(a: RouteRecord, b: RouteRecord): boolean {
  return a.family === b.family && a.table === b.table && a.dst === b.dst && (a.src ?? null) === (b.src ?? null) &&
    routeMetric(a) === routeMetric(b) &&
    (a.family === 6 || a.tos === b.tos);
}

class MultiIndex<T> {
  private readonly m = new Map<T, string[]>();
  add(k: T, key: string): void {
    const list = this.m.get(k);
    if (list) list.push(key);
    else this.m.set(k, [key]);
  }
  get(k: T): readonly string[] {
    return this.m.get(k) ?? NONE;
  }
}

const NONE: readonly string[] = Object.freeze([]);

/** Questions a base's keyed hooks answer (routeKeysVia/From) before its routes are indexed instead. */
const ASK_AT_MOST = 4;

/** Indexes per base (bases are immutable): BaseIndexes.of(). */
const shared = new WeakMap<TxBase, BaseIndexes>();

/** Secondary indexes over the base tables, built lazily, shared by every state over one base. */
export class BaseIndexes {
  private addrByIndex?: MultiIndex<number>;
  private addrByLocal?: MultiIndex<string>;
  private addrBySubnet?: MultiIndex<string>;
  private routesByLink?: MultiIndex<number>;
  private routesByPrefsrc?: MultiIndex<string>;
  private routesByDst?: MultiIndex<string>;
  private neighByIndex?: MultiIndex<number>;
  private linksByMaster?: MultiIndex<number>;
  private linksByLower?: MultiIndex<number>;

  constructor(private readonly base: TxBase) {}

  /**
   * The indexes of `base`, made on first use and shared from then on: a draft, its plan and the
   * simulation that computes the inverses read one base (a database snapshot's, which a 100,000
   * route table makes worth not indexing three times).
   */
  static of(base: TxBase): BaseIndexes {
    let ix = shared.get(base);
    if (ix === undefined) shared.set(base, (ix = new BaseIndexes(base)));
    return ix;
  }

  /** Links whose master is `index`. */
  ports(index: number): readonly string[] {
    if (!this.linksByMaster) this.buildLinks();
    return this.linksByMaster!.get(index);
  }

  /** Links stacked on `index` (lowerOf). */
  stacked(index: number): readonly string[] {
    if (!this.linksByLower) this.buildLinks();
    return this.linksByLower!.get(index);
  }

  private buildLinks(): void {
    const byMaster = new MultiIndex<number>();
    const byLower = new MultiIndex<number>();
    for (const [key, l] of keyedRows(this.base, 'interface')) {
      if (l.master !== null) byMaster.add(l.master, key);
      const lower = lowerOf(l);
      if (lower !== null) byLower.add(lower, key);
    }
    this.linksByMaster = byMaster;
    this.linksByLower = byLower;
  }

  private get keys(): KeyFns {
    return keysOf(this.base);
  }

  private keysOf<K extends RecordKind>(kind: K, rows: Iterable<RecordByKind[K]>): string[] {
    const out: string[] = [];
    for (const r of rows) out.push(keyOf(this.keys, kind, r));
    return out;
  }

  addresses(index: number): readonly string[] {
    const hook = this.base.lookup?.addressesOn;
    if (hook) return this.keysOf('address', hook(index));
    if (!this.addrByIndex) this.buildAddresses();
    return this.addrByIndex!.get(index);
  }

  /** Addresses with this local address, on any link. */
  addressesWithLocal(address: string): readonly string[] {
    if (!this.addrByLocal) this.buildAddresses();
    return this.addrByLocal!.get(address);
  }

  /** Addresses of one subnet on one link (subnetOf). */
  addressesInSubnet(subnet: string): readonly string[] {
    if (!this.addrBySubnet) this.buildAddresses();
    return this.addrBySubnet!.get(subnet);
  }

  private buildAddresses(): void {
    const byIndex = new MultiIndex<number>();
    const byLocal = new MultiIndex<string>();
    const bySubnet = new MultiIndex<string>();
    for (const [key, a] of keyedRows(this.base, 'address')) {
      byIndex.add(a.index, key);
      byLocal.add(a.address, key);
      bySubnet.add(subnetOf(a), key);
    }
    this.addrByIndex = byIndex;
    this.addrByLocal = byLocal;
    this.addrBySubnet = bySubnet;
  }

  /**
   * Answers of the keyed hooks (routeKeysVia/From), per question. After a few, the whole index is
   * built instead: one pass per question is cheaper only while the questions are few (a link set
   * down, or removed, or an address, in a transaction).
   */
  private readonly asked = new Map<string, readonly string[]>();

  private ask(question: string, hook: (() => readonly string[]) | undefined): readonly string[] | undefined {
    if (hook === undefined || this.routesByLink !== undefined) return undefined;
    const known = this.asked.get(question);
    if (known !== undefined) return known;
    if (this.asked.size >= ASK_AT_MOST) return undefined;
    const keys = hook();
    this.asked.set(question, keys);
    return keys;
  }

  routesVia(index: number): readonly string[] {
    const keyed = this.base.lookup?.routeKeysVia;
    const asked = this.ask(`via ${index}`, keyed && (() => keyed(index)));
    if (asked !== undefined) return asked;
    const hook = this.base.lookup?.routesVia;
    if (hook) return this.keysOf('route', hook(index));
    if (!this.routesByLink) this.buildRoutes();
    return this.routesByLink!.get(index);
  }

  routesFrom(prefsrc: string): readonly string[] {
    const keyed = this.base.lookup?.routeKeysFrom;
    const asked = this.ask(`from ${prefsrc}`, keyed && (() => keyed(prefsrc)));
    if (asked !== undefined) return asked;
    const hook = this.base.lookup?.routesFrom;
    if (hook) return this.keysOf('route', hook(prefsrc));
    if (!this.routesByPrefsrc) this.buildRoutes();
    return this.routesByPrefsrc!.get(prefsrc);
  }

  /**
   * Routes to the destination prefix `dst` of `family` in `table`, and perhaps routes to the same
   * text in other tables (the index goes by the text alone, which a route record has already: no
   * string is made per look-up). Callers check the slot (sameSlot).
   */
  routesAt(family: Family, table: number, dst: string): readonly string[] {
    const keyed = this.base.lookup?.routeKeysTo;
    if (keyed) return keyed(family, table, dst);
    const hook = this.base.lookup?.routesTo;
    if (hook) return this.keysOf('route', hook(family, table, dst));
    if (!this.routesByDst) this.buildRoutes();
    return this.routesByDst!.get(dst);
  }

  neighbours(index: number): readonly string[] {
    const hook = this.base.lookup?.neighboursOn;
    if (hook) return this.keysOf('neighbour', hook(index));
    if (!this.neighByIndex) {
      const ix = new MultiIndex<number>();
      for (const [key, n] of keyedRows(this.base, 'neighbour')) ix.add(n.index, key);
      this.neighByIndex = ix;
    }
    return this.neighByIndex.get(index);
  }

  private buildRoutes(): void {
    const byLink = new MultiIndex<number>();
    const bySrc = new MultiIndex<string>();
    const byDst = new MultiIndex<string>();
    for (const [key, r] of keyedRows(this.base, 'route')) {
      for (const i of routeLinks(r)) byLink.add(i, key);
      if (r.prefsrc !== null) bySrc.add(r.prefsrc, key);
      byDst.add(r.dst, key);
    }
    this.routesByLink = byLink;
    this.routesByPrefsrc = bySrc;
    this.routesByDst = byDst;
  }
}

/** Secondary indexes kept over the overlay, so look-ups never scan it. */
type IxName = 'addrIndex' | 'addrLocal' | 'addrSubnet' | 'routeLink' | 'routeSrc' | 'routeDst' | 'neighIndex' | 'linkMaster' | 'linkLower';
const dstOf = (r: Pick<RouteRecord, 'family' | 'table' | 'dst'>) => `${r.family}|${r.table}|${r.dst}`;
/**
 * An overlay index: value -> the key of the one record with it, or the keys of several (most
 * values belong to one record: a Set each would be most of what a big plan allocates).
 */
type Postings = Map<string | number, string | Set<string>>;

/** Adds (or removes) `key` under `value`. */
function post(ix: Postings, value: string | number, key: string, add: boolean): void {
  const cur = ix.get(value);
  if (add) {
    if (cur === undefined) ix.set(value, key);
    else if (typeof cur !== 'string') cur.add(key);
    else if (cur !== key) ix.set(value, new Set([cur, key]));
  } else if (cur !== undefined) {
    if (typeof cur !== 'string') cur.delete(key);
    else if (cur === key) ix.delete(value);
  }
}

/** Posts a record's values in an index: each indexer knows which of its fields are indexed. */
type Indexer<R> = (r: R, ix: Postings, key: string, add: boolean) => void;

const INDEXERS: { readonly [K in RecordKind]?: readonly (readonly [IxName, Indexer<RecordByKind[K]>])[] } = {
  address: [
    ['addrIndex', (a, ix, k, add) => post(ix, a.index, k, add)],
    ['addrLocal', (a, ix, k, add) => post(ix, a.address, k, add)],
    ['addrSubnet', (a, ix, k, add) => post(ix, subnetOf(a), k, add)],
  ],
  route: [
    ['routeLink', (r, ix, k, add) => { for (const i of routeLinks(r)) post(ix, i, k, add); }],
    ['routeSrc', (r, ix, k, add) => { if (r.prefsrc !== null) post(ix, r.prefsrc, k, add); }],
    ['routeDst', (r, ix, k, add) => post(ix, dstOf(r), k, add)],
  ],
  neighbour: [['neighIndex', (n, ix, k, add) => post(ix, n.index, k, add)]],
  interface: [
    ['linkMaster', (l, ix, k, add) => { if (l.master !== null) post(ix, l.master, k, add); }],
    ['linkLower', (l, ix, k, add) => { const i = lowerOf(l); if (i !== null) post(ix, i, k, add); }],
  ],
};

const IX_KIND: { readonly [N in IxName]: RecordKind } = {
  addrIndex: 'address', addrLocal: 'address', addrSubnet: 'address',
  routeLink: 'route', routeSrc: 'route', routeDst: 'route', neighIndex: 'neighbour',
  linkMaster: 'interface', linkLower: 'interface',
};

/** Lookups whose index is exact (every key under the value has it): nothing to re-check. */
const ANY = (): boolean => true;

export class TxState {
  readonly keys: KeyFns;
  private readonly former = new Map<number, string>();
  private readonly overIx = new Map<IxName, Postings>();
  private readonly over: Overlay = {
    interface: new Map(), address: new Map(), route: new Map(), rule: new Map(), neighbour: new Map(),
  };

  constructor(readonly base: TxBase, private readonly ix: BaseIndexes = BaseIndexes.of(base)) {
    this.keys = keysOf(base);
  }

  /** Keys of records seen, by object: records are immutable, and a route's key is a long string to build. */
  private readonly keyCache = new WeakMap<object, string>();

  key<K extends RecordKind>(kind: K, record: RecordByKind[K]): string {
    let k = this.keyCache.get(record);
    if (k === undefined) {
      k = keyOf(this.keys, kind, record);
      this.keyCache.set(record, k);
    }
    return k;
  }

  get<K extends RecordKind>(kind: K, key: string): RecordByKind[K] | undefined {
    // The overlay holds null for what the transaction removed.
    const r = (this.over[kind] as Map<string, RecordByKind[K] | null>).get(key);
    if (r !== undefined) return r ?? undefined;
    return tableOf(this.base, kind).get(key);
  }

  has(kind: RecordKind, key: string): boolean {
    return this.get(kind, key) !== undefined;
  }

  /** Keeps the overlay indexes built so far up to date with one record coming or going. */
  private reindex<K extends RecordKind>(kind: K, key: string, record: RecordByKind[K], add: boolean): void {
    const indexers = INDEXERS[kind];
    if (indexers === undefined || this.overIx.size === 0) return;
    for (const [name, indexer] of indexers) {
      const ix = this.overIx.get(name);
      if (ix) (indexer as Indexer<RecordByKind[K]>)(record, ix, key, add);
    }
  }

  /** The overlay's keys under `value` in index `name`: one key, several, or none. */
  private overlayPostings(name: IxName, value: string | number): string | Set<string> | undefined {
    let ix = this.overIx.get(name);
    if (!ix) {
      // First use: index what the overlay holds; reindex() keeps it from here on.
      ix = new Map();
      const kind = IX_KIND[name];
      const indexer = INDEXERS[kind]!.find(([n]) => n === name)![1] as Indexer<unknown>;
      for (const [k, r] of this.over[kind]) if (r) indexer(r, ix, k, true);
      this.overIx.set(name, ix);
    }
    return ix.get(value);
  }

  /** Puts `record` in the overlay (under `key`, its identity key, when the caller has it). */
  put<K extends RecordKind>(kind: K, record: RecordByKind[K], key: string = this.key(kind, record)): string {
    if (kind === 'interface') this.names.clear();
    const o = this.over[kind] as Map<string, RecordByKind[K] | null>;
    const prev = o.get(key);
    if (prev) this.reindex(kind, key, prev, false);
    o.set(key, record);
    this.reindex(kind, key, record, true);
    return key;
  }

  /** The last name a link had before it left the state (for people reading restorations). */
  formerName(index: number): string | undefined {
    return this.former.get(index);
  }

  /** Names by index, as nameOf() found them since links last changed. */
  private readonly names = new Map<number, string | null>();

  /**
   * The name of link `index` now, or the last one it had before it left (for people reading the
   * plan); null when it never was here. Asked for every operation of a plan: remembered until a
   * link changes.
   */
  nameOf(index: number): string | null {
    let n = this.names.get(index);
    if (n === undefined) {
      n = this.interface(index)?.ifname ?? this.former.get(index) ?? null;
      this.names.set(index, n);
    }
    return n;
  }

  delete<K extends RecordKind>(kind: K, key: string): RecordByKind[K] | undefined {
    if (kind === 'interface') this.names.clear();
    const was = this.get(kind, key);
    if (kind === 'interface' && was) this.former.set((was as InterfaceRecord).index, (was as InterfaceRecord).ifname);
    const o = this.over[kind] as Map<string, RecordByKind[K] | null>;
    const prev = o.get(key);
    if (prev) this.reindex(kind, key, prev, false);
    o.set(key, null);
    return was;
  }

  /** Every record of a kind (lazily; avoid on large tables). */
  *values<K extends RecordKind>(kind: K): Iterable<RecordByKind[K]> {
    const o = this.over[kind] as Map<string, RecordByKind[K] | null>;
    if (o.size === 0) {
      yield* tableOf(this.base, kind).values();
      return;
    }
    for (const [key, r] of keyedRows(this.base, kind)) {
      if (!o.has(key)) yield r;
    }
    for (const r of o.values()) if (r) yield r;
  }

  /** Records of `kind`: the base's under `baseKeys`, the overlay's under index `name` = `value`. */
  /**
   * The first record of `kind` passing `test`: the base's under `baseKeys` (unless the overlay has
   * their key), then the overlay's under index `name` = `value`; with `all`, every one, in that order.
   */
  private scan<K extends RecordKind>(
    kind: K, baseKeys: readonly string[], name: IxName, value: string | number, test: (r: RecordByKind[K], key: string) => boolean,
    out: RecordByKind[K][] | null,
  ): RecordByKind[K] | undefined {
    const o = this.over[kind] as Map<string, RecordByKind[K] | null>;
    if (baseKeys.length > 0) {
      const table = tableOf(this.base, kind);
      for (let i = 0; i < baseKeys.length; i++) {
        const k = baseKeys[i]!;
        if (o.has(k)) continue;
        const r = table.get(k);
        if (r && test(r, k)) {
          if (out === null) return r;
          out.push(r);
        }
      }
    }
    const p = this.overlayPostings(name, value);
    if (p === undefined) return undefined;
    if (typeof p === 'string') {
      const r = o.get(p);
      if (r && test(r, p)) {
        if (out === null) return r;
        out.push(r);
      }
      return undefined;
    }
    for (const k of p) {
      const r = o.get(k);
      if (r && test(r, k)) {
        if (out === null) return r;
        out.push(r);
      }
    }
    return undefined;
  }

  private lookup<K extends RecordKind>(
    kind: K, baseKeys: readonly string[], name: IxName, value: string | number, test: (r: RecordByKind[K]) => boolean = ANY,
  ): RecordByKind[K][] {
    const out: RecordByKind[K][] = [];
    this.scan(kind, baseKeys, name, value, test, out);
    return out;
  }

  /**
   * Whether link `index` has an address passing `test`, which is given each address with its key
   * (stops at the first: links with thousands).
   */
  someAddressOn(index: number, test: (a: AddressRecord, key: string) => boolean): boolean {
    return this.scan('address', this.ix.addresses(index), 'addrIndex', index, test, null) !== undefined;
  }

  /**
   * Each address of the subnet of `a` on its link (`a` included if present) with its key, until
   * `visit` returns true. (The side-effect rules compare keys: handing them over spares keying
   * each record again.)
   */
  eachAddressInSubnet(a: Pick<AddressRecord, 'index' | 'family' | 'address' | 'prefixlen'>, visit: (o: AddressRecord, key: string) => boolean | void): void {
    const subnet = subnetOf(a);
    this.scan('address', this.ix.addressesInSubnet(subnet), 'addrSubnet', subnet, (o, k) => visit(o, k) === true, null);
  }

  /** Each address with this local address, on any link, with its key, until `visit` returns true. */
  eachAddressWithLocal(address: string, visit: (o: AddressRecord, key: string) => boolean | void): void {
    this.scan('address', this.ix.addressesWithLocal(address), 'addrLocal', address, (o, k) => visit(o, k) === true, null);
  }

  interfaces(): InterfaceRecord[] {
    return [...this.values('interface')];
  }

  private readonly linkKeys = new Map<number, string>();

  interface(index: number): InterfaceRecord | undefined {
    let k = this.linkKeys.get(index);
    if (k === undefined) {
      k = keyOf(this.keys, 'interface', { index } as InterfaceRecord);
      this.linkKeys.set(index, k);
    }
    return this.get('interface', k);
  }

  /** Links whose master is `index` (a bridge's or bond's ports). */
  ports(index: number): InterfaceRecord[] {
    return this.lookup('interface', this.ix.ports(index), 'linkMaster', index);
  }

  /** Links stacked on link `index` (lowerOf): unregistering it takes them along. */
  stackedOn(index: number): InterfaceRecord[] {
    return this.lookup('interface', this.ix.stacked(index), 'linkLower', index);
  }

  interfaceByName(name: string): InterfaceRecord | undefined {
    for (const i of this.values('interface')) if (i.ifname === name) return i;
    return undefined;
  }

  addressesOn(index: number): AddressRecord[] {
    return this.lookup('address', this.ix.addresses(index), 'addrIndex', index);
  }

  /** Addresses of the subnet of `a` on its link, `a` included if present. */
  addressesInSubnet(a: Pick<AddressRecord, 'index' | 'family' | 'address' | 'prefixlen'>): AddressRecord[] {
    const subnet = subnetOf(a);
    return this.lookup('address', this.ix.addressesInSubnet(subnet), 'addrSubnet', subnet);
  }

  addressesWithLocal(address: string): AddressRecord[] {
    return this.lookup('address', this.ix.addressesWithLocal(address), 'addrLocal', address);
  }

  routesVia(index: number): RouteRecord[] {
    return this.lookup('route', this.ix.routesVia(index), 'routeLink', index);
  }

  routesFrom(prefsrc: string): RouteRecord[] {
    return this.lookup('route', this.ix.routesFrom(prefsrc), 'routeSrc', prefsrc);
  }

  /**
   * Routes in the kernel's slot of `r` other than `r` itself: same family, table, destination,
   * metric, and (IPv4) tos. NLM_F_REPLACE swaps the first of them for `r`.
   */
  slotmates(r: RouteRecord): RouteRecord[] {
    const self = this.key('route', r);
    return this.lookup('route', this.ix.routesAt(r.family, r.table, r.dst), 'routeDst', dstOf(r), (o) => sameSlot(o, r) && this.key('route', o) !== self);
  }

  neighboursOn(index: number): NeighbourRecord[] {
    return this.lookup('neighbour', this.ix.neighbours(index), 'neighIndex', index);
  }
}
