/**
 * The transport hook on a real socket: forwarding (also changed), answering locally, failing,
 * per message inside a batch; and the recorder's output, read back and checked against the kernel.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NLM_F, NLMSG_ERROR, splitMessages } from '../../src/messages/nlmsg.js';
import {
  collectDump, composeHooks, createRecorder, fileRecorder, KernelError, NetlinkSocket, parseRecording, type NetlinkHook,
} from '../../src/transport/index.js';
import { assertKernelAccess, ipJson, useNetns } from '../helpers/netns.js';
import { addr4, ifinfomsg, linkName, newAddr4, RTM_GETLINK, RTM_NEWADDR, RTM_NEWLINK, RTNLGRP_IPV4_IFADDR } from './msgs.js';

assertKernelAccess();
const ns = useNetns('hook');
let sock: NetlinkSocket;
beforeAll(async () => { sock = await NetlinkSocket.openAsync({ netns: ns() }); });
afterAll(() => sock.close());

const loAddrs = (): string[] => ipJson<{ addr_info: Array<{ local: string }> }>(ns(), '-4', 'addr', 'show', 'dev', 'lo')[0]!.addr_info.map((a) => a.local);
const add = (a: string, flags = 0) => ({ type: RTM_NEWADDR, flags: NLM_F.CREATE | NLM_F.EXCL | flags, payload: newAddr4(1, a) });
const isAdd = (m: { type: number }) => m.type === RTM_NEWADDR;

describe('hook decisions', () => {
  it('forward, with a changed payload: the kernel gets the changed message', async () => {
    sock.hook = { outgoing: (m) => (isAdd(m) ? { action: 'forward', replace: { payload: newAddr4(1, '10.40.0.2') } } : undefined) };
    try {
      const echoed = await sock.request(add('10.40.0.1', NLM_F.ECHO));
      expect(echoed.map(addr4)).toEqual(['10.40.0.2']);
    } finally {
      sock.hook = undefined;
    }
    expect(loAddrs()).toContain('10.40.0.2');
    expect(loAddrs()).not.toContain('10.40.0.1');
  });

  it('answer locally: the request resolves with the given messages, the kernel sees nothing', async () => {
    const seen: number[] = [];
    sock.hook = {
      outgoing: (m) => (isAdd(m) ? { action: 'reply', messages: [{ type: RTM_NEWADDR, payload: newAddr4(1, '10.40.1.1') }] } : undefined),
      incoming: (msgs) => { seen.push(...msgs.map((x) => x.type)); },
    };
    try {
      const replies = await sock.request(add('10.40.1.1'));
      expect(replies.map(addr4)).toEqual(['10.40.1.1']);
      expect(replies[0]!.seq).toBeGreaterThan(0);
      expect(replies[0]!.pid).toBe(sock.portId);
      const dumped = await collectDump(sock.dump({ type: RTM_GETLINK, payload: ifinfomsg() }));
      expect(dumped.map(linkName)).toContain('lo');
    } finally {
      sock.hook = undefined;
    }
    expect(loAddrs()).not.toContain('10.40.1.1');
    expect(seen).not.toContain(NLMSG_ERROR); // the local answer did not come through `incoming`
    expect(seen).toContain(RTM_NEWLINK);
  });

  it('a dump answered locally yields the messages and ends', async () => {
    sock.hook = { outgoing: (m) => (m.type === RTM_GETLINK ? { action: 'reply', messages: [{ type: RTM_NEWLINK, payload: ifinfomsg(77) }] } : undefined) };
    try {
      const got = await collectDump(sock.dump({ type: RTM_GETLINK, payload: ifinfomsg() }));
      expect(got.map((m) => m.payload.readInt32LE(4))).toEqual([77]);
    } finally {
      sock.hook = undefined;
    }
  });

  it('fail: a KernelError with the given errno and message, marked local; nothing reaches the kernel', async () => {
    sock.hook = { outgoing: (m) => (isAdd(m) ? { action: 'fail', errno: 1, message: 'blocked by the test' } : undefined) };
    let err: unknown;
    try {
      err = await sock.request(add('10.40.2.1')).catch((e: unknown) => e);
    } finally {
      sock.hook = undefined;
    }
    expect(err).toBeInstanceOf(KernelError);
    expect(err).toMatchObject({ code: 'EPERM', local: true, requestType: RTM_NEWADDR, extAck: { message: 'blocked by the test' } });
    expect(loAddrs()).not.toContain('10.40.2.1');
  });

  it('decisions apply per message inside a batch', async () => {
    sock.hook = { outgoing: (m) => (addr4(m) === '10.40.3.2' ? { action: 'fail', errno: 95 } : undefined) };
    let results;
    try {
      results = await sock.requestBatch([add('10.40.3.1'), add('10.40.3.2'), add('10.40.3.3')]);
    } finally {
      sock.hook = undefined;
    }
    expect(results.map((r) => (r.ok ? 'ok' : (r.error as KernelError).code))).toEqual(['ok', 'EOPNOTSUPP', 'ok']);
    expect(loAddrs()).toEqual(expect.arrayContaining(['10.40.3.1', '10.40.3.3']));
    expect(loAddrs()).not.toContain('10.40.3.2');
  });

  it('a throwing outgoing hook fails that message with TransportError', async () => {
    sock.hook = { outgoing: () => { throw new Error('boom'); } };
    try {
      await expect(sock.request(add('10.40.4.1'))).rejects.toMatchObject({ name: 'TransportError', reason: 'hook' });
    } finally {
      sock.hook = undefined;
    }
  });
});

describe('the recorder', () => {
  it('writes each message sent and each datagram received, as hex lines that read back', async () => {
    const lines: string[] = [];
    sock.hook = createRecorder((l) => lines.push(l), { now: () => new Date('2025-01-02T03:04:05.678Z') });
    try {
      await sock.request(add('10.40.5.1'));
      await sock.request(add('10.40.5.1')).catch(() => undefined); // EEXIST
    } finally {
      sock.hook = undefined;
    }
    expect(lines[0]!.startsWith('2025-01-02T03:04:05.678Z send 0 0 ')).toBe(true);
    const rec = parseRecording(lines.join('\n') + '\n');
    expect(rec.map((r) => r.direction)).toEqual(['send', 'recv', 'send', 'recv']);
    const sent = splitMessages(rec[0]!.bytes)[0]!;
    expect([sent.type, sent.flags]).toEqual([RTM_NEWADDR, NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL]);
    expect(sent.payload.equals(newAddr4(1, '10.40.5.1'))).toBe(true);
    const ack = splitMessages(rec[1]!.bytes)[0]!;
    expect([ack.type, ack.seq, ack.payload.readInt32LE(0)]).toEqual([NLMSG_ERROR, sent.seq, 0]);
    const nack = splitMessages(rec[3]!.bytes)[0]!;
    expect([nack.type, nack.seq, -nack.payload.readInt32LE(0)]).toEqual([NLMSG_ERROR, splitMessages(rec[2]!.bytes)[0]!.seq, 17]);
  });

  it('a file recorder composed with a mangler records multicast datagrams with their group', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nldb-rec-'));
    const events = await NetlinkSocket.openAsync({ netns: ns(), groups: [RTNLGRP_IPV4_IFADDR] });
    try {
      const path = join(dir, 'rec.txt');
      const mangler: NetlinkHook = { outgoing: () => ({ action: 'forward' }) };
      sock.hook = composeHooks(fileRecorder(path), mangler);
      events.hook = fileRecorder(path);
      const arrived = new Promise<void>((resolve) => { events.notifications$.subscribe(() => resolve()); });
      await sock.request(add('10.40.6.1'));
      await arrived;
      const rec = parseRecording(readFileSync(path, 'utf8'));
      const mc = rec.filter((r) => r.direction === 'recv' && r.group === RTNLGRP_IPV4_IFADDR);
      expect(mc).toHaveLength(1);
      expect(addr4(splitMessages(mc[0]!.bytes)[0]!)).toBe('10.40.6.1');
      expect(rec.filter((r) => r.direction === 'send')).toHaveLength(1);
    } finally {
      sock.hook = undefined;
      events.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parseRecording refuses lines of another shape', () => {
    expect(() => parseRecording('2025 send 0 0 zz\n')).toThrow(/line 1/);
    expect(parseRecording('# a comment\n\n')).toEqual([]);
  });
});
