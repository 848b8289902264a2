/**
 * The real socket against the kernel, inside a throwaway namespace, with `ip -j` as the witness:
 * opening in a namespace four ways, dumps, requests with ACK, kernel errors with extended ack,
 * several requests and dumps in flight at once, and a NETLINK_GENERIC socket.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NETLINK_GENERIC, NLM_F, type RawMessage } from '../../src/messages/nlmsg.js';
import {
  collectDump, ensurePoolStarted, isDumpRestart, KernelError, NetlinkSocket, TransportError, type NetnsRef,
} from '../../src/transport/index.js';
import { assertKernelAccess, ip, ipBatch, ipJson, useNetns } from '../helpers/netns.js';
import {
  addr4, attr, attrs, cstr, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_CMD_GETFAMILY, genl, GENL_ID_CTRL, IFA_LOCAL,
  ifaddrmsg, IFLA_IFNAME, IFLA_INFO_KIND, IFLA_LINKINFO, ifinfomsg, linkIndex, linkName, newAddr4, RTM_GETADDR, RTM_GETLINK,
  RTM_NEWADDR, RTM_NEWLINK, AF_INET,
} from './msgs.js';

assertKernelAccess();
const ns = useNetns('sock');

beforeAll(async () => {
  await ensurePoolStarted();
  ip(ns(), 'link', 'add', 'nlt-a', 'type', 'veth', 'peer', 'name', 'nlt-b');
  ip(ns(), 'link', 'add', 'nlt-br', 'type', 'bridge');
});

async function dumpLinks(sock: NetlinkSocket): Promise<Array<{ index: number; name: string | undefined }>> {
  const msgs = await collectDump(sock.dump({ type: RTM_GETLINK, payload: ifinfomsg() }));
  return msgs.filter((m) => m.type === RTM_NEWLINK).map((m) => ({ index: linkIndex(m), name: linkName(m) })).sort((a, b) => a.index - b.index);
}

function ipLinks(name: string): Array<{ index: number; name: string }> {
  return ipJson<{ ifindex: number; ifname: string }>(name, 'link', 'show')
    .map((l) => ({ index: l.ifindex, name: l.ifname })).sort((a, b) => a.index - b.index);
}

describe('opening a socket inside a namespace', () => {
  async function expectNamespaceLinks(ref: NetnsRef): Promise<void> {
    const sock = await NetlinkSocket.openAsync({ netns: ref });
    try {
      const links = await dumpLinks(sock);
      expect(links).toEqual(ipLinks(ns()));
      expect(links.map((l) => l.name)).toContain('nlt-br');
    } finally {
      sock.close();
    }
  }

  it('by name, as a string and as { name }', async () => {
    await expectNamespaceLinks(ns());
    await expectNamespaceLinks({ name: ns() });
  });

  it('by path', async () => {
    await expectNamespaceLinks({ path: `/run/netns/${ns()}` });
  });

  it('by the pid of a process inside it', async () => {
    const child = spawn('ip', ['netns', 'exec', ns(), 'sleep', '60'], { stdio: 'ignore' });
    try {
      const pid = child.pid!;
      const want = statSync(`/run/netns/${ns()}`).ino;
      // `ip netns exec` enters the namespace and then execs sleep under the same pid.
      for (let i = 0; i < 500 && statSync(`/proc/${pid}/ns/net`).ino !== want; i++) await new Promise((r) => setTimeout(r, 10));
      expect(statSync(`/proc/${pid}/ns/net`).ino).toBe(want);
      await expectNamespaceLinks({ pid });
    } finally {
      child.kill();
    }
  });

  it('by an open namespace fd, which stays open', async () => {
    const fd = openSync(`/run/netns/${ns()}`, 'r');
    try {
      await expectNamespaceLinks({ fd });
      expect(statSync(`/proc/self/fd/${fd}`).ino).toBe(statSync(`/run/netns/${ns()}`).ino);
    } finally {
      closeSync(fd);
    }
  });

  it("sees the namespace's links, not the host's", async () => {
    const inside = await NetlinkSocket.openAsync({ netns: ns() });
    const host = NetlinkSocket.open();
    try {
      const a = await dumpLinks(inside);
      const b = await dumpLinks(host);
      expect(b.map((l) => l.name)).not.toContain('nlt-br');
      expect(a).not.toEqual(b);
    } finally {
      inside.close();
      host.close();
    }
  });

  it('an unknown namespace name fails with a TransportError naming the file', async () => {
    const err = await NetlinkSocket.openAsync({ netns: 'nldb-no-such-namespace' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe('ENOENT');
    expect(String((err as Error).message)).toContain('/run/netns/nldb-no-such-namespace');
  });
});

describe('requests and dumps', () => {
  let sock: NetlinkSocket;
  beforeAll(async () => { sock = await NetlinkSocket.openAsync({ netns: ns() }); });
  afterAll(() => sock.close());

  it('has a port id and an fd, and the kernel granted the receive buffer', () => {
    expect(sock.portId).toBeGreaterThan(0);
    expect(sock.fileno).toBeGreaterThan(2);
    expect(sock.rcvbufSize).toBeGreaterThanOrEqual(16 << 20);
  });

  it('request() resolves on the ACK, and the change is there', async () => {
    const replies = await sock.request({ type: RTM_NEWADDR, flags: NLM_F.CREATE | NLM_F.EXCL, payload: newAddr4(1, '10.11.0.1') });
    expect(replies).toEqual([]);
    const addrs = ipJson<{ addr_info: Array<{ local: string }> }>(ns(), 'addr', 'show', 'dev', 'lo')[0]!.addr_info.map((a) => a.local);
    expect(addrs).toContain('10.11.0.1');
  });

  it('request() resolves with the non-ACK replies: an NLM_F_ECHO, a GET', async () => {
    const echoed = await sock.request({ type: RTM_NEWADDR, flags: NLM_F.CREATE | NLM_F.EXCL | NLM_F.ECHO, payload: newAddr4(1, '10.11.0.2') });
    expect(echoed.map((m) => [m.type, addr4(m)])).toEqual([[RTM_NEWADDR, '10.11.0.2']]);
    const br = ipLinks(ns()).find((l) => l.name === 'nlt-br')!;
    const got = await sock.request({ type: RTM_GETLINK, payload: ifinfomsg(br.index) });
    expect(got.map((m) => [m.type, linkIndex(m), linkName(m)])).toEqual([[RTM_NEWLINK, br.index, 'nlt-br']]);
  });

  it('a kernel error keeps errno, its name, the request and the ext-ack message (unknown link kind)', async () => {
    const payload = Buffer.concat([
      ifinfomsg(),
      attr(IFLA_IFNAME, cstr('nlt-d0')),
      attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, cstr('dummy'))),
    ]);
    const err = await sock.request({ type: RTM_NEWLINK, flags: NLM_F.CREATE | NLM_F.EXCL, payload }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KernelError);
    const k = err as KernelError;
    expect(k.code).toBe('EOPNOTSUPP');
    expect(k.errno).toBe(95);
    expect(k.requestType).toBe(RTM_NEWLINK);
    expect(k.seq).toBeGreaterThan(0);
    expect(k.extAck.message).toMatch(/unknown device type/i);
    expect(k.message).toContain(k.extAck.message!);
    expect(k.message).toContain('EOPNOTSUPP');
    k.operation = 'add link nlt-d0 (dummy)';
    expect(k.message.startsWith('add link nlt-d0 (dummy): EOPNOTSUPP')).toBe(true);
  });

  it('an address on a missing link: ENODEV, with the ext-ack message', async () => {
    const err = await sock.request({ type: RTM_NEWADDR, flags: NLM_F.CREATE | NLM_F.EXCL, payload: newAddr4(9999, '10.11.0.3') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KernelError);
    expect((err as KernelError).code).toBe('ENODEV');
    expect((err as KernelError).extAck.message).toMatch(/device/i);
  });

  it('a malformed attribute: the ext-ack offset points at it in the request', async () => {
    const payload = Buffer.concat([ifaddrmsg({ family: AF_INET, prefixlen: 32, index: 1 }), attr(IFA_LOCAL, Buffer.from([10, 0, 0]))]);
    const err = await sock.request({ type: RTM_NEWADDR, flags: NLM_F.CREATE | NLM_F.EXCL, payload }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KernelError);
    const k = err as KernelError;
    expect(k.code).toBe('ERANGE');
    // nlmsghdr (16) + ifaddrmsg (8): the bad IFA_LOCAL is the first attribute.
    expect(k.extAck.offset).toBe(24);
    expect(k.requestPayload?.subarray(0, payload.length)).toEqual(payload);
  });

  it('several requests and dumps in flight at once are matched correctly', async () => {
    const br = ipLinks(ns()).find((l) => l.name === 'nlt-br')!;
    const linkDump = collectDump(sock.dump({ type: RTM_GETLINK, payload: ifinfomsg() }));
    const addrDump = collectDump(sock.dump({ type: RTM_GETADDR, payload: ifaddrmsg({ family: AF_INET }) }));
    const get = sock.request({ type: RTM_GETLINK, payload: ifinfomsg(br.index) });
    const add = sock.request({ type: RTM_NEWADDR, flags: NLM_F.CREATE | NLM_F.EXCL | NLM_F.ECHO, payload: newAddr4(br.index, '10.11.1.1') });
    const bad = sock.request({ type: RTM_NEWADDR, flags: NLM_F.CREATE | NLM_F.EXCL, payload: newAddr4(9999, '10.11.1.2') });
    const linkDump2 = collectDump(sock.dump({ type: RTM_GETLINK, payload: ifinfomsg() }));
    const [links, addrs, got, added, failed, links2] = await Promise.all([linkDump, addrDump, get, add, bad.catch((e: unknown) => e), linkDump2]);
    const names = (ms: RawMessage[]): string[] => ms.map((m) => linkName(m)!).sort();
    expect(links.every((m) => m.type === RTM_NEWLINK)).toBe(true);
    expect(names(links)).toEqual(ipLinks(ns()).map((l) => l.name).sort());
    expect(names(links2)).toEqual(names(links));
    expect(addrs.every((m) => m.type === RTM_NEWADDR)).toBe(true);
    expect(addrs.map(addr4)).toEqual(expect.arrayContaining(['127.0.0.1', '10.11.0.1']));
    expect(got.map(linkName)).toEqual(['nlt-br']);
    expect(added.map(addr4)).toEqual(['10.11.1.1']);
    expect((failed as KernelError).code).toBe('ENODEV');
    expect(new Set([...links, ...addrs].map((m) => m.pid))).toEqual(new Set([sock.portId]));
  });

  it('a dump streams one batch per datagram; payloads do not alias the reused receive buffer', async () => {
    // Enough links (about 1.5 KB each) that the dump needs several datagrams of at most ~32 KiB.
    ipBatch(ns(), Array.from({ length: 40 }, (_, i) => `link add nlt-m${i} type veth peer name nlt-n${i}`));
    const batches: RawMessage[][] = [];
    for await (const item of sock.dump({ type: RTM_GETLINK, payload: ifinfomsg() })) {
      expect(isDumpRestart(item)).toBe(false);
      if (!isDumpRestart(item)) batches.push(item);
    }
    expect(batches.length).toBeGreaterThanOrEqual(3);
    for (const b of batches) expect(b.reduce((n, m) => n + m.len, 0)).toBeLessThanOrEqual(64 * 1024);
    const all = batches.flat();
    expect(all.map((m) => linkName(m)).sort()).toEqual(ipLinks(ns()).map((l) => l.name).sort());
    // Another dump reuses the receive buffer: what we were given must not change.
    const copies = all.map((m) => Buffer.from(m.payload));
    await collectDump(sock.dump({ type: RTM_GETLINK, payload: ifinfomsg() }));
    all.forEach((m, i) => expect(m.payload.equals(copies[i]!)).toBe(true));
  });

  it('a big dump yields to the event loop between slices of datagrams', async () => {
    const order = async (datagramsPerSlice: number): Promise<string[]> => {
      const s = await NetlinkSocket.openAsync({ netns: ns(), datagramsPerSlice });
      const events: string[] = [];
      let ticking = true;
      const tick = (): void => { if (ticking) { events.push('tick'); setImmediate(tick); } };
      try {
        const it = s.dump({ type: RTM_GETLINK, payload: ifinfomsg() });
        setImmediate(tick);
        for await (const item of it) if (!isDumpRestart(item)) events.push('batch');
      } finally {
        ticking = false;
        s.close();
      }
      const first = events.indexOf('batch');
      return events.slice(first, events.lastIndexOf('batch') + 1);
    };
    // The namespace has enough links for several datagrams (see the test above).
    const sliced = await order(1);
    expect(sliced.filter((e) => e === 'batch').length).toBeGreaterThanOrEqual(3);
    expect(sliced).toContain('tick');
    // One drain without yielding reads the whole dump at once: no tick in between.
    expect(await order(1000)).not.toContain('tick');
  });

  it('with NETLINK_CAP_ACK, an error does not echo the request payload', async () => {
    const capped = await NetlinkSocket.openAsync({ netns: ns(), capAck: true });
    try {
      const err = await capped.request({ type: RTM_NEWADDR, flags: NLM_F.CREATE, payload: newAddr4(9999, '10.11.2.1') }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ENODEV', requestPayload: null });
    } finally {
      capped.close();
    }
  });

  it('breaking out of a dump abandons it; the next dump still works', async () => {
    let seen = 0;
    for await (const item of sock.dump({ type: RTM_GETLINK, payload: ifinfomsg() })) {
      if (!isDumpRestart(item)) seen += item.length;
      break;
    }
    expect(seen).toBeGreaterThan(0);
    const links = await dumpLinks(sock);
    expect(links).toEqual(ipLinks(ns()));
  });

  it('a dump the kernel refuses rejects with KernelError (strict checking)', async () => {
    // With NETLINK_GET_STRICT_CHK, a link dump header with garbage in ifi_change is refused.
    const payload = ifinfomsg();
    payload.writeUInt32LE(0xffffffff, 12);
    const err = await collectDump(sock.dump({ type: RTM_GETLINK, payload })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KernelError);
    expect((err as KernelError).code).toBe('EINVAL');
    expect((err as KernelError).extAck.message).toBeTruthy();
    expect(await dumpLinks(sock)).toEqual(ipLinks(ns()));
  });
});

describe('a datagram larger than the receive buffer', () => {
  it('fails the dump it belonged to with TransportError "truncated"; the buffer grows and the next dump works', async () => {
    const sock = await NetlinkSocket.openAsync({ netns: ns(), recvBufferSize: 256 });
    try {
      const err = await collectDump(sock.dump({ type: RTM_GETLINK, payload: ifinfomsg() })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportError);
      expect(err).toMatchObject({ reason: 'truncated', code: 'EMSGSIZE' });
      expect(await dumpLinks(sock)).toEqual(ipLinks(ns()));
    } finally {
      sock.close();
    }
  });
});

describe('NETLINK_GENERIC', () => {
  it("resolves the family 'nlctrl' to id 0x10 with CTRL_CMD_GETFAMILY", async () => {
    const sock = await NetlinkSocket.openAsync({ protocol: NETLINK_GENERIC, netns: ns() });
    try {
      expect(sock.protocol).toBe(NETLINK_GENERIC);
      const replies = await sock.request({ type: GENL_ID_CTRL, payload: genl(CTRL_CMD_GETFAMILY, 1, attr(CTRL_ATTR_FAMILY_NAME, cstr('nlctrl'))) });
      expect(replies).toHaveLength(1);
      const a = attrs(replies[0]!.payload, 4);
      expect(a.get(CTRL_ATTR_FAMILY_ID)!.readUInt16LE(0)).toBe(0x10);
      expect(a.get(CTRL_ATTR_FAMILY_NAME)!.toString()).toBe('nlctrl\0');
      const err = await sock.request({ type: GENL_ID_CTRL, payload: genl(CTRL_CMD_GETFAMILY, 1, attr(CTRL_ATTR_FAMILY_NAME, cstr('no-such-family'))) })
        .catch((e: unknown) => e);
      expect((err as KernelError).code).toBe('ENOENT');
    } finally {
      sock.close();
    }
  });
});

describe('close()', () => {
  it('rejects what is pending, completes the observables, and is idempotent', async () => {
    const sock = await NetlinkSocket.openAsync({ netns: ns() });
    let completed = 0;
    sock.notifications$.subscribe({ complete: () => { completed += 1; } });
    sock.overrun$.subscribe({ complete: () => { completed += 1; } });
    const iter = sock.dump({ type: RTM_GETLINK, payload: ifinfomsg() })[Symbol.asyncIterator]();
    const first = iter.next();
    const pending = sock.request({ type: RTM_GETLINK, payload: ifinfomsg(1) });
    sock.close();
    sock.close();
    await expect(pending).rejects.toMatchObject({ name: 'TransportError', reason: 'closed' });
    await expect(first).rejects.toBeInstanceOf(TransportError);
    expect(completed).toBe(2);
    expect(sock.closed).toBe(true);
    await expect(sock.request({ type: RTM_GETLINK, payload: ifinfomsg(1) })).rejects.toMatchObject({ reason: 'closed' });
    const batch = await sock.requestBatch([{ type: RTM_GETLINK, payload: ifinfomsg(1) }]);
    expect(batch).toMatchObject([{ ok: false, error: { reason: 'closed' } }]);
    await expect(collectDump(sock.dump({ type: RTM_GETLINK, payload: ifinfomsg() }))).rejects.toMatchObject({ reason: 'closed' });
    expect(() => sock.addMembership(1)).toThrow(TransportError);
  });
});
