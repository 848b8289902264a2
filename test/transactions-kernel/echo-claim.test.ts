/**
 * Echo claims on the kernel (src/transactions/echo-claim.ts): the kernel announces a plain route
 * it took as asked in the very bytes of its request (the encoders write the attributes in the
 * kernel's order; IPv6 adds its cache info), and the database takes the commit's own record for it
 * without decoding. Checked here: every such route a commit adds or removes is taken that way
 * (db.stats.claimed), the others (a table above 255, a route another program adds) are not, and the
 * database then shows what `ip -j` shows, and holds the same records a fresh database reads from a
 * dump.
 */
import { describe, expect, it } from 'vitest';
import { IPDB } from '../../src/index.js';
import type { RouteSpec } from '../../src/iproute/specs.js';
import { CommitError } from '../../src/transactions/errors.js';
import { ip, ipBatch, ipJson, useNetnsEach } from '../helpers/netns.js';
import { noDad, settle } from '../helpers/witness.js';
import { BASE_SETUP, openDb } from './helpers.js';

/** Route records by identity, comparable across two databases. */
function routesOf(db: IPDB): string[] {
  return db.routes.toArray().map((r) => JSON.stringify(r)).sort();
}

describe('the notifications of a commit\'s own routes', () => {
  const ns = useNetnsEach('echo');

  it('are taken without decoding when they are the request\'s bytes, and the database shows what ip shows', async () => {
    // (No duplicate address detection: 2001:db8::1 is a usable source at once.)
    noDad(ns());
    ipBatch(ns(), [...BASE_SETUP, 'link add vc type veth peer name vd', 'link set vc up', 'link set vd up', 'addr add 10.9.0.1/24 dev vc']);
    const db = await openDb(ns());
    try {
      // Every field a plain IPv4 route can say; each of these is announced as it was asked.
      const claimable: RouteSpec[] = [
        { dst: '172.16.0.0/24', gateway: '10.0.0.2', oif: 'va' },
        { dst: '172.16.1.0/24', oif: 'vc' },
        { dst: '172.16.2.0/24', gateway: '10.0.0.3', oif: 'va', priority: 300 },
        { dst: '172.16.3.0/24', gateway: '10.0.0.2', oif: 'va', table: 100 },
        { dst: '172.16.4.0/24', gateway: '10.0.0.2', oif: 'va', prefsrc: '10.0.0.1' },
        { dst: '172.16.5.0/24', gateway: '10.0.0.2', oif: 'va', protocol: 'static', tos: 8 },
        { dst: '172.16.6.0/24', oif: 'va', scope: 'link', priority: 5 },
        { dst: '172.16.7.0/24', type: 'blackhole' },
        { dst: '172.16.8.1', gateway: '10.9.0.2' },
      ];
      // IPv6: the same, the kernel adding its cache info.
      claimable.push(
        { dst: '2001:db8:5::/64', gateway: '2001:db8::2', oif: 'va' },
        { dst: '2001:db8:6::/64', oif: 'va', priority: 5 },
        { dst: '2001:db8:7::/64', gateway: '2001:db8::3', oif: 'va', table: 100, prefsrc: '2001:db8::1' },
        { dst: '2001:db8:8::/64', gateway: '2001:db8::2', oif: 'va', pref: 'high' },
      );
      for (let i = 0; i < 200; i++) claimable.push({ dst: `172.17.${i}.0/24`, gateway: '10.0.0.2', oif: 'va' });
      // Announced otherwise: rtm_table 252 for a table above 255.
      const others: RouteSpec[] = [
        { dst: '172.18.0.0/24', gateway: '10.0.0.2', oif: 'va', table: 1000 },
        { dst: '2001:db8:9::/64', gateway: '2001:db8::2', oif: 'va', table: 1000 },
      ];
      const before = db.stats.claimed;
      await db.transaction((tx) => {
        for (const r of [...claimable, ...others]) tx.routes.add(r);
      });
      expect(db.stats.claimed - before).toBe(claimable.length);
      // Another program's routes go the usual way.
      ip(ns(), 'route', 'add', '172.19.0.0/24', 'via', '10.0.0.2', 'dev', 'va');
      await settle(db, ns());
      expect(db.stats.claimed - before).toBe(claimable.length);
      expect(ipJson(ns(), '-4', 'route', 'show', 'exact', '172.16.4.0/24')[0]).toMatchObject({ prefsrc: '10.0.0.1', gateway: '10.0.0.2' });
      expect(ipJson(ns(), '-4', 'route', 'show', 'exact', '172.16.5.0/24')[0]).toMatchObject({ protocol: 'static', tos: '0x08' });

      // What a database reading the kernel afresh holds, field for field.
      const fresh = await IPDB.open({ netns: ns(), verifyEffects: false });
      try {
        expect(routesOf(db)).toEqual(routesOf(fresh));
      } finally {
        await fresh.close();
      }

      // Removing them: a delete names the whole record, and the kernel announces what it removed.
      const removing = db.stats.claimed;
      await db.transaction((tx) => {
        for (let i = 0; i < 200; i++) tx.routes.remove({ dst: `172.17.${i}.0/24` });
      });
      expect(db.stats.claimed - removing).toBe(200);
      await settle(db, ns());
      // Adding them again in a commit that fails: the rollback keeps the database right as well.
      const claimedBefore = db.stats.claimed;
      const failed = db.transaction((tx) => {
        for (let i = 0; i < 200; i++) tx.routes.add({ dst: `172.17.${i}.0/24`, gateway: '10.0.0.2', oif: 'va' });
        // Refused by the kernel (the gateway is not on vc's subnet): the 200 are taken back.
        tx.routes.add({ dst: '172.16.9.0/24', gateway: '10.0.0.2', oif: 'vc' });
      });
      await expect(failed).rejects.toBeInstanceOf(CommitError);
      await expect(failed).rejects.toMatchObject({ rolledBack: true });
      expect(db.stats.claimed - claimedBefore).toBe(200);
      await settle(db, ns());
      expect(db.routes.filter((r) => r.dst.startsWith('172.17.'))).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
