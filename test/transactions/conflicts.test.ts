/**
 * Conflict detection: field level, only what the transaction changes, on objects it touches.
 */
import { describe, expect, it } from 'vitest';
import { detectConflicts } from '../../src/transactions/conflicts.js';
import type { Operation } from '../../src/transactions/ops.js';
import { begin } from '../../src/transactions/transaction.js';
import { buildWorld, sequential } from './fixture.js';
import type { World } from './sim.js';

const original = buildWorld();
const set = (w: World, index: number, spec: Record<string, unknown>) =>
  w.apply({ id: 'c', kind: 'interface', intent: 'set', key: String(index), role: 'forward', inverse: [], spec: { index, ...spec } } as Operation);

describe('detectConflicts', () => {
  it('reports a field the transaction sets that someone else changed, and nothing else', () => {
    const w = original.clone();
    const tx = begin(w.base(), { allocateIndex: sequential(40) });
    tx.interfaces.v0!.mtu = 9000;
    tx.interfaces.v0!.state = 'down';
    set(w, 11, { mtu: 1400, address: '02:00:00:00:00:77' }); // mtu: ours too; address: only theirs
    set(w, 10, { mtu: 1300 }); // a link we do not touch
    const c = detectConflicts(tx.base, w.base(), tx.edits());
    expect(c).toEqual([{ kind: 'interface', key: '11', field: 'mtu', reason: 'changed', atBegin: 1500, now: 1400, label: 'interface v0' }]);
  });

  it('reports alternative names the transaction sets that someone else changed', () => {
    const w = original.clone();
    const tx = begin(w.base(), { allocateIndex: sequential(40) });
    tx.interfaces.v0!.altnames = ['uplink'];
    set(w, 11, { altnames: ['theirs'] });
    const c = detectConflicts(tx.base, w.base(), tx.edits());
    expect(c).toEqual([{ kind: 'interface', key: '11', field: 'altnames', reason: 'changed', atBegin: [], now: ['theirs'], label: 'interface v0' }]);
  });

  it('reports objects the transaction deletes or replaces that changed or vanished', () => {
    const w = original.clone();
    const tx = begin(w.base(), { allocateIndex: sequential(40) });
    tx.routes.remove({ dst: '10.1.0.0/16' });
    tx.rules.remove({ priority: 100 });
    tx.neighbours.replace({ ifname: 'v0', dst: '10.0.0.9', lladdr: '02:00:00:00:00:99' });
    // Someone else deletes the rule first.
    w.apply(tx.plan().find((o) => o.kind === 'rule')!);
    const c = detectConflicts(tx.base, w.base(), tx.edits());
    expect(c.map((x) => `${x.kind} ${x.reason}`)).toEqual(['rule gone']);
    // A neighbour's state churns on its own: that is not a conflict.
    const w2 = original.clone();
    const n = w2.home.neighs.findIndex((x) => x.dst === '10.0.0.9');
    w2.home.neighs[n] = { ...w2.home.neighs[n]!, state: 'STALE' };
    expect(detectConflicts(tx.base, w2.base(), tx.edits()).filter((x) => x.kind === 'neighbour')).toEqual([]);
    // Its MAC changing is.
    w2.home.neighs[n] = { ...w2.home.neighs[n]!, lladdr: '02:00:00:00:00:55' };
    expect(detectConflicts(tx.base, w2.base(), tx.edits()).map((x) => `${x.kind} ${x.reason}`)).toEqual(['neighbour changed']);
  });

  it('reports what the transaction creates when someone else created it', () => {
    const w = original.clone();
    const tx = begin(w.base(), { allocateIndex: sequential(40) });
    tx.interfaces.create({ ifname: 'n0', kind: 'bridge' });
    tx.routes.add({ dst: '10.6.0.0/16', oif: 'mv0' });
    const other = begin(w.base(), { allocateIndex: sequential(60) });
    other.interfaces.create({ ifname: 'n0', kind: 'bridge' });
    other.routes.add({ dst: '10.6.0.0/16', oif: 'mv0' });
    for (const op of other.plan()) w.apply(op);
    const c = detectConflicts(tx.base, w.base(), tx.edits());
    expect(c.map((x) => `${x.kind} ${x.field ?? '-'} ${x.reason} ${x.label}`).sort()).toEqual([
      'interface ifname exists interface n0', 'route - exists route 10.6.0.0/16 table 254',
    ]);
  });

  it('reports a link the transaction puts something on that is gone', () => {
    const w = original.clone();
    const tx = begin(w.base(), { allocateIndex: sequential(40) });
    tx.routes.add({ dst: '10.6.0.0/16', oif: 'mv0' });
    tx.interfaces.v1!.master = 'br0';
    tx.interfaces.v1!.master = null;
    const other = begin(w.base());
    other.interfaces.remove('mv0');
    for (const op of other.plan()) w.apply(op);
    const c = detectConflicts(tx.base, w.base(), tx.edits());
    expect(c.map((x) => `${x.kind} ${x.field ?? '-'} ${x.reason} ${x.label}`)).toEqual(['interface - gone interface mv0']);
  });

  it('finds none when nothing the transaction touches changed', () => {
    const w = original.clone();
    const tx = begin(w.base(), { allocateIndex: sequential(40) });
    tx.interfaces.v0!.mtu = 9000;
    tx.routes.remove({ dst: '10.1.0.0/16' });
    tx.interfaces.create({ ifname: 'n0', kind: 'bridge' });
    set(w, 10, { mtu: 1300 });
    set(w, 11, { address: '02:00:00:00:00:77' });
    expect(detectConflicts(tx.base, w.base(), tx.edits())).toEqual([]);
  });
});
