/**
 * db.history() on the kernel: changes made with `ip` are recorded with the time they were seen
 * (bracketed by Date.now() before and after each command), their records before and after, in
 * order; filters by time, kind and key; our own commits carry the transaction's id; and without
 * a store every store method rejects with NoStoreError.
 */
import { describe, expect, it } from 'vitest';
import {
  NoStoreError, StoreError, type AnyChange, type HistoryEntry, type IPDB, type RouteRecord,
} from '../../src/index.js';
import { interfaceKey } from '../../src/db/keys.js';
import { ip, ipJson, useNetnsEach } from '../helpers/netns.js';
import { noDad } from '../helpers/witness.js';
import { sleep, useStoreDbs } from './helpers.js';

const netns = useNetnsEach('sh');
const dbs = useStoreDbs();

interface Step {
  readonly args: string[];
  /** Which recorded change this command must cause. */
  readonly match: (e: HistoryEntry) => boolean;
  t0: number;
  t1: number;
}

function indexOf(ns: string, ifname: string): number {
  return (ipJson<{ ifindex: number }>(ns, 'link', 'show', 'dev', ifname)[0]!).ifindex;
}

/** Runs one `ip` command with Date.now() before it and after the database has seen its effect. */
async function timed(db: IPDB, ns: string, step: Step): Promise<void> {
  await sleep(3);
  step.t0 = Date.now();
  ip(ns, ...step.args);
  await db.sync();
  step.t1 = Date.now();
}

describe('history of changes made with ip', () => {
  it('records each change with its time, before and after, in order', async () => {
    const ns = netns();
    noDad(ns);
    ip(ns, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb');
    ip(ns, 'link', 'set', 'va', 'up');
    ip(ns, 'link', 'set', 'vb', 'up');
    const db = await dbs.open({ netns: ns, store: dbs.path() });
    const va = indexOf(ns, 'va');
    const vb = indexOf(ns, 'vb');
    const route = (e: HistoryEntry, dst: string) => e.kind === 'route' && (e.after ?? e.before)!.dst === dst;
    const steps: Step[] = [
      { args: ['link', 'set', 'va', 'mtu', '1400'], match: (e) => e.kind === 'interface' && e.op === 'change' && e.key === String(va) && e.before!.mtu === 1500 && e.after!.mtu === 1400 && (e.fields ?? []).includes('mtu'), t0: 0, t1: 0 },
      { args: ['addr', 'add', '10.1.0.1/24', 'dev', 'va'], match: (e) => e.kind === 'address' && e.op === 'add' && e.after!.address === '10.1.0.1' && e.after!.index === va, t0: 0, t1: 0 },
      { args: ['route', 'add', '10.50.0.0/16', 'via', '10.1.0.2'], match: (e) => route(e, '10.50.0.0/16') && e.op === 'add' && (e.after as RouteRecord).gateway === '10.1.0.2', t0: 0, t1: 0 },
      { args: ['route', 'change', '10.50.0.0/16', 'via', '10.1.0.3'], match: (e) => route(e, '10.50.0.0/16') && e.op !== 'remove' && (e.after as RouteRecord).gateway === '10.1.0.3', t0: 0, t1: 0 },
      { args: ['route', 'del', '10.50.0.0/16'], match: (e) => route(e, '10.50.0.0/16') && e.op === 'remove' && (e.before as RouteRecord).gateway === '10.1.0.3', t0: 0, t1: 0 },
      { args: ['link', 'del', 'vb'], match: (e) => e.kind === 'interface' && e.op === 'remove' && e.key === String(vb) && e.before!.ifname === 'vb', t0: 0, t1: 0 },
    ];
    const start = Date.now();
    for (const s of steps) await timed(db, ns, s);

    const all = await db.history({ since: start });
    expect(all.length).toBeGreaterThanOrEqual(steps.length);
    let previous = -Infinity;
    for (const s of steps) {
      const hits = all.filter(s.match);
      expect(hits, `${s.args.join(' ')} in ${JSON.stringify(all.map((e) => [e.op, e.kind, e.key]))}`).toHaveLength(1);
      const e = hits[0]!;
      expect(e.time).toBeInstanceOf(Date);
      expect(e.time.getTime(), s.args.join(' ')).toBeGreaterThanOrEqual(s.t0);
      expect(e.time.getTime(), s.args.join(' ')).toBeLessThanOrEqual(s.t1);
      expect(e.origin).toBe('kernel');
      expect(e.txid).toBeNull();
      expect(e.ns).toBe(ns);
      expect(e.id).toBeGreaterThan(previous);
      previous = e.id;
    }
    // The whole list is in time order, and ids grow with it.
    for (let i = 1; i < all.length; i++) {
      expect(all[i]!.time.getTime()).toBeGreaterThanOrEqual(all[i - 1]!.time.getTime());
      expect(all[i]!.id).toBeGreaterThan(all[i - 1]!.id);
    }
    // The veth's peer went with it, and what hung off it (its address and the kernel's routes).
    expect(all.some((e) => e.kind === 'interface' && e.op === 'remove' && e.key === String(va))).toBe(true);
    expect(all.some((e) => e.kind === 'address' && e.op === 'remove' && e.before!.address === '10.1.0.1')).toBe(true);

    // Filters: a time window, a kind, a key.
    const [, addr, add] = steps;
    const window = await db.history({ since: addr!.t0, until: add!.t1 });
    expect(window.some(addr!.match)).toBe(true);
    expect(window.some(add!.match)).toBe(true);
    expect(window.some(steps[0]!.match)).toBe(false);
    expect(window.some(steps[4]!.match)).toBe(false);
    expect(window.every((e) => e.time.getTime() >= addr!.t0 && e.time.getTime() <= add!.t1)).toBe(true);

    const routes = await db.history({ since: start, kind: 'route' });
    expect(routes.length).toBeGreaterThanOrEqual(3);
    expect(routes.every((e) => e.kind === 'route')).toBe(true);
    expect(routes.filter((e) => route(e, '10.50.0.0/16')).map((e) => e.op)).toEqual(
      all.filter((e) => route(e, '10.50.0.0/16')).map((e) => e.op));

    const ofVa = await db.history({ key: interfaceKey({ index: va }), kind: 'interface' });
    expect(ofVa.map((e) => e.op).slice(-2)).toEqual(['change', 'remove']);
    expect(ofVa.every((e) => e.key === String(va))).toBe(true);
  });

  it('matches what changes$ emitted, change for change', async () => {
    const ns = netns();
    noDad(ns);
    ip(ns, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb');
    const db = await dbs.open({ netns: ns, store: dbs.path() });
    const seen: AnyChange[] = [];
    db.changes$.subscribe((c) => seen.push(c));
    const start = Date.now();
    ip(ns, 'link', 'set', 'va', 'up');
    ip(ns, 'link', 'set', 'vb', 'up');
    ip(ns, 'addr', 'add', '10.1.0.1/24', 'dev', 'va');
    ip(ns, 'addr', 'add', '2001:db8::1/64', 'dev', 'va');
    ip(ns, 'link', 'set', 'vb', 'address', '02:00:00:00:00:0b');
    await db.sync();
    await sleep(100);
    await db.sync();
    const recorded = await db.history({ since: start });
    const strip = (c: AnyChange | HistoryEntry) => ({ op: c.op, kind: c.kind, key: c.key, before: c.before, after: c.after, origin: c.origin, fields: c.fields, reason: c.reason });
    expect(recorded.map(strip)).toEqual(seen.map(strip));
  });

  it('marks our own commits with the transaction id', async () => {
    const ns = netns();
    noDad(ns);
    ip(ns, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb');
    const db = await dbs.open({ netns: ns, store: dbs.path() });
    const tx = db.begin();
    tx.interfaces.get('va')!.mtu = 1300;
    tx.interfaces.get('va')!.state = 'up';
    tx.routes.add({ dst: '10.77.0.0/16', oif: 'va' });
    const report = await tx.commit();
    expect(report.txId).toBe(tx.id);
    await db.sync();
    ip(ns, 'link', 'set', 'vb', 'mtu', '1200'); // someone else's change: no txid
    await db.sync();

    const mine = await db.history({ txid: tx.id });
    expect(mine.length).toBeGreaterThanOrEqual(2);
    expect(mine.every((e) => e.origin === 'commit' && e.txid === tx.id)).toBe(true);
    expect(mine.some((e) => e.kind === 'interface' && e.after?.mtu === 1300)).toBe(true);
    expect(mine.some((e) => e.kind === 'route' && e.op === 'add' && e.after?.dst === '10.77.0.0/16')).toBe(true);
    const theirs = (await db.history({ kind: 'interface' })).filter((e) => e.kind === 'interface' && e.after?.mtu === 1200);
    expect(theirs).toHaveLength(1);
    expect(theirs[0]!.origin).toBe('kernel');
    expect(theirs[0]!.txid).toBeNull();

    // A second transaction gets its own id.
    await db.transaction((t) => { t.interfaces.get('va')!.mtu = 1400; });
    const commits = await db.history({ origin: 'commit' });
    const ids = [...new Set(commits.map((e) => e.txid))];
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(tx.id);
    expect(ids[1]).not.toBe(tx.id);
  });
});

describe('without a store', () => {
  it('every store method rejects with NoStoreError', async () => {
    const ns = netns();
    const db = await dbs.open({ netns: ns });
    expect(db.store).toBeNull();
    const calls: [string, () => Promise<unknown>][] = [
      ['history', () => db.history()],
      ['at', () => db.at(Date.now())],
      ['checkpoint', () => db.checkpoint('x')],
      ['checkpoints', () => db.checkpoints()],
      ['diff', () => db.diff('x')],
      ['restore', () => db.restore('x')],
      ['query', () => db.query('SELECT 1')],
    ];
    for (const [method, call] of calls) {
      const err = await call().then(() => null, (e: unknown) => e);
      expect(err, method).toBeInstanceOf(NoStoreError);
      expect(err, method).toBeInstanceOf(StoreError);
      expect((err as NoStoreError).method).toBe(method);
      expect((err as Error).message).toContain('IPDB.open({ store');
    }
  });
});
