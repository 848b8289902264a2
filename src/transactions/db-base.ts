/**
 * A TxBase over one of the database's frozen snapshots (src/db): look-ups go to the snapshot's
 * sharded tables by the database's own identity keys, scans walk its shards; nothing is copied.
 * A base is worth keeping while its snapshot is current (it remembers look-ups): bases(), per
 * database, gives the same one for the same snapshot.
 */
import type { RecordByKind, RecordKind, RouteRecord } from '../iproute/records.js';
import { KEY_OF } from '../db/keys.js';
import { INDEXES } from '../db/working.js';
import { routeKeysTo, tableEntries, tableGet, tableMatching, tableValues } from '../db/table.js';
import type { DbSnapshot, Table } from '../db/types.js';
import type { TxBase, TxTable } from './base.js';

/** Look-ups remembered per view at most (then forgotten all at once). */
const REMEMBERED = 1 << 17;

function view<K extends RecordKind>(kind: K, table: Table<RecordByKind[K]>): TxTable<RecordByKind[K]> {
  // A transaction looks each of its keys up in the base several times (drafting, planning,
  // simulating): the table is immutable, so the answers are remembered. A Map finds a key by the
  // hash the engine keeps in the string; the table's shard hash is computed in JavaScript each
  // time, and costs about a microsecond per key before the JIT has warmed up.
  const seen = new Map<string, RecordByKind[K] | null>();
  return {
    source: table,
    get: (key) => {
      const known = seen.get(key);
      if (known !== undefined) return known ?? undefined;
      const r = tableGet(kind, table, key);
      if (seen.size >= REMEMBERED) seen.clear();
      seen.set(key, r ?? null);
      return r;
    },
    values: () => tableValues(table),
    entries: () => tableEntries(table),
  };
}

/**
 * From this many routes on, a transaction asks the snapshot what goes to a destination (one
 * shard's scan per question), and which routes go through a link or from an address (one pass
 * over the routes, a few questions per transaction), instead of indexing every route once per
 * snapshot: the index took about 55 ms at 100,000 routes (0.125 s for a table just loaded, whose
 * keys it had to make), and a busy database has a new snapshot for nearly every transaction.
 * Below, the index is cheaper than the questions of a big batch.
 */
const ASK_ROUTES_FROM = 4096;

/** The keys of the routes of `routes` that pass `test`: one pass, no index. */
function routeKeysWhere(routes: Table<RouteRecord>, test: (r: RouteRecord) => boolean): string[] {
  const out: string[] = [];
  tableMatching(routes, test, (key) => { out.push(key); });
  return out;
}


export function baseFromSnapshot(snapshot: DbSnapshot, opts: { netns?: string | null } = {}): TxBase {
  const t = snapshot.tables;
  const routes = t.route as Table<RouteRecord>;
  const lookup = routes.size < ASK_ROUTES_FROM ? undefined : {
    routeKeysTo: (family: 4 | 6, table: number, dst: string) => routeKeysTo(routes, family, table, dst),
    routeKeysVia: (index: number) => routeKeysWhere(routes, (r) => INDEXES['route.oif'].has(r, index)),
    routeKeysFrom: (prefsrc: string) => routeKeysWhere(routes, (r) => r.prefsrc === prefsrc),
  };
  return {
    ...(lookup ? { lookup } : {}),
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

/**
 * baseFromSnapshot() for one namespace label, remembered per snapshot: a transaction's begin(),
 * its conflict check and its plan read one base (and share its remembered look-ups) as long as
 * the database has not moved on.
 */
export function snapshotBases(netns: string | null): (snapshot: DbSnapshot) => TxBase {
  const bases = new WeakMap<DbSnapshot, TxBase>();
  return (snapshot) => {
    let b = bases.get(snapshot);
    if (b === undefined) bases.set(snapshot, (b = baseFromSnapshot(snapshot, { netns })));
    return b;
  };
}
