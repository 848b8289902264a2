/**
 * Little-endian integers read in place from a datagram or a batch buffer, on paths that read
 * one per message of a 10,000-message batch. Buffer#readUInt32LE checks its arguments on every
 * call; these leave the bounds to the caller, who has checked the message's length already.
 */

/** The little-endian u32 at `off`; `b[off, off + 4)` must be in bounds. */
export function u32le(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16)) + b[off + 3]! * 0x1000000;
}
