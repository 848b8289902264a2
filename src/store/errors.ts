/**
 * The store's errors. Each keeps its cause (the SQLite error, the worker's failure). A file whose
 * schema is newer than this nldb raises SchemaError (migrate.ts).
 */

export class StoreError extends Error {
  override readonly name: string = 'StoreError';
}

/** The store (or the namespace handle) was closed. */
export class StoreClosedError extends StoreError {
  override readonly name: string = 'StoreClosedError';
  constructor(message = 'store closed') {
    super(message);
  }
}

/** A batch of writes failed in the writer thread (disk full, the file removed, a bug). */
export class StoreWriteError extends StoreError {
  override readonly name: string = 'StoreWriteError';
  constructor(readonly what: string, readonly code: string | undefined, options: { cause: unknown }) {
    super(`store write failed (${what}): ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`, options);
  }
}

/** `query()` was given a statement that writes, or one that returns no rows (BEGIN, ATTACH). */
export class StoreReadOnlyError extends StoreError {
  override readonly name: string = 'StoreReadOnlyError';
  constructor(readonly sql: string, readonly reason: 'writes' | 'not-a-query') {
    super(reason === 'writes'
      ? `query() is read-only: this statement would write: ${sql}`
      : `query() runs only statements that return rows: ${sql}`);
  }
}

/** A query failed to prepare or run (a syntax error, an unknown column). */
export class StoreQueryError extends StoreError {
  override readonly name: string = 'StoreQueryError';
  constructor(readonly sql: string, options: { cause: unknown }) {
    super(`query failed: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`, options);
  }
}

export class CheckpointNotFoundError extends StoreError {
  override readonly name: string = 'CheckpointNotFoundError';
  constructor(readonly ns: string, readonly checkpoint: string) {
    super(`no checkpoint '${checkpoint}' in namespace '${ns}'`);
  }
}

export class CheckpointExistsError extends StoreError {
  override readonly name: string = 'CheckpointExistsError';
  constructor(readonly ns: string, readonly checkpoint: string) {
    super(`checkpoint '${checkpoint}' already exists in namespace '${ns}' (pass { replace: true } to overwrite it)`);
  }
}

/**
 * `at(time)` was asked about a moment the store cannot rebuild: before the namespace was first
 * recorded, or before what retention kept.
 */
export class HistoryRangeError extends StoreError {
  override readonly name: string = 'HistoryRangeError';
  constructor(readonly ns: string, readonly time: number, readonly earliest: number | null) {
    super(earliest === null
      ? `namespace '${ns}' has no recorded state`
      : `cannot rebuild namespace '${ns}' at ${new Date(time).toISOString()}: the earliest recoverable moment is ${new Date(earliest).toISOString()}`);
  }
}
