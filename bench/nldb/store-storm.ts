/**
 * nldb contender of the "store" benchmark, storm case: an open IPDB (with a store file, or
 * without one) while `ip -batch` adds N /32 routes via 10.0.0.2 (a child process: the event loop
 * keeps turning meanwhile).
 * usage: node build/bench/nldb/store-storm.js NETNS ROUTES [STORE_FILE]
 *
 * WORK: ip (ip's own run), recorded (from ip's exit until the database holds every route and,
 * with a store, the store has committed every change to the file: store.flush()), fileMB (the
 * file and its WAL after close). COUNTS: routes (the storm's routes the database holds) and, with
 * a store, rows (the route additions in the history, read back with SQL).
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { emitCounts, emitWork, loadNldb } from './api.js';

interface StormDb {
  readonly routes: { readonly size: number };
  readonly store: { flush(): Promise<void> } | null;
  query<T>(sql: string): Promise<T[]>;
  sync(): Promise<void>;
  close(): Promise<void> | void;
}

const dstOf = (i: number) => `10.${128 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`;

function ipBatch(ns: string, lines: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('ip', ['-n', ns, '-batch', '-'], { stdio: ['pipe', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`ip -batch exited ${code}`))));
    child.stdin.end(lines.join('\n') + '\n');
  });
}

function fileMB(path: string): number {
  let bytes = 0;
  for (const suffix of ['', '-wal']) {
    try { bytes += statSync(path + suffix).size; } catch { /* none */ }
  }
  return bytes / 1e6;
}

async function main(ns: string, n: number, file: string | undefined): Promise<void> {
  const nldb = await loadNldb();
  const IPDB = nldb.IPDB as unknown as { open(o: { netns: string; store?: string }): Promise<StormDb> };
  const db = await IPDB.open({ netns: ns, ...(file ? { store: file } : {}) });
  await db.store?.flush();
  const before = db.routes.size;
  const lines = Array.from({ length: n }, (_, i) => `route add ${dstOf(i)} via 10.0.0.2`);
  const ipMs = await ipBatch(ns, lines);
  const t1 = performance.now();
  while (db.routes.size < before + n) await new Promise((r) => setTimeout(r, 2));
  await db.sync();
  await db.store?.flush();
  const recorded = (performance.now() - t1) / 1000;
  const counts: Record<string, number> = { routes: db.routes.size - before };
  if (file) {
    const [row] = await db.query<{ n: number }>("SELECT count(*) AS n FROM history WHERE kind = 'route' AND op = 'add'");
    counts.rows = row!.n;
  }
  await db.close();
  emitCounts(counts);
  emitWork({ ip: ipMs / 1000, recorded, ...(file ? { fileMB: fileMB(file) } : {}) });
}

const [ns, routes, file] = process.argv.slice(2);
if (!ns || !routes) {
  process.stderr.write('usage: store-storm.js NETNS ROUTES [STORE_FILE]\n');
  process.exit(2);
}
await main(ns, Number(routes), file);
