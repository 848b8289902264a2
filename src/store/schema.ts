/**
 * The store's schema, as an append-only list of migrations (component 'store' in schema_versions,
 * see migrate.ts; the journal migrates its own tables in the same file as component 'journal').
 * Migration i takes a file from version i to i + 1; a file written by an older nldb is brought up
 * to date when it is opened. Never edit a migration that has shipped: add one. SCHEMA.md documents
 * the resulting schema.
 *
 *   v1  namespaces, history, checkpoints, checkpoint_rows (history and checkpoints only)
 *   v2  the current-state tables (state-tables.ts) and the convenience views
 *   v3  checkpoints stored compactly: checkpoint_parts (parts.ts, codec.ts), checkpoints.objects
 *       and .ready, checkpoint_rows as rows laid over the parts ('null': removed), namespaces.fill
 *       (the state tables are being filled from that baseline: fill.ts). Existing checkpoints keep
 *       their rows and no parts, which reads the same.
 *   v4  interfaces.alias and .addr_gen_mode; addresses.metric; routes.onlink, .encap, .realms and .nhid; rules.invert, .suppress_prefixlen, .suppress_ifgroup,
 *       .l3mdev, .uid_range, .ip_proto, .sport_range, .dport_range and .extra. Records stored
 *       before it have none of them: upgrade.ts fills them in as they are read.
 *   v5  interfaces.port (a bridge port's settings, JSON); upgrade.ts fills older records with null.
 *
 * Tables keyed by identity key are ordinary rowid tables with a UNIQUE index, not WITHOUT ROWID:
 * objects change in no particular key order, and a WITHOUT ROWID table moves whole records around
 * its B-tree on every such insert (measured: three times slower on a 100,000-route storm).
 */
import type { Migration } from './migrate.js';
import { addedColumnsDdl, STATE_TABLES, stateTableDdl } from './state-tables.js';
import { KINDS } from '../db/types.js';

export const STORE_COMPONENT = 'store';

const V1 = `
CREATE TABLE namespaces (
  ns TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  -- history rows of this namespace with id <= pruned_to have been removed by retention
  pruned_to INTEGER NOT NULL DEFAULT 0,
  -- how many history rows this namespace has (kept by the writer, read by retention)
  rows INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ns TEXT NOT NULL,
  time INTEGER NOT NULL,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  op TEXT NOT NULL,
  origin TEXT NOT NULL,
  txid TEXT,
  reason TEXT,
  fields TEXT,
  before TEXT,
  after TEXT
);
CREATE INDEX history_ns_time ON history (ns, time);
CREATE INDEX history_ns_kind_key ON history (ns, kind, key);
CREATE TABLE checkpoints (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ns TEXT NOT NULL,
  name TEXT NOT NULL,
  time INTEGER NOT NULL,
  auto INTEGER NOT NULL DEFAULT 0,
  -- the history position the checkpoint's state corresponds to (every row with id <= seq is in
  -- it, none after); NULL when it was saved from a snapshot handed in, not from the live state
  seq INTEGER,
  UNIQUE (ns, name)
);
CREATE TABLE checkpoint_rows (
  checkpoint_id INTEGER NOT NULL REFERENCES checkpoints (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  record TEXT NOT NULL,
  UNIQUE (checkpoint_id, kind, key)
);
`;

const VIEWS = `
CREATE VIEW route_nexthops AS
  SELECT r.ns, r.key AS route_key, r.family, r.table_id, r.dst, r.gateway, r.oif, 1 AS weight
    FROM routes r WHERE r.multipath IS NULL OR json_array_length(r.multipath) = 0
  UNION ALL
  SELECT r.ns, r.key, r.family, r.table_id, r.dst, nh.value ->> '$.gateway', nh.value ->> '$.oif', nh.value ->> '$.weight'
    FROM routes r, json_each(r.multipath) nh WHERE json_array_length(r.multipath) > 0;
CREATE VIEW route_flaps AS
  SELECT ns, key,
    max(coalesce(after, before) ->> '$.family') AS family,
    max(coalesce(after, before) ->> '$.table') AS table_id,
    max(coalesce(after, before) ->> '$.dst') AS dst,
    sum(op = 'add') AS adds,
    sum(op = 'remove') AS removes,
    sum(op = 'change') AS changes,
    min(sum(op = 'add'), sum(op = 'remove')) AS flaps,
    min(time) AS first_time,
    max(time) AS last_time
  FROM history WHERE kind = 'route' GROUP BY ns, key;
CREATE VIEW interface_flaps AS
  SELECT h.ns, h.key, CAST(h.key AS INTEGER) AS ifindex,
    (SELECT coalesce(l.after, l.before) ->> '$.ifname' FROM history l
      WHERE l.ns = h.ns AND l.kind = 'interface' AND l.key = h.key ORDER BY l.time DESC, l.id DESC LIMIT 1) AS ifname,
    sum(h.op = 'change' AND (h.before ->> '$.operstate') IS NOT (h.after ->> '$.operstate')) AS operstate_changes,
    sum(h.op = 'change' AND (h.before ->> '$.operstate') = 'UP' AND (h.after ->> '$.operstate') IS NOT 'UP') AS downs,
    sum(h.op = 'change' AND (h.before ->> '$.state') IS NOT (h.after ->> '$.state')) AS admin_changes,
    min(h.time) AS first_time,
    max(h.time) AS last_time
  FROM history h WHERE h.kind = 'interface' GROUP BY h.ns, h.key;
`;

const V2 = [...KINDS.map((k) => stateTableDdl(STATE_TABLES[k] as never)), VIEWS].join('\n');

const V3 = `
CREATE TABLE checkpoint_parts (
  checkpoint_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  part INTEGER NOT NULL,
  count INTEGER NOT NULL,
  data TEXT NOT NULL,
  UNIQUE (checkpoint_id, kind, part)
);
ALTER TABLE checkpoints ADD COLUMN objects INTEGER NOT NULL DEFAULT 0;
-- 0 while its parts are being written: a checkpoint nobody reads until the job that finishes it
ALTER TABLE checkpoints ADD COLUMN ready INTEGER NOT NULL DEFAULT 1;
UPDATE checkpoints SET objects = (SELECT count(*) FROM checkpoint_rows r WHERE r.checkpoint_id = checkpoints.id);
-- the checkpoint the namespace's state tables are being filled from; NULL: they are in step
ALTER TABLE namespaces ADD COLUMN fill INTEGER;
`;

/** Columns added to the state tables after V2 made them (STATE_TABLES says which, by `since`). */
const V4 = addedColumnsDdl(4);
const V5 = addedColumnsDdl(5);

export const STORE_MIGRATIONS: readonly Migration[] = [V1, V2, V3, V4, V5];

/** The tables and views a namespace-scoped query sees filtered to its namespace (all have `ns`). */
export const SCOPED_OBJECTS: readonly string[] = [
  ...KINDS.map((k) => STATE_TABLES[k].table),
  'history',
  'checkpoints',
  'route_nexthops',
  'route_flaps',
  'interface_flaps',
];
