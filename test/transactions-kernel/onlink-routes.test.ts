/**
 * Onlink routes (RTNH_F_ONLINK, ip's `onlink`: a gateway taken as on the link whatever its
 * addresses say, as a VPS's default route beside a /32 address) in transactions, on the kernel.
 * The flag is configuration: a route re-created without it is refused ("Nexthop has invalid
 * gateway"), so a rollback that has to bring one back must send it. Checked with `ip -j`: adding
 * them (IPv4, IPv6, a multipath route with one onlink hop), and a failed commit that removed their
 * link bringing them back as they were.
 */
import { describe, expect, it } from 'vitest';
import { IPRoute } from '../../src/index.js';
import { ip, ipBatch, ipJson, useNetnsEach } from '../helpers/netns.js';
import { noDad, settle } from '../helpers/witness.js';
import { BASE_SETUP, expectLinkRemovalUndone, expectRouteRefused, withBaseDb } from './helpers.js';

/** The namespace's routes to 10.5x and 2001:db8:5x as `ip -j` shows them: "dst via[ onlink][; ...]". */
function onlinks(ns: string): string[] {
  const hop = (h: any) => `${h.gateway}${(h.flags ?? []).includes('onlink') ? ' onlink' : ''}`;
  return [...ipJson<any>(ns, '-4', 'route', 'show', 'table', 'all'), ...ipJson<any>(ns, '-6', 'route', 'show', 'table', 'all')]
    .filter((r) => /^(10\.5\d\.|2001:db8:5\d::)/.test(r.dst))
    .map((r) => `${r.dst} ${r.nexthops ? r.nexthops.map(hop).join('; ') : hop(r)}`).sort();
}

const ADDED = [
  '10.50.0.0/24 192.0.2.1 onlink',
  '10.52.0.0/24 192.0.2.1 onlink; 10.0.0.2',
  '2001:db8:50::/64 2001:db8:99::1 onlink',
];

describe('onlink routes in a transaction', () => {
  const ns = useNetnsEach('onlink');

  it('are added with the flag, and brought back with it by a rollback', async () => {
    await withBaseDb(ns(), async (db) => {
      const claimed = db.stats.claimed;
      await db.transaction((tx) => {
        tx.routes.add({ dst: '10.50.0.0/24', gateway: '192.0.2.1', oif: 'va', onlink: true });
        tx.routes.add({ dst: '2001:db8:50::/64', gateway: '2001:db8:99::1', oif: 'va', onlink: true });
        tx.routes.add({ dst: '10.52.0.0/24', multipath: [{ gateway: '192.0.2.1', oif: 'va', onlink: true }, { gateway: '10.0.0.2', oif: 'va' }] });
      });
      expect(onlinks(ns())).toEqual(ADDED);
      // (settle compares onlink too: test/helpers/witness.ts.)
      await settle(db, ns());
      // The single-path ones were announced in their requests' bytes: rtm_flags as sent.
      expect(db.stats.claimed - claimed).toBe(2);
      expect(db.routes.filter((r) => r.onlink).map((r) => r.dst).sort()).toEqual(['10.50.0.0/24', '2001:db8:50::/64']);
      expect(db.routes.find((r) => r.dst === '10.52.0.0/24')?.multipath?.map((h) => h.onlink)).toEqual([true, false]);

      await db.transaction((tx) => {
        tx.routes.remove({ dst: '10.50.0.0/24' });
        tx.routes.remove({ dst: '2001:db8:50::/64' });
        tx.routes.remove({ dst: '10.52.0.0/24' });
      });
      expect(onlinks(ns())).toEqual([]);

      // Added by ip: removing their link drops them; the failed commit's rollback restores them.
      ipBatch(ns(), [
        'route add 10.50.0.0/24 via 192.0.2.1 dev va onlink',
        'route add 10.52.0.0/24 nexthop via 192.0.2.1 dev va onlink nexthop via 10.0.0.2 dev va',
        'route add 2001:db8:50::/64 via 2001:db8:99::1 dev va onlink',
      ]);
      await expectLinkRemovalUndone(db, ns(), 'va');
      expect(onlinks(ns())).toEqual(ADDED);
    });
  });

  it('are refused without a device, naming the field and value, with nothing sent', async () => {
    await expectRouteRefused(ns(), 4, (tx) => {
      tx.routes.add({ dst: '10.51.0.0/24', gateway: '10.0.0.2' });
      tx.routes.add({ dst: '10.50.0.0/24', gateway: '192.0.2.1', onlink: true });
    }, 'onlink', true);
  });

  it('go through IPRoute too', async () => {
    noDad(ns());
    ipBatch(ns(), BASE_SETUP);
    const ipr = await IPRoute.open({ netns: ns() });
    try {
      await ipr.route('add', { dst: '10.50.0.0/24', gateway: '192.0.2.1', oif: 'va', onlink: true });
      expect(onlinks(ns())).toEqual([ADDED[0]]);
      await ipr.route('del', { dst: '10.50.0.0/24' });
      expect(onlinks(ns())).toEqual([]);
      ip(ns(), 'route', 'add', '10.50.0.0/24', 'via', '192.0.2.1', 'dev', 'va', 'onlink');
      const [r] = (await ipr.getRoutes({ family: 4 })).filter((x) => x.dst === '10.50.0.0/24');
      expect(r).toMatchObject({ gateway: '192.0.2.1', onlink: true });
    } finally {
      ipr.close();
    }
  });
});
