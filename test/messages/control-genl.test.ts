/** Control messages (ERROR/ACK/DONE) and generic netlink (nlctrl), from real kernel bytes. */
import { describe, expect, test } from 'vitest';
import {
  buildMessage, CTRL_CMD, decodeMessage, GENL_ID_CTRL, GENL_OP, NLM_F, NLMSG_DONE, NLMSG_ERROR, nlctrl, nlmsgdone,
  nlmsgerr, Registry, rtnl, splitMessages, type ErrorMessage, type DoneMessage,
} from './helpers.js';
import { fixtureMessages, loadFixture } from './fixture-util.js';

const errors = (name: string) =>
  fixtureMessages(loadFixture(name), 'received').filter((m) => m.type === NLMSG_ERROR).map((m) => ({ m, d: decodeMessage(m) }));

describe('NLMSG_ERROR', () => {
  test('an error with the kernel\'s extended ack: `route add ... via 10.98.0.1`', () => {
    const { m, d } = errors('error-gateway').slice(-1)[0]!;
    const e = d.decoded as ErrorMessage;
    expect(d.typeName).toBe('NLMSG_ERROR');
    expect(d.flagNames).toEqual(['ACK_TLVS']);
    expect(e.error).toBe(101); // ENETUNREACH
    expect(e.extAck.msg).toBe('Nexthop has invalid gateway');
    expect(e.request.type).toBe(rtnl.route.types.new);
    expect(e.request.seq).toBe(m.seq);
    // The echoed request is a route message.
    const req = rtnl.route.decode(e.requestPayload!);
    expect(req.attrs).toEqual({ dst: '10.99.0.0', gateway: '10.98.0.1' });
  });

  test('EEXIST for `link add v0 ...` again', () => {
    const e = errors('error-exists').map((x) => x.d.decoded as ErrorMessage).find((x) => x.request.type === rtnl.link.types.new && x.requestPayload!.length > 16)!;
    expect(e.error).toBe(17);
    expect(rtnl.link.decode(e.requestPayload!).attrs.ifname).toBe('v0');
  });

  test('an ACK is an error of 0, capped (no echoed payload)', () => {
    const { d } = errors('ack').slice(-1)[0]!;
    const e = d.decoded as ErrorMessage;
    expect(e.error).toBe(0);
    expect(Object.is(e.error, -0)).toBe(false);
    expect(e.requestPayload).toBeNull();
    expect(d.flagNames).toEqual(['CAPPED']);
  });

  test('encode builds the bytes a fake transport needs, and nlmsg.ts reads them', async () => {
    const { decodeError } = await import('./helpers.js');
    const request = { len: 36, type: 24, flags: NLM_F.REQUEST | NLM_F.ACK, seq: 7, pid: 0 };
    const payload = nlmsgerr.encode({ error: 22, request, requestPayload: Buffer.alloc(20, 1), extAck: { msg: 'bad thing', offs: 20 } }, NLM_F.ACK_TLVS);
    const raw = splitMessages(buildMessage({ type: NLMSG_ERROR, flags: NLM_F.ACK_TLVS, seq: 7, pid: 0 }, payload))[0]!;
    const viaNlmsg = decodeError(raw);
    expect(viaNlmsg.errno).toBe(22);
    expect(viaNlmsg.extAck).toEqual({ message: 'bad thing', offset: 20 });
    expect(nlmsgerr.decode(raw.payload, raw.flags).extAck).toEqual({ msg: 'bad thing', offs: 20 });
  });
});

describe('NLMSG_DONE', () => {
  test('the end of every dump', () => {
    const done = fixtureMessages(loadFixture('route4'), 'received').filter((m) => m.type === NLMSG_DONE);
    expect(done).toHaveLength(1);
    const d = decodeMessage(done[0]!);
    expect(d.typeName).toBe('NLMSG_DONE');
    expect(d.flagNames).toEqual(['MULTI']);
    expect(d.decoded).toEqual({ error: 0, extAck: {} });
  });

  test('a failed dump: error and ext-ack round trip', () => {
    const p = nlmsgdone.encode({ error: 4, extAck: { msg: 'dump interrupted' } }, NLM_F.MULTI | NLM_F.ACK_TLVS);
    const d = nlmsgdone.decode(p, NLM_F.MULTI | NLM_F.ACK_TLVS) as DoneMessage;
    expect(d).toEqual({ error: 4, extAck: { msg: 'dump interrupted' } });
  });
});

describe('decodeMessage', () => {
  test('names types and the overloaded flag bits by kind of request', () => {
    const sent = fixtureMessages(loadFixture('error-gateway'), 'sent').map((m) => decodeMessage(m));
    expect(sent[0]!.typeName).toBe('RTM_NEWROUTE');
    expect(sent[0]!.family).toBe('route');
    expect(sent[0]!.op).toBe('new');
    expect(sent[0]!.flagNames).toEqual(['REQUEST', 'ACK', 'EXCL', 'CREATE']);
    const dump = fixtureMessages(loadFixture('rule4'), 'sent').map((m) => decodeMessage(m))[0]!;
    expect(dump.typeName).toBe('RTM_GETRULE');
    expect(dump.flagNames).toEqual(['REQUEST', 'ROOT', 'MATCH']);
  });

  test('an unknown type comes back as a copy of its payload', () => {
    const raw = splitMessages(buildMessage({ type: 999, flags: 0, seq: 1, pid: 0 }, Buffer.from([1, 2, 3, 4])))[0]!;
    const d = decodeMessage(raw);
    expect(d.typeName).toBe('999');
    expect(d.decoded).toEqual(Buffer.from([1, 2, 3, 4]));
    expect((d.decoded as Buffer).buffer).not.toBe(raw.payload.buffer);
  });
});

describe('generic netlink: nlctrl', () => {
  const reg = Registry.generic();

  test('genl ctrl get name nlctrl: what genl asked and what the kernel said', () => {
    const msgs = fixtureMessages(loadFixture('genl-ctrl-get')).map((m) => decodeMessage(m, reg));
    expect(msgs.map((m) => m.typeName)).toEqual(['GENL_ID_CTRL', 'GENL_ID_CTRL']);
    const [req, reply] = msgs;
    expect(req!.flagNames).toEqual(['REQUEST', 'ACK']);
    expect(req!.decoded).toMatchObject({ cmd: 'getfamily', attrs: { familyName: 'nlctrl' } });
    const info = nlctrl.familyInfo(reply!.decoded as never);
    expect(info.id).toBe(GENL_ID_CTRL);
    expect(info.name).toBe('nlctrl');
    expect(info.version).toBeGreaterThanOrEqual(1);
    expect(info.mcastGroups).toEqual({ notify: GENL_ID_CTRL });
    const get = info.ops.find((o) => o.id === CTRL_CMD.byName.getfamily)!;
    expect(GENL_OP.names(get.flags)).toEqual(expect.arrayContaining(['CMD_CAP_DO', 'CMD_CAP_DUMP']));
  });

  test('genl ctrl list: the family dump', () => {
    const fams = fixtureMessages(loadFixture('genl-ctrl-list'), 'received')
      .filter((m) => m.type === GENL_ID_CTRL)
      .map((m) => nlctrl.familyInfo(nlctrl.decode(m.payload)));
    const names = fams.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['nlctrl', 'netdev', 'ethtool']));
    const ethtool = fams.find((f) => f.name === 'ethtool')!;
    expect(ethtool.id).toBeGreaterThan(GENL_ID_CTRL);
    expect(Object.keys(ethtool.mcastGroups)).toContain('monitor');
    // The dump request: GETFAMILY with NLM_F_DUMP, named as a GET by its command.
    const req = decodeMessage(fixtureMessages(loadFixture('genl-ctrl-list'), 'sent')[0]!, reg);
    expect(req.flagNames).toEqual(['REQUEST', 'ROOT', 'MATCH']);
  });

  test('getFamilyRequest encodes CTRL_CMD_GETFAMILY by name', () => {
    const p = nlctrl.getFamilyRequest('ethtool');
    expect(nlctrl.decode(p)).toEqual({ cmd: 'getfamily', version: 1, attrs: { familyName: 'ethtool' } });
    // genlmsghdr (4 bytes) + one attribute: len 12 = 4 + "ethtool\0", type 2.
    expect(p.toString('hex')).toBe('03010000' + '0c000200' + Buffer.from('ethtool\0').toString('hex'));
    expect(nlctrl.decode(nlctrl.getFamilyDumpRequest()).attrs).toEqual({});
  });
});
