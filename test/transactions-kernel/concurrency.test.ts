/**
 * Transactions among other writers, on the kernel:
 * - a change made with `ip` while a commit is failing survives the commit's rollback, and the
 *   rollback puts back exactly what the transaction did (nothing else is touched);
 * - conflicts: a field the transaction changes that someone else changed since begin() stops the
 *   commit before anything is sent, unless { overwrite: true }; other fields do not conflict;
 * - the verify hook: false or a throw rolls back a confirmed commit;
 * - transactions committed concurrently run one after another, each checked and planned against
 *   the state at its own turn;
 * - the changes of our own commits reach changes$ with origin 'commit', others' with 'kernel'.
 */
import { describe, expect, it } from 'vitest';
import type { AnyChange } from '../../src/index.js';
import { CommitError, ConflictError } from '../../src/transactions/errors.js';
import { ip, ipBatch, useNetnsEach } from '../helpers/netns.js';
import { noDad, settle } from '../helpers/witness.js';
import { addrs, BASE_SETUP, link, openDb, routes, settleSame, stableDump, UNREACHABLE } from './helpers.js';

describe('transactions among other writers', () => {
  const ns = useNetnsEach('cc');

  async function start() {
    noDad(ns());
    ipBatch(ns(), BASE_SETUP);
    return openDb(ns());
  }

  it('a change made with ip during a failing commit survives its rollback; the rollback undoes only the transaction', async () => {
    const db = await start();
    try {
      const before = await stableDump(ns());
      const tx = db.begin();
      tx.interfaces.va!.mtu = 1400;
      tx.interfaces.va!.addIp('10.0.0.2/24');
      tx.routes.add({ dst: '10.5.0.0/16', gateway: '10.0.0.2' });
      const err = await tx.commit({
        // Runs once the commit is confirmed: the moment to change things behind its back.
        verify: () => {
          ip(ns(), 'link', 'set', 'vb', 'mtu', '1300');
          ip(ns(), 'link', 'set', 'va', 'txqueuelen', '500');
          ip(ns(), 'addr', 'add', '10.0.0.9/24', 'dev', 'va');
          ip(ns(), 'route', 'add', '10.6.0.0/16', 'via', '10.0.0.3');
          return false;
        },
      }).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(CommitError);
      expect((err as CommitError).phase).toBe('verify');
      expect((err as CommitError).rolledBack).toBe(true);
      // What the transaction did is undone...
      expect(link(ns(), 'va').mtu).toBe(1500);
      expect(addrs(ns(), 'va')).not.toContain('10.0.0.2/24');
      expect(routes(ns()).some((r) => r.startsWith('10.5.0.0/16'))).toBe(false);
      // ...and what others did meanwhile, on other objects and other fields, is still there.
      expect(link(ns(), 'vb').mtu).toBe(1300);
      expect(link(ns(), 'va').txqlen).toBe(500);
      expect(addrs(ns(), 'va')).toContain('10.0.0.9/24');
      expect(routes(ns())).toContain('10.6.0.0/16 via 10.0.0.3 dev va');
      // Taking the others' changes back by hand gives exactly the state before.
      ip(ns(), 'link', 'set', 'vb', 'mtu', '1500');
      ip(ns(), 'link', 'set', 'va', 'txqueuelen', '1000');
      ip(ns(), 'addr', 'del', '10.0.0.9/24', 'dev', 'va');
      ip(ns(), 'route', 'del', '10.6.0.0/16');
      await settleSame(ns(), before);
      await settle(db, ns());
    } finally {
      db.close();
    }
  });

  it('detects conflicts before sending anything, and commits with overwrite', async () => {
    const db = await start();
    try {
      const tx = db.begin();
      tx.interfaces.va!.mtu = 1400;
      tx.interfaces.va!.addIp('10.0.0.2/24');
      ip(ns(), 'link', 'set', 'va', 'mtu', '1300');
      ip(ns(), 'addr', 'add', '10.0.0.2/24', 'dev', 'va');
      const err = await tx.commit().then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      const conflicts = (err as ConflictError).conflicts.map((c) => `${c.kind} ${c.field ?? ''} ${c.reason}`).sort();
      expect(conflicts).toEqual(['address  exists', 'interface mtu changed']);
      expect(tx.status).toBe('open');
      expect(link(ns(), 'va').mtu).toBe(1300);

      ip(ns(), 'addr', 'del', '10.0.0.2/24', 'dev', 'va');
      await tx.commit({ overwrite: true });
      expect(link(ns(), 'va').mtu).toBe(1400);
      expect(addrs(ns(), 'va')).toContain('10.0.0.2/24');

      // Another field of the same link, changed by someone else: no conflict.
      const tx2 = db.begin();
      tx2.interfaces.va!.mtu = 1450;
      ip(ns(), 'link', 'set', 'va', 'txqueuelen', '700');
      await tx2.commit();
      expect([link(ns(), 'va').mtu, link(ns(), 'va').txqlen]).toEqual([1450, 700]);
    } finally {
      db.close();
    }
  });

  it("refuses a route whose slot someone else filled since begin(), before sending anything", async () => {
    const db = await start();
    try {
      const tx = db.begin();
      tx.interfaces.va!.mtu = 1400;
      tx.routes.add({ dst: '10.8.0.0/16', gateway: '10.0.0.2' });
      ip(ns(), 'route', 'add', '10.8.0.0/16', 'via', '10.0.0.3');
      const err = await tx.commit().then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect((err as ConflictError).message).toMatch(/route 10\.8\.0\.0\/16 table 254 was created by someone else/);
      expect(tx.status).toBe('open');
      // Nothing was sent: the MTU is as it was.
      expect(link(ns(), 'va').mtu).toBe(1500);
      // Their route gone again, the same transaction goes through.
      ip(ns(), 'route', 'del', '10.8.0.0/16');
      await tx.commit();
      expect(routes(ns())).toContain('10.8.0.0/16 via 10.0.0.2 dev va');
      expect(link(ns(), 'va').mtu).toBe(1400);
    } finally {
      db.close();
    }
  });

  it('with { overwrite: true }, takes a slot someone else filled since begin(), and gives it back on rollback', async () => {
    const db = await start();
    try {
      // Taken: their route is replaced by ours.
      const tx = db.begin();
      tx.routes.add({ dst: '10.8.0.0/16', gateway: '10.0.0.2' });
      ip(ns(), 'route', 'add', '10.8.0.0/16', 'via', '10.0.0.3');
      await tx.commit({ overwrite: true });
      expect(routes(ns()).filter((r) => r.startsWith('10.8.0.0/16'))).toEqual(['10.8.0.0/16 via 10.0.0.2 dev va']);

      // Rolled back: theirs is back, ours gone.
      await db.sync();
      const failing = db.begin();
      failing.routes.add({ dst: '10.9.0.0/16', gateway: '10.0.0.2' });
      failing.routes.add(UNREACHABLE);
      ip(ns(), 'route', 'add', '10.9.0.0/16', 'via', '10.0.0.3');
      const err = await failing.commit({ overwrite: true }).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(CommitError);
      expect((err as CommitError).op?.spec).toMatchObject({ dst: UNREACHABLE.dst });
      expect((err as CommitError).rolledBack, (err as Error).message).toBe(true);
      expect(routes(ns()).filter((r) => r.startsWith('10.9.0.0/16'))).toEqual(['10.9.0.0/16 via 10.0.0.3 dev va']);
    } finally {
      db.close();
    }
  });

  it('rolls back when verify returns false or throws, after the database showed the change', async () => {
    const db = await start();
    try {
      const before = await stableDump(ns());
      const seen: number[] = [];
      const tx = db.begin();
      tx.interfaces.va!.mtu = 1400;
      const err = await tx.commit({ verify: () => { seen.push(db.interfaces.get('va')!.mtu); return false; } }).catch((e: unknown) => e);
      expect((err as CommitError).phase).toBe('verify');
      expect(seen).toEqual([1400]);
      await settleSame(ns(), before);

      const tx2 = db.begin();
      tx2.interfaces.vb!.state = 'down';
      const err2 = await tx2.commit({ verify: async () => { throw new Error('not today'); } }).catch((e: unknown) => e);
      expect((err2 as CommitError).phase).toBe('verify');
      expect((err2 as CommitError).message).toMatch(/not today/);
      expect((err2 as CommitError).rolledBack).toBe(true);
      await settleSame(ns(), before);
    } finally {
      db.close();
    }
  });

  it('serializes transactions committed at once, each validated against the state at its turn', async () => {
    const db = await start();
    try {
      const order: string[] = [];
      const txs = {
        mtu: db.begin(), addr: db.begin(), route: db.begin(), mtuAgain: db.begin(), link: db.begin(),
      };
      txs.mtu.interfaces.va!.mtu = 1400;
      txs.addr.interfaces.va!.addIp('10.0.0.2/24');
      txs.route.routes.add({ dst: '10.5.0.0/16', gateway: '10.0.0.2' });
      txs.mtuAgain.interfaces.va!.mtu = 1300;
      txs.link.interfaces.create({ ifname: 'ifb9', kind: 'ifb' });
      const verify = (name: string) => () => {
        // While this one is being verified, the earlier ones are all in, the later ones not yet.
        order.push(`${name}:${db.interfaces.get('va')!.mtu}:${db.addresses.filter({ address: '10.0.0.2' }).length}:${db.interfaces.get('ifb9') ? 'ifb9' : '-'}`);
        return true;
      };
      const results = await Promise.allSettled(Object.entries(txs).map(([name, tx]) => tx.commit({ verify: verify(name) })));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect((results[3] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
      expect(txs.mtuAgain.status).toBe('open');
      expect(order).toEqual(['mtu:1400:0:-', 'addr:1400:1:-', 'route:1400:1:-', 'link:1400:1:ifb9']);
      expect(link(ns(), 'va').mtu).toBe(1400);
      await settle(db, ns());
    } finally {
      db.close();
    }
  });

  it("marks the changes of its own commits with origin 'commit', others' with 'kernel'", async () => {
    const db = await start();
    try {
      const changes: AnyChange[] = [];
      const sub = db.changes$.subscribe((c) => changes.push(c));
      await db.transaction((tx) => {
        tx.interfaces.va!.mtu = 1400;
        tx.interfaces.va!.addIp('10.0.0.2/24');
        tx.interfaces.va!.addIp('2001:db8::2/64');
        tx.routes.add({ dst: '10.5.0.0/16', gateway: '10.0.0.2' });
        tx.rules.add({ priority: 100, table: 100, src: '10.0.0.0/24' });
        tx.interfaces.create({ ifname: 'ifb9', kind: 'ifb' });
      });
      ip(ns(), 'link', 'set', 'vb', 'mtu', '1300');
      await db.sync();
      sub.unsubscribe();
      // (What the kernel does later by itself, such as an IPv6 address's flags changing once it is
      // usable, is the kernel's: only the changes the commit made are expected as 'commit'.)
      const origin = (pred: (c: AnyChange) => boolean) => [...new Set(changes.filter(pred).map((c) => c.origin))];
      const all = changes.map((c) => `${c.op} ${c.kind} ${c.key} ${c.origin} ${c.fields?.join(',') ?? ''}`).join('\n');
      expect(origin((c) => c.kind === 'interface' && c.after?.ifname === 'va' && c.fields?.includes('mtu') === true), all).toEqual(['commit']);
      expect(origin((c) => c.kind === 'interface' && c.after?.ifname === 'ifb9' && c.op === 'add'), all).toEqual(['commit']);
      expect(origin((c) => c.kind === 'address' && c.op === 'add' && (c.after?.address === '10.0.0.2' || c.after?.address === '2001:db8::2')), all).toEqual(['commit']);
      expect(origin((c) => c.kind === 'route' && c.after?.dst === '10.5.0.0/16'), all).toEqual(['commit']);
      expect(origin((c) => c.kind === 'rule' && c.after?.priority === 100), all).toEqual(['commit']);
      expect(origin((c) => c.kind === 'interface' && c.after?.ifname === 'vb' && c.fields?.includes('mtu') === true), all).toEqual(['kernel']);
    } finally {
      db.close();
    }
  });
});
