/**
 * A TxBase over one of the database's frozen snapshots (src/db): look-ups go to the snapshot's
 * sharded tables by the database's own identity keys, scans walk its shards; nothing is copied.
 */
import type { RecordByKind, RecordKind } from '../iproute/records.js';
import { KEY_OF } from '../db/keys.js';
import { tableEntries, tableGet } from '../db/table.js';
import type { DbSnapshot, Table } from '../db/types.js';
import type { TxBase, TxTable } from './base.js';

function view<K extends RecordKind>(kind: K, table: Table<RecordByKind[K]>): TxTable<RecordByKind[K]> {
  return {
    source: table,
    get: (key) => tableGet(kind, table, key),
    *values() {
      for (const [, r] of tableEntries(table)) yield r;
    },
    entries: () => tableEntries(table),
  };
}

export function baseFromSnapshot(snapshot: DbSnapshot, opts: { netns?: string | null } = {}): TxBase {
  const t = snapshot.tables;
  return {
    interfaces: view('interface', t.interface),
    addresses: view('address', t.address),
    routes: view('route', t.route),
    rules: view('rule', t.rule),
    neighbours: view('neighbour', t.neighbour),
    keys: KEY_OF,
    netns: opts.netns ?? null,
    source: snapshot,
  };
}
