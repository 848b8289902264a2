/**
 * dumpReadAhead: while a dump runs, the socket reads the next datagrams on a thread-pool thread
 * while it hands the previous ones over. Against the kernel: a big dump arrives whole and in
 * order (byte for byte what a socket without read-ahead reads, and as many routes as `ip -j`
 * lists), several dumps queued on one socket each get their own messages, requests sent during a
 * dump are answered, a slot too small loses its datagram and grows, and closing mid-dump releases
 * the socket.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetlinkSocket, TransportError } from '../../src/transport/index.js';
import { assertKernelAccess, createNetns, deleteNetns, ipBatch, ipJson } from '../helpers/netns.js';

const RTM_GETROUTE = 26;
const RTM_NEWROUTE = 24;
const RTM_GETLINK = 18;
const ROUTES = 20_000;

/** struct rtmsg for a dump of every family and table. */
const rtmsg = (): Buffer => Buffer.alloc(12);
const ifinfomsg = (): Buffer => Buffer.alloc(16);

/** Every message of a dump, digested in order, and how many were routes. */
async function digest(sock: NetlinkSocket, type: number, payload: Buffer): Promise<{ count: number; sha: string }> {
  const h = createHash('sha256');
  let count = 0;
  await sock.dumpEach({ type, payload }, {
    message: (buf, s, e, t) => {
      if (t === RTM_NEWROUTE) count++;
      h.update(buf.subarray(s, e));
    },
    restart: () => undefined,
  });
  return { count, sha: h.digest('hex') };
}

let ns = '';

beforeAll(() => {
  assertKernelAccess();
  ns = createNetns('rah');
  const lines = ['link set lo up', 'link add va type veth peer name vb', 'link set va up', 'addr add 10.0.0.1/16 dev va'];
  for (let k = 0; k < ROUTES; k++) lines.push(`route add 172.${16 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}/32 via 10.0.${k & 255}.2`);
  ipBatch(ns, lines);
});

afterAll(() => {
  if (ns) deleteNetns(ns);
});

describe('dumpReadAhead', () => {
  it('reads a big dump whole and in order, partly on the thread pool', async () => {
    const ahead = await NetlinkSocket.openAsync({ netns: ns, dumpReadAhead: 4, recvBufferSize: 32 * 1024 });
    const plain = await NetlinkSocket.openAsync({ netns: ns });
    try {
      const a = await digest(ahead, RTM_GETROUTE, rtmsg());
      const p = await digest(plain, RTM_GETROUTE, rtmsg());
      expect(a).toEqual(p);
      const witness = ipJson(ns, '-4', 'route', 'show', 'table', 'all').length + ipJson(ns, '-6', 'route', 'show', 'table', 'all').length;
      expect(a.count).toBe(witness);
      expect(a.count).toBeGreaterThan(ROUTES);
      expect(ahead.stats.readAheads).toBeGreaterThan(3);
      expect(plain.stats.readAheads).toBe(0);
    } finally {
      ahead.close();
      plain.close();
    }
  });

  it('queued dumps each get their own messages; a request sent meanwhile is answered', async () => {
    const sock = await NetlinkSocket.openAsync({ netns: ns, dumpReadAhead: 2, recvBufferSize: 32 * 1024 });
    try {
      const want = await digest(sock, RTM_GETROUTE, rtmsg());
      const [one, two, links] = await Promise.all([
        digest(sock, RTM_GETROUTE, rtmsg()),
        digest(sock, RTM_GETROUTE, rtmsg()),
        digest(sock, RTM_GETLINK, ifinfomsg()),
      ]);
      expect(one).toEqual(want);
      expect(two).toEqual(want);
      expect(links.count).toBe(0);
      // A request while a dump is being read ahead: its answer is among the dump's datagrams.
      const dump = digest(sock, RTM_GETROUTE, rtmsg());
      const lo = Buffer.alloc(16);
      lo.writeInt32LE(1, 4); // ifi_index 1: lo
      const replies = await sock.request({ type: RTM_GETLINK, payload: lo });
      expect(replies).toHaveLength(1);
      expect(await dump).toEqual(want);
    } finally {
      sock.close();
    }
  });

  it('a datagram larger than a slot fails its dump as "truncated"; the slots grow and the next dump works', async () => {
    const sock = await NetlinkSocket.openAsync({ netns: ns, dumpReadAhead: 2, recvBufferSize: 512 });
    const plain = await NetlinkSocket.openAsync({ netns: ns });
    try {
      const err = await digest(sock, RTM_GETROUTE, rtmsg()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportError);
      expect(err).toMatchObject({ reason: 'truncated' });
      expect(await digest(sock, RTM_GETROUTE, rtmsg())).toEqual(await digest(plain, RTM_GETROUTE, rtmsg()));
    } finally {
      sock.close();
      plain.close();
    }
  });

  it('closing in the middle of a dump fails it and releases the socket', async () => {
    const fds = (): number => readdirSync('/proc/self/fd').length;
    const before = fds();
    const sock = await NetlinkSocket.openAsync({ netns: ns, dumpReadAhead: 2, recvBufferSize: 32 * 1024 });
    let seen = 0;
    const dump = sock.dumpEach({ type: RTM_GETROUTE, payload: rtmsg() }, {
      message: () => {
        if (++seen === 2000) sock.close();
      },
      restart: () => undefined,
    }).catch((e: unknown) => e);
    expect(await dump).toBeInstanceOf(Error);
    expect(sock.stats.readAheads).toBeGreaterThan(0);
    // A receive still on the thread pool returns at once (the socket is non-blocking).
    for (let i = 0; i < 50 && fds() !== before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(fds()).toBe(before);
  });
});
