/**
 * Read-only SQL for users. Two locks on the door: queries run on connections opened read-only
 * (SQLite refuses any write on them, whatever the statement), and a statement is refused before it
 * runs unless better-sqlite3 reports it read-only AND returning rows, so a write is answered with a
 * typed StoreReadOnlyError instead of an SQLite error, and statements such as BEGIN or ATTACH,
 * which return nothing, are refused as well (they would leave the shared connection changed).
 *
 * A namespace's connection shadows each of the store's tables and views with a TEMP view of the
 * same name filtered to that namespace (unqualified names resolve to temp first), so
 * `SELECT * FROM routes` on `store.namespace('a')` sees namespace 'a' only. `main.routes` still
 * reaches every namespace.
 */
import BetterSqlite3, { type Database as SqliteDb } from 'better-sqlite3';
import { StoreQueryError, StoreReadOnlyError } from './errors.js';
import { SCOPED_OBJECTS } from './schema.js';

export type QueryParams = readonly unknown[] | Readonly<Record<string, unknown>>;

function open(path: string, ns?: string): SqliteDb {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    if (ns !== undefined) {
      const label = `'${ns.replaceAll("'", "''")}'`;
      for (const name of SCOPED_OBJECTS) db.exec(`CREATE TEMP VIEW ${name} AS SELECT * FROM main.${name} WHERE ns = ${label}`);
    }
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

/** A read-only connection for users' queries, over every namespace or scoped to one. */
export class QueryConnection {
  private readonly db: SqliteDb;
  private plain: SqliteDb | null = null;

  constructor(private readonly path: string, private readonly ns?: string) {
    this.db = open(path, ns);
  }

  run<T>(sql: string, params?: QueryParams): T[] {
    let stmt: BetterSqlite3.Statement;
    try {
      stmt = this.db.prepare(sql);
    } catch (e) {
      // Scoped, the tables are views: a write fails to prepare ("cannot modify routes because it
      // is a view"). Asked of the real tables, the same statement says whether it would write.
      if (this.ns !== undefined && this.wouldWrite(sql)) throw new StoreReadOnlyError(sql, 'writes');
      throw new StoreQueryError(sql, { cause: e });
    }
    if (!stmt.readonly) throw new StoreReadOnlyError(sql, 'writes');
    if (!stmt.reader) throw new StoreReadOnlyError(sql, 'not-a-query');
    try {
      if (params === undefined) return stmt.all() as T[];
      return (Array.isArray(params) ? stmt.all(...(params as unknown[])) : stmt.all(params)) as T[];
    } catch (e) {
      throw new StoreQueryError(sql, { cause: e });
    }
  }

  close(): void {
    this.db.close();
    this.plain?.close();
  }

  private wouldWrite(sql: string): boolean {
    this.plain ??= open(this.path);
    try {
      return !this.plain.prepare(sql).readonly;
    } catch {
      return false;
    }
  }
}
