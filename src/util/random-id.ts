/**
 * A random UUID (v4) for transaction ids. They only need to be unique among the transactions of
 * one journal, not unpredictable, so the random bits come from Math.random() (V8 seeds each
 * isolate's generator from the system's entropy): the first call to the Web Crypto global loads
 * Node's crypto modules, about 2 ms of a process's first transaction in a profile (Node 20), and
 * importing `node:crypto` up front would charge 3-4 ms to every process's start-up instead.
 * The process id and the clock are mixed in too, so that processes started with the same
 * `--random-seed` (a test runner's reproducible runs) still name their transactions apart in a
 * journal they share.
 */
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** 32 random bits, as an unsigned integer. */
const word = (): number => (Math.random() * 0x1_0000_0000) >>> 0;

export function randomId(): string {
  const now = Date.now();
  const words = [word() ^ Math.imul(process.pid, 0x9e3779b1), word() ^ (now >>> 0), word() ^ Math.floor(now / 0x1_0000_0000), word()];
  const b = new Array<number>(16);
  for (let i = 0; i < 4; i++) {
    const w = words[i]!;
    b[4 * i] = w & 0xff;
    b[4 * i + 1] = (w >>> 8) & 0xff;
    b[4 * i + 2] = (w >>> 16) & 0xff;
    b[4 * i + 3] = w >>> 24;
  }
  // RFC 9562: version 4 in the high nibble of byte 6, variant 10 in the top bits of byte 8.
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.map((x) => HEX[x]!);
  return `${h[0]}${h[1]}${h[2]}${h[3]}-${h[4]}${h[5]}-${h[6]}${h[7]}-${h[8]}${h[9]}-` +
    `${h[10]}${h[11]}${h[12]}${h[13]}${h[14]}${h[15]}`;
}
