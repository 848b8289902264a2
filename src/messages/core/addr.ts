/**
 * Address text <-> bytes: IPv4/IPv6 (RFC 5952 canonical text, as ip(8) prints it) and
 * hex-colon link-layer addresses of any length. Hand-written rather than node:net because
 * decoding 100,000 routes must not allocate a Buffer per address.
 */
import { latin1Text } from '../../util/latin1.js';
import { DecodeError, EncodeError } from '../errors.js';

/*
 * Formatting writes the text's ASCII bytes into a scratch buffer and makes the string in one step:
 * one flat string per address, where concatenation would allocate a string per piece (a route
 * dump formats 200,000 addresses, and the garbage, not the arithmetic, is what costs). The buffer
 * is a workspace: nothing is kept in it from one call to the next.
 */
const scratch = Buffer.alloc(64);
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

/** scratch[0, n) as a string (latin1Text: a fifth of the cost of toString() for an address). */
const text = (n: number): string => latin1Text(scratch, 0, n);

/** Writes `v` (0..255) in decimal at scratch[n]; returns the next position. */
function putDecimal(v: number, n: number): number {
  if (v >= 100) {
    scratch[n++] = 48 + ((v / 100) | 0);
    v %= 100;
    scratch[n++] = 48 + ((v / 10) | 0);
  } else if (v >= 10) {
    scratch[n++] = 48 + ((v / 10) | 0);
  }
  scratch[n++] = 48 + (v % 10);
  return n;
}

function putIp4(b: Uint8Array, o: number, n: number): number {
  n = putDecimal(b[o]!, n);
  scratch[n++] = 46;
  n = putDecimal(b[o + 1]!, n);
  scratch[n++] = 46;
  n = putDecimal(b[o + 2]!, n);
  scratch[n++] = 46;
  return putDecimal(b[o + 3]!, n);
}

export function formatIp4(b: Uint8Array, o: number): string {
  return text(putIp4(b, o, 0));
}

export function formatIp6(b: Uint8Array, o: number): string {
  // Find the longest run (>= 2) of zero 16-bit groups; RFC 5952 compresses the first longest.
  let bestStart = -1, bestLen = 0, curStart = -1, curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (b[o + 2 * i] === 0 && b[o + 2 * i + 1] === 0) {
      if (curStart < 0) { curStart = i; curLen = 1; } else curLen++;
      if (curLen > bestLen) { bestLen = curLen; bestStart = curStart; }
    } else curStart = -1;
  }
  if (bestLen < 2) bestStart = -1;
  let n = 0;
  // IPv4-mapped (::ffff:a.b.c.d) keeps the dotted tail, as ip(8) and inet_ntop print it.
  if (bestStart === 0 && bestLen === 5 && b[o + 10] === 0xff && b[o + 11] === 0xff) {
    n = scratch.write('::ffff:', 0, 'latin1');
    return text(putIp4(b, o + 12, n));
  }
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      scratch[n++] = 58;
      if (i === 0) scratch[n++] = 58;
      i += bestLen - 1;
      continue;
    }
    // The group in hex without leading zeros.
    const g = (b[o + 2 * i]! << 8) | b[o + 2 * i + 1]!;
    if (g >= 0x1000) scratch[n++] = HEX_DIGITS[g >> 12]!;
    if (g >= 0x100) scratch[n++] = HEX_DIGITS[(g >> 8) & 15]!;
    if (g >= 0x10) scratch[n++] = HEX_DIGITS[(g >> 4) & 15]!;
    scratch[n++] = HEX_DIGITS[g & 15]!;
    if (i < 7) scratch[n++] = 58;
  }
  return text(n);
}

/** Bytes by length: 4 -> IPv4, 16 -> IPv6. */
export function formatIp(b: Uint8Array, s: number, e: number): string {
  const n = e - s;
  if (n === 4) return formatIp4(b, s);
  if (n === 16) return formatIp6(b, s);
  throw new DecodeError(`an IP address is 4 or 16 bytes, not ${n}`, { offset: s });
}

export function formatMac(b: Uint8Array, s: number, e: number): string {
  if (e <= s) return '';
  // Longer than the scratch buffer (an InfiniBand address is 20 bytes; nothing is near 21): rare.
  if (3 * (e - s) > scratch.length) return Buffer.from(b.subarray(s, e)).toString('hex').replace(/(..)(?!$)/g, '$1:');
  let n = 0;
  for (let i = s; i < e; i++) {
    if (i > s) scratch[n++] = 58;
    scratch[n++] = HEX_DIGITS[b[i]! >> 4]!;
    scratch[n++] = HEX_DIGITS[b[i]! & 15]!;
  }
  return text(n);
}

/** Parses dotted-quad text [from, to) into out[o..o+4); false if it is not one. No allocation. */
function parseIp4Into(text: string, from: number, to: number, out: Uint8Array, o: number): boolean {
  let part = 0, digits = 0, v = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || part === 3) return false;
      out[o + part++] = v;
      v = 0; digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (++digits > 3) return false;
      v = v * 10 + (c - 48);
      if (v > 255) return false;
    } else return false;
  }
  if (digits === 0 || part !== 3) return false;
  out[o + 3] = v;
  return true;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Parses IPv6 text into out[o..o+16); false if it is not one. */
function parseIp6Into(text: string, out: Uint8Array, o: number): boolean {
  const groups: number[] = [];
  let gap = -1; // index in groups where '::' stands
  let i = 0;
  const n = text.length;
  if (n < 2) return false;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return false;
    gap = 0; i = 2;
    if (i === n) { out.fill(0, o, o + 16); return true; }
  }
  while (i < n) {
    // A dotted IPv4 tail stands for the last two groups.
    let j = i, v = 0, digits = 0, dot = false;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === 58) break;
      if (c === 46) { dot = true; break; }
      const h = hexVal(c);
      if (h < 0 || ++digits > 4) return false;
      v = (v << 4) | h;
      j++;
    }
    if (dot) {
      const tmp = new Uint8Array(4);
      if (!parseIp4Into(text, i, n, tmp, 0)) return false;
      groups.push((tmp[0]! << 8) | tmp[1]!, (tmp[2]! << 8) | tmp[3]!);
      i = n;
      break;
    }
    if (digits === 0) return false;
    groups.push(v);
    if (j === n) { i = n; break; }
    // j is at ':'
    if (j + 1 < n && text.charCodeAt(j + 1) === 58) {
      if (gap >= 0) return false;
      gap = groups.length;
      i = j + 2;
      if (i === n) break;
    } else {
      i = j + 1;
      if (i === n) return false;
    }
  }
  if (groups.length > 8 || (gap < 0 && groups.length !== 8) || (gap >= 0 && groups.length > 7)) return false;
  const fill = 8 - groups.length;
  let k = 0;
  for (let g = 0; g < 8; g++) {
    let val = 0;
    if (gap >= 0 && g >= gap && g < gap + fill) val = 0;
    else val = groups[k++]!;
    out[o + 2 * g] = val >> 8;
    out[o + 2 * g + 1] = val & 0xff;
  }
  return true;
}

/**
 * Writes the address `text` ('10.0.0.1', 'fe80::1', '::ffff:1.2.3.4') into out at o (which
 * must have 16 bytes of room); returns the byte count, 4 or 16.
 */
export function parseIpInto(text: string, out: Uint8Array, o: number): 4 | 16 {
  if (typeof text !== 'string') throw new EncodeError(`expected an IP address string, got ${typeof text}`);
  if (text.indexOf(':') < 0) {
    if (!parseIp4Into(text, 0, text.length, out, o)) throw new EncodeError(`bad IPv4 address '${text}'`);
    return 4;
  }
  if (!parseIp6Into(text, out, o)) throw new EncodeError(`bad IPv6 address '${text}'`);
  return 16;
}

/** Parses '10.0.0.1' or 'fe80::1' (also '::ffff:1.2.3.4'); returns 4 or 16 bytes. */
export function parseIp(text: string): Uint8Array {
  const b = new Uint8Array(16);
  const n = parseIpInto(text, b, 0);
  return n === 4 ? b.subarray(0, 4) : b;
}

/** Parses 'aa:bb:cc:dd:ee:ff' (any number of octets, '' for none). */
export function parseMac(text: string): Uint8Array {
  if (typeof text !== 'string') throw new EncodeError(`expected a hex-colon address string, got ${typeof text}`);
  if (text === '') return new Uint8Array(0);
  const parts = text.split(':');
  const b = new Uint8Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) throw new EncodeError(`bad hex-colon address '${text}'`);
    b[i] = parseInt(p, 16);
  }
  return b;
}
