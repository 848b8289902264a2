/**
 * Properties, with fast-check:
 * - arbitrary bytes, and real fixture bytes mutated, either decode or throw DecodeError —
 *   never a RangeError or anything else;
 * - messages generated from the tables encode, decode back to themselves, and re-encode to the
 *   same bytes.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import {
  DecodeError, decodeMessage, fib_rule_hdr, ifaddrmsg, ifinfomsg, ndmsg, nlctrl, nlctrlSchema, nlmsgdone, nlmsgerr,
  Registry, rtmsg, rtnl, rtnlSchema, genlHeader, CTRL_CMD, type RawMessage,
} from './helpers.js';
import { Gen } from './arbitrary.js';
import { fixtureMessages, fixtureNames, loadFixture } from './fixture-util.js';

const decoders: [string, (b: Buffer) => unknown][] = [
  ['link', (b) => rtnl.link.decode(b)], ['addr', (b) => rtnl.addr.decode(b)], ['route', (b) => rtnl.route.decode(b)],
  ['rule', (b) => rtnl.rule.decode(b)], ['neigh', (b) => rtnl.neigh.decode(b)], ['nlctrl', (b) => nlctrl.decode(b)],
  ['nlmsgerr', (b) => nlmsgerr.decode(b, 0x200)], ['nlmsgerr-capped', (b) => nlmsgerr.decode(b, 0x100)],
  ['nlmsgdone', (b) => nlmsgdone.decode(b, 0x200)],
];

function decodesOrDecodeError(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof DecodeError)) throw new Error(`not a DecodeError: ${String(err)}`, { cause: err });
  }
}

/** Realistic attribute-shaped noise: random TLVs with plausible lengths, nested a little. */
const tlvs: fc.Arbitrary<Buffer> = fc.letrec<{ t: Buffer }>((tie) => ({
  t: fc.array(
    fc.tuple(fc.integer({ min: 0, max: 80 }), fc.constantFrom(0, 0x8000, 0x4000), fc.oneof(
      fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)),
      tie('t'),
    ), fc.integer({ min: -3, max: 3 })).map(([type, flags, payload, skew]) => {
      const h = Buffer.alloc(4);
      h.writeUInt16LE(Math.max(0, 4 + payload.length + (skew === 0 ? 0 : skew)) & 0xffff, 0);
      h.writeUInt16LE(type | flags, 2);
      const pad = Buffer.alloc((4 - ((4 + payload.length) % 4)) % 4);
      return Buffer.concat([h, payload, pad]);
    }),
    { maxLength: 6 },
  ).map((parts) => Buffer.concat(parts)),
})).t;

describe('decoders never throw anything but DecodeError', () => {
  test.each(decoders)('%s: arbitrary bytes', (_name, decode) => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => decodesOrDecodeError(() => decode(Buffer.from(b)))), { numRuns: 2000 });
  });

  test.each(decoders)('%s: a header then attribute-shaped noise', (_name, decode) => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 20 }), tlvs, (h, body) => {
      decodesOrDecodeError(() => decode(Buffer.concat([Buffer.from(h), body])));
    }), { numRuns: 1000 });
  });

  const real: RawMessage[] = fixtureNames().flatMap((n) => fixtureMessages(loadFixture(n)).map((m) => ({ ...m, payload: Buffer.from(m.payload) })));
  const protocolOf = new Map(fixtureNames().flatMap((n) => fixtureMessages(loadFixture(n)).map((m) => [m.payload.toString('hex') + m.type, m.protocol])));

  test('fixture messages with bytes flipped, cut short or extended', () => {
    const mutation = fc.record({
      i: fc.nat({ max: real.length - 1 }),
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      cut: fc.option(fc.nat()),
      extra: fc.uint8Array({ maxLength: 8 }),
    });
    fc.assert(fc.property(mutation, ({ i, flips, cut, extra }) => {
      const m = real[i]!;
      let p = Buffer.from(m.payload);
      for (const [at, v] of flips) if (p.length > 0) p[at % p.length] = v;
      if (cut !== null && p.length > 0) p = p.subarray(0, cut % p.length);
      p = Buffer.concat([p, Buffer.from(extra)]);
      const reg = protocolOf.get(m.payload.toString('hex') + m.type) === 'NETLINK_GENERIC' ? Registry.generic() : Registry.rtnetlink();
      decodesOrDecodeError(() => decodeMessage({ ...m, payload: p }, reg));
    }), { numRuns: 3000 });
  });
});

describe('generated messages round trip', () => {
  const gen = new Gen(rtnlSchema.def);
  const families = [
    ['link', rtnl.link, gen.message(ifinfomsg, 'link-attrs')],
    ['addr', rtnl.addr, gen.message(ifaddrmsg, 'addr-attrs')],
    ['route', rtnl.route, gen.message(rtmsg, 'route-attrs')],
    ['rule', rtnl.rule, gen.message(fib_rule_hdr, 'rule-attrs')],
    ['neigh', rtnl.neigh, gen.message(ndmsg, 'neigh-attrs')],
    ['nlctrl', nlctrl, new Gen(nlctrlSchema.def).message(genlHeader(CTRL_CMD), 'ctrl-attrs')],
  ] as const;

  test.each(families)('%s: decode(encode(m)) equals m, and encodes to the same bytes again', (_name, family, arb) => {
    fc.assert(fc.property(arb, (m) => {
      const bytes = family.encode(m as never);
      const back = family.decode(bytes);
      expect(back).toEqual(m);
      expect(family.encode(back as never).equals(bytes)).toBe(true);
    }), { numRuns: 300 });
  });
});
