/**
 * Mark, dump, sweep: the database corrected from a dump reports exactly the real differences,
 * once each, origin 'resync'.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyOf } from '../../src/db/keys.js';
import { reconcile, Resync } from '../../src/db/reconcile.js';
import { reduce } from '../../src/db/reducer.js';
import { DbState } from '../../src/db/state.js';
import { emptySnapshot } from '../../src/db/table.js';
import type { RecordEvent, RouteRecord } from '../../src/iproute/records.js';
import { addr4, fresh, iface, nu, route4 } from './fixtures.js';
import { asMaps, keys, replay } from './helpers.js';

const dumpOf = (...records: RouteRecord[]): RecordEvent[] => records.map((r) => ({ kind: 'route', op: 'new', record: fresh(r) }));

describe('reconcile', () => {
  const r1 = route4('10.1.0.0/16', { gateway: '10.0.0.1' });
  const r2 = route4('10.2.0.0/16', { gateway: '10.0.0.1' });
  const r3 = route4('10.3.0.0/16', { gateway: '10.0.0.1' });
  const base = () => reduce(emptySnapshot(), [nu('interface', iface(2, 'a')), nu('route', fresh(r1)), nu('route', fresh(r2)), nu('route', fresh(r3))], 'kernel').snapshot;

  it('reports an add, a change and a remove, each once, origin resync', () => {
    const s = base();
    const r4 = route4('10.4.0.0/16', { gateway: '10.0.0.1' });
    // IPv4 routes never change in place, so use an interface for the 'change'
    const out = reconcile(s, ['route', 'interface'], [...dumpOf(r1, r3, r4), { kind: 'interface', op: 'new', record: iface(2, 'a', { mtu: 9000 }) }]);
    expect(out.changes.map((c) => `${c.op} ${c.kind}`).sort()).toEqual(['add route', 'change interface', 'remove route']);
    expect(out.changes.every((c) => c.origin === 'resync')).toBe(true);
    expect(out.changes.find((c) => c.op === 'remove')!.key).toBe(keyOf('route', r2));
    expect(replay(s, out.changes)).toEqual(asMaps(out.snapshot));
  });

  it('a dump equal to the state changes nothing, and keeps the snapshot object', () => {
    const s = base();
    const out = reconcile(s, ['route'], dumpOf(r3, r2, r1));
    expect(out.changes).toEqual([]);
    expect(out.snapshot).toBe(s);
  });

  it('unchanged records keep their identity through a correcting dump', () => {
    const s = base();
    const before = new DbState(s).routes.get(keyOf('route', r1));
    const out = reconcile(s, ['route'], dumpOf(r1, r2));
    expect(new DbState(out.snapshot).routes.get(keyOf('route', r1))).toBe(before);
  });

  it('sweeps only the kinds dumped, and only what is in scope', () => {
    const s = reduce(base(), [nu('address', addr4(2, '10.0.0.5/24')), nu('route', route4('10.9.0.0/16', { table: 100 }))], 'kernel').snapshot;
    const out = reconcile(s, ['route'], dumpOf(r1), { inScope: (_k, r) => (r as RouteRecord).table === 254 });
    expect(out.changes.map((c) => c.op)).toEqual(['remove', 'remove']);
    expect(keys(out.snapshot, 'address')).toHaveLength(1);
    expect(new DbState(out.snapshot).routes.toArray().map((r) => r.table)).toEqual([100, 254]);
  });

  it('applied in slices (as a dump arrives) it gives the same result as in one go', () => {
    const s = base();
    const dump = dumpOf(...Array.from({ length: 30 }, (_, i) => route4(`10.${100 + i}.0.0/16`, { oif: 2 })), r2);
    const once = reconcile(s, ['route'], dump);
    const sliced = new Resync(['route']);
    let cur = s;
    const changes = [];
    for (let i = 0; i < dump.length; i += 7) {
      const u = sliced.apply(cur, dump.slice(i, i + 7));
      cur = u.snapshot;
      changes.push(...u.changes);
    }
    for (;;) {
      const u = sliced.sweep(cur, 1);
      cur = u.snapshot;
      changes.push(...u.changes);
      if (u.done) break;
    }
    expect(asMaps(cur)).toEqual(asMaps(once.snapshot));
    expect(changes.map((c) => `${c.op} ${c.key}`).sort()).toEqual(once.changes.map((c) => `${c.op} ${c.key}`).sort());
  });

  it('property: any state reconciled with any dump becomes the dump, with one change per differing key', () => {
    const arbRoute = fc.record({
      n: fc.integer({ min: 0, max: 20 }),
      oif: fc.integer({ min: 2, max: 4 }),
      prio: fc.constantFrom(null, 10, 20),
      proto: fc.constantFrom('boot', 'static'),
    }).map(({ n, oif, prio, proto }) => route4(`10.${n}.0.0/16`, { oif, priority: prio, protocol: proto }));
    fc.assert(fc.property(fc.array(arbRoute, { maxLength: 25 }), fc.array(arbRoute, { maxLength: 25 }), (have, truth) => {
      const s = reduce(emptySnapshot(), have.map((r) => nu('route', fresh(r))), 'kernel').snapshot;
      const out = reconcile(s, ['route'], dumpOf(...truth));
      const want = new Map(truth.map((r) => [keyOf('route', r), r]));
      const got = asMaps(out.snapshot).get('route')!;
      expect(new Set(got.keys())).toEqual(new Set(want.keys()));
      const haveKeys = new Set(keys(s, 'route'));
      const diff = [...want.keys()].filter((k) => !haveKeys.has(k)).length + [...haveKeys].filter((k) => !want.has(k)).length;
      expect(out.changes).toHaveLength(diff);
      expect(new Set(out.changes.map((c) => c.key)).size).toBe(out.changes.length);
      expect(reconcile(out.snapshot, ['route'], dumpOf(...truth)).changes).toEqual([]);
    }));
  });
});
