/**
 * Projections (codec.project(names)): the header and the named attributes only, read in place.
 * Held to decode(): on every real kernel message of the fixtures, and on generated and mutated
 * bytes, a projection gives exactly decode()'s header fields and decode()'s values for the named
 * attributes (no others), wherever the payload lies in a buffer; and fails with DecodeError only.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { DecodeError, rtnl, rtnlSchema, type MessageFamily } from './helpers.js';
import { fixtureMessages, fixtureNames, loadFixture } from './fixture-util.js';

type Family = MessageFamily<Record<string, unknown>>;

const families: [string, Family, string][] = [
  ['link', rtnl.link as unknown as Family, 'link-attrs'],
  ['addr', rtnl.addr as unknown as Family, 'addr-attrs'],
  ['route', rtnl.route as unknown as Family, 'route-attrs'],
  ['rule', rtnl.rule as unknown as Family, 'rule-attrs'],
  ['neigh', rtnl.neigh as unknown as Family, 'neigh-attrs'],
];

const attrNames = (set: string): string[] => rtnlSchema.def[set as keyof typeof rtnlSchema.def].attrs.map((a) => a.name);

/** decode()'s result restricted to `names`: what the projection must give. */
function restricted(full: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const { attrs, ...header } = full as { attrs: Record<string, unknown> };
  const kept: Record<string, unknown> = {};
  for (const k of Object.keys(attrs)) if (names.includes(k)) kept[k] = attrs[k];
  return { ...header, attrs: kept };
}

/** The kernel's messages of each family, from every fixture. */
function received(f: Family): Buffer[] {
  const types = new Set(Object.values(f.types));
  return fixtureNames().flatMap((n) => fixtureMessages(loadFixture(n), 'received'))
    .filter((m) => m.protocol !== 'NETLINK_GENERIC' && types.has(m.type) && m.type !== f.types.get)
    .map((m) => Buffer.from(m.payload));
}

describe.each(families)('%s', (_name, family, set) => {
  const all = attrNames(set);
  const payloads = received(family);

  test('the fixtures hold messages of this family', () => {
    expect(payloads.length).toBeGreaterThan(0);
  });

  test('on real kernel messages: decode() restricted to the names, for every attribute alone, all of them, and none', () => {
    const selections = [all, [], ...all.map((n) => [n])];
    for (const names of selections) {
      const p = family.project(names as never);
      for (const payload of payloads) expect(p.decode(payload)).toEqual(restricted(family.decode(payload), names));
    }
  });

  test('reader(): one object refilled per message, nothing left over from the previous one', () => {
    const read = family.project(all as never).reader();
    let first: unknown;
    // Every message after every other: a value of message i must not survive into message j.
    for (const a of payloads) {
      for (const b of payloads) {
        read(a);
        const got = read(b);
        first ??= got;
        expect(got).toBe(first);
        expect(got).toEqual(restricted(family.decode(b), all));
        const attrs = (got as { attrs: Record<string, unknown> }).attrs;
        for (const name of all) if (!(name in (family.decode(b) as { attrs: object }).attrs)) expect(attrs[name]).toBeUndefined();
      }
    }
  });

  test('in place: a payload in the middle of a larger buffer reads the same', () => {
    const p = family.project(all as never);
    for (const payload of payloads) {
      const buf = Buffer.concat([Buffer.alloc(13, 0xee), payload, Buffer.alloc(7, 0xee)]);
      expect(p.decode(buf, 13, 13 + payload.length)).toEqual(p.decode(payload));
    }
  });

  test('any subset of the attributes, on any message (fast-check)', () => {
    fc.assert(fc.property(fc.subarray(all), fc.nat({ max: payloads.length - 1 }), (names, i) => {
      const payload = payloads[i]!;
      expect(family.project(names as never).decode(payload)).toEqual(restricted(family.decode(payload), names));
    }), { numRuns: 300 });
  });

  test('bytes flipped or cut: DecodeError or nothing; where decode() succeeds, the same values', () => {
    const p = family.project(all as never);
    fc.assert(fc.property(
      fc.nat({ max: payloads.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.option(fc.nat()),
      (i, flips, cut) => {
        let b = Buffer.from(payloads[i]!);
        for (const [at, v] of flips) if (b.length > 0) b[at % b.length] = v;
        if (cut !== null && b.length > 0) b = b.subarray(0, cut % b.length);
        let full: Record<string, unknown> | undefined;
        try { full = family.decode(b); } catch { full = undefined; }
        try {
          const got = p.decode(b);
          if (full !== undefined) expect(got).toEqual(restricted(full, all));
        } catch (err) {
          if (!(err instanceof DecodeError)) throw new Error(`not a DecodeError: ${String(err)}`, { cause: err });
          // A projection reads what decode() reads (all attributes here): it fails where decode() does.
          expect(full).toBeUndefined();
        }
      },
    ), { numRuns: 1000 });
  });
});

test('a DecodeError counts offsets from the payload start, in place or not', () => {
  const p = rtnl.route.project(['dst', 'gateway']);
  // rtmsg (12 bytes), then RTA_DST claiming 8 bytes with only 6 there.
  const payload = Buffer.from('02200000fe0400010000000008000100c0a8', 'hex');
  const standalone = (() => { try { p.decode(payload); } catch (e) { return e as DecodeError; } return null; })();
  const inPlace = (() => { try { p.decode(Buffer.concat([Buffer.alloc(40), payload]), 40, 40 + payload.length); } catch (e) { return e as DecodeError; } return null; })();
  expect(standalone).toBeInstanceOf(DecodeError);
  expect(standalone!.offset).toBe(12);
  expect(inPlace).toBeInstanceOf(DecodeError);
  expect({ message: inPlace!.message, offset: inPlace!.offset, path: inPlace!.path })
    .toEqual({ message: standalone!.message, offset: standalone!.offset, path: standalone!.path });
});

test('a repeated attribute that the table says comes once becomes an array, as in decode()', () => {
  // rtmsg, then RTA_OIF (4) three times.
  const oif = (n: number): string => `08000400${Buffer.from(Uint32Array.of(n).buffer).toString('hex')}`;
  const payload = Buffer.from('0a000000fe03000000000000' + oif(1) + oif(2) + oif(3), 'hex');
  expect(rtnl.route.project(['oif']).decode(payload).attrs).toEqual({ oif: [1, 2, 3] });
  expect(rtnl.route.decode(payload).attrs).toEqual({ oif: [1, 2, 3] });
});

test('an unknown attribute name is refused when the projection is made', () => {
  expect(() => rtnl.route.project(['nosuch' as never])).toThrow(/no attribute 'nosuch'/);
  expect(rtnl.link.project(['ifname', 'mtu']).attrs).toEqual(['ifname', 'mtu']);
});
