/**
 * Addresses against the kernel, in a throwaway namespace, with `ip -j addr` as the witness.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPRoute } from '../../src/iproute/iproute.js';
import type { AddressRecord } from '../../src/iproute/records.js';
import { KernelError } from '../../src/transport/errors.js';
import { ipBatch, useNetns } from '../helpers/netns.js';
import { ifindexes, noDad, pick, sorted, witnessAddresses } from './witness.js';

const ns = useNetns('ad');
let ipr: IPRoute;
let v0 = 0;

const FIELDS = ['index', 'family', 'address', 'prefixlen', 'peer', 'broadcast', 'label', 'scope'] as const;
const view = (rs: readonly AddressRecord[]) => sorted(rs.map((r) => pick(r, FIELDS)));
const seen = (address: string) => witnessAddresses(ns()).filter((a) => a.address === address);

beforeAll(async () => {
  noDad(ns());
  ipBatch(ns(), ['link add v0 type veth peer name v1', 'link set v0 up', 'link set v1 up']);
  v0 = ifindexes(ns()).get('v0')!;
  ipr = await IPRoute.open({ netns: ns() });
});
afterAll(() => ipr?.close());

describe('addr add', () => {
  it('adds an IPv4 address with a label and a broadcast', async () => {
    const r = await ipr.addr('add', { ifname: 'v0', address: '10.0.0.1/24', label: 'v0:a', broadcast: '10.0.0.255' });
    expect(r).toMatchObject({ index: v0, family: 4, address: '10.0.0.1', prefixlen: 24, label: 'v0:a', broadcast: '10.0.0.255', scope: 'global', peer: null });
    expect(seen('10.0.0.1')).toEqual([pick(r!, FIELDS)]);
  });

  it('adds a point-to-point IPv4 address with a peer', async () => {
    const r = await ipr.addr('add', { index: v0, address: '10.9.0.1', prefixlen: 32, peer: '10.9.0.2' });
    expect(r).toMatchObject({ address: '10.9.0.1', peer: '10.9.0.2', prefixlen: 32 });
    expect(seen('10.9.0.1')[0]?.peer).toBe('10.9.0.2');
  });

  it('adds IPv6 addresses (the kernel derives their scope)', async () => {
    const r = await ipr.addr('add', { ifname: 'v0', address: '2001:DB8::1/64' });
    expect(r).toMatchObject({ index: v0, family: 6, address: '2001:db8::1', prefixlen: 64, scope: 'global' });
    expect(seen('2001:db8::1')).toEqual([pick(r!, FIELDS)]);
    const s = await ipr.addr('add', { ifname: 'v0', address: { address: 'fe80::5', prefixlen: 80 } });
    expect(s).toMatchObject({ address: 'fe80::5', prefixlen: 80, scope: 'link' });
    expect(seen('fe80::5')[0]?.scope).toBe('link');
  });

  it('adds an IPv4 address with a scope', async () => {
    const r = await ipr.addr('add', { ifname: 'v0', address: '10.7.0.1/24', scope: 'link' });
    expect(r).toMatchObject({ address: '10.7.0.1', scope: 'link' });
    expect(seen('10.7.0.1')[0]?.scope).toBe('link');
  });

  it('refuses a duplicate with EEXIST, labelled', async () => {
    const err = await ipr.addr('add', { ifname: 'v0', address: '10.0.0.1/24' }).catch((e) => e);
    expect(err).toBeInstanceOf(KernelError);
    expect(err.code).toBe('EEXIST');
    expect(err.operation).toBe('addr add 10.0.0.1/24 dev v0');
  });
});

describe('addr replace and del', () => {
  it('replace updates an existing address and creates a missing one, both families', async () => {
    expect(await ipr.addr('replace', { ifname: 'v0', address: '10.0.0.1/24', label: 'v0:a', broadcast: '10.0.0.255' })).toMatchObject({ address: '10.0.0.1' });
    expect(seen('10.0.0.1')).toHaveLength(1);
    const r4 = await ipr.addr('replace', { ifname: 'v1', address: '10.5.0.1/16' });
    expect(r4).toMatchObject({ address: '10.5.0.1', prefixlen: 16 });
    const r6 = await ipr.addr('replace', { ifname: 'v1', address: '2001:db8:5::1/64' });
    expect(r6).toMatchObject({ address: '2001:db8:5::1', prefixlen: 64 });
    expect(seen('10.5.0.1')).toHaveLength(1);
    expect(seen('2001:db8:5::1')).toHaveLength(1);
  });

  it('del removes v4 and v6 addresses', async () => {
    expect(await ipr.addr('del', { ifname: 'v1', address: '10.5.0.1/16' })).toBeNull();
    expect(await ipr.addr('del', { ifname: 'v1', address: '2001:db8:5::1/64' })).toBeNull();
    expect(seen('10.5.0.1')).toEqual([]);
    expect(seen('2001:db8:5::1')).toEqual([]);
    const err = await ipr.addr('del', { ifname: 'v1', address: '10.5.0.1/16' }).catch((e) => e);
    expect(err).toBeInstanceOf(KernelError);
    expect(err.code).toBe('EADDRNOTAVAIL');
  });
});

describe('getAddresses', () => {
  it('returns what ip shows, and filters by family and interface', async () => {
    expect(view(await ipr.getAddresses())).toEqual(sorted(witnessAddresses(ns())));
    expect(view(await ipr.getAddresses({ family: 6 }))).toEqual(sorted(witnessAddresses(ns()).filter((a) => a.family === 6)));
    const onV0 = await ipr.getAddresses({ ifname: 'v0', family: 'inet' });
    expect(onV0.map((a) => a.address).sort()).toEqual(['10.0.0.1', '10.7.0.1', '10.9.0.1']);
    expect(await ipr.getAddresses({ ifname: 'nope0' })).toEqual([]);
  });
});
