// The process killed in the store's crash test (crash.test.ts): opens an IPDB with a store in the
// given namespace, from the BUILT package (dist/), and reports how many changes its store has
// committed to the file, every few milliseconds, until it is killed.
// usage: node storm-child.mjs DIST_DIR NETNS STORE
import { pathToFileURL } from 'node:url';

const [dist, ns, store] = process.argv.slice(2);
const { IPDB } = await import(pathToFileURL(`${dist}/index.js`).href);
const db = await IPDB.open({ netns: ns, store });
// the baseline in the file and the current-state tables filled from it: from here on every batch
// keeps the tables in step with the history
await db.store.tablesFilled();
process.stdout.write('ready\n');
for (;;) {
  // Every change recorded before flush() is committed to the file when it resolves (the count is
  // read first: more may be recorded while the flush runs).
  const recorded = db.store.stats().changes + db.store.stats().buffered;
  await db.store.flush();
  process.stdout.write(`committed ${recorded}\n`);
  await new Promise((r) => setTimeout(r, 5));
}
