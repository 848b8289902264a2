/**
 * IPv4 routes via IPv6 next hops (RFC 5549, ip's `via inet6 fe80::1`) in transactions, on the
 * kernel: the kernel takes and announces such a gateway as RTA_VIA, never as RTA_GATEWAY, so a
 * request that writes it as RTA_GATEWAY names no route (a delete fails with ESRCH, a restore is
 * refused). Checked with `ip -j`: adding them (single path, without a device, multipath), removing
 * them, and a failed commit that removed their link bringing them back as they were.
 */
import { describe, expect, it } from 'vitest';
import { IPRoute } from '../../src/index.js';
import { CommitError } from '../../src/transactions/errors.js';
import { ip, ipBatch, ipJson, useNetnsEach } from '../helpers/netns.js';
import { noDad, settle } from '../helpers/witness.js';
import { BASE_SETUP, expectLinkRemovalUndone, expectRouteRefused, stableDump, settleSame, withBaseDb } from './helpers.js';

/** The namespace's IPv4 routes to 10.6-10.9.0.0/24 as `ip -j` shows them: "dst via dev[; ...]". */
function vias(ns: string): string[] {
  const hop = (h: any) => `${h.via ? `${h.via.family} ${h.via.host}` : h.gateway ?? '-'} ${h.dev}`;
  return ipJson<any>(ns, '-4', 'route', 'show', 'table', 'all').filter((r) => /^10\.[6-9]\.0\.0\/24$/.test(r.dst))
    .map((r) => `${r.dst} ${r.nexthops ? r.nexthops.map(hop).join('; ') : hop(r)}`).sort();
}

const ADDED = [
  '10.6.0.0/24 inet6 fe80::1 va',
  '10.7.0.0/24 inet6 2001:db8::5 va',
  '10.8.0.0/24 inet6 fe80::1 va; inet6 fe80::2 vb',
];

describe('IPv4 routes via IPv6 next hops in a transaction', () => {
  const ns = useNetnsEach('viart');

  it('are added as the kernel has them, removed, and brought back by a rollback', async () => {
    await withBaseDb(ns(), async (db) => {
      const claimed = db.stats.claimed;
      await db.transaction((tx) => {
        tx.routes.add({ dst: '10.6.0.0/24', gateway: 'fe80::1', oif: 'va' });
        // No device: the kernel looks 2001:db8::5 up among the IPv6 routes (2001:db8::/64 on va),
        // and so does the draft, which has to know the oif the kernel will report.
        tx.routes.add({ dst: '10.7.0.0/24', gateway: '2001:db8::5' });
        tx.routes.add({ dst: '10.8.0.0/24', multipath: [{ gateway: 'fe80::1', oif: 'va' }, { gateway: 'fe80::2', oif: 'vb' }] });
      });
      expect(vias(ns())).toEqual(ADDED);
      await settle(db, ns());
      // The two single-path routes were announced in their requests' very bytes: RTA_VIA was
      // written where the kernel puts it. (Multipath routes are not claimed.)
      expect(db.stats.claimed - claimed).toBe(2);
      const va = ipJson<any>(ns(), 'link', 'show', 'dev', 'va')[0].ifindex;
      expect(db.routes.filter((r) => r.dst === '10.7.0.0/24').map((r) => [r.gateway, r.oif])).toEqual([['2001:db8::5', va]]);

      await db.transaction((tx) => {
        tx.routes.remove({ dst: '10.6.0.0/24', gateway: 'fe80::1' });
        tx.routes.remove({ dst: '10.8.0.0/24' });
      });
      expect(vias(ns())).toEqual([ADDED[1]]);

      // Added by ip: removing their link drops them; the failed commit's rollback restores them.
      ip(ns(), 'route', 'add', '10.6.0.0/24', 'via', 'inet6', 'fe80::1', 'dev', 'va');
      ip(ns(), 'route', 'add', '10.8.0.0/24', 'nexthop', 'via', 'inet6', 'fe80::1', 'dev', 'va', 'nexthop', 'via', 'inet6', 'fe80::2', 'dev', 'vb');
      await expectLinkRemovalUndone(db, ns(), 'va');
      expect(vias(ns())).toEqual(ADDED);
    });
  });

  it('with a link-local gateway and no device are left to the kernel, which refuses them, as ip does', async () => {
    await withBaseDb(ns(), async (db) => {
      const before = await stableDump(ns());
      // Every link has fe80::/64: the draft does not pick one, and the kernel wants it named.
      const failed = db.transaction((tx) => {
        tx.routes.add({ dst: '10.6.0.0/24', gateway: '10.0.0.2' });
        tx.routes.add({ dst: '10.7.0.0/24', gateway: 'fe80::1' });
      });
      await expect(failed).rejects.toBeInstanceOf(CommitError);
      await expect(failed).rejects.toMatchObject({ rolledBack: true, op: { spec: { dst: '10.7.0.0/24', oif: null } } });
      await expect(failed).rejects.toMatchObject({ cause: { kernelMessage: 'Egress device not specified' } });
      await settleSame(ns(), before);
    });
  });

  it('are refused for IPv6 routes (IPv4 gateways), naming the field and value, with nothing sent', async () => {
    await expectRouteRefused(ns(), 6, (tx) => {
      tx.routes.add({ dst: '2001:db8:7::/64', gateway: '2001:db8::2' });
      tx.routes.add({ dst: '2001:db8:8::/64', gateway: '10.0.0.2', oif: 'va' });
    }, 'gateway', '10.0.0.2');
  });

  it('go through IPRoute too', async () => {
    noDad(ns());
    ipBatch(ns(), BASE_SETUP);
    const ipr = await IPRoute.open({ netns: ns() });
    try {
      await ipr.route('add', { dst: '10.6.0.0/24', gateway: 'fe80::1', oif: 'va' });
      expect(vias(ns())).toEqual([ADDED[0]]);
      await ipr.route('del', { dst: '10.6.0.0/24', gateway: 'fe80::1' });
      expect(vias(ns())).toEqual([]);
    } finally {
      ipr.close();
    }
  });
});
