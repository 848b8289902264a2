/**
 * Echo claims (src/transactions/echo-claim.ts): the kernel's announcement of a plain IPv4 route
 * is the very bytes of its request, and a claim hands the database the operation's record and key
 * for those bytes instead of decoding them. That is right only if decoding those bytes gives that
 * record and key: held here over generated routes, through the same normaliser and encoder a
 * commit uses, against both route readers. The claim itself must take nothing else: another byte,
 * another number, another kind of message or operation goes the usual way. (On the kernel:
 * test/transactions-kernel/echo-claim.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { keyOf, routeKey } from '../../src/db/keys.js';
import { routeRecordMapper } from '../../src/iproute/decode/route.js';
import type { RouteRecord } from '../../src/iproute/records.js';
import type { RouteSpec } from '../../src/iproute/specs.js';
import { KeyedRouteReader } from '../../src/ipdb/keyed-route-reader.js';
import { NLMSG_HDRLEN } from '../../src/messages/nlmsg.js';
import { RTM_DELROUTE, RTM_NEWROUTE } from '../../src/messages/rtnl/constants.js';
import { FakeTransport } from '../../src/transport/fake.js';
import { FramedRequests } from '../../src/transport/framed.js';
import type { Notification } from '../../src/transport/transport.js';
import { isClaimedRoute, routeEchoClaim } from '../../src/transactions/echo-claim.js';
import { FrameMemo, frameOp } from '../../src/transactions/encode-op.js';
import { routeRecord } from '../../src/transactions/normalise.js';
import type { Operation } from '../../src/transactions/ops.js';

const resolve = (t: { index: number } | { ifname: string }): number => ('index' in t ? t.index : 7);

const octet = fc.integer({ min: 0, max: 255 });
const quad = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
/** A destination prefix with no host bits set (what the validators take), /1 to /32. */
const prefix = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 32 })).map(([v, len]) => {
  const net = len === 32 ? v >>> 0 : (v >>> (32 - len)) * 2 ** (32 - len);
  return `${[24, 16, 8, 0].map((s) => Math.floor(net / 2 ** s) % 256).join('.')}/${len}`;
});

/** `arb` in one case of eight, else undefined. */
const rarely = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(undefined), weight: 7 }, { arbitrary: arb, weight: 1 });

/** onlink: true only where the validator takes it (a gateway and an oif). */
const onlinkWhereValid = (s: Record<string, unknown>) => (s.onlink && (s.gateway === undefined || s.oif === undefined) ? { ...s, onlink: undefined } : s);

/** Route specs of every field a plain IPv4 route can say (the shapes a claim can take). */
const spec: fc.Arbitrary<RouteSpec> = fc.record({
  dst: prefix,
  // (An IPv6 next hop too: RTA_VIA, written by the codec.)
  gateway: fc.option(fc.oneof({ arbitrary: quad, weight: 4 }, { arbitrary: fc.integer({ min: 1, max: 0xffff }).map((n) => `fe80::${n.toString(16)}`), weight: 1 }), { nil: undefined }),
  onlink: fc.option(fc.boolean(), { nil: undefined }),
  // (An encapsulation's attributes are the kernel's to check: one well-formed u32 attribute here.)
  encap: rarely(fc.integer({ min: 0, max: 0xffffffff }).map((v) => ({ type: 'ip', data: `08000200${v.toString(16).padStart(8, '0')}` }))),
  realms: rarely(fc.integer({ min: 0, max: 0xffffffff })),
  oif: fc.option(fc.integer({ min: 1, max: 1 << 20 }), { nil: undefined }),
  table: fc.option(fc.oneof(fc.integer({ min: 1, max: 255 }), fc.integer({ min: 256, max: 0xffffffff })), { nil: undefined }),
  priority: fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }),
  prefsrc: fc.option(quad, { nil: undefined }),
  tos: fc.option(fc.constantFrom(0, 4, 8, 16, 24), { nil: undefined }),
  protocol: fc.option(fc.oneof(fc.constantFrom('boot', 'static', 'kernel', 'dhcp', 'bird'), fc.integer({ min: 0, max: 255 })), { nil: undefined }),
  scope: fc.option(fc.constantFrom('global', 'link', 'host', 'site'), { nil: undefined }),
  type: fc.option(fc.constantFrom('unicast', 'blackhole', 'unreachable', 'prohibit', 'local'), { nil: undefined }),
}, { requiredKeys: ['dst'] }).filter((s) => s.gateway !== undefined || s.oif !== undefined || (s.type !== undefined && s.type !== 'unicast'))
  .map((s) => Object.fromEntries(Object.entries(onlinkWhereValid(s)).filter(([, v]) => v !== undefined)) as unknown as RouteSpec);

const hex = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
/** IPv6 route specs: a /64 or /128 destination, a global or link-local gateway, source, metric, preference. */
const spec6: fc.Arbitrary<RouteSpec> = fc.record({
  dst: fc.tuple(hex, hex, fc.boolean()).map(([a, b, host]) => (host ? `2001:db8:${a}::${b}/128` : `2001:db8:${a}:${b}::/64`)),
  gateway: fc.option(fc.oneof(hex.map((h) => `fe80::${h}`), hex.map((h) => `2001:db8::${h}`)), { nil: undefined }),
  oif: fc.integer({ min: 1, max: 1 << 20 }),
  table: fc.option(fc.integer({ min: 1, max: 0xffffffff }), { nil: undefined }),
  priority: fc.option(fc.integer({ min: 1, max: 0xffffffff }), { nil: undefined }),
  prefsrc: fc.option(hex.map((h) => `2001:db8:ffff::${h}`), { nil: undefined }),
  pref: fc.option(fc.constantFrom('low', 'medium', 'high'), { nil: undefined }),
  protocol: fc.option(fc.constantFrom('boot', 'static', 'ra'), { nil: undefined }),
  onlink: fc.option(fc.boolean(), { nil: undefined }),
}, { requiredKeys: ['dst', 'oif'] }).map((s) => Object.fromEntries(Object.entries(onlinkWhereValid(s)).filter(([, v]) => v !== undefined)) as unknown as RouteSpec);

const routeOp = (spec: RouteRecord, intent: 'create' | 'replace' | 'append' | 'delete' = 'create', id = '1'): Operation =>
  ({ id, kind: 'route', intent, spec, key: keyOf('route', spec), role: 'forward', inverse: [] }) as unknown as Operation;

/** The plan framed as a commit frames it, numbered from `first` as the transport numbers it. */
function framedPlan(ops: readonly Operation[], first: number): FramedRequests {
  const framed = new FramedRequests();
  const memo = new FrameMemo();
  for (const op of ops) expect(frameOp(framed, op, { pid: process.pid }, memo)).toBe(true);
  framed.starts.forEach((at, i) => framed.bytes.writeUInt32LE(first + i, at + 8));
  return framed;
}

/** Message i of `framed` as the kernel would announce it: type NEWROUTE, our port, the request's payload. */
function announcement(framed: FramedRequests, i: number, pid: number, type = RTM_NEWROUTE): Buffer {
  const at = framed.starts[i]!;
  const len = framed.bytes.readUInt32LE(at);
  const b = Buffer.from(framed.bytes.subarray(at, at + len));
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(0x600, 6);
  b.writeUInt32LE(pid, 12);
  return b;
}

describe('a route request read back', () => {
  it('decodes to the record and key the operation holds, whichever reader reads it', () => {
    const reader = new KeyedRouteReader(1024);
    const generic = routeRecordMapper();
    let fast = 0;
    fc.assert(fc.property(fc.oneof(spec, spec6), fc.constantFrom('create', 'replace', 'append', 'delete') as fc.Arbitrary<'create' | 'delete'>, (s, intent) => {
      const record = routeRecord(s, resolve as never);
      const framed = framedPlan([routeOp(record, intent)], 1);
      const at = framed.starts[0]!;
      const payload = framed.bytes.subarray(at + NLMSG_HDRLEN, at + framed.bytes.readUInt32LE(at));
      const read = reader.read(payload, 0, payload.length);
      // (A delete leaves the encapsulation out: encode-op.ts, recordEncap.)
      const sent = intent === 'delete' ? { ...record, encap: null } : record;
      expect(read).toEqual(sent);
      expect(reader.key ?? routeKey(read!)).toBe(keyOf('route', record));
      if (reader.key !== undefined) fast++;
      expect(generic(payload, 0, payload.length)).toEqual(sent);
    }), { numRuns: 2000 });
    // (Most of them by the reader's fast path, which is what a database reads notifications with;
    // onlink routes and IPv6 next hops of IPv4 routes go the generic way.)
    expect(fast).toBeGreaterThan(1200);
  });
});

describe('routeEchoClaim', () => {
  const pid = 4242;
  const records = ['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16'].map((dst) => routeRecord({ dst, gateway: '10.0.0.2', oif: 3 }, resolve as never));

  it('claims the announcement of each route added, replaced, appended or removed, and nothing else', () => {
    const ops = [routeOp(records[0]!, 'create', '1'), routeOp(records[1]!, 'replace', '2'), routeOp(records[2]!, 'delete', '3')];
    const framed = framedPlan(ops, 500);
    const echoed = new Uint8Array(3);
    const claim = routeEchoClaim(pid, ops, framed, echoed)!;
    expect(claim.pid).toBe(pid);
    // What does not match marks nothing; each match marks its operation.
    claim.match(announcement(framed, 2, pid), announcement(framed, 2, pid).length, 7);
    expect([...echoed]).toEqual([0, 0, 0]);
    for (const i of [0, 1, 2]) {
      const type = i === 2 ? RTM_DELROUTE : RTM_NEWROUTE;
      const b = announcement(framed, i, pid, type);
      const n = claim.match(b, b.length, 7) as Notification;
      expect(n).toMatchObject({ len: b.length, type, flags: 0x600, seq: 500 + i, pid, group: 7 });
      expect(Buffer.compare(n.payload, b.subarray(NLMSG_HDRLEN))).toBe(0);
      expect(isClaimedRoute(n.claimed)).toBe(true);
      expect(n.claimed).toEqual({ claim: 'route', op: i === 2 ? 'del' : 'new', record: ops[i]!.spec, key: ops[i]!.key });
      expect([...echoed]).toEqual([0, 1, 2].map((k) => (k <= i ? 1 : 0)));
    }
    const miss = (b: Buffer): unknown => claim.match(b, b.length, 7);
    // The other kind of announcement: a NEWROUTE for the delete, a DELROUTE for the addition.
    expect(miss(announcement(framed, 2, pid))).toBeUndefined();
    expect(miss(announcement(framed, 0, pid, RTM_DELROUTE))).toBeUndefined();
    // One byte of the payload different: a flag the kernel set (linkdown), another table.
    const flagged = announcement(framed, 0, pid);
    flagged[NLMSG_HDRLEN + 8] = 0x10;
    expect(miss(flagged)).toBeUndefined();
    const last = announcement(framed, 1, pid);
    last[last.length - 1] = last[last.length - 1]! ^ 1;
    expect(miss(last)).toBeUndefined();
    // The same, the announcement at any offset in its memory: equal bytes claimed, one byte off not.
    for (const shift of [1, 2, 3, 4, 8]) {
      const at = (b: Buffer): Buffer => { const m = Buffer.alloc(b.length + shift).subarray(shift); b.copy(m); return m; };
      const same = at(announcement(framed, 0, pid));
      expect(claim.match(same, same.length, 7)).toMatchObject({ claimed: { record: ops[0]!.spec } });
      for (const k of [NLMSG_HDRLEN, NLMSG_HDRLEN + 5, same.length - 1]) {
        const off = at(announcement(framed, 0, pid));
        off[k] = off[k]! ^ 0x40;
        expect(miss(off)).toBeUndefined();
      }
    }
    // Another number: outside the batch, or another request's.
    const before = announcement(framed, 0, pid);
    before.writeUInt32LE(499, 8);
    expect(miss(before)).toBeUndefined();
    const other = announcement(framed, 0, pid);
    other.writeUInt32LE(501, 8);
    expect(miss(other)).toBeUndefined();
    // Cut short, or longer than the request.
    const b = announcement(framed, 0, pid);
    expect(claim.match(b, b.length - 4, 7)).toBeUndefined();
    const longer = Buffer.concat([b, Buffer.alloc(8)]);
    longer.writeUInt32LE(b.length + 8, 0);
    expect(miss(longer)).toBeUndefined();
  });

  it('claims an IPv6 announcement with the cache info the kernel adds, and nothing else it adds', () => {
    const six = routeOp(routeRecord({ dst: '2001:db8:1::/64', gateway: 'fe80::1', oif: 3 }, resolve as never));
    const four = routeOp(records[0]!, 'create', '2');
    const ops = [six, four];
    const framed = framedPlan(ops, 10);
    const claim = routeEchoClaim(pid, ops, framed)!;
    /** The announcement with `attr` put before its last attribute (RTA_PREF for IPv6, as rt6_fill_node puts them). */
    const withAttr = (i: number, attr: Buffer): Buffer => {
      const b = announcement(framed, i, pid);
      const last = b.length - 8;
      const out = Buffer.concat([b.subarray(0, last), attr, b.subarray(last)]);
      out.writeUInt32LE(out.length, 0);
      return out;
    };
    const cacheinfo = Buffer.alloc(36);
    cacheinfo.writeUInt16LE(36, 0);
    cacheinfo.writeUInt16LE(12, 2);
    cacheinfo.writeUInt32LE(1234, 16);
    const b = withAttr(0, cacheinfo);
    const n = claim.match(b, b.length, 11) as Notification;
    expect(n.claimed).toEqual({ claim: 'route', op: 'new', record: six.spec, key: six.key });
    // Its payload is the announcement's own, cache info included.
    expect(Buffer.compare(n.payload, b.subarray(NLMSG_HDRLEN))).toBe(0);
    // Anything else the kernel adds is not claimed: an expiry; and no cache info for IPv4.
    const expires = Buffer.alloc(8);
    expires.writeUInt16LE(8, 0);
    expires.writeUInt16LE(23, 2);
    const late = withAttr(0, expires);
    expect(claim.match(late, late.length, 11)).toBeUndefined();
    const both = withAttr(0, Buffer.concat([cacheinfo, expires]));
    expect(claim.match(both, both.length, 11)).toBeUndefined();
    const v4 = withAttr(1, cacheinfo);
    expect(claim.match(v4, v4.length, 7)).toBeUndefined();
  });

  it('makes no claim for a plan without a route of one next hop', () => {
    const multi = [routeOp(routeRecord({ dst: '10.4.0.0/16', multipath: [{ gateway: '10.0.0.2', oif: 3 }, { gateway: '10.0.0.3', oif: 3 }] }, resolve as never))];
    expect(routeEchoClaim(pid, multi, framedPlan(multi, 1))).toBeNull();
  });
});

describe('a transport with an echo claim', () => {
  it('offers it the notifications from its port only, counts what it took, and forgets it when told', async () => {
    const ops = [routeOp(routeRecord({ dst: '10.9.0.0/16', oif: 3 }, resolve as never))];
    const framed = framedPlan(ops, 70);
    const t = new FakeTransport();
    const seen: Notification[] = [];
    t.notifications.subscribe((batch) => seen.push(...batch));
    const drop = t.claimEchoes(routeEchoClaim(1234, ops, framed)!);
    t.deliver(announcement(framed, 0, 1234), 7);
    t.deliver(announcement(framed, 0, 99), 7);
    await t.settle();
    drop();
    t.deliver(announcement(framed, 0, 1234), 7);
    await t.settle();
    expect(seen.map((n) => [n.pid, n.claimed !== undefined])).toEqual([[1234, true], [99, false], [1234, false]]);
    expect(t.stats.claimed).toBe(1);
    // Every one of them carries the message's payload, claimed or not.
    for (const n of seen) expect(Buffer.compare(n.payload, announcement(framed, 0, 0).subarray(NLMSG_HDRLEN))).toBe(0);
    t.close();
  });
});
