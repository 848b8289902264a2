/**
 * TxState: a mutable overlay over a frozen TxBase, for the planner's step-by-step simulation of
 * what each operation does to the kernel (effects.ts). Only the objects an operation touches are
 * copied into the overlay; a table of 100,000 routes stays where it is.
 *
 * The side-effect rules need "everything on link 7" and "every route with prefsrc 10.0.0.1":
 * those look-ups use the base's own indexes when it offers them (TxBase.lookup), else secondary
 * indexes built on first use (one pass over the table, keys only), and are corrected by the
 * overlay at query time.
 */
import type {
  AddressRecord, Family, InterfaceRecord, NeighbourRecord, RecordByKind, RecordKind, RouteRecord,
} from '../iproute/records.js';
import { formatIp, maskBytes, parseIp } from '../iproute/validate/ip.js';
import { keysOf, tableOf, type TxBase } from './base.js';
import { keyOf, routeMetric, type KeyFns } from './keys.js';

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
  let s = subnets.get(a);
  if (s === undefined) {
    const ip = parseIp(a.address);
    const net = ip ? formatIp(a.family, maskBytes(ip.bytes, a.prefixlen)) : a.address;
    s = `${a.index}|${a.family}|${net}/${a.prefixlen}`;
    subnets.set(a, s);
  }
  return s;
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
    return this.m.get(k) ?? [];
  }
}

/** Secondary indexes over the base tables, built lazily, shared by every state over one base. */
export class BaseIndexes {
  private addrByIndex?: MultiIndex<number>;
  private addrByLocal?: MultiIndex<string>;
  private addrBySubnet?: MultiIndex<string>;
  private routesByLink?: MultiIndex<number>;
  private routesByPrefsrc?: MultiIndex<string>;
  private routesByDst?: MultiIndex<string>;
  private neighByIndex?: MultiIndex<number>;

  constructor(private readonly base: TxBase) {}

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
    for (const a of this.base.addresses.values()) {
      const key = keyOf(this.keys, 'address', a);
      byIndex.add(a.index, key);
      byLocal.add(a.address, key);
      bySubnet.add(subnetOf(a), key);
    }
    this.addrByIndex = byIndex;
    this.addrByLocal = byLocal;
    this.addrBySubnet = bySubnet;
  }

  routesVia(index: number): readonly string[] {
    const hook = this.base.lookup?.routesVia;
    if (hook) return this.keysOf('route', hook(index));
    if (!this.routesByLink) this.buildRoutes();
    return this.routesByLink!.get(index);
  }

  routesFrom(prefsrc: string): readonly string[] {
    const hook = this.base.lookup?.routesFrom;
    if (hook) return this.keysOf('route', hook(prefsrc));
    if (!this.routesByPrefsrc) this.buildRoutes();
    return this.routesByPrefsrc!.get(prefsrc);
  }

  /** Routes of one destination prefix in one table: 'family|table|dst'. */
  routesAt(family: Family, table: number, dst: string): readonly string[] {
    const hook = this.base.lookup?.routesTo;
    if (hook) return this.keysOf('route', hook(family, table, dst));
    if (!this.routesByDst) this.buildRoutes();
    return this.routesByDst!.get(`${family}|${table}|${dst}`);
  }

  neighbours(index: number): readonly string[] {
    const hook = this.base.lookup?.neighboursOn;
    if (hook) return this.keysOf('neighbour', hook(index));
    if (!this.neighByIndex) {
      const ix = new MultiIndex<number>();
      for (const n of this.base.neighbours.values()) ix.add(n.index, keyOf(this.keys, 'neighbour', n));
      this.neighByIndex = ix;
    }
    return this.neighByIndex.get(index);
  }

  private buildRoutes(): void {
    const byLink = new MultiIndex<number>();
    const bySrc = new MultiIndex<string>();
    const byDst = new MultiIndex<string>();
    for (const r of this.base.routes.values()) {
      const key = keyOf(this.keys, 'route', r);
      for (const i of routeLinks(r)) byLink.add(i, key);
      if (r.prefsrc !== null) bySrc.add(r.prefsrc, key);
      byDst.add(`${r.family}|${r.table}|${r.dst}`, key);
    }
    this.routesByLink = byLink;
    this.routesByPrefsrc = bySrc;
    this.routesByDst = byDst;
  }
}

/** Secondary indexes kept over the overlay, so look-ups never scan it. */
type IxName = 'addrIndex' | 'addrLocal' | 'addrSubnet' | 'routeLink' | 'routeSrc' | 'routeDst' | 'neighIndex';
const dstOf = (r: Pick<RouteRecord, 'family' | 'table' | 'dst'>) => `${r.family}|${r.table}|${r.dst}`;
const INDEXERS: { readonly [K in RecordKind]?: readonly (readonly [IxName, (r: RecordByKind[K]) => readonly (string | number)[]])[] } = {
  address: [['addrIndex', (a) => [a.index]], ['addrLocal', (a) => [a.address]], ['addrSubnet', (a) => [subnetOf(a)]]],
  route: [['routeLink', (r) => routeLinks(r)], ['routeSrc', (r) => (r.prefsrc === null ? [] : [r.prefsrc])], ['routeDst', (r) => [dstOf(r)]]],
  neighbour: [['neighIndex', (n) => [n.index]]],
};

export class TxState {
  readonly keys: KeyFns;
  private readonly former = new Map<number, string>();
  private readonly overIx = new Map<IxName, Map<string | number, Set<string>>>();
  private readonly over: Overlay = {
    interface: new Map(), address: new Map(), route: new Map(), rule: new Map(), neighbour: new Map(),
  };

  constructor(readonly base: TxBase, private readonly ix: BaseIndexes = new BaseIndexes(base)) {
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
    const o = this.over[kind] as Map<string, RecordByKind[K] | null>;
    if (o.has(key)) return o.get(key) ?? undefined;
    return tableOf(this.base, kind).get(key);
  }

  has(kind: RecordKind, key: string): boolean {
    return this.get(kind, key) !== undefined;
  }

  private reindex<K extends RecordKind>(kind: K, key: string, record: RecordByKind[K], add: boolean): void {
    for (const [name, values] of INDEXERS[kind] ?? []) {
      let ix = this.overIx.get(name);
      if (!ix) this.overIx.set(name, (ix = new Map()));
      for (const v of values(record)) {
        let set = ix.get(v);
        if (!set) ix.set(v, (set = new Set()));
        if (add) set.add(key);
        else set.delete(key);
      }
    }
  }

  private overlayKeys(name: IxName, value: string | number): Iterable<string> {
    return this.overIx.get(name)?.get(value) ?? [];
  }

  put<K extends RecordKind>(kind: K, record: RecordByKind[K]): string {
    const key = this.key(kind, record);
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

  delete<K extends RecordKind>(kind: K, key: string): RecordByKind[K] | undefined {
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
    const keys = this.keys;
    for (const r of tableOf(this.base, kind).values()) {
      if (!o.has(keyOf(keys, kind, r))) yield r;
    }
    for (const r of o.values()) if (r) yield r;
  }

  /** Records of `kind`: the base's under `baseKeys`, the overlay's under index `name` = `value`. */
  private lookup<K extends RecordKind>(
    kind: K, baseKeys: readonly string[], name: IxName, value: string | number, test: (r: RecordByKind[K]) => boolean,
  ): RecordByKind[K][] {
    const o = this.over[kind] as Map<string, RecordByKind[K] | null>;
    const table = tableOf(this.base, kind);
    const out: RecordByKind[K][] = [];
    for (const k of baseKeys) {
      if (o.has(k)) continue;
      const r = table.get(k);
      if (r && test(r)) out.push(r);
    }
    for (const k of this.overlayKeys(name, value)) {
      const r = o.get(k);
      if (r && test(r)) out.push(r);
    }
    return out;
  }

  /** The same records as lookup(), one at a time, for callers that stop at the first match. */
  private *lookupLazy<K extends RecordKind>(
    kind: K, baseKeys: readonly string[], name: IxName, value: string | number, test: (r: RecordByKind[K]) => boolean,
  ): Generator<RecordByKind[K]> {
    const o = this.over[kind] as Map<string, RecordByKind[K] | null>;
    const table = tableOf(this.base, kind);
    for (const k of baseKeys) {
      if (o.has(k)) continue;
      const r = table.get(k);
      if (r && test(r)) yield r;
    }
    for (const k of this.overlayKeys(name, value)) {
      const r = o.get(k);
      if (r && test(r)) yield r;
    }
  }

  /** Whether link `index` has an address passing `test` (stops at the first: links with thousands). */
  someAddressOn(index: number, test: (a: AddressRecord) => boolean): boolean {
    for (const a of this.lookupLazy('address', this.ix.addresses(index), 'addrIndex', index, (x) => x.index === index)) {
      if (test(a)) return true;
    }
    return false;
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

  interfaceByName(name: string): InterfaceRecord | undefined {
    for (const i of this.values('interface')) if (i.ifname === name) return i;
    return undefined;
  }

  addressesOn(index: number): AddressRecord[] {
    return this.lookup('address', this.ix.addresses(index), 'addrIndex', index, (a) => a.index === index);
  }

  /** Addresses of the subnet of `a` on its link, `a` included if present. */
  addressesInSubnet(a: Pick<AddressRecord, 'index' | 'family' | 'address' | 'prefixlen'>): AddressRecord[] {
    const subnet = subnetOf(a);
    return this.lookup('address', this.ix.addressesInSubnet(subnet), 'addrSubnet', subnet, (o) => subnetOf(o) === subnet);
  }

  addressesWithLocal(address: string): AddressRecord[] {
    return this.lookup('address', this.ix.addressesWithLocal(address), 'addrLocal', address, (a) => a.address === address);
  }

  routesVia(index: number): RouteRecord[] {
    return this.lookup('route', this.ix.routesVia(index), 'routeLink', index, (r) => routeLinks(r).includes(index));
  }

  routesFrom(prefsrc: string): RouteRecord[] {
    return this.lookup('route', this.ix.routesFrom(prefsrc), 'routeSrc', prefsrc, (r) => r.prefsrc === prefsrc);
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
    return this.lookup('neighbour', this.ix.neighbours(index), 'neighIndex', index, (n) => n.index === index);
  }
}
