/**
 * Helpers for the transaction tests on the kernel: whole `ip -j` dumps of a namespace as the
 * witness, compared before and after, and an IPDB opened in the namespace.
 *
 * fullDump() keeps everything `ip -j` prints except what moves on its own: bridge timers, and
 * neighbours other than permanent ones (the kernel's cache). Lists are sorted, so two dumps
 * compare as multisets; settleSame() retries briefly, because carrier flags and the kernel's own
 * IPv6 link-local addresses and routes come back a moment after a link is up again.
 */
import { expect } from 'vitest';
import { IPDB, type IPDBOptions, type Transaction } from '../../src/index.js';
import { ValidationError } from '../../src/iproute/errors.js';
import { ip, ipBatch, ipJson } from '../helpers/netns.js';
import { noDad, settle } from '../helpers/witness.js';
import { CommitError } from '../../src/transactions/errors.js';

export type Dump = Record<'links' | 'addresses' | 'routes' | 'rules' | 'neighbours', string[]>;

/**
 * Left out: timers, counters, and the queueing discipline (the kernel attaches a default qdisc the
 * first time a link goes up and keeps it when it goes down again: tc's business, not rtnetlink's).
 */
const VOLATILE = new Set(['qdisc', 'hello_timer', 'tcn_timer', 'topology_change_timer', 'gc_timer', 'message_age_timer',
  'forward_delay_timer', 'hold_timer', 'stats', 'stats64']);

function strip(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(strip);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) if (!VOLATILE.has(k)) out[k] = strip((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

const lines = (xs: unknown[]): string[] => xs.map((x) => JSON.stringify(strip(x))).sort();

/** The namespace's whole state as `ip -j` prints it. */
export function fullDump(ns: string): Dump {
  const addresses: unknown[] = [];
  for (const l of ipJson<any>(ns, 'addr', 'show')) {
    for (const a of l.addr_info ?? []) addresses.push({ ifindex: l.ifindex, ...a });
  }
  return {
    links: lines(ipJson(ns, '-d', 'link', 'show')),
    addresses: lines(addresses),
    routes: lines([...ipJson(ns, '-4', '-d', 'route', 'show', 'table', 'all'), ...ipJson(ns, '-6', '-d', 'route', 'show', 'table', 'all')]),
    rules: lines([...ipJson(ns, '-4', 'rule', 'show'), ...ipJson(ns, '-6', 'rule', 'show')]),
    neighbours: lines(ipJson(ns, 'neigh', 'show', 'nud', 'permanent')),
  };
}

/** Lines only in `a` and only in `b`, per kind. */
export function dumpDiff(a: Dump, b: Dump): string[] {
  const out: string[] = [];
  for (const k of Object.keys(a) as (keyof Dump)[]) {
    const right = [...b[k]];
    for (const x of a[k]) {
      const i = right.indexOf(x);
      if (i >= 0) right.splice(i, 1);
      else out.push(`${k} before only: ${x}`);
    }
    for (const y of right) out.push(`${k} after only:  ${y}`);
  }
  return out;
}

/**
 * A dump once the namespace has stopped changing by itself (a bridge gaining carrier, IPv6
 * link-local addresses appearing): two equal dumps 100 ms apart.
 */
export async function stableDump(ns: string, timeoutMs = 3000): Promise<Dump> {
  const end = Date.now() + timeoutMs;
  let last = fullDump(ns);
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const now = fullDump(ns);
    if ((dumpDiff(last, now).length === 0 && carriersSettled(now)) || Date.now() > end) return now;
    last = now;
  }
}

/**
 * Carrier changes reach the flags and the operational state through linkwatch, which may hold
 * them back for up to a second: a link shown with LOWER_UP and NO-CARRIER at once, or up with an
 * operational state that does not match its carrier yet, is still on its way.
 */
function carriersSettled(d: Dump): boolean {
  return d.links.every((line) => {
    const l = JSON.parse(line) as { flags: string[]; operstate: string };
    if (!l.flags.includes('UP')) return true;
    const carrier = l.flags.includes('LOWER_UP');
    if (carrier && l.flags.includes('NO-CARRIER')) return false;
    const running = l.operstate === 'UP' || l.operstate === 'UNKNOWN';
    return carrier === running;
  });
}

/** Waits (briefly) until the namespace dumps as `want`; fails with the differences otherwise. */
export async function settleSame(ns: string, want: Dump, timeoutMs = 4000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const diff = dumpDiff(want, fullDump(ns));
    if (diff.length === 0) return;
    if (Date.now() > end) expect(diff, `namespace ${ns} differs`).toEqual([]);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An IPDB on `ns` (IPv6 DAD off there, so addresses are usable at once). */
export async function openDb(ns: string, opts: IPDBOptions = {}): Promise<IPDB> {
  noDad(ns);
  return IPDB.open({ netns: ns, verifyEffects: false, ...opts });
}

/** The starting state most tests use: a veth pair va/vb, up, with IPv4 and IPv6 on va. */
export const BASE_SETUP = [
  'link add va type veth peer name vb',
  'link set va up', 'link set vb up',
  'addr add 10.0.0.1/24 dev va', 'addr add 2001:db8::1/64 dev va',
];

export function link(ns: string, name: string): any {
  return ipJson<any>(ns, '-d', 'link', 'show', 'dev', name)[0];
}

export function addrs(ns: string, name: string): string[] {
  const l = ipJson<any>(ns, 'addr', 'show', 'dev', name)[0];
  return (l?.addr_info ?? []).map((a: any) => `${a.local}/${a.prefixlen}`).sort();
}

export function routes(ns: string, ...args: string[]): string[] {
  return ip(ns, 'route', 'show', ...args).trim().split('\n').map((l) => l.trim()).filter(Boolean);
}

/**
 * On `ns` set up as BASE_SETUP, a transaction of `change` is refused before anything is sent: a
 * ValidationError naming `field` and `value`, and the namespace's routes of `family` as they were.
 */
export async function expectRouteRefused(ns: string, family: 4 | 6, change: (tx: Transaction) => void, field: string, value: unknown): Promise<void> {
  await withBaseDb(ns, async (db) => {
    const before = ipJson(ns, `-${family}`, 'route', 'show', 'table', 'all');
    const bad = db.transaction(change);
    await expect(bad).rejects.toBeInstanceOf(ValidationError);
    await expect(bad).rejects.toMatchObject({ errors: [expect.objectContaining({ field, value })] });
    expect(ipJson(ns, `-${family}`, 'route', 'show', 'table', 'all')).toEqual(before);
  });
}

/**
 * A commit that removes link `ifname` (the kernel drops its routes with it) and then fails (on
 * UNREACHABLE) is rolled back, and the namespace dumps as it did before: the link, its addresses,
 * and the routes the kernel dropped, as they were.
 */
export async function expectLinkRemovalUndone(db: IPDB, ns: string, ifname: string): Promise<void> {
  await settle(db, ns);
  const before = await stableDump(ns);
  const failed = db.transaction((tx) => {
    tx.interfaces.remove(ifname);
    tx.routes.add(UNREACHABLE);
  });
  await expect(failed).rejects.toBeInstanceOf(CommitError);
  await expect(failed).rejects.toMatchObject({ rolledBack: true });
  await settleSame(ns, before);
}

/** `ns` set up as BASE_SETUP (no DAD), an IPDB on it for `fn`, closed afterwards whatever happens. */
export async function withBaseDb(ns: string, fn: (db: IPDB) => Promise<void>): Promise<void> {
  noDad(ns);
  ipBatch(ns, BASE_SETUP);
  const db = await openDb(ns);
  try {
    await fn(db);
  } finally {
    await db.close();
  }
}

/** A route the kernel refuses (ENETUNREACH: nothing leads to its gateway): makes a commit fail last. */
export const UNREACHABLE = { dst: '10.99.0.0/16', gateway: '192.0.2.1' } as const;

/** Polls `check` until it returns true, or fails after `ms` with the last value it saw. */
export async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
