/**
 * Addresses and routes are encoded straight from their records (encode-op.ts), without turning
 * them back into specs for IPRoute's validators and encoders. These tests hold the two paths to
 * the same bytes: every address and route of a busy simulated namespace (the fixture: primaries,
 * secondaries, IPv6, labels, gateway, on-link, prefsrc, multipath, metrics, other tables, the
 * kernel's own local and prefix routes), each with every intent it can be sent with. Links
 * created (record-wire.ts writes the common shapes) are held to the codec's bytes the same way.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AddressRecord, RouteRecord } from '../../src/iproute/records.js';
import { indexOnly } from '../../src/iproute/encode/index.js';
import { prepareChange } from '../../src/iproute/requests.js';
import { NLM_F } from '../../src/messages/index.js';
import { changeOf, encodeAddressRecord, encodeOp, encodeRouteRecord, FrameMemo, frameOp } from '../../src/transactions/encode-op.js';
import { FramedRequests } from '../../src/transport/framed.js';
import type { LinkCreateSpec, Operation } from '../../src/transactions/ops.js';
import { buildWorld } from './fixture.js';

/** The request IPRoute makes of the operation's spec (without NLM_F_ECHO, which commits never send). */
function viaSpec(op: Operation): { type: number; flags: number; payload: string } {
  const req = prepareChange(changeOf(op, { pid: process.pid })!).encode(indexOnly);
  return { type: req.type, flags: (req.flags ?? 0) & ~NLM_F.ECHO, payload: Buffer.from(req.payload).toString('hex') };
}

function plain(req: { type: number; flags?: number; payload: Uint8Array }): { type: number; flags: number; payload: string } {
  return { type: req.type, flags: req.flags ?? 0, payload: Buffer.from(req.payload).toString('hex') };
}

const op = (kind: 'address' | 'route', intent: string, spec: AddressRecord | RouteRecord): Operation =>
  ({ id: '1', kind, intent, key: '', spec, role: 'forward', inverse: [] }) as unknown as Operation;

describe('encoding records directly', () => {
  const w = buildWorld();
  const base = w.base();
  const addresses = [...base.addresses.values()];
  const routes = [...base.routes.values()];
  // Beyond the fixture: what else a record may say.
  routes.push(
    { ...routes[0]!, dst: '10.77.0.0/16', table: 1000, metrics: { mtu: 1400, advmss: 1300 }, priority: 5, tos: 16 },
    { ...routes[0]!, dst: '2001:db8:77::/48', family: 6, gateway: 'fe80::1', oif: 2, pref: 'high', priority: 1024, scope: 'universe', prefsrc: null },
    { ...routes[0]!, dst: '10.78.0.0/16', protocol: '42', type: 'blackhole', gateway: null, oif: null },
  );
  addresses.push({ ...addresses[0]!, address: '10.66.0.1', prefixlen: 32, peer: '10.66.0.2', broadcast: null, label: 'eth0:x', flags: 0x80 | 0x100 });

  it('covers a varied set', () => {
    expect(addresses.some((a) => a.family === 6)).toBe(true);
    expect(routes.some((r) => r.multipath)).toBe(true);
    expect(routes.some((r) => r.dst === 'default')).toBe(true);
    expect(routes.some((r) => r.protocol === 'kernel')).toBe(true);
  });

  it('gives the bytes IPRoute gives for every address, added, replaced or deleted', () => {
    for (const a of addresses) {
      for (const intent of ['create', 'replace', 'delete'] as const) {
        expect(plain(encodeAddressRecord(a, intent)), `${intent} ${a.address}/${a.prefixlen}`).toEqual(viaSpec(op('address', intent, a)));
      }
    }
  });

  it('gives the bytes IPRoute gives for every route, added, appended, replaced or deleted', () => {
    for (const r of routes) {
      for (const intent of ['create', 'append', 'replace', 'delete'] as const) {
        expect(plain(encodeRouteRecord(r, intent)), `${intent} ${r.dst} table ${r.table}`).toEqual(viaSpec(op('route', intent, r)));
      }
    }
  });

  it('frames a plan into one buffer as encodeOp encodes each operation, copies of the last route included', () => {
    // Runs of routes that differ from the one before them in one thing each: only those that
    // differ in their destination's address are copies (FrameMemo), and must not carry anything
    // else over. A small buffer makes the copies grow it too.
    const ipv4 = routes.filter((r) => r.family === 4 && r.multipath === null && r.metrics === null);
    const seq: { intent: 'create' | 'append' | 'replace' | 'delete'; r: RouteRecord }[] = [];
    for (const r of ipv4) {
      const host = r.dst === 'default' ? 32 : Number(r.dst.split('/')[1] ?? 32);
      const at = (k: number) => `172.${16 + k}.${k}.${k * 4}/30`;
      seq.push({ intent: 'create', r }, { intent: 'create', r: { ...r, dst: at(1) } }, { intent: 'create', r: { ...r, dst: at(2) } });
      seq.push({ intent: 'append', r: { ...r, dst: at(3) } }, { intent: 'create', r: { ...r, dst: at(4), tos: 8 } });
      seq.push({ intent: 'create', r: { ...r, dst: at(5), gateway: r.gateway === null ? null : '10.9.9.9' } });
      seq.push({ intent: 'create', r: { ...r, dst: '172.20.1.1' } }, { intent: 'create', r: { ...r, dst: '172.20.1.2/32' } });
      seq.push({ intent: 'create', r: { ...r, dst: '172.20.1.3/032' } }, { intent: 'create', r: { ...r, dst: '172.20.1.0/24' } });
      seq.push({ intent: 'create', r: { ...r, dst: `172.20.1.4/${host}` } }, { intent: 'create', r: { ...r, dst: '172.20.1.300/32' } });
      seq.push({ intent: 'create', r: { ...r, dst: '172.21.0.0/16', priority: 7 } }, { intent: 'create', r: { ...r, dst: '172.22.0.0/16', priority: 7 } });
      seq.push({ intent: 'create', r: { ...r, dst: '172.23.0.0/16', protocol: 'static' } }, { intent: 'delete', r: { ...r, dst: '172.24.0.0/16' } });
      seq.push({ intent: 'create', r: { ...r, dst: '172.25.0.0/16', oif: 9 } }, { intent: 'create', r: { ...r, dst: '172.26.0.0/16', table: 7 } });
      seq.push({ intent: 'create', r: { ...r, dst: '172.27.0.0/16', prefsrc: '10.0.0.9' } }, { intent: 'create', r: { ...r, dst: '172.28.0.0/16', scope: 'link' } });
      seq.push({ intent: 'create', r: { ...r, dst: '172.29.0.0/16', type: 'blackhole' } }, { intent: 'create', r: { ...r, dst: 'default' } });
    }
    const framed = new FramedRequests(64);
    const memo = new FrameMemo();
    const want: ReturnType<typeof plain>[] = [];
    for (const { intent, r } of seq) {
      const o = op('route', intent, r);
      let ref: ReturnType<typeof plain>;
      try {
        ref = plain(encodeRouteRecord(r, intent));
      } catch {
        // (A destination the codec refuses: frameOp refuses it too, and appends nothing.)
        const before = framed.count;
        expect(() => frameOp(framed, o, { pid: process.pid }, memo), `${intent} ${r.dst}`).toThrow();
        expect(framed.count).toBe(before);
        continue;
      }
      expect(frameOp(framed, o, { pid: process.pid }, memo)).toBe(true);
      want.push(ref);
    }
    const got = framed.requests().map(plain);
    expect(got.length).toBe(want.length);
    got.forEach((g, i) => expect({ ...g, flags: g.flags & ~(NLM_F.REQUEST | NLM_F.ACK) }, `message ${i}`).toEqual({ ...want[i]!, flags: want[i]!.flags & ~(NLM_F.REQUEST | NLM_F.ACK) }));
  });

  it('leaves link changes that name another namespace to be encoded once it is open', () => {
    const move = { id: '1', kind: 'interface', intent: 'set', key: '2', spec: { index: 2, netns: 'elsewhere' }, role: 'forward', inverse: [] } as Operation;
    expect(encodeOp(move, { pid: process.pid })).toBeNull();
    const mtu = { ...move, spec: { index: 2, mtu: 1400 } } as Operation;
    expect(plain(encodeOp(mtu, { pid: process.pid })!)).toEqual(viaSpec(mtu));
  });
});

describe('link creations written in place', () => {
  const create = (spec: LinkCreateSpec): Operation =>
    ({ id: '1', kind: 'interface', intent: 'create', key: String(spec.index), spec, role: 'forward', inverse: [] }) as unknown as Operation;
  const home = { pid: process.pid };
  /** The framed message of the operation, as frameOp writes it (no REQUEST/ACK: encodeOp's flags). */
  function framedOf(o: Operation): ReturnType<typeof plain> {
    const framed = new FramedRequests(16);
    expect(frameOp(framed, o, home)).toBe(true);
    const [req] = framed.requests();
    const g = plain(req!);
    return { ...g, flags: g.flags & ~(NLM_F.REQUEST | NLM_F.ACK) };
  }
  const codec = (o: Operation) => {
    const g = plain(encodeOp(o, home)!);
    return { ...g, flags: g.flags & ~(NLM_F.REQUEST | NLM_F.ACK) };
  };

  const name = fc.stringMatching(/^[a-z][a-z0-9._-]{0,14}$/);
  const u32 = fc.integer({ min: 0, max: 0xffffffff });
  const mac = fc.uint8Array({ minLength: 0, maxLength: 20 }).map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':'));
  const end = fc.record({
    index: fc.integer({ min: 1, max: 0x7fffffff }), ifname: name, mtu: u32, address: mac, txqlen: u32, group: u32,
  }, { requiredKeys: ['index', 'ifname'] });
  const spec = fc.tuple(end, fc.constantFrom('veth', 'dummy', 'bridge', 'ifb', 'macvlan'), fc.option(u32, { nil: undefined }), fc.option(end, { nil: undefined }))
    .map(([own, kind, link, peer]): LinkCreateSpec => ({
      ...own, kind, ...(link !== undefined ? { link } : {}), ...(kind === 'veth' && peer !== undefined ? { peer } : {}),
    }));

  it('gives the codec\'s bytes for links with any of the common settings, veth peers included', () => {
    fc.assert(fc.property(spec, (s) => {
      const o = create(s);
      expect(framedOf(o)).toEqual(codec(o));
    }), { numRuns: 500 });
  });

  it('writes a named veth pair as the kernel has been sent it (bytes compiled by an earlier, codec-only build)', () => {
    // tx.interfaces.create({ ifname: 'vx0', kind: 'veth', peer: 'vy0' }) with indexes 19 and 20,
    // as tx.compile() gave it before this writer existed: the ifinfomsg, IFLA_IFNAME, then
    // IFLA_LINKINFO > IFLA_INFO_KIND "veth", IFLA_INFO_DATA > VETH_INFO_PEER (an ifinfomsg and IFLA_IFNAME).
    const want = '00000000130000000000000000000000080003007678300030001200090001007665746800000000200002001c000100000000001400000000000000000000000800030076793000';
    expect(framedOf(create({ index: 19, ifname: 'vx0', kind: 'veth', peer: { index: 20, ifname: 'vy0' } })).payload).toBe(want);
  });

  it('leaves a kind\'s own settings to the codec, and what the codec refuses is refused whole', () => {
    const vxlan = create({ index: 5, ifname: 'vx', kind: 'vxlan', info: { id: 42, port: 4789 } });
    expect(framedOf(vxlan)).toEqual(codec(vxlan));
    for (const bad of [
      { index: 5, ifname: 'd0', kind: 'dummy', address: 'zz:00' },
      { index: 5, ifname: 'd0', kind: 'dummy', mtu: -1 },
      { index: 5, ifname: 'd0', kind: 'veth', peer: { index: 6, ifname: 'p0', txqlen: 2 ** 32 } },
    ] as LinkCreateSpec[]) {
      const framed = new FramedRequests(16);
      expect(() => encodeOp(create(bad), home), JSON.stringify(bad)).toThrow();
      expect(() => frameOp(framed, create(bad), home), JSON.stringify(bad)).toThrow();
      expect(framed.count).toBe(0);
    }
  });
});
