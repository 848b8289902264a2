/**
 * The safety net's re-dumps (src/ipdb/effects-check.ts), over a scripted kernel: after links went
 * down or away only their routes are re-dumped (the dump asks for them by device) and a route the
 * rules left but the kernel dropped through such a link is corrected; an IPv4 address that went,
 * many links at once, or a route of several next hops through one of them, re-dump every route.
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

  it('covers the IPv6 addresses a link loses as it goes down, not an IPv4 address that went', async () => {
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
    expect(src.dumps.slice(dumps)).toEqual([{ kind: 'route', hint: undefined }]);
    expect(check.stats).toMatchObject({ resyncs: 2, targeted: 1, corrections: 0 });
  });

  it('re-dumps every route for many links at once, or a route of several next hops through one', async () => {
    const many = await setup(TARGETED_LINKS + 1);
    let dumps = many.src.dumps.length;
    for (let i = 2; i < 2 + TARGETED_LINKS + 1; i++) down(many.src, i);
    await many.db.whenIdle();
    await many.check.flush();
    expect(many.src.dumps.slice(dumps)).toEqual([{ kind: 'route', hint: undefined }]);

    const multi = await setup(3, (src) => src.set('route', route4('10.9.0.0/16', {
      oif: null, gateway: null, multipath: [{ gateway: '10.0.2.9', oif: 2, weight: 1 }, { gateway: '10.0.3.9', oif: 3, weight: 1 }],
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
