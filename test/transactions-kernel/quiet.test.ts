/**
 * A commit's link changes are sent from the thread pool with nothing read meanwhile: the commit
 * socket's answers and the database's notifications wait until the kernel has taken the chunk
 * (BatchOptions.quiet, KernelExecutor). Addresses and routes are sent as before, with both read
 * while the kernel works. In a throwaway namespace, checked with `ip -j`.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { IPDB } from '../../src/index.js';
import type { NetlinkSocket } from '../../src/transport/index.js';
import { ip, ipBatch, ipJson, useNetnsEach } from '../helpers/netns.js';
import { BASE_SETUP, openDb, routes } from './helpers.js';

const ns = useNetnsEach('quiet');
let db: IPDB | undefined;

/** The spans during which the database's event socket was paused: [paused at, resumed at]. */
let spans: [number, number][] = [];
/** Notifications the event socket delivered, with when. */
let delivered: number[] = [];

beforeEach(async () => {
  ipBatch(ns(), BASE_SETUP);
  db = await openDb(ns());
  spans = [];
  delivered = [];
  // (The source is private: reached for, to watch the socket the database reads.)
  const events = (db as unknown as { source: { eventTransport: NetlinkSocket } }).source.eventTransport;
  const pause = events.pause.bind(events);
  events.pause = () => {
    const span: [number, number] = [performance.now(), 0];
    spans.push(span);
    const end = pause();
    return () => {
      span[1] ||= performance.now();
      end();
    };
  };
  events.notifications.subscribe(() => { delivered.push(performance.now()); });
});

afterEach(() => {
  db?.close();
  db = undefined;
});

it('creating veth pairs: the event socket is paused once per chunk, nothing arrives meanwhile, then reading resumes', async () => {
  await db!.transaction((tx) => {
    for (let i = 0; i < 40; i++) tx.interfaces.create({ ifname: `q${i}`, kind: 'veth', peer: `r${i}` });
  });
  expect(spans).toHaveLength(1);
  const [from, to] = spans[0]!;
  expect(to).toBeGreaterThan(from);
  expect(delivered.filter((t) => t > from && t < to)).toEqual([]);
  // Confirmed: the database shows them, and the kernel has them.
  const made = ipJson<{ ifname: string }>(ns(), 'link', 'show').map((l) => l.ifname).filter((n) => /^[qr]\d+$/.test(n));
  expect(made).toHaveLength(80);
  expect(db!.interfaces.get('q39')?.kind).toBe('veth');
  // Reading goes on: another program's change reaches the database.
  ip(ns(), 'link', 'set', 'q0', 'mtu', '1400');
  await db!.wait((s) => s.interfaces.get('q0')?.mtu === 1400, { timeout: 2000 });
});

it('adding routes: nothing is paused (the notifications are read while the kernel works)', async () => {
  await db!.transaction((tx) => {
    for (let i = 0; i < 40; i++) tx.routes.add({ dst: `10.9.${i}.0/24`, gateway: '10.0.0.2' });
  });
  expect(spans).toEqual([]);
  expect(routes(ns(), 'proto', 'boot').filter((r) => r.startsWith('10.9.'))).toHaveLength(40);
});
