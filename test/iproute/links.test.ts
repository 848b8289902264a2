/**
 * Links against the kernel, in throwaway namespaces, with `ip -j -d link` as the witness.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../src/iproute/errors.js';
import { IPRoute } from '../../src/iproute/iproute.js';
import { prepareChange } from '../../src/iproute/requests.js';
import type { InterfaceRecord } from '../../src/iproute/records.js';
import { KernelError } from '../../src/transport/errors.js';
import { createNetns, deleteNetns, ip, ipJson, useNetns } from '../helpers/netns.js';

const ns = useNetns('lk');
let ipr: IPRoute;
beforeAll(async () => { ipr = await IPRoute.open({ netns: ns() }); });
afterAll(() => ipr?.close());

/** `ip -j -d link show dev NAME` in `where`, or undefined when there is no such link. */
function shown(name: string, where = ns()): any {
  return ipJson(where, '-d', 'link', 'show').find((l: any) => l.ifname === name);
}

/** The fields every link record shares with ip's view of it. */
function expectSameAsIp(r: InterfaceRecord | null, where = ns()): void {
  expect(r).not.toBeNull();
  const w = shown(r!.ifname, where);
  expect(w, `ip shows ${r!.ifname}`).toBeDefined();
  expect({ index: r!.index, mtu: r!.mtu, address: r!.address, operstate: r!.operstate, kind: r!.kind, up: r!.state === 'up', txqlen: r!.txqlen })
    .toEqual({ index: w.ifindex, mtu: w.mtu, address: w.address, operstate: w.operstate, kind: w.linkinfo?.info_kind ?? null, up: w.flags.includes('UP'), txqlen: w.txqlen });
}

describe('link add', () => {
  it('adds a veth pair, up, with a MAC and an MTU', async () => {
    const r = await ipr.link('add', { ifname: 'v0', kind: 'veth', peer: { ifname: 'v1', mtu: 1300 }, address: '02:00:00:00:00:A1', mtu: 1400, state: 'up' });
    expect(r).toMatchObject({ ifname: 'v0', kind: 'veth', mtu: 1400, address: '02:00:00:00:00:a1', state: 'up' });
    expectSameAsIp(r);
    const peer = shown('v1');
    expect(peer.mtu).toBe(1300);
    expect(r!.link).toBe(peer.ifindex);
  });

  it('adds a bridge with STP on', async () => {
    const r = await ipr.link('add', { ifname: 'br0', kind: 'bridge', info: { stpState: 1, forwardDelay: 400 } });
    expectSameAsIp(r);
    expect(r!.info).toMatchObject({ stpState: 1, forwardDelay: 400 });
    expect(shown('br0').linkinfo.info_data).toMatchObject({ stp_state: 1, forward_delay: 400 });
  });

  it('adds a vxlan whose lower device is given as link, as ip says dev', async () => {
    await ipr.link('add', { ifname: 'vx9', kind: 'vxlan', link: 'v0', info: { id: 49, port: 4789 } });
    expect(shown('vx9').linkinfo.info_data).toMatchObject({ id: 49, link: 'v0' });
    await ipr.link('del', { ifname: 'vx9' });
  });

  it('adds a vxlan on a lower device', async () => {
    const r = await ipr.link('add', { ifname: 'vx0', kind: 'vxlan', info: { id: 42, port: 4789, local: '10.0.0.1', link: 'v0', ttl: 5, learning: false } });
    expectSameAsIp(r);
    expect(r!.info).toMatchObject({ id: 42, port: 4789, local: '10.0.0.1', link: shown('v0').ifindex, ttl: 5, learning: 0 });
    expect(shown('vx0').linkinfo.info_data).toMatchObject({ id: 42, port: 4789, local: '10.0.0.1', link: 'v0', ttl: 5, learning: false });
  });

  it('adds an IPv6 vxlan with a remote', async () => {
    const r = await ipr.link('add', { ifname: 'vx6', kind: 'vxlan', info: { id: 7, remote: '2001:db8::2', local: '2001:db8::1', port: 4790 } });
    expect(r!.info).toMatchObject({ id: 7, group: '2001:db8::2', local: '2001:db8::1', port: 4790 });
    expect(shown('vx6').linkinfo.info_data).toMatchObject({ id: 7, remote6: '2001:db8::2', local6: '2001:db8::1' });
  });

  it('adds a macvlan in bridge mode', async () => {
    const r = await ipr.link('add', { ifname: 'mv0', kind: 'macvlan', link: 'v0', info: { mode: 'bridge' } });
    expectSameAsIp(r);
    expect(r!.info).toMatchObject({ mode: 'bridge' });
    expect(shown('mv0').linkinfo.info_data.mode).toBe('bridge');
    expect(r!.link).toBe(shown('v0').ifindex);
  });

  it('adds an ifb', async () => {
    expectSameAsIp(await ipr.link('add', { ifname: 'ifb0', kind: 'ifb' }));
  });

  it('lets the kernel refuse a kind it lacks, keeping its errno and words', async () => {
    const err = await ipr.link('add', { ifname: 'd0', kind: 'dummy' }).catch((e) => e);
    expect(err).toBeInstanceOf(KernelError);
    expect(err.code).toBe('EOPNOTSUPP');
    expect(err.errno).toBe(95);
    expect(err.kernelMessage).toBe('Unknown device type');
    expect(err.operation).toBe('link add d0 type dummy');
    expect(err.message).toContain('Unknown device type');
    expect(shown('d0')).toBeUndefined();
  });

  it('refuses a name that is taken with EEXIST', async () => {
    const err = await ipr.link('add', { ifname: 'v0', kind: 'ifb' }).catch((e) => e);
    expect(err).toBeInstanceOf(KernelError);
    expect(err.code).toBe('EEXIST');
  });
});

describe('link set', () => {
  it('sets the MTU, the MAC, down and up', async () => {
    expect(await ipr.link('set', { ifname: 'v1', mtu: 1280 })).toMatchObject({ mtu: 1280 });
    expect(shown('v1').mtu).toBe(1280);
    expect(await ipr.link('set', { ifname: 'v1', address: '02:00:00:00:00:b1' })).toMatchObject({ address: '02:00:00:00:00:b1' });
    expect(shown('v1').address).toBe('02:00:00:00:00:b1');
    expect(await ipr.link('set', { ifname: 'v1', state: 'up' })).toMatchObject({ state: 'up' });
    expect(shown('v1').flags).toContain('UP');
    expect(await ipr.link('set', { ifname: 'v1', state: 'down' })).toMatchObject({ state: 'down' });
    expect(shown('v1').flags).not.toContain('UP');
  });

  it('sets flags that are settings (ip\'s promisc, arp, ...): only those given, beside the up state', async () => {
    await ipr.link('set', { ifname: 'v1', promisc: true, arp: false, allmulticast: true, state: 'up' });
    expect(shown('v1').flags).toEqual(expect.arrayContaining(['PROMISC', 'NOARP', 'ALLMULTI', 'MULTICAST', 'UP']));
    // ifinfomsg: ifi_flags at byte 8, ifi_change at 12 (IFF_PROMISC 0x100, IFF_MULTICAST 0x1000).
    const req = prepareChange({ kind: 'interface', op: 'set', spec: { index: 7, promisc: false, multicast: false } })
      .encode({ index: (t) => ('index' in t ? t.index : 0), netns: () => { throw new Error('no namespace here'); } });
    const payload = Buffer.from(req.payload);
    expect([payload.readUInt32LE(8), payload.readUInt32LE(12)]).toEqual([0, 0x1100]);
    await ipr.link('set', { ifname: 'v1', promisc: false, multicast: false, allmulticast: false, arp: true, state: 'down' });
    const after = shown('v1').flags as string[];
    expect(after.filter((f) => ['PROMISC', 'NOARP', 'ALLMULTI', 'MULTICAST', 'UP'].includes(f))).toEqual([]);
    await ipr.link('set', { ifname: 'v1', multicast: true });
    expect(shown('v1').flags).toContain('MULTICAST');
    // A veth's peer takes them (and an index: the kernel reads it when the link's own is given)
    // in its own ifinfomsg.
    await ipr.link('add', { ifname: 'fl0', index: 4241, kind: 'veth', arp: false, peer: { ifname: 'fl1', index: 4242, promisc: true, multicast: false } });
    expect([shown('fl0').flags, shown('fl1').flags, shown('fl1').ifindex]).toEqual([expect.arrayContaining(['NOARP', 'MULTICAST']), ['BROADCAST', 'PROMISC', 'M-DOWN'], 4242]);
    await ipr.link('del', { ifname: 'fl0' });
  });

  it('lets the kernel refuse an MTU the device cannot take', async () => {
    const err = await ipr.link('set', { ifname: 'v1', mtu: 10 }).catch((e) => e);
    expect(err).toBeInstanceOf(KernelError);
    expect(err.code).toBe('EINVAL');
    expect(shown('v1').mtu).toBe(1280);
  });

  it('changes kind options of an existing link', async () => {
    // (vlanFiltering is refused here with EOPNOTSUPP: this kernel has no bridge VLAN filtering.)
    const r = await ipr.link('set', { ifname: 'br0', kind: 'bridge', info: { stpState: 0, helloTime: 300 } });
    expect(r!.info).toMatchObject({ stpState: 0, helloTime: 300 });
    expect(shown('br0').linkinfo.info_data).toMatchObject({ stp_state: 0, hello_time: 300 });
  });

  it('renames a link named by index', async () => {
    const index = shown('ifb0').ifindex;
    const r = await ipr.link('set', { index, ifname: 'ifb9' });
    expect(r).toMatchObject({ index, ifname: 'ifb9' });
    expect(shown('ifb9').ifindex).toBe(index);
    expect(shown('ifb0')).toBeUndefined();
  });

  it('enslaves to a bridge by name, and releases with master null', async () => {
    const br = shown('br0').ifindex;
    expect(await ipr.link('set', { ifname: 'v1', master: 'br0' })).toMatchObject({ master: br, slaveKind: 'bridge' });
    expect(shown('v1').master).toBe('br0');
    expect(await ipr.link('set', { ifname: 'v1', master: null })).toMatchObject({ master: null });
    expect(shown('v1').master).toBeUndefined();
  });

  it('moves a link into another namespace', async () => {
    const other = createNetns('lk2');
    try {
      expect(await ipr.link('set', { ifname: 'ifb9', netns: other })).toBeNull();
      expect(shown('ifb9')).toBeUndefined();
      expect(shown('ifb9', other)).toMatchObject({ ifname: 'ifb9' });
      const there = await IPRoute.open({ netns: other });
      try {
        expect((await there.getLinks({ ifname: 'ifb9' }))[0]).toMatchObject({ ifname: 'ifb9', kind: 'ifb' });
      } finally {
        there.close();
      }
    } finally {
      deleteNetns(other);
    }
  });

  it('creates a veth whose peer lives in another namespace', async () => {
    const other = createNetns('lk3');
    try {
      const r = await ipr.link('add', { ifname: 'vo0', kind: 'veth', peer: { ifname: 'vo1', netns: other } });
      expect(r).toMatchObject({ ifname: 'vo0' });
      expect(r!.linkNetnsid).not.toBeNull();
      expect(shown('vo1')).toBeUndefined();
      expect(shown('vo1', other)).toBeDefined();
      // Deleting one end deletes the pair, across namespaces.
      await ipr.link('del', { ifname: 'vo0' });
      expect(shown('vo1', other)).toBeUndefined();
    } finally {
      deleteNetns(other);
    }
  });

  it('names a missing interface in a NotFoundError, sending nothing', async () => {
    const before = ip(ns(), '-j', 'link', 'show');
    const e1 = await ipr.link('set', { ifname: 'nope0', mtu: 1400 }).catch((e) => e);
    expect(e1).toBeInstanceOf(NotFoundError);
    expect(e1).toMatchObject({ field: 'ifname', value: 'nope0' });
    const e2 = await ipr.link('set', { ifname: 'v1', master: 'nobr0', mtu: 1300 }).catch((e) => e);
    expect(e2).toMatchObject({ name: 'NotFoundError', field: 'master', value: 'nobr0' });
    const e3 = await ipr.link('del', { index: 99999 }).catch((e) => e);
    expect(e3).toMatchObject({ name: 'NotFoundError', field: 'index', value: 99999 });
    expect(ip(ns(), '-j', 'link', 'show')).toBe(before);
  });
});

describe('link del and getLinks', () => {
  it('getLinks matches ip, and filters by name, index, kind and master', async () => {
    const all = await ipr.getLinks();
    const w = ipJson(ns(), '-d', 'link', 'show');
    expect(all.map((l) => [l.index, l.ifname]).sort()).toEqual(w.map((l: any) => [l.ifindex, l.ifname]).sort());
    for (const r of all) expectSameAsIp(r);
    expect((await ipr.getLinks({ ifname: 'v0' })).map((l) => l.ifname)).toEqual(['v0']);
    expect((await ipr.getLinks({ index: shown('v0').ifindex })).map((l) => l.ifname)).toEqual(['v0']);
    expect((await ipr.getLinks({ kind: 'veth' })).map((l) => l.ifname).sort()).toEqual(['v0', 'v1']);
    expect(await ipr.getLinks({ ifname: 'nope0' })).toEqual([]);
    await ipr.link('set', { ifname: 'v1', master: 'br0' });
    expect((await ipr.getLinks({ master: 'br0' })).map((l) => l.ifname)).toEqual(['v1']);
  });

  it('deletes a link by name and by index', async () => {
    expect(await ipr.link('del', { ifname: 'mv0' })).toBeNull();
    expect(shown('mv0')).toBeUndefined();
    expect(await ipr.link('del', { index: shown('vx0').ifindex })).toBeNull();
    expect(shown('vx0')).toBeUndefined();
  });
});
