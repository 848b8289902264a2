/**
 * nldb contender of the "dump" benchmark: IPRoute dumping links, addresses and all routes.
 * usage: node build/bench/nldb/dump.js NETNS
 * getRoutes() with no filter must mean every table and both families, as `ip route show table all`:
 * the harness compares the counts with the kernel's. It imports the IPRoute module alone
 * (dist/iproute/index.js), as a program that only needs the low-level API would.
 */
import { emitCounts, emitWork, loadIPRoute, since } from './api.js';

async function main(ns: string): Promise<void> {
  const t0 = performance.now();
  const nldb = await loadIPRoute();
  const ipr = await nldb.IPRoute.open({ netns: ns });
  const t1 = performance.now();
  const links = await ipr.getLinks();
  const addresses = await ipr.getAddresses();
  const routes = await ipr.getRoutes();
  const t2 = performance.now();
  emitCounts({ links: links.length, addresses: addresses.length, routes: routes.length });
  await ipr.close();
  emitWork({ open: (t1 - t0) / 1000, dump: (t2 - t1) / 1000, close: since(t2) });
}

const ns = process.argv[2];
if (!ns) {
  process.stderr.write('usage: dump.js NETNS\n');
  process.exit(2);
}
await main(ns);
