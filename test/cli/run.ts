/**
 * Runs the BUILT `nldb` command (dist/cli/main.js) as a child process, as a person or a script
 * would. The build is refreshed first when any source file is newer than it (CI's `npm test`
 * has just built it, so there this is a no-op); a lock directory keeps parallel test files from
 * building at the same time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const MAIN = join(ROOT, 'dist/cli/main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function builtMtime(): number {
  try { return statSync(MAIN).mtimeMs; } catch { return 0; }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function ensureBuilt(): void {
  if (builtMtime() >= newestMtime(join(ROOT, 'src'))) return;
  const lock = join(tmpdir(), 'nldb-cli-test-build.lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another test file is building; a lock older than two minutes is a crashed build's.
      try { if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true }); } catch { /* gone */ }
      if (Date.now() > deadline) throw new Error('timed out waiting for another build of dist/');
      sleep(200);
    }
  }
  try {
    if (builtMtime() >= newestMtime(join(ROOT, 'src'))) return;
    // Type errors in files other people are editing must not stop the emit; a missing output must.
    const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
    if (builtMtime() === 0) throw new Error(`npm run build produced no ${MAIN}: ${r.stdout}${r.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  env?: Record<string, string | undefined>;
}

function childEnv(env: RunOptions['env']): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env };
  // Tests decide about colour themselves.
  delete out.NO_COLOR;
  delete out.FORCE_COLOR;
  for (const [k, v] of Object.entries(env ?? {})) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

export function nldb(args: readonly string[], opts: RunOptions = {}): CliResult {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: ROOT, input: opts.input ?? '', encoding: 'utf8', env: childEnv(opts.env), maxBuffer: 1 << 28,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the command without waiting (for monitor); the caller ends it. */
export function spawnNldb(args: readonly string[], opts: RunOptions = {}) {
  return spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, env: childEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
}

/** The hex of each datagram in a capture fixture, and the command that made it. */
export interface Fixture {
  name: string;
  command: string;
  setup: string[];
  messages: { dir: string; fd: number; protocol: string; hex: string }[];
}

export function fixture(name: string): Fixture {
  return JSON.parse(readFileSync(join(ROOT, 'test/fixtures', `${name}.json`), 'utf8')) as Fixture;
}
