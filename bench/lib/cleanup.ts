/**
 * Leaving nothing behind: the scratch directory and the exit/signal hook that removes namespaces.
 * A run killed with SIGKILL cannot clean up; the next run sweeps what it left (see also
 * sweepOrphans() in netns.ts), recognised by the dead pid in the name.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRATCH_PREFIX = 'nldb-bench-';

export function makeScratch(): string {
  return mkdtempSync(join(tmpdir(), `${SCRATCH_PREFIX}${process.pid.toString(36)}-`));
}

/** Removes scratch directories of bench processes that no longer exist. */
export function sweepScratch(): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(tmpdir())) {
    const m = new RegExp(`^${SCRATCH_PREFIX}([0-9a-z]+)-`).exec(name);
    if (!m) continue;
    const pid = parseInt(m[1]!, 36);
    if (pid === process.pid || existsSync(`/proc/${pid}`)) continue;
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** Runs `cleanup` once: at exit (normal or after an exception) and on termination signals. */
export function installCleanup(cleanup: () => void): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    cleanup();
  };
  process.on('exit', once);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}: removing namespaces\n`);
      once();
      process.exit(code);
    });
  }
}
