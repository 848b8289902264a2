// @ts-check
/**
 * One database per network namespace: two namespaces joined by a veth pair, addressed, up, and
 * pinging each other.
 *
 *   npm run build && node examples/03-namespaces.mjs [--netns A --netns B]
 *
 * Without --netns it makes two throwaway namespaces (never touching the host's own network) and
 * removes them afterwards; with two --netns names it works in those and leaves them.
 *
 * What it runs: nldb itself never runs programs, but this example does, to prove real traffic
 * flows: `ip netns exec NS ping -c 1 -W 2 ADDRESS` (iproute2 and iputils-ping), once each way.
 * The databases then show what the pings left behind: each side's neighbour entry for the
 * other, with the other side's MAC address.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { IPDB, NetNS } from 'nldb';

const { values: opts } = parseArgs({ options: { netns: { type: 'string', multiple: true } } });
if (opts.netns && opts.netns.length !== 2) throw new Error('give two namespaces: --netns A --netns B');
const [nsA, nsB] = opts.netns ?? [`nldb-ex-${process.pid}-a`, `nldb-ex-${process.pid}-b`];
const made = opts.netns ? null : Promise.all([NetNS.create(nsA), NetNS.create(nsB)]);
/** @type {IPDB[]} */
const dbs = [];
// Close the databases and remove the namespaces we made: on success, on error, on Ctrl-C.
const done = async () => {
  for (const db of dbs) db.close();
  if (made) await made.finally(() => Promise.all([NetNS.remove(nsA), NetNS.remove(nsB)])).catch(() => {});
};
for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.once(sig, () => void done().finally(() => process.exit(130)));
await made;
console.log(`namespaces: ${nsA}, ${nsB}${made ? ' (throwaway)' : ''}`);

/** Pings `address` once from inside namespace `ns`; true when it answered. */
function ping(/** @type {string} */ ns, /** @type {string} */ address) {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'ping', '-c', '1', '-W', '2', address], { encoding: 'utf8' });
  const reply = r.stdout?.split('\n').find((l) => l.includes('bytes from'));
  console.log(`ping ${address} from ${ns}: ${reply ?? `no answer (${(r.stderr || r.error?.message || 'exit ' + r.status).trim()})`}`);
  return r.status === 0;
}

try {
  const [a, b] = await Promise.all([IPDB.open({ netns: nsA }), IPDB.open({ netns: nsB })]);
  dbs.push(a, b);

  // A transaction creates links in its own namespace: make the pair in A, then move one end to B.
  await a.transaction((tx) => { tx.interfaces.create({ ifname: 'veth-a', kind: 'veth', peer: 'veth-b' }); });
  await a.transaction((tx) => { tx.interfaces['veth-b'].moveTo(nsB); });
  // B's database hears of its new link from B's kernel.
  await b.wait((s) => s.interfaces.get('veth-b'), { timeout: 5000 });

  // Address and bring up each end, each in its own namespace's database (both at once).
  await Promise.all([
    a.transaction((tx) => {
      tx.interfaces.lo.state = 'up';
      tx.interfaces['veth-a'].addIp('10.99.0.1/24');
      tx.interfaces['veth-a'].state = 'up';
    }),
    b.transaction((tx) => {
      tx.interfaces.lo.state = 'up';
      tx.interfaces['veth-b'].addIp('10.99.0.2/24');
      tx.interfaces['veth-b'].state = 'up';
    }),
  ]);
  // The carrier comes up once both ends are up: wait until both databases say so.
  await Promise.all([
    a.wait((s) => s.interfaces.get('veth-a')?.operstate === 'UP', { timeout: 5000 }),
    b.wait((s) => s.interfaces.get('veth-b')?.operstate === 'UP', { timeout: 5000 }),
  ]);
  console.log(`${nsA}: veth-a 10.99.0.1/24 up <-> ${nsB}: veth-b 10.99.0.2/24 up`);

  const ok = [ping(nsA, '10.99.0.2'), ping(nsB, '10.99.0.1')].every(Boolean);

  // Each side resolved the other's address (ARP): its database shows the entry, with the MAC of
  // the far end as the other namespace's database knows it.
  await Promise.all([a.sync(), b.sync()]);
  const macA = a.interfaces.get('veth-a').address;
  const macB = b.interfaces.get('veth-b').address;
  for (const [db, ns, dst, mac] of /** @type {const} */ ([[a, nsA, '10.99.0.2', macB], [b, nsB, '10.99.0.1', macA]])) {
    const n = db.neighbours.find({ dst });
    console.log(`${ns} neighbour ${dst}: lladdr ${n?.lladdr ?? 'none'} (${n?.state ?? '-'}); the far end's MAC is ${mac}`);
  }
  if (!ok) process.exitCode = 1;
} finally {
  await done();
}
