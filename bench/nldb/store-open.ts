/**
 * nldb contender of the "store" benchmark, open case: IPDB loading the namespace's full state,
 * with a store file or without one (the same script, so the two differ only in the store).
 * usage: node build/bench/nldb/store-open.js NETNS [STORE_FILE [--filled]]
 *
 * WORK: load (until IPDB.open() resolves), stored (from there until the store has the loaded
 * state in the file as its baseline: a process killed after that leaves a complete baseline; 0
 * without a store), filled (with --filled: from there until the current-state SQL tables are
 * filled from the baseline, which the store does in the background and which `db.query()` waits
 * for; without --filled the process closes at once and leaves that to the next store that needs
 * them), close, fileMB (the file and its WAL after close).
 */
import { statSync } from 'node:fs';
import { emitCounts, emitWork, ipdbSizes, loadNldb, since, type NldbIPDB } from './api.js';

interface StoreDb extends NldbIPDB {
  readonly store: { flush(): Promise<void>; tablesFilled(): Promise<void> } | null;
}

function fileMB(path: string): number {
  let bytes = 0;
  for (const suffix of ['', '-wal']) {
    try { bytes += statSync(path + suffix).size; } catch { /* none */ }
  }
  return bytes / 1e6;
}

async function main(ns: string, file: string | undefined, filled: boolean): Promise<void> {
  const t0 = performance.now();
  const nldb = await loadNldb();
  const IPDB = nldb.IPDB as unknown as { open(o: { netns: string; store?: string }): Promise<StoreDb> };
  const db = await IPDB.open({ netns: ns, ...(file ? { store: file } : {}) });
  const t1 = performance.now();
  await db.store?.flush();
  const t2 = performance.now();
  if (filled) await db.store?.tablesFilled();
  const t3 = performance.now();
  emitCounts(ipdbSizes(db));
  await db.close();
  emitWork({
    load: (t1 - t0) / 1000, stored: (t2 - t1) / 1000, ...(filled ? { filled: (t3 - t2) / 1000 } : {}), close: since(t3),
    ...(file ? { fileMB: fileMB(file) } : {}),
  });
}

const [ns, file, flag] = process.argv.slice(2);
if (!ns || (flag !== undefined && flag !== '--filled')) {
  process.stderr.write('usage: store-open.js NETNS [STORE_FILE [--filled]]\n');
  process.exit(2);
}
await main(ns, file, flag === '--filled');
