/** Reading snapshots in tests. */
import type { RecordKind } from '../../src/iproute/records.js';
import { tableEntries } from '../../src/db/table.js';
import { KINDS, type AnyChange, type DbSnapshot } from '../../src/db/types.js';

export type Maps = Map<RecordKind, Map<string, unknown>>;

/** Every kind's records as key -> record Maps. */
export function asMaps(s: DbSnapshot): Maps {
  const out: Maps = new Map();
  for (const kind of KINDS) out.set(kind, new Map(tableEntries(s.tables[kind] as never)));
  return out;
}

/** Applies changes, in order, to a copy of `s`'s records, checking each `before` on the way. */
export function replay(s: DbSnapshot, changes: readonly AnyChange[]): Maps {
  const maps = asMaps(s);
  for (const c of changes) {
    const m = maps.get(c.kind)!;
    if (m.get(c.key) !== c.before) throw new Error(`change ${c.op} ${c.key}: before does not match`);
    if (c.op === 'remove') m.delete(c.key);
    else m.set(c.key, c.after);
  }
  return maps;
}

export function keys(s: DbSnapshot, kind: RecordKind): string[] {
  return [...asMaps(s).get(kind)!.keys()].sort();
}

export function records<T = unknown>(s: DbSnapshot, kind: RecordKind): T[] {
  return [...asMaps(s).get(kind)!.values()] as T[];
}

export function summary(changes: readonly AnyChange[]): string[] {
  return changes.map((c) => `${c.op} ${c.kind}${c.reason ? ` (${c.reason})` : ''}`);
}
