/**
 * The in-place little-endian reader the transport, the route reader and the echo claims share:
 * it must read what Buffer#readUInt32LE reads, at any offset, for any value (the top bit set
 * included, where a plain `<< 24` would go negative).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { u32le } from '../../src/util/bytes.js';

describe('u32le', () => {
  it('reads what readUInt32LE reads, at any offset of a Buffer or a plain Uint8Array', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 4, maxLength: 64 }), fc.nat(), (bytes, pick) => {
      const off = pick % (bytes.length - 3);
      const buf = Buffer.from(bytes);
      expect(u32le(buf, off)).toBe(buf.readUInt32LE(off));
      expect(u32le(bytes, off)).toBe(buf.readUInt32LE(off));
    }), { numRuns: 2000 });
  });

  it('keeps the top bit: 0xffffffff and 0x80000000 come back unsigned', () => {
    expect(u32le(Buffer.from([0xff, 0xff, 0xff, 0xff]), 0)).toBe(0xffffffff);
    expect(u32le(Buffer.from([0, 0, 0, 0x80]), 0)).toBe(0x80000000);
    expect(u32le(Buffer.from([9, 0x78, 0x56, 0x34, 0x12]), 1)).toBe(0x12345678);
  });
});
