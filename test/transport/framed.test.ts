/**
 * requestFramed: requests written into one buffer (FramedRequests) are sent as they lie, with the
 * same answers, sequence numbers, chunks and bytes on the wire as requestBatch of the same requests.
 */
import { describe, expect, it } from 'vitest';
import {
  FakeTransport, FramedRequests, OverrunError, TransportError, type FakeHandler, type KernelError, type NetlinkRequest,
} from '../../src/transport/index.js';
import { NLM_F } from '../../src/messages/nlmsg.js';

const msg = (type: number, tag: number, extra = 0): NetlinkRequest => ({ type, flags: NLM_F.CREATE, payload: Buffer.from([tag, ...Array.from({ length: extra }, (_, i) => i + 1)]) });

function framedOf(msgs: readonly NetlinkRequest[]): FramedRequests {
  const f = new FramedRequests(16); // small: it has to grow
  for (const m of msgs) f.addPayload(m.type, m.flags ?? 0, m.payload);
  return f;
}

describe('FramedRequests and requestFramed', () => {
  it('puts on the wire exactly what requestBatch puts there, and gets the same answers', async () => {
    const msgs = Array.from({ length: 9 }, (_, i) => msg(20 + (i % 3), i, i));
    const handler: FakeHandler = (r) => (r.message.payload[0] === 4 ? { errno: 17, message: 'exists' } : { replies: [] });
    const a = new FakeTransport({ handler, budget: { maxBytes: 96, rcvBytes: 1 << 30 } });
    const b = new FakeTransport({ handler, budget: { maxBytes: 96, rcvBytes: 1 << 30 } });
    const viaBatch = await a.requestBatch(msgs);
    const viaFramed = await b.requestFramed(framedOf(msgs));
    expect(b.transmits.map((x) => x.toString('hex'))).toEqual(a.transmits.map((x) => x.toString('hex')));
    expect(b.transmits.length).toBeGreaterThan(1);
    const shape = (rs: typeof viaBatch) => rs.map((r) => (r.ok ? 'ok' : `${(r.error as KernelError).code} ${(r.error as KernelError).requestType}`));
    expect(shape(viaFramed)).toEqual(shape(viaBatch));
    expect(shape(viaFramed)[4]).toBe('EEXIST 21');
  });

  it('numbers the requests in place in a buffer at any offset (aligned or not)', async () => {
    const msgs = Array.from({ length: 5 }, (_, i) => msg(20, i, i));
    for (const shift of [0, 1, 2, 4]) {
      const f = framedOf(msgs);
      const moved = Buffer.alloc(f.bytes.length + shift).subarray(shift);
      f.bytes.copy(moved);
      f.bytes = moved;
      const a = new FakeTransport();
      const b = new FakeTransport();
      await a.requestBatch(msgs);
      await b.requestFramed(f);
      expect(b.transmits.map((x) => x.toString('hex'))).toEqual(a.transmits.map((x) => x.toString('hex')));
    }
  });

  it('matches replies, errors, lost and missing answers to their requests as requestBatch does', async () => {
    // Requests answered otherwise than by a plain ACK: replies before the ACK, an error, an answer
    // lost to an overrun, none at all (the batch then ends at its timeout).
    const handler: FakeHandler = (r) => {
      const tag = r.message.payload[0]!;
      if (tag === 2) return { replies: [{ type: 99, payload: Buffer.from([7, 7]) }] };
      if (tag === 3) return { errno: 22, message: 'bad' };
      if (tag === 5) return { lost: true };
      return { replies: [] };
    };
    const msgs = Array.from({ length: 8 }, (_, i) => msg(20, i));
    const a = new FakeTransport({ handler });
    const b = new FakeTransport({ handler });
    const shape = (rs: Awaited<ReturnType<typeof a.requestBatch>>) => rs.map((r) => (r.ok
      ? `ok ${r.replies.map((m) => `${m.type}:${[...m.payload].join('.')}`).join(',')}`
      : r.error instanceof OverrunError ? `overrun ${(r.error.seq ?? 0) > 0}` : `${(r.error as KernelError).code} ${(r.error as KernelError).extAck.message} ${(r.error as KernelError).seq > 0}`));
    const viaFramed = shape(await b.requestFramed(framedOf(msgs)));
    expect(viaFramed).toEqual(shape(await a.requestBatch(msgs)));
    expect(viaFramed).toEqual(['ok ', 'ok ', 'ok 99:7.7', 'EINVAL bad true', 'ok ', 'overrun true', 'ok ', 'ok ']);

    const c = new FakeTransport({ handler: (r) => (r.message.payload[0] === 1 ? { silent: true } : { replies: [] }) });
    const late = await c.requestFramed(framedOf(msgs.slice(0, 3)), { timeoutMs: 30 });
    expect(late.map((r) => (r.ok ? 'ok' : (r.error as TransportError).reason))).toEqual(['ok', 'timeout', 'ok']);
  });

  it('gives its requests consecutive sequence numbers that no other request has, and ends on close', async () => {
    const t = new FakeTransport({ handler: (r) => (r.message.payload[0] === 9 ? { silent: true } : { replies: [] }) });
    // One request stays pending (silent) across the batch, another is sent while the batch runs.
    const waiting = t.request(msg(20, 9)).catch((e: unknown) => e);
    const batch = t.requestFramed(framedOf(Array.from({ length: 5 }, (_, i) => msg(20, i))));
    const during = t.request(msg(20, 6));
    expect((await batch).every((r) => r.ok)).toBe(true);
    await during;
    const seqs = t.received.map((r) => r.message.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    const inBatch = t.received.filter((r) => r.message.payload[0]! < 5).map((r) => r.message.seq);
    expect(inBatch).toEqual(inBatch.map((_, i) => inBatch[0]! + i));
    // Closing fails what is still waiting, batch or not.
    const never = t.requestFramed(framedOf([msg(20, 9), msg(20, 9)]));
    t.close();
    expect((await never).map((r) => !r.ok && (r.error as TransportError).reason)).toEqual(['closed', 'closed']);
    expect(await waiting).toBeInstanceOf(TransportError);
  });

  it('drop() takes back the last message; requests() views them as NetlinkRequests', () => {
    const f = framedOf([msg(20, 1), msg(21, 2, 5)]);
    f.add(22, 0, 3);
    f.drop();
    expect(f.count).toBe(2);
    expect(f.requests().map((r) => [r.type, r.flags, [...r.payload]])).toEqual([[20, NLM_F.CREATE, [1]], [21, NLM_F.CREATE, [2, 1, 2, 3, 4, 5]]]);
  });

  it('counts the messages asking for an echo, drop() included; a batch with one goes the general way', async () => {
    const f = framedOf([msg(20, 1)]);
    f.add(21, NLM_F.ECHO, 1);
    expect(f.echoes).toBe(1);
    f.drop();
    expect(f.echoes).toBe(0);
    f.add(22, NLM_F.ECHO | NLM_F.CREATE, 1);
    f.add(23, 0, 1);
    f.drop();
    expect(f.echoes).toBe(1);
    const handler: FakeHandler = () => ({ replies: [] });
    const a = new FakeTransport({ handler });
    const b = new FakeTransport({ handler });
    const reqs = f.requests();
    const viaBatch = await a.requestBatch(reqs);
    const viaFramed = await b.requestFramed(f);
    expect(b.transmits.map((x) => x.toString('hex'))).toEqual(a.transmits.map((x) => x.toString('hex')));
    expect(viaFramed.map((r) => r.ok)).toEqual(viaBatch.map((r) => r.ok));
  });

  it('shows each message to an outgoing hook, which may answer it', async () => {
    const t = new FakeTransport();
    const seen: number[] = [];
    t.hook = { outgoing: (m) => { seen.push(m.payload[0]!); return m.payload[0] === 2 ? { action: 'fail', errno: 1 } : undefined; } };
    const results = await t.requestFramed(framedOf([msg(20, 1), msg(20, 2), msg(20, 3)]));
    expect(seen).toEqual([1, 2, 3]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(t.received.map((r) => r.message.payload[0])).toEqual([1, 3]);
  });
});
