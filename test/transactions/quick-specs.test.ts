/**
 * The quick paths of drafting (quick-specs.ts) must give exactly the records the validators give,
 * and only for specs the validators accept: every spec here goes both ways, and where the quick
 * path answers, the answers are equal; where the validators refuse, the quick path must not answer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AddressSpec, RouteSpec } from '../../src/iproute/specs.js';
import type { IfTarget } from '../../src/iproute/validate/index.js';
import type { RouteRecord } from '../../src/iproute/records.js';
import { quickRouteMatcher, routeMatcher, validAddressRecord, validRouteRecord } from '../../src/transactions/normalise.js';
import { QuickMemo, quickAddressRecord, quickLinkCreate, quickRouteRecord } from '../../src/transactions/quick-specs.js';
import { validateLink } from '../../src/iproute/validate/index.js';
import type { LinkSpec } from '../../src/iproute/specs.js';

const resolve = (t: IfTarget): number => ('index' in t ? t.index : t.ifname === 'eth0' ? 2 : 7);

function both<S>(spec: S, quick: (s: S) => unknown, valid: (s: S) => unknown): { quick: unknown; valid: unknown; refused: boolean } {
  let v: unknown;
  let refused = false;
  try {
    v = valid(spec);
  } catch {
    refused = true;
  }
  return { quick: quick(spec), valid: v, refused };
}

const routeBoth = (s: unknown) => both(s as RouteSpec, (x) => quickRouteRecord(x, resolve), (x) => validRouteRecord(x, resolve));
const addressBoth = (s: unknown) => both(s as AddressSpec, (x) => quickAddressRecord(x, resolve), (x) => validAddressRecord(x, resolve));

/** Checks the two agree; true when the quick path answered. */
function agree(r: { quick: unknown; valid: unknown; refused: boolean }): boolean {
  if (r.quick === null) return false;
  expect(r.refused).toBe(false);
  expect(r.quick).toEqual(r.valid);
  return true;
}

// Mostly valid pieces, with the near misses the quick path must leave alone.
const octet = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 255 }).map(String), weight: 12 },
  { arbitrary: fc.oneof(fc.integer({ min: 256, max: 999 }).map(String), fc.constantFrom('00', '01', '010', '1a', '', '1234')), weight: 1 },
);
const quad = fc.oneof(
  { arbitrary: fc.tuple(octet, octet, octet, octet).map((q) => q.join('.')), weight: 12 },
  { arbitrary: fc.constantFrom('1.2.3', '1.2.3.4.5', '1..2.3', '.1.2.3', '1.2.3.', 'fe80::1', '::ffff:1.2.3.4'), weight: 1 },
);
const length = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 32 }).map(String), weight: 12 },
  { arbitrary: fc.constantFrom('', '07', 'x', '-1', '33', '128', '00'), weight: 1 },
);
// Host routes and short prefixes of zeros often have no host bits set.
const prefix = fc.oneof(
  quad,
  fc.tuple(quad, length).map(([q, l]) => `${q}/${l}`),
  fc.tuple(octet, fc.integer({ min: 1, max: 8 })).map(([o, l]) => `${o}.0.0.0/${l}`),
  fc.constantFrom('default', '2001:db8::/32', '10.0.0.0/8', '10.1.2.3/8'),
);
const ifref = fc.oneof(fc.integer({ min: -1, max: 3 }), fc.constantFrom('eth0', 'v1', '', 'a/b', 'x:y', 'sixteen-bytes-xx', ' ', 'é'));

describe('quick route records', () => {
  it('are the validated records for the shapes big transactions use', () => {
    for (const spec of [
      { dst: '172.16.0.1/32', gateway: '10.0.0.2', oif: 'eth0' },
      { dst: '10.1.0.0/16', gateway: '10.0.0.1' },
      { dst: '10.2.0.0/16', oif: 'eth0' },
      { dst: '10.3.0.1', oif: 3 },
      { dst: '0.0.0.0/1' },
    ]) {
      const r = routeBoth(spec);
      expect(r.quick, JSON.stringify(spec)).not.toBeNull();
      agree(r);
    }
  });

  it('leave everything else to the validators', () => {
    for (const spec of [
      { dst: '10.0.0.1/24' }, { dst: '0.0.0.0/0' }, { dst: 'default' }, { dst: '010.0.0.0/8' }, { dst: '10.0.0.0/08' },
      { dst: '2001:db8::/32' }, { dst: '10.0.0.0/8', gateway: 'fe80::1' }, { dst: '10.0.0.0/8', table: 100 },
      { dst: '10.0.0.0/8', oif: 'a/b' }, { dst: '10.0.0.0/8', oif: 0 }, { dst: '10.0.0.0/8', gateway: undefined, metrics: undefined },
      null, 'x',
    ]) {
      expect(routeBoth(spec).quick, JSON.stringify(spec)).toBeNull();
    }
  });

  it('agree with the validators on arbitrary specs', () => {
    let answered = 0;
    const spec = fc.record({ dst: prefix, gateway: fc.option(quad, { nil: undefined }), oif: fc.option(ifref, { nil: undefined }) }, { requiredKeys: [] });
    fc.assert(fc.property(spec, (s) => { if (agree(routeBoth(s))) answered++; }), { numRuns: 3000 });
    // The generators reach the quick path often enough for the comparison to mean something.
    expect(answered).toBeGreaterThan(30);
  });

  it('match, as removal predicates, exactly the routes routeMatcher matches', () => {
    // Routes near the specs: the same few destinations, gateways, links, tables and families.
    const route = fc.record({
      family: fc.constantFrom(4, 6), table: fc.constantFrom(254, 100), dst: fc.constantFrom('10.0.0.0/8', '10.1.2.3/32', '2001:db8::/32', 'default'),
      gateway: fc.constantFrom(null, '10.0.0.2', '10.0.0.3'), oif: fc.constantFrom(null, 2, 3, 7),
    }).map((r) => ({ ...validRouteRecord({ dst: '10.0.0.0/8', oif: 2 }, resolve), ...r }) as RouteRecord);
    const spec = fc.record({
      dst: fc.oneof(prefix, fc.constantFrom('10.0.0.0/8', '10.1.2.3', '10.1.2.3/32')),
      gateway: fc.option(fc.oneof(quad, fc.constantFrom('10.0.0.2', '10.0.0.3')), { nil: undefined }),
      oif: fc.option(ifref, { nil: undefined }),
    }, { requiredKeys: [] });
    let answered = 0;
    fc.assert(fc.property(spec, fc.array(route, { maxLength: 8 }), (s, routes) => {
      const quick = quickRouteMatcher(s as RouteSpec, resolve);
      if (quick === null) return;
      answered++;
      const full = routeMatcher(s as RouteSpec, resolve);
      expect({ family: quick.family, table: quick.table, dst: quick.dst }).toEqual({ family: full.family, table: full.table, dst: full.dst });
      for (const r of routes) expect(quick(r), JSON.stringify([s, r])).toBe(full(r));
    }), { numRuns: 3000 });
    expect(answered).toBeGreaterThan(300);
  });

  it('give the same answers with a memo of the last gateway and interface as without', () => {
    // Runs of specs sharing gateways and interfaces, good and bad, as a draft sees them.
    const gateways = fc.constantFrom(undefined, '10.0.0.2', '10.0.0.02', '10.0.0.3', 'fe80::1', 7 as unknown as string);
    const oifs = fc.constantFrom(undefined, 'eth0', 'a/b', '', 3, 0, 'v1');
    const spec = fc.record({ dst: prefix, gateway: gateways, oif: oifs }, { requiredKeys: ['dst'] });
    fc.assert(fc.property(fc.array(spec, { maxLength: 30 }), (specs) => {
      const memo = new QuickMemo();
      for (const s of specs) expect(quickRouteRecord(s as RouteSpec, resolve, memo)).toEqual(quickRouteRecord(s as RouteSpec, resolve));
    }), { numRuns: 500 });
  });
});

describe('quick address records', () => {
  it('are the validated records for the shapes big transactions use', () => {
    for (const spec of [
      { index: 2, address: '10.100.0.1', prefixlen: 32 },
      { index: 2, address: '10.100.0.1/24' },
      { ifname: 'eth0', address: '127.0.0.2/8' },
      { index: 5, address: '192.168.1.1', prefixlen: 0 },
      { index: 5, address: '192.168.1.1/24', prefixlen: 24 },
    ]) {
      const r = addressBoth(spec);
      expect(r.quick, JSON.stringify(spec)).not.toBeNull();
      agree(r);
    }
  });

  it('leave everything else to the validators', () => {
    for (const spec of [
      { index: 2, ifname: 'eth0', address: '10.0.0.1' }, { address: '10.0.0.1' }, { index: 2, address: '10.0.0.1/24', prefixlen: 25 },
      { index: 2, address: '10.0.0.1', prefixlen: 33 }, { index: 2, address: 'fe80::1' }, { index: 2, address: '10.0.0.1', peer: '10.0.0.2' },
      { index: 2, address: '10.0.0.01' }, { index: 0, address: '10.0.0.1' }, { index: 2, address: '10.0.0.1', prefixlen: '24' },
    ]) {
      expect(addressBoth(spec).quick, JSON.stringify(spec)).toBeNull();
    }
  });

  it('agree with the validators on arbitrary specs', () => {
    let answered = 0;
    const spec = fc.record({
      index: fc.option(fc.integer({ min: -1, max: 3 }), { nil: undefined }),
      ifname: fc.option(ifref, { nil: undefined }),
      address: prefix,
      prefixlen: fc.option(fc.oneof(fc.integer({ min: -1, max: 40 }), fc.constant('8' as unknown as number)), { nil: undefined }),
    }, { requiredKeys: ['address'] });
    fc.assert(fc.property(spec, (s) => { if (agree(addressBoth(s))) answered++; }), { numRuns: 3000 });
    expect(answered).toBeGreaterThan(30);
  });
});

describe('quick link creates', () => {
  const linkBoth = (s: unknown) => both(s as LinkSpec, (x) => quickLinkCreate(x), (x) => validateLink('add', x));

  it('the same as the validator for names, kinds and peers, near misses included', () => {
    let answered = 0;
    // Mostly what the quick path takes, with the near misses it must leave alone.
    const name = fc.oneof(
      { arbitrary: fc.constantFrom('vx0', 'v', 'fifteen-bytes-x'), weight: 8 },
      { arbitrary: fc.constantFrom('sixteen-bytes-xx', '', '.', '..', 'a/b', 'x:y', 'a b', 'tab\t', 'é', 'nul\0'), weight: 2 },
    );
    const kind = fc.oneof(
      { arbitrary: fc.constantFrom('veth', 'bridge', 'dummy', 'ifb'), weight: 8 },
      { arbitrary: fc.constantFrom('vxlan', 'macvlan', 'vlan', 'bogus', 7 as unknown as string), weight: 2 },
    );
    const spec = fc.record({
      ifname: fc.option(name, { nil: undefined, freq: 8 }),
      kind: fc.option(kind, { nil: undefined, freq: 8 }),
      peer: fc.option(fc.oneof({ arbitrary: name, weight: 4 }, { arbitrary: fc.record({ ifname: name }), weight: 1 }), { nil: undefined }),
      mtu: fc.constant(1400),
    }, { requiredKeys: [] });
    fc.assert(fc.property(spec, (s) => { if (agree(linkBoth(s))) answered++; }), { numRuns: 3000 });
    expect(answered).toBeGreaterThan(30);
  });

  it('answers the commonest creates, and leaves the rest to the validator', () => {
    expect(agree(linkBoth({ ifname: 'vx0', kind: 'veth', peer: 'vy0' }))).toBe(true);
    expect(agree(linkBoth({ ifname: 'br0', kind: 'bridge' }))).toBe(true);
    // A veth without its peer, a peer object, another field: the general way.
    for (const s of [{ ifname: 'vx0', kind: 'veth' }, { ifname: 'vx0', kind: 'veth', peer: { ifname: 'vy0' } }, { ifname: 'd0', kind: 'dummy', mtu: 1400 }, { ifname: 'd0', kind: 'dummy', peer: 'x' }]) {
      expect(quickLinkCreate(s as LinkSpec)).toBeNull();
    }
  });
});

describe('routeMatcher', () => {
  it('tells routes apart by what records now keep, when the spec says it: nhid, onlink, realms, encap', () => {
    const base = validRouteRecord({ dst: '10.5.0.0/24', gateway: '10.0.0.2', oif: 2 }, resolve);
    const routes: RouteRecord[] = [
      base,
      { ...base, nhid: 10, gateway: '10.0.0.2' },
      { ...base, onlink: true },
      { ...base, realms: 7 },
      { ...base, encap: { type: 'ip', data: '0800020001010101' } },
    ];
    const matching = (s: RouteSpec) => routes.filter(routeMatcher(s, resolve)).length;
    expect(matching({ dst: '10.5.0.0/24' })).toBe(5);
    expect(matching({ dst: '10.5.0.0/24', nhid: 10 })).toBe(1);
    expect(matching({ dst: '10.5.0.0/24', gateway: '10.0.0.2', oif: 2, onlink: true })).toBe(1);
    expect(matching({ dst: '10.5.0.0/24', realms: 7 })).toBe(1);
    expect(matching({ dst: '10.5.0.0/24', realms: null })).toBe(4);
    expect(matching({ dst: '10.5.0.0/24', encap: { type: 2, data: '0800020001010101' } })).toBe(1);
    expect(matching({ dst: '10.5.0.0/24', encap: null })).toBe(4);
  });
});
