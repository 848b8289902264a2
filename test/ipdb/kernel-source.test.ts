/**
 * The kernel source adapter over the transport's scripted fake: what it makes of notifications
 * (flags, origin, order of losses, undecodable messages, slicing), its dumps (hints, chunks,
 * restarts, missing tables), sync(), close(), and the "no window" open with the database.
 */
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/db/database.js';
import type { DbEvent } from '../../src/db/types.js';
import { planDumps, dumpKind } from '../../src/ipdb/dumps.js';
import { KernelSource } from '../../src/ipdb/kernel-source.js';
import { IPRoute } from '../../src/iproute/iproute.js';
import type { RecordEvent } from '../../src/iproute/records.js';
import { buildMessage, NLM_F, rtnl, RTNLGRP_IPV4_ROUTE, RTNLGRP_LINK, RTNLGRP_NEIGH } from '../../src/messages/index.js';
import { KernelError } from '../../src/transport/errors.js';
import { FakeTransport } from '../../src/transport/fake.js';

const tick = () => new Promise((r) => setImmediate(r));

function routePayload(dst: string, opts: { oif?: number; table?: number } = {}): Buffer {
  return rtnl.route.encode({
    family: 2, dstLen: 24, srcLen: 0, tos: 0, table: 254, protocol: 4, scope: 0, type: 1, flags: 0,
    attrs: { dst, oif: opts.oif ?? 2, table: opts.table ?? 254 },
  } as never);
}

function linkPayload(index: number, ifname: string): Buffer {
  return rtnl.link.encode({ family: 0, index, flags: 0x1003, change: 0, attrs: { ifname, mtu: 1500 } } as never);
}

function neighPayload(dst: string, lladdr: string, state: number): Buffer {
  return rtnl.neigh.encode({ family: 10, ifindex: 2, state, flags: 0, type: 1, attrs: { dst, lladdr } } as never);
}

/** One notification datagram with these messages (type, payload, flags, pid). */
function datagram(...msgs: { type: number; payload: Buffer; flags?: number; pid?: number }[]): Buffer {
  return Buffer.concat(msgs.map((m) => buildMessage({ type: m.type, flags: m.flags ?? 0, seq: 0, pid: m.pid ?? 0 }, m.payload)));
}

function setup(queue?: { maxPerSlice?: number; sliceMs?: number }) {
  const events = new FakeTransport({ portId: 100 });
  const requests = new FakeTransport({ portId: 200 });
  const source = new KernelSource(events, new IPRoute(requests, { own: true }), { queue: queue ?? {} });
  const log: (string | DbEvent[])[] = [];
  return { events, requests, source, log, listen: () => {
    source.events$.subscribe((b) => log.push([...b]));
    source.overrun$.subscribe((e) => log.push(`lost: ${(e as Error).name}`));
  } };
}

describe('notifications', () => {
  it('keeps what arrives before anyone subscribes, and delivers it after', async () => {
    const { events, log, listen } = setup();
    events.deliver(datagram({ type: 24, payload: routePayload('10.1.0.0') }), RTNLGRP_IPV4_ROUTE);
    await events.settle();
    await tick();
    listen();
    await tick();
    expect(log).toHaveLength(1);
    expect((log[0] as DbEvent[])[0]!.record).toMatchObject({ dst: '10.1.0.0/24' });
  });

  it("passes route nlmsg flags, and marks the echo of the request socket's own requests 'commit'", async () => {
    const { events, log, listen } = setup();
    listen();
    events.deliver(datagram(
      { type: 24, payload: routePayload('10.1.0.0'), flags: NLM_F.REPLACE | NLM_F.CREATE, pid: 200 },
      { type: 24, payload: routePayload('10.2.0.0'), flags: NLM_F.CREATE, pid: 4321 },
      { type: 16, payload: linkPayload(2, 'v0'), pid: 200 },
      { type: 16, payload: linkPayload(3, 'v1') },
    ), RTNLGRP_IPV4_ROUTE);
    await events.settle();
    await tick();
    const evs = log[0] as DbEvent[];
    expect(evs.map((e) => [e.kind, e.op, e.nlmsgFlags, e.origin])).toEqual([
      ['route', 'new', NLM_F.REPLACE | NLM_F.CREATE, 'commit'],
      ['route', 'new', NLM_F.CREATE, undefined],
      ['interface', 'new', undefined, 'commit'],
      ['interface', 'new', undefined, undefined],
    ]);
  });

  it('reports an overrun after the events received before it, and goes on', async () => {
    const { events, log, listen } = setup();
    listen();
    events.deliver(datagram({ type: 24, payload: routePayload('10.1.0.0') }), RTNLGRP_IPV4_ROUTE);
    events.overrun();
    await events.settle();
    events.deliver(datagram({ type: 25, payload: routePayload('10.1.0.0') }), RTNLGRP_IPV4_ROUTE);
    await events.settle();
    await tick();
    await tick();
    const shape = log.map((x) => (typeof x === 'string' ? x : x.map((e) => `${e.op} ${(e.record as { dst: string }).dst}`)));
    expect(shape).toEqual([['new 10.1.0.0/24'], 'lost: OverrunError', ['del 10.1.0.0/24']]);
  });

  it('an undecodable notification is a loss, reported in its place', async () => {
    const { events, log, listen } = setup();
    listen();
    events.deliver(datagram(
      { type: 24, payload: routePayload('10.1.0.0') },
      // An attribute claiming 200 bytes where 4 are left.
      { type: 24, payload: Buffer.concat([routePayload('10.2.0.0'), Buffer.from([200, 0, 1, 0])]) },
      { type: 24, payload: routePayload('10.3.0.0') },
    ), RTNLGRP_IPV4_ROUTE);
    await events.settle();
    await tick();
    const shape = log.map((x) => (typeof x === 'string' ? x : x.map((e) => (e.record as { dst: string }).dst)));
    expect(shape).toEqual([['10.1.0.0/24'], 'lost: DecodeError', ['10.3.0.0/24']]);
  });

  it('parses in slices, in order, without dropping anything', async () => {
    const { events, log, listen, source } = setup({ maxPerSlice: 2 });
    listen();
    const dsts = ['10.1.0.0', '10.2.0.0', '10.3.0.0', '10.4.0.0', '10.5.0.0'];
    events.deliver(datagram(...dsts.map((d) => ({ type: 24, payload: routePayload(d) }))), RTNLGRP_IPV4_ROUTE);
    await events.settle();
    for (let i = 0; i < 5; i++) await tick();
    expect(log.map((b) => (b as DbEvent[]).length)).toEqual([2, 2, 1]);
    expect(log.flat().map((e) => ((e as DbEvent).record as { dst: string }).dst)).toEqual(dsts.map((d) => `${d}/24`));
    expect(source.queueStats.slices).toBe(3);
  });

  it('does not mirror the NOARP entries the kernel makes silently for group addresses', async () => {
    const { events, log, listen } = setup();
    listen();
    events.deliver(datagram(
      { type: 28, payload: neighPayload('ff02::16', '33:33:00:00:00:16', 0x40) }, // NUD_NOARP
      { type: 28, payload: neighPayload('2001:db8::2', 'aa:bb:cc:dd:ee:02', 0x80) }, // NUD_PERMANENT
    ), RTNLGRP_NEIGH);
    await events.settle();
    await tick();
    expect((log[0] as DbEvent[]).map((e) => (e.record as { dst: string }).dst)).toEqual(['2001:db8::2']);
  });

  it('sync() resolves once what was already received has been handed over', async () => {
    const { events, log, listen, source } = setup();
    listen();
    events.deliver(datagram({ type: 16, payload: linkPayload(5, 'v5') }), RTNLGRP_LINK);
    await source.sync();
    expect(log).toHaveLength(1);
    // The barrier is a NLMSG_NOOP with an ACK on the event socket itself.
    expect(events.received.at(-1)!.message.type).toBe(1);
  });

  it('close() completes the observables and closes both sockets', () => {
    const { events, requests, source } = setup();
    let completed = 0;
    source.events$.subscribe({ complete: () => { completed += 1; } });
    source.overrun$.subscribe({ complete: () => { completed += 1; } });
    source.close();
    expect(completed).toBe(2);
    expect(events.closed).toBe(true);
    expect(requests.closed).toBe(true);
  });
});

describe('dumps', () => {
  it('plans one request per kind, family and table the hint names', () => {
    const shape = (kind: Parameters<typeof planDumps>[0], hint?: Parameters<typeof planDumps>[1]) =>
      planDumps(kind, hint).map((p) => [p.req.payload[0], p.table]);
    expect(shape('route')).toEqual([[0, undefined]]);
    expect(shape('route', { families: [6] })).toEqual([[10, undefined]]);
    expect(shape('route', { families: [4, 6], tables: [100, 254] })).toEqual([[0, 100], [0, 254]]);
    expect(shape('route', { families: [4], tables: [100] })).toEqual([[2, 100]]);
    expect(shape('address', { families: [4] })).toEqual([[2, undefined]]);
    expect(shape('interface', { families: [4] })).toEqual([[0, undefined]]);
  });

  it('hands records over in chunks; an interrupted dump runs again and both attempts count', async () => {
    const requests = new FakeTransport();
    const msg = (d: string) => ({ type: 24, payload: routePayload(d) });
    requests.enqueue(
      { batches: [[msg('10.1.0.0'), msg('10.2.0.0')], [msg('10.3.0.0')]], interrupted: true },
      { batches: [[msg('10.2.0.0'), msg('10.3.0.0')], [msg('10.4.0.0')]] },
    );
    const chunks: (readonly RecordEvent[])[] = [];
    for await (const c of dumpKind(requests, 'route', undefined, 2)) chunks.push(c);
    expect(chunks.map((c) => c.map((e) => (e.record as { dst: string }).dst.slice(0, 4)))).toEqual([
      // The rest of an interrupted attempt is swallowed by the transport; what came before stays.
      ['10.1', '10.2'], ['10.2', '10.3'], ['10.4'],
    ]);
    expect(requests.received.filter((r) => r.dump)).toHaveLength(2);
  });

  it('works the same over a transport without dumpEach (plain dump iterator)', async () => {
    const fake = new FakeTransport();
    const plain = new Proxy(fake, { get: (t, p) => (p === 'dumpEach' ? undefined : Reflect.get(t, p)) });
    const msg = (d: string) => ({ type: 24, payload: routePayload(d) });
    fake.enqueue({ batches: [[msg('10.1.0.0'), msg('10.2.0.0')], [msg('10.3.0.0')]] });
    const chunks: string[][] = [];
    for await (const c of dumpKind(plain, 'route', undefined, 2)) chunks.push(c.map((e) => (e.record as { dst: string }).dst));
    expect(chunks).toEqual([['10.1.0.0/24', '10.2.0.0/24'], ['10.3.0.0/24']]);
  });

  it('a table that does not exist is empty; other errors fail the dump', async () => {
    const requests = new FakeTransport();
    requests.enqueue({ batches: [], errno: 2, message: 'FIB table does not exist' });
    const got: RecordEvent[] = [];
    for await (const c of dumpKind(requests, 'route', { families: [4], tables: [4242] })) got.push(...c);
    expect(got).toEqual([]);
    requests.enqueue({ batches: [], errno: 1 });
    await expect((async () => { for await (const c of dumpKind(requests, 'route', undefined)) void c; })()).rejects.toBeInstanceOf(KernelError);
  });
});

describe('with the database', () => {
  it('no window: a change announced while the dump runs is applied after it', async () => {
    const events = new FakeTransport();
    const requests = new FakeTransport();
    let dumped = false;
    requests.handler = (req) => {
      if (!req.dump) return undefined;
      if (req.message.type !== 26) return { batches: [] };
      // The kernel dumps 10.1 and 10.2, and deletes 10.1 right after (announced on the event socket).
      dumped = true;
      events.deliver(datagram({ type: 25, payload: routePayload('10.1.0.0') }), RTNLGRP_IPV4_ROUTE);
      return { batches: [[{ type: 24, payload: routePayload('10.1.0.0') }, { type: 24, payload: routePayload('10.2.0.0') }]] };
    };
    const db = new Database();
    await db.open(new KernelSource(events, new IPRoute(requests)));
    expect(dumped).toBe(true);
    await db.whenIdle();
    await tick();
    await db.whenIdle();
    expect(db.routes.toArray().map((r) => r.dst)).toEqual(['10.2.0.0/24']);
    db.close();
    expect(events.closed).toBe(true);
  });
});
