/**
 * Rules with the selectors records learned late (ip's `not`, `suppress_prefixlength`,
 * `suppress_ifgroup`, `l3mdev`, `uidrange`, `ipproto`, `sport`/`dport`, and attributes kept whole:
 * realms, tun_id), in transactions, on the kernel. A rule made again without them is another rule
 * that the kernel takes: wg-quick's `not fwmark 0xca6c lookup 51820` made again without `not`
 * sends the tunnel's own packets into the tunnel. Checked with `ip rule show` as text.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/iproute/errors.js';
import { CommitError } from '../../src/transactions/errors.js';
import { ip, ipBatch, useNetnsEach } from '../helpers/netns.js';
import { UNREACHABLE, withBaseDb } from './helpers.js';

/** `ip rule show` of both families, for priorities 100 to 299, as lines. */
function rules(ns: string): string[] {
  return (ip(ns, '-4', 'rule', 'show') + ip(ns, '-6', 'rule', 'show')).split('\n').map((l) => l.replace(/\s+/g, ' ').trim())
    .filter((l) => /^[12]\d\d:/.test(l)).sort();
}

const BY_IP = [
  'rule add not fwmark 0xca6c table 51820 pref 100',
  'rule add table main suppress_prefixlength 0 pref 101',
  'rule add ipproto tcp dport 443 table 7 pref 102',
  'rule add sport 1000-2000 ipproto udp table 7 pref 103',
  'rule add uidrange 1000-2000 table 8 pref 104',
  'rule add l3mdev pref 105',
  'rule add suppress_ifgroup 3 table main pref 106',
  'rule add realms 3/5 table 9 pref 107',
  'rule add tun_id 5 table 9 pref 108',
  '-6 rule add not from 2001:db8::/32 table 10 pref 109',
];

describe('rules with more selectors in a transaction', () => {
  const ns = useNetnsEach('rulesel');

  it('are removed and brought back by a rollback as they were', async () => {
    await withBaseDb(ns(), async (db) => {
      for (const line of BY_IP) ip(ns(), ...line.split(' '));
      const before = rules(ns());
      expect(before).toHaveLength(BY_IP.length);
      await db.sync();
      const mine = db.rules.filter((r) => r.priority >= 100 && r.priority < 200);
      expect(mine.map((r) => r.priority).sort()).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
      const at = (p: number) => mine.find((r) => r.priority === p)!;
      expect(at(100)).toMatchObject({ invert: true, fwmark: 0xca6c, table: 51820 });
      expect(at(101)).toMatchObject({ suppressPrefixlen: 0, table: 254, invert: false });
      expect(at(102)).toMatchObject({ ipProto: 6, dportRange: { start: 443, end: 443 }, sportRange: null });
      expect(at(104)).toMatchObject({ uidRange: { start: 1000, end: 2000 } });
      expect(at(105)).toMatchObject({ l3mdev: true, table: 0 });
      expect(at(106)).toMatchObject({ suppressIfgroup: 3 });
      // Realms and tun_id are kept whole: FRA_FLOW, FRA_TUN_ID (after its FRA_PAD, which is not kept).
      expect(at(107).extra).toMatch(/^08000b00/);
      expect(at(108).extra).toMatch(/^0c000c00/);

      const failed = db.transaction((tx) => {
        for (const r of mine) tx.rules.remove(r);
        tx.routes.add(UNREACHABLE);
      });
      await expect(failed).rejects.toBeInstanceOf(CommitError);
      await expect(failed).rejects.toMatchObject({ rolledBack: true });
      expect(rules(ns())).toEqual(before);

      // Removed for good, each by its record: nothing else goes.
      await db.transaction((tx) => { for (const r of mine) tx.rules.remove(r); });
      expect(rules(ns())).toEqual([]);
    });
  });

  it('are made from specs as ip makes them (wg-quick\'s pair among them), and removed by what they say', async () => {
    await withBaseDb(ns(), async (db) => {
      await db.transaction((tx) => {
        tx.rules.add({ priority: 200, invert: true, fwmark: 0xca6c, table: 51820 });
        tx.rules.add({ priority: 201, table: 'main', suppressPrefixlen: 0 });
        tx.rules.add({ priority: 202, ipProto: 'tcp', dportRange: 443, table: 7 });
        tx.rules.add({ priority: 203, l3mdev: true });
        tx.rules.add({ priority: 204, uidRange: { start: 1000, end: 2000 }, sportRange: { start: 1000, end: 2000 }, ipProto: 17, table: 8 });
      });
      const made = rules(ns());
      expect(made).toHaveLength(5);
      // The rules ip makes of the same selectors print the same.
      ipBatch(ns(), [200, 201, 202, 203, 204].map((p) => `rule del pref ${p}`));
      ipBatch(ns(), [
        'rule add not fwmark 0xca6c table 51820 pref 200',
        'rule add table main suppress_prefixlength 0 pref 201',
        'rule add ipproto tcp dport 443 table 7 pref 202',
        'rule add l3mdev pref 203',
        'rule add uidrange 1000-2000 sport 1000-2000 ipproto udp table 8 pref 204',
      ]);
      expect(rules(ns())).toEqual(made);
      await db.sync();
      await db.transaction((tx) => { tx.rules.remove({ priority: 201, suppressPrefixlen: 0 }); });
      expect(rules(ns())).toEqual(made.filter((l) => !l.startsWith('201:')));
    });
  });

  it('are refused before anything is sent when they cannot be right', async () => {
    const cases: [Record<string, unknown>, string, unknown][] = [
      [{ priority: 300, l3mdev: true, table: 5 }, 'table', 5],
      [{ priority: 300, sportRange: { start: 2000, end: 1000 }, table: 5 }, 'sportRange', { start: 2000, end: 1000 }],
      [{ priority: 300, ipProto: 'carrier-pigeon', table: 5 }, 'ipProto', 'carrier-pigeon'],
      [{ priority: 300, extra: '0800', table: 5 }, 'extra', '0800'],
      [{ priority: 300, suppressPrefixlen: 129, table: 5 }, 'suppressPrefixlen', 129],
    ];
    await withBaseDb(ns(), async (db) => {
      for (const [spec, field, value] of cases) {
        const bad = db.transaction((tx) => {
          tx.rules.add({ priority: 299, table: 5 });
          tx.rules.add(spec as never);
        });
        await expect(bad).rejects.toBeInstanceOf(ValidationError);
        await expect(bad).rejects.toMatchObject({ errors: [expect.objectContaining({ field, value })] });
        expect(rules(ns())).toEqual([]);
      }
    });
  });
});
