/**
 * A link's flags that are settings (ip's `promisc`, `allmulticast`, `arp`, `multicast`, `dynamic`)
 * as transaction fields: set on existing and new links, undone by a rollback, guarded against
 * other programs' changes since begin(), kept by freeze(), brought back by a checkpoint restore.
 * Checked with `ip -j` (the flags it lists: PROMISC, ALLMULTI, NOARP, MULTICAST, DYNAMIC).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommitError, ConflictError } from '../../src/index.js';
import { ValidationError } from '../../src/iproute/errors.js';
import { ip, ipBatch, ipJson, useNetnsEach } from '../helpers/netns.js';
import { noDad } from '../helpers/witness.js';
import { BASE_SETUP, link, openDb, settleSame, stableDump, UNREACHABLE, until, withBaseDb } from './helpers.js';

/** The settable flags `ip -j link` lists for `dev`, sorted. */
function flags(ns: string, dev: string): string[] {
  const shown = link(ns, dev).flags as string[];
  return shown.filter((f) => ['PROMISC', 'ALLMULTI', 'NOARP', 'MULTICAST', 'DYNAMIC'].includes(f)).sort();
}

describe('link flags in a transaction', () => {
  const ns = useNetnsEach('lflags');

  it('are set on existing and new links, reviewed as ip says them, and shown by the database', async () => {
    await withBaseDb(ns(), async (db) => {
      expect(flags(ns(), 'va')).toEqual(['MULTICAST']);
      const tx = db.begin();
      const va = tx.interfaces.va!;
      expect([va.promisc, va.allmulticast, va.arp, va.multicast, va.dynamic]).toEqual([false, false, true, true, false]);
      va.promisc = true;
      va.arp = false;
      tx.interfaces.vb!.multicast = false;
      tx.interfaces.vb!.dynamic = true;
      const made = tx.interfaces.create({ ifname: 'vc', kind: 'veth', peer: 'vd', allmulticast: true, multicast: false });
      // A new link reads as the kernel will make it, but for what was set on it.
      expect([made.promisc, made.allmulticast, made.arp, made.multicast]).toEqual([false, true, true, false]);
      tx.interfaces.vd!.promisc = true;
      const review = tx.review();
      expect(review).toContain('link set va promisc on');
      expect(review).toContain('undo 2.1: link set va promisc off');
      expect(review).toContain('link set va arp off');
      expect(review).toContain('link set vb multicast off');
      expect(review).toMatch(/link add vc index \d+ type veth \(allmulticast on multicast off\) peer vd index \d+ \(promisc on\)/);
      await tx.commit();

      expect(flags(ns(), 'va')).toEqual(['MULTICAST', 'NOARP', 'PROMISC']);
      expect(flags(ns(), 'vb')).toEqual(['DYNAMIC']);
      expect(flags(ns(), 'vc')).toEqual(['ALLMULTI']);
      expect(flags(ns(), 'vd')).toEqual(['MULTICAST', 'PROMISC']);
      await db.sync();
      const seen = db.begin();
      expect([seen.interfaces.va!.promisc, seen.interfaces.va!.arp, seen.interfaces.vb!.multicast, seen.interfaces.vc!.allmulticast]).toEqual([true, false, false, true]);
      seen.drop();

      // Setting one back is one more set; setting it to what it is, nothing.
      await db.transaction((t) => { t.interfaces.va!.promisc = false; t.interfaces.vb!.dynamic = true; });
      expect(flags(ns(), 'va')).toEqual(['MULTICAST', 'NOARP']);
      const none = db.begin();
      none.interfaces.va!.arp = false;
      expect(none.plan()).toEqual([]);
      none.drop();
    });
  });

  it('are put back by a rollback, the new link with its flags gone again', async () => {
    await withBaseDb(ns(), async (db) => {
      ip(ns(), 'link', 'set', 'vb', 'promisc', 'on');
      await db.sync();
      const before = await stableDump(ns());
      const failed = db.transaction((tx) => {
        tx.interfaces.va!.promisc = true;
        tx.interfaces.va!.allmulticast = true;
        tx.interfaces.vb!.promisc = false;
        tx.interfaces.vb!.multicast = false;
        tx.interfaces.create({ ifname: 'vc', kind: 'veth', peer: 'vd', promisc: true });
        tx.routes.add(UNREACHABLE);
      });
      await expect(failed).rejects.toBeInstanceOf(CommitError);
      await expect(failed).rejects.toMatchObject({ rolledBack: true });
      // (The whole `ip -j -d link`, addresses, routes, rules and neighbours, as they were.)
      await settleSame(ns(), before);
      expect(flags(ns(), 'vb')).toEqual(['MULTICAST', 'PROMISC']);
    });
  });

  it('a removed link comes back with the flags it had, whatever its kind starts with (an ifb starts with arp and multicast off)', async () => {
    await withBaseDb(ns(), async (db) => {
      ip(ns(), 'link', 'add', 'i0', 'type', 'ifb');
      ip(ns(), 'link', 'add', 'i1', 'type', 'ifb');
      ip(ns(), 'link', 'set', 'i0', 'arp', 'on', 'multicast', 'on');
      expect([flags(ns(), 'i0'), flags(ns(), 'i1')]).toEqual([['MULTICAST'], ['NOARP']]);
      await db.sync();
      const before = await stableDump(ns());
      const failed = db.transaction((tx) => {
        tx.interfaces.remove('i0');
        tx.interfaces.remove('i1');
        tx.routes.add(UNREACHABLE);
      });
      await expect(failed).rejects.toMatchObject({ rolledBack: true });
      await settleSame(ns(), before);
      expect([flags(ns(), 'i0'), flags(ns(), 'i1')]).toEqual([['MULTICAST'], ['NOARP']]);
    });
  });

  it('arp changed on a link that is up takes its neighbours (the kernel flushes them): a rollback puts them back', async () => {
    await withBaseDb(ns(), async (db) => {
      ip(ns(), 'neigh', 'add', '10.0.0.2', 'lladdr', '02:00:00:00:00:02', 'dev', 'va', 'nud', 'permanent');
      ip(ns(), 'neigh', 'add', '2001:db8::2', 'lladdr', '02:00:00:00:00:03', 'dev', 'va', 'nud', 'permanent');
      const neighbours = () => ipJson<any>(ns(), 'neigh', 'show', 'dev', 'va', 'nud', 'permanent').map((n) => `${n.dst} ${n.lladdr}`).sort();
      const had = neighbours();
      expect(had).toHaveLength(2);
      await db.sync();
      const tx = db.begin();
      tx.interfaces.va!.arp = false;
      tx.routes.add(UNREACHABLE);
      expect(tx.review()).toMatch(/link set va arp off\n.*undo 1\.1: link set va arp on\n.*neighbour add 10\.0\.0\.2 lladdr 02:00:00:00:00:02 dev va nud permanent/);
      await expect(tx.commit()).rejects.toMatchObject({ rolledBack: true });
      expect(neighbours()).toEqual(had);
      expect(flags(ns(), 'va')).toEqual(['MULTICAST']);
    });
  });

  it('refuses a flag another program changed since begin(), keeps one it changed beside ours', async () => {
    await withBaseDb(ns(), async (db) => {
      const tx = db.begin();
      tx.interfaces.va!.promisc = true;
      ip(ns(), 'link', 'set', 'va', 'promisc', 'on');
      await db.sync();
      const refused = tx.commit();
      await expect(refused).rejects.toBeInstanceOf(ConflictError);
      await expect(refused).rejects.toMatchObject({ conflicts: [expect.objectContaining({ field: 'promisc', atBegin: false, now: true })] });

      ip(ns(), 'link', 'set', 'va', 'promisc', 'off');
      await db.sync();
      const other = db.begin();
      other.interfaces.va!.arp = false;
      ip(ns(), 'link', 'set', 'va', 'allmulticast', 'on');
      await db.sync();
      await other.commit();
      expect(flags(ns(), 'va')).toEqual(['ALLMULTI', 'MULTICAST', 'NOARP']);
    });
  });

  it('are refused with the field and the value when not true or false; flags itself is read-only', async () => {
    await withBaseDb(ns(), async (db) => {
      const tx = db.begin();
      const refusal = (f: () => void): unknown => { try { f(); } catch (e) { return e; } return undefined; };
      const bad = refusal(() => { (tx.interfaces.va as unknown as Record<string, unknown>).promisc = 'on'; });
      expect(bad).toBeInstanceOf(ValidationError);
      expect((bad as ValidationError).errors[0]).toMatchObject({ field: 'promisc', value: 'on' });
      const raw = refusal(() => { (tx.interfaces.va as unknown as Record<string, unknown>).flags = 0x100; });
      expect((raw as ValidationError).errors[0]).toMatchObject({ field: 'flags', reason: expect.stringContaining('promisc') });
      const created = refusal(() => tx.interfaces.create({ ifname: 'vc', kind: 'veth', peer: 'vd', arp: 0 as unknown as boolean }));
      expect((created as ValidationError).errors[0]).toMatchObject({ field: 'arp', value: 0 });
      // A refused create drafts nothing: the name is free for a create that is right.
      expect([tx.interfaces.vc, tx.interfaces.vd]).toEqual([undefined, undefined]);
      expect(tx.interfaces.create({ ifname: 'vc', kind: 'veth', peer: 'vd', arp: false }).arp).toBe(false);
      tx.drop();
      expect(flags(ns(), 'va')).toEqual(['MULTICAST']);
      // The low-level API takes them too, and says the same of a bad one.
      await expect(db.ipr.link('set', { ifname: 'va', multicast: 'no' as unknown as boolean })).rejects.toMatchObject({ errors: [expect.objectContaining({ field: 'multicast', value: 'no' })] });
      await db.ipr.link('set', { ifname: 'va', promisc: true, dynamic: true });
      expect(flags(ns(), 'va')).toEqual(['DYNAMIC', 'MULTICAST', 'PROMISC']);
    });
  });

  it('freeze() reverts another program\'s change of them', async () => {
    await withBaseDb(ns(), async (db) => {
      ip(ns(), 'link', 'set', 'va', 'allmulticast', 'on');
      await db.sync();
      db.interfaces.freeze('va');
      try {
        ip(ns(), 'link', 'set', 'va', 'promisc', 'on', 'arp', 'off', 'allmulticast', 'off');
        await until('the flags as frozen', () => flags(ns(), 'va').join() === 'ALLMULTI,MULTICAST');
      } finally {
        db.interfaces.unfreeze('va');
      }
    });
  });

  it('freeze() makes two frozen links deleted together again, each as it was (a veth pair and an ifb)', async () => {
    await withBaseDb(ns(), async (db) => {
      ip(ns(), 'link', 'add', 'i0', 'type', 'ifb');
      ip(ns(), 'link', 'set', 'i0', 'promisc', 'on');
      await db.sync();
      const was = (dev: string) => { const l = link(ns(), dev); return { index: l.ifindex, kind: l.linkinfo?.info_kind, address: l.address, flags: flags(ns(), dev) }; };
      const before = { va: was('va'), vb: was('vb'), i0: was('i0') };
      db.interfaces.freeze('va');
      db.interfaces.freeze('i0');
      try {
        ip(ns(), 'link', 'del', 'va');
        ip(ns(), 'link', 'del', 'i0');
        const back = () => { try { return JSON.stringify({ va: was('va'), vb: was('vb'), i0: was('i0') }) === JSON.stringify(before); } catch { return false; } };
        await until('va, vb and i0 as they were', back);
      } finally {
        db.interfaces.unfreeze('va');
        db.interfaces.unfreeze('i0');
      }
    });
  });

  it('a checkpoint restore brings them back, on a link kept and on one made again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nldb-flags-'));
    noDad(ns());
    ipBatch(ns(), [...BASE_SETUP, 'link add vc type veth peer name vd', 'link set vc promisc on arp off', 'link set vd multicast off']);
    const db = await openDb(ns(), { store: join(dir, 'store.sqlite') });
    try {
      await db.sync();
      await db.checkpoint('flags');
      ip(ns(), 'link', 'set', 'va', 'promisc', 'on');
      ip(ns(), 'link', 'del', 'vc');
      await db.sync();
      const tx = await db.restore('flags');
      expect(tx.review()).toContain('link set va promisc off');
      await tx.commit();
      expect(flags(ns(), 'va')).toEqual(['MULTICAST']);
      expect(flags(ns(), 'vc')).toEqual(['MULTICAST', 'NOARP', 'PROMISC']);
      expect(flags(ns(), 'vd')).toEqual([]);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
