/**
 * Throwaway namespaces for the benchmarks, and `ip` inside them.
 *
 * Names are nldbb-<pid in base 36>-<tag><n>: unique per harness process, and recognisable so a
 * later run can sweep what a killed run left (only namespaces whose owning pid is gone). Every
 * `ip` call here carries `-n NAME`: the host's own namespace is never touched.
 *
 * The pool is an explicit object owned by the run (no module state); run.ts calls deleteAllSync()
 * from its exit and signal handlers, so namespaces go away on failure and on Ctrl-C too.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PREFIX = 'nldbb-';

export class NetnsPool {
  private readonly live = new Set<string>();
  private counter = 0;

  constructor(private readonly scratch: string) {}

  /** Creates a namespace with lo up and IPv6 duplicate address detection off (see below). */
  create(tag: string): string {
    this.counter += 1;
    const name = `${PREFIX}${process.pid.toString(36)}-${tag}${this.counter}`;
    execFileSync('ip', ['netns', 'add', name]);
    this.live.add(name);
    try {
      ip(name, 'link', 'set', 'lo', 'up');
      // Without DAD, link-local addresses (and their local routes) appear as soon as a link is up,
      // so the state settles quickly and every contender sees the same counts. These sysctls are
      // per namespace: `ip netns exec` reads /proc/sys/net inside NAME.
      run('ip', ['netns', 'exec', name, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    } catch (err) {
      this.delete(name);
      throw err;
    }
    return name;
  }

  delete(name: string): void {
    this.live.delete(name);
    spawnSync('ip', ['netns', 'del', name]);
  }

  /** Synchronous, so it can run from 'exit' and signal handlers. */
  deleteAllSync(): void {
    for (const name of [...this.live]) this.delete(name);
  }

  names(): string[] {
    return [...this.live];
  }

  /** Feeds lines to `ip -n NAME -batch FILE` (a file: the input can be several MB). */
  batch(name: string, lines: readonly string[], label: string): void {
    const file = writeBatchFile(join(this.scratch, `${name}-${label}.batch`), lines);
    run('ip', ['-n', name, '-batch', file]);
  }
}

/** Writes lines for `ip -batch` and returns the file's path. */
export function writeBatchFile(file: string, lines: readonly string[]): string {
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/**
 * Deletes nldbb-* namespaces whose harness process no longer exists (a run killed with SIGKILL
 * cannot clean up after itself). Returns the names removed.
 */
export function sweepOrphans(): string[] {
  const removed: string[] = [];
  for (const name of listNetns()) {
    const m = /^nldbb-([0-9a-z]+)-/.exec(name);
    if (!m) continue;
    const pid = parseInt(m[1]!, 36);
    if (pid === process.pid || existsSync(`/proc/${pid}`)) continue;
    spawnSync('ip', ['netns', 'del', name]);
    removed.push(name);
  }
  return removed;
}

export function listNetns(): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '');
}

/** `ip -n NAME args...`, throwing with ip's stderr on failure. */
export function ip(name: string, ...args: string[]): string {
  return run('ip', ['-n', name, ...args]);
}

/** `ip -n NAME -j args...`, parsed (ip prints nothing at all for an empty list). */
export function ipJson<T = unknown>(name: string, ...args: string[]): T[] {
  const out = ip(name, '-j', ...args).trim();
  return out === '' ? [] : (JSON.parse(out) as T[]);
}

function run(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) throw new Error(`${command} ${args.join(' ')}: ${r.error.message}`, { cause: r.error });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.status}`}`);
  return r.stdout;
}
