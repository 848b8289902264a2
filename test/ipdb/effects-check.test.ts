/**
 * The safety net's re-dumps (src/ipdb/effects-check.ts), over a scripted kernel: after links went
 * down or away only their routes are re-dumped (the dump asks for them by device) and a route the
 * rules left but the kernel dropped through such a link is corrected; after an address went, the
 * routes of its link and of the links of the routes using it as their source, and a route the
 * rules left but the kernel flushed among them is corrected; many links at once, a route of several
 * next hops through one of them, or a route using the address with no single device, re-dump every
 * route.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/db/database.js';
import { EffectsCheck, TARGETED_LINKS } from '../../src/ipdb/effects-check.js';
import { addr4, addr6, iface, route4, route6 } from '../db/fixtures.js';
import { FakeSource } from '../db/fake-source.js';

const open: { db: Database; check: EffectsCheck }[] = [];
afterEach(() => {
  for (const { db, check } of open.splice(0)) {
    check.close();
    db.close();
  }
});

async function setup(links = 3, extra: (src: FakeSource) => void = () => undefined): Promise<{ src: FakeSource; db: Database; check: EffectsCheck }> {
  const src = new FakeSource();
  for (let i = 2; i < 2 + links; i++) {
    src.set('interface', iface(i, `eth${i}`), { silent: true });
    src.set('address', addr4(i, `10.0.${i}.1/24`), { silent: true });
    src.set('address', addr6(i, `fe80::${i}/64`), { silent: true });
    src.set('route', route4(`10.${i}.0.0/16`, { oif: i, gateway: `10.0.${i}.9` }), { silent: true });
    src.set('route', route6(`2001:db8:${i}::/64`, { oif: i }), { silent: true });
  }
  extra(src);
  const db = new Database({ resyncRetryMs: 1 });
  await db.open(src);
  const check = new EffectsCheck(db, { delayMs: 1 });
  open.push({ db, check });
  return { src, db, check };
}

/**
 * The link set down in the kernel model and announced; its routes dropped without a word (as the
 * rules expect), unless `keepV6`: a kernel that keeps the IPv6 one, which the rules cannot know.
 */
function down(src: FakeSource, i: number, keepV6 = false): void {
  src.set('interface', iface(i, `eth${i}`, { state: 'down', flags: 0, operstate: 'DOWN' }));
  src.remove('route', route4(`10.${i}.0.0/16`, { oif: i, gateway: `10.0.${i}.9` }), { silent: true });
  if (!keepV6) src.remove('route', route6(`2001:db8:${i}::/64`, { oif: i }), { silent: true });
}

describe('the safety net', () => {
  it('after a link went down, re-dumps its routes only, and corrects what the rules could not see', async () => {
    const { src, db, check } = await setup();
    const dumps = src.dumps.length;
    down(src, 3, true);
    await db.whenIdle();
    // The rules took the link's IPv6 route away; this kernel kept it.
    expect(db.routes.toArray().map((r) => r.dst)).not.toContain('2001:db8:3::/64');
    await check.flush();
    expect(src.dumps.slice(dumps)).toEqual([{ kind: 'route', hint: { oif: 3 } }]);
    expect(check.stats).toMatchObject({ triggers: 1, resyncs: 1, targeted: 1, corrections: 1 });
    expect(db.routes.toArray().map((r) => r.dst).sort()).toEqual(['10.2.0.0/16', '10.4.0.0/16', '2001:db8:2::/64', '2001:db8:3::/64', '2001:db8:4::/64']);
  });

  it('covers the IPv6 addresses a link loses as it goes down; an IPv4 address that went, by its link', async () => {
    const { src, db, check } = await setup();
    let dumps = src.dumps.length;
    down(src, 2);
    src.remove('address', addr6(2, 'fe80::2/64'));
    await db.whenIdle();
    await check.flush();
    expect(src.dumps.slice(dumps)).toEqual([{ kind: 'route', hint: { oif: 2 } }]);
    dumps = src.dumps.length;
    // Its last IPv4 address gone, the kernel drops the link's IPv4 routes, without a word.
    src.remove('route', route4('10.3.0.0/16', { oif: 3, gateway: '10.0.3.9' }), { silent: true });
    src.remove('address', addr4(3, '10.0.3.1/24'));
    await db.whenIdle();
    await check.flush();
    expect(src.dumps.slice(dumps)).toEqual([{ kind: 'route', hint: { oif: 3 } }]);
    expect(check.stats).toMatchObject({ resyncs: 2, targeted: 2, corrections: 0 });
  });

  it('after an address went, re-dumps the links of the routes using it as their source, and corrects them', async () => {
    // Routes on links 3 and 4 using 10.0.2.1 (link 2's) as their source: in the main table, and
    // in table 100, which the rules leave alone and this kernel flushes too.
    const viaMain = route4('10.30.0.0/16', { oif: 3, gateway: '10.0.3.9', prefsrc: '10.0.2.1' });
    const via100 = route4('10.40.0.0/16', { oif: 4, gateway: '10.0.4.9', prefsrc: '10.0.2.1', table: 100 });
    const { src, db, check } = await setup(3, (s) => { s.set('route', viaMain, { silent: true }); s.set('route', via100, { silent: true }); });
    const dumps = src.dumps.length;
    // The link's last IPv4 address: its own IPv4 route goes as well.
    src.remove('route', route4('10.2.0.0/16', { oif: 2, gateway: '10.0.2.9' }), { silent: true });
    src.remove('route', viaMain, { silent: true });
    src.remove('route', via100, { silent: true });
    src.remove('address', addr4(2, '10.0.2.1/24'));
    await db.whenIdle();
    expect(db.routes.toArray().map((r) => r.dst)).toContain('10.40.0.0/16');
    await check.flush();
    expect(src.dumps.slice(dumps).map((d) => d.hint?.oif).sort()).toEqual([2, 3, 4]);
    expect(check.stats).toMatchObject({ triggers: 1, resyncs: 1, targeted: 1, corrections: 1 });
    expect(db.routes.toArray().map((r) => r.dst)).not.toContain('10.40.0.0/16');
    expect(db.routes.toArray().map((r) => r.dst)).not.toContain('10.30.0.0/16');
  });

  it('after an IPv6 address went, re-dumps the links of the routes whose source the kernel cleared', async () => {
    const using = route6('2001:db8:77::/64', { oif: 4, prefsrc: 'fe80::2' });
    const { src, db, check } = await setup(3, (s) => s.set('route', using, { silent: true }));
    const dumps = src.dumps.length;
    src.set('route', { ...using, prefsrc: null }, { silent: true });
    src.remove('address', addr6(2, 'fe80::2/64'));
    await db.whenIdle();
    await check.flush();
    expect(src.dumps.slice(dumps).map((d) => d.hint?.oif).sort()).toEqual([2, 4]);
    expect(check.stats).toMatchObject({ targeted: 1, corrections: 0 });
    expect(db.routes.toArray().find((r) => r.dst === '2001:db8:77::/64')?.prefsrc).toBeNull();
  });

  it('re-dumps every route after an address went that a route with no single device uses', async () => {
    const blackhole = route4('10.50.0.0/16', { oif: null, type: 'blackhole', prefsrc: '10.0.2.1', table: 100 });
    const { src, db, check } = await setup(3, (s) => s.set('route', blackhole, { silent: true }));
    const dumps = src.dumps.length;
    src.remove('address', addr4(2, '10.0.2.1/24'));
    await db.whenIdle();
    await check.flush();
    expect(src.dumps.slice(dumps)).toEqual([{ kind: 'route', hint: undefined }]);
    expect(check.stats).toMatchObject({ resyncs: 1, targeted: 0 });
  });

  it('re-dumps every route for many links at once, or a route of several next hops through one', async () => {
    const many = await setup(TARGETED_LINKS + 1);
    let dumps = many.src.dumps.length;
    for (let i = 2; i < 2 + TARGETED_LINKS + 1; i++) down(many.src, i);
    await many.db.whenIdle();
    await many.check.flush();
    expect(many.src.dumps.slice(dumps)).toEqual([{ kind: 'route', hint: undefined }]);

    const multi = await setup(3, (src) => src.set('route', route4('10.9.0.0/16', {
      oif: null, gateway: null, multipath: [{ gateway: '10.0.2.9', oif: 2, weight: 1, onlink: false, encap: null, realms: null }, { gateway: '10.0.3.9', oif: 3, weight: 1, onlink: false, encap: null, realms: null }],
    }), { silent: true }));
    dumps = multi.src.dumps.length;
    down(multi.src, 4);
    await multi.db.whenIdle();
    await multi.check.flush();
    expect(multi.src.dumps.slice(dumps)).toEqual([{ kind: 'route', hint: { oif: 4 } }]);
    dumps = multi.src.dumps.length;
    down(multi.src, 3);
    await multi.db.whenIdle();
    await multi.check.flush();
    expect(multi.src.dumps.slice(dumps)).toEqual([{ kind: 'route', hint: undefined }]);
  });
});
