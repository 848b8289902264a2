/** Checkpoint parts: records encoded column by column come back equal, with their fields in order. */
import { describe, expect, it } from 'vitest';
import type { RecordKind } from '../../src/iproute/records.js';
import { decodePart, encodePart } from '../../src/store/codec.js';
import { planParts, PART_RECORDS, tablesOfMaps } from '../../src/store/parts.js';
import { emptyMaps } from '../../src/store/maps.js';
import { addr4, addr6, iface, neigh, route4, route6, rule } from '../db/fixtures.js';

const asMaps = (records: readonly object[]): ReadonlyMap<string, unknown>[] => [new Map(records.map((r, i) => [String(i), r]))];

describe('checkpoint parts', () => {
  it('decode what they encode, every kind, odd values included', () => {
    const samples: { [K in RecordKind]: object[] } = {
      interface: [
        iface(1, 'lo', { kind: null, address: null, altnames: [], info: null }),
        iface(2, 'eth0', { altnames: ['enp0s1', 'lan'], info: { id: 42, port: 4789, nested: { a: [1, 2] } }, master: 9, slaveKind: 'bridge' }),
        iface(3, 'we"ird\\näme', { mtu: 9000, altnames: [] }),
        iface(4, 'eth1', { altnames: [] }),
      ],
      address: [
        addr4(2, '10.0.0.1/24', { label: 'a' }), addr4(2, '10.0.0.2/24', { label: 'eth0:1', peer: '10.0.0.9/32' }), addr6(2, 'fe80::1/64', { scope: 'link', label: 'two\nlines' }),
        addr4(3, '10.0.1.1/24', { label: '' }), addr4(4, '10.0.2.1/24', { label: '\u{1F600}' }),
      ],
      route: [
        route4('10.1.0.0/16', { gateway: '10.0.0.254' }),
        route4('10.2.0.0/16', { gateway: '10.0.0.254' }),
        route4('10.3.0.0/16', { oif: null, multipath: [{ gateway: '10.0.0.1', oif: 2, weight: 1, onlink: false, encap: null, realms: null }, { gateway: '10.0.0.2', oif: 3, weight: 2, onlink: false, encap: null, realms: null }] }),
        route6('2001:db8::/64', { metrics: { mtu: 1400, hoplimit: 64 }, pref: 'high' }),
      ],
      rule: [rule(1000), rule(1001, { iifname: 'eth0', fwmark: 7, fwmask: 255 })],
      neighbour: [neigh(2, '10.0.0.9'), neigh(2, 'fe80::9', { lladdr: null, state: 'STALE' }), neigh(3, '10.0.0.10', { lladdr: '' })],
    };
    for (const [kind, records] of Object.entries(samples) as [RecordKind, object[]][]) {
      const { text, count } = encodePart(kind, asMaps(records));
      expect(count).toBe(records.length);
      const back = decodePart(text);
      expect(back, kind).toEqual(records);
      // fields in the records' own order, so their JSON reads the same
      expect(back.map((r) => JSON.stringify(r)), kind).toEqual(records.map((r) => JSON.stringify(r)));
    }
  });

  it('store long stretches of one value once, and never share an object between two records', () => {
    const routes = Array.from({ length: 1000 }, (_, i) => route4(`10.${i >> 8}.${i & 255}.0/24`, { gateway: '10.0.0.254', metrics: i < 500 ? null : { mtu: 1400 } }));
    const { text } = encodePart('route', asMaps(routes));
    const part = JSON.parse(text) as { v: number; n: number; fields: string[]; cols: unknown[] };
    expect(part.v).toBe(1);
    expect(part.n).toBe(1000);
    const col = (f: string): unknown => part.cols[part.fields.indexOf(f)]!;
    expect(col('family')).toEqual([[4], [1000]]);
    expect(col('gateway')).toEqual([['10.0.0.254'], [1000]]);
    // strings that need no escaping: joined by newlines
    expect(col('dst')).toEqual({ lines: routes.map((r) => r.dst).join('\n') });
    const back = decodePart(text) as { metrics: object | null }[];
    expect(back).toEqual(routes);
    expect(back[600]!.metrics).not.toBe(back[601]!.metrics);
    expect(text.length).toBeLessThan(JSON.stringify(routes).length / 4);
  });

  it('an empty part, and a format it does not know', () => {
    expect(decodePart(encodePart('rule', []).text)).toEqual([]);
    expect(() => decodePart('{"v":2,"n":0,"fields":[],"cols":[]}')).toThrow(/format 2/);
  });

  it('decodePart runs from its source text alone (as the writer thread runs it)', () => {
    const text = encodePart('route', asMaps([route4('10.1.0.0/16'), route4('10.2.0.0/16')])).text;
    const again = new Function(`return (${decodePart.toString()})`)() as typeof decodePart;
    expect(again(text)).toEqual(decodePart(text));
  });

  it('a state is cut into parts along its Maps, of about PART_RECORDS records, kinds in order', () => {
    const maps = emptyMaps();
    for (let i = 0; i < 3 * PART_RECORDS + 10; i++) maps.route.set(`r${i}`, route4(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}/32`));
    maps.interface.set('2', iface(2, 'eth0'));
    const one = planParts(tablesOfMaps(maps));
    expect(one.map((p) => [p.kind, p.part, p.count])).toEqual([['interface', 0, 1], ['route', 0, 3 * PART_RECORDS + 10]]);
    // a snapshot's shards: parts close at a shard boundary once they reach PART_RECORDS
    const shards = Array.from({ length: 8 }, (_, s) => new Map(Array.from({ length: 1000 }, (_, i) => [`s${s}r${i}`, route4(`10.${s}.${i >> 8}.${i & 255}/32`)])));
    const tables = { ...tablesOfMaps(emptyMaps()), route: [new Map(), ...shards] };
    const plans = planParts(tables);
    expect(plans.every((p) => p.kind === 'route')).toBe(true);
    expect(plans.reduce((n, p) => n + p.count, 0)).toBe(8000);
    expect(plans.map((p) => p.part)).toEqual(plans.map((_, i) => i));
    for (const p of plans.slice(0, -1)) expect(p.count).toBe(Math.ceil(PART_RECORDS / 1000) * 1000);
  });
});
