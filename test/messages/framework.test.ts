/**
 * The framework itself: a user-defined family (as pyroute2's register_policy allows) on an
 * explicit Registry, table mistakes caught at compile time, enums and flag sets, address text,
 * and the types derived from the tables.
 */
import { describe, expect, expectTypeOf, test } from 'vitest';
import fc from 'fast-check';
import {
  attrSet, buildMessage, decodeMessage, defineEnum, defineFamily, defineFlags, defineMessage, defineSchema,
  defineGenlFamily, EncodeError, formatIp, formatMac, genl, IFF, NUD, parseIp, parseMac, Registry, RT_SCOPE,
  RTPROT, rtnl, splitMessages, struct, type LinkMessage, type RouteMessage, type RawAttr,
} from './helpers.js';

describe('a family of your own', () => {
  const COLOUR = defineEnum('COLOUR', { red: 1, green: 2 });
  const hdr = struct('thing_hdr', [
    { name: 'version', kernel: 'th_version', type: 'u8' },
    { name: 'colour', kernel: 'th_colour', type: 'u8', enum: COLOUR },
    { name: '_pad', kernel: 'th_pad', type: 'u16', pad: true },
    { name: 'id', kernel: 'th_id', type: 'u32' },
  ]);
  const schema = defineSchema({
    'thing-attrs': attrSet('THING', [
      { type: 1, kernel: 'THING_NAME', name: 'name', codec: 'string' },
      { type: 2, kernel: 'THING_ADDR', name: 'addr', codec: 'ip' },
      { type: 3, kernel: 'THING_PORT', name: 'port', codec: 'be16' },
      { type: 4, kernel: 'THING_TAGS', name: 'tags', codec: 'nested', set: 'tag-attrs' },
    ]),
    'tag-attrs': attrSet('THING_TAG', [
      { type: 1, kernel: 'THING_TAG_VALUE', name: 'value', codec: 'string', multi: true },
    ]),
  });
  const thing = defineFamily('thing', defineMessage(schema, hdr, 'thing-attrs'), { new: 0x40, get: 0x41 }, { 0x40: 'THING_NEW', 0x41: 'THING_GET' });

  test('typed encode and decode from the tables', () => {
    const msg = { version: 1, colour: 'green' as const, id: 7, attrs: { name: 'x', addr: '192.0.2.1', port: 8080, tags: { value: ['a', 'b'] } } };
    const bytes = thing.encode(msg);
    const back = thing.decode(bytes);
    expect(back).toEqual(msg);
    expectTypeOf(back.attrs.port).toEqualTypeOf<number | undefined>();
    expectTypeOf(back.colour).toEqualTypeOf<'red' | 'green' | number>();
    expectTypeOf(back.attrs.tags).toEqualTypeOf<{ value?: string[] } & { [k: `THING_TAG_UNKNOWN_${number}`]: RawAttr | RawAttr[] | undefined } | undefined>();
    // be16 is written in network order.
    expect(bytes.subarray(8).includes(Buffer.from([0x1f, 0x90]))).toBe(true);
  });

  test('registered on an explicit registry, decodeMessage finds it; other registries do not', () => {
    const reg = new Registry().register(thing);
    const raw = splitMessages(buildMessage({ type: 0x40, flags: 0x1, seq: 3, pid: 0 }, thing.encode({ id: 9, attrs: { name: 'y' } })))[0]!;
    const d = decodeMessage(raw, reg);
    expect(d.typeName).toBe('THING_NEW');
    expect(d.family).toBe('thing');
    expect(d.decoded).toMatchObject({ id: 9, colour: 0, attrs: { name: 'y' } });
    expect(decodeMessage(raw, new Registry()).typeName).toBe('64');
    expect(() => reg.register(rtnl.link, { new: 0x40 })).toThrow(/already registered/);
    reg.unregister(thing);
    expect(reg.lookup(0x40)).toBeUndefined();
  });

  test('a generic netlink family, registered under its resolved id', () => {
    const CMD = defineEnum('FOO_CMD', { unspec: 0, get: 1 });
    const foo = defineGenlFamily(defineSchema({ 'foo-attrs': attrSet('FOO_A', [{ type: 1, kernel: 'FOO_A_N', name: 'n', codec: 'u32' }]) }), CMD, 'foo-attrs');
    const fam = defineFamily('foo', foo, {}, {});
    const reg = Registry.generic().register(fam, { foo: 0x22 });
    const raw = splitMessages(buildMessage({ type: 0x22, flags: 0x301, seq: 1, pid: 0 }, foo.encode({ cmd: 'get', version: 1, attrs: { n: 5 } })))[0]!;
    const d = decodeMessage(raw, reg);
    expect(d.decoded).toEqual({ cmd: 'get', version: 1, attrs: { n: 5 } });
    expect(d.flagNames).toEqual(['REQUEST', 'ROOT', 'MATCH']);
    expect(genl.header.size).toBe(4);
  });

  test('table mistakes are caught when the schema is compiled', () => {
    expect(() => defineSchema({ a: attrSet('A', [{ type: 1, kernel: 'A_X', name: 'x', codec: 'nested', set: 'missing' }]) })).toThrow(/unknown attribute set 'missing'/);
    expect(() => defineSchema({ a: attrSet('A', [{ type: 1, kernel: 'A_X', name: 'x', codec: 'u8' }, { type: 1, kernel: 'A_Y', name: 'y', codec: 'u8' }]) })).toThrow(/already used by A_X/);
    expect(() => defineSchema({ a: attrSet('A', [{ type: 1, kernel: 'A_X', name: 'x', codec: 'u8' }, { type: 2, kernel: 'A_Y', name: 'x', codec: 'u8' }]) })).toThrow(/used twice/);
    expect(() => defineSchema({ a: attrSet('A', [{ type: 1, kernel: 'A_X', name: 'x', codec: 'select', by: 'kind', cases: {} }]) })).toThrow(/unknown sibling 'kind'/);
  });
});

describe('derived types', () => {
  test('decode returns the types the tables describe', () => {
    expectTypeOf<LinkMessage['attrs']['ifname']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<LinkMessage['attrs']['stats64']>().exclude<undefined>().toHaveProperty('rxBytes').toEqualTypeOf<bigint>();
    expectTypeOf<LinkMessage['index']>().toEqualTypeOf<number>();
    expectTypeOf<RouteMessage['attrs']['gateway']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<RouteMessage['attrs']['metrics']>().exclude<undefined>().toHaveProperty('mtu').toEqualTypeOf<number | undefined>();
    expectTypeOf<NonNullable<RouteMessage['attrs']['multipath']>[number]['ifindex']>().toEqualTypeOf<number>();
    expectTypeOf<RouteMessage['protocol']>().toMatchTypeOf<string | number>();
    expectTypeOf(rtnl.route.types.new).toEqualTypeOf<24>();
  });
});

describe('enums and flag sets', () => {
  test('names as ip prints them, numbers when unnamed', () => {
    expect(RTPROT.name(2)).toBe('kernel');
    expect(RTPROT.name(77)).toBe(77);
    expect(RTPROT.value('static')).toBe(4);
    expect(RTPROT.value('77')).toBe(77);
    expect(() => RTPROT.value('bogus')).toThrow(RangeError);
    expect(RT_SCOPE.name(253)).toBe('link');
    expect(RT_SCOPE.name(0)).toBe('global');
  });

  test('flag sets', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (bits) => {
      expect(IFF.bits(IFF.names(bits))).toBe(bits >>> 0);
    }));
    expect(IFF.names(0x10043)).toEqual(['UP', 'BROADCAST', 'RUNNING', 'LOWER_UP']);
    expect(NUD.format(0x80)).toBe('PERMANENT');
    expect(NUD.format(0x82)).toBe('REACHABLE|PERMANENT');
    expect(defineFlags('X', { A: 1 }).names(6)).toEqual(['0x2', '0x4']);
  });
});

describe('address text', () => {
  test('RFC 5952 IPv6 forms', () => {
    const cases: [string, string][] = [
      ['20010db8000000000000000000000001', '2001:db8::1'],
      ['00000000000000000000000000000000', '::'],
      ['00000000000000000000000000000001', '::1'],
      ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'],
      ['20010000000000010000000000000001', '2001:0:0:1::1'],
      ['00010000000000020000000000030004', '1::2:0:0:3:4'],
      ['fe800000000000000000000000000000', 'fe80::'],
      ['00000000000000000000ffff01020304', '::ffff:1.2.3.4'],
    ];
    for (const [hex, text] of cases) {
      expect(formatIp(Buffer.from(hex, 'hex'), 0, 16)).toBe(text);
      expect(Buffer.from(parseIp(text)).toString('hex')).toBe(hex);
    }
  });

  test('IPv6 text agrees with the WHATWG URL parser (an independent witness) and parses back', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean(), (b, zeros) => {
      if (zeros) b.fill(0, 4, 12);
      const text = formatIp(Buffer.from(b), 0, 16);
      expect(Buffer.from(parseIp(text))).toEqual(Buffer.from(b));
      if (!text.includes('.')) expect(new URL(`http://[${text}]/`).hostname).toBe(`[${text}]`);
    }));
  });

  test('IPv4 and MAC', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (b) => {
      const t = formatIp(Buffer.from(b), 0, 4);
      expect(new URL(`http://${t}/`).hostname).toBe(t);
      expect(Buffer.from(parseIp(t))).toEqual(Buffer.from(b));
    }));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 32 }), (b) => {
      const t = formatMac(Buffer.from(b), 0, b.length);
      expect(t).toMatch(/^([0-9a-f]{2}(:[0-9a-f]{2})*)?$/);
      expect(Buffer.from(parseMac(t))).toEqual(Buffer.from(b));
    }));
    for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '', 'a.b.c.d', '1:2', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '::1.2.3', '12345::']) {
      expect(() => parseIp(bad), bad).toThrow(EncodeError);
    }
    expect(() => parseMac('zz:00')).toThrow(EncodeError);
  });
});
