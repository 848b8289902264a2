/**
 * Addresses with a metric (IFA_RT_PRIORITY, ip's `addr add ... metric N`, systemd-networkd's
 * RouteMetric=): the kernel gives the address's prefix route that metric. An address made again
 * without it brings a prefix route of metric 0: another route. Checked with `ip -j`.
 */
import { describe, expect, it } from 'vitest';
import { ipBatch, ipJson, useNetnsEach } from '../helpers/netns.js';
import { expectLinkRemovalUndone, withBaseDb } from './helpers.js';

/** va's IPv4 addresses ("address/len metric") and their prefix routes ("dst metric"), as ip -j shows them. */
function seen(ns: string): { addresses: string[]; routes: string[] } {
  const va = ipJson<any>(ns, '-4', 'addr', 'show', 'dev', 'va')[0]?.addr_info ?? [];
  return {
    addresses: va.map((a: any) => `${a.local}/${a.prefixlen} ${a.metric ?? 0}`).sort(),
    routes: ipJson<any>(ns, '-4', 'route', 'show', 'proto', 'kernel', 'scope', 'link').map((r: any) => `${r.dst} ${r.metric ?? 0}`).sort(),
  };
}

describe('addresses with a metric in a transaction', () => {
  const ns = useNetnsEach('addrmetric');

  it('are made with it, and brought back with it by a rollback', async () => {
    await withBaseDb(ns(), async (db) => {
      await db.transaction((tx) => {
        tx.interfaces.va!.addIp({ address: '10.7.0.1/24', metric: 100 });
      });
      expect(seen(ns())).toEqual({ addresses: ['10.0.0.1/24 0', '10.7.0.1/24 100'], routes: ['10.0.0.0/24 0', '10.7.0.0/24 100'] });
      await db.sync();
      expect(db.addresses.find((a) => a.address === '10.7.0.1')?.metric).toBe(100);

      ipBatch(ns(), ['addr add 10.8.0.1/24 dev va metric 200']);
      const before = seen(ns());
      await expectLinkRemovalUndone(db, ns(), 'va');
      expect(seen(ns())).toEqual(before);
      expect(before.routes).toContain('10.8.0.0/24 200');
    });
  });
});
