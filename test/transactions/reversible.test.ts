/**
 * Property tests (STYLE.md practice 8: "replayable" and "reversible"): random transactions over
 * the fixture namespace, planned, then applied to the kernel simulator (sim.ts, written apart
 * from the planner's own side-effect model):
 * - reversible: whatever prefix of the plan took effect, its inverses put the simulator back to
 *   the original state exactly (also when later operations of a pipelined batch ran after a
 *   failed one, with the rollback planned from what actually happened);
 * - replayable: a plan the simulator accepts whole leaves what the draft said, and replaying it
 *   on a fresh copy gives the same state.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KEY_OF } from '../../src/db/keys.js';
import { ValidationError } from '../../src/iproute/errors.js';
import { tableOf } from '../../src/transactions/base.js';
import { rollbackOps } from '../../src/transactions/inverse.js';
import type { KeyFns } from '../../src/transactions/base.js';
import { describeOne, retryLater, undoSequence, type Operation } from '../../src/transactions/ops.js';
import { begin, type Transaction } from '../../src/transactions/transaction.js';
import { buildWorld, sequential } from './fixture.js';
import { SimError, type World } from './sim.js';

const LINKS = ['lo', 'eth0', 'v0', 'v1', 'br0', 'mv0', 'n0', 'n1', 'n2'];
const IPS = ['10.0.0.3/24', '10.0.0.1/24', '10.5.0.1/24', '10.5.0.2/24', '2001:db8::7/64', '2001:db8:5::1/64', '10.0.0.2/24'];
const DSTS = ['10.1.0.0/16', '10.6.0.0/16', '10.7.0.0/24', 'default', '10.2.0.0/16', '2001:db8:9::/48'];

type Action =
  | { t: 'mtu'; link: string; mtu: number }
  | { t: 'state'; link: string; up: boolean }
  | { t: 'rename'; link: string; to: string; down: boolean }
  | { t: 'master'; link: string; master: string | null }
  | { t: 'mac'; link: string; n: number }
  | { t: 'addIp'; link: string; ip: string }
  | { t: 'delIp'; link: string; pick: number }
  | { t: 'veth'; name: string; peer: string; up: boolean }
  | { t: 'bridge'; name: string }
  | { t: 'remove'; link: string }
  | { t: 'routeAdd'; dst: string; link: string; priority: number }
  | { t: 'routeAppend'; dst: string; link: string }
  | { t: 'routeReplace'; dst: string; link: string }
  | { t: 'routeRemove'; pick: number }
  | { t: 'ruleAdd'; priority: number; table: number }
  | { t: 'ruleRemove'; pick: number }
  | { t: 'neighAdd'; link: string; n: number }
  | { t: 'neighRemove'; pick: number }
  | { t: 'move'; link: string };

const link = fc.constantFrom(...LINKS);
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ t: fc.constant('mtu' as const), link, mtu: fc.constantFrom(1000, 1400, 1500, 9000, 40) }),
  fc.record({ t: fc.constant('state' as const), link, up: fc.boolean() }),
  fc.record({ t: fc.constant('rename' as const), link, to: fc.constantFrom('x0', 'x1', 'v0', 'br0'), down: fc.boolean() }),
  fc.record({ t: fc.constant('master' as const), link, master: fc.constantFrom('br0', 'n0', null) }),
  fc.record({ t: fc.constant('mac' as const), link, n: fc.integer({ min: 1, max: 250 }) }),
  fc.record({ t: fc.constant('addIp' as const), link, ip: fc.constantFrom(...IPS) }),
  fc.record({ t: fc.constant('delIp' as const), link, pick: fc.nat(5) }),
  fc.record({ t: fc.constant('veth' as const), name: fc.constantFrom('n0', 'n1'), peer: fc.constantFrom('n1', 'n2'), up: fc.boolean() }),
  fc.record({ t: fc.constant('bridge' as const), name: fc.constantFrom('n0', 'n2') }),
  fc.record({ t: fc.constant('remove' as const), link }),
  fc.record({ t: fc.constant('routeAdd' as const), dst: fc.constantFrom(...DSTS), link, priority: fc.constantFrom(0, 10, 20) }),
  fc.record({ t: fc.constant('routeAppend' as const), dst: fc.constantFrom(...DSTS), link }),
  fc.record({ t: fc.constant('routeReplace' as const), dst: fc.constantFrom(...DSTS), link }),
  fc.record({ t: fc.constant('routeRemove' as const), pick: fc.nat(30) }),
  fc.record({ t: fc.constant('ruleAdd' as const), priority: fc.constantFrom(100, 200), table: fc.constantFrom(100, 101) }),
  fc.record({ t: fc.constant('ruleRemove' as const), pick: fc.nat(5) }),
  fc.record({ t: fc.constant('neighAdd' as const), link, n: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ t: fc.constant('neighRemove' as const), pick: fc.nat(5) }),
  fc.record({ t: fc.constant('move' as const), link }),
);

function run(tx: Transaction, a: Action): void {
  const l = a.t === 'veth' || a.t === 'bridge' || a.t === 'routeRemove' || a.t === 'ruleRemove' || a.t === 'neighRemove' || a.t === 'ruleAdd'
    ? undefined : tx.interfaces.get(a.link);
  const need = () => l ?? (() => { throw new ValidationError([{ field: 'link', value: null, expected: 'interface', reason: 'test: gone' }]); })();
  const v4 = (ip: string) => !ip.includes(':');
  switch (a.t) {
    case 'mtu': need().mtu = a.mtu; break;
    case 'state': need().state = a.up ? 'up' : 'down'; break;
    // A link that is up is renamed only together with setting it down (plan.ts refuses otherwise).
    case 'rename': { const l = need(); if (a.down) l.state = 'down'; l.ifname = a.to; break; }
    case 'master': need().master = a.master; break;
    case 'mac': need().address = `02:00:00:00:01:${a.n.toString(16).padStart(2, '0')}`; break;
    case 'addIp': need().addIp(a.ip); break;
    case 'delIp': { const list = need().addresses; const x = list[a.pick % Math.max(1, list.length)]; if (x) tx.addresses.remove(x); break; }
    case 'veth': tx.interfaces.create({ ifname: a.name, kind: 'veth', peer: a.peer, state: a.up ? 'up' : 'down' }); break;
    case 'bridge': tx.interfaces.create({ ifname: a.name, kind: 'bridge', state: 'up' }); break;
    case 'remove': tx.interfaces.remove(a.link); break;
    case 'routeAdd': tx.routes.add({ dst: a.dst, oif: need().index, ...(a.priority ? { priority: a.priority } : {}), ...(v4(a.dst) || a.dst === 'default' ? {} : {}) }); break;
    case 'routeAppend': tx.routes.append({ dst: a.dst, oif: need().index, protocol: 'static' }); break;
    case 'routeReplace': tx.routes.replace({ dst: a.dst, oif: need().index }); break;
    case 'routeRemove': { const rs = tx.routes.list(); const r = rs[a.pick % rs.length]; if (r) tx.routes.remove(r); break; }
    case 'ruleAdd': tx.rules.add({ priority: a.priority, table: a.table, dst: '10.6.0.0/16' }); break;
    case 'ruleRemove': { const rs = tx.rules.list(); const r = rs[a.pick % Math.max(1, rs.length)]; if (r) tx.rules.remove(r); break; }
    case 'neighAdd': tx.neighbours.add({ index: need().index, dst: `10.0.0.${100 + a.n}`, lladdr: `02:00:00:00:02:0${a.n}` }); break;
    case 'neighRemove': { const ns = tx.neighbours.list(); const n = ns[a.pick % Math.max(1, ns.length)]; if (n) tx.neighbours.remove(n); break; }
    case 'move': need().moveTo('other'); break;
  }
}

/** Applies each op like a pipelined kernel batch: every one is tried; returns which took effect. */
function pipelined(w: World, ops: readonly Operation[]): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const op of ops) {
    try {
      w.apply(op);
      out.set(op.id, true);
    } catch (e) {
      if (!(e instanceof SimError)) throw e;
      out.set(op.id, false);
    }
  }
  return out;
}

/** A rollback as commit.ts runs it: in order, then the failed deferrable restorations again. */
function undoAll(w: World, undo: readonly Operation[]): void {
  const codes = undo.map((inv) => w.applyTolerant(inv));
  const again = retryLater(undo, (_op, i) => codes[i] !== null);
  for (const inv of again) codes[undo.indexOf(inv)] = w.applyTolerant(inv);
  undo.forEach((inv, i) => expect(codes[i], `undo ${inv.id} ${describeOne(inv)} failed`).toBeNull());
}

function property(keys: KeyFns, numRuns: number) {
  const original = buildWorld(keys);
  const stats = { planned: 0, whole: 0, partial: 0, ops: 0 };
  fc.assert(fc.property(fc.array(action, { minLength: 1, maxLength: Number(process.env.MAXLEN ?? 12) }), (actions) => {
    const base = original.base(keys);
    const tx = begin(base, { allocateIndex: sequential(40) });
    for (const a of actions) {
      try { run(tx, a); } catch (e) { if (!(e instanceof ValidationError)) throw e; }
    }
    let ops: Operation[];
    try { ops = tx.plan(); } catch (e) { if (e instanceof ValidationError) return; throw e; }
    stats.planned++;
    stats.ops += ops.length;
    const want = original.dump();

    // Pipelined: all tried, rollback re-planned from what took effect.
    const w = original.clone();
    const took = pipelined(w, ops);
    const whole = [...took.values()].every(Boolean);
    if (whole) stats.whole++; else stats.partial++;
    const afterForward = w.clone();
    undoAll(w, rollbackOps(base, ops, (op) => (took.get(op.id) ? 'yes' : 'no')));
    expect(w.dump()).toEqual(want);

    // Stop at the first failure, planned inverses as they are.
    const s = original.clone();
    const done: Operation[] = [];
    for (const op of ops) {
      try { s.apply(op); done.push(op); } catch (e) { if (e instanceof SimError) break; throw e; }
    }
    undoAll(s, undoSequence(done, () => 'yes'));
    expect(s.dump()).toEqual(want);

    if (whole) {
      // Replayable: same plan, fresh copy, same result; and the draft's edits hold.
      const again = original.clone();
      for (const op of ops) again.apply(op);
      expect(again.dump()).toEqual(afterForward.dump());
      const after = afterForward.base(keys);
      const edits = tx.edits();
      for (const [kind, table] of [['address', edits.addresses], ['route', edits.routes], ['rule', edits.rules], ['neighbour', edits.neighbours]] as const) {
        for (const [key, e] of table as ReadonlyMap<string, { final: unknown }>) {
          const got = tableOf(after, kind).get(key);
          if (e.final === null) expect(got, `${kind} ${key} should be gone`).toBeUndefined();
          else expect(got, `${kind} ${key} should be there`).toBeDefined();
        }
      }
      for (const [index, fields] of edits.links.set) {
        if (edits.links.moved.has(index)) continue;
        const l = [...after.interfaces.values()].find((x) => x.index === index);
        expect(l).toBeDefined();
        for (const [f, v] of Object.entries(fields)) expect((l as unknown as Record<string, unknown>)[f], `#${index}.${f}`).toEqual(v);
      }
    }
  }), { numRuns, seed: Number(process.env.SEED ?? 4242), endOnFailure: true });
  if (process.env.SEED) console.log(stats);
  return stats;
}

/**
 * Identity keys spelled otherwise than the database's, and coarser for IPv4 routes (no type,
 * protocol, scope or prefsrc): the planner must take keys from the base, never assume a spelling.
 * (The transaction layer's own defaults before it used the database's.)
 */
const otherKeys: KeyFns = {
  interface: (r) => String(r.index),
  address: (r) => (r.family === 4 ? `4|${r.index}|${r.address}/${r.prefixlen}|${r.peer ?? ''}` : `6|${r.index}|${r.address}`),
  route: (r) => {
    const hop = (h: { gateway: string | null; oif: number | null }) => `${h.gateway ?? ''}@${h.oif ?? ''}`;
    const hops = r.multipath && r.multipath.length > 0 ? r.multipath.map(hop).sort().join(',') : hop(r);
    return `${r.family}|${r.table}|${r.dst}|${r.src ?? ''}|${r.tos}|${r.priority ?? (r.family === 6 ? 1024 : 0)}|${hops}`;
  },
  rule: (r) => `${r.family}|${r.priority}|${r.table}|${r.action}${r.goto !== null && r.goto !== undefined ? `>${r.goto}` : ''}|${r.src ?? ''}|` +
    `${r.dst ?? ''}|${r.iifname ?? ''}|${r.oifname ?? ''}|${r.fwmark ?? ''}/${r.fwmask ?? ''}|${r.tos}`,
  neighbour: (r) => `${r.family}|${r.index}|${r.dst}`,
};

describe('random transactions', () => {
  it('are reversible and replayable (identity keys spelled otherwise)', () => {
    const stats = property(otherKeys, Number(process.env.RUNS ?? 400));
    // The generator must reach both outcomes, or the property says little.
    expect(stats.whole).toBeGreaterThan(50);
    // (Fewer than before renames of up links became a ValidationError: they were most of the
    // kernel refusals here. An MTU below the device's minimum is one still.)
    expect(stats.partial).toBeGreaterThan(10);
  });

  it('are reversible and replayable (the database\'s identity keys)', () => {
    const stats = property(KEY_OF, Number(process.env.RUNS ?? 300));
    expect(stats.whole).toBeGreaterThan(30);
  });
});
