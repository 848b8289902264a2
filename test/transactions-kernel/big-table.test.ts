/**
 * Transactions on a database with many routes: what already goes to a destination is found in
 * the snapshot's shard for it (src/db/table.ts routeKeysTo), not by indexing every route of every
 * new snapshot. The answers must be the kernel's: a taken slot refused before anything is sent,
 * replace / remove by spec / a new metric beside the others as `ip -j` then shows them, and the
 * same again on the next snapshot. And which routes go through a link or from an address is one
 * pass over the routes: a link set down, its address removed, rolled back exactly (the kernel's
 * silent flush restored), then committed.
 */
import { describe, expect, it } from 'vitest';
import type { IPDB } from '../../src/index.js';
import { ValidationError } from '../../src/iproute/errors.js';
import { CommitError } from '../../src/transactions/errors.js';
import { ipBatch, ipJson, useNetnsEach } from '../helpers/netns.js';
import { settle } from '../helpers/witness.js';
import { BASE_SETUP, openDb, settleSame, stableDump, UNREACHABLE } from './helpers.js';

interface IpRoute { gateway?: string; dev?: string; metric?: number; tos?: string }

/** The routes of table `table` to exactly `dst`, as ip -j shows them: gateway|dev|metric|tos. */
function kernelRoutes(ns: string, dst: string, table = 'main'): string[] {
  return ipJson<IpRoute>(ns, '-4', 'route', 'show', 'exact', dst, 'table', table)
    .map((r) => `${r.gateway ?? '-'}|${r.dev}|${r.metric ?? 0}|${r.tos ?? '0'}`).sort();
}

/** The same, as the database shows them. */
function dbRoutes(db: IPDB, dst: string, table = 254): string[] {
  const name = (i: number | null) => (i === null ? '?' : db.interfaces.get(i)?.ifname ?? `#${i}`);
  return db.routes.filter((r) => r.dst === dst && r.table === table)
    .map((r) => `${r.gateway ?? '-'}|${name(r.oif)}|${r.priority ?? 0}|${r.tos === 0 ? '0' : `0x${r.tos.toString(16)}`}`).sort();
}

describe('a transaction over 5,000 routes', () => {
  const ns = useNetnsEach('bigtx');

  it('sees the routes of a destination in every slot, and commits what ip then shows', async () => {
    const lines = [...BASE_SETUP];
    for (let i = 0; i < 5000; i++) lines.push(`route add 10.200.${i >> 8}.${i & 255}/32 via 10.0.0.2 dev va${i % 2 ? ' table 100' : ''}`);
    lines.push('route add 10.200.0.2/32 dev va metric 7', 'route add 10.200.0.2/32 tos 0x10 dev va');
    ipBatch(ns(), lines);
    const dst = '10.200.0.2/32';
    const before = kernelRoutes(ns(), dst);
    expect(before).toEqual(['-|va|0|0x10', '-|va|7|0', '10.0.0.2|va|0|0']);
    const db = await openDb(ns());
    try {
      await db.wait((s) => s.routes.size >= 5002);
      expect(dbRoutes(db, dst)).toEqual(before);
      // Refused while drafting, nothing sent: the same route, another in a taken slot, an ambiguous remove.
      await expect(db.transaction((tx) => { tx.routes.add({ dst, gateway: '10.0.0.2', oif: 'va' }); })).rejects.toThrow(/exists already/);
      await expect(db.transaction((tx) => { tx.routes.add({ dst, oif: 'vb', priority: 7 }); })).rejects.toThrow(ValidationError);
      await expect(db.transaction((tx) => { tx.routes.remove({ dst }); })).rejects.toThrow(/matches 3 objects/);
      expect(kernelRoutes(ns(), dst)).toEqual(before);

      await db.transaction((tx) => {
        expect(tx.routes.find({ dst }).map((r) => `${r.priority ?? 0}/${r.tos}`).sort()).toEqual(['0/0', '0/16', '7/0']);
        tx.routes.replace({ dst, oif: 'vb' });
        tx.routes.add({ dst, oif: 'va', priority: 9 });
        tx.routes.remove({ dst: '10.200.0.4/32' });
        tx.routes.remove({ dst: '10.200.0.5/32', table: 100 });
      });
      const after = ['-|va|0|0x10', '-|va|7|0', '-|va|9|0', '-|vb|0|0'];
      expect(kernelRoutes(ns(), dst)).toEqual(after);
      expect(kernelRoutes(ns(), '10.200.0.4/32')).toEqual([]);
      expect(kernelRoutes(ns(), '10.200.0.5/32', '100')).toEqual([]);
      expect(kernelRoutes(ns(), '10.200.0.6/32')).toEqual(['10.0.0.2|va|0|0']);
      expect(dbRoutes(db, dst)).toEqual(after);

      // The next snapshot answers the same way.
      await db.transaction((tx) => {
        expect(() => tx.routes.add({ dst, oif: 'va', priority: 9 })).toThrow(/exists already/);
        tx.routes.remove({ dst, priority: 9 });
      });
      expect(kernelRoutes(ns(), dst)).toEqual(['-|va|0|0x10', '-|va|7|0', '-|vb|0|0']);
      expect(dbRoutes(db, dst)).toEqual(kernelRoutes(ns(), dst));
    } finally {
      db.close();
    }
  }, 60_000);

  it('sets a link down and removes its address: the flushed routes come back on a rollback, and go on a commit', async () => {
    const lines = [...BASE_SETUP, 'link add vc type veth peer name vd', 'link set vc up', 'link set vd up', 'addr add 10.1.0.1/24 dev vc'];
    // Through va, some from its address, and through vc: 5,000 in all.
    for (let i = 0; i < 5000; i++) {
      lines.push(`route add 10.200.${i >> 8}.${i & 255}/32 ${i % 2 ? 'via 10.1.0.2 dev vc' : `dev va${i % 4 === 0 ? ' src 10.0.0.1' : ''}`}`);
    }
    ipBatch(ns(), lines);
    const db = await openDb(ns());
    try {
      await db.wait((s) => s.routes.size >= 5000);
      const before = await stableDump(ns());
      const draft = (tx: ReturnType<IPDB['begin']>) => {
        tx.interfaces.get('va')!.state = 'down';
        tx.interfaces.get('va')!.delIp('10.0.0.1/24');
      };
      const failing = db.begin();
      draft(failing);
      failing.routes.add(UNREACHABLE);
      const err = await failing.commit().then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(CommitError);
      expect((err as CommitError).rolledBack, (err as Error).message).toBe(true);
      await settleSame(ns(), before);

      await db.transaction(draft);
      const left = ipJson<{ dst: string; dev: string }>(ns(), '-4', 'route', 'show', 'table', 'main').filter((r) => r.dst.startsWith('10.200.'));
      expect(left).toHaveLength(2500);
      expect(left.every((r) => r.dev === 'vc')).toBe(true);
      await settle(db, ns());
    } finally {
      db.close();
    }
  }, 60_000);
});
