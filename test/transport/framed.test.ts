/**
 * requestFramed: requests written into one buffer (FramedRequests) are sent as they lie, with the
 * same answers, sequence numbers, chunks and bytes on the wire as requestBatch of the same requests.
 */
import { describe, expect, it } from 'vitest';
import { FakeTransport, FramedRequests, type FakeHandler, type KernelError, type NetlinkRequest } from '../../src/transport/index.js';
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

  it('drop() takes back the last message; requests() views them as NetlinkRequests', () => {
    const f = framedOf([msg(20, 1), msg(21, 2, 5)]);
    f.add(22, 0, 3);
    f.drop();
    expect(f.count).toBe(2);
    expect(f.requests().map((r) => [r.type, r.flags, [...r.payload]])).toEqual([[20, NLM_F.CREATE, [1]], [21, NLM_F.CREATE, [2, 1, 2, 3, 4, 5]]]);
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
