/**
 * Bad input is refused before anything reaches the kernel: the transport sees no request at all
 * (a counting wrapper around the real socket proves it), and `ip -j` shows the state unchanged.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../src/iproute/errors.js';
import { IPRoute } from '../../src/iproute/iproute.js';
import { NetlinkSocket } from '../../src/transport/socket.js';
import type { NetlinkRequest, NetlinkTransport } from '../../src/transport/transport.js';
import { ip, ipBatch, useNetns } from '../helpers/netns.js';

const ns = useNetns('ns');
let socket: NetlinkSocket;
let ipr: IPRoute;
/** nlmsg types of every request and dump the wrapper passed on. */
const sent: number[] = [];

function counting(t: NetlinkTransport): NetlinkTransport {
  return new Proxy(t, {
    get(target, prop, receiver) {
      if (prop === 'request' || prop === 'dump') {
        return (msg: NetlinkRequest, opts?: unknown) => {
          sent.push(msg.type);
          return (target[prop] as (m: NetlinkRequest, o?: unknown) => unknown).call(target, msg, opts);
        };
      }
      if (prop === 'requestBatch') {
        return (msgs: NetlinkRequest[], opts?: unknown) => {
          sent.push(...msgs.map((m) => m.type));
          return target.requestBatch(msgs, opts as never);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}

function state(): string {
  return ['link', 'addr', 'route', 'rule', 'neigh'].map((what) => ip(ns(), '-j', '-d', what, 'show')).join('\n')
    + ip(ns(), '-j', '-6', 'route', 'show', 'table', 'all') + ip(ns(), '-j', 'route', 'show', 'table', 'all');
}

beforeAll(async () => {
  ipBatch(ns(), ['link add v0 type veth peer name v1', 'addr add 10.0.0.1/24 dev v0']);
  socket = await NetlinkSocket.openAsync({ netns: ns() });
  ipr = new IPRoute(counting(socket));
});
afterAll(() => socket?.close());

const BAD: [string, () => Promise<unknown>, string, unknown][] = [
  ['a malformed address', () => ipr.addr('add', { ifname: 'v0', address: '10.0.0.256/24' }), 'address', '10.0.0.256/24'],
  ['a prefix of 33', () => ipr.addr('add', { ifname: 'v0', address: '10.0.0.1/33' }), 'address', '10.0.0.1/33'],
  ['an unknown kind', () => ipr.link('add', { ifname: 'x0', kind: 'bogus' }), 'kind', 'bogus'],
  ['an empty name', () => ipr.link('add', { ifname: '', kind: 'veth' }), 'ifname', ''],
  ['a too-long name', () => ipr.link('add', { ifname: 'sixteen-chars-xx', kind: 'veth', peer: 'p' }), 'ifname', 'sixteen-chars-xx'],
  ['a bad MTU beside a good change', () => ipr.link('set', { ifname: 'v0', state: 'up', mtu: -1 }), 'mtu', -1],
  ['a route with host bits', () => ipr.route('add', { dst: '10.1.0.1/16', oif: 'v0' }), 'dst', '10.1.0.1/16'],
  ['a multipath weight of 0', () => ipr.route('add', { dst: '10.2.0.0/16', multipath: [{ gateway: '10.0.0.2', weight: 0 }] }), 'multipath[0].weight', 0],
  ['a rule with a bad table', () => ipr.rule('add', { src: '10.0.0.0/24', table: -1 }), 'table', -1],
  ['a neighbour with a bad MAC', () => ipr.neigh('add', { ifname: 'v0', dst: '10.0.0.9', lladdr: 'zz:bb:cc:dd:ee:ff' }), 'lladdr', 'zz:bb:cc:dd:ee:ff'],
];

it.each(BAD)('refuses %s without sending anything', async (_what, call, field, value) => {
  const before = state();
  sent.length = 0;
  const err = await call().catch((e) => e);
  expect(err).toBeInstanceOf(ValidationError);
  expect(err).toMatchObject({ field, value });
  expect(sent).toEqual([]);
  expect(state()).toBe(before);
});

it('refuses a missing interface after looking it up, without sending the change', async () => {
  const before = state();
  sent.length = 0;
  const err = await ipr.addr('add', { ifname: 'nope0', address: '10.0.0.2/24' }).catch((e) => e);
  expect(err).toBeInstanceOf(NotFoundError);
  expect(err).toMatchObject({ field: 'ifname', value: 'nope0' });
  expect(err.message).toBe('invalid interface "nope0" for field "ifname": no such interface in this namespace');
  // Only the look-up went out (RTM_GETLINK), never an RTM_NEWADDR.
  expect(sent).toEqual([18]);
  expect(state()).toBe(before);
});

it('reports every missing interface of a route at once', async () => {
  sent.length = 0;
  const err = await ipr.route('add', { dst: '10.3.0.0/16', multipath: [{ gateway: '10.0.0.2', oif: 'nope1' }, { oif: 'nope2' }] }).catch((e) => e);
  expect(err).toBeInstanceOf(NotFoundError);
  expect(err.errors.map((i: { field: string }) => i.field)).toEqual(['multipath[0].oif', 'multipath[1].oif']);
  expect(sent.every((t) => t === 18)).toBe(true);
});
