/**
 * Records as an older nldb stored them, brought to the shape this one has, as they are read
 * (checkpoint parts and rows, history). Stored JSON is never rewritten: a migration could not
 * reach the records inside checkpoint parts without decoding every one of them.
 *
 * A field added later is filled with the value every record written before it had:
 * - routes and their next hops: `onlink` (false), `encap` and `realms` (null): nldb did not read
 *   them before.
 *
 * Without this, a checkpoint taken before would differ from the live state in every route
 * (db.diff), and a restore would replace them all.
 */
import type { RecordKind } from '../iproute/records.js';

/** `record` (a fresh object of `kind`, from JSON) completed in place; returned for chaining. */
export function upgradeStored<T>(kind: RecordKind, record: T): T {
  if (kind !== 'route' || record === null || typeof record !== 'object') return record;
  const r = record as NewFields & { multipath?: NewFields[] | null };
  fill(r);
  if (Array.isArray(r.multipath)) for (const h of r.multipath) fill(h);
  return record;
}

/** What routes and next hops gained in schema version 4. */
interface NewFields { onlink?: boolean; encap?: unknown; realms?: number | null }

function fill(x: NewFields): void {
  if (x.onlink === undefined) x.onlink = false;
  if (x.encap === undefined) x.encap = null;
  if (x.realms === undefined) x.realms = null;
}
