/**
 * db.interfaces.freeze(): the interface is kept as it was when frozen; other programs' changes to
 * it (made here with `ip`) are reverted by transactions of the database, its own commits are
 * kept, and after unfreeze() nothing is reverted any more.
 */
import { describe, expect, it } from 'vitest';
import { ip, ipBatch, ipJson, useNetnsEach } from '../helpers/netns.js';
import { noDad } from '../helpers/witness.js';
import { addrs, BASE_SETUP, link, openDb, until } from './helpers.js';

const names = (ns: string) => ipJson<any>(ns, 'link', 'show').map((l) => l.ifname as string).sort();

describe('freezing an interface', () => {
  const ns = useNetnsEach('frz');

  async function start() {
    noDad(ns());
    ipBatch(ns(), [...BASE_SETUP, 'link add ifb0 type ifb', 'link set ifb0 up', 'addr add 10.7.0.1/24 dev ifb0']);
    return openDb(ns());
  }

  it('reverts settings and addresses changed by others, keeps its own commits, stops on unfreeze', async () => {
    const db = await start();
    const errors: Error[] = [];
    const sub = db.errors$.subscribe((e) => errors.push(e));
    try {
      ip(ns(), 'link', 'property', 'add', 'dev', 'va', 'altname', 'fa', 'altname', 'fb');
      await db.sync();
      db.interfaces.freeze('va');

      ip(ns(), 'link', 'set', 'va', 'mtu', '1300');
      await until('mtu 1500 again', () => link(ns(), 'va').mtu === 1500);

      // Alternative names: one added by someone else goes again, one removed comes back (behind
      // the other: which names, not their order, is what is kept).
      const altnames = () => ((link(ns(), 'va').altnames ?? []) as string[]).slice().sort().join(' ');
      ip(ns(), 'link', 'property', 'add', 'dev', 'va', 'altname', 'not-frozen');
      await until('the alternative name gone', () => altnames() === 'fa fb');
      ip(ns(), 'link', 'property', 'del', 'dev', 'va', 'altname', 'fa');
      await until('the alternative name back', () => altnames() === 'fa fb');
      // Our own change of them is the new normal.
      await db.transaction((tx) => { tx.interfaces.va!.altnames = ['fb', 'fc']; });
      await new Promise((r) => setTimeout(r, 300));
      expect(altnames()).toBe('fb fc');

      ip(ns(), 'addr', 'add', '10.0.0.9/24', 'dev', 'va');
      ip(ns(), 'addr', 'del', '2001:db8::1/64', 'dev', 'va');
      await until('addresses back', () => {
        const a = addrs(ns(), 'va');
        return !a.includes('10.0.0.9/24') && a.includes('2001:db8::1/64') && a.includes('10.0.0.1/24');
      });

      // A rename needs the link down: reverted in two steps (name back, then up).
      ip(ns(), 'link', 'set', 'va', 'down');
      ip(ns(), 'link', 'set', 'va', 'name', 'vz');
      await until('name and state back', () => names(ns()).includes('va') && link(ns(), 'va').flags.includes('UP'));
      await until('IPv6 address back after the link was down', () => addrs(ns(), 'va').includes('2001:db8::1/64'));
      // Renamed while up (this kernel allows it): the freezer's first step (down, and the name back)
      // is its own, not a new normal, so its second brings the link up again.
      ip(ns(), 'link', 'set', 'va', 'name', 'vy');
      await until('renamed while up: name and state back', () => names(ns()).includes('va') && link(ns(), 'va').flags.includes('UP'));
      await until('IPv6 address back again', () => addrs(ns(), 'va').includes('2001:db8::1/64'));

      // Our own change is the new normal.
      await db.transaction((tx) => { tx.interfaces.va!.mtu = 1400; });
      await new Promise((r) => setTimeout(r, 300));
      expect(link(ns(), 'va').mtu).toBe(1400);

      // Other interfaces are not frozen.
      ip(ns(), 'link', 'set', 'vb', 'mtu', '1280');
      await new Promise((r) => setTimeout(r, 300));
      expect(link(ns(), 'vb').mtu).toBe(1280);

      expect(db.interfaces.unfreeze('va')).toBe(true);
      ip(ns(), 'link', 'set', 'va', 'mtu', '1300');
      await new Promise((r) => setTimeout(r, 300));
      expect(link(ns(), 'va').mtu).toBe(1300);
      // Every revert settled (none gave up after its rounds).
      expect(errors).toEqual([]);
    } finally {
      sub.unsubscribe();
      db.close();
    }
  });

  it('creates a deleted interface again, with its index, name, MAC, alias, alternative names and addresses', async () => {
    const db = await start();
    try {
      ip(ns(), 'link', 'set', 'ifb0', 'alias', 'kept as it is');
      ip(ns(), 'link', 'property', 'add', 'dev', 'ifb0', 'altname', 'ifb-frozen');
      await db.sync();
      const was = link(ns(), 'ifb0');
      expect([was.ifalias, was.altnames]).toEqual(['kept as it is', ['ifb-frozen']]);
      db.interfaces.freeze('ifb0');
      ip(ns(), 'link', 'del', 'ifb0');
      await until('ifb0 back', () => names(ns()).includes('ifb0') && addrs(ns(), 'ifb0').includes('10.7.0.1/24') && link(ns(), 'ifb0').flags.includes('UP'));
      const now = link(ns(), 'ifb0');
      expect([now.ifindex, now.address, now.mtu, now.ifalias, now.altnames]).toEqual([was.ifindex, was.address, was.mtu, was.ifalias, was.altnames]);
    } finally {
      db.close();
    }
  });
});
