/**
 * IPv4 and IPv6 addresses: strict parsing into bytes, and canonical text.
 *
 * Parsing is strict where the usual C parsers are lax: no leading zeros in an IPv4 octet ('010'
 * would be octal to inet_aton, decimal to others: refused as ambiguous), exactly four octets, no
 * zone index ('fe80::1%eth0': netlink carries the interface separately), hex groups of 1..4 digits.
 *
 * Text is printed the way glibc's inet_ntop prints it, so records equal what `ip -j` shows:
 * lower case, the longest run (first of equals) of two or more zero groups as '::', and an IPv4
 * tail for IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses.
 */

export type IpFamily = 4 | 6;

const DEC_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Parses a dotted quad into 4 bytes, or returns null. */
export function parseIPv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!DEC_OCTET.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

/** Parses any RFC 4291 text form (compressed, with an IPv4 tail) into 16 bytes, or returns null. */
export function parseIPv6(text: string): Uint8Array | null {
  if (text.length < 2 || text.length > 45) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  const groups: number[] = [];
  const tailGroups: number[] = [];
  const readGroups = (parts: string[], into: number[], mayEndInV4: boolean): boolean => {
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (mayEndInV4 && i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (!v4) return false;
        into.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!HEX_GROUP.test(p)) return false;
        into.push(parseInt(p, 16));
      }
    }
    return true;
  };
  if (halves.length === 1) {
    if (!readGroups(head, groups, true) || groups.length !== 8) return null;
  } else {
    if (!readGroups(head, groups, false) || !readGroups(tail, tailGroups, true)) return null;
    // '::' stands for at least one zero group.
    if (groups.length + tailGroups.length > 7) return null;
    while (groups.length + tailGroups.length < 8) groups.push(0);
    groups.push(...tailGroups);
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = groups[i]! >> 8;
    out[2 * i + 1] = groups[i]! & 0xff;
  }
  return out;
}

export interface ParsedIp {
  family: IpFamily;
  bytes: Uint8Array;
  /** Canonical text (see formatIp). */
  text: string;
}

/** Parses either family; the presence of ':' decides which. */
export function parseIp(text: string): ParsedIp | null {
  if (text.includes(':')) {
    const bytes = parseIPv6(text);
    return bytes ? { family: 6, bytes, text: formatIPv6(bytes) } : null;
  }
  const bytes = parseIPv4(text);
  return bytes ? { family: 4, bytes, text: formatIPv4(bytes) } : null;
}

export function formatIPv4(b: Uint8Array, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

export function formatIPv6(b: Uint8Array, off = 0): string {
  const w: number[] = new Array(8);
  for (let i = 0; i < 8; i++) w[i] = (b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!;
  // Longest run of zero groups, first one on a tie; a single zero group is not compressed.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;
  // glibc prints an IPv4 tail for ::a.b.c.d and ::ffff:a.b.c.d.
  const v4Tail = bestStart === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff));
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += '::';
      i += bestLen - 1;
      continue;
    }
    if (v4Tail && i === 6) {
      if (!s.endsWith(':')) s += ':';
      s += `${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
      break;
    }
    if (s !== '' && !s.endsWith(':')) s += ':';
    s += w[i]!.toString(16);
  }
  return s;
}

export function formatIp(family: IpFamily, b: Uint8Array, off = 0): string {
  return family === 4 ? formatIPv4(b, off) : formatIPv6(b, off);
}

export const familyBits = (family: IpFamily): number => (family === 4 ? 32 : 128);

/** True when any bit past `prefixlen` is set. */
export function hostBitsSet(bytes: Uint8Array, prefixlen: number): boolean {
  for (let bit = prefixlen; bit < bytes.length * 8; bit++) {
    if (bytes[bit >> 3]! & (0x80 >> (bit & 7))) return true;
  }
  return false;
}

/** A copy of `bytes` with every bit past `prefixlen` cleared. */
export function maskBytes(bytes: Uint8Array, prefixlen: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let bit = prefixlen; bit < out.length * 8; bit++) out[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return out;
}

export function isMulticast(family: IpFamily, b: Uint8Array): boolean {
  return family === 4 ? (b[0]! & 0xf0) === 0xe0 : b[0] === 0xff;
}
