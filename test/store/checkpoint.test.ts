/** Checkpoints: whole states saved by name, compared object by object and field by field. */
import { describe, expect, it } from 'vitest';
import { keyOf } from '../../src/db/keys.js';
import {
  CheckpointExistsError, CheckpointNotFoundError, isEmptyDiff, type SnapshotDiff,
} from '../../src/store/index.js';
import { addr4, iface, neigh, route4, rule } from '../db/fixtures.js';
import { FakeClock, openDb, useStoreFiles } from './helpers.js';

const files = useStoreFiles();

const seed = (s: import('../db/fake-source.js').FakeSource): void => {
  s.set('interface', iface(2, 'eth0'), { silent: true });
  s.set('interface', iface(3, 'eth1'), { silent: true });
  s.set('address', addr4(2, '10.0.0.1/24'), { silent: true });
  s.set('address', addr4(3, '10.1.0.1/24'), { silent: true });
  s.set('route', route4('10.2.0.0/16', { gateway: '10.0.0.254', oif: 2 }), { silent: true });
  s.set('rule', rule(1000), { silent: true });
};

/** Only the non-empty parts of a diff, keys listed. */
function summary(d: SnapshotDiff): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [kind, k] of Object.entries(d)) {
    if (k.added.length + k.removed.length + k.changed.length === 0) continue;
    out[kind] = {
      added: k.added.map((x) => x.key),
      removed: k.removed.map((x) => x.key),
      changed: k.changed.map((x) => [x.key, x.fields]),
    };
  }
  return out;
}

describe('checkpoints', () => {
  it('saves the live state exactly, and lists it', async () => {
    const store = files.open();
    const { db } = await openDb(seed);
    const ns = store.attach(db, 'main');
    const info = await ns.checkpoint('first');
    expect(info).toMatchObject({ name: 'first', auto: false, replayable: true, objects: 6 });
    expect((await ns.restorePlan('first')).target).toEqual(db.snapshot());
    const all = await ns.checkpoints();
    expect(all.map((c) => [c.auto, c.name.startsWith('@attach ')])).toEqual([[true, true], [false, false]]);
    db.close();
  });

  it('diffs two checkpoints, or one and now, by identity key and field', async () => {
    const clock = new FakeClock();
    const store = files.open({ now: clock.now });
    const { db, source } = await openDb(seed);
    const ns = store.attach(db, 'main');
    await ns.checkpoint('a');
    const atA = db.snapshot();
    clock.advance(1000);
    source.set('interface', iface(2, 'eth0', { mtu: 9000, operstate: 'DOWN' }));
    source.set('route', route4('10.3.0.0/16', { oif: 2 }));
    source.remove('address', addr4(3, '10.1.0.1/24'));
    source.set('neighbour', neigh(2, '10.0.0.9'));
    await db.whenIdle();
    const tB = clock.advance(1000);
    await ns.checkpoint('b');

    const d = await ns.diff('a', 'b');
    expect(summary(d)).toEqual({
      interfaces: { added: [], removed: [], changed: [['2', { mtu: { before: 1500, after: 9000 }, operstate: { before: 'UP', after: 'DOWN' } }]] },
      addresses: { added: [], removed: [keyOf('address', addr4(3, '10.1.0.1/24'))], changed: [] },
      routes: { added: [keyOf('route', route4('10.3.0.0/16', { oif: 2 }))], removed: [], changed: [] },
      neighbours: { added: [keyOf('neighbour', neigh(2, '10.0.0.9'))], removed: [], changed: [] },
    });
    expect(d.routes.added[0]!.record).toEqual(route4('10.3.0.0/16', { oif: 2 }));
    // the mirror image, and the same against now and against a moment
    expect(summary(await ns.diff('b', 'a'))).toEqual({
      interfaces: { added: [], removed: [], changed: [['2', { mtu: { before: 9000, after: 1500 }, operstate: { before: 'DOWN', after: 'UP' } }]] },
      addresses: { added: [keyOf('address', addr4(3, '10.1.0.1/24'))], removed: [], changed: [] },
      routes: { added: [], removed: [keyOf('route', route4('10.3.0.0/16', { oif: 2 }))], changed: [] },
      neighbours: { added: [], removed: [keyOf('neighbour', neigh(2, '10.0.0.9'))], changed: [] },
    });
    expect(await ns.diff('a', 'now')).toEqual(d);
    expect(await ns.diff('a', tB)).toEqual(d);
    expect(isEmptyDiff(await ns.diff('b'))).toBe(true);
    expect(isEmptyDiff(d)).toBe(false);

    const plan = await ns.restorePlan('a');
    expect(plan.target).toEqual(atA);
    expect(plan.diff).toEqual(await ns.diff('now', 'a'));
    expect(plan.checkpoint.name).toBe('a');
    db.close();
  });

  it('refuses duplicate, reserved and unknown names; replaces and deletes on request', async () => {
    const store = files.open();
    const { db, source } = await openDb(seed);
    const ns = store.attach(db, 'main');
    await ns.checkpoint('x');
    await expect(ns.checkpoint('x')).rejects.toBeInstanceOf(CheckpointExistsError);
    await expect(ns.checkpoint('@mine')).rejects.toThrow(/reserved/);
    await expect(ns.diff('nope')).rejects.toBeInstanceOf(CheckpointNotFoundError);
    await expect(ns.restorePlan('nope')).rejects.toBeInstanceOf(CheckpointNotFoundError);
    source.set('route', route4('10.9.0.0/16'));
    await db.whenIdle();
    await ns.checkpoint('x', undefined, { replace: true });
    expect(isEmptyDiff(await ns.diff('x'))).toBe(true);
    expect(await ns.deleteCheckpoint('x')).toBe(true);
    expect(await ns.deleteCheckpoint('x')).toBe(false);
    expect((await ns.checkpoints()).map((c) => c.name).filter((n) => !n.startsWith('@'))).toEqual([]);
    db.close();
  });

  it('saves a snapshot handed in, without a database attached; "now" is then the last recorded state', async () => {
    const store = files.open();
    const { db, source } = await openDb(seed);
    const recorded = store.attach(db, 'main');
    source.set('route', route4('10.4.0.0/16'));
    await db.whenIdle();
    const last = db.snapshot();
    db.close();
    await recorded.flush();

    const other = store.namespace('offline');
    await expect(other.checkpoint('c')).rejects.toThrow(/no database attached/);
    const info = await other.checkpoint('c', last);
    expect(info).toMatchObject({ replayable: false, objects: 7 });
    expect((await other.restorePlan('c')).target).toEqual(last);
    // 'main' is detached: its 'now' comes from the current-state tables
    await recorded.checkpoint('snap', last);
    expect(isEmptyDiff(await recorded.diff('snap', 'now'))).toBe(true);
  });
});
