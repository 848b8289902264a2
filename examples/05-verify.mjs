// @ts-check
/**
 * Commit, check, and keep it only if it works: switch the default route to a new gateway with a
 * `verify` hook that asks whether the gateway answers. It does not (nothing is there), so verify
 * returns false and the commit puts the old default route back.
 *
 *   npm run build && node examples/05-verify.mjs [--netns NAME]
 *
 * How the gateway is asked, with netlink only: a neighbour request with NTF_USE makes the kernel
 * resolve the address now (send ARP requests), as if a packet were waiting for it; the database
 * then shows the neighbour entry become REACHABLE, or not.
 *
 * Without --netns it works in a throwaway network namespace (never the host's own network) and
 * removes it afterwards. With --netns NAME it works in that existing namespace and leaves it
 * (it uses eth0 there, making one if there is none).
 */
import { parseArgs } from 'node:util';
import { DbTimeoutError, IPDB, NetNS } from 'nldb';

const NTF_USE = 0x01; // linux/neighbour.h
const { values: opts } = parseArgs({ options: { netns: { type: 'string' } } });
const ns = opts.netns ?? `nldb-ex-${process.pid}-verify`;
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

/** Whether `gateway` answers ARP on `ifname` within `ms` milliseconds. */
async function answers(/** @type {IPDB} */ db, /** @type {string} */ ifname, /** @type {string} */ gateway, ms = 1500) {
  await db.ipr.neigh('replace', { ifname, dst: gateway, state: 'none', flags: NTF_USE });
  try {
    await db.wait((s) => s.neighbours.find({ dst: gateway })?.state === 'REACHABLE', { timeout: ms });
    return true;
  } catch (err) {
    if (err instanceof DbTimeoutError) return false;
    throw err;
  }
}

const defaults = (/** @type {IPDB} */ db) => db.routes.filter({ dst: 'default', family: 4 }).map((r) => `default via ${r.gateway}`).join(', ') || 'none';

try {
  db = await IPDB.open({ netns: ns });
  if (!db.interfaces.get('eth0')) {
    // A stand-in for a real NIC: a veth pair, eth0-peer being the far end of the wire, and a
    // default route through the current gateway, 192.0.2.2.
    await db.transaction((tx) => {
      const eth0 = tx.interfaces.create({ ifname: 'eth0', kind: 'veth', peer: 'eth0-peer' });
      eth0.addIp('192.0.2.10/24');
      eth0.state = 'up';
      tx.interfaces['eth0-peer'].state = 'up';
      tx.routes.add({ dst: 'default', gateway: '192.0.2.2' });
    });
  }
  console.log(`before:        ${defaults(db)}`);

  try {
    await db.transaction((tx) => {
      tx.routes.replace({ dst: 'default', gateway: '192.0.2.1' });
    }, {
      timeout: 5000,
      // Runs once the kernel has acknowledged the change and the database shows it.
      verify: async () => {
        console.log(`during verify: ${defaults(db)}`);
        const ok = await answers(db, 'eth0', '192.0.2.1');
        console.log(`192.0.2.1 answers: ${ok}`);
        return ok;
      },
    });
    console.log('kept the new gateway');
  } catch (err) {
    if (!(err instanceof Error) || err.name !== 'CommitError') throw err;
    console.log(`reverted: ${err.message}`);
  }
  console.log(`after:         ${defaults(db)}`);
} finally {
  await done();
}
