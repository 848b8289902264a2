/**
 * Every kind of operation a transaction makes, on the kernel, each in a fresh namespace:
 * 1. drafted together with a route the kernel refuses (its gateway is unreachable), so the commit
 *    fails after the operation took effect: the rollback must leave the namespace exactly as it
 *    was (whole `ip -j` dumps compared), which checks the operation's inverse on the kernel;
 * 2. drafted alone and committed: `ip -j` shows the change, and the database agrees with `ip`.
 */
import { describe, expect, it } from 'vitest';
import type { IPDB } from '../../src/index.js';
import { CommitError } from '../../src/transactions/errors.js';
import type { Transaction } from '../../src/transactions/transaction.js';
import { createNetns, deleteNetns, ip, ipBatch, ipJson, useNetnsEach } from '../helpers/netns.js';
import { noDad, settle } from '../helpers/witness.js';
import { addrs, BASE_SETUP, link, openDb, routes, settleSame, stableDump, UNREACHABLE } from './helpers.js';

interface Case {
  name: string;
  setup?: string[];
  draft(tx: Transaction, ctx: { other: string }): void;
  check(ns: string, ctx: { other: string }): void;
}

const iface = (tx: Transaction, name: string) => {
  const l = tx.interfaces.get(name);
  if (!l) throw new Error(`no ${name} in the draft`);
  return l;
};

const VETH_N0 = ['link add n0 type veth peer name n1', 'link set n0 mtu 1400', 'link set n0 address 02:00:00:00:0a:01',
  'link set n0 up', 'link set n1 up', 'addr add 10.1.0.1/24 dev n0', 'addr add 2001:db8:1::1/64 dev n0',
  'route add 10.2.0.0/16 via 10.1.0.2', 'route add 10.3.0.0/16 via 10.1.0.2 table 100 metric 7',
  'route add 2001:db8:2::/48 via 2001:db8:1::2', 'neigh add 10.1.0.9 lladdr 02:00:00:00:0b:01 dev n0'];

const CASES: Case[] = [
  { name: 'interface mtu', draft: (tx) => { iface(tx, 'va').mtu = 1400; }, check: (ns) => expect(link(ns, 'va').mtu).toBe(1400) },
  {
    // (This kernel renames a link that is up: Linux 6.2 and later.)
    name: 'interface renamed while up', draft: (tx) => { iface(tx, 'va').ifname = 'wan0'; },
    check: (ns) => expect(link(ns, 'wan0').flags).toContain('UP'),
  },
  { name: 'interface state down', draft: (tx) => { iface(tx, 'vb').state = 'down'; }, check: (ns) => expect(link(ns, 'vb').flags).not.toContain('UP') },
  {
    name: 'interface state up', setup: ['link add ifb0 type ifb'],
    draft: (tx) => { iface(tx, 'ifb0').state = 'up'; }, check: (ns) => expect(link(ns, 'ifb0').flags).toContain('UP'),
  },
  {
    name: 'interface MAC address', draft: (tx) => { iface(tx, 'va').address = '02:00:00:00:00:aa'; },
    check: (ns) => expect(link(ns, 'va').address).toBe('02:00:00:00:00:aa'),
  },
  {
    name: 'interface name (of a link that is down)', setup: ['link set vb down'],
    draft: (tx) => { iface(tx, 'vb').ifname = 'vz'; }, check: (ns) => expect(link(ns, 'vz').ifname).toBe('vz'),
  },
  {
    name: 'interface name, set down in the same transaction',
    draft: (tx) => { const l = iface(tx, 'va'); l.state = 'down'; l.ifname = 'vz'; },
    check: (ns) => { expect(link(ns, 'vz').flags).not.toContain('UP'); expect(addrs(ns, 'vz')).toContain('10.0.0.1/24'); },
  },
  {
    name: 'interface master', setup: ['link add br0 type bridge', 'link add p0 type veth peer name p1', 'link set p0 master br0', 'link set p0 up', 'link set p1 up', 'link set br0 up'],
    draft: (tx) => { iface(tx, 'vb').master = 'br0'; }, check: (ns) => expect(link(ns, 'vb').master).toBe('br0'),
  },
  {
    name: 'interface master released', setup: ['link add br0 type bridge', 'link set vb master br0'],
    draft: (tx) => { iface(tx, 'vb').master = null; }, check: (ns) => expect(link(ns, 'vb').master).toBeUndefined(),
  },
  {
    name: 'addIp (IPv4 and IPv6)',
    draft: (tx) => { iface(tx, 'va').addIp('10.0.0.2/24'); iface(tx, 'vb').addIp('2001:db8:7::1/64'); },
    check: (ns) => { expect(addrs(ns, 'va')).toContain('10.0.0.2/24'); expect(addrs(ns, 'vb')).toContain('2001:db8:7::1/64'); },
  },
  {
    name: 'delIp (its kernel routes go with it and come back on rollback)', setup: ['route add 10.5.0.0/16 via 10.0.0.2 src 10.0.0.1'],
    draft: (tx) => { iface(tx, 'va').delIp('10.0.0.1/24'); iface(tx, 'va').delIp('2001:db8::1/64'); },
    check: (ns) => { expect(addrs(ns, 'va').some((a) => a === '10.0.0.1/24' || a === '2001:db8::1/64')).toBe(false); expect(routes(ns)).toEqual([]); },
  },
  {
    name: 'create a bridge', draft: (tx) => { tx.interfaces.create({ ifname: 'br1', kind: 'bridge', state: 'up', mtu: 1400 }); },
    check: (ns) => { expect(link(ns, 'br1').linkinfo.info_kind).toBe('bridge'); expect(link(ns, 'br1').mtu).toBe(1400); },
  },
  {
    // A port joining takes a bridge to its ports' lowest MTU unless its MTU was set (on its own).
    name: 'create a bridge with an MTU and a port of a larger one',
    draft: (tx) => {
      tx.interfaces.create({ ifname: 'br2', kind: 'bridge', state: 'up', mtu: 1400 });
      tx.interfaces.create({ ifname: 'p2', kind: 'veth', peer: 'p2b', master: 'br2', state: 'up' });
    },
    check: (ns) => { expect([link(ns, 'br2').mtu, link(ns, 'p2').mtu, link(ns, 'p2').master]).toEqual([1400, 1500, 'br2']); },
  },
  {
    name: 'create a veth pair with an address and a route on it',
    draft: (tx) => {
      const n0 = tx.interfaces.create({ ifname: 'n0', kind: 'veth', peer: { ifname: 'n1', address: '02:00:00:00:0c:02' }, state: 'up', address: '02:00:00:00:0c:01' });
      iface(tx, 'n1').state = 'up';
      n0.addIp('10.8.0.1/24');
      tx.routes.add({ dst: '10.9.0.0/16', gateway: '10.8.0.2' });
    },
    check: (ns) => {
      expect(link(ns, 'n0').address).toBe('02:00:00:00:0c:01');
      expect(link(ns, 'n1').address).toBe('02:00:00:00:0c:02');
      expect(addrs(ns, 'n0')).toContain('10.8.0.1/24');
      expect(routes(ns)).toContain('10.9.0.0/16 via 10.8.0.2 dev n0');
    },
  },
  {
    name: 'create a veth pair with its settings in the request (mtu, txqlen and group; the peer\'s mtu)',
    draft: (tx) => { tx.interfaces.create({ ifname: 'n0', kind: 'veth', peer: { ifname: 'n1', mtu: 1300 }, mtu: 1400, txqlen: 500, group: 7 }); },
    check: (ns) => {
      const [n0, n1] = [link(ns, 'n0'), link(ns, 'n1')];
      expect([n0.mtu, n0.txqlen, n0.group, n0.linkinfo.info_kind]).toEqual([1400, 500, '7', 'veth']);
      expect([n1.mtu, n1.link]).toEqual([1300, 'n0']);
    },
  },
  {
    name: 'create a vxlan with its lower device as link (ip: dev)', draft: (tx) => { tx.interfaces.create({ ifname: 'vx2', kind: 'vxlan', link: 'va', info: { id: 43, port: 4789 } }); },
    check: (ns) => { expect(link(ns, 'vx2').linkinfo.info_data.link).toBe('va'); },
  },
  {
    name: 'create a vxlan', draft: (tx) => { tx.interfaces.create({ ifname: 'vx1', kind: 'vxlan', info: { id: 42, port: 4789, local: '10.0.0.1', link: 'va' } }); },
    check: (ns) => { const d = link(ns, 'vx1').linkinfo.info_data; expect([d.id, d.port, d.local]).toEqual([42, 4789, '10.0.0.1']); },
  },
  {
    name: 'create a macvlan', draft: (tx) => { tx.interfaces.create({ ifname: 'mv1', kind: 'macvlan', link: 'va', info: { mode: 'bridge' }, state: 'up' }); },
    check: (ns) => { expect(link(ns, 'mv1').linkinfo.info_data.mode).toBe('bridge'); expect(link(ns, 'mv1').link).toBe('va'); },
  },
  {
    name: 'create an ifb', draft: (tx) => { tx.interfaces.create({ ifname: 'ifb1', kind: 'ifb' }); },
    check: (ns) => expect(link(ns, 'ifb1').linkinfo.info_kind).toBe('ifb'),
  },
  {
    name: 'remove a veth with addresses, routes and neighbours (rollback restores index, name, MAC, mtu, all of it)', setup: VETH_N0,
    draft: (tx) => { tx.interfaces.remove('n0'); },
    check: (ns) => { expect(ipJson(ns, 'link', 'show').map((l: any) => l.ifname)).not.toContain('n1'); expect(routes(ns, 'table', 'all')).not.toContain('10.3.0.0/16 via 10.1.0.2 dev n0 table 100 metric 7'); },
  },
  {
    name: 'remove a bridge with a port', setup: ['link add br0 type bridge', 'link set br0 address 02:00:00:00:0d:01', 'link set vb master br0', 'link set br0 up', 'addr add 10.4.0.1/24 dev br0'],
    draft: (tx) => { tx.interfaces.remove('br0'); },
    check: (ns) => expect(link(ns, 'vb').master).toBeUndefined(),
  },
  {
    name: 'remove a bridge with two ports (they rejoin in turn, and get their port numbers back)',
    setup: ['link add br0 type bridge', 'link add p0 type veth peer name p1', 'link add p2 type veth peer name p3',
      'link set p0 master br0', 'link set p2 master br0', 'link set br0 up'],
    draft: (tx) => { tx.interfaces.remove('br0'); },
    check: (ns) => expect(ipJson(ns, 'link', 'show').map((l: any) => l.ifname)).not.toContain('br0'),
  },
  {
    name: 'move two of three ports to another bridge and take the third out (they rejoin in turn, and get their port numbers back)',
    setup: ['link add br0 type bridge', 'link add br1 type bridge', 'link add p0 type veth peer name p1', 'link add p2 type veth peer name p3',
      'link add p4 type veth peer name p5', 'link set p0 master br0', 'link set p2 master br0', 'link set p4 master br0', 'link set br0 up',
      // (br1 has a port of its own: a bridge's first port leaving leaves it a bridge id it did not have, whoever does it.)
      'link add p6 type veth peer name p7', 'link set p6 master br1'],
    draft: (tx) => { iface(tx, 'p0').master = 'br1'; iface(tx, 'p4').master = 'br1'; iface(tx, 'p2').master = null; },
    check: (ns) => expect([link(ns, 'p0').master, link(ns, 'p2').master, link(ns, 'p4').master]).toEqual(['br1', undefined, 'br1']),
  },
  {
    name: 'remove a link with a macvlan and a vxlan on it',
    setup: ['link add mv0 link va type macvlan mode bridge', 'link set mv0 up', 'addr add 10.6.0.1/24 dev mv0',
      'link add vx0 type vxlan id 7 dstport 4789 local 10.0.0.1 dev va', 'link add ifb0 type ifb', 'link set ifb0 up'],
    draft: (tx) => { tx.interfaces.remove('va'); tx.interfaces.remove('ifb0'); },
    check: (ns) => expect(ipJson(ns, 'link', 'show').map((l: any) => l.ifname).sort()).toEqual(['lo']),
  },
  {
    name: 'remove a veth pair whose ends have flags set (promisc, allmulticast, arp off, multicast off, dynamic)',
    // (arp off where no address is, and set while the link is down: an IPv6 link-local address
    // still tentative when the flag changes stays tentative, and one made again with the link does
    // not, so a dump taken before a slow carrier came up differed from the one after the rollback.)
    setup: ['link set va promisc on allmulticast on', 'link set vb down', 'link set vb arp off multicast off dynamic on', 'link set vb up'],
    draft: (tx) => { tx.interfaces.remove('va'); },
    check: (ns) => expect(ipJson(ns, 'link', 'show').map((l: any) => l.ifname).sort()).toEqual(['lo']),
  },
  {
    name: "remove a veth whose peer carries a macvlan and a vxlan (they go with the peer: deleted first)",
    setup: ['link add mv0 link vb type macvlan mode bridge', 'link set mv0 up', 'addr add 10.6.0.1/24 dev mv0',
      'link add vx0 type vxlan id 7 dstport 4789 dev vb'],
    draft: (tx) => { tx.interfaces.remove('va'); },
    check: (ns) => expect(ipJson(ns, 'link', 'show').map((l: any) => l.ifname).sort()).toEqual(['lo']),
  },
  {
    name: 'routes: add in tables, IPv6, multipath, blackhole',
    draft: (tx) => {
      tx.routes.add({ dst: '10.5.0.0/16', gateway: '10.0.0.2' });
      tx.routes.add({ dst: '10.6.0.0/16', gateway: '10.0.0.2', table: 100, priority: 5 });
      tx.routes.add({ dst: '10.7.0.0/16', multipath: [{ gateway: '10.0.0.2', weight: 2 }, { gateway: '10.0.0.3' }] });
      tx.routes.add({ dst: '2001:db8:5::/48', gateway: '2001:db8::2' });
      tx.routes.add({ dst: '2001:db8:6::/48', multipath: [{ gateway: '2001:db8::2' }, { gateway: '2001:db8::3' }] });
      tx.routes.add({ dst: '10.8.0.0/16', type: 'blackhole' });
      // Table 0 (RT_TABLE_UNSPEC) is main to the kernel, for both families.
      tx.routes.add({ dst: '10.4.0.0/16', gateway: '10.0.0.2', table: 0 });
      tx.routes.add({ dst: '2001:db8:4::/48', gateway: '2001:db8::2', table: 0 });
    },
    check: (ns) => {
      expect(routes(ns)).toContain('10.5.0.0/16 via 10.0.0.2 dev va');
      expect(routes(ns)).toContain('10.4.0.0/16 via 10.0.0.2 dev va');
      expect(ip(ns, '-6', 'route', 'show', '2001:db8:4::/48')).toMatch(/via 2001:db8::2 dev va/);
      expect(routes(ns, 'table', '100')).toEqual(['10.6.0.0/16 via 10.0.0.2 dev va metric 5']);
      expect(routes(ns)).toContain('blackhole 10.8.0.0/16');
      expect(ip(ns, 'route', 'show', '10.7.0.0/16')).toMatch(/nexthop via 10.0.0.2 dev va weight 2/);
      expect(ip(ns, '-6', 'route', 'show', '2001:db8:6::/48')).toMatch(/nexthop via 2001:db8::3/);
    },
  },
  {
    name: 'routes: remove, replace, append',
    setup: ['route add 10.5.0.0/16 via 10.0.0.2', 'route add 10.6.0.0/16 via 10.0.0.2', 'route add 2001:db8:5::/48 via 2001:db8::2',
      'route add 10.7.0.0/16 nexthop via 10.0.0.2 nexthop via 10.0.0.3', 'route add 10.9.0.0/16 via 10.0.0.2 table 100'],
    draft: (tx) => {
      tx.routes.remove({ dst: '10.5.0.0/16' });
      tx.routes.replace({ dst: '10.6.0.0/16', gateway: '10.0.0.3' });
      tx.routes.remove({ dst: '2001:db8:5::/48' });
      tx.routes.remove({ dst: '10.7.0.0/16' });
      tx.routes.remove({ dst: '10.9.0.0/16', table: 100 });
      tx.routes.append({ dst: '10.6.0.0/16', gateway: '10.0.0.4', protocol: 'static' });
    },
    check: (ns) => expect(routes(ns).filter((r) => !r.includes('proto kernel'))).toEqual([
      '10.6.0.0/16 via 10.0.0.3 dev va', '10.6.0.0/16 via 10.0.0.4 dev va proto static']),
  },
  {
    name: 'routes: an IPv6 append, which the kernel merges into the route there as a next hop',
    setup: ['addr add 2001:db8:2::1/64 dev vb', 'route add 2001:db8:50::/48 via 2001:db8::2 metric 1024'],
    draft: (tx) => { tx.routes.append({ dst: '2001:db8:50::/48', gateway: '2001:db8:2::2', oif: 'vb' }); },
    check: (ns) => {
      const [r] = ipJson(ns, '-6', 'route', 'show', '2001:db8:50::/48');
      expect(r.nexthops.map((h: any) => `${h.gateway} ${h.dev}`).sort()).toEqual(['2001:db8:2::2 vb', '2001:db8::2 va']);
    },
  },
  {
    name: 'rules: add and remove', setup: ['rule add from 10.0.0.0/24 table 100 pref 100', 'rule add blackhole to 10.9.0.0/16 pref 200'],
    draft: (tx) => {
      tx.rules.remove({ priority: 100 });
      tx.rules.add({ priority: 150, table: 101, dst: '10.6.0.0/16' });
      tx.rules.add({ priority: 160, action: 'goto', goto: 200, fwmark: 7 });
      tx.rules.add({ family: 6, priority: 170, table: 102, src: '2001:db8::/64' });
    },
    check: (ns) => {
      expect(ip(ns, 'rule', 'show')).toMatch(/150:\s+from all to 10.6.0.0\/16 lookup 101/);
      expect(ip(ns, 'rule', 'show')).not.toMatch(/^100:/m);
      expect(ip(ns, '-6', 'rule', 'show')).toMatch(/170:\s+from 2001:db8::\/64 lookup 102/);
    },
  },
  {
    name: 'neighbours: add and remove', setup: ['neigh add 10.0.0.7 lladdr 02:00:00:00:0e:07 dev va'],
    draft: (tx) => {
      tx.neighbours.remove({ ifname: 'va', dst: '10.0.0.7' });
      tx.neighbours.add({ ifname: 'va', dst: '10.0.0.8', lladdr: '02:00:00:00:0e:08' });
      tx.neighbours.add({ ifname: 'va', dst: '2001:db8::8', lladdr: '02:00:00:00:0e:09' });
    },
    check: (ns) => expect(ipJson(ns, 'neigh', 'show', 'nud', 'permanent').map((n: any) => n.dst).sort()).toEqual(['10.0.0.8', '2001:db8::8']),
  },
  {
    name: 'move to another namespace (the rollback asks for it back from there)', setup: ['link add ifb0 type ifb', 'link set ifb0 up', 'addr add 10.7.0.1/24 dev ifb0'],
    draft: (tx, { other }) => { iface(tx, 'ifb0').moveTo(other); },
    check: (ns, { other }) => {
      expect(ipJson(ns, 'link', 'show').map((l: any) => l.ifname)).not.toContain('ifb0');
      expect(ipJson(other, 'link', 'show').map((l: any) => l.ifname)).toContain('ifb0');
    },
  },
];

describe('every operation, committed and rolled back on the kernel', () => {
  const ns = useNetnsEach('op');

  for (const c of CASES) {
    it(c.name, async () => {
      const other = createNetns('other');
      let db: IPDB | undefined;
      try {
        noDad(ns());
        ipBatch(ns(), [...BASE_SETUP, ...(c.setup ?? [])]);
        db = await openDb(ns());
        const before = await stableDump(ns());
        const ctx = { other };

        const failing = db.begin();
        c.draft(failing, ctx);
        failing.routes.add(UNREACHABLE);
        const err = await failing.commit().then(() => null, (e: unknown) => e);
        expect(err).toBeInstanceOf(CommitError);
        const ce = err as CommitError;
        expect(ce.rolledBack, ce.message).toBe(true);
        expect(ce.op?.kind, ce.message).toBe('route');
        expect((ce.cause as { code?: string }).code).toBe('ENETUNREACH');
        // The kernel's own words (extended ack) reach the error.
        expect((ce.cause as { kernelMessage?: string }).kernelMessage).toMatch(/gateway/i);
        expect(ce.message).toMatch(/ENETUNREACH.*gateway.*rolled back/i);
        await settleSame(ns(), before);
        expect(ipJson(other, 'link', 'show').map((l: any) => l.ifname)).toEqual(['lo']);

        await db.sync();
        const tx = db.begin();
        c.draft(tx, ctx);
        await tx.commit();
        c.check(ns(), ctx);
        await settle(db, ns());
      } finally {
        db?.close();
        deleteNetns(other);
      }
    });
  }
});

describe('moving a link to a namespace that is not there', () => {
  const ns = useNetnsEach('mv');

  it('is refused by moveTo, naming the namespace, and nothing is sent', async () => {
    ipBatch(ns(), ['link add ifb0 type ifb']);
    const db = await openDb(ns());
    try {
      const tx = db.begin();
      const missing = `${ns()}-none`;
      expect(() => iface(tx, 'ifb0').moveTo(missing)).toThrow(new RegExp(`"${missing}" for field "netns": no namespace of that name`));
      // Nor to its own: the commit would wait for a move that never shows.
      expect(() => iface(tx, 'ifb0').moveTo(ns())).toThrow(new RegExp(`"${ns()}" for field "netns": ifb0 is in that namespace already`));
      tx.drop();
    } finally {
      db.close();
    }
  });

  it('that went away after moveTo is refused at commit before anything is sent', async () => {
    ipBatch(ns(), ['link add ifb0 type ifb', 'link add ifb1 type ifb']);
    const other = createNetns('gone');
    const db = await openDb(ns());
    try {
      const tx = db.begin();
      // Sent first if the commit got that far: the kernel would show it.
      iface(tx, 'ifb0').mtu = 1400;
      iface(tx, 'ifb1').moveTo(other);
      deleteNetns(other);
      const err = await tx.commit().then(() => null, (e: unknown) => e as Error);
      expect(err?.name).toBe('ValidationError');
      expect(err?.message).toMatch(new RegExp(`link set ifb1 netns ${other}.*netns.*cannot open /run/netns/${other}`));
      const links = ipJson(ns(), 'link', 'show');
      expect(links.find((l: any) => l.ifname === 'ifb0').mtu).toBe(1500);
      expect(links.map((l: any) => l.ifname)).toContain('ifb1');
    } finally {
      db.close();
      deleteNetns(other);
    }
  });
});
