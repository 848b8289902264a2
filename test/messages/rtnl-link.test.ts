/**
 * Link messages from real kernel bytes (test/fixtures/link-*.json, made by capture.sh): the
 * values checked here are the ones capture.sh's commands set up.
 */
import { describe, expect, test } from 'vitest';
import { AF_BRIDGE, IFF, rtnl, type LinkInfoDataByKind, type LinkMessage } from './helpers.js';
import { decodedOf, fixtureMessages, loadFixture } from './fixture-util.js';

function byName(msgs: LinkMessage[]): Map<string, LinkMessage> {
  return new Map(msgs.filter((m) => m.family === 0).map((m) => [m.attrs.ifname!, m]));
}

describe('ip -d link show (veth pair)', () => {
  const links = byName(decodedOf('link-veth', rtnl.link));
  const v0 = links.get('v0')!;
  const v1 = links.get('v1')!;

  test('names, kind, mtu, state', () => {
    expect([...links.keys()].sort()).toEqual(['lo', 'v0', 'v1']);
    expect(v0.type).toBe('ether');
    expect(v0.attrs.mtu).toBe(1500);
    expect(v0.attrs.linkinfo?.kind).toBe('veth');
    expect(v0.attrs.operstate).toBe('UP');
    expect(IFF.names(v0.flags)).toEqual(expect.arrayContaining(['UP', 'BROADCAST', 'RUNNING', 'MULTICAST', 'LOWER_UP']));
    expect(v0.attrs.address).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(v0.attrs.broadcast).toBe('ff:ff:ff:ff:ff:ff');
    expect(v0.attrs.qdisc).toBe('noqueue');
  });

  test('the peers point at each other (IFLA_LINK)', () => {
    expect(v0.attrs.link).toBe(v1.index);
    expect(v1.attrs.link).toBe(v0.index);
  });

  test('alias and alternative name (IFLA_IFALIAS, IFLA_PROP_LIST > IFLA_ALT_IFNAME)', () => {
    expect(v0.attrs.ifalias).toBe('first veth');
    expect(v0.attrs.propList?.altIfname).toEqual(['veth-zero']);
    expect(v1.attrs.propList).toBeUndefined();
  });

  test('loopback', () => {
    const lo = links.get('lo')!;
    expect(lo.index).toBe(1);
    expect(lo.type).toBe('loopback');
    expect(lo.attrs.operstate).toBe('UNKNOWN');
    expect(IFF.names(lo.flags)).toContain('LOOPBACK');
    expect(lo.attrs.mtu).toBe(65536);
  });

  test('IFLA_AF_SPEC by address family', () => {
    const af = v0.attrs.afSpec as { inet?: { conf?: number[] }; inet6?: { addrGenMode?: unknown; conf?: number[]; cacheinfo?: object } };
    expect(af.inet?.conf?.length).toBeGreaterThan(20);
    expect(af.inet6?.addrGenMode).toBe('eui64');
    // DEVCONF_MTU (index 2 of ipv6_devconf) is the link's IPv6 MTU.
    expect(af.inet6?.conf?.[2]).toBe(1500);
  });
});

describe('ip -d link show (bridge, vxlan, macvlan, ifb)', () => {
  const links = byName(decodedOf('link-kinds', rtnl.link));
  const v0 = links.get('v0')!;

  test('bridge and its port', () => {
    const br = links.get('br0')!;
    expect(br.attrs.linkinfo?.kind).toBe('bridge');
    const data = br.attrs.linkinfo?.data as LinkInfoDataByKind['bridge'];
    expect(data.stpState).toBe(0);
    expect(data.forwardDelay).toBe(1500);
    expect(data.helloTime).toBe(200);
    expect(data.groupAddr).toBe('01:80:c2:00:00:00');
    expect(data.bridgeId?.addr).toBe(br.attrs.address);
    expect(data.bridgeId?.prio).toBe(32768);
    expect(typeof data.gcTimer).toBe('bigint');

    const v1 = links.get('v1')!;
    expect(v1.attrs.master).toBe(br.index);
    expect(v1.attrs.linkinfo?.kind).toBe('veth');
    expect(v1.attrs.linkinfo?.slaveKind).toBe('bridge');
    const port = v1.attrs.linkinfo?.slaveData as LinkInfoDataByKind['bridge'] & Record<string, unknown>;
    expect(port.state).toBe(3); // BR_STATE_FORWARDING
    expect(port.cost).toBe(2);
    expect(port.learning).toBe(1);
  });

  test('vxlan id 42 dstport 4789 group 239.1.1.1 dev v0 ttl 10', () => {
    const vx = links.get('vx0')!;
    expect(vx.attrs.linkinfo?.kind).toBe('vxlan');
    const d = vx.attrs.linkinfo?.data as LinkInfoDataByKind['vxlan'];
    expect(d.id).toBe(42);
    expect(d.port).toBe(4789);
    expect(d.group).toBe('239.1.1.1');
    expect(d.ttl).toBe(10);
    expect(d.link).toBe(v0.index);
    expect(vx.attrs.mtu).toBe(1450);
  });

  test('macvlan mode bridge on v0', () => {
    const mv = links.get('mv0')!;
    expect(mv.attrs.linkinfo?.kind).toBe('macvlan');
    expect((mv.attrs.linkinfo?.data as LinkInfoDataByKind['macvlan']).mode).toBe('bridge');
    expect(mv.attrs.link).toBe(v0.index);
  });

  test('ifb: a kind with no data', () => {
    const ifb = links.get('ifb0')!;
    expect(ifb.attrs.linkinfo).toEqual({ kind: 'ifb' });
    expect(ifb.attrs.txqlen).toBe(32);
  });
});

describe('bridge link show (AF_BRIDGE messages)', () => {
  test('IFLA_PROTINFO is chosen by the message family: bridge port attributes', () => {
    const msgs = decodedOf('link-bridge-af', rtnl.link).filter((m) => m.family === AF_BRIDGE);
    expect(msgs.map((m) => m.attrs.ifname)).toEqual(['v1']);
    const p = msgs[0]!.attrs.protinfo as Record<string, unknown>;
    expect(p.state).toBe(3);
    expect(p.cost).toBe(2);
    expect(p.priority).toBe(32);
  });
});

describe('ip -s -s link show dev v0 (statistics)', () => {
  test('IFLA_STATS64 counters are bigints and agree with IFLA_STATS', () => {
    const v0 = decodedOf('link-stats', rtnl.link).find((m) => m.attrs.ifname === 'v0')!;
    const s64 = v0.attrs.stats64!;
    const s32 = v0.attrs.stats!;
    expect(typeof s64.rxBytes).toBe('bigint');
    expect(s64.txPackets).toBe(BigInt(s32.txPackets));
    expect(s64.rxBytes).toBe(BigInt(s32.rxBytes));
    expect(Object.keys(s64)).toHaveLength(25);
  });
});

describe('what ip sent', () => {
  test('RTM_NEWLINK for `link add v0 type veth peer name v1`: the peer is a nested link message', () => {
    const req = decodedOf('error-exists', rtnl.link, 'sent').find((m) => m.attrs.linkinfo)!;
    expect(req.attrs.ifname).toBe('v0');
    expect(req.attrs.linkinfo?.kind).toBe('veth');
    const peer = (req.attrs.linkinfo?.data as LinkInfoDataByKind['veth']).peer;
    expect(peer?.attrs.ifname).toBe('v1');
    expect(peer?.index).toBe(0);
  });

  test('GETLINK dump request with IFLA_EXT_MASK', () => {
    const fx = loadFixture('link-veth');
    const sent = fixtureMessages(fx, 'sent').filter((m) => m.type === rtnl.link.types.get);
    const dump = sent.map((m) => rtnl.link.decode(m.payload)).find((m) => m.attrs.extMask !== undefined)!;
    expect(dump.attrs.extMask).toBe(1); // RTEXT_FILTER_VF
  });
});
