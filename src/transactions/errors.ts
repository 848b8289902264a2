/**
 * The transaction layer's errors. A spec or draft that cannot be planned is IPRoute's own
 * ValidationError (field, value, reason), re-exported here: nothing was sent. A conflict with a
 * concurrent change is a ConflictError: nothing was sent either. A failure after sending is a
 * CommitError, which keeps the kernel's error as its cause and says how the rollback went.
 */
import { ValidationError, showValue, type ValidationIssue } from '../iproute/errors.js';
import type { RecordKind } from '../iproute/records.js';
import { describeOne, type Operation } from './ops.js';

export { ValidationError };
export type { ValidationIssue };

/** A ValidationError for one field. */
export function invalid(field: string, value: unknown, expected: string, reason: string): ValidationError {
  return new ValidationError([{ field, value, expected, reason }]);
}

export interface Conflict {
  kind: RecordKind;
  key: string;
  /** The field changed by both, or null when the whole object is at stake. */
  field: string | null;
  /** changed: differs from what the tx began with; gone: no longer exists; exists: the tx creates it, someone else did. */
  reason: 'changed' | 'gone' | 'exists';
  atBegin: unknown;
  now: unknown;
  /** A readable name for the object: 'interface v0', 'route 10.0.0.0/24'. */
  label: string;
}

export function describeConflict(c: Conflict): string {
  if (c.reason === 'gone') return `${c.label} is gone`;
  if (c.reason === 'exists') return `${c.label} was created by someone else`;
  return c.field === null
    ? `${c.label} was changed`
    : `${c.label}: ${c.field} was changed from ${showValue(c.atBegin)} to ${showValue(c.now)}`;
}

/** Something the transaction changes was changed by someone else since begin(); nothing was sent. */
export class ConflictError extends Error {
  override readonly name: string = 'ConflictError';
  readonly conflicts: readonly Conflict[];
  constructor(conflicts: readonly Conflict[]) {
    super(`transaction conflicts with concurrent changes (commit with { overwrite: true } to apply anyway): ${conflicts.map(describeConflict).join('; ')}`);
    this.conflicts = conflicts;
  }
}

export interface OpFailure {
  op: Operation;
  error: unknown;
}

export type CommitPhase = 'send' | 'confirm' | 'verify' | 'timeout';

/** Failed undos a CommitError's message names (all of them are in rollbackErrors). */
const ROLLBACK_ERRORS_SHOWN = 3;

/**
 * An error's message after what the operation it is about is called (`label`), which a kernel
 * error names first ('route add 10.0.0.0/8 ...: EEXIST (...)') and the commit's message has
 * already said: said once.
 */
function besides(err: unknown, label: string | null): string {
  const text = err instanceof Error ? err.message : String(err);
  return label !== null && text.startsWith(`${label}: `) ? text.slice(label.length + 2) : text;
}

/**
 * A commit that did not take. `op` is the first operation the kernel refused (null when the
 * failure was not one operation's: confirmation, verification, the deadline); `cause` keeps the
 * kernel's (or the verifier's) error. `rolledBack` is true when every inverse went through;
 * otherwise `rollbackErrors` says which did not.
 */
export class CommitError extends Error {
  override readonly name: string = 'CommitError';
  readonly phase: CommitPhase;
  readonly op: Operation | null;
  readonly failures: readonly OpFailure[];
  readonly rolledBack: boolean;
  readonly rollbackErrors: readonly OpFailure[];
  readonly txId: string;

  constructor(args: {
    txId: string; phase: CommitPhase; op: Operation | null; cause: unknown; failures?: readonly OpFailure[];
    rolledBack: boolean; rollbackErrors: readonly OpFailure[];
  }) {
    const what = args.op ? `operation ${args.op.id} (${describeOne(args.op)}) failed` : `${args.phase} failed`;
    const why = args.op ? besides(args.cause, describeOne(args.op)) : besides(args.cause, null);
    // The first few undos that failed: one that fails often takes the next ones with it (a link
    // not made again: ENODEV for each of its addresses and routes), all in `rollbackErrors`.
    const shown = args.rollbackErrors.slice(0, ROLLBACK_ERRORS_SHOWN)
      .map((f) => `${f.op.id} (${describeOne(f.op)}): ${besides(f.error, describeOne(f.op))}`);
    const more = args.rollbackErrors.length - shown.length;
    const rb = args.rolledBack
      ? 'rolled back'
      : `rollback incomplete: ${shown.join('; ')}${more > 0 ? `; and ${more} more undo${more === 1 ? '' : 's'} failed (rollbackErrors)` : ''}`;
    super(`transaction ${args.txId}: ${what}: ${why}; ${rb}`, { cause: args.cause });
    this.txId = args.txId;
    this.phase = args.phase;
    this.op = args.op;
    this.failures = args.failures ?? [];
    this.rolledBack = args.rolledBack;
    this.rollbackErrors = args.rollbackErrors;
  }
}

/** A commit's deadline passed; the cause of a CommitError with phase 'timeout'. */
export class DeadlineError extends Error {
  override readonly name: string = 'DeadlineError';
  constructor(what: string, timeoutMs: number) {
    super(`${what}: deadline of ${timeoutMs} ms passed`);
  }
}

/** The errno name of a kernel error, whatever shape the transport gave it ('EEXIST'), or undefined. */
export function errnoName(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as Record<string, unknown>;
  for (const k of ['errnoName', 'code', 'errno']) {
    const v = e[k];
    if (typeof v === 'string' && /^E[A-Z0-9]+$/.test(v)) return v;
  }
  return undefined;
}
