/**
 * HAND-BUILT bytes, not captured from a kernel: vlan and bond links do not exist on the kernel
 * these fixtures come from, so their messages are written here byte by byte, in the order the
 * kernel's vlan_fill_info / bond_fill_info / bond_fill_slave_info write them. The same goes for
 * the lossless corner cases below (unknown attributes, longer and shorter structs, odd flag
 * bits, repeats, a selector after its data), which a healthy kernel rarely sends.
 */
import { describe, expect, test } from 'vitest';
import { DecodeError, EncodeError, rtnl, WIRE, type LinkInfoDataByKind, type LinkInfoSlaveDataByKind } from './helpers.js';
import { be16, ifinfomsg, ip4, mac, nla, rtmsg, str, u16, u32, u64, u8 } from './bytes.js';

const NESTED = 0x8000;

function roundTrip(codec: { decode(b: Buffer): unknown; encode(m: never): Buffer }, bytes: Buffer): unknown {
  const m = codec.decode(bytes);
  expect(codec.encode(m as never).toString('hex')).toBe(bytes.toString('hex'));
  return m;
}

describe('vlan (hand-built: no vlan on this kernel)', () => {
  // ip link add link v0 name v0.10 type vlan id 10 protocol 802.1ad egress-qos-map 1:2 3:4
  const bytes = Buffer.concat([
    ifinfomsg({ type: 1, index: 9, flags: 0x1003 }),
    nla(3, str('v0.10')),
    nla(4, u32(1500)),
    nla(5, u32(3)),
    nla(18,
      nla(1, str('vlan')),
      nla(2,
        nla(5, be16(0x88a8)),
        nla(1, u16(10)),
        nla(2, u32(1), u32(0xffffffff)),
        nla(4),
        nla(3, nla(1, u32(1), u32(2)), nla(1, u32(3), u32(4))),
      ),
    ),
  ]);

  test('decodes and re-encodes byte for byte', () => {
    const m = roundTrip(rtnl.link, bytes) as ReturnType<typeof rtnl.link.decode>;
    expect(m.attrs.ifname).toBe('v0.10');
    expect(m.attrs.link).toBe(3);
    expect(m.attrs.linkinfo?.kind).toBe('vlan');
    const d = m.attrs.linkinfo?.data as LinkInfoDataByKind['vlan'];
    expect(d).toEqual({
      protocol: 0x88a8,
      id: 10,
      flags: { flags: 1, mask: 0xffffffff },
      ingressQos: {},
      egressQos: { mapping: [{ from: 1, to: 2 }, { from: 3, to: 4 }] },
    });
  });

  test('encodes from a plain object', () => {
    const again = rtnl.link.encode({
      type: 'ether', index: 9, flags: 0x1003,
      attrs: { ifname: 'v0.10', mtu: 1500, link: 3, linkinfo: { kind: 'vlan', data: {
        protocol: 0x88a8, id: 10, flags: { flags: 1, mask: 0xffffffff }, ingressQos: {},
        egressQos: { mapping: [{ from: 1, to: 2 }, { from: 3, to: 4 }] },
      } } },
    });
    expect(again.toString('hex')).toBe(bytes.toString('hex'));
  });
});

describe('bond and a bond slave (hand-built: no bonding on this kernel)', () => {
  const bond = Buffer.concat([
    ifinfomsg({ type: 1, index: 10, flags: 0x1403 }),
    nla(3, str('bond0')),
    nla(18,
      nla(1, str('bond')),
      nla(2,
        nla(1, u8(4)), // 802.3ad
        nla(3, u32(100)),
        nla(4, u32(0)),
        nla(5, u32(0)),
        nla(28, u32(0)),
        nla(6, u8(1)),
        nla(7, u32(0)),
        nla(8, nla(0, ip4('10.0.0.1')), nla(1, ip4('10.0.0.2'))),
        nla(9, u32(0)),
        nla(14, u8(0)),
        nla(21, u8(0)),
        nla(26, mac('aa:bb:cc:00:00:01')),
        nla(23, nla(1, u16(1)), nla(2, u16(2)), nla(3, u16(9)), nla(4, u16(0)), nla(5, mac('00:00:00:00:00:00'))),
      ),
    ),
  ]);

  test('bond: mode by name, ARP targets indexed from 0, 802.3ad info', () => {
    const m = roundTrip(rtnl.link, bond) as ReturnType<typeof rtnl.link.decode>;
    const d = m.attrs.linkinfo?.data as LinkInfoDataByKind['bond'];
    expect(d.mode).toBe('802.3ad');
    expect(d.miimon).toBe(100);
    expect(d.arpIpTarget).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(d.adActorSystem).toBe('aa:bb:cc:00:00:01');
    expect(d.adInfo).toEqual({ aggregator: 1, numPorts: 2, actorKey: 9, partnerKey: 0, partnerMac: '00:00:00:00:00:00' });
  });

  const slave = Buffer.concat([
    ifinfomsg({ type: 1, index: 11, flags: 0x1803 }),
    nla(3, str('eth1')),
    nla(10, u32(10)),
    nla(18,
      nla(1, str('veth')),
      nla(4, str('bond')),
      nla(5, nla(1, u8(0)), nla(2, u8(0)), nla(3, u32(2)), nla(4, mac('aa:bb:cc:00:00:02')), nla(5, u16(0)), nla(6, u16(1))),
    ),
  ]);

  test('bond slave data chosen by IFLA_INFO_SLAVE_KIND', () => {
    const m = roundTrip(rtnl.link, slave) as ReturnType<typeof rtnl.link.decode>;
    expect(m.attrs.master).toBe(10);
    expect(m.attrs.linkinfo?.slaveKind).toBe('bond');
    const s = m.attrs.linkinfo?.slaveData as LinkInfoSlaveDataByKind['bond'];
    expect(s).toEqual({ state: 0, miiStatus: 0, linkFailureCount: 2, permHwaddr: 'aa:bb:cc:00:00:02', queueId: 0, adAggregatorId: 1 });
  });
});

describe('lossless corner cases (hand-built)', () => {
  test('unknown attributes keep their place, type bits and bytes', () => {
    const bytes = Buffer.concat([
      ifinfomsg({ index: 2 }),
      nla(3, str('x')),
      nla(200, u32(7)),
      nla(201 | NESTED, nla(1, u8(1))),
      nla(200, u32(8)),
      nla(4, u32(1500)),
    ]);
    const m = roundTrip(rtnl.link, bytes) as ReturnType<typeof rtnl.link.decode>;
    expect(Object.keys(m.attrs)).toEqual(['ifname', 'IFLA_UNKNOWN_200', 'IFLA_UNKNOWN_201', 'mtu']);
    expect(m.attrs.IFLA_UNKNOWN_200).toEqual([{ type: 200, data: u32(7) }, { type: 200, data: u32(8) }]);
    expect(m.attrs.IFLA_UNKNOWN_201).toEqual({ type: 201 | NESTED, data: nla(1, u8(1)) });
  });

  test('a longer struct keeps its tail, a shorter one leaves fields absent', () => {
    const longer = Buffer.concat([ifinfomsg(), nla(23, Buffer.alloc(25 * 8, 1), u64(99n))]);
    const m = roundTrip(rtnl.link, longer) as ReturnType<typeof rtnl.link.decode>;
    expect(m.attrs.stats64?.rxOtherhostDropped).toBe(0x0101010101010101n);
    expect(m.attrs.stats64?.[WIRE as never]).toEqual({ tail: u64(99n) });

    const addrShort = Buffer.concat([Buffer.from([2, 24, 0x80, 0, 3, 0, 0, 0]), nla(6, u32(100), u32(200))]);
    const a = roundTrip(rtnl.addr, addrShort) as ReturnType<typeof rtnl.addr.decode>;
    expect(a.attrs.cacheinfo).toEqual({ preferred: 100, valid: 200 });
  });

  test('a message shorter than its header (a 1-byte rtgenmsg dump request)', () => {
    const m = roundTrip(rtnl.link, Buffer.from([2])) as Record<string, unknown>;
    expect(m).toEqual({ family: 2, attrs: {} });
  });

  test('NLA_F_NESTED where the table does not expect it is kept', () => {
    const bytes = Buffer.concat([ifinfomsg(), nla(18 | NESTED, nla(1, str('ifb')))]);
    const m = roundTrip(rtnl.link, bytes) as ReturnType<typeof rtnl.link.decode>;
    expect(m.attrs.linkinfo).toEqual({ kind: 'ifb' });
    expect((m.attrs as Record<symbol, unknown>)[WIRE]).toEqual({ flags: { linkinfo: NESTED } });
    // Without the metadata the canonical form (no flag) is written.
    const plain = rtnl.link.encode({ ...m, attrs: { ...m.attrs } });
    expect(plain.readUInt16LE(16 + 2)).toBe(18);
  });

  test('a repeated single attribute, and repeats out of order', () => {
    const dup = Buffer.concat([ifinfomsg(), nla(4, u32(1)), nla(3, str('a')), nla(4, u32(2))]);
    const m = roundTrip(rtnl.link, dup) as ReturnType<typeof rtnl.link.decode>;
    expect(m.attrs.mtu).toEqual([1, 2]);
    const alt = Buffer.concat([ifinfomsg(), nla(52 | NESTED, nla(53, str('a')), nla(99, u8(0)), nla(53, str('b')))]);
    const n = roundTrip(rtnl.link, alt) as ReturnType<typeof rtnl.link.decode>;
    expect(n.attrs.propList?.altIfname).toEqual(['a', 'b']);
  });

  test('strings without their NUL (as ip sends IFLA_INFO_KIND) or with junk after it', () => {
    const noNul = Buffer.concat([ifinfomsg(), nla(3, Buffer.from('abc')), nla(6, Buffer.from('q\0\0\0\0'))]);
    const m = roundTrip(rtnl.link, noNul) as ReturnType<typeof rtnl.link.decode>;
    expect(m.attrs.ifname).toBe('abc');
    expect(m.attrs.qdisc).toBe('q');
  });

  test('RTA_ENCAP_TYPE after RTA_ENCAP still selects the layout (mpls)', () => {
    const bytes = Buffer.concat([
      rtmsg({ family: 2, dstLen: 24 }),
      nla(1, ip4('10.3.0.0')),
      nla(22, nla(1, Buffer.from([0x00, 0x06, 0x41, 0x00])), nla(2, u8(9))),
      nla(21, u16(1)),
    ]);
    const m = roundTrip(rtnl.route, bytes) as ReturnType<typeof rtnl.route.decode>;
    expect(m.attrs.encapType).toBe('mpls');
    expect(m.attrs.encap).toEqual({ dst: Buffer.from([0x00, 0x06, 0x41, 0x00]), ttl: 9 });
  });

  test('AF_MPLS routes keep RTA_DST raw; RTA_VIA carries its own family', () => {
    const bytes = Buffer.concat([
      rtmsg({ family: 28, dstLen: 20 }),
      nla(1, Buffer.from([0x00, 0x06, 0x41, 0x00])),
      nla(18, u16(10), Buffer.from('fe800000000000000000000000000001', 'hex')),
    ]);
    const m = roundTrip(rtnl.route, bytes) as ReturnType<typeof rtnl.route.decode>;
    expect(m.attrs.dst).toEqual(Buffer.from([0x00, 0x06, 0x41, 0x00]));
    expect(m.attrs.via).toEqual({ family: 10, address: 'fe80::1' });
  });

  test('an unknown link kind keeps its data as bytes', () => {
    const data = nla(1, u32(5));
    const bytes = Buffer.concat([ifinfomsg(), nla(18, nla(1, str('wireguard')), nla(2, data))]);
    const m = roundTrip(rtnl.link, bytes) as ReturnType<typeof rtnl.link.decode>;
    expect(m.attrs.linkinfo?.data).toEqual(data);
  });

  test('decoded values never alias the receive buffer', () => {
    const bytes = Buffer.concat([ifinfomsg(), nla(34, Buffer.from([1, 2, 3, 4])), nla(250, u32(5))]);
    const m = rtnl.link.decode(bytes);
    bytes.fill(0xee);
    expect(m.attrs.physPortId).toEqual(Buffer.from([1, 2, 3, 4]));
    expect(m.attrs.IFLA_UNKNOWN_250).toEqual({ type: 250, data: u32(5) });
  });
});

describe('errors carry where they happened', () => {
  test('DecodeError: attribute path and byte offset', () => {
    const bytes = Buffer.concat([
      rtmsg({ family: 2, dstLen: 24 }),
      nla(1, ip4('10.9.0.0')),
      nla(9,
        Buffer.concat([u16(16), u8(0), u8(0), u32(3), nla(5, ip4('10.0.0.2'))]),
        Buffer.concat([u16(15), u8(0), u8(0), u32(2), nla(5, Buffer.from([10, 1, 0]))]),
      ),
    ]);
    let err: unknown;
    try { rtnl.route.decode(bytes); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(DecodeError);
    const de = err as DecodeError;
    expect(de.path).toEqual(['RTA_MULTIPATH', '[1]', 'RTA_GATEWAY']);
    // rtmsg 12 + RTA_DST 8 + RTA_MULTIPATH header 4 + first hop 16 + second hop's struct 8 + nla header 4
    expect(de.offset).toBe(12 + 8 + 4 + 16 + 8 + 4);
    expect(de.message).toMatch(/RTA_MULTIPATH > \[1\] > RTA_GATEWAY: an IP address is 4 or 16 bytes, not 3/);
  });

  test('EncodeError: attribute path', () => {
    let err: unknown;
    try { rtnl.route.encode({ family: 2, attrs: { metrics: { mtu: -1 } } }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(EncodeError);
    expect((err as EncodeError).path).toEqual(['RTA_METRICS', 'RTAX_MTU']);
    expect(() => rtnl.route.encode({ family: 2, attrs: { dst: '10.0.0.300' } })).toThrow(EncodeError);
    expect(() => rtnl.route.encode({ family: 2, protocol: 'nonsense' as never, attrs: {} })).toThrow(EncodeError);
    expect(() => rtnl.route.encode({ family: 2, attrs: { nope: 1 } as never })).toThrow(/no attribute named 'nope'/);
  });
});
