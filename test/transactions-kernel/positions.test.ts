/**
 * A transaction of 20 operations (deletes, link creation, link settings, ports, addresses, routes
 * of several tables and families, a multipath route, a rule, a neighbour), committed 20 times,
 * each time with the operation at position k refused by the kernel: whatever ran before it (and
 * after it: the batch is pipelined, the kernel goes on), the namespace must end exactly as it was,
 * whole `ip -j` dumps compared.
 *
 * The refusals are real ones: an MTU above the device's maximum, a multicast MAC address, a veth
 * as a master, a loopback address on a veth, a gateway nothing leads to, a backward goto rule, an
 * IPv6 neighbour on a link without IPv6. A delete cannot be drafted so that the kernel refuses it
 * (the draft only deletes what exists), so for the three deletes a transport hook rewrites the
 * request into the delete of something absent, which the kernel refuses (ESRCH,
 * EADDRNOTAVAIL, ENODEV).
 */
import { describe, expect, it } from 'vitest';
import { encodeChange, type Change } from '../../src/iproute/requests.js';
import type { NetlinkTransport } from '../../src/transport/transport.js';
import { CommitError } from '../../src/transactions/errors.js';
import type { Transaction } from '../../src/transactions/transaction.js';
import { ipBatch, useNetnsEach } from '../helpers/netns.js';
import { noDad, settle } from '../helpers/witness.js';
import { BASE_SETUP, openDb, settleSame, stableDump } from './helpers.js';

const SETUP = [
  ...BASE_SETUP,
  'addr add 10.0.0.7/24 dev va',
  'route add 10.3.0.0/16 via 10.0.0.2',
  'link add br0 type bridge', 'link add p0 type veth peer name p1', 'link set p0 master br0',
  'link set p0 up', 'link set p1 up', 'link set br0 up',
  'link add n0 type veth peer name n1', 'link set n0 up', 'link set n1 up', 'addr add 10.1.0.1/24 dev n0',
  'route add 10.2.0.0/16 via 10.1.0.2',
  'link add q0 mtu 1000 type veth peer name q1', 'link set q0 up',
];

/** What each position is, for the plan check: kind and intent. */
const SHAPE = [
  'route delete', 'address delete', 'interface delete', 'interface create', 'interface create',
  'interface set', 'interface set', 'interface set', 'interface set', 'interface set',
  'address create', 'address create', 'address create', 'address create',
  'route create', 'route create', 'route create', 'route create', 'rule create', 'neighbour create',
];

function draft(tx: Transaction, poison: number): void {
  const p = (k: number) => poison === k;
  const link = (name: string) => tx.interfaces.get(name)!;
  tx.routes.remove({ dst: '10.3.0.0/16' });
  link('va').delIp('10.0.0.7/24');
  tx.interfaces.remove('n0');
  tx.interfaces.create({ ifname: 'm0', kind: 'veth', peer: 'm1', mtu: p(3) ? 70000 : 1400 });
  // (A multicast MAC: a bridge's MTU is set by a request after its create, not in it.)
  tx.interfaces.create({ ifname: 'br1', kind: 'bridge', ...(p(4) ? { address: '01:00:00:00:00:02' } : {}) });
  link('va').mtu = p(5) ? 70000 : 1400;
  link('vb').mtu = p(6) ? 70000 : 1400;
  link('vb').address = p(7) ? '01:00:00:00:00:01' : '02:00:00:00:00:b1';
  link('vb').master = p(8) ? 'va' : 'br0';
  link('m1').master = p(9) ? 'm0' : 'br1';
  link('va').addIp(p(10) ? '::1/128' : '10.0.0.2/24');
  link('va').addIp(p(11) ? '::1/128' : '2001:db8::5/64');
  link('m0').addIp(p(12) ? '::1/128' : '10.8.0.1/24');
  link('br1').addIp(p(13) ? '::1/128' : '10.9.0.1/24');
  tx.routes.add({ dst: '10.5.0.0/16', gateway: p(14) ? '192.0.2.1' : '10.0.0.2' });
  tx.routes.add({ dst: '10.6.0.0/16', gateway: p(15) ? '192.0.2.1' : '10.0.0.2', table: 100, priority: 5 });
  tx.routes.add({ dst: '2001:db8:5::/48', gateway: p(16) ? '2001:db8:99::1' : '2001:db8::3' });
  tx.routes.add({ dst: '10.7.0.0/16', multipath: [{ gateway: '10.0.0.2', weight: 2 }, { gateway: p(17) ? '192.0.2.1' : '10.0.0.3' }] });
  tx.rules.add(p(18) ? { priority: 100, action: 'goto', goto: 50 } : { priority: 100, table: 100, src: '10.0.0.0/24' });
  tx.neighbours.add(p(19) ? { ifname: 'q0', dst: '2001:db8::9', lladdr: '02:00:00:00:0f:09' } : { ifname: 'va', dst: '10.0.0.9', lladdr: '02:00:00:00:0f:09' });
}

/** The delete of something absent, of the same kind as the delete at `k`. */
function absent(k: number, vaIndex: number): Change {
  if (k === 0) return { kind: 'route', op: 'del', spec: { dst: '198.51.100.0/24' } };
  if (k === 1) return { kind: 'address', op: 'del', spec: { index: vaIndex, address: '198.51.100.7/32' } };
  return { kind: 'interface', op: 'del', spec: { index: 99_999 } };
}

describe('a transaction of 20 operations failing at each position', () => {
  const ns = useNetnsEach('pos');

  it('plans 20 operations of the expected kinds, and commits them all without a fault', async () => {
    noDad(ns());
    ipBatch(ns(), SETUP);
    const db = await openDb(ns());
    try {
      const tx = db.begin();
      draft(tx, -1);
      expect(tx.plan().map((op) => `${op.kind} ${op.intent}`)).toEqual(SHAPE);
      await tx.commit();
      await settle(db, ns());
    } finally {
      db.close();
    }
  });

  for (let k = 0; k < 20; k++) {
    it(`fails at position ${k} (${SHAPE[k]}) and leaves the namespace exactly as it was`, async () => {
      noDad(ns());
      ipBatch(ns(), SETUP);
      const db = await openDb(ns());
      try {
        const before = await stableDump(ns());
        const tx = db.begin();
        draft(tx, k);
        // Commits go out on the transaction layer's own request socket (src/ipdb/tx.ts), reached
        // here through IPDB's private field for want of a public one.
        const commits = await (db as unknown as { tx: { commitSocket(): Promise<NetlinkTransport> } }).tx.commitSocket();
        if (k < 3) {
          const va = db.interfaces.get('va')!.index;
          let seen = 0;
          commits.hook = {
            outgoing(_msg, ctx) {
              if (ctx.kind !== 'batch' || seen++ !== k) return undefined;
              return { action: 'forward', replace: { payload: encodeChange(absent(k, va)).payload } };
            },
          };
        }
        const err = await tx.commit().then(() => null, (e: unknown) => e);
        commits.hook = undefined;
        expect(err).toBeInstanceOf(CommitError);
        const ce = err as CommitError;
        expect(ce.op?.id, ce.message).toBe(String(k + 1));
        expect(ce.rolledBack, ce.message).toBe(true);
        expect(typeof (ce.cause as { errno?: unknown }).errno).toBe('number');
        await settleSame(ns(), before);
        await settle(db, ns());
      } finally {
        db.close();
      }
    });
  }
});
