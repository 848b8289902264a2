/**
 * dumpEach(): the same dumps as dump(), each message handed to a visitor in place as it is read.
 * Driven through the FakeTransport (the matching logic is the socket's), and held to dump():
 * same messages, same restarts, same errors, same queueing.
 */
import { describe, expect, it } from 'vitest';
import { NLM_F, NLMSG_DONE } from '../../src/messages/nlmsg.js';
import {
  collectDump, DumpInterruptedError, FakeTransport, type DumpOptions, type DumpRestart, type DumpVisitor, type NetlinkRequest,
} from '../../src/transport/index.js';

const msg = (type: number, ...bytes: number[]): { type: number; payload: Buffer } => ({ type, payload: Buffer.from(bytes) });

/** Runs dumpEach and records what the visitor saw: payload tags, and 'restart N' markers. */
async function visit(t: FakeTransport, req: NetlinkRequest, opts?: DumpOptions): Promise<Array<number | string>> {
  const seen: Array<number | string> = [];
  await t.dumpEach(req, {
    message: (buf, start, end, type) => { seen.push(end > start ? buf[start]! : -1); expect(type).toBeGreaterThanOrEqual(16); },
    restart: (m: DumpRestart) => { seen.push(`restart ${m.attempt}`); },
  }, opts);
  return seen;
}

describe('dumpEach', () => {
  it('hands over every message of every datagram, in order, then resolves', async () => {
    const t = new FakeTransport({ handler: () => ({ batches: [[msg(16, 1), msg(16, 2)], [msg(16, 3)]] }) });
    expect(await visit(t, msg(18))).toEqual([1, 2, 3]);
    let flags = 0;
    await t.dumpEach(msg(18), { message: (_b, _s, _e, _t, f) => { flags |= f; }, restart: () => undefined });
    expect(flags & NLM_F.MULTI).toBe(NLM_F.MULTI);
    expect(t.received[0]!.message.flags).toBe(NLM_F.REQUEST | NLM_F.DUMP);
  });

  it('sees the same messages as dump(), byte for byte', async () => {
    const batches = [[msg(16, 1, 2, 3), msg(17, 4)], [msg(16, 5, 6, 7, 8, 9)]];
    const t = new FakeTransport({ handler: () => ({ batches }) });
    const viaDump = (await collectDump(t.dump(msg(18)))).map((m) => [m.type, m.flags, m.payload.toString('hex')]);
    const viaEach: unknown[] = [];
    await t.dumpEach(msg(18), { message: (buf, s, e, type, flags) => viaEach.push([type, flags, buf.toString('hex', s, e)]), restart: () => undefined });
    expect(viaEach).toEqual(viaDump);
  });

  it('an interrupted dump runs again: the visitor is told to forget, as dump() yields its marker', async () => {
    const t = new FakeTransport().enqueue(
      { batches: [[msg(16, 1)], [msg(16, 2)]], interrupted: true },
      { batches: [[msg(16, 1)], [msg(16, 2), msg(16, 3)]] },
    );
    // The flagged datagram is withheld, as dump() withholds it; what came before goes with the restart.
    expect(await visit(t, msg(18))).toEqual([1, 'restart 2', 1, 2, 3]);
    const t2 = new FakeTransport({ handler: () => ({ batches: [[msg(16, 1)]], interrupted: true }) });
    await expect(visit(t2, msg(18), { maxRetries: 1 })).rejects.toBeInstanceOf(DumpInterruptedError);
    expect(t2.received).toHaveLength(2);
  });

  it('a kernel error rejects with KernelError after the messages before it', async () => {
    const t = new FakeTransport().enqueue({ batches: [[msg(16, 1)]], errno: 16, message: 'busy' });
    const seen: number[] = [];
    const err = await t.dumpEach(msg(18), { message: (b, s) => seen.push(b[s]!), restart: () => undefined }).catch((e: unknown) => e);
    expect(seen).toEqual([1]);
    expect(err).toMatchObject({ name: 'KernelError', code: 'EBUSY', extAck: { message: 'busy' } });
  });

  it('a throwing visitor ends the dump with its error; the rest is swallowed and the next dump works', async () => {
    const t = new FakeTransport().enqueue({ batches: [[msg(16, 1), msg(16, 2)], [msg(16, 3)]] }, { batches: [[msg(16, 9)]] });
    const boom = new Error('boom');
    const seen: number[] = [];
    const visitor: DumpVisitor = { message: (b, s) => { seen.push(b[s]!); if (b[s] === 1) throw boom; }, restart: () => undefined };
    await expect(t.dumpEach(msg(18), visitor)).rejects.toBe(boom);
    expect(seen).toEqual([1]);
    expect(await visit(t, msg(18))).toEqual([9]);
    expect(t.stats.strays).toBe(0);
  });

  it('queues behind a running dump, and dump() behind it', async () => {
    const t = new FakeTransport().enqueue({ batches: [[msg(16, 1)]] }, { batches: [[msg(16, 2)]] }, { batches: [[msg(16, 3)]] });
    const [a, b, c] = await Promise.all([collectDump(t.dump(msg(18))), visit(t, msg(18)), collectDump(t.dump(msg(18)))]);
    expect([a.map((m) => m.payload[0]), b, c.map((m) => m.payload[0])]).toEqual([[1], [2], [3]]);
  });

  it('timeouts and close() reject it like dump()', async () => {
    const t = new FakeTransport({ handler: () => ({ silent: true }) });
    await expect(visit(t, msg(18), { timeoutMs: 5 })).rejects.toMatchObject({ reason: 'timeout' });
    const queued = visit(t, msg(18));
    t.close();
    await expect(queued).rejects.toMatchObject({ name: 'TransportError', reason: 'closed' });
    await expect(visit(t, msg(18))).rejects.toMatchObject({ reason: 'closed' });
  });

  it('a dump answered by the hook reaches the visitor', async () => {
    const t = new FakeTransport();
    t.hook = { outgoing: () => ({ action: 'reply', messages: [msg(16, 7), msg(16, 8)] }) };
    expect(await visit(t, msg(18))).toEqual([7, 8]);
    expect(t.received).toHaveLength(0);
  });

  it('a hook sees the datagrams of a visited dump, copied: the bytes it keeps do not change', async () => {
    const t = new FakeTransport().enqueue({ batches: [[msg(16, 1)], [msg(16, 2)]] });
    const kept: Buffer[] = [];
    t.hook = { incoming: (msgs, ctx) => { kept.push(ctx.bytes); expect(msgs[0]!.payload.buffer).toBe(ctx.bytes.buffer); } };
    expect(await visit(t, msg(18))).toEqual([1, 2]);
    expect(kept.map((b) => b.readUInt16LE(4))).toEqual([16, 16, NLMSG_DONE]);
  });
});
