/**
 * Routes against the kernel, in a throwaway namespace, with `ip -j -d` as the witness.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPRoute } from '../../src/iproute/iproute.js';
import type { RouteRecord } from '../../src/iproute/records.js';
import { KernelError } from '../../src/transport/errors.js';
import { ipBatch, ipJson, useNetns } from '../helpers/netns.js';
import { ifindexes, noDad, pick, sorted, witnessRoutes } from './witness.js';

const ns = useNetns('rt');
let ipr: IPRoute;
let v0 = 0;
let v1 = 0;

const FIELDS = ['family', 'table', 'dst', 'gateway', 'oif', 'priority', 'protocol', 'scope', 'type', 'prefsrc', 'pref', 'multipath', 'metrics', 'onlink', 'realms'] as const;
const view = (rs: readonly RouteRecord[]) => sorted(rs.map((r) => pick(r, FIELDS)));

beforeAll(async () => {
  noDad(ns());
  ipBatch(ns(), [
    'link add v0 type veth peer name v1',
    'link set v0 up', 'link set v1 up',
    'addr add 10.0.0.1/24 dev v0', 'addr add 10.0.1.1/24 dev v1',
    'addr add 2001:db8::1/64 dev v0', 'addr add 2001:db8:1::1/64 dev v1',
  ]);
  const idx = ifindexes(ns());
  v0 = idx.get('v0')!;
  v1 = idx.get('v1')!;
  ipr = await IPRoute.open({ netns: ns() });
});
afterAll(() => ipr?.close());

/** The witness's view of one route (both families looked at), or undefined. */
function seen(family: 4 | 6, table: number, dst: string) {
  return witnessRoutes(ns(), family).filter((r) => r.table === table && r.dst === dst);
}

describe('route add', () => {
  it('adds a route via a gateway in a custom table with a metric', async () => {
    const r = await ipr.route('add', { dst: '10.1.0.0/16', gateway: '10.0.0.2', table: 100, priority: 7 });
    expect(r).toMatchObject({ family: 4, table: 100, dst: '10.1.0.0/16', gateway: '10.0.0.2', oif: v0, priority: 7, protocol: 'boot', scope: 'global', type: 'unicast' });
    expect(seen(4, 100, '10.1.0.0/16').map((w) => pick(w, ['gateway', 'oif', 'priority', 'protocol']))).toEqual([{ gateway: '10.0.0.2', oif: v0, priority: 7, protocol: 'boot' }]);
  });

  it('adds a device route by interface name: scope link, as ip does', async () => {
    const r = await ipr.route('add', { dst: '10.3.0.1', oif: 'v0', protocol: 'static', metrics: { mtu: 1400 } });
    expect(r).toMatchObject({ dst: '10.3.0.1/32', gateway: null, oif: v0, scope: 'link', protocol: 'static', metrics: { mtu: 1400 } });
    expect(seen(4, 254, '10.3.0.1/32').map((w) => pick(w, ['oif', 'scope', 'protocol', 'metrics']))).toEqual([{ oif: v0, scope: 'link', protocol: 'static', metrics: { mtu: 1400 } }]);
  });

  it('adds a multipath route with weights', async () => {
    const r = await ipr.route('add', { dst: '10.2.0.0/16', multipath: [{ gateway: '10.0.0.2', weight: 3 }, { gateway: '10.0.1.2', oif: 'v1' }] });
    expect(r?.multipath).toEqual([{ gateway: '10.0.0.2', oif: v0, weight: 3, onlink: false, encap: null, realms: null }, { gateway: '10.0.1.2', oif: v1, weight: 1, onlink: false, encap: null, realms: null }]);
    expect(seen(4, 254, '10.2.0.0/16')[0]?.multipath).toEqual(r?.multipath);
  });

  it('adds IPv6 routes: via a gateway with a metric, multipath, and a default route', async () => {
    const a = await ipr.route('add', { dst: '2001:db8:10::/48', gateway: '2001:db8::2', priority: 50 });
    expect(a).toMatchObject({ family: 6, dst: '2001:db8:10::/48', gateway: '2001:db8::2', oif: v0, priority: 50, pref: 'medium' });
    const m = await ipr.route('add', { dst: '2001:db8:20::/48', multipath: [{ gateway: '2001:db8::2', weight: 2 }, { gateway: '2001:db8:1::2' }] });
    expect(m?.multipath).toEqual([{ gateway: '2001:db8::2', oif: v0, weight: 2, onlink: false, encap: null, realms: null }, { gateway: '2001:db8:1::2', oif: v1, weight: 1, onlink: false, encap: null, realms: null }]);
    const d = await ipr.route('add', { dst: 'default', gateway: '2001:db8::fe', table: 200 });
    expect(d).toMatchObject({ family: 6, table: 200, dst: 'default', gateway: '2001:db8::fe' });
    expect(seen(6, 254, '2001:db8:10::/48').map((w) => pick(w, ['gateway', 'oif', 'priority']))).toEqual([{ gateway: '2001:db8::2', oif: v0, priority: 50 }]);
    expect(seen(6, 254, '2001:db8:20::/48')[0]?.multipath).toEqual(m?.multipath);
    expect(seen(6, 200, 'default')).toHaveLength(1);
  });

  it('adds a blackhole route and refuses a duplicate with EEXIST', async () => {
    expect(await ipr.route('add', { dst: '10.8.0.0/16', type: 'blackhole', table: 100 })).toMatchObject({ type: 'blackhole', oif: null });
    const err = await ipr.route('add', { dst: '10.8.0.0/16', type: 'blackhole', table: 100 }).catch((e) => e);
    expect(err).toBeInstanceOf(KernelError);
    expect(err.code).toBe('EEXIST');
    expect(err.operation).toBe('route add 10.8.0.0/16 table 100');
  });
});

describe('route replace, append, del', () => {
  it('replace changes the gateway of the existing route, and creates one that is missing', async () => {
    await ipr.route('add', { dst: '10.20.0.0/16', gateway: '10.0.0.2' });
    const r = await ipr.route('replace', { dst: '10.20.0.0/16', gateway: '10.0.0.3' });
    expect(r?.gateway).toBe('10.0.0.3');
    expect(seen(4, 254, '10.20.0.0/16').map((w) => w.gateway)).toEqual(['10.0.0.3']);
    await ipr.route('replace', { dst: '10.21.0.0/16', gateway: '10.0.0.3' });
    expect(seen(4, 254, '10.21.0.0/16')).toHaveLength(1);
  });

  it('append adds a second route with the same destination', async () => {
    await ipr.route('add', { dst: '10.30.0.0/16', gateway: '10.0.0.2' });
    const r = await ipr.route('append', { dst: '10.30.0.0/16', gateway: '10.0.1.2' });
    expect(r?.dst).toBe('10.30.0.0/16');
    expect(seen(4, 254, '10.30.0.0/16').map((w) => w.gateway).sort()).toEqual(['10.0.0.2', '10.0.1.2']);
  });

  it('del removes exactly the route named, in both families', async () => {
    await ipr.route('add', { dst: '10.40.0.0/16', gateway: '10.0.0.2', table: 300 });
    await ipr.route('add', { dst: '2001:db8:40::/48', gateway: '2001:db8::2', table: 300 });
    expect(await ipr.route('del', { dst: '10.40.0.0/16', table: 300 })).toBeNull();
    expect(await ipr.route('del', { dst: '2001:db8:40::/48', table: 300 })).toBeNull();
    expect(seen(4, 300, '10.40.0.0/16')).toEqual([]);
    expect(seen(6, 300, '2001:db8:40::/48')).toEqual([]);
    const err = await ipr.route('del', { dst: '10.40.0.0/16', table: 300 }).catch((e) => e);
    expect(err).toBeInstanceOf(KernelError);
    expect(err.code).toBe('ESRCH');
  });
});

describe('getRoutes', () => {
  it('with no filter returns every table of both families, as ip shows them', async () => {
    const all = await ipr.getRoutes();
    const tables = new Set(all.map((r) => `${r.family}:${r.table}`));
    for (const t of ['4:254', '4:255', '4:100', '6:254', '6:255', '6:200']) expect(tables.has(t), t).toBe(true);
    expect(view(all)).toEqual(sorted([...witnessRoutes(ns(), 4), ...witnessRoutes(ns(), 6)]));
  });

  it('filters by family, table, oif, protocol and type', async () => {
    const v6 = await ipr.getRoutes({ family: 6 });
    expect(v6.length).toBeGreaterThan(0);
    expect(view(v6)).toEqual(sorted(witnessRoutes(ns(), 6)));
    const t100 = await ipr.getRoutes({ table: 100 });
    expect(t100.map((r) => r.dst).sort()).toEqual(['10.1.0.0/16', '10.8.0.0/16']);
    // ip fails on the IPv6 side (no IPv6 table 100); getRoutes simply finds no IPv6 routes there.
    expect(t100.length).toBe(ipJson(ns(), '-4', 'route', 'show', 'table', '100').length);
    expect(await ipr.getRoutes({ table: 'local', family: 4 })).toEqual((await ipr.getRoutes({ family: 4 })).filter((r) => r.table === 255));
    const byOif = await ipr.getRoutes({ oif: 'v1', family: 4 });
    expect(byOif.length).toBeGreaterThan(0);
    expect(byOif.every((r) => r.oif === v1 || r.multipath?.some((nh) => nh.oif === v1))).toBe(true);
    expect((await ipr.getRoutes({ protocol: 'static' })).map((r) => r.dst)).toEqual(['10.3.0.1/32']);
    expect((await ipr.getRoutes({ type: 'blackhole' })).map((r) => r.dst)).toEqual(['10.8.0.0/16']);
  });

  it('returns nothing for a table or interface that does not exist', async () => {
    expect(await ipr.getRoutes({ table: 4242 })).toEqual([]);
    expect(await ipr.getRoutes({ table: 4242, family: 4 })).toEqual([]);
    expect(await ipr.getRoutes({ oif: 'nope0' })).toEqual([]);
  });
});
