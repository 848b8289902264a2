// The process killed in the crash test (crash.test.ts): opens an IPDB with a store in the given
// namespace, from a build of the library, and commits one transaction of N addresses on `va`.
// usage: node crash-child.mjs DIST_DIR NETNS STORE N
import { pathToFileURL } from 'node:url';

const [dist, ns, store, count] = process.argv.slice(2);
const { IPDB } = await import(pathToFileURL(`${dist}/index.js`).href);
// The store module proper (history, checkpoints) is not what is tested: only the journal.
const db = await IPDB.open({ netns: ns, store, attachStore: () => ({ close() {} }) });
const tx = db.begin();
const va = tx.interfaces.get('va');
for (let k = 0; k < Number(count); k++) va.addIp({ address: `10.${100 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}`, prefixlen: 32 });
process.stdout.write('committing\n');
await tx.commit({ timeout: 120_000 });
process.stdout.write('committed\n');
db.close();
