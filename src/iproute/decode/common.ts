/**
 * Small helpers shared by the message → record mappers. Kept allocation-free on the hot path:
 * a route dump maps 100,000 messages.
 */
import type { Family } from '../records.js';

export const AF_INET = 2;
export const AF_INET6 = 10;

/** 4 / 6 for the IP families, 0 for anything else (bridge, MPLS, multicast routing...). */
export function ipFamily(af: number): Family | 0 {
  return af === AF_INET ? 4 : af === AF_INET6 ? 6 : 0;
}

/** An enum field as the codec decodes it (its name, or the number when unnamed) as a record string. */
export function enumText(v: string | number): string {
  return typeof v === 'string' ? v : String(v);
}

/**
 * Kind-specific data made plain for a record: JSON-serialisable, no bigint or Buffer, and without
 * the attributes the codec could not name (records carry what nldb understands; the raw decoded
 * message is there for the rest).
 */
export function plainData(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'bigint' ? Number(value) : value;
  }
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (Array.isArray(value)) return value.map(plainData);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key.includes('_UNKNOWN_')) continue;
    out[key] = plainData((value as Record<string, unknown>)[key]);
  }
  return out;
}
