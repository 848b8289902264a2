/**
 * The kernel's order of a route's attributes (ROUTE_ATTR_ORDER, src/iproute/encode/route.ts), which
 * every route request is written in so that a plain route's notification repeats its request's
 * bytes (echo claims). Held here to the kernel's own bytes (the captured dumps of
 * test/fixtures/route4.json and route6.json: `ip route show table all`, `ip -6 route show table
 * all`, metrics, sources, priorities and multipath among them; route4-nexthops.json, IPv4 routes via
 * IPv6 next hops and onlink ones), and the encoders to the table.
 */
import { describe, expect, it } from 'vitest';
import { indexOnly } from '../../src/iproute/encode/index.js';
import { encodeRoute, ROUTE_ATTR_ORDER, routeAttrsInOrder } from '../../src/iproute/encode/route.js';
import { routeRecordAt } from '../../src/iproute/decode/route.js';
import type { RouteRecord } from '../../src/iproute/records.js';
import { validateRoute } from '../../src/iproute/validate/index.js';
import { rtnlSchema } from '../../src/messages/index.js';
import { encodeRouteRecord } from '../../src/transactions/encode-op.js';
import { fixtureMessages, loadFixture } from '../messages/fixture-util.js';

const RTMSG_LEN = 12;
const RTM_NEWROUTE = 24;
const NLA_TYPE_MASK = 0x3fff;

/** The route attribute's name of each type number ROUTE_ATTR_ORDER names. */
const nameOf = new Map<number, string>();
for (const name of new Set([...ROUTE_ATTR_ORDER[4], ...ROUTE_ATTR_ORDER[6]])) {
  const a = rtnlSchema.compiled.set('route-attrs').byName.get(name);
  if (a === undefined) throw new Error(`no route attribute ${name}`);
  nameOf.set(a.type, name);
}

/** The names of a route payload's top-level attributes that ROUTE_ATTR_ORDER orders, as they come. */
function orderedNames(payload: Buffer): string[] {
  const out: string[] = [];
  let off = RTMSG_LEN;
  while (off + 4 <= payload.length) {
    const len = payload.readUInt16LE(off);
    if (len < 4) break;
    const name = nameOf.get(payload.readUInt16LE(off + 2) & NLA_TYPE_MASK);
    if (name !== undefined) out.push(name);
    off += (len + 3) & ~3;
  }
  return out;
}

/** Whether `names` appear in the order `order` gives them. */
function inOrder(names: readonly string[], order: readonly string[]): boolean {
  const at = names.map((n) => order.indexOf(n));
  return at.every((k, i) => k >= 0 && (i === 0 || at[i - 1]! < k));
}

describe('the order of a route\'s attributes', () => {
  for (const [fixture, family] of [['route4', 4], ['route6', 6]] as const) {
    it(`is the kernel's in its dump of IPv${family} routes (${fixture}.json)`, () => {
      const routes = fixtureMessages(loadFixture(fixture), 'received').filter((m) => m.type === RTM_NEWROUTE && m.payload[0] === (family === 4 ? 2 : 10));
      expect(routes.length).toBeGreaterThan(5);
      const seen = new Set<string>();
      for (const r of routes) {
        const names = orderedNames(r.payload);
        names.forEach((n) => seen.add(n));
        expect(inOrder(names, ROUTE_ATTR_ORDER[family]), `${names.join(', ')}`).toBe(true);
      }
      // What the fixture shows of the order. (Its IPv6 routes have no source prefix, preferred
      // source or metrics: where the kernel puts those is checked live, by the echo claims of
      // test/transactions-kernel/echo-claim.test.ts and source-routes.test.ts.)
      const shown = family === 4 ? ['table', 'dst', 'priority', 'metrics', 'prefsrc', 'gateway', 'oif', 'multipath'] : ['table', 'dst', 'priority', 'gateway', 'oif', 'multipath', 'pref'];
      for (const n of shown) expect(seen, n).toContain(n);
    });
  }

  it('puts RTA_VIA where RTA_GATEWAY goes, in the kernel\'s dump of IPv4 routes via IPv6 next hops (route4-nexthops.json)', () => {
    const routes = fixtureMessages(loadFixture('route4-nexthops'), 'received').filter((m) => m.type === RTM_NEWROUTE);
    const vias = routes.filter((r) => orderedNames(r.payload).includes('via'));
    expect(vias.length).toBe(2);
    for (const r of routes) expect(inOrder(orderedNames(r.payload), ROUTE_ATTR_ORDER[4]), orderedNames(r.payload).join(', ')).toBe(true);
  });

  it('gives back the kernel\'s own bytes for its routes via IPv6 next hops, onlink, with realms, an encapsulation or a congestion control, single and multipath (route4-nexthops.json)', () => {
    const routes = fixtureMessages(loadFixture('route4-nexthops'), 'received').filter((m) => m.type === RTM_NEWROUTE);
    const records = routes.map((m) => ({ m, r: routeRecordAt(m.payload)! })).filter(({ r }) => /^10\.6\d\./.test(r.dst));
    // 10.60.0.0/24 via fe80::1, 10.61.0.0/24 via 2001:db8::7 metric 20, 10.62.0.0/24 with two next
    // hops via IPv6; 10.63.0.0/24 onlink, 10.64.0.0/24 with an onlink next hop; 10.65.0.0/24 realms
    // 3/5, 10.66.0.0/24 with a next hop of realm 7 and an ip encapsulation, 10.67.0.0/24 congctl.
    const said = (x: { onlink: boolean; realms: number | null; encap: { type: string } | null }) => `${x.onlink ? 'onlink' : '-'}/${x.realms ?? '-'}/${x.encap?.type ?? '-'}`;
    expect(records.map(({ r }) => `${r.dst} ${said(r)} ${(r.multipath ?? []).map(said).join(',')}`)).toEqual([
      '10.60.0.0/24 -/-/- ', '10.61.0.0/24 -/-/- ', '10.62.0.0/24 -/-/- -/-/-,-/-/-', '10.63.0.0/24 onlink/-/- ',
      '10.64.0.0/24 -/-/- onlink/-/-,-/-/-', `10.65.0.0/24 -/${(3 << 16) | 5}/- `, '10.66.0.0/24 -/-/- -/7/ip,-/-/-', '10.67.0.0/24 -/-/- ',
    ]);
    // 10.67.0.0/24: `congctl lock reno mtu 1400`, RTAX_CC_ALGO's string among the metrics.
    expect(records[7]!.r.metrics).toEqual({ lock: 1 << 16, mtu: 1400, ccAlgo: 'reno' });
    for (const { m, r } of records) {
      // (A gateway of the other family is the codec's to write; an onlink single path, record-wire's.)
      expect(Buffer.from(encodeRouteRecord(r, 'create').payload).toString('hex'), r.dst).toBe(m.payload.toString('hex'));
    }
    // A spec saying the same gives the same bytes (the kernel's dump says protocol boot, scope universe).
    const spec = validateRoute('add', { dst: '10.61.0.0/24', gateway: '2001:db8::7', oif: records[1]!.r.oif!, priority: 20 });
    expect(Buffer.from(encodeRoute(spec, indexOnly).payload).toString('hex')).toBe(records[1]!.m.payload.toString('hex'));
  });

  it('gives back the kernel\'s own bytes for every route of the captured dumps, encapsulations (ip, seg6) among them', () => {
    // Two things a request says otherwise, on purpose: no RTA_CACHEINFO (the kernel's statistics of
    // an IPv6 route), and rtm_table 0 rather than the kernel's 252 beside an RTA_TABLE above 255 (as ip).
    const expected = (p: Buffer): string => {
      const out: Buffer[] = [Buffer.from(p.subarray(0, RTMSG_LEN))];
      for (let off = RTMSG_LEN; off + 4 <= p.length;) {
        const len = p.readUInt16LE(off);
        const step = (len + 3) & ~3;
        if ((p.readUInt16LE(off + 2) & NLA_TYPE_MASK) !== 12) out.push(p.subarray(off, off + step));
        off += step;
      }
      const b = Buffer.concat(out);
      if (b[4] === 252) b[4] = 0;
      return b.toString('hex');
    };
    let encapped = 0;
    for (const fixture of ['route4', 'route6', 'route4-nexthops']) {
      for (const m of fixtureMessages(loadFixture(fixture), 'received').filter((x) => x.type === RTM_NEWROUTE)) {
        const r = routeRecordAt(m.payload)!;
        if (r.encap !== null || r.multipath?.some((h) => h.encap !== null)) encapped++;
        expect(Buffer.from(encodeRouteRecord(r, 'create').payload).toString('hex'), `${fixture} ${r.dst}`).toBe(expected(m.payload));
      }
    }
    // 10.44.0.0/24 encap ip (in route4.json and route4-nexthops.json), and 2001:db8:5::/64 encap
    // seg6 (route6.json, and route4.json, whose `ip route show table all` brought IPv6 routes too);
    // and 10.66.0.0/24's next hop (route4-nexthops.json).
    expect(encapped).toBe(4 + 1);
  });

  it('is the one the encoders write, for a route that says everything', () => {
    // (LWTUNNEL_IP_DST 1.1.1.1: what the attributes say is the kernel's to check.)
    const ENCAP = { type: 'ip', data: '0800020001010101' };
    for (const family of [4, 6] as const) {
      const spec = family === 4
        ? { dst: '10.7.0.0/24', gateway: '10.0.0.4', oif: 2, prefsrc: '10.0.0.1', priority: 50, metrics: { mtu: 1400 }, table: 100, encap: ENCAP, realms: 5 }
        : { dst: '2001:db8:1::/64', src: '2001:db8:9::/48', gateway: '2001:db8::2', oif: 2, prefsrc: '2001:db8::1', priority: 50, metrics: { mtu: 1400 }, table: 100, pref: 'high', encap: ENCAP };
      const viaSpec = encodeRoute(validateRoute('add', spec as never), indexOnly);
      const names = orderedNames(Buffer.from(viaSpec.payload));
      // (A nexthop object (nhId) and a next hop are never sent together; nor are RTA_VIA and RTA_GATEWAY.)
      expect(names).toEqual(ROUTE_ATTR_ORDER[family].filter((n) => n !== 'multipath' && n !== 'via' && n !== 'nhId' && (family === 6 || n !== 'pref')));
      const record: RouteRecord = {
        family, dst: spec.dst, src: 'src' in spec ? spec.src ?? null : null, table: 100, tos: 0, protocol: 'boot', scope: 'universe', type: 'unicast', gateway: spec.gateway, oif: 2,
        priority: 50, prefsrc: spec.prefsrc, metrics: { mtu: 1400 }, multipath: null, pref: family === 6 ? 'high' : null, onlink: false, encap: ENCAP, realms: family === 4 ? 5 : null, nhid: null,
      };
      expect(Buffer.from(encodeRouteRecord(record, 'create').payload).toString('hex')).toBe(Buffer.from(viaSpec.payload).toString('hex'));
    }
  });

  it('leaves out what a route does not say, and keeps the order whatever order the parts are given in', () => {
    const attrs = routeAttrsInOrder(6, { oif: 3, priority: 7, gateway: 'fe80::1', table: 254, prefsrc: undefined, dst: '2001:db8::' });
    expect(Object.keys(attrs)).toEqual(['table', 'dst', 'priority', 'gateway', 'oif']);
    expect(Object.keys(routeAttrsInOrder(4, { prefsrc: '10.0.0.1', priority: 7, table: 254 }))).toEqual(['table', 'priority', 'prefsrc']);
    expect(Object.keys(routeAttrsInOrder(6, { prefsrc: '2001:db8::1', priority: 7, table: 254 }))).toEqual(['table', 'prefsrc', 'priority']);
  });
});
