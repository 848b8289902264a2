/**
 * The draft API: interfaces by name and index (following renames), creating and removing links
 * with the kernel's cascade shown, the keyed tables' add/remove/replace/find, and the overlay:
 * a transaction touching 3 routes of 100,000 keeps 3 edits and copies no table.
 */
import { describe, expect, it } from 'vitest';
import type { RouteRecord } from '../../src/iproute/records.js';
import { ValidationError } from '../../src/iproute/errors.js';
import { baseFromArrays, type TxBase, type TxTable } from '../../src/transactions/base.js';
import { begin } from '../../src/transactions/transaction.js';
import { baseFromSnapshot } from '../../src/transactions/db-base.js';
import { emptySnapshot } from '../../src/db/table.js';
import { reduce } from '../../src/db/reducer.js';
import { KEY_OF } from '../../src/db/keys.js';
import type { DbEvent } from '../../src/db/types.js';
import { buildWorld, sequential } from './fixture.js';
import { device } from './sim.js';

const world = buildWorld();
const tx = () => begin(world.base(), { allocateIndex: sequential(40) });

describe('interfaces', () => {
  it('are reached by name, by index, and follow renames', () => {
    const t = tx();
    const v0 = t.interfaces.v0!;
    expect(v0.index).toBe(11);
    expect(t.interfaces.get(11)).toBe(v0);
    expect(t.interfaces.has('v0')).toBe(true);
    expect(t.interfaces.nope).toBeUndefined();
    expect(t.interfaces.list().map((l) => l.ifname).sort()).toEqual(['br0', 'eth0', 'lo', 'mv0', 'v0', 'v1']);
    expect([...t.interfaces].length).toBe(6);
    v0.ifname = 'lan0';
    expect(t.interfaces.v0).toBeUndefined();
    expect(t.interfaces.lan0).toBe(v0);
    expect(JSON.parse(JSON.stringify(v0)).ifname).toBe('lan0');
    // The base snapshot is untouched.
    expect([...world.base().interfaces.values()].find((l) => l.index === 11)!.ifname).toBe('v0');
  });

  it('take a master by name and read it back as an index; addresses through the link', () => {
    const t = tx();
    const v0 = t.interfaces.v0!;
    v0.master = 'br0';
    expect(v0.master).toBe(10);
    v0.master = null;
    expect(v0.master).toBeNull();
    const a = v0.addIp('10.0.0.3/24');
    expect(a).toEqual({ index: 11, family: 4, address: '10.0.0.3', prefixlen: 24, peer: null, broadcast: null, label: 'v0', scope: 'global', flags: 0x80, metric: null });
    expect(v0.addresses.map((x) => `${x.address}/${x.prefixlen}`)).toContain('10.0.0.3/24');
    expect(() => v0.addIp('10.0.0.3/24')).toThrow(/exists/);
    expect(v0.delIp('10.0.0.2')).toMatchObject({ address: '10.0.0.2', prefixlen: 24 });
    expect(v0.addresses.map((x) => x.address)).not.toContain('10.0.0.2');
    expect(() => v0.delIp('10.0.0.77/24')).toThrow(ValidationError);
  });

  it('create veth pairs, bridges, vxlan, macvlan and ifb with chosen indexes', () => {
    const t = tx();
    const a = t.interfaces.create({ ifname: 'va', kind: 'veth', peer: 'vb', state: 'up' });
    expect([a.index, t.interfaces.vb!.index, t.interfaces.vb!.link, a.link]).toEqual([40, 41, 40, 41]);
    t.interfaces.create({ ifname: 'vx0', kind: 'vxlan', info: { id: 42, port: 4789, link: 'eth0' } });
    t.interfaces.create({ ifname: 'mv9', kind: 'macvlan', link: 'eth0', info: { mode: 'bridge' } });
    t.interfaces.create({ ifname: 'ifb0', kind: 'ifb', index: 99 });
    const creates = t.plan().filter((o) => o.intent === 'create').map((o) => o.spec);
    expect(creates).toEqual([
      { index: 40, ifname: 'va', kind: 'veth', peer: { index: 41, ifname: 'vb' } },
      { index: 42, ifname: 'vx0', kind: 'vxlan', info: { id: 42, port: 4789, link: 2 } },
      { index: 43, ifname: 'mv9', kind: 'macvlan', link: 2, info: { mode: 'bridge' } },
      { index: 99, ifname: 'ifb0', kind: 'ifb' },
    ]);
    expect(() => t.interfaces.create({ ifname: 'v0', kind: 'bridge' })).toThrow(/exists/);
    expect(() => t.interfaces.create({ ifname: 'vc', kind: 'veth' })).toThrow(/peer/);
    expect(() => t.interfaces.create({ ifname: 'd0', kind: 'no-such-kind' })).toThrow(ValidationError);
  });

  it('show the kernel\'s cascade when one is removed', () => {
    const t = tx();
    t.interfaces.v0!.addIp('10.0.0.3/24');
    t.interfaces.remove('v0');
    expect(t.interfaces.v1).toBeUndefined(); // its veth peer goes too
    expect(t.addresses.list().some((a) => a.index === 11 || a.index === 12)).toBe(false);
    expect(t.routes.list().some((r) => r.oif === 11)).toBe(false);
    const t2 = tx();
    t2.interfaces.remove('br0');
    expect(t2.interfaces.v1!.master).toBeNull(); // its port is released
    const t3 = tx();
    t3.interfaces.eth0!.state = 'down';
    expect(() => t3.interfaces.remove('eth0')).toThrow(/cannot be deleted/);
    const t4 = tx();
    const n0 = t4.interfaces.create({ ifname: 'n0', kind: 'veth', peer: 'n1' });
    n0.addIp('10.5.0.1/24');
    t4.interfaces.remove('n1');
    expect(t4.interfaces.n0).toBeUndefined();
    expect(t4.plan()).toEqual([]);
    // Devices stacked on a removed link go with it, whether the draft touched them or not, base
    // or new (a macvlan by IFLA_LINK, a vlan by its kind's link), and those on others stay.
    const w = buildWorld();
    const v0 = [...w.home.links.values()].find((l) => l.ifname === 'v0')!;
    w.home.links.set(70, { ...v0, index: 70, ifname: 'mvx', kind: 'macvlan', link: v0.index, master: null, altnames: [] });
    w.home.links.set(71, { ...v0, index: 71, ifname: 'vlx', kind: 'vlan', link: null, info: { id: 5, link: v0.index }, master: null, altnames: [] });
    w.home.links.set(72, { ...v0, index: 72, ifname: 'mvy', kind: 'macvlan', link: 2, master: null, altnames: [] });
    const t5 = begin(w.base(), { allocateIndex: sequential(80) });
    t5.interfaces.create({ ifname: 'mvn', kind: 'macvlan', link: 'v0', info: { mode: 'bridge' } });
    t5.interfaces.remove('v0');
    expect(['mvx', 'vlx', 'mvn', 'mvy', 'v1'].map((n) => t5.interfaces.get(n)?.ifname ?? null)).toEqual([null, null, null, 'mvy', null]);
    expect(t5.plan().filter((op) => op.intent === 'delete').map((op) => op.dev).sort()).toEqual(['mvx', 'v0', 'vlx']);
  });

  it('refuse changes once the transaction is over', () => {
    const t = tx();
    t.drop();
    expect(t.status).toBe('dropped');
    expect(() => { t.interfaces.v0!.mtu = 9000; }).toThrow(/dropped/);
    expect(() => t.routes.add({ dst: '10.6.0.0/16', oif: 'v0' })).toThrow(/dropped/);
  });
});

describe('tables', () => {
  it('routes: table 0 is main, as the kernel takes it', () => {
    const t = tx();
    expect(t.routes.add({ dst: '10.16.0.0/16', gateway: '10.0.0.254', table: 0 }).table).toBe(254);
    expect(t.routes.add({ dst: '2001:db8:16::/48', oif: 'v0', table: 0 }).table).toBe(254);
    expect(t.routes.find({ dst: '10.16.0.0/16', table: 0 })).toHaveLength(1);
  });

  it('routes: add, find, replace, append, remove by spec or record', () => {
    const t = tx();
    const r = t.routes.add({ dst: '10.6.0.0/16', gateway: '10.0.0.254', oif: 'v0', metrics: { mtu: 1400 } });
    expect(r).toMatchObject({ family: 4, table: 254, dst: '10.6.0.0/16', protocol: 'boot', scope: 'global', type: 'unicast', priority: null, metrics: { mtu: 1400 } });
    expect(t.routes.find({ dst: '10.6.0.0/16' })).toEqual([r]);
    const six = t.routes.add({ dst: '2001:db8:7::/48', oif: 'v0' });
    expect(six).toMatchObject({ family: 6, priority: 1024, pref: 'medium', scope: 'global' });
    t.routes.append({ dst: '10.6.0.0/16', oif: 'br0', protocol: 'static' });
    expect(t.routes.find({ dst: '10.6.0.0/16' })).toHaveLength(2);
    // A spec's gateway and device narrow what it finds (the quick shape and the general one alike).
    expect(t.routes.find({ dst: '10.6.0.0/16', gateway: '10.0.0.254' })).toEqual([r]);
    expect(t.routes.find({ dst: '10.6.0.0/16', oif: 'br0' }).map((x) => x.protocol)).toEqual(['static']);
    expect(t.routes.find({ dst: '10.6.0.0/16', oif: 'br0', protocol: 'static' })).toHaveLength(1);
    expect(t.routes.find({ dst: '10.6.0.0/16', gateway: '10.0.0.9' })).toEqual([]);
    expect(() => t.routes.remove({ dst: '10.6.0.0/16' })).toThrow(/matches 2/);
    t.routes.remove({ dst: '10.6.0.0/16', oif: 'br0' });
    expect(t.routes.find({ dst: '10.6.0.0/16' })).toEqual([r]);
    const base = t.routes.find({ dst: '10.4.0.0/16', table: 100 })[0]!;
    t.routes.remove(base);
    expect(t.routes.find({ dst: '10.4.0.0/16', table: 100 })).toEqual([]);
    expect(() => t.routes.remove({ dst: '10.99.0.0/16' })).toThrow(/no such/);
    const ops = t.plan();
    expect(ops.map((o) => `${o.intent} ${(o.spec as RouteRecord).dst}`)).toEqual(['delete 10.4.0.0/16', 'create 2001:db8:7::/48', 'create 10.6.0.0/16']);
  });

  it('routes: a slot taken in the base or earlier in the draft refuses an add, whatever the table of the same destination', () => {
    // Most routes of a big batch go to a new destination (draft.ts, putRoute: no look-ups);
    // every other case takes the checks.
    const t = tx();
    t.routes.add({ dst: '172.16.0.1/32', gateway: '10.0.0.254', oif: 'v0' });
    expect(() => t.routes.add({ dst: '172.16.0.1/32', gateway: '10.0.0.254', oif: 'v0' })).toThrow(/exists already/);
    expect(() => t.routes.add({ dst: '172.16.0.1/32', oif: 'br0' })).toThrow(/holds its slot/);
    t.routes.add({ dst: '172.16.0.1/32', oif: 'br0', table: 100 });
    t.routes.add({ dst: '172.16.0.1/32', oif: 'br0', priority: 5 });
    t.routes.append({ dst: '172.16.0.1/32', oif: 'br0' });
    // The base's 10.1.0.0/16 via 10.0.0.254 dev v0 metric 10 (fixture.ts).
    expect(() => t.routes.add({ dst: '10.1.0.0/16', gateway: '10.0.0.254', oif: 'v0', priority: 10 })).toThrow(/exists already/);
    expect(() => t.routes.add({ dst: '10.1.0.0/16', oif: 'br0', priority: 10 })).toThrow(/holds its slot/);
    t.routes.add({ dst: '10.1.0.0/16', oif: 'br0' });
    t.routes.add({ dst: '10.1.0.0/16', gateway: '10.0.0.254', oif: 'v0', priority: 10, table: 100 });
    t.routes.remove({ dst: '172.16.0.1/32', gateway: '10.0.0.254' });
    t.routes.add({ dst: '172.16.0.1/32', oif: 'v0', table: 254, priority: 9 });
    const v0 = t.interfaces.v0!.index;
    const br0 = t.interfaces.br0!.index;
    const show = (r: RouteRecord) => `${r.table} ${r.priority ?? 0} ${r.oif === v0 ? 'v0' : r.oif === br0 ? 'br0' : r.oif}`;
    expect(t.routes.find({ dst: '172.16.0.1/32' }).map(show).sort()).toEqual(['254 0 br0', '254 5 br0', '254 9 v0']);
    expect(t.routes.find({ dst: '172.16.0.1/32', table: 100 }).map(show)).toEqual(['100 0 br0']);
  });

  it('rules and neighbours', () => {
    const t = tx();
    const rule = t.rules.add({ priority: 300, fwmark: 7, table: 200 });
    expect(rule).toMatchObject({ family: 4, priority: 300, fwmark: 7, fwmask: 0xffffffff, action: 'to_tbl', table: 200, src: null });
    expect(() => t.rules.add({ priority: 300, fwmark: 7, table: 200 })).toThrow(/exists/);
    expect(t.rules.find({ priority: 100 })).toHaveLength(1);
    t.rules.remove({ priority: 100 });
    const n = t.neighbours.add({ ifname: 'v0', dst: '10.0.0.10', lladdr: '02:00:00:00:00:10' });
    expect(n).toEqual({ index: 11, family: 4, dst: '10.0.0.10', lladdr: '02:00:00:00:00:10', state: 'PERMANENT', flags: 0 });
    // A link-layer address is needed for a new entry of a valid state, not for one being replaced
    // (the kernel keeps its address) nor for an incomplete one.
    expect(() => t.neighbours.add({ ifname: 'v0', dst: '10.0.0.77' })).toThrow(/lladdr.*missing: a neighbour in state permanent needs one/);
    expect(() => t.neighbours.replace({ ifname: 'v0', dst: '10.0.0.78', state: 'reachable' })).toThrow(/lladdr/);
    expect(t.neighbours.replace({ ifname: 'br0', dst: '10.9.0.9' }).lladdr).toBeNull();
    t.neighbours.replace({ ifname: 'v0', dst: '10.0.0.9', lladdr: '02:00:00:00:00:99' });
    t.neighbours.remove({ ifname: 'br0', dst: '10.9.0.9' });
    expect(t.neighbours.on('v0').map((x) => x.lladdr).sort()).toEqual(['02:00:00:00:00:10', '02:00:00:00:00:99']);
    expect(t.plan().map((o) => `${o.intent} ${o.kind}`)).toEqual(['delete neighbour', 'delete rule', 'create rule', 'create neighbour', 'replace neighbour']);
  });
});

describe('large tables', () => {
  const sample: RouteRecord = {
    family: 4, table: 254, dst: '', src: null, gateway: null, oif: 2, priority: null, protocol: 'static', scope: 'link',
    type: 'unicast', multipath: null, prefsrc: null, tos: 0, metrics: null, pref: null, onlink: false, encap: null, realms: null, nhid: null,
  };
  function bigBase(n: number, counters: { values: number }, withLookups: boolean): TxBase {
    const routes: RouteRecord[] = [];
    for (let i = 0; i < n; i++) routes.push({ ...sample, dst: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32` });
    const b = baseFromArrays({ interfaces: [device(1, 'lo'), device(2, 'eth0')], routes });
    const inner = b.routes;
    const counted: TxTable<RouteRecord> = { get: (k) => inner.get(k), values: () => { counters.values++; return inner.values(); } };
    const byDst = new Map(routes.map((r) => [r.dst, r]));
    return {
      ...b, routes: counted,
      ...(withLookups ? { lookup: { routesTo: (_f: 4 | 6, _t: number, dst: string) => (byDst.has(dst) ? [byDst.get(dst)!] : []) } } : {}),
    };
  }

  it('keep only what the transaction touches: 3 routes of 100,000, no table scanned', () => {
    const counters = { values: 0 };
    const base = bigBase(100_000, counters, true);
    const t = begin(base);
    t.routes.add({ dst: '192.0.2.0/24', oif: 'eth0' });
    const victim = base.routes.get(KEY_OF.route({ ...sample, dst: '10.0.0.7/32' }))!;
    expect(victim.dst).toBe('10.0.0.7/32');
    t.routes.remove(victim);
    t.routes.replace({ dst: '10.0.1.9/32', oif: 'eth0', protocol: 'static', priority: 5 });
    const edits = t.edits();
    expect(edits.routes.size).toBe(3);
    expect(t.plan().map((o) => o.intent)).toEqual(['delete', 'create', 'replace']);
    expect(counters.values).toBe(0);
  });

  it('build their own index once when the base offers none', () => {
    const counters = { values: 0 };
    const t = begin(bigBase(100_000, counters, false));
    for (let i = 0; i < 5; i++) t.routes.add({ dst: `192.0.${i}.0/24`, oif: 'eth0' });
    expect(counters.values).toBe(1);
    expect(t.edits().routes.size).toBe(5);
  });
});

/**
 * The world's state plus `more` routes as a database snapshot's base (`fromDb`; `counted`, the
 * same, counting walks over its route table: `walked()`) and as plain arrays (`arrays`).
 */
function bigBases(more: readonly RouteRecord[]): { fromDb: TxBase; counted: TxBase; arrays: TxBase; walked: () => number } {
  const home = world.dump().home;
  const routes = [...home.routes, ...more];
  const events: DbEvent[] = [
    ...home.interfaces.map((record) => ({ kind: 'interface' as const, op: 'new' as const, record })),
    ...home.addresses.map((record) => ({ kind: 'address' as const, op: 'new' as const, record })),
    ...routes.map((record) => ({ kind: 'route' as const, op: 'new' as const, record })),
  ];
  const fromDb = baseFromSnapshot(reduce(emptySnapshot(), events, 'resync').snapshot);
  let walked = 0;
  const counted: TxBase = {
    ...fromDb,
    routes: { ...fromDb.routes, values: () => { walked++; return fromDb.routes.values(); }, entries: () => { walked++; return fromDb.routes.entries!(); } },
  };
  const arrays = baseFromArrays({ interfaces: home.interfaces, addresses: home.addresses, routes }, { keys: KEY_OF });
  return { fromDb, counted, arrays, walked: () => walked };
}

describe('a base over the database\'s snapshot', () => {
  it('plans the same as over plain arrays', () => {
    const home = world.dump().home;
    const events: DbEvent[] = [
      ...home.interfaces.map((record) => ({ kind: 'interface' as const, op: 'new' as const, record })),
      ...home.addresses.map((record) => ({ kind: 'address' as const, op: 'new' as const, record })),
      ...home.routes.map((record) => ({ kind: 'route' as const, op: 'new' as const, record })),
      ...home.rules.map((record) => ({ kind: 'rule' as const, op: 'new' as const, record })),
      ...home.neighbours.map((record) => ({ kind: 'neighbour' as const, op: 'new' as const, record })),
    ];
    const { snapshot } = reduce(emptySnapshot(), events, 'resync');
    const edit = (b: TxBase) => {
      const t = begin(b, { allocateIndex: sequential(40), compile: (ops) => ops.map((o) => o.id).join(',') });
      t.interfaces.v0!.state = 'down';
      t.routes.remove({ dst: '10.1.0.0/16' });
      t.interfaces.remove('mv0');
      return t;
    };
    const fromDb = edit(baseFromSnapshot(snapshot));
    const fromArrays = edit(world.base(KEY_OF));
    expect(fromDb.review()).toBe(fromArrays.review());
    expect(fromDb.compile()).toBe(fromDb.plan().map((o) => o.id).join(','));
  });

  it('with many routes, finds what goes to a destination in its shard: no route index, the same answers', () => {
    const home = world.dump().home;
    // 5,000 routes besides the world's: 10.200.x.y/32, each in the main table and in table 100,
    // 10.200.0.1/32 twice more (metric 7, and tos 16) to give its destination several slots.
    const many: RouteRecord[] = [];
    for (let i = 0; i < 2500; i++) {
      const r = { ...home.routes.find((x) => x.family === 4 && x.oif === 11 && x.gateway !== null)!, dst: `10.200.${i >> 8}.${i & 255}/32`, priority: null };
      many.push(r, { ...r, table: 100 });
    }
    many.push({ ...many[2]!, priority: 7 }, { ...many[2]!, tos: 16 });
    const { fromDb, counted, arrays, walked } = bigBases(many);
    expect(fromDb.lookup?.routeKeysTo).toBeDefined();
    const outcomes = (b: TxBase) => {
      const t = begin(b, { allocateIndex: sequential(40) });
      const tried = [
        () => t.routes.add({ dst: '10.200.0.1/32', gateway: many[0]!.gateway!, oif: 'v0' }),
        () => t.routes.add({ dst: '10.200.0.1/32', oif: 'br0' }),
        () => t.routes.add({ dst: '10.200.0.1/32', oif: 'br0', priority: 7 }),
        () => t.routes.add({ dst: '10.200.0.1/32', oif: 'br0', priority: 9 }),
        () => t.routes.add({ dst: '10.200.0.1/32', oif: 'br0', table: 101 }),
        () => t.routes.replace({ dst: '10.200.0.2/32', oif: 'br0' }),
        () => t.routes.replace({ dst: '10.200.0.1/32', oif: 'br0' }),
        () => t.routes.append({ dst: '10.200.0.3/32', oif: 'br0', table: 100 }),
        () => t.routes.add({ dst: '10.201.0.1/32', oif: 'br0' }),
        () => t.routes.remove({ dst: '10.200.0.4/32', table: 100 }),
        () => t.routes.remove({ dst: '10.200.0.1/32' }),
        () => t.routes.remove({ dst: '10.200.0.1/32', priority: 7 }),
        () => t.routes.find({ dst: '10.200.0.1/32' }).map((r) => `${r.priority}/${r.tos}/${r.oif}`).sort().join(' '),
        () => t.routes.find({ dst: '10.200.0.1/32', table: 100 }).length,
      ].map((f): unknown => { try { const v = f(); return typeof v === 'string' || typeof v === 'number' ? v : 'ok'; } catch (e) { return (e as Error).message; } });
      return { tried, review: t.review() };
    };
    const a = outcomes(counted);
    expect(a).toEqual(outcomes(arrays));
    // The snapshot's route table is never walked: every question goes to one shard.
    expect(walked()).toBe(0);
    // The answers themselves: the base's routes to 10.200.0.1/32 were seen, in every slot.
    expect(a.tried.slice(0, 3)).toEqual([
      expect.stringMatching(/exists already/), expect.stringMatching(/holds its slot \(table 254, metric 0,/),
      expect.stringMatching(/holds its slot \(table 254, metric 7,/),
    ]);
    expect(a.tried[10]).toMatch(/matches 4 objects/);
    expect(a.tried.slice(11)).toEqual(['ok', '9/0/10 null/0/10 null/16/11', 1]);
  });

  it('with many routes, plans a link down, a link removal and an address removal from one pass per question, as over arrays', () => {
    const home = world.dump().home;
    // 5,000 routes through v0 (index 11) and br0 (10), some from v0's address: the victims to restore.
    const gw = home.routes.find((x) => x.family === 4 && x.oif === 11 && x.gateway !== null)!;
    const v0Addr = home.addresses.find((a) => a.index === 11 && a.family === 4)!;
    const many: RouteRecord[] = [];
    for (let i = 0; i < 5000; i++) {
      const r = { ...gw, dst: `10.200.${i >> 8}.${i & 255}/32`, priority: null };
      many.push(i % 2 ? r : { ...r, oif: 10, gateway: null, scope: 'link', prefsrc: i % 4 === 0 ? v0Addr.address : null });
    }
    const { fromDb, counted, arrays, walked } = bigBases(many);
    expect(fromDb.lookup?.routeKeysVia).toBeDefined();
    const edit = (b: TxBase) => {
      const t = begin(b, { allocateIndex: sequential(40) });
      t.interfaces.v0!.state = 'down';
      t.interfaces.v0!.delIp(`${v0Addr.address}/${v0Addr.prefixlen}`);
      t.interfaces.remove('mv0');
      return t.review();
    };
    const review = edit(counted);
    expect(review).toBe(edit(arrays));
    expect(walked()).toBe(0);
    // (the routes through v0 are in the plan's inverse, to restore: the questions were answered)
    expect(review).toContain('10.200.0.1/32');
  });
});
