/**
 * The event queue gathers what keeps coming right after a busy slice (a burst the kernel sends one
 * datagram at a time) into fewer batches, and never holds back a lone message, a full slice, or
 * whoever waits for idle().
 */
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../src/ipdb/event-queue.js';
import type { DbEvent } from '../../src/db/types.js';
import type { Notification } from '../../src/transport/transport.js';

const msg = (n: number): Notification => ({ len: 16, type: 24, flags: 0, seq: n, pid: 0, payload: Buffer.alloc(0), group: 7 });
const ev = (m: Notification): DbEvent => ({ kind: 'rule', op: 'new', record: { priority: m.seq } }) as unknown as DbEvent;
const immediate = (): Promise<void> => new Promise((r) => setImmediate(r));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function queue(opts: ConstructorParameters<typeof EventQueue>[2] = {}) {
  const batches: number[][] = [];
  const q = new EventQueue(ev, { events: (b) => batches.push(b.map((e) => (e.record as { priority: number }).priority)), lost: () => {} }, opts);
  q.start();
  return { q, batches };
}

describe('EventQueue gathering', () => {
  it('hands a lone message over at once', async () => {
    const { q, batches } = queue({ coalesceMs: 50 });
    q.pushMessages([msg(1)]);
    await immediate();
    q.pushMessages([msg(2)]);
    await immediate();
    expect(batches).toEqual([[1], [2]]);
  });

  it('gathers what comes right after a busy slice into one batch', async () => {
    const { q, batches } = queue({ coalesceMs: 30, coalesceFrom: 3 });
    q.pushMessages([msg(1), msg(2), msg(3)]);
    await immediate();
    expect(batches).toEqual([[1, 2, 3]]);
    for (let i = 4; i <= 8; i++) {
      q.pushMessages([msg(i)]);
      await immediate();
    }
    // Still gathering: nothing handed over yet.
    expect(batches).toEqual([[1, 2, 3]]);
    await sleep(45);
    expect(batches).toEqual([[1, 2, 3], [4, 5, 6, 7, 8]]);
  });

  it('does not hold back whoever waits for idle(), nor a full slice', async () => {
    const { q, batches } = queue({ coalesceMs: 10_000, coalesceFrom: 1, maxPerSlice: 4 });
    q.pushMessages([msg(1)]);
    await immediate();
    q.pushMessages([msg(2)]);
    await immediate();
    expect(batches).toEqual([[1]]);
    await q.idle();
    expect(batches).toEqual([[1], [2]]);
    q.pushMessages([msg(3), msg(4), msg(5), msg(6)]);
    await immediate();
    expect(batches).toEqual([[1], [2], [3, 4, 5, 6]]);
    q.close();
  });

  it('parses the next slice of a backlog before a sink that applies on a later turn applies the one before', async () => {
    // A sink like the database's: it applies what it was given on the next turn of the event loop.
    const applied: number[][] = [];
    let pending: number[] = [];
    let scheduled = false;
    const q = new EventQueue(ev, {
      events: (b) => {
        pending.push(...b.map((e) => (e.record as { priority: number }).priority));
        if (scheduled) return;
        scheduled = true;
        setImmediate(() => { scheduled = false; applied.push(pending); pending = []; });
      },
      lost: () => {},
    }, { maxPerSlice: 2, coalesceMs: 0 });
    q.start();
    q.pushMessages([msg(1), msg(2), msg(3), msg(4), msg(5)]);
    await q.idle();
    await immediate();
    await immediate();
    // Three slices (two messages at most each): two in the first update, not one in each.
    expect(applied).toEqual([[1, 2, 3, 4], [5]]);
    q.close();
  });

  it('coalesceMs 0 gathers nothing', async () => {
    const { q, batches } = queue({ coalesceMs: 0, coalesceFrom: 1 });
    q.pushMessages([msg(1), msg(2)]);
    await immediate();
    q.pushMessages([msg(3)]);
    await immediate();
    expect(batches).toEqual([[1, 2], [3]]);
  });
});
