/**
 * KeyedRouteReader (src/ipdb/keyed-route-reader.ts) writes route records and their keys straight
 * from the bytes for the common shapes (IPv4 and IPv6, one next hop, no metrics) and hands
 * everything else to the generic reader. It
 * must give exactly what the generic path gives: routeRecordMapper's record (or its DecodeError)
 * and routeKey's text. Held here on real kernel messages (the fixtures, and a dump of a namespace
 * with many kinds of route, made with `ip`), on mutated ones, and on generated ones.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { routeRecordMapper } from '../../src/iproute/decode/route.js';
import { IPRoute } from '../../src/iproute/iproute.js';
import { routeDump } from '../../src/iproute/queries.js';
import { routeKey } from '../../src/db/keys.js';
import { shardHash } from '../../src/db/table.js';
import { KeyedRouteReader } from '../../src/ipdb/keyed-route-reader.js';
import { RTM_NEWROUTE } from '../../src/messages/rtnl/constants.js';
import { fixtureMessages, fixtureNames, loadFixture } from '../messages/fixture-util.js';
import { assertKernelAccess, createNetns, deleteNetns, ipBatch, ipJson } from '../helpers/netns.js';

type Outcome = { record: unknown; key: string | undefined; fast: boolean } | { error: string; message: string };

/** What the reader gives for one payload: the record and key, or the error. */
function keyed(reader: KeyedRouteReader, b: Buffer, s = 0, e = b.length): Outcome {
  let record: ReturnType<KeyedRouteReader['read']>;
  try {
    record = reader.read(b, s, e);
  } catch (err) {
    const d = err as Error;
    return { error: d.name, message: d.message };
  }
  const key = reader.key;
  return { record: structuredClone(record), key: record === null ? undefined : key ?? routeKey(record), fast: key !== undefined };
}

/** What the generic path gives: routeRecordMapper's record and routeKey. */
function generic(b: Buffer): Outcome {
  try {
    const record = routeRecordMapper()(b, 0, b.length);
    return { record: structuredClone(record), key: record === null ? undefined : routeKey(record), fast: false };
  } catch (err) {
    const d = err as Error;
    return { error: d.name, message: d.message };
  }
}

/** The outcome without the fast-path flag (the generic path's is always false). */
function plain(o: Outcome): Outcome {
  return 'fast' in o ? { ...o, fast: false } : o;
}

/** Each reader's twin that makes no keys (a load's: bulk.ts), fed the same messages. */
const twins = new WeakMap<KeyedRouteReader, KeyedRouteReader>();

/**
 * The generic path's outcome, from the reader; and from its keyless twin the same record (or
 * error), with the key's group hash instead of the key where the reader made one.
 */
function same(reader: KeyedRouteReader, b: Buffer): boolean {
  const a = keyed(reader, b);
  expect(plain(a)).toEqual(generic(b));
  let twin = twins.get(reader);
  if (twin === undefined) twins.set(reader, (twin = new KeyedRouteReader(Infinity, false)));
  const t = keyed(twin, b);
  if (!('fast' in a)) {
    expect(t).toEqual(a);
    return false;
  }
  expect('record' in t && t.record).toEqual(a.record);
  expect(twin.key).toBeUndefined();
  expect(twin.group).toBe(a.fast ? shardHash('route', a.key!) : undefined);
  return a.fast;
}

const payloads = fixtureNames().flatMap((n) => fixtureMessages(loadFixture(n), 'received'))
  .filter((m) => m.protocol !== 'NETLINK_GENERIC' && m.type === RTM_NEWROUTE)
  .map((m) => Buffer.from(m.payload));

describe('KeyedRouteReader on captured kernel messages', () => {
  test('the same records and keys as the generic path, the common IPv4 ones read by the fast path', () => {
    const reader = new KeyedRouteReader();
    let fast = 0;
    for (const b of payloads) if (same(reader, b)) fast++;
    expect(payloads.length).toBeGreaterThan(10);
    // route4.json has plain IPv4 routes (connected, local, broadcast, via a gateway): if none of
    // them took the fast path, the reader would be dead code.
    expect(fast).toBeGreaterThan(5);
  });

  test('in place, in a larger buffer', () => {
    const reader = new KeyedRouteReader();
    for (const b of payloads) {
      const big = Buffer.concat([Buffer.alloc(7, 0xee), b, Buffer.alloc(5, 0xee)]);
      expect(plain(keyed(reader, big, 7, 7 + b.length))).toEqual(generic(b));
    }
  });

  test('mutated messages: the same values, or the same DecodeError', () => {
    const reader = new KeyedRouteReader(8); // a small intern limit: forgetting must not matter
    fc.assert(fc.property(
      fc.nat({ max: payloads.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.option(fc.nat()),
      (i, flips, cut) => {
        let b = Buffer.from(payloads[i]!);
        for (const [at, v] of flips) b[at % b.length] = v;
        if (cut !== null) b = b.subarray(0, cut % b.length);
        same(reader, b);
      },
    ), { numRuns: 3000 });
  });
});

describe('KeyedRouteReader on generated messages', () => {
  const attr = (type: number, data: Uint8Array): Buffer => {
    const out = Buffer.alloc((4 + data.length + 3) & ~3);
    out.writeUInt16LE(4 + data.length, 0);
    out.writeUInt16LE(type, 2);
    out.set(data, 4);
    return out;
  };
  const u32 = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.nat({ max: 0xffffffff })).map((n) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0);
    return b;
  });
  const ip4 = fc.uint8Array({ minLength: 4, maxLength: 4 });
  // IPv6 addresses with runs of zeros, so the text's '::' compression is exercised.
  const ip6 = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }).map((words) => {
    const b = new Uint8Array(16);
    words.forEach((x, i) => { b[2 * i] = x >> 8; b[2 * i + 1] = x & 255; });
    return b;
  });
  // Mostly the attributes a record holds, with the right sizes for either family; sometimes
  // wrong sizes, repeats, attributes that send the message to the generic reader, and ones no
  // record holds.
  const anAttr = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(1, 5, 7), fc.oneof(ip4, ip6)) }, // RTA_DST, RTA_GATEWAY, RTA_PREFSRC
    { weight: 1, arbitrary: fc.tuple(fc.constant(20), fc.uint8Array({ minLength: 1, maxLength: 1 })) }, // RTA_PREF
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(4, 6, 15), u32) }, // RTA_OIF, RTA_PRIORITY, RTA_TABLE
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 40 }), fc.uint8Array({ maxLength: 9 })) },
  ).map(([type, data]) => attr(type, data));
  const header = fc.record({
    family: fc.constantFrom(2, 10), // AF_INET, AF_INET6
    dstLen: fc.oneof(fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 255 })),
    srcLen: fc.integer({ min: 0, max: 255 }),
    tos: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 255 })),
    table: fc.constantFrom(0, 254, 255, 253, 10),
    protocol: fc.integer({ min: 0, max: 255 }),
    scope: fc.constantFrom(0, 200, 253, 254, 255, 17),
    type: fc.integer({ min: 0, max: 14 }),
    flags: fc.nat({ max: 0xffff }),
  });

  test('the same records and keys as the generic path', () => {
    const reader = new KeyedRouteReader(16);
    let fast = 0;
    fc.assert(fc.property(header, fc.array(anAttr, { maxLength: 7 }), (h, attrs) => {
      const head = Buffer.alloc(12);
      head[0] = h.family;
      head[1] = h.dstLen;
      head[2] = h.srcLen;
      head[3] = h.tos;
      head[4] = h.table;
      head[5] = h.protocol;
      head[6] = h.scope;
      head[7] = h.type;
      head.writeUInt32LE(h.flags, 8);
      if (same(reader, Buffer.concat([head, ...attrs]))) fast++;
    }), { numRuns: 4000 });
    expect(fast).toBeGreaterThan(400);
  });
});

describe('KeyedRouteReader on a real dump (checked with ip -j)', () => {
  let ns = '';
  let ipr: IPRoute | undefined;

  beforeAll(async () => {
    assertKernelAccess();
    ns = createNetns('krr');
    ipBatch(ns, [
      'link set lo up',
      'link add va type veth peer name vb',
      'link set va up',
      'link set vb up',
      'addr add 10.1.0.1/24 dev va',
      'addr add 10.2.0.1/16 dev vb',
      'addr add 2001:db8::1/64 dev va',
      'route add 172.16.0.0/12 via 10.1.0.2',
      'route add 172.17.1.0/24 via 10.1.0.2 metric 77',
      'route add 172.17.1.0/24 via 10.2.0.2 metric 78 proto static',
      'route add 192.0.2.7 dev va src 10.1.0.1 scope link',
      'route add 198.51.100.0/24 via 10.1.0.3 table 1000',
      'route add 198.51.100.0/24 via 10.1.0.3 table 7 tos 0x10',
      'route add blackhole 203.0.113.0/24',
      'route add unreachable 203.0.113.128/25 metric 3',
      'route add prohibit 203.0.113.64/26 table 9',
      'route add 100.64.0.0/10 via 10.1.0.2 mtu 1400',
      'route add 100.65.0.0/16 nexthop via 10.1.0.2 weight 2 nexthop via 10.2.0.2',
      'route add default via 10.1.0.254',
      'route add 2001:db8:5::/48 via 2001:db8::2',
    ]);
    ipr = await IPRoute.open({ netns: ns });
  });

  afterAll(() => {
    ipr?.close();
    if (ns) deleteNetns(ns);
  });

  test('every route of the dump: the same record and key both ways, and the routes ip -j lists', async () => {
    const reader = new KeyedRouteReader();
    const records: unknown[] = [];
    let fast = 0;
    await ipr!.transport.dumpEach!(routeDump({}), {
      message: (buf, s, e, type) => {
        if (type !== RTM_NEWROUTE) return;
        const b = Buffer.from(buf.subarray(s, e));
        if (same(reader, b)) fast++;
        records.push(keyed(reader, b));
      },
      restart: () => undefined,
    }, {});
    const witness = [...ipJson(ns, '-4', 'route', 'show', 'table', 'all'), ...ipJson(ns, '-6', 'route', 'show', 'table', 'all')];
    expect(records.length).toBe(witness.length);
    // The plain routes of both families (everything above but the multipath and mtu ones, plus
    // the kernel's own connected, local, broadcast, link-local and multicast routes) take the
    // fast path.
    const plain = witness.filter((r: { metrics?: unknown; nexthops?: unknown }) => r.metrics === undefined && r.nexthops === undefined).length;
    expect(fast).toBe(plain);
    expect(fast).toBeGreaterThan(records.length / 2);
    const keys = records.map((o) => (o as { key: string }).key);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
