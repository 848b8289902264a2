/**
 * IPv6 source-specific routes (RTA_SRC, ip's `from`) in transactions, on the kernel: the source
 * prefix is part of a route's identity, so a request that leaves it out names another route (a
 * delete fails with ESRCH, or removes the route without a source; a restore brings back a route
 * without one). Checked with `ip -j`: adding one, removing one beside its source-less twin, and a
 * failed commit that removed their link bringing both back as they were.
 */
import { describe, expect, it } from 'vitest';
import { IPRoute } from '../../src/index.js';
import { ip, ipBatch, ipJson, useNetnsEach } from '../helpers/netns.js';
import { noDad, settle } from '../helpers/witness.js';
import { BASE_SETUP, expectLinkRemovalUndone, expectRouteRefused, withBaseDb } from './helpers.js';

/** The namespace's IPv6 routes to 2001:db8:5::/64 as `ip -j` shows them: "from via metric". */
function fives(ns: string): string[] {
  return ipJson<any>(ns, '-6', 'route', 'show', 'table', 'all').filter((r) => r.dst === '2001:db8:5::/64')
    .map((r) => `from ${r.from ?? 'any'} via ${r.gateway} metric ${r.metric}`).sort();
}

describe('source-specific IPv6 routes in a transaction', () => {
  const ns = useNetnsEach('srcrt');

  it('are added with their source, removed by it beside their twin without one, and brought back with it by a rollback', async () => {
    await withBaseDb(ns(), async (db) => {
      const claimed = db.stats.claimed;
      await db.transaction((tx) => {
        tx.routes.add({ dst: '2001:db8:5::/64', src: '2001:db8:1::/48', gateway: '2001:db8::2', oif: 'va', priority: 7 });
        tx.routes.add({ dst: '2001:db8:5::/64', gateway: '2001:db8::3', oif: 'va', priority: 7 });
      });
      expect(fives(ns())).toEqual(['from 2001:db8:1::/48 via 2001:db8::2 metric 7', 'from any via 2001:db8::3 metric 7']);
      await settle(db, ns());
      // The kernel announced both in their requests' bytes (cache info aside): the source prefix
      // was written where the kernel puts it (ROUTE_ATTR_ORDER).
      expect(db.stats.claimed - claimed).toBe(2);
      expect(db.routes.filter((r) => r.dst === '2001:db8:5::/64').map((r) => r.src).sort()).toEqual(['2001:db8:1::/48', null]);

      // By its source: only that one goes.
      await db.transaction((tx) => { tx.routes.remove({ dst: '2001:db8:5::/64', src: '2001:db8:1::/48' }); });
      expect(fives(ns())).toEqual(['from any via 2001:db8::3 metric 7']);
      // 'default' names the one without a source.
      ip(ns(), '-6', 'route', 'add', '2001:db8:5::/64', 'from', '2001:db8:1::/48', 'via', '2001:db8::2', 'dev', 'va', 'metric', '7');
      await settle(db, ns());
      await db.transaction((tx) => { tx.routes.remove({ dst: '2001:db8:5::/64', src: 'default' }); });
      expect(fives(ns())).toEqual(['from 2001:db8:1::/48 via 2001:db8::2 metric 7']);

      // Removing the link drops its routes; the failed commit's rollback restores them exactly.
      ip(ns(), '-6', 'route', 'add', '2001:db8:5::/64', 'via', '2001:db8::3', 'dev', 'va', 'metric', '7');
      await expectLinkRemovalUndone(db, ns(), 'va');
      expect(fives(ns())).toEqual(['from 2001:db8:1::/48 via 2001:db8::2 metric 7', 'from any via 2001:db8::3 metric 7']);
    });
  });

  it('are refused for IPv4, naming the field and value, with nothing sent', async () => {
    await expectRouteRefused(ns(), 4, (tx) => {
      tx.routes.add({ dst: '172.16.0.0/24', gateway: '10.0.0.2' });
      tx.routes.add({ dst: '10.5.0.0/24', src: '10.1.0.0/16', oif: 'va' });
    }, 'src', '10.1.0.0/16');
  });

  it('go through IPRoute too', async () => {
    noDad(ns());
    ipBatch(ns(), BASE_SETUP);
    const ipr = await IPRoute.open({ netns: ns() });
    try {
      await ipr.route('add', { dst: '2001:db8:5::/64', src: '2001:db8:1::/48', gateway: '2001:db8::2', oif: 'va' });
      expect(fives(ns())).toEqual(['from 2001:db8:1::/48 via 2001:db8::2 metric 1024']);
      await ipr.route('del', { dst: '2001:db8:5::/64', src: '2001:db8:1::/48' });
      expect(fives(ns())).toEqual([]);
    } finally {
      ipr.close();
    }
  });
});
