/**
 * dumpEach() on the real socket, in a throwaway namespace: a dump of several datagrams read in
 * place gives the same messages as dump(); the receive buffer is reused meanwhile (so a visitor
 * must copy what it keeps), and a recording hook still gets stable copies of every datagram.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { collectDump, ensurePoolStarted, NetlinkSocket } from '../../src/transport/index.js';
import { assertKernelAccess, ipBatch, useNetns } from '../helpers/netns.js';
import { ifinfomsg, linkName, RTM_GETLINK } from './msgs.js';

assertKernelAccess();
const ns = useNetns('each');
let sock: NetlinkSocket;

beforeAll(async () => {
  await ensurePoolStarted();
  // Enough links (about 1.5 KB each) that a link dump needs several datagrams of at most ~32 KiB.
  ipBatch(ns(), Array.from({ length: 40 }, (_, i) => `link add nlt-e${i} type veth peer name nlt-f${i}`));
  sock = await NetlinkSocket.openAsync({ netns: ns() });
});
afterAll(() => sock?.close());

const linkDump = { type: RTM_GETLINK, payload: ifinfomsg() };

it('reads the same messages as dump(), from a buffer it reuses', async () => {
  const expected = (await collectDump(sock.dump(linkDump))).map((m) => `${m.type}/${m.flags}/${m.payload.toString('hex')}`);
  const before = sock.stats.datagrams;
  const seen: string[] = [];
  const buffers = new Set<ArrayBufferLike>();
  await sock.dumpEach(linkDump, {
    message: (buf, start, end, type, flags) => {
      seen.push(`${type}/${flags}/${buf.toString('hex', start, end)}`);
      buffers.add(buf.buffer);
    },
    restart: () => { seen.length = 0; },
  });
  expect(sock.stats.datagrams - before).toBeGreaterThanOrEqual(3);
  expect(seen.length).toBeGreaterThanOrEqual(81); // lo and the 80 veth ends
  expect(seen).toEqual(expected);
  // Every datagram was read in place, in the socket's one receive buffer: no copies.
  expect(buffers.size).toBe(1);
});

it('a recording hook still gets every datagram, copied: what it keeps stays intact', async () => {
  const kept: Array<{ bytes: Buffer; hex: string }> = [];
  sock.hook = { incoming: (_msgs, ctx) => { kept.push({ bytes: ctx.bytes, hex: ctx.bytes.toString('hex') }); } };
  try {
    const names: string[] = [];
    await sock.dumpEach(linkDump, {
      message: (buf, start, end, type) => {
        if (type === 16) names.push(linkName({ len: 0, type, flags: 0, seq: 0, pid: 0, payload: buf.subarray(start, end) }) ?? '');
      },
      restart: () => { names.length = 0; },
    });
    expect(names).toContain('nlt-e39');
  } finally {
    sock.hook = undefined;
  }
  await collectDump(sock.dump(linkDump)); // reuses the receive buffer again
  expect(kept.length).toBeGreaterThanOrEqual(3);
  for (const k of kept) expect(k.bytes.toString('hex')).toBe(k.hex);
});
