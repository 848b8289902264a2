/**
 * Records as an older nldb stored them, brought to the shape this one has, as they are read
 * (checkpoint parts and rows, history). Stored JSON is never rewritten: a migration could not
 * reach the records inside checkpoint parts without decoding every one of them.
 *
 * A field added later is filled with the value every record written before it had (nldb did not
 * read those attributes before, schema version 4):
 * - routes and their next hops: `onlink` false, `encap` and `realms` null; routes' `nhid` null;
 * - rules: `invert` and `l3mdev` false, the suppressors, ranges, `ipProto` and `extra` null;
 * - addresses: `metric` null;
 * - interfaces: `alias` and `addrGenMode` null (an unknown mode: a restore leaves it as it is);
 *   `port` null (schema version 5; unknown settings: a restore leaves them as they are).
 *
 * Without this, a checkpoint taken before would differ from the live state in every route and
 * rule (db.diff), and a restore would replace them all.
 */
import type { RecordKind } from '../iproute/records.js';

/** The fields gained, with the value a record stored without them had. */
const HOP_FIELDS: Readonly<Record<string, unknown>> = { onlink: false, encap: null, realms: null };
const ROUTE_FIELDS: Readonly<Record<string, unknown>> = { ...HOP_FIELDS, nhid: null };
const ADDRESS_FIELDS: Readonly<Record<string, unknown>> = { metric: null };
const INTERFACE_FIELDS: Readonly<Record<string, unknown>> = { alias: null, addrGenMode: null, port: null };
const RULE_FIELDS: Readonly<Record<string, unknown>> = {
  invert: false, suppressPrefixlen: null, suppressIfgroup: null, l3mdev: false, uidRange: null, ipProto: null, sportRange: null,
  dportRange: null, extra: null,
};

/** `record` (a fresh object of `kind`, from JSON) completed in place; returned for chaining. */
export function upgradeStored<T>(kind: RecordKind, record: T): T {
  if (kind === 'neighbour' || record === null || typeof record !== 'object') return record;
  const r = record as Record<string, unknown>;
  if (kind !== 'route') {
    fill(r, kind === 'rule' ? RULE_FIELDS : kind === 'address' ? ADDRESS_FIELDS : INTERFACE_FIELDS);
    return record;
  }
  fill(r, ROUTE_FIELDS);
  if (Array.isArray(r.multipath)) for (const h of r.multipath as Record<string, unknown>[]) fill(h, HOP_FIELDS);
  return record;
}

function fill(x: Record<string, unknown>, fields: Readonly<Record<string, unknown>>): void {
  for (const f in fields) if (x[f] === undefined) x[f] = fields[f];
}
