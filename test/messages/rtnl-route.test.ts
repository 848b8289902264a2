/** Route messages from real kernel bytes (test/fixtures/route4.json, route6.json; see capture.sh). */
import { describe, expect, test } from 'vitest';
import { RT_TABLE, RTNH_F, rtnl, type RouteMessage } from './helpers.js';
import { decodedOf } from './fixture-util.js';

const links = new Map(decodedOf('link-kinds', rtnl.link).map((l) => [l.attrs.ifname, l.index]));
const idx = (name: string): number => links.get(name)!;

function find(routes: RouteMessage[], dst: string, table?: number): RouteMessage {
  const r = routes.find((x) => x.attrs.dst === dst && (table === undefined || x.attrs.table === table));
  if (!r) throw new Error(`no route to ${dst} in table ${table}`);
  return r;
}

describe('ip route show table all (IPv4)', () => {
  const routes = decodedOf('route4', rtnl.route);

  test('multipath: nexthop via 10.0.0.2 dev v0 weight 1, via 10.1.0.2 dev v1 weight 3', () => {
    const r = find(routes, '10.9.0.0');
    expect(r.dstLen).toBe(24);
    expect(r.attrs.gateway).toBeUndefined();
    const mp = r.attrs.multipath!;
    expect(mp).toHaveLength(2);
    expect(mp.map((h) => h.attrs.gateway)).toEqual(['10.0.0.2', '10.1.0.2']);
    expect(mp.map((h) => h.ifindex)).toEqual([idx('v0'), idx('v1')]);
    expect(mp.map((h) => h.hops + 1)).toEqual([1, 3]); // ip's weight
    expect(RTNH_F.names(mp[0]!.flags)).toEqual([]);
    expect(mp[0]).not.toHaveProperty('len'); // derived, not shown
  });

  test('several tables: RTA_TABLE holds the full id, rtm_table only its low byte', () => {
    const t100 = find(routes, '10.8.0.0', 100);
    expect(t100.table).toBe(100);
    expect(t100.attrs.gateway).toBe('10.0.0.3');
    const t1000 = find(routes, '10.8.0.0', 1000);
    expect(t1000.table).toBe(RT_TABLE.byName.compat); // tables above 255 say RT_TABLE_COMPAT
    const main = find(routes, '10.7.0.0');
    expect(main.attrs.table).toBe(RT_TABLE.byName.main);
  });

  test('metrics: mtu lock 1400 advmss 1360', () => {
    const r = find(routes, '10.7.0.0');
    expect(r.attrs.metrics).toEqual({ lock: 1 << 2, mtu: 1400, advmss: 1360 });
    expect(r.attrs.gateway).toBe('10.0.0.4');
    expect(r.attrs.oif).toBe(idx('v0'));
    expect(r.protocol).toBe('boot');
  });

  test('dev v0 src 10.0.0.1 metric 50 proto static', () => {
    const r = find(routes, '10.6.0.0');
    expect(r.attrs.prefsrc).toBe('10.0.0.1');
    expect(r.attrs.priority).toBe(50);
    expect(r.protocol).toBe('static');
    expect(r.scope).toBe('link');
    expect(r.type).toBe('unicast');
  });

  test('route types: blackhole, unreachable, local', () => {
    expect(find(routes, '10.5.0.0').type).toBe('blackhole');
    const u = find(routes, '10.4.0.0', 100);
    expect(u.type).toBe('unreachable');
    const local = find(routes, '10.0.0.1', 255);
    expect([local.type, local.scope, local.protocol, local.dstLen]).toEqual(['local', 'host', 'kernel', 32]);
  });

  test('encap ip: RTA_ENCAP comes before the RTA_ENCAP_TYPE that selects its layout', () => {
    const r = find(routes, '10.44.0.0');
    const keys = Object.keys(r.attrs);
    expect(keys.indexOf('encap')).toBeLessThan(keys.indexOf('encapType'));
    expect(r.attrs.encapType).toBe('ip');
    expect(r.attrs.encap).toMatchObject({ id: 5n, dst: '10.1.1.1', ttl: 4 });
  });
});

describe('ip -6 route show table all', () => {
  const routes = decodedOf('route6', rtnl.route);

  test('via 2001:db8::2 dev v0 metric 256 pref high', () => {
    const r = find(routes, '2001:db8:1::');
    expect(r.family).toBe(10);
    expect(r.dstLen).toBe(64);
    expect(r.attrs.gateway).toBe('2001:db8::2');
    expect(r.attrs.priority).toBe(256);
    expect(r.attrs.pref).toBe('high');
    expect(r.attrs.cacheinfo).toMatchObject({ error: 0 });
  });

  test('IPv6 multipath', () => {
    const r = find(routes, '2001:db8:2::');
    expect(r.attrs.multipath?.map((h) => h.attrs.gateway)).toEqual(['2001:db8::3', '2001:db8::4']);
    expect(r.attrs.priority).toBe(1024);
  });

  test('an encapsulation without a table (seg6) is kept raw', () => {
    const r = find(routes, '2001:db8:5::');
    expect(r.attrs.encapType).toBe('seg6');
    expect(Buffer.isBuffer(r.attrs.encap)).toBe(true);
    const again = rtnl.route.decode(rtnl.route.encode(r));
    expect(again).toEqual(r);
  });

  test('link-local and local routes', () => {
    expect(routes.filter((r) => r.attrs.dst === 'fe80::').map((r) => r.attrs.oif).sort()).toEqual([idx('v0'), idx('v1')].sort());
    expect(find(routes, '::1', 255).type).toBe('local');
  });
});
