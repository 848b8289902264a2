/**
 * Deep-freezing records as they are stored, cheaply.
 *
 * Records are plain data: objects and arrays of primitives, a few levels deep at most (multipath
 * nexthops, metrics, link info). immer's `freeze(x, true)` does the same job but pays for its
 * generality on every node (draft checks, archetype tests, a callback per property), which shows
 * at 100,000 routes per dump. Anything that is not a plain object or an array (a Map, a class
 * instance) is left to immer, which knows how to freeze what it can draft.
 */
import { freeze } from 'immer';

export function freezeRecord<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  if (Array.isArray(value)) {
    Object.freeze(value);
    for (let i = 0; i < value.length; i++) freezeRecord(value[i]);
    return value;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return freeze(value, true);
  Object.freeze(value);
  const o = value as Record<string, unknown>;
  for (const k in o) {
    const v = o[k];
    if (v !== null && typeof v === 'object') freezeRecord(v);
  }
  return value;
}
