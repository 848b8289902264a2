/**
 * Bridge port settings without a kernel: what a request carries (encoded, then decoded by the
 * codec), what validation refuses, and how the database folds an AF_BRIDGE announcement into the
 * record it has. The kernel's side is test/transactions-kernel/bridge-ports.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { reduce } from '../../src/db/reducer.js';
import { emptySnapshot } from '../../src/db/table.js';
import { bridgePortChanges, bridgePortHas, bridgePortOf } from '../../src/iproute/bridge-port.js';
import { encodeLink } from '../../src/iproute/encode/link.js';
import { ValidationError } from '../../src/iproute/errors.js';
import { validateLink } from '../../src/iproute/validate/link.js';
import { rtnl } from '../../src/messages/index.js';
import { iface } from '../db/fixtures.js';

const ctx = { index: (r: { index: number }) => r.index, netns: () => ({}) } as never;

describe('bridge port settings', () => {
  it('are sent as IFLA_INFO_SLAVE_DATA of kind bridge, flags as 0/1', () => {
    const req = encodeLink(validateLink('set', { index: 7, port: { mode: true, isolated: false, cost: 12 } }), ctx);
    const m = rtnl.link.decode(Buffer.from(req.payload));
    expect(m.index).toBe(7);
    const li = m.attrs.linkinfo as { slaveKind: string; slaveData: Record<string, unknown> };
    expect(li.slaveKind).toBe('bridge');
    expect(li.slaveData).toMatchObject({ mode: 1, isolated: 0, cost: 12 });
    expect(bridgePortOf(li.slaveData)).toEqual({ cost: 12, mode: true, isolated: false });
  });

  it('are refused with the field and value named when unknown, of the wrong type, out of range, or given to a create', () => {
    const bad: [unknown, string][] = [
      [{ hairpin: true }, 'port.hairpin'], [{ mode: 1 }, 'port.mode'], [{ cost: -1 }, 'port.cost'], [{ priority: 70000 }, 'port.priority'],
      [[], 'port'], ['on', 'port'],
    ];
    for (const [port, field] of bad) {
      let err: unknown;
      try { validateLink('set', { index: 7, port: port as never }); } catch (e) { err = e; }
      expect(err, JSON.stringify(port)).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).errors[0]).toMatchObject({ field, value: field === 'port' ? port : Object.values(port as object)[0] });
    }
    expect(() => validateLink('add', { ifname: 'v0', kind: 'veth', peer: { ifname: 'v1' }, port: { mode: true } })).toThrow(ValidationError);
  });

  it('compare by the settings given', () => {
    const have = { cost: 2, mode: false, isolated: true };
    expect(bridgePortHas(have, { isolated: true })).toBe(true);
    expect(bridgePortHas(have, { mode: true })).toBe(false);
    expect(bridgePortHas(null, {})).toBe(false);
    expect(bridgePortChanges(have, { cost: 2, mode: true })).toEqual({ mode: true });
    expect(bridgePortChanges(null, { cost: 2 })).toEqual({ cost: 2 });
  });

  it('announced in an AF_BRIDGE message change the port of a link the database has, and nothing else', () => {
    const port = iface(5, 'va', { master: 9, slaveKind: 'bridge', port: { cost: 2, mode: false } });
    const loose = iface(6, 'vb');
    const base = reduce(emptySnapshot(), [{ kind: 'interface', op: 'new', record: port }, { kind: 'interface', op: 'new', record: loose }], 'resync').snapshot;
    // What the message carries beside the settings (a different MTU here) is not taken.
    const said = (r: typeof port, p: typeof port.port) => ({ kind: 'interface' as const, op: 'port' as const, record: { ...r, mtu: 9000, port: p } });
    const r = reduce(base, [said(port, { cost: 2, mode: true }), said(loose, { cost: 5 })], 'kernel');
    expect(r.changes.map((c) => [c.key, c.fields])).toEqual([['5', ['port']]]);
    // (Keys are the interface index.)
    const after = [...r.snapshot.tables.interface.shards.flatMap((s) => [...s.values()])];
    expect(after.find((l) => l.index === 5)).toMatchObject({ mtu: 1500, port: { cost: 2, mode: true } });
    expect(after.find((l) => l.index === 6)!.port).toBeNull();
    // The same settings again: no change.
    expect(reduce(r.snapshot, [said(port, { cost: 2, mode: true })], 'kernel').changes).toEqual([]);
  });
});
