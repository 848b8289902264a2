/**
 * The current-state tables users query with SQL: one per record kind, one row per object.
 *
 * Each row keeps the whole record as JSON (`record`), written once per change from the same JSON
 * the history row carries; every other column is a VIRTUAL generated column reading one field of
 * it (`record ->> '$.oif'`). So the write path serialises a record once, the columns can never
 * disagree with the record, and SQLite computes them only when a query (or an index) reads them.
 *
 * Column names are the record's field names in snake_case, except where the field name is an SQL
 * keyword users would otherwise have to quote: `index` -> `ifindex`, `table` -> `table_id`,
 * `group` -> `group_id`. Fields holding arrays or objects (altnames, info, multipath, metrics, encap,
 * rules' ranges) are JSON text columns (read them with json_each / ->>).
 *
 * Its columns without `since` are the definition of schema version 2 (schema.ts builds that
 * migration from them). They must not change under existing files: a new column is an entry here
 * with `since` set to a new schema version, whose migration adds it (addedColumnsDdl: ALTER TABLE
 * ... ADD COLUMN ... VIRTUAL); test/store/schema.test.ts checks that every record field has a
 * column and SCHEMA.md lists every column.
 */
import type { RecordByKind, RecordKind } from '../iproute/records.js';

export type SqlType = 'INTEGER' | 'TEXT';

export interface ColumnSpec<R> {
  /** The SQL column name. */
  readonly column: string;
  /** The record field it reads. */
  readonly field: keyof R & string;
  readonly type: SqlType;
  /** The schema version that added it, when later than 2 (which made the tables). */
  readonly since?: number;
}

export interface StateTable<R> {
  readonly table: string;
  readonly columns: readonly ColumnSpec<R>[];
  /**
   * Secondary indexes (after `ns`), for the joins the docs show. Each costs every write of the
   * table; an index whose values arrive in random order (a route's dst) costs most: none of those.
   */
  readonly indexes: readonly (readonly string[])[];
}

const c = <R>(column: string, field: keyof R & string, type: SqlType, since?: number): ColumnSpec<R> =>
  (since === undefined ? { column, field, type } : { column, field, type, since });

export const STATE_TABLES: { readonly [K in RecordKind]: StateTable<RecordByKind[K]> } = {
  interface: {
    table: 'interfaces',
    columns: [
      c('ifindex', 'index', 'INTEGER'),
      c('ifname', 'ifname', 'TEXT'),
      c('kind', 'kind', 'TEXT'),
      c('mtu', 'mtu', 'INTEGER'),
      c('address', 'address', 'TEXT'),
      c('state', 'state', 'TEXT'),
      c('operstate', 'operstate', 'TEXT'),
      c('master', 'master', 'INTEGER'),
      c('link', 'link', 'INTEGER'),
      c('link_netnsid', 'linkNetnsid', 'INTEGER'),
      c('flags', 'flags', 'INTEGER'),
      c('broadcast', 'broadcast', 'TEXT'),
      c('txqlen', 'txqlen', 'INTEGER'),
      c('group_id', 'group', 'INTEGER'),
      c('qdisc', 'qdisc', 'TEXT'),
      c('altnames', 'altnames', 'TEXT'),
      c('info', 'info', 'TEXT'),
      c('slave_kind', 'slaveKind', 'TEXT'),
      c('alias', 'alias', 'TEXT', 4),
      c('addr_gen_mode', 'addrGenMode', 'TEXT', 4),
      c('port', 'port', 'TEXT', 5),
    ],
    indexes: [['ifindex'], ['ifname']],
  },
  address: {
    table: 'addresses',
    columns: [
      c('ifindex', 'index', 'INTEGER'),
      c('family', 'family', 'INTEGER'),
      c('address', 'address', 'TEXT'),
      c('prefixlen', 'prefixlen', 'INTEGER'),
      c('peer', 'peer', 'TEXT'),
      c('broadcast', 'broadcast', 'TEXT'),
      c('label', 'label', 'TEXT'),
      c('scope', 'scope', 'TEXT'),
      c('flags', 'flags', 'INTEGER'),
      c('metric', 'metric', 'INTEGER', 4),
    ],
    indexes: [['ifindex']],
  },
  route: {
    table: 'routes',
    columns: [
      c('family', 'family', 'INTEGER'),
      c('table_id', 'table', 'INTEGER'),
      c('dst', 'dst', 'TEXT'),
      c('src', 'src', 'TEXT'),
      c('gateway', 'gateway', 'TEXT'),
      c('oif', 'oif', 'INTEGER'),
      c('priority', 'priority', 'INTEGER'),
      c('protocol', 'protocol', 'TEXT'),
      c('scope', 'scope', 'TEXT'),
      c('type', 'type', 'TEXT'),
      c('multipath', 'multipath', 'TEXT'),
      c('prefsrc', 'prefsrc', 'TEXT'),
      c('tos', 'tos', 'INTEGER'),
      c('metrics', 'metrics', 'TEXT'),
      c('pref', 'pref', 'TEXT'),
      c('onlink', 'onlink', 'INTEGER', 4),
      c('encap', 'encap', 'TEXT', 4),
      c('realms', 'realms', 'INTEGER', 4),
      c('nhid', 'nhid', 'INTEGER', 4),
    ],
    indexes: [['oif']],
  },
  rule: {
    table: 'rules',
    columns: [
      c('family', 'family', 'INTEGER'),
      c('priority', 'priority', 'INTEGER'),
      c('table_id', 'table', 'INTEGER'),
      c('src', 'src', 'TEXT'),
      c('dst', 'dst', 'TEXT'),
      c('action', 'action', 'TEXT'),
      c('goto', 'goto', 'INTEGER'),
      c('iifname', 'iifname', 'TEXT'),
      c('oifname', 'oifname', 'TEXT'),
      c('fwmark', 'fwmark', 'INTEGER'),
      c('fwmask', 'fwmask', 'INTEGER'),
      c('tos', 'tos', 'INTEGER'),
      c('protocol', 'protocol', 'TEXT'),
      c('invert', 'invert', 'INTEGER', 4),
      c('suppress_prefixlen', 'suppressPrefixlen', 'INTEGER', 4),
      c('suppress_ifgroup', 'suppressIfgroup', 'INTEGER', 4),
      c('l3mdev', 'l3mdev', 'INTEGER', 4),
      c('uid_range', 'uidRange', 'TEXT', 4),
      c('ip_proto', 'ipProto', 'INTEGER', 4),
      c('sport_range', 'sportRange', 'TEXT', 4),
      c('dport_range', 'dportRange', 'TEXT', 4),
      c('extra', 'extra', 'TEXT', 4),
    ],
    indexes: [],
  },
  neighbour: {
    table: 'neighbours',
    columns: [
      c('ifindex', 'index', 'INTEGER'),
      c('family', 'family', 'INTEGER'),
      c('dst', 'dst', 'TEXT'),
      c('lladdr', 'lladdr', 'TEXT'),
      c('state', 'state', 'TEXT'),
      c('flags', 'flags', 'INTEGER'),
    ],
    indexes: [['ifindex']],
  },
};

/** CREATE TABLE and CREATE INDEX statements for one kind's table. */
export function stateTableDdl(spec: StateTable<unknown>): string {
  const cols = spec.columns.filter((col) => col.since === undefined).map((col) => `  ${columnDdl(col)}`);
  const table = `CREATE TABLE ${spec.table} (\n  ns TEXT NOT NULL,\n  key TEXT NOT NULL,\n  record TEXT NOT NULL,\n${cols.join(',\n')},\n  UNIQUE (ns, key)\n);`;
  const indexes = spec.indexes.map((cols) => `CREATE INDEX ${spec.table}_${cols.join('_')} ON ${spec.table} (ns, ${cols.join(', ')});`);
  return [table, ...indexes].join('\n');
}

function columnDdl(col: ColumnSpec<unknown>): string {
  return `${col.column} ${col.type} GENERATED ALWAYS AS (record ->> '$.${col.field}') VIRTUAL`;
}

/** The columns schema version `version` added to the state tables (SQLite adds VIRTUAL ones in place). */
export function addedColumnsDdl(version: number): string {
  const out: string[] = [];
  for (const spec of Object.values(STATE_TABLES) as StateTable<unknown>[]) {
    for (const col of spec.columns) if (col.since === version) out.push(`ALTER TABLE ${spec.table} ADD COLUMN ${columnDdl(col)};`);
  }
  return out.join('\n');
}
