/**
 * A tiny, independent byte builder for hand-built test messages (so the tests do not check the
 * encoder against itself). Little-endian unless the name says otherwise.
 */
export const u8 = (n: number) => Buffer.from([n]);
export const u16 = (n: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(n); return b; };
export const be16 = (n: number) => { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b; };
export const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
export const s32 = (n: number) => { const b = Buffer.alloc(4); b.writeInt32LE(n); return b; };
export const u64 = (n: bigint) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(n); return b; };
export const str = (s: string) => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
export const ip4 = (s: string) => Buffer.from(s.split('.').map(Number));
export const mac = (s: string) => Buffer.from(s.split(':').map((x) => parseInt(x, 16)));

/** One netlink attribute: header, payload, zero padding to 4 bytes. */
export function nla(type: number, ...payload: Buffer[]): Buffer {
  const p = Buffer.concat(payload);
  const len = 4 + p.length;
  const pad = (4 - (len % 4)) % 4;
  const h = Buffer.alloc(4);
  h.writeUInt16LE(len, 0);
  h.writeUInt16LE(type, 2);
  return Buffer.concat([h, p, Buffer.alloc(pad)]);
}

/** struct ifinfomsg. */
export function ifinfomsg(o: { family?: number; type?: number; index?: number; flags?: number; change?: number } = {}): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt8(o.family ?? 0, 0);
  b.writeUInt16LE(o.type ?? 0, 2);
  b.writeInt32LE(o.index ?? 0, 4);
  b.writeUInt32LE(o.flags ?? 0, 8);
  b.writeUInt32LE(o.change ?? 0, 12);
  return b;
}

/** struct rtmsg. */
export function rtmsg(o: { family: number; dstLen?: number; table?: number; protocol?: number; scope?: number; type?: number }): Buffer {
  return Buffer.from([o.family, o.dstLen ?? 0, 0, 0, o.table ?? 254, o.protocol ?? 3, o.scope ?? 0, o.type ?? 1, 0, 0, 0, 0]);
}
