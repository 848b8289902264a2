/**
 * The planner: dependency order, explicit intents, inverses computed from the base, the kernel
 * side effects they restore, readable descriptions, and validation before anything is planned.
 */
import { describe, expect, it } from 'vitest';
import type { InterfaceRecord, RouteRecord } from '../../src/iproute/records.js';
import { baseFromArrays } from '../../src/transactions/base.js';
import { ValidationError } from '../../src/iproute/errors.js';
import { applyOp, sideEffects } from '../../src/transactions/effects.js';
import { linkDeleteOp } from '../../src/transactions/inverse.js';
import { TxState } from '../../src/transactions/state.js';
import { describe as describeOp, KIND_RANK, review, type Operation } from '../../src/transactions/ops.js';
import { begin } from '../../src/transactions/transaction.js';
import { buildWorld, sequential } from './fixture.js';

const world = buildWorld();
const tx = () => begin(world.base(), { allocateIndex: sequential(40) });
const line = (op: Operation) => describeOp(op);

describe('plan order', () => {
  it('deletes before it builds, links first when building, links last when tearing down', () => {
    const t = tx();
    t.neighbours.remove({ ifname: 'v0', dst: '10.0.0.9' });
    t.routes.remove({ dst: '10.1.0.0/16' });
    t.addresses.remove({ ifname: 'br0', address: '10.9.0.1/24' });
    t.rules.remove({ priority: 100 });
    t.interfaces.remove('mv0');
    const n0 = t.interfaces.create({ ifname: 'n0', kind: 'bridge', state: 'up' });
    t.neighbours.add({ ifname: 'n0', dst: '10.5.0.9', lladdr: '02:00:00:00:05:09' });
    t.rules.add({ priority: 300, table: 100 });
    t.routes.add({ dst: '10.6.0.0/16', gateway: '10.5.0.254', oif: 'n0' });
    t.routes.add({ dst: '10.5.1.0/24', oif: 'n0' });
    n0.addIp('10.5.0.1/24');
    const ops = t.plan();
    const shape = ops.map((o) => `${o.intent} ${o.kind}`);
    expect(shape).toEqual([
      'delete neighbour', 'delete rule', 'delete route', 'delete address', 'delete interface',
      'create interface', 'set interface', 'create address', 'create route', 'create route', 'create rule', 'create neighbour',
    ]);
    // On-link route before the one through a gateway.
    expect(ops.filter((o) => o.kind === 'route' && o.intent === 'create').map((o) => (o.spec as RouteRecord).dst)).toEqual(['10.5.1.0/24', '10.6.0.0/16']);
    const deletes = ops.filter((o) => o.intent === 'delete').map((o) => KIND_RANK[o.kind]);
    const builds = ops.filter((o) => o.intent !== 'delete').map((o) => KIND_RANK[o.kind]);
    expect(deletes).toEqual([...deletes].sort().reverse());
    expect(builds).toEqual([...builds].sort());
    expect(ops.map((o) => o.id)).toEqual(ops.map((_, i) => String(i + 1)));
  });

  it('orders links: down, rename, create (lower first), fields, master, up', () => {
    const t = tx();
    const v0 = t.interfaces.v0!;
    v0.state = 'down';
    v0.ifname = 'lan0';
    v0.mtu = 9000;
    expect(t.interfaces.v0).toBeUndefined();
    expect(t.interfaces.lan0).toBe(v0);
    const n0 = t.interfaces.create({ ifname: 'n0', kind: 'veth', peer: 'n1', state: 'up' });
    t.interfaces.n1!.master = 'br0';
    t.interfaces.create({ ifname: 'mv1', kind: 'macvlan', link: 'n0', info: { mode: 'bridge' } });
    t.interfaces.eth0!.state = 'down';
    void n0;
    expect(t.plan().map(line)).toEqual([
      expect.stringMatching(/^link set v0 down \(undo: up; then restore/),
      expect.stringMatching(/^link set eth0 down \(undo: up; then restore/),
      'link set v0 name lan0 (undo: name v0)',
      'link add n0 index 40 type veth peer n1 index 41 (undo: link del n0)',
      'link add mv1 index 42 link #40 type macvlan mode bridge (undo: link del mv1)',
      'link set lan0 mtu 9000 (undo: mtu 1500)',
      'link set n1 master br0 (undo: nomaster)',
      'link set n0 up (undo: down)',
    ]);
  });

  it('a create says the kind options it sends: not the state a record holds, not the defaults', () => {
    // A bridge as the kernel reports it: settings (two of them not at their default) and state.
    const info = {
      forwardDelay: 400, helloTime: 200, maxAge: 2000, stpState: 1, priority: 32768, bridgeId: { prio: 32768, addr: '02:00:00:00:00:99' },
      rootId: { prio: 32768, addr: '02:00:00:00:00:99' }, rootPort: 0, rootPathCost: 0, topologyChange: 0, groupAddr: '01:80:c2:00:00:00', mcastRouter: 1,
    };
    const br9: InterfaceRecord = {
      index: 9, ifname: 'br9', kind: 'bridge', mtu: 1500, address: '02:00:00:00:00:99', state: 'down', operstate: 'DOWN', master: null, link: null,
      linkNetnsid: null, flags: 0x1002, broadcast: 'ff:ff:ff:ff:ff:ff', txqlen: 1000, group: 0, qdisc: 'noqueue', altnames: [], info,
      slaveKind: null, alias: null, addrGenMode: null, port: null,
    };
    const t = begin(baseFromArrays({ interfaces: [br9] }), { allocateIndex: sequential(40) });
    t.interfaces.remove('br9');
    expect(t.review()).toMatch(/undo 1\.1: link add br9 index 9 mtu 1500 address 02:00:00:00:00:99 txqueuelen 1000 group 0 type bridge forwardDelay 400 stpState 1$/m);
    // A veth's own fields before its type, the peer's after it, as ip writes them.
    const v = begin(baseFromArrays({ interfaces: [] }), { allocateIndex: sequential(40) });
    v.interfaces.create({ ifname: 've0', kind: 'veth', mtu: 1400, peer: { ifname: 've1', address: '02:00:00:00:00:01', mtu: 1300 } });
    expect(v.plan().map(line)[0]).toBe('link add ve0 index 40 mtu 1400 type veth peer ve1 index 41 address 02:00:00:00:00:01 mtu 1300 (undo: link del ve0)');
    const c = begin(baseFromArrays({ interfaces: [] }), { allocateIndex: sequential(40) });
    c.interfaces.create({ ifname: 'vx0', kind: 'vxlan', info: { id: 42, remote: '10.0.0.2', port: 4789, ttl: 0, learning: false } });
    expect(c.plan().map(line)).toEqual(['link add vx0 index 40 type vxlan remote 10.0.0.2 id 42 learning false port 4789 (undo: link del vx0)']);
  });

  it('renames a link that is up without setting it down when the kernel can (PlanOptions.renameUp)', () => {
    const t = tx();
    t.interfaces.eth0!.ifname = 'wan0';
    expect(() => t.plan()).toThrow(/a link that is up cannot be renamed/);
    const up = begin(world.base(), { allocateIndex: sequential(40), renameUp: true });
    up.interfaces.eth0!.ifname = 'wan0';
    expect(up.plan().map(line)).toEqual(['link set eth0 name wan0 (undo: name eth0)']);
  });

  it("sets a new bridge's MTU in a request of its own, so that a port joining does not change it", () => {
    const t = tx();
    t.interfaces.create({ ifname: 'br9', kind: 'bridge', mtu: 1400 });
    t.interfaces.create({ ifname: 'p9', kind: 'veth', peer: 'p9b', master: 'br9' });
    expect(t.plan().map(line)).toEqual([
      'link add br9 index 40 type bridge (undo: link del br9)',
      'link add p9 index 41 type veth peer p9b index 42 (undo: link del p9)',
      'link set br9 mtu 1400 (undo: mtu 1500)',
      'link set p9 master br9 (undo: nomaster)',
    ]);
  });

  it('swaps two names through a temporary one', () => {
    const t = tx();
    for (const n of ['v0', 'br0']) t.interfaces[n]!.state = 'down';
    t.interfaces.v0!.ifname = 'tmp';
    t.interfaces.br0!.ifname = 'v0';
    t.interfaces.tmp!.ifname = 'br0';
    const renames = t.plan().filter((o) => o.kind === 'interface' && o.intent === 'set' && 'ifname' in o.spec).map((o) => describeOp(o));
    expect(renames).toEqual([
      'link set v0 name nldbtx11 (undo: name v0)',
      'link set br0 name v0 (undo: name br0)',
      'link set nldbtx11 name br0 (undo: name nldbtx11)',
    ]);
  });
});

describe('inverses', () => {
  it('recreate a deleted link with index, name, MAC, settings, master, addresses and routes', () => {
    const t = tx();
    t.interfaces.remove('v1'); // the veth pair goes: v0 with it
    const [del] = t.plan();
    expect(del!.intent).toBe('delete');
    const v0 = world.dump().home.interfaces.find((l) => l.ifname === 'v0')!;
    const v1 = world.dump().home.interfaces.find((l) => l.ifname === 'v1')!;
    const [create, ...rest] = del!.inverse;
    // (The settable flags as recorded: this world's links have none set, not even multicast.)
    expect(create!.spec).toEqual({
      index: v1.index, ifname: 'v1', kind: 'veth', mtu: 1500, address: v1.address, txqlen: 1000, group: 0, flags: 0,
      peer: { index: v0.index, ifname: 'v0', mtu: 1500, address: v0.address, txqlen: 1000, group: 0, flags: 0 },
    });
    const text = rest.map((o) => describeOp(o));
    // What a create request cannot say first (the mode before the links go up), then master and up.
    expect(text.slice(0, 5)).toEqual(['link set v1 addrgenmode eui64', 'link set v0 addrgenmode eui64', 'link set v1 master br0', 'link set v1 up', 'link set v0 up']);
    const kinds = rest.slice(5).map((o) => `${o.role} ${o.intent} ${o.kind}`);
    expect(new Set(kinds)).toEqual(new Set(['restore create address', 'restore create route', 'restore create neighbour']));
    // Everything on v0 comes back: 3 addresses, 2 kernel-local routes, prefix route, 10.1/16, 10.2/16, IPv6 route, multipath, neighbour.
    expect(rest.filter((o) => o.kind === 'address')).toHaveLength(3);
    expect(rest.filter((o) => o.kind === 'route').map((o) => (o.spec as RouteRecord).dst).sort()).toEqual(
      ['10.0.0.0/24', '10.0.0.1/32', '10.0.0.2/32', '10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16', '2001:db8:1::/48'].sort());
    expect(rest.filter((o) => o.role === 'restore').every((o) => o.tolerate?.includes('EEXIST'))).toBe(true);
    expect(rest.filter((o) => o.role === 'restore')).toHaveLength(rest.length - 5);
  });

  it('a deleted route is re-created exactly from its base record; a changed field is set back', () => {
    const t = tx();
    const r = t.routes.remove({ dst: '10.1.0.0/16' });
    t.interfaces.v0!.mtu = 9000;
    const [del, mtu] = t.plan();
    expect(del!.inverse).toHaveLength(1);
    expect(del!.inverse[0]).toMatchObject({ intent: 'create', kind: 'route', role: 'undo', spec: r });
    expect(mtu!.inverse.map((o) => o.spec)).toEqual([{ index: 11, mtu: 1500 }]);
  });

  it('a new link\'s address generation mode has no undo of its own: the link\'s removal is it', () => {
    const t = tx();
    t.interfaces.create({ ifname: 'br7', kind: 'bridge', addrGenMode: 'eui64' });
    const ops = t.plan();
    expect(ops.map(line)).toEqual(['link add br7 index 40 type bridge (undo: link del br7)', 'link set br7 addrgenmode eui64']);
  });

  it('a multipath route names each next hop\'s device', () => {
    const t = tx();
    t.routes.add({ dst: '10.77.0.0/16', multipath: [{ gateway: '10.0.0.2', oif: 'v0' }, { gateway: '10.0.0.3', oif: 'v1' }] });
    const [add] = t.plan();
    expect(line(add!)).toMatch(/^route add 10\.77\.0\.0\/16 nexthop via 10\.0\.0\.2 dev v0 weight 1 nexthop via 10\.0\.0\.3 dev v1 weight 1 /);
  });

  it('a replace swaps the slot\'s route atomically and its inverse puts the old one back', () => {
    const t = tx();
    const old = t.routes.find({ dst: 'default' })[0]!;
    t.routes.replace({ dst: 'default', gateway: '192.168.1.254', oif: 'eth0' });
    expect(t.routes.find({ dst: 'default' }).map((r) => r.gateway)).toEqual(['192.168.1.254']);
    const ops = t.plan();
    expect(ops).toHaveLength(1);
    expect(ops[0]!.intent).toBe('replace');
    // Appended: planned while the new route holds the slot (APPEND also creates in an empty one).
    expect(ops[0]!.inverse.map((o) => `${o.intent} ${(o.spec as RouteRecord).gateway}`)).toEqual(['delete 192.168.1.254', 'append 192.168.1.1']);
    expect(ops[0]!.inverse[1]!.spec).toEqual(old);
  });

  it('setting a link down restores what the kernel flushed; removing a primary restores its secondaries', () => {
    const t = tx();
    t.interfaces.v0!.state = 'down';
    const [down] = t.plan();
    const restored = down!.inverse.slice(1).map((o) => `${o.kind} ${'dst' in o.spec ? o.spec.dst : 'address' in o.spec ? o.spec.address : ''}`);
    // IPv4 routes only through v0 (not the multipath one), the IPv6 address and route, the neighbour.
    expect(restored.sort()).toEqual([
      'address 2001:db8::1', 'neighbour 10.0.0.9', 'route 10.0.0.0/24', 'route 10.0.0.1/32', 'route 10.0.0.2/32',
      'route 10.1.0.0/16', 'route 10.2.0.0/16', 'route 2001:db8:1::/48',
    ].sort());
    const t2 = tx();
    t2.addresses.remove({ ifname: 'v0', address: '10.0.0.1/24' });
    const [del] = t2.plan();
    const lines = del!.inverse.map((o) => describeOp(o));
    expect(lines.slice(0, 6)).toEqual([
      'address add 10.0.0.1/24 dev v0',
      'address add 10.0.0.2/24 dev v0',
      'route add local 10.0.0.1/32 dev v0 table 255 proto kernel scope host src 10.0.0.1',
      'route add local 10.0.0.2/32 dev v0 table 255 proto kernel scope host src 10.0.0.2',
      'route add 10.0.0.0/24 dev v0 table 254 proto kernel scope link src 10.0.0.1',
      'route add 10.2.0.0/16 dev v0 table 254 proto boot scope link src 10.0.0.1',
    ]);
    // v0 has no IPv4 address left: IPv4 leaves it, with its other routes and its neighbours.
    expect(lines.slice(6).map((l) => l.split(' ').slice(0, 3).join(' ')).sort()).toEqual(['neighbour add 10.0.0.9', 'route add 10.1.0.0/16']);
  });

  it('refuses to move a link the transaction adds addresses or routes on: they would not go with it', () => {
    const t = tx();
    t.interfaces.br0!.addIp('10.7.0.1/24');
    t.routes.add({ dst: '10.70.0.0/16', oif: 'br0' });
    expect(() => t.interfaces.br0!.moveTo('other')).toThrow(/br0 leaves without what this transaction adds on it \(1 address, 1 route\)/);
    // Nothing was changed by the refusal: the link stays, with what was added.
    expect(t.plan().map((o) => `${o.intent} ${o.kind}`)).toEqual(['create address', 'create route']);
  });

  it('moving a link to another namespace is undone from over there, then what it lost comes back', () => {
    const t = tx();
    t.interfaces.br0!.moveTo('other');
    const [move] = t.plan();
    expect(move!.spec).toEqual({ index: 10, netns: 'other' });
    const [back, ...rest] = move!.inverse;
    expect(back).toMatchObject({ ns: 'other', spec: { index: 10, ifname: 'br0', netns: null } });
    expect(rest.map((o) => describeOp(o))).toEqual(expect.arrayContaining([
      'link set v1 master br0', 'link set br0 up', 'address add 10.9.0.1/24 dev br0',
      'neighbour add 10.9.0.9 lladdr 02:aa:bb:cc:dd:10 dev br0 nud permanent',
    ]));
  });
});

describe('sideEffects', () => {
  it('lists what the kernel drops, computed from the base', () => {
    const base = world.base();
    const t = tx();
    t.interfaces.remove('br0');
    const [del] = t.plan();
    const v = sideEffects(base, { ...del!, inverse: [] });
    const show = v.map((x) => `${x.kind}${x.fields ? ` ${JSON.stringify(x.fields)}` : ''} ${'dst' in x.record ? x.record.dst : 'ifname' in x.record ? x.record.ifname : 'address' in x.record ? x.record.address : ''}`);
    expect(show.sort()).toEqual([
      'address 10.9.0.1', 'interface {"master":null} v1', 'neighbour 10.9.0.9', 'route 10.4.0.0/16', 'route 10.9.0.0/24', 'route 10.9.0.1/32',
    ].sort());
  });
});

describe('inverses of a plan of additions only', () => {
  it('are those the step-by-step simulation gives', () => {
    // A plan of route, rule and neighbour additions takes fillInverses' short way; the same
    // operations followed by one that is not an addition take the simulation: same inverses.
    const additions = (t: ReturnType<typeof tx>) => {
      t.routes.add({ dst: '10.61.0.0/16', gateway: '10.0.0.254', oif: 'v0' });
      t.routes.add({ dst: '10.62.0.0/16', gateway: '10.0.0.254' });
      t.routes.append({ dst: '10.1.0.0/16', oif: 'v0', priority: 10 });
      t.routes.add({ dst: '10.63.0.0/24', oif: 'br0' });
      t.rules.add({ priority: 310, table: 100 });
      t.neighbours.add({ ifname: 'v0', dst: '10.0.0.77', lladdr: '02:00:00:00:00:77' });
      return t;
    };
    const ops = additions(tx()).plan();
    expect(ops.map((o) => `${o.intent} ${o.kind}`).sort()).toEqual([
      'append route', 'create neighbour', 'create route', 'create route', 'create route', 'create rule',
    ]);
    const t2 = additions(tx());
    t2.interfaces.v0!.mtu = 9000;
    const simulated = t2.plan().filter((o) => o.kind !== 'interface');
    const shape = (o: Operation) => ({ dev: o.dev, spec: o.spec, intent: o.intent, inverse: o.inverse });
    expect(ops.map(shape)).toEqual(simulated.map(shape).map((x, i) => ({ ...x, inverse: x.inverse.map((inv) => ({ ...inv, id: `${ops[i]!.id}.1` })) })));
    expect(ops.every((o) => o.inverse.length === 1 && o.inverse[0]!.intent === 'delete' && o.inverse[0]!.id === `${o.id}.1`)).toBe(true);
  });
});

describe('inverses of link creations', () => {
  it('of a plan of creations only are those the step-by-step simulation gives', () => {
    // Creations only take fillInverses' short way; the same followed by a change of an existing
    // link take the simulation: same inverses, same devices.
    const creations = (t: ReturnType<typeof tx>) => {
      t.interfaces.create({ ifname: 'vn0', kind: 'veth', peer: 'vn1' });
      t.interfaces.create({ ifname: 'brn', kind: 'bridge' });
      t.interfaces.create({ ifname: 'vn2', kind: 'veth', peer: { ifname: 'vn3', mtu: 9000 } });
      return t;
    };
    const ops = creations(tx()).plan();
    expect(ops.map((o) => `${o.intent} ${o.kind} ${o.dev}`)).toEqual(['create interface vn0', 'create interface brn', 'create interface vn2']);
    const t2 = creations(tx());
    t2.interfaces.v0!.mtu = 9000;
    const simulated = t2.plan().filter((o) => o.intent === 'create');
    const shape = (o: Operation) => ({ dev: o.dev, spec: o.spec, inverse: o.inverse.map((inv) => ({ ...inv, id: inv.id.replace(/^\d+\./, '') })) });
    expect(ops.map(shape)).toEqual(simulated.map(shape));
    expect(ops.map((o) => o.inverse.map((inv) => `${inv.id} ${line(inv)}`))).toEqual([['1.1 link del vn0'], ['2.1 link del brn'], ['3.1 link del vn2']]);
  });

  it('take nothing else with them when run right after the creation (what fillInverses assumes)', () => {
    // A plan that builds on its new links in every way a plan can: ports, a stacked device, a
    // veth end moved under a new bridge, addresses, routes, and a name an old link gave up.
    const t = tx();
    t.interfaces.remove('mv0');
    t.interfaces.v0!.state = 'down';
    t.interfaces.v0!.ifname = 'old0';
    t.interfaces.create({ ifname: 'v0', kind: 'veth', peer: 'n1', state: 'up', master: 'br0' });
    t.interfaces.create({ ifname: 'nb', kind: 'bridge', state: 'up' });
    t.interfaces.n1!.master = 'nb';
    t.interfaces.create({ ifname: 'mv1', kind: 'macvlan', link: 'v0', info: { mode: 'bridge' } });
    t.interfaces.v0!.addIp('10.70.0.1/24');
    t.interfaces.nb!.addIp('fd00:70::1/64');
    t.routes.add({ dst: '10.71.0.0/16', gateway: '10.70.0.254', oif: 'v0' });
    t.routes.add({ dst: '10.72.0.0/16', oif: 'mv1' });
    const ops = t.plan();
    const creations = ops.filter((o) => o.kind === 'interface' && o.intent === 'create');
    expect(creations.length).toBe(3);
    const state = new TxState(world.base());
    let checked = 0;
    for (const op of ops) {
      applyOp(state, op);
      if (op.kind !== 'interface' || op.intent !== 'create') continue;
      const own = new Set([op.spec.index, ...(op.spec.peer ? [op.spec.peer.index] : [])].map((i) => `interface:${state.key('interface', state.interface(i)!)}`));
      const fx = sideEffects(state, linkDeleteOp(state, op.spec, 'undo')).map((v) => `${v.kind}:${v.key}`);
      expect(fx.filter((k) => !own.has(k)), op.spec.ifname).toEqual([]);
      checked += 1;
    }
    expect(checked).toBe(3);
    // (The check itself sees side effects: deleting a link that has things on it names them.)
    const v0 = state.interface(creations[0]!.spec.index)!;
    expect(sideEffects(state, linkDeleteOp(state, v0, 'undo')).map((v) => v.kind).sort()).toEqual(expect.arrayContaining(['address', 'interface', 'route']));
  });
});

describe('review', () => {
  it('shows each operation with its undo operations', () => {
    const t = tx();
    t.interfaces.v0!.mtu = 9000;
    t.interfaces.v0!.addIp('10.0.0.3/24');
    expect(t.review()).toBe([
      '  1  link set v0 mtu 9000',
      '       undo 1.1: link set v0 mtu 1500',
      '  2  address add 10.0.0.3/24 dev v0',
      '       undo 2.1: address del 10.0.0.3/24 dev v0',
    ].join('\n'));
    expect(review([])).toBe('(nothing to do)');
    expect(line(t.plan()[0]!)).toBe('link set v0 mtu 9000 (undo: mtu 1500)');
  });

  it('plans nothing for a value set back to what it was, or an add then remove', () => {
    const t = tx();
    t.interfaces.v0!.mtu = 9000;
    t.interfaces.v0!.mtu = 1500;
    t.interfaces.v0!.addIp('10.0.0.3/24');
    t.interfaces.v0!.delIp('10.0.0.3/24');
    const r = t.routes.remove({ dst: '10.1.0.0/16' });
    t.routes.add({ dst: r.dst, gateway: r.gateway!, oif: r.oif!, priority: r.priority! });
    expect(t.plan()).toEqual([]);
  });
});

describe('validation before planning', () => {
  it('names the field and value', () => {
    const t = tx();
    expect(() => { t.interfaces.v0!.mtu = -1; }).toThrow(ValidationError);
    expect(() => { t.interfaces.v0!.state = 'sideways' as never; }).toThrow(/state/);
    expect(() => { (t.interfaces.v0 as unknown as { index: number }).index = 5; }).toThrow(/read-only/);
    // pyroute2's spelling of a move gets pointed at this one's.
    expect(() => { (t.interfaces.v0 as unknown as { net_ns_fd: string }).net_ns_fd = 'lab'; }).toThrow(/read-only.*moveTo\("lab"\) moves the link/);
    expect(() => t.interfaces.v0!.addIp('10.0.0.300/24')).toThrow(ValidationError);
    const e = (() => { try { t.interfaces.v0!.master = 'nope'; } catch (x) { return x as ValidationError; } })()!;
    expect(e).toBeInstanceOf(ValidationError);
    expect([e.field, e.value]).toEqual(['master', 'nope']);
    expect(() => t.routes.add({ dst: '10.0.0.1/24', oif: 'v0' })).toThrow(/host bits/);
    expect(() => t.routes.add({ dst: '10.1.0.0/16', oif: 'v0', priority: 10 })).toThrow(/append\(\)/);
    expect(() => t.interfaces.remove('eth0')).toThrow(/cannot be deleted/);
    expect(() => t.rules.add({ table: 5 })).toThrow(/priority/);
  });

  it('checks the final picture: unique names, links that exist', () => {
    const t = tx();
    t.interfaces.br0!.state = 'down';
    t.interfaces.br0!.ifname = 'v0';
    const err = (() => { try { t.plan(); } catch (x) { return x as ValidationError; } })()!;
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.field).toMatch(/ifname/);
    expect(err.value).toBe('v0');

    const t2 = tx();
    t2.interfaces.v0!.master = 'br0';
    t2.interfaces.remove('br0');
    // The draft shows what the kernel would do: no master.
    expect(t2.interfaces.v0!.master).toBeNull();
  });
});

describe('review lines', () => {
  it('say the selectors and next-hop kinds records keep: nhid, encap, onlink, realms; not, ports, suppress, l3mdev', () => {
    const t = tx();
    t.routes.add({ dst: '10.60.0.0/24', nhid: 7 });
    t.routes.add({ dst: '10.61.0.0/24', gateway: '192.0.2.1', oif: 'v0', onlink: true, realms: (3 << 16) | 5 });
    t.routes.add({ dst: '10.62.0.0/24', oif: 'v0', encap: { type: 'ip', data: '0800020001010101' } });
    t.rules.add({ priority: 400, invert: true, fwmark: 0xca6c, table: 51820 });
    t.rules.add({ priority: 401, table: 'main', suppressPrefixlen: 0, ipProto: 'tcp', dportRange: 443 });
    t.rules.add({ priority: 402, l3mdev: true });
    const lines = t.plan().map(line);
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^route add 10\.60\.0\.0\/24 nhid 7 table 254 .*\(undo: route del 10\.60\.0\.0\/24 nhid 7 /),
      expect.stringMatching(/^route add 10\.61\.0\.0\/24 via 192\.0\.2\.1 dev v0 onlink realms 3\/5 /),
      expect.stringMatching(/^route add 10\.62\.0\.0\/24 encap ip dev v0 /),
      expect.stringMatching(/^rule add not from all fwmark 0xca6c priority 400 lookup 51820 /),
      expect.stringMatching(/^rule add from all ipproto 6 dport 443-443 priority 401 lookup 254 suppress_prefixlength 0 /),
      expect.stringMatching(/^rule add from all priority 402 l3mdev /),
    ]));
  });
});

describe('alternative names', () => {
  it('are names: a new link, a rename or a new alternative name may not take one that is taken after commit', () => {
    const w = buildWorld();
    const v1 = [...w.home.links.values()].find((l) => l.ifname === 'v1')!;
    w.home.links.set(v1.index, { ...v1, altnames: ['uplink'] });
    const refusal = (draft: (t: ReturnType<typeof begin>) => void): unknown => {
      const t = begin(w.base(), { allocateIndex: sequential(70) });
      draft(t);
      try { t.plan(); } catch (e) { return (e as ValidationError).errors; }
      return undefined;
    };
    const taken = [expect.objectContaining({ field: 'interfaces.v1.altnames', value: 'uplink', reason: expect.stringMatching(/^also a name of uplink \(#\d+\) after commit/) })];
    expect(refusal((t) => { t.interfaces.create({ ifname: 'uplink', kind: 'bridge' }); })).toEqual(taken);
    expect(refusal((t) => { t.interfaces.v0!.state = 'down'; t.interfaces.v0!.ifname = 'uplink'; })).toEqual(taken);
    // Free again once the link that has it is removed (the kernel deletes before it creates).
    expect(refusal((t) => { t.interfaces.remove('v1'); t.interfaces.create({ ifname: 'uplink', kind: 'bridge' }); })).toBeUndefined();
    expect(refusal((t) => { t.interfaces.create({ ifname: 'vn', kind: 'bridge', altnames: ['vn-alt'] }); })).toBeUndefined();
  });
});

describe('bridge port settings', () => {
  it('are set again when a port joins another bridge, and not when it joins a master of another kind', () => {
    const w = buildWorld();
    const v1 = [...w.home.links.values()].find((l) => l.ifname === 'v1')!;
    w.home.links.set(v1.index, { ...v1, slaveKind: 'bridge', port: { cost: 7, mode: true } });
    w.home.links.set(60, { ...v1, index: 60, ifname: 'br1', kind: 'bridge', master: null, link: null, slaveKind: null, port: null });
    w.home.links.set(61, { ...v1, index: 61, ifname: 'bond0', kind: 'bond', master: null, link: null, slaveKind: null, port: null });
    const moved = (master: string) => {
      const t = begin(w.base(), { allocateIndex: sequential(70) });
      t.interfaces.v1!.master = master;
      // (Without the undo notes.)
      return t.plan().map((op) => line(op).replace(/ \(undo.*$/, ''));
    };
    expect(moved('br1')).toEqual(['link set v1 master br1', 'link set v1 type bridge_slave cost 7 mode on']);
    expect(moved('bond0')).toEqual(['link set v1 master bond0']);
  });

  it('are shown by the draft while the link stays a bridge port, and not once it leaves its bridge', () => {
    const w = buildWorld();
    const v1 = [...w.home.links.values()].find((l) => l.ifname === 'v1')!;
    w.home.links.set(60, { ...v1, index: 60, ifname: 'brA', kind: 'bridge', master: null, link: null, slaveKind: null, port: null });
    w.home.links.set(61, { ...v1, index: 61, ifname: 'brB', kind: 'bridge', master: null, link: null, slaveKind: null, port: null });
    w.home.links.set(62, { ...v1, index: 62, ifname: 'bond0', kind: 'bond', master: null, link: null, slaveKind: null, port: null });
    w.home.links.set(v1.index, { ...v1, master: 60, slaveKind: 'bridge', port: { cost: 7, mode: true } });
    const t = begin(w.base(), { allocateIndex: sequential(70) });
    const i = t.interfaces.v1!;
    expect(i.port).toEqual({ cost: 7, mode: true });
    i.master = 'brB';
    expect(i.port).toEqual({ cost: 7, mode: true });
    i.master = 'bond0';
    expect(i.port).toBeNull();
    i.master = null;
    expect(i.port).toBeNull();
    // Nothing is sent for the settings: the link leaves its bridge.
    expect(t.plan().map((op) => line(op).replace(/ \(undo.*$/, ''))).toEqual(['link set v1 nomaster']);
    i.master = 'brA';
    expect(i.port).toEqual({ cost: 7, mode: true });
    // Its bridge removed in the draft: no master, no settings.
    t.interfaces.remove('brA');
    expect(i.master).toBeNull();
    expect(i.port).toBeNull();
  });
});
