/** Addresses, rules and neighbours from real kernel bytes (see test/fixtures/capture.sh). */
import { describe, expect, test } from 'vitest';
import { IFA_F, NTF, NUD, rtnl } from './helpers.js';
import { decodedOf } from './fixture-util.js';

const links = new Map(decodedOf('link-kinds', rtnl.link).map((l) => [l.attrs.ifname, l.index]));
const idx = (name: string): number => links.get(name)!;

describe('ip addr show', () => {
  const addrs = decodedOf('addr', rtnl.addr);
  const local = (a: string) => addrs.find((x) => (x.attrs.local ?? x.attrs.address) === a)!;

  test('10.0.0.1/24 dev v0', () => {
    const a = local('10.0.0.1');
    expect([a.family, a.prefixlen, a.scope, a.index]).toEqual([2, 24, 'global', idx('v0')]);
    expect(a.attrs.label).toBe('v0');
    expect(IFA_F.names(a.attrs.flags!)).toEqual(['PERMANENT']);
  });

  test('10.0.0.5/24 brd + label v0:1 is secondary', () => {
    const a = local('10.0.0.5');
    expect(a.attrs.broadcast).toBe('10.0.0.255');
    expect(a.attrs.label).toBe('v0:1');
    expect(IFA_F.names(a.attrs.flags!)).toEqual(['SECONDARY', 'PERMANENT']);
  });

  test('peer address: IFA_LOCAL 10.2.0.1, IFA_ADDRESS 10.2.0.2', () => {
    const a = local('10.2.0.1');
    expect(a.attrs.address).toBe('10.2.0.2');
    expect(a.prefixlen).toBe(32);
    expect(a.index).toBe(idx('mv0'));
  });

  test('IPv6: 2001:db8::1/64 nodad, link-local, ::1', () => {
    const a = local('2001:db8::1');
    expect(a.family).toBe(10);
    expect(IFA_F.names(a.attrs.flags!)).toEqual(['NODAD', 'PERMANENT']);
    expect(a.attrs.cacheinfo?.valid).toBe(0xffffffff);
    const ll = addrs.filter((x) => x.scope === 'link' && x.family === 10);
    expect(ll.every((x) => x.attrs.address!.startsWith('fe80::'))).toBe(true);
    expect(ll[0]!.attrs.proto).toBe('kernel_ll');
    expect(local('::1').scope).toBe('host');
  });
});

describe('ip rule show', () => {
  const rules = decodedOf('rule4', rtnl.rule);
  const pref = (p: number | undefined) => rules.find((r) => r.attrs.priority === p)!;

  test('from 10.0.0.0/24 table 100 pref 1000', () => {
    const r = pref(1000);
    expect([r.family, r.srcLen, r.action]).toEqual([2, 24, 'to_tbl']);
    expect(r.attrs.src).toBe('10.0.0.0');
    expect(r.attrs.table).toBe(100);
  });

  test('fwmark 0x10/0xff lookup 200 pref 1001', () => {
    expect(pref(1001).attrs).toMatchObject({ fwmark: 0x10, fwmask: 0xff, table: 200 });
  });

  test('iif v0 to 10.3.0.0/16 prohibit pref 1002', () => {
    const r = pref(1002);
    expect(r.action).toBe('prohibit');
    expect(r.dstLen).toBe(16);
    expect(r.attrs).toMatchObject({ iifname: 'v0', dst: '10.3.0.0' });
  });

  test('the default rules: local (0), main (32766), default (32767)', () => {
    expect(rules.map((r) => r.attrs.priority ?? 0)).toEqual([0, 1000, 1001, 1002, 32766, 32767]);
    expect(pref(32766).attrs.protocol).toBe('kernel');
  });

  test('IPv6 rule from 2001:db8::/64', () => {
    const r6 = decodedOf('rule6', rtnl.rule).find((r) => r.attrs.priority === 1003)!;
    expect([r6.family, r6.srcLen, r6.attrs.src, r6.attrs.table]).toEqual([10, 64, '2001:db8::', 100]);
  });
});

describe('ip neigh show / bridge fdb show', () => {
  const neigh = decodedOf('neigh', rtnl.neigh);
  const dst = (d: string) => neigh.find((n) => n.attrs.dst === d)!;

  test('permanent, stale and reachable entries', () => {
    const p = dst('10.0.0.9');
    expect(p.attrs.lladdr).toBe('aa:bb:cc:dd:ee:01');
    expect(NUD.format(p.state)).toBe('PERMANENT');
    expect(p.ifindex).toBe(idx('v0'));
    expect(p.type).toBe('unicast');
    expect(NUD.format(dst('10.0.0.10').state)).toBe('STALE');
    const v6 = dst('2001:db8::9');
    expect([v6.family, v6.attrs.lladdr, NUD.format(v6.state)]).toEqual([10, 'aa:bb:cc:dd:ee:02', 'REACHABLE']);
  });

  test('multicast NOARP entries', () => {
    const m = dst('ff02::16');
    expect(NUD.format(m.state)).toBe('NOARP');
    expect(m.type).toBe('multicast');
  });

  test('fdb entries (AF_BRIDGE neighbours): MACs, and the vxlan default entry with its IPv4 NDA_DST', () => {
    const fdb = decodedOf('neigh-fdb', rtnl.neigh);
    expect(fdb.length).toBeGreaterThan(0);
    expect(fdb.every((n) => n.family === 7 && /^[0-9a-f:]{17}$/.test(n.attrs.lladdr!))).toBe(true);
    const vx = fdb.filter((n) => n.ifindex === idx('vx0'));
    expect(vx.map((n) => [n.attrs.lladdr, n.attrs.dst, n.attrs.ifindex])).toEqual([['00:00:00:00:00:00', '239.1.1.1', idx('v0')]]);
    expect(fdb.filter((n) => n.ifindex !== idx('vx0')).every((n) => n.attrs.dst === undefined)).toBe(true);
    expect(fdb.some((n) => NTF.names(n.flags).includes('SELF'))).toBe(true);
    expect(fdb.some((n) => n.attrs.master === idx('br0'))).toBe(true);
  });
});
