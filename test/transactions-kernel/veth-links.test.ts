/**
 * A commit that creates veth pairs: the kernel never announces the link of the end it registers
 * first (src/db/effects.ts, vethAnnounced), so the database would re-dump every interface to learn
 * it, and the commit would wait for that. The commit knows the pairs it asked for: the database
 * shows both ends linked as `ip` does, without a re-dump of interfaces.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KernelSource } from '../../src/ipdb/kernel-source.js';
import { CommitError } from '../../src/index.js';
import { createNetns, deleteNetns, ip, ipJson, useNetnsEach } from '../helpers/netns.js';
import { openDb, UNREACHABLE } from './helpers.js';

describe('veth pairs created by a commit', () => {
  const ns = useNetnsEach('vethl');
  afterEach(() => { vi.restoreAllMocks(); });

  it('are linked in the database as in the kernel, with no interface re-dump', async () => {
    const db = await openDb(ns());
    try {
      const dumps = vi.spyOn(KernelSource.prototype, 'dump');
      await db.transaction((tx) => {
        for (let i = 0; i < 5; i++) tx.interfaces.create({ ifname: `lv${i}`, kind: 'veth', peer: `lp${i}` });
      });
      await db.sync();
      expect(dumps.mock.calls.filter(([kind]) => kind === 'interface')).toEqual([]);
      const kernel = new Map(ipJson<{ ifindex: number; ifname: string; link?: string }>(ns(), 'link', 'show').map((l) => [l.ifname, l]));
      for (let i = 0; i < 5; i++) {
        for (const [a, b] of [[`lv${i}`, `lp${i}`], [`lp${i}`, `lv${i}`]] as const) {
          const rec = db.interfaces.get(a);
          expect(rec?.link, `${a}'s link`).toBe(kernel.get(b)!.ifindex);
          expect(rec?.linkNetnsid).toBeNull();
          expect(kernel.get(a)!.link, `${a}'s link in the kernel`).toBe(b);
        }
      }
    } finally {
      await db.close();
    }
  });
});

describe('a veth whose peer is in another namespace, removed by a transaction that fails', () => {
  const ns = useNetnsEach('vethx');

  it('is not made again with a new peer here: the rollback says it is incomplete, and why', async () => {
    const other = createNetns('vethx-far');
    try {
      ip(ns(), 'link', 'add', 'v1', 'type', 'veth', 'peer', 'name', 'v1p', 'netns', other);
      const db = await openDb(ns());
      try {
        const tx = db.begin();
        tx.interfaces.remove('v1');
        tx.routes.add(UNREACHABLE);
        expect(tx.review()).toMatch(/undo 1\.1: link add v1 .*type veth \(its peer was in namespace id \d+: it cannot be made again\)/);
        const err = await tx.commit().then(() => null, (e: unknown) => e) as CommitError;
        expect(err).toBeInstanceOf(CommitError);
        expect(err.rolledBack).toBe(false);
        expect(String((err.rollbackErrors[0]?.error as Error).message)).toMatch(/its peer was in another namespace .* cannot be made again from here/);
        // Before, the undo made v1 with a new peer the kernel named (veth0) and reported success.
        expect(ipJson<{ ifname: string }>(ns(), 'link', 'show').map((l) => l.ifname)).toEqual(['lo']);
        expect(ipJson<{ ifname: string }>(other, 'link', 'show').map((l) => l.ifname)).toEqual(['lo']);
      } finally {
        await db.close();
      }
    } finally {
      deleteNetns(other);
    }
  });
});
