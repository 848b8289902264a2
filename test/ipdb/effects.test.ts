/**
 * Kernel side effects that come without a notification, checked against the real kernel: IPv4
 * routes vanish when their link goes down or loses its addresses (fib_table_flush sends no
 * RTM_DELROUTE), neighbours are flushed, a deleted link takes its addresses and routes along.
 *
 * Two databases watch each namespace: one with the safety net off (verifyEffects: false), which
 * must be exact through its side-effect rules alone, and one with it on, whose re-dumps must
 * find nothing to correct (no route change of origin 'resync') when the rules are exact.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { IPDB, type AnyChange } from '../../src/index.js';
import { assertKernelAccess, ip, ipBatch, ipJson, useNetnsEach } from '../helpers/netns.js';
import { noDad, settle } from '../helpers/witness.js';

const ns = useNetnsEach('fx');

const LINKS = [
  'link add va type veth peer name vb', 'link add vc type veth peer name vd',
  ...['va', 'vb', 'vc', 'vd'].map((d) => `link set ${d} up`),
  'addr add 10.0.0.1/24 dev va', 'addr add 2001:db8::1/64 dev va', 'addr add 10.1.0.1/24 dev vc', 'addr add 2001:db8:1::1/64 dev vc',
];

/** Routes through va in several tables, multipath through va and vc, IPv6, error types, prefsrc. */
const ROUTES = [
  'route add 10.5.0.0/16 via 10.0.0.2', 'route add 10.6.0.0/16 via 10.0.0.2 table 100 metric 5', 'route add 10.7.0.0/16 dev va table 200',
  'route add 10.8.0.0/16 nexthop via 10.0.0.2 dev va nexthop via 10.1.0.2 dev vc',
  'route add 10.9.0.0/16 table 100 nexthop via 10.0.0.2 dev va nexthop via 10.0.0.3 dev va',
  'route add 10.10.0.0/16 via 10.1.0.2 src 10.0.0.1', 'route add 10.11.0.0/16 via 10.1.0.2 src 10.0.0.1 table 100',
  'route add 10.12.0.0/16 via 10.1.0.2', 'route add blackhole 10.66.0.0/16', 'route add unreachable 10.67.0.0/16 table 100',
  'route add 2001:db8:5::/48 via 2001:db8::2', 'route add 2001:db8:6::/48 via 2001:db8::2 table 100',
  'route add 2001:db8:7::/48 nexthop via 2001:db8::2 dev va nexthop via 2001:db8:1::2 dev vc',
  'route add 2001:db8:8::/48 table 100 nexthop via 2001:db8::2 dev va nexthop via 2001:db8::3 dev va',
  'route add 2001:db8:9::/48 via 2001:db8:1::2 src 2001:db8::1', 'route add 2001:db8:a::/48 via 2001:db8:1::2',
  'neigh add 10.0.0.2 lladdr aa:bb:cc:dd:ee:01 dev va', 'neigh add 2001:db8::2 lladdr aa:bb:cc:dd:ee:02 dev va',
  'neigh add 10.1.0.2 lladdr aa:bb:cc:dd:ee:03 dev vc',
];

let exact: IPDB;
let checked: IPDB;
let exactChanges: AnyChange[];
let checkedChanges: AnyChange[];

/** Waits until the links' carrier is up: IPv6 addresses stay tentative (unusable as a source) until then. */
async function carrierUp(names: string[]): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const links = ipJson<{ ifname: string; operstate: string }>(ns(), 'link', 'show');
    if (names.every((n) => links.find((l) => l.ifname === n)?.operstate === 'UP')) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`carrier of ${names.join(', ')} did not come up`);
}

beforeEach(async () => {
  assertKernelAccess();
  noDad(ns());
  ipBatch(ns(), LINKS);
  await carrierUp(['va', 'vb', 'vc', 'vd']);
  ipBatch(ns(), ROUTES);
  exact = await IPDB.open({ netns: ns(), verifyEffects: false });
  checked = await IPDB.open({ netns: ns(), verifyEffects: { delayMs: 20 } });
  exactChanges = [];
  checkedChanges = [];
  exact.changes$.subscribe((c) => exactChanges.push(c));
  checked.changes$.subscribe((c) => checkedChanges.push(c));
  await settle(exact, ns());
});

afterEach(() => {
  exact?.close();
  checked?.close();
});

/** Runs the commands, then both databases must equal ip -j; the checked one corrected nothing. */
async function step(lines: string[], expectRemoved: (c: AnyChange) => boolean): Promise<void> {
  const from = exactChanges.length;
  ipBatch(ns(), lines);
  await settle(exact, ns());
  await settle(checked, ns());
  // The side effect really happened (the test is not vacuous), and was inferred, not announced.
  const inferred = exactChanges.slice(from).filter((c) => c.op === 'remove' && c.reason !== undefined);
  expect(inferred.some(expectRemoved)).toBe(true);
  expect(checked.stats.effects!.resyncs).toBeGreaterThan(0);
  expect(checkedChanges.filter((c) => c.origin === 'resync').map((c) => JSON.stringify([c.op, c.key, c.before, c.after]))).toEqual([]);
  expect(checked.stats.effects!.corrections).toBe(0);
}

const route = (dst: string) => (c: AnyChange) => c.kind === 'route' && c.before?.dst === dst;

it('link down: IPv4 routes through it vanish silently in every table, error routes and other links stay', async () => {
  await step(['link set va down'], route('10.6.0.0/16'));
  const dsts = exact.routes.filter((r) => r.family === 4 && r.table !== 255).map((r) => r.dst);
  expect(dsts).not.toContain('10.5.0.0/16');
  expect(dsts).not.toContain('10.9.0.0/16');
  expect(dsts).toContain('10.12.0.0/16');
  expect(dsts).toContain('10.66.0.0/16');
  // Neighbours on the link are flushed, permanent ones included.
  expect(exact.neighbours.filter({ dst: '10.0.0.2' })).toEqual([]);
});

it('a link with no route of several next hops goes down: only its routes are re-dumped, nothing to correct', async () => {
  const before = { ...checked.stats.effects! };
  const from = checkedChanges.length;
  ipBatch(ns(), ['link set vd down']);
  await settle(exact, ns());
  await settle(checked, ns());
  const after = checked.stats.effects!;
  expect(after.triggers).toBeGreaterThan(before.triggers);
  expect(after.targeted).toBeGreaterThan(before.targeted);
  // (every re-dump of the burst was a targeted one)
  expect(after.resyncs - before.resyncs).toBe(after.targeted - before.targeted);
  expect(checkedChanges.slice(from).filter((c) => c.origin === 'resync')).toEqual([]);
});

it('link down and up again: what the kernel restores is announced', async () => {
  await step(['link set va down'], route('10.5.0.0/16'));
  await step(['link set va up', 'link set vc down'], route('10.12.0.0/16'));
});

it('the last IPv4 address removed: routes through the link and the prefsrc routes go', async () => {
  await step(['addr del 10.0.0.1/24 dev va'], route('10.5.0.0/16'));
  expect(exact.routes.filter({ dst: '10.10.0.0/16', table: 254 })).toEqual([]);
  // prefsrc removal only flushes the main table (fib_sync_down_addr); table 100 keeps its route.
  expect(exact.routes.filter({ dst: '10.11.0.0/16', table: 100 })).toHaveLength(1);
});

it('one of several IPv4 addresses removed: only the prefsrc routes go', async () => {
  ipBatch(ns(), ['addr add 10.0.0.9/24 dev va', 'route add 10.13.0.0/16 via 10.1.0.2 src 10.0.0.9']);
  await settle(exact, ns());
  await step(['addr del 10.0.0.9/24 dev va'], route('10.13.0.0/16'));
  expect(exact.routes.filter({ dst: '10.5.0.0/16' })).toHaveLength(1);
});

it('an IPv4 address removed away from routes of several next hops: only the links concerned are re-dumped, nothing to correct', async () => {
  // vb's address is the source of a route through vd, in the main table and in table 100.
  ipBatch(ns(), ['addr add 10.20.0.1/24 dev vb', 'addr add 10.21.0.1/24 dev vd',
    'route add 10.22.0.0/16 via 10.21.0.2 src 10.20.0.1', 'route add 10.23.0.0/16 via 10.21.0.2 src 10.20.0.1 table 100']);
  await settle(exact, ns());
  await settle(checked, ns());
  const before = { ...checked.stats.effects! };
  await step(['addr del 10.20.0.1/24 dev vb'], route('10.22.0.0/16'));
  const after = checked.stats.effects!;
  expect(after.targeted).toBeGreaterThan(before.targeted);
  // (every re-dump of the burst was a targeted one: vb's routes and vd's)
  expect(after.resyncs - before.resyncs).toBe(after.targeted - before.targeted);
  expect(exact.routes.filter({ dst: '10.23.0.0/16', table: 100 })).toHaveLength(1);
});

it('an IPv6 address removed: prefsrc cleared, routes kept as the kernel keeps them', async () => {
  const from = exactChanges.length;
  ip(ns(), '-6', 'addr', 'del', '2001:db8::1/64', 'dev', 'va');
  await settle(exact, ns());
  await settle(checked, ns());
  expect(exactChanges.slice(from).some((c) => c.kind === 'address' && c.op === 'remove')).toBe(true);
  expect(checkedChanges.filter((c) => c.origin === 'resync')).toEqual([]);
});

it('link deleted: its addresses, neighbours, routes and IPv6 multipath nexthops go', async () => {
  await step(['link del va'], route('10.6.0.0/16'));
  expect(exact.interfaces.get('va')).toBeUndefined();
  expect(exact.interfaces.get('vb')).toBeUndefined();
  expect(exact.addresses.filter({ address: '10.0.0.1' })).toEqual([]);
  // IPv6 multipath through va and vc keeps its vc nexthop as a plain route.
  const v6 = exact.routes.filter({ dst: '2001:db8:7::/48' });
  expect(v6.map((r) => [r.gateway, r.multipath])).toEqual([['2001:db8:1::2', null]]);
});

it("peer down: the peer's routes go, the carrier-less link keeps all of its own", async () => {
  const va = exact.interfaces.va!.index;
  const vb = exact.interfaces.vb!.index;
  const from = exactChanges.length;
  await step(['link set vb down'], (c) => c.kind === 'route' && c.before?.oif === vb);
  expect(exact.interfaces.va?.operstate).toBe('LOWERLAYERDOWN');
  const touched = exactChanges.slice(from).filter((c) => c.kind === 'route' && (c.before ?? c.after)!.oif === va);
  expect(touched).toEqual([]);
});
