/**
 * Routes through nexthop objects (`ip nexthop`, ip's `route add ... nhid N`, as FRR installs them)
 * in transactions, on the kernel. The kernel reports such a route with its object's gateway and
 * device too (nexthop_compat_mode), but refuses them beside RTA_NH_ID in a request; a route made
 * again from that report alone is another route, which does not follow the object. Checked with `ip -j`.
 */
import { describe, expect, it } from 'vitest';
import { CommitError } from '../../src/transactions/errors.js';
import { ipBatch, ipJson, useNetnsEach } from '../helpers/netns.js';
import { settle } from '../helpers/witness.js';
import { expectRouteRefused, UNREACHABLE, withBaseDb } from './helpers.js';

/** The namespace's routes to 10.7x as `ip -j` shows them: "dst nhid N" or "dst via G". */
function seen(ns: string): string[] {
  return ipJson<any>(ns, '-4', 'route', 'show').filter((r) => /^10\.7\d\./.test(r.dst))
    .map((r) => `${r.dst} ${r.nhid !== undefined ? `nhid ${r.nhid}` : `via ${r.gateway}`}`).sort();
}

const OBJECTS = ['nexthop add id 10 via 10.0.0.2 dev va', 'nexthop add id 11 via 10.0.0.3 dev va', 'nexthop add id 20 group 10/11'];

describe('routes through nexthop objects in a transaction', () => {
  const ns = useNetnsEach('nhid');

  it('are removed and brought back through their objects by a rollback, and made from specs', async () => {
    await withBaseDb(ns(), async (db) => {
      ipBatch(ns(), [...OBJECTS, 'route add 10.70.0.0/24 nhid 10', 'route add 10.71.0.0/24 nhid 20']);
      await settle(db, ns());
      const r70 = db.routes.find((r) => r.dst === '10.70.0.0/24')!;
      // The object's id, and the kernel's report of it.
      expect(r70).toMatchObject({ nhid: 10, gateway: '10.0.0.2' });
      expect(db.routes.find((r) => r.dst === '10.71.0.0/24')).toMatchObject({ nhid: 20, multipath: [{ gateway: '10.0.0.2' }, { gateway: '10.0.0.3' }] });
      const before = seen(ns());

      const failed = db.transaction((tx) => {
        tx.routes.remove(r70);
        tx.routes.remove({ dst: '10.71.0.0/24' });
        tx.routes.add(UNREACHABLE);
      });
      await expect(failed).rejects.toBeInstanceOf(CommitError);
      await expect(failed).rejects.toMatchObject({ rolledBack: true });
      expect(seen(ns())).toEqual(before);
      expect(before).toEqual(['10.70.0.0/24 nhid 10', '10.71.0.0/24 nhid 20']);

      // A spec naming the object alone; confirmed although the kernel reports the object's gateway.
      await db.transaction((tx) => { tx.routes.add({ dst: '10.72.0.0/24', nhid: 11 }); });
      expect(seen(ns())).toContain('10.72.0.0/24 nhid 11');
      await settle(db, ns());
      await db.transaction((tx) => { tx.routes.remove({ dst: '10.72.0.0/24' }); });
      expect(seen(ns())).toEqual(before);
    });
  });

  it('are refused with a next hop of their own, naming the field and value, with nothing sent', async () => {
    await expectRouteRefused(ns(), 4, (tx) => {
      tx.routes.add({ dst: '10.73.0.0/24', gateway: '10.0.0.2' });
      tx.routes.add({ dst: '10.74.0.0/24', nhid: 10, realms: 5 });
    }, 'realms', 5);
  });
});
