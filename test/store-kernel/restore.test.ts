/**
 * Checkpoints on the kernel: a checkpoint, changes made with `ip` (links added and deleted, a
 * veth pair on a bridge, addresses, routes in two tables, a rule, a permanent neighbour, an MTU),
 * then db.restore() → review → commit, and the namespace equals the checkpoint again as `ip -j`
 * shows it (test/helpers/witness.ts). A restore the kernel refuses half way is rolled back like
 * any other transaction.
 */
import { describe, expect, it } from 'vitest';
import {
  CheckpointExistsError, CheckpointNotFoundError, CommitError, isEmptyDiff, type IPDB,
} from '../../src/index.js';
import { ip, ipJson, useNetnsEach } from '../helpers/netns.js';
import { diffStates, kernelState, noDad, settle, type WState } from '../helpers/witness.js';
import { useStoreDbs } from './helpers.js';

const netns = useNetnsEach('sr');
const dbs = useStoreDbs();

/** lo, a bridge with one end of a veth pair as its port, another veth pair with addresses, routes, a rule, a neighbour. */
function build(ns: string): void {
  noDad(ns);
  const cmds = [
    'link add br0 type bridge', 'link set br0 up',
    'link add vc type veth peer name vd', 'link set vc master br0', 'link set vc up', 'link set vd up',
    // Port settings, which the kernel resets when the link joins its bridge again.
    'link set vc type bridge_slave hairpin on cost 7 isolated on',
    // Alternative names (link properties), on both ends of the pair.
    'link property add dev vc altname lab-port altname vc-second', 'link property add dev vd altname vd-alt',
    'link add va type veth peer name vb', 'link set va up', 'link set vb up', 'link property add dev va altname va-alt',
    'addr add 10.1.0.1/24 dev va', 'addr add 10.1.0.5/24 dev va', 'addr add 2001:db8:1::1/64 dev va', 'addr add 10.3.0.1/24 dev br0',
    'route add 10.50.0.0/16 via 10.1.0.2', 'route add 10.51.0.0/16 via 10.1.0.2 metric 20',
    'route add 10.60.0.0/16 via 10.1.0.2 table 100', 'route add 2001:db8:50::/48 via 2001:db8:1::2',
    // An IPv6 next hop of an IPv4 route (RTA_VIA), a source-specific IPv6 route (RTA_SRC), an onlink one,
    // realms (RTA_FLOW), a seg6 encapsulation.
    'route add 10.53.0.0/16 via inet6 2001:db8:1::2 dev va', 'route add 2001:db8:51::/48 from 2001:db8:9::/48 via 2001:db8:1::2',
    'route add 10.54.0.0/16 via 192.0.2.1 dev va onlink', 'route add 10.55.0.0/16 via 10.1.0.2 realms 3/5',
    'route add 2001:db8:52::/48 encap seg6 mode encap segs 2001:db8:1::9 dev va',
    'rule add from 10.1.0.0/24 table 100 priority 1000',
    'neigh add 10.1.0.9 lladdr 02:00:00:00:00:09 dev va nud permanent',
  ];
  for (const c of cmds) ip(ns, ...c.split(' '));
}

/** Waits until the database agrees with `ip -j`, then reads `ip -j`. */
async function witness(db: IPDB, ns: string): Promise<WState> {
  await settle(db, ns);
  return kernelState(ns);
}

describe('checkpoint, change with ip, restore', () => {
  it('brings the namespace back to the checkpoint', async () => {
    const ns = netns();
    build(ns);
    const db = await dbs.open({ netns: ns, store: dbs.path() });
    const saved = await witness(db, ns);
    const info = await db.checkpoint('base');
    expect(info.name).toBe('base');
    expect(info.auto).toBe(false);
    expect(info.objects).toBeGreaterThan(20);
    await expect(db.checkpoint('base')).rejects.toBeInstanceOf(CheckpointExistsError);
    expect((await db.checkpoints()).filter((c) => !c.auto).map((c) => c.name)).toEqual(['base']);
    expect(isEmptyDiff(await db.diff('base'))).toBe(true);

    const changes = [
      'link del vc', // the veth pair on the bridge goes (vd with it)
      'link add vx type veth peer name vy', 'link set vx up', 'link set vy up', 'addr add 10.2.0.1/24 dev vx',
      'route add 10.70.0.0/16 via 10.2.0.2',
      'link set va mtu 1400', 'link set vb address 02:00:00:00:00:0b',
      'link property del dev va altname va-alt', 'link property add dev va altname va-new',
      'addr del 10.1.0.5/24 dev va', 'addr del 2001:db8:1::1/64 dev va', 'addr add 10.1.0.7/24 dev va',
      'route del 10.50.0.0/16', 'route del 10.60.0.0/16 table 100', 'route add 10.52.0.0/16 via 10.1.0.2',
      'route del 10.53.0.0/16', 'route del 2001:db8:51::/48 from 2001:db8:9::/48', 'route del 10.54.0.0/16',
      'route del 10.55.0.0/16', 'route del 2001:db8:52::/48',
      'rule del priority 1000', 'rule add from 10.9.0.0/24 table 100 priority 1001',
      'neigh del 10.1.0.9 dev va', 'neigh add 10.1.0.10 lladdr 02:00:00:00:00:10 dev va nud permanent',
      'link set vb down',
    ];
    for (const c of changes) ip(ns, ...c.split(' '));
    const changed = await witness(db, ns);
    expect(diffStates(saved, changed).length).toBeGreaterThan(10);

    const diff = await db.diff('base');
    expect(diff.interfaces.removed.map((x) => x.record.ifname).sort()).toEqual(['vc', 'vd']);
    expect(diff.interfaces.added.map((x) => x.record.ifname).sort()).toEqual(['vx', 'vy']);
    // diff(a, b) goes from a to b: from the checkpoint to now.
    const va = diff.interfaces.changed.find((c) => c.after.ifname === 'va');
    expect(va?.fields.mtu).toEqual({ before: 1500, after: 1400 });
    expect(diff.rules.removed.map((x) => x.record.priority)).toEqual([1000]);

    const tx = await db.restore('base');
    const review = tx.review();
    for (const word of [/link add v[cd] /, /link del v[xy]\n/, /link set va mtu 1500\n/, /route add 10\.50\.0\.0\/16 via 10\.1\.0\.2 /,
      /route add 10\.60\.0\.0\/16 .*table 100 /, /route del 10\.52\.0\.0\/16 /, /address add 10\.1\.0\.5\/24 dev va\n/,
      /address add 2001:db8:1::1\/64 dev va\n/, /address del 10\.1\.0\.7\/24 dev va\n/, /rule add from 10\.1\.0\.0\/24 priority 1000 /,
      /rule del from 10\.9\.0\.0\/24 /, /neighbour add 10\.1\.0\.9 /, /neighbour del 10\.1\.0\.10 /, /link set vb up\n/]) {
      expect(review, String(word)).toMatch(word);
    }
    // The kernel's own objects are left to it: no link-local address, no proto kernel route.
    expect(review.split('\n').filter((l) => /^ +\d+ /.test(l)).join('\n')).not.toMatch(/fe80:|proto kernel/);
    // Nothing is sent before commit().
    expect(diffStates(changed, kernelState(ns))).toEqual([]);
    await tx.commit();
    const restored = await witness(db, ns);
    expect(diffStates(saved, restored)).toEqual([]);
    const vc = ipJson<any>(ns, '-d', 'link', 'show', 'dev', 'vc')[0].linkinfo.info_slave_data;
    expect({ hairpin: vc.hairpin, cost: vc.cost, isolated: vc.isolated }).toEqual({ hairpin: true, cost: 7, isolated: true });
    const altnames = (dev: string): string[] => ipJson<any>(ns, 'link', 'show', 'dev', dev)[0].altnames ?? [];
    expect({ vc: altnames('vc'), vd: altnames('vd'), va: altnames('va') }).toEqual({ vc: ['lab-port', 'vc-second'], vd: ['vd-alt'], va: ['va-alt'] });

    // Nothing is left to restore, and the checkpoint and now agree (bridge timers aside).
    const again = await db.restore('base');
    expect(again.plan()).toEqual([]);
    again.drop();
    const after = await db.diff('base');
    expect(after.interfaces.changed.every((c) => Object.keys(c.fields).every((f) => f === 'info' || f === 'operstate' || f === 'flags'))).toBe(true);
    expect(isEmptyDiff({ ...after, interfaces: { added: after.interfaces.added, removed: after.interfaces.removed, changed: [] } })).toBe(true);

    // The restore's changes are in the history under its transaction id.
    const commits = await db.history({ origin: 'commit' });
    expect(commits.length).toBeGreaterThan(5);
    expect(new Set(commits.map((e) => e.txid))).toEqual(new Set([tx.id]));
  });

  it('rolls back a restore the kernel refuses half way', async () => {
    const ns = netns();
    build(ns);
    const db = await dbs.open({ netns: ns, store: dbs.path() });
    await witness(db, ns);
    await db.checkpoint('base');
    ip(ns, 'link', 'set', 'va', 'mtu', '1400');
    ip(ns, 'route', 'del', '10.50.0.0/16');
    await db.sync();
    const tx = await db.restore('base');
    expect(tx.review()).toContain('10.50.0.0/16');
    // The route's gateway becomes unreachable before the commit: the MTU goes through, the
    // route is refused (ENETUNREACH), and the MTU is set back.
    // (Deleting the primary address takes the secondary 10.1.0.5/24 with it.)
    ip(ns, 'addr', 'del', '10.1.0.1/24', 'dev', 'va');
    const before = await witness(db, ns);
    const err = await tx.commit().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(CommitError);
    expect((err as CommitError).rolledBack).toBe(true);
    expect(tx.status).toBe('failed');
    expect(diffStates(before, await witness(db, ns))).toEqual([]);
  });

  it('brings back a bridge whose ports had all left (its MAC all zeros, which no request may ask for)', async () => {
    const ns = netns();
    noDad(ns);
    for (const c of ['link add brz type bridge forward_delay 400', 'link add p1 type veth peer name p1b', 'link set p1 master brz', 'link del p1', 'addr add 10.61.0.1/24 dev brz']) ip(ns, ...c.split(' '));
    const db = await dbs.open({ netns: ns, store: dbs.path() });
    await witness(db, ns);
    expect(db.interfaces.brz!.address).toBe('00:00:00:00:00:00');
    await db.checkpoint('portless');
    ip(ns, 'link', 'del', 'brz');
    await db.sync();
    const tx = await db.restore('portless');
    expect(tx.review()).not.toContain('00:00:00:00:00:00');
    await tx.commit();
    const brz = ipJson<any>(ns, '-d', 'link', 'show', 'brz')[0];
    expect([brz.linkinfo.info_data.forward_delay, brz.address === '00:00:00:00:00:00']).toEqual([400, false]);
    expect(ipJson<any>(ns, 'addr', 'show', 'brz')[0].addr_info.map((a: any) => a.local)).toContain('10.61.0.1');
  });

  it('names a checkpoint that does not exist', async () => {
    const ns = netns();
    const db = await dbs.open({ netns: ns, store: dbs.path() });
    await expect(db.restore('nope')).rejects.toBeInstanceOf(CheckpointNotFoundError);
    await expect(db.diff('nope')).rejects.toBeInstanceOf(CheckpointNotFoundError);
  });
});
