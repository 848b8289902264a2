/**
 * Schema versions for nldb's SQLite file, one per component ('journal', 'history', ...), so each
 * component migrates its own tables independently in the shared file.
 *
 * Table `schema_versions`:
 *   component  TEXT PRIMARY KEY   -- who owns the tables ('journal')
 *   version    INTEGER NOT NULL   -- how many of the component's migrations have run
 *   updated_at INTEGER NOT NULL   -- ms since the epoch, when the last one ran
 *
 * A component's migrations are an append-only array: migration i takes version i to i + 1. Each
 * runs in its own IMMEDIATE transaction together with the version bump, so two processes opening
 * the file at once cannot both run it, and a crash leaves the schema at a whole version.
 */
import type { Database } from 'better-sqlite3';

export type Migration = string | ((db: Database) => void);

/** The file was written by a newer nldb: its schema is ahead of the migrations this one knows. */
export class SchemaError extends Error {
  override readonly name: string = 'SchemaError';
  constructor(readonly component: string, readonly found: number, readonly known: number) {
    super(`schema of ${component} is at version ${found}, this nldb knows ${known}: the file was written by a newer version`);
  }
}

const BOOTSTRAP = `CREATE TABLE IF NOT EXISTS schema_versions (
  component TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
)`;

export function schemaVersion(db: Database, component: string): number {
  db.exec(BOOTSTRAP);
  const row = db.prepare('SELECT version FROM schema_versions WHERE component = ?').get(component) as { version: number } | undefined;
  return row?.version ?? 0;
}

/** Brings `component` up to date; returns the versions before and after. */
export function migrate(db: Database, component: string, migrations: readonly Migration[], now: () => number = Date.now): { from: number; to: number } {
  db.exec(BOOTSTRAP);
  const from = schemaVersion(db, component);
  if (from > migrations.length) throw new SchemaError(component, from, migrations.length);
  const read = db.prepare('SELECT version FROM schema_versions WHERE component = ?');
  const write = db.prepare(
    'INSERT INTO schema_versions (component, version, updated_at) VALUES (?, ?, ?) ' +
    'ON CONFLICT(component) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at');
  for (;;) {
    const step = db.transaction(() => {
      // Read again inside the write lock: another process may have migrated meanwhile.
      const v = (read.get(component) as { version: number } | undefined)?.version ?? 0;
      if (v > migrations.length) throw new SchemaError(component, v, migrations.length);
      if (v === migrations.length) return false;
      const m = migrations[v]!;
      if (typeof m === 'string') db.exec(m);
      else m(db);
      write.run(component, v + 1, now());
      return true;
    });
    if (!step.immediate()) break;
  }
  return { from, to: migrations.length };
}
