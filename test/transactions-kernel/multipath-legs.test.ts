/**
 * A multipath route with a leg through a link a transaction removes. The kernel treats the two
 * families apart: an IPv4 route goes whole (fib_sync_down_dev), an IPv6 one loses that leg only
 * (rt6_sync_down_dev). Either way, a rollback must give the route back with every leg; checked
 * with the whole `ip -j` dumps, before and after.
 */
import { describe, expect, it } from 'vitest';
import { ip, ipJson, useNetnsEach } from '../helpers/netns.js';
import { settleSame, stableDump, UNREACHABLE, withBaseDb } from './helpers.js';

describe('a multipath route through a removed link, rolled back', () => {
  const ns = useNetnsEach('mpleg');

  for (const family of [4, 6] as const) {
    it(`IPv${family}: comes back with every leg`, async () => {
      await withBaseDb(ns(), async (db) => {
        // va (BASE_SETUP) and a second pair vc/vd, a route with a leg through each.
        for (const c of ['link add vc type veth peer name vd', 'link set vc up', 'link set vd up', 'addr add 10.2.0.1/24 dev vc', 'addr add 2001:db8:2::1/64 dev vc']) ip(ns(), ...c.split(' '));
        const [dst, viaA, viaC] = family === 4 ? ['10.97.0.0/16', '10.0.0.2', '10.2.0.2'] : ['2001:db8:97::/48', '2001:db8::2', '2001:db8:2::2'];
        ip(ns(), `-${family}`, 'route', 'add', dst, 'nexthop', 'via', viaA, 'dev', 'va', 'nexthop', 'via', viaC, 'dev', 'vc');
        await db.sync();
        const legs = (): number => ipJson<any>(ns(), `-${family}`, 'route', 'show', dst)[0]?.nexthops?.length ?? 0;
        expect(legs()).toBe(2);
        const before = await stableDump(ns());
        const tx = db.begin();
        tx.interfaces.remove('vc');
        tx.routes.add(UNREACHABLE);
        await expect(tx.commit()).rejects.toMatchObject({ name: 'CommitError', rolledBack: true });
        await settleSame(ns(), before);
        expect(legs()).toBe(2);
        // Removed for good, the kernel keeps an IPv6 route's other leg, and the database says so.
        await db.transaction((t) => { t.interfaces.remove('vc'); });
        await db.sync();
        const left = db.routes.filter((r) => r.family === family && r.dst === dst);
        expect(left.map((r) => r.gateway)).toEqual(family === 4 ? [] : [viaA]);
        expect(ipJson<any>(ns(), `-${family}`, 'route', 'show', dst).map((r: any) => r.gateway ?? null)).toEqual(family === 4 ? [] : [viaA]);
      });
    });
  }
});
