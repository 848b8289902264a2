/**
 * IPDB against the real kernel: a namespace built with `ip` (veth pairs, a bridge with ports,
 * vxlan, macvlan, ifb, IPv4 and IPv6 addresses, multipath routes, several tables, rules and
 * neighbours) must read back exactly as `ip -j` shows it, field by field, on open and after each
 * of a series of changes made with `ip` while the database is open.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstValueFrom, toArray, take } from 'rxjs';
import { DbTimeoutError, IPDB, type AnyChange, type InterfaceRecord } from '../../src/index.js';
import { assertKernelAccess, ip, ipBatch, ipJson, useNetns } from '../helpers/netns.js';
import { compareNow, kernelState, noDad, settle } from '../helpers/witness.js';

const ns = useNetns('mirror');
let db: IPDB;
const changes: AnyChange[] = [];

const BUILD = [
  'link add va type veth peer name vb', 'link add vc type veth peer name vd',
  'link add br0 type bridge', 'link set vb master br0', 'link set vd master br0',
  'link add vx0 type vxlan id 42 dstport 4789 local 10.0.0.1 dev va',
  'link add mv0 link va type macvlan mode bridge', 'link add ifb0 type ifb',
  ...['va', 'vb', 'vc', 'vd', 'br0', 'vx0', 'mv0', 'ifb0'].map((d) => `link set ${d} up`),
  'addr add 10.0.0.1/24 dev va', 'addr add 10.0.0.100/24 dev va', 'addr add 2001:db8::1/64 dev va',
  'addr add 10.1.0.1/24 dev vc', 'addr add 2001:db8:1::1/64 dev vc', 'addr add 192.168.50.1/24 dev br0',
  'route add 10.5.0.0/16 nexthop via 10.0.0.2 dev va weight 2 nexthop via 10.1.0.2 dev vc',
  'route add 10.6.0.0/16 via 10.0.0.2 table 100 metric 5', 'route add 10.6.0.0/16 via 10.1.0.2 table 100 metric 7',
  'route add 10.7.0.0/16 dev vc table 200', 'route add default via 10.0.0.254', 'route add blackhole 10.66.0.0/16',
  'route add 2001:db8:5::/48 nexthop via 2001:db8::2 dev va nexthop via 2001:db8:1::2 dev vc',
  'route add 2001:db8:6::/48 via 2001:db8::2 table 100', 'route add 2001:db8:7::/48 dev vc metric 10',
  'rule add from 10.0.0.0/24 table 100 pref 100', 'rule add to 10.9.0.0/16 blackhole pref 200',
  'rule add from 10.2.0.0/16 goto 32766 pref 50', 'rule add nop pref 60', 'rule add fwmark 7 table 200 pref 70',
  'neigh add 10.0.0.2 lladdr aa:bb:cc:dd:ee:01 dev va', 'neigh add 10.1.0.2 lladdr aa:bb:cc:dd:ee:03 dev vc nud reachable',
  'neigh add 2001:db8::2 lladdr aa:bb:cc:dd:ee:02 dev va',
];

beforeAll(async () => {
  assertKernelAccess();
  noDad(ns());
  ipBatch(ns(), BUILD);
  // `ip -batch` cannot say -6 on a line; IPv6 rules need it.
  ip(ns(), '-6', 'rule', 'add', 'from', '2001:db8::/64', 'table', '100', 'pref', '300');
  db = await IPDB.open({ netns: ns() });
  db.changes$.subscribe((c) => changes.push(c));
});

afterAll(() => db?.close());

describe('open', () => {
  it('holds exactly what ip -j shows, field by field', async () => {
    // Not vacuous: every kind is populated.
    expect(db.interfaces.size).toBe(9);
    expect(db.routes.filter({ table: 100 }).length).toBeGreaterThanOrEqual(3);
    expect(db.routes.filter((r) => r.multipath !== null).length).toBe(2);
    expect(db.rules.size).toBeGreaterThanOrEqual(9);
    expect(db.neighbours.filter((n) => n.state === 'PERMANENT').length).toBe(2);
    await settle(db, ns());
  });

  it('reads by name, by index, by property; iterates; filters; sizes', () => {
    const va = db.interfaces.get('va')!;
    expect(va.kind).toBe('veth');
    expect(db.interfaces.get(va.index)).toBe(va);
    expect(db.interfaces.va).toBe(va);
    expect(db.interfaces.br0?.kind).toBe('bridge');
    expect(db.interfaces.vx0?.kind).toBe('vxlan');
    expect(db.interfaces.nosuch).toBeUndefined();
    const names = [...db.interfaces].map((i) => i.ifname).sort();
    expect(names).toEqual(['br0', 'ifb0', 'lo', 'mv0', 'va', 'vb', 'vc', 'vd', 'vx0']);
    expect(db.interfaces.filter({ master: db.interfaces.br0!.index }).map((i) => i.ifname).sort()).toEqual(['vb', 'vd']);
    expect(db.addresses.filter({ index: va.index, family: 4 }).map((a) => a.address).sort()).toEqual(['10.0.0.1', '10.0.0.100']);
    expect(db.routes.size).toBe(kernelState(ns()).routes.length);
  });

  it('snapshot() is plain JSON and equals the collections', () => {
    const snap = db.snapshot();
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    expect(snap.interfaces.length).toBe(db.interfaces.size);
    expect(snap.routes.length).toBe(db.routes.size);
    expect(Object.keys(snap).sort()).toEqual(['addresses', 'interfaces', 'neighbours', 'routes', 'rules']);
  });
});

describe('changes made with ip while open', () => {
  const steps: [string, string[]][] = [
    ['link attributes', ['link set va mtu 1400', 'link set mv0 name mv1', 'link set vb nomaster', 'link set ifb0 down']],
    ['addresses', ['addr del 10.0.0.100/24 dev va', 'addr add 10.0.0.50/25 dev va', 'addr add 2001:db8:2::1/64 dev vd', 'addr del 2001:db8:1::1/64 dev vc']],
    ['routes', [
      'route replace 10.6.0.0/16 via 10.0.0.3 table 100 metric 5', 'route del 10.6.0.0/16 table 100 metric 7',
      'route append 10.8.0.0/16 via 10.0.0.2', 'route append 10.8.0.0/16 via 10.1.0.3',
      'route replace 10.5.0.0/16 nexthop via 10.0.0.3 dev va nexthop via 10.1.0.3 dev vc weight 3',
      'route add 10.9.0.0/16 via 10.1.0.2 table 300 proto static', 'route del default',
      'route replace 2001:db8:6::/48 via 2001:db8::3 table 100', 'route add 2001:db8:8::/48 via 2001:db8::2 metric 20',
    ]],
    ['IPv6 multipath grows and shrinks', ['route append 2001:db8:5::/48 via 2001:db8::3 dev va', 'route del 2001:db8:5::/48 via 2001:db8:1::2 dev vc']],
    ['rules', ['rule del pref 60', 'rule add from 10.3.0.0/16 table 300 pref 400', 'rule del pref 100']],
    ['neighbours', ['neigh replace 10.0.0.2 lladdr aa:bb:cc:dd:ee:09 dev va', 'neigh del 2001:db8::2 dev va', 'neigh add 10.0.0.7 lladdr aa:bb:cc:00:00:07 dev va nud stale']],
    ['links come and go', ['link add ve type veth peer name vf', 'link set ve up', 'addr add 10.20.0.1/24 dev ve', 'link del vx0', 'link del br0']],
  ];
  for (const [name, lines] of steps) {
    it(`${name}: still equal to ip -j`, async () => {
      const before = changes.length;
      ipBatch(ns(), lines);
      await settle(db, ns());
      // Each step changed something, announced by the kernel.
      const mine = changes.slice(before);
      expect(mine.length).toBeGreaterThan(0);
      expect(mine.every((c) => c.origin === 'kernel')).toBe(true);
    });
  }

  it('IPv6 rules: add and delete', async () => {
    ip(ns(), '-6', 'rule', 'add', 'to', '2001:db8:99::/48', 'table', '300', 'pref', '310');
    ip(ns(), '-6', 'rule', 'del', 'pref', '300');
    await settle(db, ns());
    expect(db.rules.filter({ family: 6, priority: 310 })).toHaveLength(1);
  });
});

describe('observing', () => {
  it('watch() follows an interface by name', async () => {
    const seen = firstValueFrom(db.interfaces.watch('va').pipe(take(2), toArray()));
    ip(ns(), 'link', 'set', 'va', 'mtu', '1300');
    const [now, next] = (await seen) as InterfaceRecord[];
    expect(now?.mtu).toBe(1400);
    expect(next?.mtu).toBe(1300);
  });

  it('wait() resolves when the condition holds and times out otherwise', async () => {
    const waited = db.wait((s) => s.interfaces.get('vg'), { timeout: 5000 });
    ip(ns(), 'link', 'add', 'vg', 'type', 'veth', 'peer', 'name', 'vh');
    expect((await waited).ifname).toBe('vg');
    await expect(db.wait((s) => s.interfaces.get('never'), { timeout: 50 })).rejects.toBeInstanceOf(DbTimeoutError);
  });

  it("marks the echo of the database's own requests (db.ipr) with origin 'commit'", async () => {
    const before = changes.length;
    await db.ipr.route('add', { dst: '10.77.0.0/16', gateway: '10.0.0.2', table: 100 });
    ip(ns(), 'route', 'add', '10.78.0.0/16', 'via', '10.0.0.2', 'table', '100');
    await db.sync();
    const mine = changes.slice(before).filter((c) => c.kind === 'route');
    expect(mine.map((c) => [c.op, c.after?.dst, c.origin])).toEqual([
      ['add', '10.77.0.0/16', 'commit'],
      ['add', '10.78.0.0/16', 'kernel'],
    ]);
    expect(await compareNow(db, ns())).toEqual([]);
  });

  it("a bridge's change names what changed: its countdown timers are not part of its info", async () => {
    // Up: a bridge's FDB garbage-collection timer only runs while it is.
    ipBatch(ns(), ['link add brt type bridge forward_delay 400', 'link set brt up']);
    const made = await db.wait((s) => { const l = s.interfaces.get('brt'); return l?.state === 'up' ? l : undefined; }, { timeout: 5000 });
    // The kernel's own view still has them, counting down (gc_timer: the FDB's next sweep).
    const before = ipJson(ns(), '-d', 'link', 'show', 'brt')[0].linkinfo.info_data;
    expect(before).toHaveProperty('gc_timer');
    expect(made.info).toMatchObject({ forwardDelay: 400, stpState: 0 });
    for (const k of ['helloTimer', 'tcnTimer', 'topologyChangeTimer', 'gcTimer', 'fdbNLearned', 'bridgeId', 'rootId', 'rootPort']) expect(made.info).not.toHaveProperty(k);
    // Long enough for gc_timer to move (it counts centiseconds): the next announcement differs in it.
    await new Promise((r) => setTimeout(r, 50));
    const seen = changes.length;
    ip(ns(), 'link', 'set', 'brt', 'mtu', '1400');
    await db.wait((s) => s.interfaces.get('brt')?.mtu === 1400, { timeout: 5000 });
    const mine = changes.slice(seen).filter((c) => c.kind === 'interface' && c.after?.ifname === 'brt');
    expect(mine.map((c) => (c.op === 'change' ? c.fields : c.op))).toEqual([['mtu']]);
    expect(ipJson(ns(), '-d', 'link', 'show', 'brt')[0].linkinfo.info_data.gc_timer).not.toBe(before.gc_timer);
  });

  it('state$ gives the current state, then each new one', async () => {
    const states = firstValueFrom(db.state$.pipe(take(2), toArray()));
    ip(ns(), 'addr', 'add', '10.30.0.1/24', 'dev', 'vc');
    const [a, b] = await states;
    expect(b!.version).toBeGreaterThan(a!.version);
    expect(b!.addresses.get('10.30.0.1/24')).toBeDefined();
    expect(a!.addresses.get('10.30.0.1/24')).toBeUndefined();
  });
});
