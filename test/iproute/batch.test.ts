/**
 * IPRoute.batch: many changes pipelined, each answered on its own; bad input stops the whole
 * batch before anything is sent.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../src/iproute/errors.js';
import { IPRoute } from '../../src/iproute/iproute.js';
import type { Change } from '../../src/iproute/requests.js';
import { encodeChange } from '../../src/iproute/requests.js';
import { KernelError } from '../../src/transport/errors.js';
import { ip, ipBatch, ipJson, useNetns } from '../helpers/netns.js';
import { ifindexes, witnessAddresses, witnessRoutes } from './witness.js';

const ns = useNetns('bt');
let ipr: IPRoute;
beforeAll(async () => {
  ipBatch(ns(), ['link add v0 type veth peer name v1', 'link set v0 up', 'link set v1 up', 'addr add 10.0.0.1/24 dev v0']);
  ipr = await IPRoute.open({ netns: ns() });
});
afterAll(() => ipr?.close());

it('applies 600 changes in one batch, failing only the one the kernel refuses', async () => {
  const changes: Change[] = [];
  for (let i = 0; i < 300; i++) changes.push({ kind: 'address', op: 'add', spec: { ifname: 'v1', address: `10.100.${i >> 8}.${i & 255}/32` } });
  changes.push({ kind: 'address', op: 'add', spec: { ifname: 'v0', address: '10.0.0.1/24' } }); // exists: EEXIST
  for (let i = 0; i < 299; i++) changes.push({ kind: 'route', op: 'add', spec: { dst: `172.16.${i >> 8}.${i & 255}/32`, gateway: '10.0.0.2', table: 7 } });
  const out = await ipr.batch(changes);
  expect(out).toHaveLength(600);
  const failed = out.flatMap((o, i) => (o.ok ? [] : [[i, o] as const]));
  expect(failed.map(([i]) => i)).toEqual([300]);
  const [, f] = failed[0]!;
  expect(f.ok).toBe(false);
  if (!f.ok) {
    expect(f.error).toBeInstanceOf(KernelError);
    expect((f.error as KernelError).code).toBe('EEXIST');
    expect((f.error as KernelError).operation).toBe('addr add 10.0.0.1/24 dev v0');
  }
  const v1 = ifindexes(ns()).get('v1');
  expect(witnessAddresses(ns()).filter((a) => a.index === v1 && a.family === 4)).toHaveLength(300);
  expect(witnessRoutes(ns(), 4).filter((r) => r.table === 7)).toHaveLength(299);
});

it('stops before sending when any change is invalid, naming its position', async () => {
  const before = ip(ns(), '-j', 'addr', 'show');
  const err = await ipr.batch([
    { kind: 'address', op: 'add', spec: { ifname: 'v1', address: '10.200.0.1/32' } },
    { kind: 'route', op: 'add', spec: { dst: '10.1.0.0/33' } },
  ]).catch((e) => e);
  expect(err).toBeInstanceOf(ValidationError);
  expect(err).toMatchObject({ field: '[1].dst', value: '10.1.0.0/33' });
  const missing = await ipr.batch([
    { kind: 'address', op: 'add', spec: { ifname: 'v1', address: '10.200.0.1/32' } },
    { kind: 'neighbour', op: 'add', spec: { ifname: 'nope0', dst: '10.0.0.5', lladdr: 'aa:bb:cc:dd:ee:ff' } },
  ]).catch((e) => e);
  expect(missing).toBeInstanceOf(NotFoundError);
  expect(missing).toMatchObject({ field: '[1].ifname', value: 'nope0' });
  expect(ip(ns(), '-j', 'addr', 'show')).toBe(before);
});

it('encodes index-only changes synchronously for a caller that sends them itself', async () => {
  const v0 = ifindexes(ns()).get('v0')!;
  const req = encodeChange({ kind: 'route', op: 'add', spec: { dst: '10.50.0.0/16', oif: v0, table: 9 } });
  expect(req.operation).toBe('route add 10.50.0.0/16 table 9');
  await ipr.transport.request(req);
  expect(ipJson(ns(), 'route', 'show', 'table', '9')).toMatchObject([{ dst: '10.50.0.0/16', dev: 'v0' }]);
  expect(() => encodeChange({ kind: 'route', op: 'add', spec: { dst: '10.51.0.0/16', oif: 'v0' } })).toThrow(/not resolved/);
});
