/**
 * Transaction ids: RFC 9562 version-4 UUIDs, and distinct (the journal keys transactions by them).
 */
import { describe, expect, it } from 'vitest';
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
});
