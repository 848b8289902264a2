/**
 * Addresses and routes are encoded straight from their records (encode-op.ts), without turning
 * them back into specs for IPRoute's validators and encoders. These tests hold the two paths to
 * the same bytes: every address and route of a busy simulated namespace (the fixture: primaries,
 * secondaries, IPv6, labels, gateway, on-link, prefsrc, multipath, metrics, other tables, the
 * kernel's own local and prefix routes), each with every intent it can be sent with.
 */
import { describe, expect, it } from 'vitest';
import type { AddressRecord, RouteRecord } from '../../src/iproute/records.js';
import { indexOnly } from '../../src/iproute/encode/index.js';
import { prepareChange } from '../../src/iproute/requests.js';
import { NLM_F } from '../../src/messages/index.js';
import { changeOf, encodeAddressRecord, encodeOp, encodeRouteRecord } from '../../src/transactions/encode-op.js';
import type { Operation } from '../../src/transactions/ops.js';
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

  it('leaves link changes that name another namespace to be encoded once it is open', () => {
    const move = { id: '1', kind: 'interface', intent: 'set', key: '2', spec: { index: 2, netns: 'elsewhere' }, role: 'forward', inverse: [] } as Operation;
    expect(encodeOp(move, { pid: process.pid })).toBeNull();
    const mtu = { ...move, spec: { index: 2, mtu: 1400 } } as Operation;
    expect(plain(encodeOp(mtu, { pid: process.pid })!)).toEqual(viaSpec(mtu));
  });
});
