// A program recording a namespace into a store, as a daemon using nldb would: opens an IPDB with
// a store from the BUILT package (dist/), then obeys lines on stdin: 'sync' (the database has
// caught up with the kernel and the store has written it: answers 'synced'), 'close'.
// usage: node recorder-child.mjs DIST_DIR NETNS STORE
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const [dist, ns, store] = process.argv.slice(2);
const { IPDB } = await import(pathToFileURL(`${dist}/index.js`).href);
const db = await IPDB.open({ netns: ns, store });
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'sync') {
    await db.sync();
    await db.store.flush();
    process.stdout.write('synced\n');
  } else if (line === 'close') {
    await db.close();
    process.stdout.write('closed\n');
    break;
  }
}
