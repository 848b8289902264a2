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
 * `group` -> `group_id`. Fields holding arrays or objects (altnames, info, multipath, metrics) are
 * JSON text columns (read them with json_each / ->>).
 *
 * This table is the definition of schema version 2 (schema.ts builds that migration from it). It
 * must not change under existing files: a new column is a new migration (ALTER TABLE ... ADD COLUMN
 * ... GENERATED ALWAYS AS (...) VIRTUAL) plus its entry here, and test/store/schema.test.ts checks
 * that every record field has a column and SCHEMA.md lists every column.
 */
import type { RecordByKind, RecordKind } from '../iproute/records.js';

export type SqlType = 'INTEGER' | 'TEXT';

export interface ColumnSpec<R> {
  /** The SQL column name. */
  readonly column: string;
  /** The record field it reads. */
  readonly field: keyof R & string;
  readonly type: SqlType;
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

const c = <R>(column: string, field: keyof R & string, type: SqlType): ColumnSpec<R> => ({ column, field, type });

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
  const cols = spec.columns.map((col) => `  ${col.column} ${col.type} GENERATED ALWAYS AS (record ->> '$.${col.field}') VIRTUAL`);
  const table = `CREATE TABLE ${spec.table} (\n  ns TEXT NOT NULL,\n  key TEXT NOT NULL,\n  record TEXT NOT NULL,\n${cols.join(',\n')},\n  UNIQUE (ns, key)\n);`;
  const indexes = spec.indexes.map((cols) => `CREATE INDEX ${spec.table}_${cols.join('_')} ON ${spec.table} (ns, ${cols.join(', ')});`);
  return [table, ...indexes].join('\n');
}
