/**
 * Text as bytes, one character per byte (latin1). The hot paths that make strings (route keys,
 * written as a dump is read or made later from records) write their pieces into one buffer and
 * make ONE flat string of it: concatenation would make a rope that is copied again the first time
 * a Map hashes it, and keep its pieces alive meanwhile.
 */

/** The bytes of a string of latin1 characters (addresses, names, numbers: ASCII in practice). */
export function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

type Latin1Slicer = (this: Buffer, start: number, end: number) => string;

/**
 * Buffer#latin1Slice: the binding under toString('latin1'), which spends as long again looking up
 * the encoding and checking bounds as making the string (measured: 18 ms of 109,004 route keys).
 * Undocumented but on every Buffer of the Node versions this package supports; toString() stands
 * in where a runtime lacks it.
 */
const slice = (Buffer.prototype as Buffer & { latin1Slice?: Latin1Slicer }).latin1Slice;

/** buf[start, end) as a string, one character per byte (the caller keeps the range in bounds). */
export const latin1Text: (buf: Buffer, start: number, end: number) => string = typeof slice === 'function'
  ? (buf, start, end) => slice.call(buf, start, end)
  : (buf, start, end) => buf.toString('latin1', start, end);
