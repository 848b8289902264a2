/**
 * Transaction ids: RFC 9562 version-4 UUIDs, and distinct (the journal keys transactions by them).
 */
import { describe, expect, it, vi } from 'vitest';
import { randomId } from '../../src/util/random-id.js';

describe('randomId', () => {
  it('gives version-4 UUIDs, each different, with every random bit used', () => {
    const ids = Array.from({ length: 20_000 }, () => randomId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Each of the 122 random bits is set in some ids and clear in others (a byte stuck at a
    // value, or a word written twice, would show here).
    const hex = ids.map((id) => id.replace(/-/g, ''));
    for (let nibble = 0; nibble < 32; nibble++) {
      if (nibble === 12) continue; // the version
      const seen = new Set(hex.map((h) => parseInt(h[nibble]!, 16) & (nibble === 16 ? 0x3 : 0xf)));
      expect(seen.size, `nibble ${nibble}`).toBe(nibble === 16 ? 4 : 16);
    }
  });

  it('differs between processes whose Math.random() is seeded alike', () => {
    // Node started with the same --random-seed draws the same numbers in every process: the
    // process id and the clock tell their ids apart. (Here: the same draws replayed, as another
    // process would make them, under another pid, then at another millisecond.)
    const seeded = () => { let x = 0.123; return () => (x = (x * 9301 + 0.49297) % 1); };
    const pid = Object.getOwnPropertyDescriptor(process, 'pid')!;
    const idWith = (p: number, now: number): string => {
      const random = vi.spyOn(Math, 'random').mockImplementation(seeded());
      const clock = vi.spyOn(Date, 'now').mockReturnValue(now);
      Object.defineProperty(process, 'pid', { ...pid, value: p });
      try {
        return randomId();
      } finally {
        Object.defineProperty(process, 'pid', pid);
        random.mockRestore();
        clock.mockRestore();
      }
    };
    const t = 1_795_000_000_000;
    expect(idWith(100, t)).toBe(idWith(100, t));
    expect(idWith(100, t)).not.toBe(idWith(101, t));
    expect(idWith(100, t)).not.toBe(idWith(100, t + 1));
  });
});
