/**
 * Throwaway network namespaces for tests, and `ip` as the independent witness inside them.
 *
 * Every namespace is named nldbt-<run>-<pid>-<n> (unique across parallel test files and runs) and
 * deleted in afterAll/afterEach even when the test failed; the global teardown sweeps any that a
 * crashed file left. Nothing here ever touches the host's own namespace: every `ip` call carries
 * `-n NAME`.
 *
 * `ip` is used only by tests, as a witness: the library itself never runs it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

let counter = 0;
const live = new Set<string>();

export function uniqueNetnsName(tag = 't'): string {
  const run = process.env.NLDB_TEST_RUN ?? 'local';
  counter += 1;
  return `nldbt-${run}-${process.pid.toString(36)}-${tag}${counter}`;
}

/** Creates a namespace with lo up. */
export function createNetns(tag?: string): string {
  const name = uniqueNetnsName(tag);
  execFileSync('ip', ['netns', 'add', name]);
  live.add(name);
  execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return name;
}

export function deleteNetns(name: string): void {
  live.delete(name);
  spawnSync('ip', ['netns', 'del', name]);
}

process.on('exit', () => {
  for (const name of live) spawnSync('ip', ['netns', 'del', name]);
});

/** Runs `ip -n NS args...`, throwing with ip's stderr on failure. */
export function ip(ns: string, ...args: string[]): string {
  const r = spawnSync('ip', ['-n', ns, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`ip -n ${ns} ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Runs `ip -n NS -j args...` and parses its JSON (ip prints nothing at all for an empty list). */
export function ipJson<T = any>(ns: string, ...args: string[]): T[] {
  const out = ip(ns, '-j', ...args).trim();
  return out === '' ? [] : (JSON.parse(out) as T[]);
}

/** Feeds lines to `ip -n NS -batch -`. */
export function ipBatch(ns: string, lines: string[]): void {
  const r = spawnSync('ip', ['-n', ns, '-batch', '-'], { input: lines.join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`ip -batch: ${r.stderr.trim()}`);
}

/** One namespace for the whole file (or describe block). Returns a getter, valid inside tests. */
export function useNetns(tag?: string): () => string {
  let name: string | undefined;
  beforeAll(() => { name = createNetns(tag); });
  afterAll(() => { if (name) deleteNetns(name); });
  return () => {
    if (!name) throw new Error('namespace not created yet: call inside a test or hook');
    return name;
  };
}

/** A fresh namespace for every test. */
export function useNetnsEach(tag?: string): () => string {
  let name: string | undefined;
  beforeEach(() => { name = createNetns(tag); });
  afterEach(() => { if (name) deleteNetns(name); name = undefined; });
  return () => {
    if (!name) throw new Error('namespace not created yet: call inside a test or hook');
    return name;
  };
}

/**
 * Kernel tests need root (CAP_NET_ADMIN, CAP_SYS_ADMIN for setns). With CI=true they must run,
 * so a missing privilege fails loudly instead of skipping.
 */
export function assertKernelAccess(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('kernel tests need root; run the suite as root (CI does)');
  }
}
