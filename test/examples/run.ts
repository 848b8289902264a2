/**
 * Runs an example (examples/*.mjs) as a child process, the way a user would after `npm run
 * build`: `node examples/X.mjs [--netns NS]`. The examples import the BUILT package ('nldb' →
 * dist/), so the build is refreshed first when a source file is newer (the CLI tests' lock-guarded
 * ensureBuilt()).
 *
 * leftovers(pid) lists the namespaces an example run without --netns would have left: every
 * example names its throwaway namespaces nldb-ex-<its pid>-...
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ensureBuilt, ROOT } from '../cli/run.js';

export { ensureBuilt, ROOT };

export interface ExampleRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  pid: number;
  lines: string[];
}

/** Runs `node examples/<file> args...` to its end (at most `timeoutMs`). */
export function runExample(file: string, args: readonly string[] = [], timeoutMs = 45_000): ExampleRun {
  const r = spawnSync(process.execPath, [join(ROOT, 'examples', file), ...args], {
    cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGINT', maxBuffer: 1 << 26,
  });
  if (r.error) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, pid: r.pid, lines: r.stdout.split('\n') };
}

/** Starts an example without waiting for it (to interrupt it). */
export function spawnExample(file: string, args: readonly string[] = []) {
  return spawn(process.execPath, [join(ROOT, 'examples', file), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Asserts a clean run (exit code 0), showing the example's output when it was not. */
export function expectSuccess(run: ExampleRun): void {
  expect({ code: run.code, signal: run.signal, stderr: run.stderr }, `stdout:\n${run.stdout}`).toEqual({ code: 0, signal: null, stderr: '' });
}

/** Named namespaces left by the example process `pid` (its throwaway ones are nldb-ex-<pid>-*). */
export function leftovers(pid: number): string[] {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  return out.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`nldb-ex-${pid}-`));
}

/**
 * Asserts that `lines` contain the `wanted` lines (each matching exactly, or by RegExp), in this
 * order, possibly with others in between.
 */
export function expectInOrder(lines: readonly string[], wanted: readonly (string | RegExp)[]): void {
  let at = 0;
  for (const w of wanted) {
    const i = lines.findIndex((l, j) => j >= at && (typeof w === 'string' ? l === w : w.test(l)));
    expect(i, `line ${String(w)} (after line ${at}) in:\n${lines.join('\n')}`).toBeGreaterThanOrEqual(0);
    at = i + 1;
  }
}
