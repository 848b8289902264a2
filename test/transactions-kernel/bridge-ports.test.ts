/**
 * Bridge port settings (hairpin, isolation, cost, ...): the kernel resets them whenever a link
 * joins a bridge, so a rollback that makes a port again, or puts it back into its bridge, has to
 * set them again. The database follows them from both kinds of announcement: the AF_UNSPEC link
 * message (`ip link set type bridge_slave`) and the AF_BRIDGE one that is all `bridge link set`
 * sends. Checked with `ip -j -d link`.
 */
import { describe, expect, it } from 'vitest';
import { CommitError } from '../../src/index.js';
import { ValidationError } from '../../src/iproute/errors.js';
import { ip, ipJson, useNetnsEach } from '../helpers/netns.js';
import { execFileSync } from 'node:child_process';
import { settle } from '../helpers/witness.js';
import { expectLinkRemovalUndone, settleSame, stableDump, UNREACHABLE, withBaseDb } from './helpers.js';

/** What `ip -j -d link` says of `dev`'s port settings (ip's names), or null when it is no port. */
function port(ns: string, dev: string): Record<string, unknown> | null {
  const d = ipJson<any>(ns, '-d', 'link', 'show', 'dev', dev)[0].linkinfo?.info_slave_data;
  if (!d) return null;
  return { cost: d.cost, priority: d.priority, hairpin: d.hairpin, isolated: d.isolated, learning: d.learning, flood: d.flood, bcast_flood: d.bcast_flood };
}

function bridge(ns: string, ...args: string[]): void {
  execFileSync('bridge', ['-n', ns, ...args], { stdio: 'pipe' });
}

/** `va` a port of a new bridge br0, with settings made both ways ip can make them. */
function portSetUp(ns: string): Record<string, unknown> {
  ip(ns, 'link', 'add', 'br0', 'type', 'bridge');
  // (No link-local address: one made again by a rollback would derive from another MAC address.)
  ip(ns, 'link', 'set', 'br0', 'addrgenmode', 'none');
  ip(ns, 'link', 'set', 'br0', 'up');
  ip(ns, 'link', 'set', 'va', 'master', 'br0');
  ip(ns, 'link', 'set', 'va', 'type', 'bridge_slave', 'hairpin', 'on', 'cost', '7', 'priority', '9');
  bridge(ns, 'link', 'set', 'dev', 'va', 'isolated', 'on', 'learning', 'off', 'flood', 'off');
  const want = { cost: 7, priority: 9, hairpin: true, isolated: true, learning: false, flood: false, bcast_flood: true };
  expect(port(ns, 'va')).toEqual(want);
  return want;
}

describe('bridge port settings in transactions', () => {
  const ns = useNetnsEach('brport');

  it('are followed from both kinds of announcement', async () => {
    await withBaseDb(ns(), async (db) => {
      portSetUp(ns());
      await db.sync();
      expect(db.interfaces.va!.port).toMatchObject({ cost: 7, priority: 9, mode: true, isolated: true, learning: false, unicastFlood: false, bcastFlood: true });
      expect(db.interfaces.vb!.port).toBeNull();
      // `bridge link set` says so in an AF_BRIDGE message only.
      bridge(ns(), 'link', 'set', 'dev', 'va', 'isolated', 'off');
      await db.sync();
      expect(port(ns(), 'va')!.isolated).toBe(false);
      expect(db.interfaces.va!.port!.isolated).toBe(false);
      ip(ns(), 'link', 'set', 'va', 'nomaster');
      await db.sync();
      expect(db.interfaces.va!.port).toBeNull();
    });
  });

  it('come back with a port a failed commit removed', async () => {
    await withBaseDb(ns(), async (db) => {
      const want = portSetUp(ns());
      await db.sync();
      // (Compares the whole `ip -j -d link` and `ip -j addr` dumps, before and after.)
      await expectLinkRemovalUndone(db, ns(), 'va');
      expect(port(ns(), 'va')).toEqual(want);
    });
  });

  it('come back with a port a failed commit took out of its bridge, or whose bridge it removed', async () => {
    await withBaseDb(ns(), async (db) => {
      const want = portSetUp(ns());
      await settle(db, ns());
      const before = await stableDump(ns());
      for (const change of [
        (tx: Parameters<Parameters<typeof db.transaction>[0]>[0]) => { tx.interfaces.va!.master = null; },
        (tx: Parameters<Parameters<typeof db.transaction>[0]>[0]) => { tx.interfaces.remove('br0'); },
      ]) {
        const failed = db.transaction((tx) => {
          change(tx);
          tx.routes.add(UNREACHABLE);
        });
        await expect(failed).rejects.toBeInstanceOf(CommitError);
        await expect(failed).rejects.toMatchObject({ rolledBack: true });
        await settleSame(ns(), before);
        expect(port(ns(), 'va')).toEqual(want);
      }
    });
  });

  it('are edited, whole or one at a time, kept when a port moves to another bridge, and refused when wrong', async () => {
    await withBaseDb(ns(), async (db) => {
      ip(ns(), 'link', 'add', 'br0', 'type', 'bridge');
      ip(ns(), 'link', 'add', 'br1', 'type', 'bridge');
      await db.sync();
      await db.transaction((tx) => {
        const va = tx.interfaces.va!;
        va.master = 'br0';
        va.port = { mode: true, cost: 12 };
        va.port.isolated = true;
        expect(va.port).toMatchObject({ mode: true, cost: 12, isolated: true });
      });
      expect(port(ns(), 'va')).toMatchObject({ hairpin: true, cost: 12, isolated: true, learning: true });
      expect(db.interfaces.va!.port).toMatchObject({ mode: true, cost: 12, isolated: true });

      // A port that changes bridge keeps what it shows.
      await db.transaction((tx) => { tx.interfaces.va!.master = 'br1'; });
      expect(ipJson<any>(ns(), '-d', 'link', 'show', 'dev', 'va')[0].master).toBe('br1');
      expect(port(ns(), 'va')).toMatchObject({ hairpin: true, cost: 12, isolated: true });

      // A link made on a bridge, with settings.
      await db.transaction((tx) => { tx.interfaces.create({ ifname: 'vc', kind: 'veth', peer: 'vd', master: 'br0', port: { learning: false, priority: 3 } }); });
      expect(port(ns(), 'vc')).toMatchObject({ learning: false, priority: 3, hairpin: false });

      const tx = db.begin();
      expect(() => { tx.interfaces.va!.port = { hairpin: true } as never; }).toThrow(ValidationError);
      expect(() => { tx.interfaces.va!.port = { mode: 1 } as never; }).toThrow(ValidationError);
      expect(() => { tx.interfaces.va!.port = { cost: -1 }; }).toThrow(ValidationError);
      expect(() => { tx.interfaces.va!.port = null as never; }).toThrow(ValidationError);
      tx.drop();
      // Settings for a link that is no bridge's port are refused before anything is sent.
      const wrong = db.transaction((t) => {
        t.interfaces.vb!.mtu = 1400;
        t.interfaces.vb!.port = { mode: true };
      });
      await expect(wrong).rejects.toBeInstanceOf(ValidationError);
      await expect(wrong).rejects.toThrow(/port/);
      expect(ipJson<any>(ns(), 'link', 'show', 'dev', 'vb')[0].mtu).toBe(1500);
    });
  });
});
