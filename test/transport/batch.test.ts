/**
 * requestBatch against the kernel: thousands of requests pipelined per send(), each ACKed on its
 * own, with `ip -j` counting the result.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NLM_F } from '../../src/messages/nlmsg.js';
import { ensurePoolStarted, KernelError, NetlinkSocket, type NetlinkRequest } from '../../src/transport/index.js';
import { assertKernelAccess, ipJson, useNetnsEach } from '../helpers/netns.js';
import { newAddr4, RTM_NEWADDR } from './msgs.js';

assertKernelAccess();
const ns = useNetnsEach('batch');
let sock: NetlinkSocket | undefined;
afterEach(() => sock?.close());

const addAddr = (i: number): NetlinkRequest => ({
  type: RTM_NEWADDR,
  flags: NLM_F.CREATE | NLM_F.EXCL,
  payload: newAddr4(1, `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`),
});

function loAddresses(name: string): string[] {
  return ipJson<{ addr_info: Array<{ local: string }> }>(name, '-4', 'addr', 'show', 'dev', 'lo')[0]!.addr_info.map((a) => a.local);
}

/**
 * Watches a socket's thread-pool sends and reads: how many sends, when the last one returned, and
 * when the first answer was read.
 */
function watchSends(s: NetlinkSocket): { sends: number; sentAt: number; firstAnswerAt: number; sent: Promise<void> | undefined } {
  const w = { sends: 0, sentAt: 0, firstAnswerAt: 0, sent: undefined as Promise<void> | undefined };
  const inner = s as unknown as { transmitAsync(b: Buffer): Promise<void> };
  const transmitAsync = inner.transmitAsync.bind(s);
  inner.transmitAsync = (b) => {
    w.sends += 1;
    return (w.sent = transmitAsync(b).then(() => { w.sentAt = performance.now(); }));
  };
  s.hook = { incoming: () => { w.firstAnswerAt ||= performance.now(); } };
  return w;
}

describe('requestBatch', () => {
  it('5,000 RTM_NEWADDR in one send, all ACKed; one bad request in the middle is reported alone', async () => {
    await ensurePoolStarted();
    sock = NetlinkSocket.open({ netns: ns() });
    const msgs = Array.from({ length: 5000 }, (_, i) => addAddr(i));
    msgs[2500] = addAddr(10); // a duplicate: EEXIST
    const sendsBefore = sock.stats.sends;
    const results = await sock.requestBatch(msgs);
    expect(sock.stats.sends - sendsBefore).toBe(1);
    expect(results).toHaveLength(5000);
    const failed = results.flatMap((r, i) => (r.ok ? [] : [[i, (r.error as KernelError).code]]));
    expect(failed).toEqual([[2500, 'EEXIST']]);
    const bad = results[2500]!;
    expect(!bad.ok && bad.error instanceof KernelError && bad.error.requestType).toBe(RTM_NEWADDR);
    expect(!bad.ok && (bad.error as KernelError).seq).toBeGreaterThan(0);
    const addrs = loAddresses(ns());
    expect(addrs).toHaveLength(5000); // 4,999 new ones and 127.0.0.1
    expect(addrs).toContain('10.100.19.135'); // i = 4999
    expect(addrs).not.toContain('10.100.9.196'); // i = 2500 was replaced by the duplicate
  });

  it('offThread: the kernel handles the chunk on a pool thread while answers are read here, all matched', async () => {
    sock = await NetlinkSocket.openAsync({ netns: ns() });
    // When the send returns, and when the first answer was read: with the send on the thread
    // pool, answers are read while the kernel is still working through the chunk.
    const w = watchSends(sock);
    const msgs = Array.from({ length: 5000 }, (_, i) => addAddr(i));
    msgs[4000] = addAddr(7); // a duplicate: EEXIST
    const results = await sock.requestBatch(msgs, { offThread: true });
    await w.sent;
    expect(w.sentAt).toBeGreaterThan(0);
    expect(w.firstAnswerAt).toBeGreaterThan(0);
    expect(w.firstAnswerAt).toBeLessThan(w.sentAt);
    const failed = results.flatMap((r, i) => (r.ok ? [] : [[i, (r.error as KernelError).code]]));
    expect(failed).toEqual([[4000, 'EEXIST']]);
    expect(loAddresses(ns())).toHaveLength(5000);
  });

  it('quiet: nothing is read while the kernel has the chunk; the quiet function spans each such send', async () => {
    sock = await NetlinkSocket.openAsync({ netns: ns() });
    const w = watchSends(sock);
    // What the process's other readers would be told: [started, ended] per send.
    const spans: [number, number][] = [];
    const quiet = (): (() => void) => {
      const span: [number, number] = [performance.now(), 0];
      spans.push(span);
      return () => { span[1] = performance.now(); };
    };
    const msgs = Array.from({ length: 3000 }, (_, i) => addAddr(i));
    msgs[2000] = addAddr(7); // a duplicate: EEXIST
    const results = await sock.requestBatch(msgs, { offThread: true, quiet });
    expect(w.sends).toBe(1);
    expect(spans).toHaveLength(1);
    const [start, end] = spans[0]!;
    expect(end).toBeGreaterThanOrEqual(w.sentAt);
    // The first answer was read only once the send had returned (offThread alone reads them
    // while the kernel works: the test above).
    expect(w.firstAnswerAt).toBeGreaterThanOrEqual(w.sentAt);
    expect(start).toBeLessThanOrEqual(w.sentAt);
    const failed = results.flatMap((r, i) => (r.ok ? [] : [[i, (r.error as KernelError).code]]));
    expect(failed).toEqual([[2000, 'EEXIST']]);
    expect(loAddresses(ns())).toHaveLength(3000);
    // And the socket reads again after it.
    expect((await sock.requestBatch([addAddr(4000)]))[0]!.ok).toBe(true);
  });

  it('quiet: a quiet function that throws, starting or ending, does not fail the batch', async () => {
    sock = await NetlinkSocket.openAsync({ netns: ns() });
    const throwsAtStart = (): (() => void) => { throw new Error('no quiet'); };
    const throwsAtEnd = (): (() => void) => () => { throw new Error('no end'); };
    const first = await sock.requestBatch(Array.from({ length: 100 }, (_, i) => addAddr(i)), { offThread: true, quiet: throwsAtStart });
    const second = await sock.requestBatch(Array.from({ length: 100 }, (_, i) => addAddr(100 + i)), { offThread: true, quiet: throwsAtEnd });
    expect([...first, ...second].every((r) => r.ok)).toBe(true);
    expect(loAddresses(ns())).toHaveLength(201);
    // The socket's own pause ended either way: it reads on.
    expect((await sock.requestBatch([addAddr(300)]))[0]!.ok).toBe(true);
  });

  it('with a small receive buffer, the batch is cut into chunks whose ACKs fit: no overrun', async () => {
    sock = await NetlinkSocket.openAsync({ netns: ns(), rcvbuf: 256 * 1024 });
    let overruns = 0;
    sock.overrun$.subscribe(() => { overruns += 1; });
    const results = await sock.requestBatch(Array.from({ length: 2000 }, (_, i) => addAddr(i)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(sock.stats.sends).toBeGreaterThan(1);
    expect(overruns).toBe(0);
    expect(loAddresses(ns())).toHaveLength(2001);
  });
});
