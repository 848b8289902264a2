/** How strace writes bytes, re-implemented for tests from its documented output (not from nldb's parser). */

/** strace -x: printable ASCII as itself (except '"' and '\'), everything else \xNN. */
export function straceX(b: Buffer): string {
  let s = '';
  for (const c of b) s += c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  return s;
}

/** strace's default: octal escapes, padded to three digits when a digit follows. */
export function straceOctal(b: Buffer): string {
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    const next = b[i + 1];
    if (c === 0x0a) s += '\\n';
    else if (c === 0x09) s += '\\t';
    else if (c === 0x22) s += '\\"';
    else if (c === 0x5c) s += '\\\\';
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += next !== undefined && next >= 0x30 && next <= 0x37 ? `\\${c.toString(8).padStart(3, '0')}` : `\\${c.toString(8)}`;
  }
  return s;
}

/** strace -e write=all's hex dump of a buffer. */
export function straceDump(b: Buffer): string {
  const lines: string[] = [];
  for (let off = 0; off < b.length; off += 16) {
    const row = b.subarray(off, off + 16);
    const hexes = [...row].map((x) => x.toString(16).padStart(2, '0'));
    const left = hexes.slice(0, 8).join(' ');
    const right = hexes.slice(8).join(' ');
    const hexPart = `${left.padEnd(23)}  ${right.padEnd(23)}`;
    const ascii = [...row].map((x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('').padEnd(16);
    lines.push(` | ${off.toString(16).padStart(5, '0')}  ${hexPart}  ${ascii} |`);
  }
  return lines.join('\n');
}
