/**
 * `ip -batch` as a child process that runs WHILE the test's event loop keeps turning (the
 * helpers in netns.ts use spawnSync, which blocks the loop: no socket is read meanwhile).
 */
import { spawn } from 'node:child_process';

/** Feeds lines to `ip -n NS -batch -` and resolves when ip exits successfully. */
export function ipBatchAsync(ns: string, lines: readonly string[], extra: readonly string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['-n', ns, ...extra, '-batch', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ip -batch exited ${code}: ${stderr.trim().slice(0, 500)}`))));
    child.stdin.end(lines.join('\n') + '\n');
  });
}

/**
 * `ip -n NS -batch -` fed in two parts: `first` now, the rest when finish() is called (ip reads
 * and runs its lines as they come, then waits for more). Between the two, ip is by construction
 * still in the middle of its batch, however fast or slow anything else is. finish() resolves when
 * ip exits successfully.
 */
export function ipBatchInTwo(ns: string, first: readonly string[], rest: readonly string[]): { finish(): Promise<void> } {
  const child = spawn('ip', ['-n', ns, '-batch', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => { stderr += d; });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ip -batch exited ${code}: ${stderr.trim().slice(0, 500)}`))));
  });
  done.catch(() => undefined); // (reported by finish())
  child.stdin.write(first.join('\n') + '\n');
  return {
    finish: () => {
      child.stdin.end(rest.length > 0 ? rest.join('\n') + '\n' : '');
      return done;
    },
  };
}

/** n distinct /32 routes via `via` (10.128.0.0 upwards): ip batch lines for op 'add' or 'del'. */
export function hostRoutes(n: number, op: 'add' | 'del', via: string, table?: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const dst = `10.${128 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
    out.push(op === 'add' ? `route add ${dst}/32 via ${via}${table ? ` table ${table}` : ''}` : `route del ${dst}/32${table ? ` table ${table}` : ''}`);
  }
  return out;
}
