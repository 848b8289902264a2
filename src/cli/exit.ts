/**
 * Exit codes (documented in `nldb --help`) and the one-line error messages. Every failure ends
 * as `nldb: <what went wrong>` on stderr, one line, with the kernel's errno name and its own
 * explanation (extended ack) when the kernel refused something.
 */
import { KernelError, NetlinkError } from '../transport/index.js';

export const EXIT = {
  /** Done, and everything went as asked. */
  OK: 0,
  /** A runtime failure: the kernel refused, a system call failed, a file could not be read, input did not decode in full. */
  FAILURE: 1,
  /** The command line was wrong: unknown command or option, a missing or extra argument. */
  USAGE: 2,
  /** apply failed and undoing what it had done failed too: the state is partly changed. */
  ROLLBACK_FAILED: 3,
  /** Interrupted by SIGINT (Ctrl-C): 128 + 2, as shells report it. */
  INTERRUPTED: 130,
  /** Terminated by SIGTERM: 128 + 15. */
  TERMINATED: 143,
} as const;

/** A mistake on the command line: exit code 2, and a pointer to the command's help. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(message: string, readonly command: string | null = null) {
    super(message);
  }
}

/** A failure the command has already explained in words; `code` is its exit code. */
export class CliFailure extends Error {
  override name = 'CliFailure';
  constructor(message: string, readonly code: number = EXIT.FAILURE, options?: { cause?: unknown }) {
    super(message, options);
  }
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/** The words for an error, on one line (without the `nldb: ` prefix). */
export function describeError(err: unknown): string {
  if (err instanceof UsageError) {
    const help = err.command ? `nldb ${err.command} --help` : 'nldb --help';
    return `${oneLine(err.message)} (see '${help}')`;
  }
  if (err instanceof KernelError) {
    // Its message already reads "<operation>: EEXIST (File exists): <the kernel's own words>".
    return oneLine(err.message);
  }
  if (err instanceof NetlinkError || err instanceof CliFailure) return oneLine(err.message);
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    // Node's fs errors: "ENOENT: no such file or directory, open 'x'" is already one clear line.
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return oneLine(err.message);
    const cause = err.cause instanceof Error ? `: ${oneLine(err.cause.message)}` : '';
    return `${oneLine(err.message)}${cause}`;
  }
  return oneLine(String(err));
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError) return EXIT.USAGE;
  if (err instanceof CliFailure) return err.code;
  return EXIT.FAILURE;
}
