// @ts-check
/**
 * Keep an interface as it is: `db.interfaces.freeze('eth0')` reverts what other programs change
 * on it (its settings and addresses) until `unfreeze('eth0')`. Changes committed through this
 * database are yours and are kept.
 *
 *   npm run build && node examples/06-freeze.mjs [--netns NAME]
 *
 * "Another program" is played by a second, independent netlink socket (IPRoute), as `ip link set
 * eth0 mtu 1400` and `ip addr del ... dev eth0` would.
 *
 * Without --netns it works in a throwaway network namespace (never the host's own network) and
 * removes it afterwards. With --netns NAME it works in that existing namespace and leaves it
 * (it uses eth0 there, making one if there is none).
 */
import { parseArgs } from 'node:util';
import { IPDB, IPRoute, NetNS } from 'nldb';

const { values: opts } = parseArgs({ options: { netns: { type: 'string' } } });
const ns = opts.netns ?? `nldb-ex-${process.pid}-freeze`;
const made = opts.netns ? null : NetNS.create(ns);
/** @type {IPDB | undefined} */
let db;
/** @type {IPRoute | undefined} */
let other;
// Close everything and remove the namespace we made: on success, on error, on Ctrl-C.
const done = async () => {
  other?.close();
  db?.close();
  if (made) await made.then(() => NetNS.remove(ns)).catch(() => {});
};
for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.once(sig, () => void done().finally(() => process.exit(130)));
await made;
console.log(`namespace: ${ns}${made ? ' (throwaway)' : ''}`);

const show = (/** @type {IPDB} */ db) => {
  const l = db.interfaces.get('eth0');
  const addrs = db.addresses.filter({ index: l.index, family: 4 }).map((a) => `${a.address}/${a.prefixlen}`);
  return `eth0 mtu ${l.mtu}, addresses ${addrs.join(' ') || 'none'}`;
};

try {
  db = await IPDB.open({ netns: ns });
  if (!db.interfaces.get('eth0')) {
    // A stand-in for a real NIC: a veth pair, eth0-peer being the far end of the wire.
    await db.transaction((tx) => {
      tx.interfaces.create({ ifname: 'eth0', kind: 'veth', peer: 'eth0-peer' }).addIp('192.0.2.10/24');
    });
  }
  const mtu = db.interfaces.get('eth0').mtu;
  const address = db.addresses.filter({ index: db.interfaces.get('eth0').index, family: 4 })[0];
  if (!address) throw new Error('eth0 needs an IPv4 address for this example');
  console.log(`frozen:   ${show(db)}`);
  db.interfaces.freeze('eth0');

  // Print what happens to eth0 and its addresses, and who did it ('kernel': someone else;
  // 'commit': a transaction of this database, here the freezer's).
  db.changes$.subscribe((c) => {
    if (c.kind === 'interface') {
      const l = c.after ?? c.before;
      if (l.index === address.index) console.log(`  ${c.origin} ${c.op} eth0 ${(c.fields ?? []).map((f) => `${f}=${/** @type {any} */ (l)[f]}`).join(' ')}`);
    } else if (c.kind === 'address') {
      const a = c.after ?? c.before;
      if (a.index === address.index && a.family === 4) console.log(`  ${c.origin} ${c.op} address ${a.address}/${a.prefixlen}`);
    }
  });

  other = await IPRoute.open({ netns: ns });
  await other.link('set', { ifname: 'eth0', mtu: mtu === 1400 ? 1300 : 1400 });
  await other.addr('del', { ifname: 'eth0', address: `${address.address}/${address.prefixlen}` });

  // The freezer notices and commits a transaction that puts back what differs. (sync() first, so
  // the wait below cannot pass before the database has even seen the other program's changes.)
  await db.sync();
  await db.wait((s) => s.interfaces.get('eth0')?.mtu === mtu && s.addresses.get(`${address.address}/${address.prefixlen}`), { timeout: 5000 });
  console.log(`reverted: ${show(db)}`);

  // Our own changes are not reverted: they become what is kept.
  await db.transaction((tx) => { tx.interfaces.eth0.mtu = 9000; });
  await new Promise((r) => setTimeout(r, 200)); // the freezer would have reverted it by now
  console.log(`ours:     ${show(db)}`);
  console.log(`unfrozen: ${db.interfaces.unfreeze('eth0')}`);
} finally {
  await done();
}
