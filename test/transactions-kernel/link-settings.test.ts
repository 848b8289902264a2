/**
 * Link settings a create request cannot carry (the kernel ignores IFLA_IFALIAS there and refuses
 * IFLA_AF_SPEC): an alias, and IPv6's address generation mode (`addrgenmode none`: no link-local
 * address); and alternative names, which are link properties (RTM_NEWLINKPROP). A link made again
 * by a rollback gets them in requests of their own, the mode before the link goes up. Checked
 * with `ip -j`.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CommitError } from '../../src/index.js';
import { describeOne as describeOp } from '../../src/transactions/ops.js';
import { ValidationError } from '../../src/iproute/errors.js';
import { ip, ipJson, useNetnsEach } from '../helpers/netns.js';
import { addrs, expectLinkRemovalUndone, link, settleSame, stableDump, UNREACHABLE, withBaseDb } from './helpers.js';

/** What `ip -j -d link` says of `dev`'s alias and mode, and its IPv6 link-local addresses. */
function settings(ns: string, dev: string): { alias: string | null; mode: string | null; linkLocal: number; altnames: string[] } {
  const l = ipJson<any>(ns, '-d', 'link', 'show', 'dev', dev)[0];
  const a = ipJson<any>(ns, '-6', 'addr', 'show', 'dev', dev)[0]?.addr_info ?? [];
  return { alias: l.ifalias ?? null, mode: l.inet6_addr_gen_mode ?? null, linkLocal: a.filter((x: any) => x.scope === 'link').length, altnames: l.altnames ?? [] };
}

describe('link settings beyond a create request in a transaction', () => {
  const ns = useNetnsEach('linkset');

  it('are brought back by a rollback after the link is removed', async () => {
    await withBaseDb(ns(), async (db) => {
      ip(ns(), 'link', 'set', 'va', 'down');
      ip(ns(), 'link', 'set', 'va', 'alias', 'uplink to lab', 'addrgenmode', 'none');
      ip(ns(), 'link', 'property', 'add', 'dev', 'va', 'altname', 'lab-uplink', 'altname', 'lab-uplink-2');
      ip(ns(), 'link', 'set', 'va', 'up');
      const want = { alias: 'uplink to lab', mode: 'none', linkLocal: 0, altnames: ['lab-uplink', 'lab-uplink-2'] };
      expect(settings(ns(), 'va')).toEqual(want);
      await db.sync();
      expect(db.interfaces.va).toMatchObject({ alias: 'uplink to lab', addrGenMode: 'none', altnames: ['lab-uplink', 'lab-uplink-2'] });
      // (Compares the whole `ip -j -d link` and `ip -j addr` dumps, before and after.)
      await expectLinkRemovalUndone(db, ns(), 'va');
      expect(settings(ns(), 'va')).toEqual(want);
    });
  });

  it('are edited like the other fields, and refused when they cannot be right', async () => {
    await withBaseDb(ns(), async (db) => {
      await db.transaction((tx) => {
        tx.interfaces.vb!.alias = 'the other end';
        tx.interfaces.vb!.addrGenMode = 'random';
      });
      expect(settings(ns(), 'vb')).toMatchObject({ alias: 'the other end', mode: 'random' });
      await db.transaction((tx) => { tx.interfaces.vb!.alias = null; });
      expect(settings(ns(), 'vb').alias).toBeNull();

      // A new link gets them right after its create request, before it goes up.
      await db.transaction((tx) => { tx.interfaces.create({ ifname: 'vc', kind: 'veth', peer: 'vd', alias: 'made so', addrGenMode: 'none', state: 'up' }); });
      expect(settings(ns(), 'vc')).toEqual({ alias: 'made so', mode: 'none', linkLocal: 0, altnames: [] });

      const tx = db.begin();
      expect(() => { tx.interfaces.vb!.alias = 'x'.repeat(256); }).toThrow(ValidationError);
      expect(() => { tx.interfaces.vb!.addrGenMode = 'sometimes'; }).toThrow(ValidationError);
      tx.drop();
    });
  });

  it('alternative names are given to new links, refused when the kernel would refuse them, and go with a rolled back link', async () => {
    await withBaseDb(ns(), async (db) => {
      await db.transaction((tx) => {
        const c = tx.interfaces.create({ ifname: 'vc', kind: 'veth', peer: 'vd', altnames: ['lab-c', 'lab-c2'], state: 'up' });
        tx.interfaces.vd!.altnames = ['lab-d'];
        expect(c.altnames).toEqual(['lab-c', 'lab-c2']);
      });
      expect([settings(ns(), 'vc').altnames, settings(ns(), 'vd').altnames]).toEqual([['lab-c', 'lab-c2'], ['lab-d']]);
      expect([db.interfaces.vc!.altnames, db.interfaces.vd!.altnames]).toEqual([['lab-c', 'lab-c2'], ['lab-d']]);

      // Refused before anything is sent, naming the field and the value.
      const tx = db.begin();
      const refusal = (f: () => void): unknown => { try { f(); } catch (e) { return (e as ValidationError).errors?.[0]; } return undefined; };
      const e = tx.interfaces.create({ ifname: 've', kind: 'veth', peer: 'vf' });
      for (const [names, field, value] of [
        [['lab-c'], 'altnames[0]', 'lab-c'], [['ok', 'va'], 'altnames[1]', 'va'], [['same', 'same'], 'altnames[1]', 'same'],
        [['a b'], 'altnames[0]', 'a b'], ['lab-e', 'altnames', 'lab-e'],
      ] as const) {
        expect(refusal(() => { e.altnames = names as never; }), JSON.stringify(names)).toMatchObject({ field, value });
      }
      expect(e.altnames).toEqual([]);
      tx.drop();

      // A commit that fails later takes the new link away, and its names with it.
      const before = ipJson<any>(ns(), 'link', 'show').map((l: any) => [l.ifname, l.altnames ?? []]);
      const err = await db.transaction((t) => {
        t.interfaces.create({ ifname: 'vg', kind: 'veth', peer: 'vh', altnames: ['lab-g'] });
        t.routes.add(UNREACHABLE);
      }).then(() => null, (x: unknown) => x);
      expect(err).toBeInstanceOf(CommitError);
      expect((err as CommitError).rolledBack).toBe(true);
      expect(ipJson<any>(ns(), 'link', 'show').map((l: any) => [l.ifname, l.altnames ?? []])).toEqual(before);
    });
  });

  it("alternative names of existing links are set, on links up and down, and a rollback puts back the list as it was, in its order", async () => {
    await withBaseDb(ns(), async (db) => {
      // (Added while vb is up: the kernel announces no change of a link that is down.)
      for (const dev of ['va', 'vb']) ip(ns(), 'link', 'property', 'add', 'dev', dev, 'altname', `${dev}-1`, 'altname', `${dev}-2`, 'altname', `${dev}-3`);
      ip(ns(), 'link', 'set', 'vb', 'down');
      await db.sync();
      const names = (dev: string): string[] => settings(ns(), dev).altnames;
      // Removed and added: the kept names stay in their places, new ones go behind them.
      await db.transaction((tx) => {
        tx.interfaces.va!.altnames = ['va-new', 'va-1', 'va-3'];
        tx.interfaces.vb!.altnames = [];
        expect(tx.plan().map((op) => describeOp(op))).toEqual([
          'link set va property del altname va-2', 'link set va altname va-new',
          'link set vb property del altname vb-1 property del altname vb-2 property del altname vb-3',
        ]);
      });
      expect([names('va'), names('vb')]).toEqual([['va-1', 'va-3', 'va-new'], []]);
      expect([db.interfaces.va!.altnames, db.interfaces.vb!.altnames]).toEqual([['va-1', 'va-3', 'va-new'], []]);

      // A commit that fails later: the names come back exactly, a removed middle one in its place.
      await db.transaction((tx) => { tx.interfaces.vb!.altnames = ['vb-1', 'vb-2', 'vb-3']; });
      const before = [names('va'), names('vb')];
      const err = await db.transaction((tx) => {
        tx.interfaces.va!.altnames = ['va-1', 'va-new', 'va-x'];
        tx.interfaces.vb!.altnames = ['vb-1', 'vb-3'];
        tx.routes.add(UNREACHABLE);
      }).then(() => null, (x: unknown) => x);
      expect(err).toBeInstanceOf(CommitError);
      expect((err as CommitError).rolledBack).toBe(true);
      expect([names('va'), names('vb')]).toEqual(before);
      expect(before).toEqual([['va-1', 'va-3', 'va-new'], ['vb-1', 'vb-2', 'vb-3']]);

      // Refused before anything is sent: a name another link has, or that is a link's name.
      const tx = db.begin();
      expect(() => { tx.interfaces.va!.altnames = ['vb-1']; }).toThrow(ValidationError);
      expect(() => { tx.interfaces.va!.altnames = ['vb']; }).toThrow(ValidationError);
      tx.drop();
    });
  });
});

describe("a bridge whose ports have all left (its MAC address all zeros, which the kernel refuses to set)", () => {
  const ns = useNetnsEach('zeromac');
  const ZERO = '00:00:00:00:00:00';
  const portless = (n: string): void => {
    for (const args of [
      ['link', 'add', 'brz', 'type', 'bridge', 'forward_delay', '400'], ['link', 'add', 'p1', 'type', 'veth', 'peer', 'name', 'p1b'],
      ['link', 'set', 'p1', 'master', 'brz'], ['link', 'del', 'p1'], ['addr', 'add', '10.60.0.1/24', 'dev', 'brz'], ['link', 'set', 'brz', 'up'],
    ]) ip(n, ...args);
    expect(link(n, 'brz').address).toBe(ZERO);
  };

  it('comes back from a rollback of its removal, with its settings and addresses and a MAC of the kernel\'s choosing', async () => {
    await withBaseDb(ns(), async (db) => {
      portless(ns());
      await db.sync();
      const tx = db.begin();
      tx.interfaces.remove('brz');
      tx.routes.add(UNREACHABLE);
      expect(tx.review()).not.toContain(ZERO);
      await expect(tx.commit()).rejects.toMatchObject({ name: 'CommitError', rolledBack: true });
      const brz = link(ns(), 'brz');
      expect([brz.linkinfo.info_kind, brz.linkinfo.info_data.forward_delay, brz.flags.includes('UP')]).toEqual(['bridge', 400, true]);
      expect(brz.address).not.toBe(ZERO);
      expect(addrs(ns(), 'brz')).toContain('10.60.0.1/24');
    });
  });

  it('gets its first port in a transaction that then fails: undone exactly, without setting the address', async () => {
    await withBaseDb(ns(), async (db) => {
      portless(ns());
      // (With IPv6 on, the kernel sets the bridge up for IPv6 once it has a usable MAC, the port's:
      // a link-local address and a multicast route, which stay when the port leaves. They are the
      // kernel's own, as a checkpoint restore leaves them to it. Without IPv6 on the bridge, the
      // namespace comes back whole.)
      execFileSync('ip', ['netns', 'exec', ns(), 'sysctl', '-q', '-w', 'net.ipv6.conf.brz.disable_ipv6=1']);
      await db.sync();
      const before = await stableDump(ns());
      const tx = db.begin();
      tx.interfaces.vb!.master = 'brz';
      tx.routes.add(UNREACHABLE);
      expect(tx.review()).not.toContain(ZERO);
      await expect(tx.commit()).rejects.toMatchObject({ name: 'CommitError', rolledBack: true });
      // The bridge went back to all zeros by itself when its port left.
      await settleSame(ns(), before);
      expect(link(ns(), 'brz').address).toBe(ZERO);
    });
  });
});
