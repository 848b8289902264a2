/**
 * The ways to a record agree: records made in place from the bytes through the codecs'
 * projections (notifications: *RecordAt) and through the generated readers, one message after
 * the other as a dump does (*RecordMapper), equal records made from the full,
 * lossless decode (interfaceRecord(rtnl.link.decode(p)), ...), on the kernel's own messages for
 * varied state: link kinds with kind data, bridge ports, point-to-point, labelled and IPv6
 * addresses, multipath, metrics, source-specific and custom-table routes, rules, neighbours.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rtnl, type RawMessage } from '../../src/messages/index.js';
import {
  addressRecord, addressRecordAt, addressRecordMapper, interfaceRecord, interfaceRecordAt, interfaceRecordMapper, neighbourRecord,
  neighbourRecordAt, neighbourRecordMapper, routeRecord, routeRecordAt, routeRecordMapper, ruleRecord, ruleRecordAt, ruleRecordMapper,
} from '../../src/iproute/decode/index.js';
import { IPRoute } from '../../src/iproute/iproute.js';
import { addressDump, linkDump, neighbourDump, routeDump, ruleDump } from '../../src/iproute/queries.js';
import { collectDump } from '../../src/transport/dump.js';
import { ipBatch, useNetns } from '../helpers/netns.js';
import { noDad } from './witness.js';

const ns = useNetns('recat');
let ipr: IPRoute;

beforeAll(async () => {
  noDad(ns());
  ipBatch(ns(), [
    'link add v0 type veth peer name v1', 'link set v0 up', 'link set v1 up', 'link set v0 mtu 1400 txqlen 500 group 7 alias hello',
    'link add br0 type bridge stp_state 0', 'link add v2 type veth peer name v3', 'link set v2 master br0',
    'link add vx0 type vxlan id 42 dstport 4789 group 239.1.1.1 dev v0 ttl 10',
    'link add mv0 link v0 type macvlan mode bridge',
    'link property add dev v0 altname v0-long-alternative-name',
    'addr add 10.0.0.1/24 broadcast 10.0.0.255 dev v0 label v0:one', 'addr add 10.9.0.1 peer 10.9.0.2/32 dev v1',
    'addr add 2001:db8::1/64 dev v0', 'addr add 10.0.1.1/24 dev v1',
    'route add 10.1.0.0/16 via 10.0.0.2 table 100 metric 7',
    'route add 10.2.0.0/16 nexthop via 10.0.0.2 weight 3 nexthop via 10.0.1.2 dev v1',
    'route add 10.3.0.0/24 dev v0 mtu lock 1300 advmss 1200 proto static',
    'route add 2001:db8:5::/48 from 2001:db8:6::/48 via 2001:db8::2 dev v0',
    'route add 2001:db8:7::/48 via 2001:db8::2 dev v0 pref high',
    'rule add from 10.0.0.0/24 table 100 pref 100', 'rule add fwmark 0x10/0xff iif v0 lookup 100 pref 101',
    'neigh add 10.0.0.9 lladdr aa:bb:cc:dd:ee:ff dev v0', 'neigh add 2001:db8::9 lladdr 02:00:00:00:00:09 dev v0',
  ]);
  ipr = await IPRoute.open({ netns: ns() });
});
afterAll(() => ipr?.close());

async function messages(req: Parameters<IPRoute['transport']['dump']>[0], type: number): Promise<RawMessage[]> {
  return (await collectDump(ipr.transport.dump(req))).filter((m) => m.type === type);
}

it('links', async () => {
  const msgs = await messages(linkDump({}), rtnl.link.types.new);
  const records = msgs.map((m) => interfaceRecordAt(m.payload));
  const map = interfaceRecordMapper();
  expect(msgs.map((m) => map(m.payload, 0, m.payload.length))).toEqual(records);
  expect(records).toEqual(msgs.map((m) => interfaceRecord(rtnl.link.decode(m.payload))));
  // The state is as varied as meant: kind data, a port, an altname.
  expect(records.find((r) => r?.ifname === 'vx0')?.info).toMatchObject({ id: 42, port: 4789, group: '239.1.1.1', ttl: 10 });
  expect(records.find((r) => r?.ifname === 'v2')).toMatchObject({ slaveKind: 'bridge' });
  expect(records.find((r) => r?.ifname === 'v0')).toMatchObject({ mtu: 1400, txqlen: 500, group: 7, altnames: ['v0-long-alternative-name'] });
  // IPv6's address generation mode, read from IFLA_AF_SPEC's bytes (the projection leaves it out).
  expect(records.find((r) => r?.ifname === 'v0')?.addrGenMode).toBe('eui64');
});

it('addresses', async () => {
  const msgs = await messages(addressDump({}), rtnl.addr.types.new);
  const records = msgs.map((m) => addressRecordAt(m.payload));
  const map = addressRecordMapper();
  expect(msgs.map((m) => map(m.payload, 0, m.payload.length))).toEqual(records);
  expect(records).toEqual(msgs.map((m) => addressRecord(rtnl.addr.decode(m.payload))));
  expect(records).toEqual(expect.arrayContaining([
    expect.objectContaining({ address: '10.0.0.1', label: 'v0:one', broadcast: '10.0.0.255' }),
    expect.objectContaining({ address: '10.9.0.1', peer: '10.9.0.2' }),
    expect.objectContaining({ address: '2001:db8::1', family: 6 }),
  ]));
});

it('routes', async () => {
  const msgs = await messages(routeDump({}), rtnl.route.types.new);
  const records = msgs.map((m) => routeRecordAt(m.payload));
  const map = routeRecordMapper();
  expect(msgs.map((m) => map(m.payload, 0, m.payload.length))).toEqual(records);
  expect(records).toEqual(msgs.map((m) => routeRecord(rtnl.route.decode(m.payload))));
  expect(records).toEqual(expect.arrayContaining([
    expect.objectContaining({ dst: '10.1.0.0/16', table: 100, priority: 7 }),
    expect.objectContaining({ dst: '10.2.0.0/16', multipath: [expect.objectContaining({ weight: 3 }), expect.objectContaining({ weight: 1 })] }),
    expect.objectContaining({ dst: '10.3.0.0/24', metrics: expect.objectContaining({ mtu: 1300, advmss: 1200 }) }),
    expect.objectContaining({ dst: '2001:db8:5::/48', src: '2001:db8:6::/48' }),
    expect.objectContaining({ dst: '2001:db8:7::/48', pref: 'high' }),
  ]));
});

it('rules', async () => {
  const msgs = await messages(ruleDump({}), rtnl.rule.types.new);
  const records = msgs.map((m) => ruleRecordAt(m.payload));
  const map = ruleRecordMapper();
  expect(msgs.map((m) => map(m.payload, 0, m.payload.length))).toEqual(records);
  expect(records).toEqual(msgs.map((m) => ruleRecord(rtnl.rule.decode(m.payload))));
  expect(records).toEqual(expect.arrayContaining([expect.objectContaining({ priority: 101, fwmark: 0x10, fwmask: 0xff, iifname: 'v0' })]));
});

it('neighbours', async () => {
  const msgs = await messages(neighbourDump({}), rtnl.neigh.types.new);
  const records = msgs.map((m) => neighbourRecordAt(m.payload));
  const map = neighbourRecordMapper();
  expect(msgs.map((m) => map(m.payload, 0, m.payload.length))).toEqual(records);
  expect(records).toEqual(msgs.map((m) => neighbourRecord(rtnl.neigh.decode(m.payload))));
  expect(records).toEqual(expect.arrayContaining([expect.objectContaining({ dst: '2001:db8::9', lladdr: '02:00:00:00:00:09' })]));
});

it('a record made in place does not alias the bytes: the buffer can be reused', async () => {
  const [m] = await messages(linkDump({}), rtnl.link.types.new);
  const payload = Buffer.from(m!.payload);
  const r = interfaceRecordAt(payload);
  const before = JSON.stringify(r);
  payload.fill(0xaa);
  expect(JSON.stringify(r)).toBe(before);
});
