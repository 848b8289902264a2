// @ts-check
/**
 * Watch the network change: subscribe to `db.changes$` and print every change once, in order,
 * with where it came from: 'commit' (our own transactions), 'kernel' (anything else: another
 * program, the kernel itself) or 'resync'. Then make a few changes and stop.
 *
 *   npm run build && node examples/02-subscribe.mjs [--netns NAME]
 *
 * Without --netns it works in a throwaway network namespace (never the host's own network) and
 * removes it afterwards. With --netns NAME it works in that existing namespace and leaves it.
 */
import { parseArgs } from 'node:util';
import { IPDB, IPRoute, NetNS } from 'nldb';

const { values: opts } = parseArgs({ options: { netns: { type: 'string' } } });
const ns = opts.netns ?? `nldb-ex-${process.pid}-watch`;
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
// However it goes, stop after 10 s.
setTimeout(() => { console.error('timed out'); process.exitCode = 1; void done(); }, 10_000).unref();
await made;
console.log(`namespace: ${ns}${made ? ' (throwaway)' : ''}`);

/** A short description of one change's object: `sub0`, `10.7.0.1/24 dev sub0`, `10.8.0.0/16 via 10.7.0.254`. */
function label(/** @type {import('nldb').AnyChange} */ c, /** @type {Map<number, string>} */ names) {
  const dev = (/** @type {number | null} */ i) => (i === null ? '' : ` dev ${names.get(i) ?? `#${i}`}`);
  switch (c.kind) {
    case 'interface': { const r = c.after ?? c.before; return r ? r.ifname : c.key; }
    case 'address': { const r = c.after ?? c.before; return r ? `${r.address}/${r.prefixlen}${dev(r.index)}` : c.key; }
    case 'route': { const r = c.after ?? c.before; return r ? `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${dev(r.oif)} table ${r.table}` : c.key; }
    case 'neighbour': { const r = c.after ?? c.before; return r ? `${r.dst} ${r.state}${dev(r.index)}` : c.key; }
    default: return c.key;
  }
}

try {
  db = await IPDB.open({ netns: ns });
  // Names of links by index, kept even after a link is gone, to describe what went with it.
  const names = new Map([...db.interfaces].map((l) => [l.index, l.ifname]));
  db.changes$.subscribe({
    next(c) {
      if (c.kind === 'interface' && c.after) names.set(c.after.index, c.after.ifname);
      // For a change, the fields that differ and their new values: `mtu=1400`.
      const fields = c.op === 'change' && c.fields
        ? ' ' + c.fields.map((f) => `${f}=${JSON.stringify(/** @type {any} */ (c.after)[f])}`).join(' ') : '';
      console.log(`${c.origin.padEnd(7)} ${c.op.padEnd(6)} ${c.kind.padEnd(9)} ${label(c, names)}${fields}${c.reason ? ` (${c.reason})` : ''}`);
    },
    complete() { console.log('changes$ completed (database closed)'); },
  });

  // 1. Our own transaction: a veth pair, up, with an address and a route.
  await db.transaction((tx) => {
    const sub0 = tx.interfaces.create({ ifname: 'sub0', kind: 'veth', peer: 'sub1', state: 'up' });
    sub0.addIp('10.7.0.1/24');
    tx.routes.add({ dst: '10.8.0.0/16', gateway: '10.7.0.254' });
  });

  // 2. Someone else changes it: here a second, independent netlink socket (IPRoute), as `ip link
  //    set sub0 mtu 1400` would. The database hears it from the kernel.
  other = await IPRoute.open({ netns: ns });
  await other.link('set', { ifname: 'sub0', mtu: 1400 });
  await db.sync(); // every change the kernel announced so far is now in the database

  // 3. Remove the pair: its address and routes go with it (the database shows the cascade).
  await db.transaction((tx) => { tx.interfaces.get('sub0')?.remove(); });

  console.log(`${db.interfaces.size} interface(s) left`);
  db.close(); // completes changes$ (subscription.unsubscribe() would stop listening without closing)
} finally {
  await done();
}
