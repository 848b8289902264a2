/**
 * Neighbours against the kernel, in a throwaway namespace, with `ip -j neigh` as the witness.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPRoute } from '../../src/iproute/iproute.js';
import { KernelError } from '../../src/transport/errors.js';
import { ipBatch, useNetns } from '../helpers/netns.js';
import { ifindexes, noDad, pick, sorted, witnessNeighbours } from './witness.js';

const ns = useNetns('nb');
let ipr: IPRoute;
let v0 = 0;

beforeAll(async () => {
  noDad(ns());
  ipBatch(ns(), ['link add v0 type veth peer name v1', 'link set v0 up', 'addr add 10.0.0.1/24 dev v0', 'addr add 2001:db8::1/64 dev v0']);
  v0 = ifindexes(ns()).get('v0')!;
  ipr = await IPRoute.open({ netns: ns() });
});
afterAll(() => ipr?.close());

const seen = (dst: string) => witnessNeighbours(ns()).filter((n) => n.dst === dst);

describe('neighbours', () => {
  it('adds permanent IPv4 and IPv6 entries (permanent is the default)', async () => {
    const a = await ipr.neigh('add', { ifname: 'v0', dst: '10.0.0.9', lladdr: 'AA:BB:CC:DD:EE:01' });
    expect(a).toEqual({ index: v0, family: 4, dst: '10.0.0.9', lladdr: 'aa:bb:cc:dd:ee:01', state: 'PERMANENT', flags: 0 });
    expect(seen('10.0.0.9')).toEqual([pick(a!, ['index', 'dst', 'lladdr', 'state'])]);
    const b = await ipr.neigh('add', { index: v0, dst: '2001:db8::9', lladdr: 'aa:bb:cc:dd:ee:02', state: 'noarp' });
    expect(b).toMatchObject({ family: 6, dst: '2001:db8::9', state: 'NOARP' });
    expect(seen('2001:db8::9')[0]).toMatchObject({ lladdr: 'aa:bb:cc:dd:ee:02', state: 'NOARP' });
  });

  it('refuses a duplicate add with EEXIST; replace changes the entry', async () => {
    const err = await ipr.neigh('add', { ifname: 'v0', dst: '10.0.0.9', lladdr: 'aa:bb:cc:dd:ee:03' }).catch((e) => e);
    expect(err).toBeInstanceOf(KernelError);
    expect(err.code).toBe('EEXIST');
    const r = await ipr.neigh('replace', { ifname: 'v0', dst: '10.0.0.9', lladdr: 'aa:bb:cc:dd:ee:03', state: 'stale' });
    expect(r).toMatchObject({ lladdr: 'aa:bb:cc:dd:ee:03', state: 'STALE' });
    expect(seen('10.0.0.9')[0]).toMatchObject({ lladdr: 'aa:bb:cc:dd:ee:03', state: 'STALE' });
  });

  it('getNeighbours matches ip and filters', async () => {
    const all = await ipr.getNeighbours();
    expect(sorted(all.map((n) => pick(n, ['index', 'dst', 'lladdr', 'state'])))).toEqual(sorted(witnessNeighbours(ns())));
    expect((await ipr.getNeighbours({ family: 6, ifname: 'v0' })).map((n) => n.dst)).toContain('2001:db8::9');
    expect((await ipr.getNeighbours({ family: 4 })).map((n) => n.dst)).toEqual(['10.0.0.9']);
  });

  it('deletes entries', async () => {
    expect(await ipr.neigh('del', { ifname: 'v0', dst: '10.0.0.9' })).toBeNull();
    expect(await ipr.neigh('del', { ifname: 'v0', dst: '2001:db8::9' })).toBeNull();
    expect(seen('10.0.0.9')).toEqual([]);
    expect(seen('2001:db8::9')).toEqual([]);
    const err = await ipr.neigh('del', { ifname: 'v0', dst: '10.0.0.9' }).catch((e) => e);
    expect(err).toBeInstanceOf(KernelError);
    expect(err.code).toBe('ENOENT');
  });
});
