/** `nldb apply FILE [--netns NAME] [--dry-run]`: a desired state, as one transaction. */
import { readFile } from 'node:fs/promises';
import { flag, parseCommand, str, type Parsed } from '../args.js';
import { checkDesired, DesiredStateError, parseDesiredText } from '../apply/desired.js';
import { draftDesired, type DraftLike } from '../apply/draft.js';
import { makeContext, readAll, type CliIo, type CommandContext } from '../context.js';
import { CliFailure, EXIT, UsageError } from '../exit.js';
import { COMMAND_HELP } from '../help.js';
import { makeProgress } from '../progress.js';
import { describeOne, errnoName, review, type Operation } from '../../transactions/index.js';
import { openDb } from './show.js';

const OPTIONS = {
  netns: { type: 'string', short: 'n' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean', short: 'j' },
} as const;

/** What apply needs of a transaction: its draft, its plan, and commit/drop. */
export interface TxLike extends DraftLike {
  plan(): readonly Operation[];
  commit(): Promise<unknown>;
  drop(): void;
}

/**
 * A failed commit: rolled back (exit 1), or not entirely (exit 3). Told apart by its name and
 * fields, as the package does not export CommitError (yet).
 */
export function commitFailure(err: unknown): CliFailure | null {
  if (!(err instanceof Error) || err.name !== 'CommitError') return null;
  const rolledBack = (err as Error & { rolledBack?: boolean }).rolledBack === true;
  return new CliFailure(err.message, rolledBack ? EXIT.FAILURE : EXIT.ROLLBACK_FAILED, { cause: err });
}

/** What a kernel error (or any error) says in a failure's JSON: its errno name and the kernel's own words. */
function kernelWords(err: unknown): { errno?: string; kernelMessage?: string; message: string } {
  const out: { errno?: string; kernelMessage?: string; message: string } = { message: err instanceof Error ? err.message : String(err) };
  const errno = errnoName(err);
  if (errno !== undefined) out.errno = errno;
  const words = (err as { kernelMessage?: unknown } | null)?.kernelMessage;
  if (typeof words === 'string') out.kernelMessage = words;
  return out;
}

/**
 * A failed apply as data, for --json (stdout; stderr keeps its one line, the exit code is the
 * same): `{ "error": name, "message", ... }`, and for a failed commit the operation the kernel
 * refused (as the review says it), its errno and the kernel's words, whether the rollback
 * completed, and the undos that failed.
 */
export function failureJson(err: unknown): Record<string, unknown> {
  const failure = err instanceof CliFailure && err.cause instanceof Error ? err.cause : err;
  const out: Record<string, unknown> = { error: failure instanceof Error ? failure.name : 'Error', message: failure instanceof Error ? failure.message : String(failure) };
  if (!(failure instanceof Error) || failure.name !== 'CommitError') return out;
  const c = failure as Error & { phase?: string; op?: Operation | null; rolledBack?: boolean; rollbackErrors?: readonly { op: Operation; error: unknown }[] };
  out.phase = c.phase;
  out.failed = c.op ? describeOne(c.op) : null;
  const cause = kernelWords(c.cause);
  if (cause.errno !== undefined) out.errno = cause.errno;
  if (cause.kernelMessage !== undefined) out.kernelMessage = cause.kernelMessage;
  out.rolledBack = c.rolledBack === true;
  out.rollbackErrors = (c.rollbackErrors ?? []).map((f) => ({ op: describeOne(f.op), ...kernelWords(f.error) }));
  return out;
}

export async function applyCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const p = parseCommand('apply', argv, OPTIONS, 1);
  const ctx = makeContext(io, p.color);
  if (p.help) { ctx.print(COMMAND_HELP.apply!); return EXIT.OK; }
  if (!flag(p, 'json')) return apply(p, ctx, io);
  try {
    return await apply(p, ctx, io);
  } catch (err) {
    // (Usage mistakes are not a result: they keep to standard error.)
    if (!(err instanceof UsageError)) ctx.print(`${JSON.stringify(failureJson(err), null, 2)}\n`);
    throw err;
  }
}

async function apply(p: Parsed, ctx: CommandContext, io: CliIo): Promise<number> {
  const file = p.positionals[0];
  if (file === undefined) throw new UsageError('apply needs a FILE with the desired state', 'apply');
  if (file === '-' && io.stdin.isTTY === true) throw new UsageError("apply - reads standard input: pipe the state in", 'apply');
  const text = file === '-' ? await readAll(io.stdin) : await readFile(file, 'utf8');

  let want;
  try {
    want = checkDesired(await parseDesiredText(text, file === '-' ? 'standard input' : file));
  } catch (err) {
    if (err instanceof DesiredStateError) throw new CliFailure(err.message, EXIT.FAILURE, { cause: err });
    throw err;
  }

  const db = await openDb(ctx, str(p, 'netns'), {});
  try {
    const tx: TxLike = db.begin();
    try {
      draftDesired(tx, want);
    } catch (err) {
      tx.drop();
      if (err instanceof DesiredStateError) throw new CliFailure(err.message, EXIT.FAILURE, { cause: err });
      throw err;
    }
    const ops = tx.plan();
    if (ops.length === 0) {
      tx.drop();
      if (flag(p, 'json')) ctx.print('[]\n');
      else ctx.note('nothing to do: the state already matches');
      return EXIT.OK;
    }
    // The review is of this plan (tx.review() would plan it all again: 10,000 routes with their
    // undos took about 40 ms), made now: after the commit there is nothing left to plan.
    const text = flag(p, 'json') ? `${JSON.stringify(ops, null, 2)}\n` : `${review(ops).trimEnd()}\n`;
    if (flag(p, 'dry-run')) {
      ctx.print(text);
      tx.drop();
      return EXIT.OK;
    }
    const progress = makeProgress(io.stderr);
    progress.update(`applying ${ops.length} operation${ops.length === 1 ? '' : 's'}…`);
    try {
      await tx.commit();
    } catch (err) {
      throw commitFailure(err) ?? err;
    } finally {
      progress.done();
    }
    ctx.print(text);
    return EXIT.OK;
  } finally {
    db.close();
  }
}
