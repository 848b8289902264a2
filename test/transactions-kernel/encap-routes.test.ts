/**
 * Routes with a lightweight tunnel encapsulation (ip's `encap ip ...`, `encap seg6 ...`) or realms
 * (RTA_FLOW), in transactions, on the kernel. A route made again without them is another route
 * (the kernel takes it, and packets leave unencapsulated), so a rollback that brings one back must
 * send them as the kernel had them. Checked with `ip -d route show` as text: `ip -j` prints an
 * `encap ip` route's tunnel destination under the same "dst" key as the route's own.
 */
import { describe, expect, it } from 'vitest';
import { CommitError } from '../../src/transactions/errors.js';
import { ip, ipBatch, useNetnsEach } from '../helpers/netns.js';
import { expectRouteRefused, UNREACHABLE, withBaseDb } from './helpers.js';

/** `ip -d route show` of both families, for the routes to 10.4x and 2001:db8:4x, as lines. */
function shown(ns: string): string[] {
  const text = ip(ns, '-d', '-4', 'route', 'show', 'table', 'all') + ip(ns, '-d', '-6', 'route', 'show', 'table', 'all');
  // Multipath routes print a line per next hop, indented: joined to their route's line.
  return text.replace(/\n\s+nexthop/g, ' nexthop').split('\n').map((l) => l.replace(/\s+/g, ' ').trim())
    .filter((l) => /^unicast (10\.4\d\.|2001:db8:4\d::)/.test(l)).sort();
}

const SETUP = [
  'route add 10.44.0.0/24 encap ip id 5 dst 10.1.1.1 ttl 4 dev va',
  'route add 10.45.0.0/24 via 10.0.0.2 dev va realms 3/5',
  'route add 10.46.0.0/24 nexthop encap ip id 7 dst 10.1.1.2 via 10.0.0.2 dev va realms 7 nexthop via 10.0.0.3 dev va',
  'route add 2001:db8:44::/64 encap seg6 mode encap segs 2001:db8::5 dev va',
  // (Not an encapsulation, but the other route attribute records learned late: RTAX_CC_ALGO.)
  'route add 10.49.0.0/24 via 10.0.0.2 dev va congctl lock reno mtu 1400',
];

describe('routes with an encapsulation or realms in a transaction', () => {
  const ns = useNetnsEach('encap');

  it('are brought back with them by a rollback, and can be copied and removed', async () => {
    await withBaseDb(ns(), async (db) => {
      ipBatch(ns(), SETUP);
      const before = shown(ns());
      expect(before).toHaveLength(5);
      await db.sync();
      const r44 = db.routes.find((r) => r.dst === '10.44.0.0/24')!;
      expect(r44.encap?.type).toBe('ip');
      expect(db.routes.find((r) => r.dst === '10.45.0.0/24')?.realms).toBe((3 << 16) | 5);
      expect(db.routes.find((r) => r.dst === '10.46.0.0/24')?.multipath?.map((h) => [h.encap?.type ?? null, h.realms])).toEqual([['ip', 7], [null, null]]);
      expect(db.routes.find((r) => r.dst === '2001:db8:44::/64')?.encap?.type).toBe('seg6');
      expect(db.routes.find((r) => r.dst === '10.49.0.0/24')?.metrics).toEqual({ lock: 1 << 16, mtu: 1400, ccAlgo: 'reno' });

      // Removing the link drops them all; the failed commit's rollback makes them again, as they were.
      const failed = db.transaction((tx) => {
        tx.interfaces.remove('va');
        tx.routes.add(UNREACHABLE);
      });
      await expect(failed).rejects.toBeInstanceOf(CommitError);
      await expect(failed).rejects.toMatchObject({ rolledBack: true });
      for (let i = 0; i < 40 && shown(ns()).join('\n') !== before.join('\n'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(shown(ns())).toEqual(before);

      // A record's encapsulation and realms, copied to another route; then the originals removed.
      await db.sync();
      await db.transaction((tx) => {
        tx.routes.add({ dst: '10.47.0.0/24', oif: 'va', encap: r44.encap });
        tx.routes.add({ dst: '10.48.0.0/24', gateway: '10.0.0.2', oif: 'va', realms: 9 });
        tx.routes.remove({ dst: '10.44.0.0/24' });
        tx.routes.remove({ dst: '2001:db8:44::/64' });
      });
      const after = shown(ns());
      expect(after.find((l) => l.startsWith('unicast 10.47.0.0/24'))).toMatch(/encap ip id 5 src 0\.0\.0\.0 dst 10\.1\.1\.1 ttl 4/);
      expect(after.find((l) => l.startsWith('unicast 10.48.0.0/24'))).toMatch(/realm 9$/);
      expect(after.some((l) => l.startsWith('unicast 10.44.0.0/24') || l.startsWith('unicast 2001:db8:44::/64'))).toBe(false);
    });
  });

  it('keep the kernel\'s refusal of attributes it cannot take, and roll back', async () => {
    await withBaseDb(ns(), async (db) => {
      const before = shown(ns());
      const failed = db.transaction((tx) => {
        tx.routes.add({ dst: '10.45.0.0/24', gateway: '10.0.0.2', oif: 'va' });
        // LWTUNNEL_IP_ID with 2 bytes where the kernel wants 8.
        tx.routes.add({ dst: '10.44.0.0/24', oif: 'va', encap: { type: 'ip', data: '06000100ffff0000' } });
      });
      await expect(failed).rejects.toBeInstanceOf(CommitError);
      await expect(failed).rejects.toMatchObject({ rolledBack: true, op: { spec: { dst: '10.44.0.0/24' } }, cause: { errno: expect.any(Number) } });
      expect(shown(ns())).toEqual(before);
    });
  });

  it('are refused before anything is sent when they cannot be right: realms of an IPv6 route', async () => {
    await expectRouteRefused(ns(), 6, (tx) => {
      tx.routes.add({ dst: '2001:db8:45::/64', gateway: '2001:db8::2', oif: 'va' });
      tx.routes.add({ dst: '2001:db8:46::/64', gateway: '2001:db8::2', oif: 'va', realms: 5 });
    }, 'realms', 5);
  });

  it('are refused before anything is sent when they cannot be right: an encapsulation that is not hex', async () => {
    await expectRouteRefused(ns(), 4, (tx) => {
      tx.routes.add({ dst: '10.44.0.0/24', oif: 'va', encap: { type: 'ip', data: 'xyz' } });
    }, 'encap.data', 'xyz');
  });
});
