/**
 * A tiny in-memory model of the kernel for transaction tests: it applies Operation specs to a set
 * of namespaces the way rtnetlink would, refusing what the kernel refuses (with errno names) and
 * with the side effects the kernel has: link delete/down/move flushes, prefsrc route flushes,
 * secondary addresses going with their primary, IPv4 prefix and local routes made by the kernel
 * for addresses on up links, NLM_F_EXCL / APPEND / REPLACE on route slots.
 *
 * Written separately from src/transactions/effects.ts on purpose: the planner's model of side
 * effects is checked against this one, not against itself.
 */
import type {
  AddressRecord, InterfaceRecord, NeighbourRecord, RouteRecord, RuleRecord,
} from '../../src/iproute/records.js';
import { baseFromArrays, type SnapshotArrays, type TxBase } from '../../src/transactions/base.js';
import type { KeyFns } from '../../src/transactions/base.js';
import type { Operation } from '../../src/transactions/ops.js';

export class SimError extends Error {
  constructor(readonly code: string, message: string) {
    super(`${code}: ${message}`);
  }
}

const fail = (code: string, msg: string): never => {
  throw new SimError(code, msg);
};

function ip4(text: string): number {
  return text.split('.').reduce((a, o) => a * 256 + Number(o), 0);
}
function net4(addr: string, len: number): string {
  const n = len === 0 ? 0 : (ip4(addr) >>> 0) & (0xffffffff << (32 - len)) >>> 0;
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.') + `/${len}`;
}

const metric = (r: RouteRecord) => r.priority ?? (r.family === 6 ? 1024 : 0);
const slot = (r: RouteRecord) => `${r.family}|${r.table}|${r.dst}|${r.src}|${metric(r)}|${r.family === 4 ? r.tos : ''}`;
const hops = (r: RouteRecord) =>
  (r.multipath ?? [{ gateway: r.gateway, oif: r.oif, weight: 1 }]).map((h) => `${h.gateway}@${h.oif}`).sort().join(',');
/** The kernel's "same route": the fib_info for IPv4, the nexthop set for IPv6. */
const routeId = (r: RouteRecord) =>
  r.family === 4 ? `${slot(r)}|${r.type}|${r.protocol}|${r.scope}|${r.prefsrc}|${JSON.stringify(r.metrics)}|${hops(r)}` : `${slot(r)}|${hops(r)}`;
const routeDevs = (r: RouteRecord) => [...new Set((r.multipath ?? [{ oif: r.oif }]).map((h) => h.oif).filter((i): i is number => i !== null))];
const addrId = (a: AddressRecord) => (a.family === 4 ? `${a.index}|${a.address}/${a.prefixlen}|${a.peer}` : `${a.index}|${a.address}`);
const neighId = (n: NeighbourRecord) => `${n.family}|${n.index}|${n.dst}`;
const ruleId = (r: RuleRecord) => JSON.stringify(r);

export class SimNs {
  links = new Map<number, InterfaceRecord>();
  addrs: AddressRecord[] = [];
  routes: RouteRecord[] = [];
  rules: RuleRecord[] = [];
  neighs: NeighbourRecord[] = [];

  clone(): SimNs {
    const c = new SimNs();
    c.links = new Map(this.links);
    c.addrs = [...this.addrs];
    c.routes = [...this.routes];
    c.rules = [...this.rules];
    c.neighs = [...this.neighs];
    return c;
  }

  link(index: number): InterfaceRecord {
    return this.links.get(index) ?? fail('ENODEV', `no link #${index}`);
  }

  private setLink(l: InterfaceRecord): void {
    this.links.set(l.index, l);
  }

  /** Kernel-made IPv4 routes of an address on an up link: local route, and prefix route for a primary. */
  private kernelRoutes(a: AddressRecord): void {
    if (a.family !== 4 || this.link(a.index).state !== 'up') return;
    const base = { family: 4 as const, src: null, gateway: null, oif: a.index, priority: null, multipath: null, prefsrc: a.address, tos: 0, metrics: null, pref: null, onlink: false, encap: null, realms: null, nhid: null };
    const add = (r: RouteRecord) => { if (!this.routes.some((o) => routeId(o) === routeId(r))) this.routes.push(r); };
    add({ ...base, table: 255, dst: `${a.address}/32`, protocol: 'kernel', scope: 'host', type: 'local' });
    if ((a.flags & 1) === 0 && a.prefixlen < 32) add({ ...base, table: 254, dst: net4(a.address, a.prefixlen), protocol: 'kernel', scope: 'link', type: 'unicast' });
  }

  private dropLinkObjects(index: number): void {
    this.addrs = this.addrs.filter((a) => a.index !== index);
    this.routes = this.routes.filter((r) => !routeDevs(r).includes(index));
    this.neighs = this.neighs.filter((n) => n.index !== index);
  }

  private unregister(index: number): void {
    const l = this.links.get(index);
    if (!l) return;
    this.links.delete(index);
    this.dropLinkObjects(index);
    for (const o of [...this.links.values()]) {
      if (o.master === index) this.setLink({ ...o, master: null });
    }
    if (l.kind === 'veth' && l.link !== null && l.linkNetnsid === null) this.unregister(l.link);
    for (const o of [...this.links.values()]) if (o.kind !== 'veth' && o.link === index) this.unregister(o.index);
  }

  private down(index: number): void {
    this.routes = this.routes.filter((r) => {
      const devs = routeDevs(r);
      if (!devs.includes(index)) return true;
      return r.family === 4 && devs.some((d) => d !== index);
    });
    this.addrs = this.addrs.filter((a) => !(a.index === index && a.family === 6));
    this.neighs = this.neighs.filter((n) => n.index !== index);
  }

  private deleteAddress(a: AddressRecord): void {
    const gone = [a];
    if (a.family === 4 && (a.flags & 1) === 0) {
      const net = net4(a.address, a.prefixlen);
      for (const s of this.addrs) {
        if (s.index === a.index && s.family === 4 && (s.flags & 1) !== 0 && s.prefixlen === a.prefixlen && net4(s.address, s.prefixlen) === net) gone.push(s);
      }
    }
    const ids = new Set(gone.map(addrId));
    this.addrs = this.addrs.filter((x) => !ids.has(addrId(x)));
    if (a.family === 4) {
      for (const g of gone) {
        // fib_del_ifaddr: the routes made for this address on its link, unless the link keeps the address.
        if (!this.addrs.some((x) => x.family === 4 && x.index === g.index && x.address === g.address)) {
          this.routes = this.routes.filter((r) => !(r.protocol === 'kernel' && r.oif === g.index && r.prefsrc === g.address));
        }
        // fib_sync_down_addr: every route using it as source, once no link has it.
        if (this.addrs.some((x) => x.family === 4 && x.address === g.address)) continue;
        this.routes = this.routes.filter((r) => r.prefsrc !== g.address);
      }
    }
  }

  apply(op: Operation, world: World): void {
    switch (op.kind) {
      case 'interface': return this.applyLink(op, world);
      case 'address': {
        const a = op.spec;
        if (op.intent === 'delete') {
          const hit = this.addrs.find((x) => addrId(x) === addrId(a)) ?? fail('EADDRNOTAVAIL', 'no such address');
          return this.deleteAddress(hit);
        }
        this.link(a.index);
        const existing = this.addrs.find((x) => addrId(x) === addrId(a));
        if (existing && op.intent === 'create') fail('EEXIST', 'address exists');
        const secondary = a.family === 4 && this.addrs.some((x) => x.index === a.index && x.family === 4 && (x.flags & 1) === 0 &&
          addrId(x) !== addrId(a) && x.prefixlen === a.prefixlen && net4(x.address, x.prefixlen) === net4(a.address, a.prefixlen));
        const rec = { ...a, flags: (a.flags & ~1) | (secondary ? 1 : 0) };
        this.addrs = existing ? this.addrs.map((x) => (addrId(x) === addrId(a) ? rec : x)) : [...this.addrs, rec];
        return this.kernelRoutes(rec);
      }
      case 'route': {
        const r = op.spec;
        if (op.intent === 'delete') {
          const i = this.routes.findIndex((x) => routeId(x) === routeId(r));
          if (i < 0) fail('ESRCH', 'no such route');
          this.routes.splice(i, 1);
          return;
        }
        for (const d of routeDevs(r)) if (this.link(d).state !== 'up') fail('ENETDOWN', `link #${d} is down`);
        if (r.family === 4 && r.prefsrc !== null && !this.addrs.some((a) => a.family === 4 && a.address === r.prefsrc)) fail('EINVAL', 'invalid prefsrc');
        const same = this.routes.findIndex((x) => routeId(x) === routeId(r));
        const mate = this.routes.findIndex((x) => slot(x) === slot(r));
        if (op.intent === 'create' && mate >= 0) fail('EEXIST', 'slot taken');
        if (op.intent === 'append' && same >= 0) fail('EEXIST', 'route exists');
        if (op.intent === 'replace' && (same >= 0 || mate >= 0)) {
          this.routes[same >= 0 ? same : mate] = r;
          return;
        }
        this.routes.push(r);
        return;
      }
      case 'rule': {
        const i = this.rules.findIndex((x) => ruleId(x) === ruleId(op.spec));
        if (op.intent === 'delete') {
          if (i < 0) fail('ENOENT', 'no such rule');
          this.rules.splice(i, 1);
        } else {
          if (i >= 0) fail('EEXIST', 'rule exists');
          this.rules.push(op.spec);
        }
        return;
      }
      case 'neighbour': {
        const n = op.spec;
        const i = this.neighs.findIndex((x) => neighId(x) === neighId(n));
        if (op.intent === 'delete') {
          if (i < 0) fail('ENOENT', 'no such neighbour');
          this.neighs.splice(i, 1);
          return;
        }
        this.link(n.index);
        if (i >= 0 && op.intent === 'create') fail('EEXIST', 'neighbour exists');
        if (i >= 0) this.neighs[i] = n;
        else this.neighs.push(n);
        return;
      }
    }
  }

  private applyLink(op: Extract<Operation, { kind: 'interface' }>, world: World): void {
    if (op.intent === 'create') {
      const s = op.spec;
      const made = s.peer ? [s, s.peer] : [s];
      for (const m of made) {
        if (this.links.has(m.index)) fail('EBUSY', `index ${m.index} taken`);
        if ([...this.links.values()].some((l) => l.ifname === m.ifname)) fail('EEXIST', `name ${m.ifname} taken`);
      }
      if (s.link !== undefined) this.link(s.link);
      made.forEach((m, i) => this.setLink({
        index: m.index, ifname: m.ifname, kind: s.kind, mtu: m.mtu ?? 1500,
        address: m.address ?? `02:00:00:00:${(m.index >> 8).toString(16).padStart(2, '0')}:${(m.index & 255).toString(16).padStart(2, '0')}`,
        state: 'down', operstate: 'DOWN', master: null,
        link: s.peer ? (i === 0 ? s.peer.index : s.index) : (s.link ?? null), linkNetnsid: null, flags: 0, broadcast: 'ff:ff:ff:ff:ff:ff',
        txqlen: m.txqlen ?? 1000, group: m.group ?? 0, qdisc: 'noqueue', altnames: [], info: i === 0 ? (s.info ?? null) : null, slaveKind: null,
        alias: null, addrGenMode: 'eui64', port: null,
      }));
      return;
    }
    const l = this.link(op.spec.index);
    if (op.intent === 'delete') {
      if (l.kind === null) fail('EOPNOTSUPP', 'cannot delete a device');
      this.unregister(l.index);
      return;
    }
    const s = op.spec;
    if (s.netns !== undefined) {
      const to = world.ns(s.netns);
      if (to === this) fail('EINVAL', 'already there');
      if (to.links.has(l.index) || [...to.links.values()].some((o) => o.ifname === l.ifname)) fail('EEXIST', 'taken over there');
      this.links.delete(l.index);
      this.dropLinkObjects(l.index);
      for (const o of [...this.links.values()]) if (o.master === l.index) this.setLink({ ...o, master: null });
      to.links.set(l.index, { ...l, state: 'down', operstate: 'DOWN', flags: 0, master: null });
      return;
    }
    let next = { ...l };
    if (s.ifname !== undefined && s.ifname !== l.ifname) {
      if (l.state === 'up') fail('EBUSY', 'rename of an up link');
      if ([...this.links.values()].some((o) => o.ifname === s.ifname)) fail('EEXIST', 'name taken');
      next.ifname = s.ifname;
    }
    if (s.master !== undefined) {
      if (s.master !== null) {
        if (s.master === l.index) fail('EINVAL', 'own master');
        if (this.link(s.master).kind !== 'bridge') fail('EOPNOTSUPP', 'not a bridge');
      }
      next.master = s.master;
    }
    if (s.address !== undefined) next.address = s.address;
    if (s.txqlen !== undefined) next.txqlen = s.txqlen;
    if (s.group !== undefined) next.group = s.group;
    if (s.alias !== undefined) next.alias = s.alias === '' ? null : s.alias;
    if (s.addrGenMode !== undefined && s.addrGenMode !== null) next.addrGenMode = s.addrGenMode;
    if (s.altnames !== undefined) next.altnames = [...l.altnames, ...s.altnames];
    if (s.mtu !== undefined) {
      if (s.mtu < 68) fail('EINVAL', 'mtu too small');
      next.mtu = s.mtu;
    }
    this.setLink(next);
    if (s.mtu !== undefined && s.mtu < 1280 && l.mtu >= 1280) {
      this.addrs = this.addrs.filter((a) => !(a.index === l.index && a.family === 6));
      this.routes = this.routes.filter((r) => !(r.family === 6 && routeDevs(r).includes(l.index)));
    }
    if (s.state !== undefined && s.state !== l.state) {
      next = { ...next, state: s.state, operstate: s.state === 'up' ? 'UP' : 'DOWN', flags: s.state === 'up' ? 1 : 0 };
      this.setLink(next);
      if (s.state === 'down') this.down(l.index);
      else for (const a of this.addrs) if (a.index === l.index) this.kernelRoutes(a);
    }
  }

  arrays(): Required<SnapshotArrays> {
    const sorted = <T>(xs: Iterable<T>) => [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    return {
      interfaces: sorted(this.links.values()), addresses: sorted(this.addrs), routes: sorted(this.routes),
      rules: sorted(this.rules), neighbours: sorted(this.neighs),
    };
  }
}

export class World {
  home = new SimNs();
  others = new Map<string, SimNs>();

  ns(label: string | null | undefined): SimNs {
    if (label === null || label === undefined) return this.home;
    let n = this.others.get(label);
    if (!n) {
      n = new SimNs();
      this.others.set(label, n);
    }
    return n;
  }

  clone(): World {
    const w = new World();
    w.home = this.home.clone();
    for (const [k, v] of this.others) w.others.set(k, v.clone());
    return w;
  }

  /** Applies `op` atomically: on an error nothing changes. */
  apply(op: Operation): void {
    const ns = this.ns(op.ns);
    const copy = ns.clone();
    try {
      ns.apply(op, this);
    } catch (e) {
      Object.assign(ns, copy);
      throw e;
    }
  }

  /** Applies `op`; an error it tolerates (op.tolerate) counts as done. Returns the error code, if any. */
  applyTolerant(op: Operation): string | null {
    try {
      this.apply(op);
      return null;
    } catch (e) {
      if (!(e instanceof SimError)) throw e;
      if (op.tolerate?.includes(e.code)) return null;
      return e.code;
    }
  }

  /** Every namespace's contents, for comparisons (empty namespaces left out). */
  dump(): { home: Required<SnapshotArrays> } & Record<string, Required<SnapshotArrays>> {
    const out: { home: Required<SnapshotArrays> } & Record<string, Required<SnapshotArrays>> = { home: this.home.arrays() };
    for (const [k, v] of this.others) if (v.links.size > 0) out[k] = v.arrays();
    return out;
  }

  base(keys?: KeyFns): TxBase {
    return baseFromArrays(this.home.arrays(), keys ? { keys } : {});
  }
}

/** A device the transaction layer cannot create (kind null): lo, a NIC. */
export function device(index: number, ifname: string, state: 'up' | 'down' = 'up'): InterfaceRecord {
  return {
    index, ifname, kind: null, mtu: 1500, address: `52:54:00:00:00:${index.toString(16).padStart(2, '0')}`, state,
    operstate: state === 'up' ? 'UP' : 'DOWN', master: null, link: null, linkNetnsid: null, flags: state === 'up' ? 1 : 0,
    broadcast: 'ff:ff:ff:ff:ff:ff', txqlen: 1000, group: 0, qdisc: 'fq_codel', altnames: [], info: null, slaveKind: null, alias: null,
    addrGenMode: 'eui64', port: null,
  };
}
