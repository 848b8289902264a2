/**
 * nldb contender of the "ipdb-open" benchmark: IPDB loading the namespace's full state.
 * usage: node build/bench/nldb/ipdb-open.js NETNS
 */
import { emitCounts, emitWork, ipdbSizes, loadNldb, since } from './api.js';

async function main(ns: string): Promise<void> {
  const t0 = performance.now();
  const nldb = await loadNldb();
  const db = await nldb.IPDB.open({ netns: ns });
  const sizes = ipdbSizes(db);
  const t1 = performance.now();
  emitCounts(sizes);
  await db.close();
  emitWork({ load: (t1 - t0) / 1000, close: since(t1) });
}

const ns = process.argv[2];
if (!ns) {
  process.stderr.write('usage: ipdb-open.js NETNS\n');
  process.exit(2);
}
await main(ns);
