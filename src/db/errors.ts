/**
 * The database's errors. Each keeps its cause; each has a `name` to test against.
 */

/** `wait()` gave up: the predicate did not hold within `timeoutMs`. */
export class DbTimeoutError extends Error {
  override readonly name = 'DbTimeoutError';
  constructor(readonly timeoutMs: number, opts: { cause?: unknown } = {}) {
    super(`condition not met within ${timeoutMs} ms`, opts);
  }
}

/** The database was closed (before `open` finished, or while a `wait` was pending). */
export class DbClosedError extends Error {
  override readonly name = 'DbClosedError';
  constructor(message = 'database closed', opts: { cause?: unknown } = {}) {
    super(message, opts);
  }
}

/** A dump failed (on open, or during a resync). `cause` is the source's error. */
export class DbSourceError extends Error {
  override readonly name = 'DbSourceError';
  constructor(readonly operation: string, opts: { cause?: unknown } = {}) {
    const why = opts.cause instanceof Error ? `: ${opts.cause.message}` : '';
    super(`${operation} failed${why}`, opts);
  }
}
