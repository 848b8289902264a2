// @ts-check
/**
 * All or nothing: a transaction of four changes whose last one the kernel refuses (a route via a
 * gateway no interface can reach). commit() undoes the three that had taken effect and rejects
 * with a CommitError; the network is left exactly as it was.
 *
 *   npm run build && node examples/04-rollback.mjs [--netns NAME]
 *
 * Without --netns it works in a throwaway network namespace (never the host's own network) and
 * removes it afterwards. With --netns NAME it works in that existing namespace and leaves it
 * (it uses eth0 there, making one if there is none).
 */
import { parseArgs } from 'node:util';
import { IPDB, NetNS } from 'nldb';

const { values: opts } = parseArgs({ options: { netns: { type: 'string' } } });
const ns = opts.netns ?? `nldb-ex-${process.pid}-rollback`;
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

/** The state this example touches, one line per object: links, IPv4 addresses, main-table IPv4 routes. */
function summary(/** @type {IPDB} */ db) {
  const name = (/** @type {number} */ i) => db.interfaces.get(i)?.ifname ?? `#${i}`;
  return [
    ...db.interfaces.toArray().map((l) => `link    ${l.ifname} mtu ${l.mtu} ${l.state}`),
    ...db.addresses.filter({ family: 4 }).map((a) => `address ${a.address}/${a.prefixlen} dev ${name(a.index)}`),
    ...db.routes.filter({ family: 4, table: 254 }).map((r) => `route   ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${name(r.oif)}`),
  ];
}

try {
  db = await IPDB.open({ netns: ns });
  if (!db.interfaces.get('eth0')) {
    // A stand-in for a real NIC: a veth pair, eth0-peer being the far end of the wire.
    await db.transaction((tx) => {
      const eth0 = tx.interfaces.create({ ifname: 'eth0', kind: 'veth', peer: 'eth0-peer' });
      eth0.addIp('192.0.2.10/24');
      eth0.state = 'up';
    });
  }
  const before = summary(db);
  console.log(['before:', ...before].join('\n  '));

  const tx = db.begin();
  tx.interfaces.eth0.mtu = 9000;
  tx.interfaces.eth0.addIp('198.51.100.7/24');
  tx.routes.add({ dst: '10.20.0.0/16', gateway: '192.0.2.1' });   // fine: 192.0.2.0/24 is on eth0
  tx.routes.add({ dst: '10.30.0.0/16', gateway: '203.0.113.1' }); // refused: no route to 203.0.113.1
  console.log(`plan:\n${tx.review()}`);
  try {
    await tx.commit({ timeout: 5000 });
    throw new Error('the kernel accepted a gateway it cannot reach?');
  } catch (err) {
    // CommitError: `op` is the operation the kernel refused, `cause` its KernelError (errno and
    // the kernel's own message), `rolledBack` whether every undo went through.
    if (!(err instanceof Error) || err.name !== 'CommitError') throw err;
    const e = /** @type {Error & { op?: { id: string }, rolledBack?: boolean }} */ (err);
    console.log(`CommitError at operation ${e.op?.id}: ${e.cause instanceof Error ? e.cause.message : e.cause}`);
    console.log(`rolled back: ${e.rolledBack}`);
  }

  // The rollback's own notifications are in the database once commit() has rejected.
  const after = summary(db);
  console.log(['after:', ...after].join('\n  '));
  const same = JSON.stringify(after) === JSON.stringify(before);
  console.log(same ? 'state after = state before' : 'STATE DIFFERS');
  if (!same) process.exitCode = 1;
} finally {
  await done();
}
