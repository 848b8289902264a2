/**
 * Structural equality over record data (JSON-like: primitives, null, arrays, plain objects).
 * The kernel re-announces objects it did not change (every RTM_NEWLINK for a statistics tick, a
 * neighbour confirmed, an address whose lifetime was refreshed): a record equal to the stored one
 * is not a change, and keeps the stored object so watchers see nothing.
 */

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  if (ak.length !== Object.keys(bo).length) return false;
  for (const k of ak) {
    if (!Object.prototype.hasOwnProperty.call(bo, k) || !deepEqual(ao[k], bo[k])) return false;
  }
  return true;
}

/** The top-level fields whose values differ (present on either side). */
export function changedFields(before: object, after: object): string[] {
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const out: string[] = [];
  for (const k of Object.keys(a)) if (!deepEqual(b[k], a[k])) out.push(k);
  for (const k of Object.keys(b)) if (!(k in a)) out.push(k);
  return out;
}

/** True when every field given in `partial` equals the record's. */
export function matchesPartial(record: object, partial: object): boolean {
  const r = record as Record<string, unknown>;
  for (const [k, v] of Object.entries(partial)) {
    if (v === undefined) continue;
    if (!deepEqual(r[k], v)) return false;
  }
  return true;
}
