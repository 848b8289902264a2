// @ts-check
/**
 * Edit an interface the way you would edit eth0: draft the changes in a transaction, review the
 * plan, commit. The commit sends every change at once, waits until the database shows all of
 * them, and undoes them all if one fails.
 *
 *   npm run build && node examples/01-edit-interface.mjs [--netns NAME]
 *
 * Without --netns it works in a throwaway network namespace (never the host's own network) and
 * removes it afterwards. With --netns NAME it works in that existing namespace and leaves it.
 */
import { parseArgs } from 'node:util';
import { IPDB, NetNS } from 'nldb';

const { values: opts } = parseArgs({ options: { netns: { type: 'string' } } });
const ns = opts.netns ?? `nldb-ex-${process.pid}-edit`;
const made = opts.netns ? null : NetNS.create(ns);
/** @type {IPDB | undefined} */
let db;
// Close the database and remove the namespace we made: on success, on error, on Ctrl-C.
const done = async () => {
  db?.close();
  if (made) await made.then(() => NetNS.remove(ns)).catch(() => {});
};
for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.once(sig, () => void done().finally(() => process.exit(130)));
await made;
console.log(`namespace: ${ns}${made ? ' (throwaway)' : ''}`);

/** One line about a link and its IPv4 addresses, as the database sees it now. */
function describe(/** @type {IPDB} */ db, /** @type {string} */ ifname) {
  const link = db.interfaces.get(ifname);
  if (!link) return `${ifname}: none`;
  const addrs = db.addresses.filter({ index: link.index, family: 4 }).map((a) => `${a.address}/${a.prefixlen}`);
  return `${ifname}: mtu ${link.mtu}, ${link.state}, addresses ${addrs.join(' ') || 'none'}`;
}

try {
  db = await IPDB.open({ netns: ns });

  // A fresh namespace has only `lo`: make a stand-in for a real NIC, a veth pair whose far end
  // (eth0-peer) plays the wire. On a real machine you would skip this step.
  if (!db.interfaces.get('eth0')) {
    await db.transaction((tx) => {
      tx.interfaces.create({ ifname: 'eth0', kind: 'veth', peer: 'eth0-peer' });
      tx.interfaces['eth0-peer'].state = 'up';
    });
  }
  console.log(`before  ${describe(db, 'eth0')}`);

  // The draft reads like the database; each assignment is checked at once (a ValidationError
  // names the field and value), but nothing is sent before commit().
  const tx = db.begin();
  const eth0 = tx.interfaces.eth0;
  eth0.mtu = 9000;
  eth0.state = 'up';
  eth0.addIp('192.0.2.10/24');
  tx.routes.add({ dst: '198.51.100.0/24', gateway: '192.0.2.1' });

  console.log('plan (each operation with its undo):');
  console.log(tx.review());
  await tx.commit({ timeout: 5000 });

  // commit() resolved: the kernel acknowledged everything and the database already shows it.
  console.log(`after   ${describe(db, 'eth0')}`);
  for (const r of db.routes.filter({ dst: '198.51.100.0/24' })) console.log(`route   ${r.dst} via ${r.gateway} dev eth0`);

  // One interface on its own, pyroute2's `with ipdb.interfaces.eth0 as i:`: a transaction that
  // commits when the function returns and sends nothing if it throws.
  await db.interfaces.edit('eth0', (i) => {
    i.addIp('192.0.2.11/24');
  });
  console.log(`edited  ${describe(db, 'eth0')}`);
} finally {
  await done();
}
