/**
 * The transport's matching logic, driven through the scripted FakeTransport (which shares it with
 * the real socket): no kernel, so every fault can be injected at an exact point.
 */
import { describe, expect, it } from 'vitest';
import { NLM_F, NLMSG_ERROR, type RawMessage } from '../../src/messages/nlmsg.js';
import {
  collectDump, DumpInterruptedError, FakeTransport, isDumpRestart, KernelError, OverrunError, TransportError,
  type DumpItem, type Notification,
} from '../../src/transport/index.js';

const msg = (type: number, ...bytes: number[]): { type: number; payload: Buffer } => ({ type, payload: Buffer.from(bytes) });
const tag = (m: RawMessage): number => m.payload[0]!;

async function drain(it: AsyncIterable<DumpItem>): Promise<Array<number[] | 'restart'>> {
  const out: Array<number[] | 'restart'> = [];
  for await (const item of it) out.push(isDumpRestart(item) ? 'restart' : item.map(tag));
  return out;
}

describe('requests', () => {
  it('adds REQUEST|ACK and a fresh sequence number, resolves with the replies on the ACK', async () => {
    const t = new FakeTransport().enqueue({ replies: [msg(100, 1), msg(100, 2)] }, {});
    const [a, b] = await Promise.all([t.request(msg(30, 9)), t.request({ ...msg(31), flags: NLM_F.CREATE })]);
    expect(a.map(tag)).toEqual([1, 2]);
    expect(a.every((m) => m.pid === t.portId && m.seq === t.received[0]!.message.seq)).toBe(true);
    expect(b).toEqual([]);
    const [m0, m1] = t.received.map((r) => r.message);
    expect(m0!.flags).toBe(NLM_F.REQUEST | NLM_F.ACK);
    expect(m1!.flags).toBe(NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE);
    expect(m1!.seq).toBe(m0!.seq + 1);
    expect(m0!.payload).toEqual(Buffer.from([9]));
  });

  it('sequence numbers belong to each transport', async () => {
    const a = new FakeTransport();
    const b = new FakeTransport();
    await a.request(msg(30));
    await a.request(msg(30));
    await b.request(msg(30));
    expect(a.received.map((r) => r.message.seq)).toEqual([1, 2]);
    expect(b.received.map((r) => r.message.seq)).toEqual([1]);
  });

  it('matches answers by sequence number whatever their order', async () => {
    // The handler answers the second request before the first by making the first silent and
    // answering it later through a hand-built ACK.
    const t = new FakeTransport().enqueue({ silent: true }, { replies: [msg(100, 2)] });
    const first = t.request(msg(30, 1));
    const second = t.request(msg(30, 2));
    expect((await second).map(tag)).toEqual([2]);
    const seq = t.received[0]!.message.seq;
    const ack = Buffer.alloc(36);
    ack.writeUInt32LE(36, 0);
    ack.writeUInt16LE(NLMSG_ERROR, 4);
    ack.writeUInt16LE(NLM_F.CAPPED, 6);
    ack.writeUInt32LE(seq, 8);
    ack.writeUInt32LE(t.portId, 12);
    t.deliver(ack);
    expect(await first).toEqual([]);
  });

  it('a kernel error becomes a KernelError with errno name, ext-ack, type, seq and operation', async () => {
    const t = new FakeTransport().enqueue({ errno: 17, message: 'Address already assigned', offset: 24 });
    const err = await t.request({ ...msg(20, 1, 2, 3), flags: NLM_F.EXCL }, { operation: 'add 10.0.0.1/24' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KernelError);
    const k = err as KernelError;
    expect([k.errno, k.code, k.requestType, k.seq, k.extAck.message, k.extAck.offset]).toEqual([17, 'EEXIST', 20, 1, 'Address already assigned', 24]);
    expect(k.requestFlags).toBe(NLM_F.REQUEST | NLM_F.ACK | NLM_F.EXCL);
    expect(k.message).toBe('add 10.0.0.1/24: EEXIST (File exists): Address already assigned [at byte 24]');
    expect(k.requestPayload?.subarray(0, 3)).toEqual(Buffer.from([1, 2, 3]));
    expect(k.retryable).toBe(false);
  });

  it('times out and aborts with TransportError; a late answer is ignored', async () => {
    const t = new FakeTransport().enqueue({ silent: true }, { silent: true });
    await expect(t.request(msg(30), { timeoutMs: 5 })).rejects.toMatchObject({ name: 'TransportError', reason: 'timeout', code: 'ETIMEDOUT' });
    const ac = new AbortController();
    const p = t.request(msg(30), { signal: ac.signal });
    ac.abort(new Error('user gave up'));
    await expect(p).rejects.toMatchObject({ reason: 'aborted' });
    await expect(t.request(msg(30), { signal: AbortSignal.abort() })).rejects.toMatchObject({ reason: 'aborted' });
    expect(t.received).toHaveLength(2);
  });
});

describe('requestBatch', () => {
  it('pipelines requests, each with its own seq and ACK; one failure is reported alone', async () => {
    const t = new FakeTransport({ handler: (r) => (r.message.payload[0] === 3 ? { errno: 22, message: 'bad' } : { replies: [msg(100, r.message.payload[0]!)] }) });
    const results = await t.requestBatch([1, 2, 3, 4, 5].map((i) => msg(20, i)));
    expect(t.transmits).toHaveLength(1);
    expect(results.map((r) => (r.ok ? r.replies.map(tag) : (r.error as KernelError).code))).toEqual([[1], [2], 'EINVAL', [4], [5]]);
    const seqs = t.received.map((r) => r.message.seq);
    expect(new Set(seqs).size).toBe(5);
    const third = results[2]!;
    expect(!third.ok && (third.error as KernelError).seq).toBe(seqs[2]);
  });

  it('chunks by send size and by room for the answers, waiting for each chunk', async () => {
    const t = new FakeTransport({ budget: { maxBytes: 3 * 20, rcvBytes: 1 << 30 } });
    const results = await t.requestBatch(Array.from({ length: 7 }, (_, i) => msg(20, i)));
    expect(t.transmits.map((b) => b.length / 20)).toEqual([3, 3, 1]);
    expect(results.every((r) => r.ok)).toBe(true);
    const u = new FakeTransport({ budget: { maxBytes: 1 << 20, rcvBytes: 2 * 2100 } });
    await u.requestBatch(Array.from({ length: 5 }, (_, i) => msg(20, i)));
    expect(u.transmits.map((b) => b.length / 20)).toEqual([2, 2, 1]);
  });

  it('an overrun fails only the requests whose answers were lost, with OverrunError', async () => {
    const t = new FakeTransport().enqueue({}, { lost: true }, {});
    const overruns: OverrunError[] = [];
    t.overrun$.subscribe((e) => overruns.push(e));
    const results = await t.requestBatch([msg(20, 1), msg(20, 2), msg(20, 3)]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    const e = (results[1] as unknown as { error: OverrunError }).error;
    expect(e).toBeInstanceOf(OverrunError);
    expect([e.reason, e.seq, e.requestType, e.retryable]).toEqual(['enobufs', t.received[1]!.message.seq, 20, true]);
    expect(overruns).toHaveLength(1);
    expect(overruns[0]!.lostRequests).toBe(1);
  });

  it('close() during a batch fails what is left with TransportError', async () => {
    const t = new FakeTransport({ budget: { maxBytes: 40 } }).enqueue({ silent: true });
    const p = t.requestBatch([msg(20, 1), msg(20, 2), msg(20, 3)]);
    await new Promise((r) => setImmediate(r));
    t.close();
    const results = await p;
    // The first chunk (two requests) was sent: one answered, one pending; the third never went out.
    expect(results.map((r) => (r.ok ? 'ok' : r.error instanceof TransportError && r.error.reason))).toEqual(['closed', 'ok', 'closed']);
    expect(t.received).toHaveLength(2);
  });
});

describe('dumps', () => {
  it('stream one batch per datagram, then end', async () => {
    const t = new FakeTransport().enqueue({ batches: [[msg(16, 1), msg(16, 2)], [msg(16, 3)]] });
    expect(await drain(t.dump(msg(18)))).toEqual([[1, 2], [3]]);
    expect(t.received[0]!.message.flags).toBe(NLM_F.REQUEST | NLM_F.DUMP);
  });

  it('are lazy: nothing is sent until iteration starts, and each iteration dumps again', async () => {
    const t = new FakeTransport();
    const d = t.dump(msg(18));
    await new Promise((r) => setImmediate(r));
    expect(t.received).toHaveLength(0);
    await collectDump(d);
    await collectDump(d);
    expect(t.received).toHaveLength(2);
  });

  it('an interrupted dump is run again, behind a restart marker', async () => {
    const t = new FakeTransport().enqueue(
      { batches: [[msg(16, 1)], [msg(16, 2)]], interrupted: true },
      { batches: [[msg(16, 1)], [msg(16, 2), msg(16, 3)]] },
    );
    const items: DumpItem[] = [];
    for await (const i of t.dump(msg(18))) items.push(i);
    // The batch carrying NLM_F_DUMP_INTR is withheld; what came before it is discarded by the marker.
    expect(items.map((i) => (isDumpRestart(i) ? `restart ${i.attempt}` : i.map(tag)))).toEqual([[1], 'restart 2', [1], [2, 3]]);
    const marker = items[1];
    expect(marker && isDumpRestart(marker) && marker.cause).toBeInstanceOf(DumpInterruptedError);
    expect(t.received.map((r) => r.message.seq)).toEqual([1, 2]);
    expect(await collectDump(t.dump(msg(18)))).toEqual([]);
  });

  it('gives up with DumpInterruptedError after maxRetries', async () => {
    const t = new FakeTransport({ handler: () => ({ batches: [[msg(16, 1)]], interrupted: true }) });
    const err = await drain(t.dump(msg(18), { maxRetries: 2 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DumpInterruptedError);
    expect((err as DumpInterruptedError).attempts).toBe(3);
    expect((err as DumpInterruptedError).retryable).toBe(true);
    expect(t.received).toHaveLength(3);
    await expect(drain(t.dump(msg(18), { maxRetries: 0 }))).rejects.toBeInstanceOf(DumpInterruptedError);
  });

  it('an error in NLMSG_DONE or NLMSG_ERROR rejects the iterator with KernelError', async () => {
    const t = new FakeTransport().enqueue({ batches: [[msg(16, 1)]], errno: 16, message: 'busy' }, { errno: 22, message: 'Invalid header' });
    const seen: number[][] = [];
    const err = await (async () => { for await (const i of t.dump(msg(18))) if (!isDumpRestart(i)) seen.push(i.map(tag)); })().catch((e: unknown) => e);
    expect(seen).toEqual([[1]]);
    expect(err).toMatchObject({ name: 'KernelError', code: 'EBUSY', extAck: { message: 'busy' } });
    await expect(collectDump(t.dump(msg(18)))).rejects.toMatchObject({ code: 'EINVAL', extAck: { message: 'Invalid header' } });
  });

  it('run one at a time per transport, while requests go on', async () => {
    const t = new FakeTransport().enqueue({ silent: true });
    const first = t.dump(msg(18, 1))[Symbol.asyncIterator]();
    const firstNext = first.next();
    const second = collectDump(t.dump({ ...msg(18, 2) }));
    await new Promise((r) => setImmediate(r));
    expect(t.received.map((r) => r.message.payload[0])).toEqual([1]);
    await t.request(msg(30, 3));
    expect(t.received.map((r) => r.message.payload[0])).toEqual([1, 3]);
    // The first dump ends (a DONE for its seq): only then is the second sent.
    const done = Buffer.alloc(20);
    done.writeUInt32LE(20, 0);
    done.writeUInt16LE(3, 4);
    done.writeUInt16LE(NLM_F.MULTI, 6);
    done.writeUInt32LE(t.received[0]!.message.seq, 8);
    t.deliver(done);
    expect(await firstNext).toEqual({ value: undefined, done: true });
    expect(await second).toEqual([]);
    expect(t.received.map((r) => r.message.payload[0])).toEqual([1, 3, 2]);
  });

  it('breaking out swallows the rest of the dump before the next one starts', async () => {
    const t = new FakeTransport().enqueue({ batches: [[msg(16, 1)], [msg(16, 2)], [msg(16, 3)]] }, { batches: [[msg(16, 9)]] });
    for await (const i of t.dump(msg(18))) {
      expect(i).toHaveLength(1);
      break;
    }
    expect(await drain(t.dump(msg(18)))).toEqual([[9]]);
    expect(t.stats.strays).toBe(0);
  });

  it('a dump timeout rejects the consumer but the next dump waits for the kernel to finish', async () => {
    const t = new FakeTransport().enqueue({ silent: true });
    await expect(collectDump(t.dump(msg(18), { timeoutMs: 5 }))).rejects.toMatchObject({ reason: 'timeout' });
    const next = collectDump(t.dump(msg(18, 7)));
    await new Promise((r) => setTimeout(r, 5));
    expect(t.received).toHaveLength(1);
    t.close();
    await expect(next).rejects.toMatchObject({ reason: 'closed' });
  });

  it('an overrun keeps dumps in progress (the kernel never drops their parts)', async () => {
    const t = new FakeTransport().enqueue({ batches: [[msg(16, 1)], [msg(16, 2)]] });
    const overruns: OverrunError[] = [];
    t.overrun$.subscribe((e) => overruns.push(e));
    const d = drain(t.dump(msg(18)));
    t.overrun();
    expect(await d).toEqual([[1], [2]]);
    expect(overruns.map((e) => e.lostRequests)).toEqual([0]);
  });
});

describe('notifications', () => {
  it('unsolicited messages reach subscribers in batches of what arrived together, with their group', async () => {
    const t = new FakeTransport();
    const got: Notification[][] = [];
    t.notifications$.subscribe((b) => got.push(b));
    t.notify([msg(16, 1), msg(16, 2)], 1);
    t.notify([msg(20, 3)], 5);
    await t.settle();
    t.notify([msg(20, 4)], 0);
    await t.settle();
    expect(got.map((b) => b.map((n) => [tag(n), n.group]))).toEqual([[[1, 1], [2, 1], [3, 5]], [[4, 0]]]);
  });

  it('an echo (NLM_F_ECHO) answers its request, and counts as a notification for a member of its group', async () => {
    const t = new FakeTransport().enqueue({ silent: true });
    const got: Notification[][] = [];
    t.notifications$.subscribe((b) => got.push(b));
    const p = t.request({ ...msg(20, 1), flags: NLM_F.ECHO });
    const seq = t.received[0]!.message.seq;
    const echo = Buffer.alloc(20);
    echo.writeUInt32LE(17, 0);
    echo.writeUInt16LE(20, 4);
    echo.writeUInt32LE(seq, 8);
    echo.writeUInt32LE(t.portId, 12);
    echo[16] = 42;
    const ack = Buffer.alloc(36);
    ack.writeUInt32LE(36, 0);
    ack.writeUInt16LE(NLMSG_ERROR, 4);
    ack.writeUInt32LE(seq, 8);
    t.addMembership(5);
    t.deliver(echo, 5);
    t.deliver(ack, 0);
    expect((await p).map(tag)).toEqual([42]);
    expect(got.flat().map(tag)).toEqual([42]);
  });
});

describe('close()', () => {
  it('rejects pending requests and dumps, completes the observables, and is idempotent', async () => {
    const t = new FakeTransport({ handler: () => ({ silent: true }) });
    const events: string[] = [];
    t.notifications$.subscribe({ complete: () => events.push('notifications complete') });
    t.overrun$.subscribe({ complete: () => events.push('overrun complete') });
    const r = t.request(msg(30));
    const d = collectDump(t.dump(msg(18)));
    const queued = collectDump(t.dump(msg(18)));
    t.close();
    t.close();
    for (const p of [r, d, queued]) await expect(p).rejects.toMatchObject({ name: 'TransportError', reason: 'closed' });
    expect(events).toEqual(['notifications complete', 'overrun complete']);
    await expect(t.requestBatch([msg(1)])).resolves.toMatchObject([{ ok: false }]);
    expect(() => t.addMembership(1)).toThrow(TransportError);
  });
});
