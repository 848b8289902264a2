/**
 * toRecordEvent on real multicast notifications: the kernel's own messages, caused by `ip`
 * commands in a throwaway namespace, become the record events the database folds.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV6_RULE,
  RTNLGRP_LINK, RTNLGRP_NEIGH,
} from '../../src/messages/index.js';
import { toRecordEvent } from '../../src/iproute/decode/index.js';
import { IPRoute } from '../../src/iproute/iproute.js';
import { addressDump, linkDump, neighbourDump, routeDump, ruleDump } from '../../src/iproute/queries.js';
import type { RecordEvent } from '../../src/iproute/records.js';
import { collectDump } from '../../src/transport/dump.js';
import { NetlinkSocket } from '../../src/transport/socket.js';
import type { Notification } from '../../src/transport/transport.js';
import { createNetns, deleteNetns, ip, ipBatch, ipJson, useNetns } from '../helpers/netns.js';
import { noDad } from './witness.js';

const ns = useNetns('ev');
let sock: NetlinkSocket;
const raw: Notification[] = [];

beforeAll(async () => {
  noDad(ns());
  sock = await NetlinkSocket.openAsync({
    netns: ns(),
    groups: [RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_NEIGH, RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE],
  });
  sock.notifications$.subscribe((batch) => raw.push(...batch));
});
afterAll(() => sock?.close());

/** Runs `ip` commands, waits until the kernel's notifications about them have arrived, and maps them. */
async function eventsOf(lines: string[], until: (evs: RecordEvent[]) => boolean): Promise<RecordEvent[]> {
  raw.length = 0;
  ipBatch(ns(), lines);
  for (let i = 0; i < 200; i++) {
    const evs = raw.map(toRecordEvent).filter((e): e is RecordEvent => e !== null);
    if (until(evs)) return evs;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`notifications did not arrive: ${JSON.stringify(raw.map((m) => m.type))}`);
}

const has = (evs: RecordEvent[], kind: RecordEvent['kind'], op: 'new' | 'del', pred: (r: any) => boolean) =>
  evs.some((e) => e.kind === kind && e.op === op && pred(e.record));

it('maps link, address, route, rule and neighbour notifications, new and del', async () => {
  const up = await eventsOf(
    ['link add v0 type veth peer name v1', 'link set v0 up', 'link set v1 up', 'addr add 10.0.0.1/24 dev v0', 'addr add 2001:db8::1/64 dev v0',
      'route add 10.1.0.0/16 via 10.0.0.2 table 100', 'route add 2001:db8:1::/48 via 2001:db8::2', 'rule add from 10.0.0.0/24 table 100 pref 100',
      'neigh add 10.0.0.9 lladdr aa:bb:cc:dd:ee:ff dev v0'],
    (evs) => has(evs, 'neighbour', 'new', (r) => r.dst === '10.0.0.9'));
  const v0 = up.find((e) => e.kind === 'interface' && e.record.ifname === 'v0')!.record as { index: number };
  expect(has(up, 'interface', 'new', (r) => r.ifname === 'v0' && r.kind === 'veth')).toBe(true);
  expect(has(up, 'address', 'new', (r) => r.address === '10.0.0.1' && r.prefixlen === 24 && r.index === v0.index)).toBe(true);
  expect(has(up, 'address', 'new', (r) => r.address === '2001:db8::1' && r.family === 6)).toBe(true);
  expect(has(up, 'route', 'new', (r) => r.dst === '10.1.0.0/16' && r.table === 100 && r.gateway === '10.0.0.2')).toBe(true);
  expect(has(up, 'route', 'new', (r) => r.dst === '2001:db8:1::/48' && r.family === 6)).toBe(true);
  expect(has(up, 'route', 'new', (r) => r.dst === '10.0.0.1/32' && r.table === 255 && r.type === 'local')).toBe(true);
  expect(has(up, 'rule', 'new', (r) => r.priority === 100 && r.src === '10.0.0.0/24')).toBe(true);
  expect(has(up, 'neighbour', 'new', (r) => r.dst === '10.0.0.9' && r.lladdr === 'aa:bb:cc:dd:ee:ff' && r.state === 'PERMANENT')).toBe(true);

  const down = await eventsOf(
    ['neigh del 10.0.0.9 dev v0', 'rule del pref 100', 'route del 10.1.0.0/16 table 100', 'addr del 10.0.0.1/24 dev v0'],
    (evs) => has(evs, 'address', 'del', (r) => r.address === '10.0.0.1'));
  expect(has(down, 'neighbour', 'del', (r) => r.dst === '10.0.0.9')).toBe(true);
  expect(has(down, 'rule', 'del', (r) => r.priority === 100)).toBe(true);
  expect(has(down, 'route', 'del', (r) => r.dst === '10.1.0.0/16')).toBe(true);
});

it('leaves out bridge-family link messages: enslaving makes no bogus interface', async () => {
  const evs = await eventsOf(['link add br0 type bridge', 'link set v1 master br0'],
    (e) => has(e, 'interface', 'new', (r) => r.ifname === 'v1' && r.master !== null));
  // The kernel also sends AF_BRIDGE RTM_NEWLINK messages for the port; they must not become records.
  expect(raw.some((m) => m.type === 16 && m.payload[0] === 7)).toBe(true);
  expect(evs.every((e) => e.kind !== 'interface' || e.record.ifname !== '')).toBe(true);
  const released = await eventsOf(['link set v1 nomaster'], (e) => has(e, 'interface', 'new', (r) => r.ifname === 'v1' && r.master === null));
  expect(has(released, 'interface', 'del', (r) => r.ifname === 'v1')).toBe(false);
});

it('a link moved to another namespace is deleted here', async () => {
  const other = createNetns('ev2');
  try {
    const evs = await eventsOf([`link set v1 netns ${other}`], (e) => has(e, 'interface', 'del', (r) => r.ifname === 'v1'));
    expect(has(evs, 'interface', 'del', (r) => r.ifname === 'v1')).toBe(true);
    expect(ip(other, '-j', 'link', 'show', 'v1')).toContain('"v1"');
  } finally {
    deleteNetns(other);
  }
  // Deleting that namespace destroys v1 and with it its veth peer v0, here, asynchronously (the
  // kernel's namespace clean-up): wait for it, so that later tests do not race with it.
  for (let i = 0; i < 500 && ipJson<{ ifname: string }>(ns(), 'link', 'show').some((l) => l.ifname === 'v0'); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
});

it('maps raw dump messages to the same records as the get* methods, and control messages to null', async () => {
  // A fresh pair, left down (no IPv6 set-up going on while the dumps are compared).
  ipBatch(ns(), ['link add v2 type veth peer name v3', 'neigh add 10.0.0.7 lladdr aa:bb:cc:dd:ee:07 dev v2', 'addr add 10.0.0.1/24 dev v2']);
  const ipr = await IPRoute.open({ netns: ns() });
  try {
    for (const [req, get] of [
      [routeDump({}), () => ipr.getRoutes()],
      [addressDump({}), () => ipr.getAddresses()],
      [linkDump({}), () => ipr.getLinks()],
      [ruleDump({}), () => ipr.getRules()],
      [neighbourDump({}), () => ipr.getNeighbours()],
    ] as const) {
      const msgs = await collectDump(ipr.transport.dump(req));
      const records = msgs.map(toRecordEvent).filter((e) => e !== null).map((e) => e!.record);
      expect(records.length).toBeGreaterThan(0);
      expect(records).toEqual(await get());
    }
    expect(toRecordEvent({ type: 3, flags: 0, seq: 1, pid: 0, len: 20, payload: Buffer.alloc(4) })).toBeNull();
    const messages = await ipr.getMessages('route', { family: 6 });
    expect(messages.length).toBe((await ipr.getRoutes({ family: 6 })).length);
    expect(messages.every((m) => m.family === 10)).toBe(true);
  } finally {
    ipr.close();
  }
});
