/**
 * Text as bytes, one character per byte (latin1). The address formatter (messages/core/addr.ts)
 * writes its text into a scratch buffer and makes the string here; the route reader
 * (ipdb/keyed-route-reader.ts) writes a key's pieces straight from a message into one buffer and
 * makes ONE flat string of it:
 * concatenation would make a rope that is copied again the first time a Map hashes it. (Not for
 * keys made from records one at a time, db/keys.ts routeKeyer: there the native call costs more
 * than the rope, measured: 10 ms against 6 for 10,000 keys put into a Map by a cold process.)
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
 * the encoding and checking bounds as making the string (measured: 18 ms of 109,004 route keys;
 * formatting an address, a fifth of toString()'s cost).
 * Undocumented but on every Buffer of the Node versions this package supports; toString() stands
 * in where a runtime lacks it.
 */
const slice = (Buffer.prototype as Buffer & { latin1Slice?: Latin1Slicer }).latin1Slice;

/** buf[start, end) as a string, one character per byte (the caller keeps the range in bounds). */
export const latin1Text: (buf: Buffer, start: number, end: number) => string = typeof slice === 'function'
  ? (buf, start, end) => slice.call(buf, start, end)
  : (buf, start, end) => buf.toString('latin1', start, end);
