/**
 * The Database over a scripted source: the open sequence (subscribe, dump, then the events that
 * arrived meanwhile), overrun -> resync, the apply queue, load filters, close.
 */
import { VirtualTimeScheduler } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/db/database.js';
import { DbClosedError, DbSourceError, DbTimeoutError } from '../../src/db/errors.js';
import type { AnyChange } from '../../src/db/types.js';
import { addr4, iface, nu, replaced, route4 } from './fixtures.js';
import { deferred, FakeSource } from './fake-source.js';

const open: Database[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

function setup(fill = true): { src: FakeSource; db: Database; changes: AnyChange[] } {
  const src = new FakeSource();
  if (fill) {
    src.set('interface', iface(2, 'eth0'), { silent: true });
    src.set('address', addr4(2, '10.0.0.5/24'), { silent: true });
    src.set('route', route4('10.1.0.0/16', { oif: 2, gateway: '10.0.0.1' }), { silent: true });
  }
  const db = new Database({ resyncRetryMs: 1 });
  open.push(db);
  const changes: AnyChange[] = [];
  db.changes$.subscribe((c) => changes.push(c));
  return { src, db, changes };
}

const desc = (cs: AnyChange[]) => cs.map((c) => `${c.origin} ${c.op} ${c.kind}`);

describe('open', () => {
  it('dumps every kind in dependency order and reports the load as resync adds', async () => {
    const { src, db, changes } = setup();
    await db.open(src);
    expect(src.dumps.map((d) => d.kind)).toEqual(['interface', 'address', 'route', 'rule', 'neighbour']);
    expect(desc(changes)).toEqual(['resync add interface', 'resync add address', 'resync add route']);
    expect(db.interfaces.eth0?.index).toBe(2);
    expect(db.isOpen).toBe(true);
  });

  it('subscribes before dumping; events that arrive during the dump are applied after it, in order', async () => {
    const { src, db, changes } = setup();
    const hold = deferred();
    const reached = deferred();
    const seenDuringDump: (number | undefined)[] = [];
    src.beforeChunk = async (kind) => {
      if (kind !== 'route') return;
      reached.resolve();
      // interfaces are already dumped (mtu 1500); now the kernel moves on while routes dump
      src.set('interface', iface(2, 'eth0', { mtu: 9000 }));
      src.set('route', route4('10.2.0.0/16', { oif: 2, gateway: '10.0.0.1' }));
      src.remove('route', route4('10.1.0.0/16', { oif: 2, gateway: '10.0.0.1' }));
      seenDuringDump.push(db.interfaces.eth0?.mtu);
      src.beforeChunk = null;
      await hold.promise;
    };
    const opened = db.open(src);
    await reached.promise;
    hold.resolve();
    await opened;
    expect(seenDuringDump).toEqual([1500]); // queued, not applied while the dump ran
    expect(db.interfaces.eth0?.mtu).toBe(9000);
    expect(db.routes.toArray().map((r) => r.dst)).toEqual(['10.2.0.0/16']);
    // 10.1/16 was gone before the route dump read the table: never added, its 'del' a no-op;
    // 10.2/16 came with the dump, its 'new' a no-op. Each real change once.
    expect(desc(changes)).toEqual(['resync add interface', 'resync add address', 'resync add route', 'kernel change interface']);
  });

  it('works with a dump delivered in chunks, events arriving between chunks', async () => {
    const { src, db } = setup(false);
    for (let i = 0; i < 5; i++) src.set('route', route4(`10.${i}.0.0/16`, { oif: 2 }), { silent: true });
    src.chunkSize = 2;
    src.beforeChunk = (kind, i) => {
      if (kind === 'route' && i === 1) src.remove('route', route4('10.4.0.0/16', { oif: 2 }));
    };
    await db.open(src, { sliceSize: 1 });
    expect(db.routes.size).toBe(4);
  });

  it('a failing dump rejects open with DbSourceError (keeping the cause) and closes the source', async () => {
    const { src, db } = setup();
    src.failures.set('address', 1);
    const err = await db.open(src).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DbSourceError);
    expect(((err as Error).cause as Error).message).toMatch(/scripted/);
    expect(src.closed).toBe(true);
    expect(db.isOpen).toBe(false);
  });
});

describe('overrun and resync', () => {
  it('an overrun re-dumps and reports exactly the lost changes, once each, origin resync', async () => {
    const { src, db, changes } = setup();
    await db.open(src);
    changes.length = 0;
    // events lost: the kernel changed, nothing arrived
    src.set('route', route4('10.3.0.0/16', { oif: 2 }), { silent: true });
    src.remove('route', route4('10.1.0.0/16', { oif: 2, gateway: '10.0.0.1' }), { silent: true });
    src.set('interface', iface(2, 'eth0', { mtu: 1400 }), { silent: true });
    src.overruns.next();
    await db.whenIdle();
    expect(desc(changes).sort()).toEqual(['resync add route', 'resync change interface', 'resync remove route']);
    expect(db.routes.toArray().map((r) => r.dst)).toEqual(['10.3.0.0/16']);
  });

  it('stays readable during the resync; events arriving meanwhile wait and are applied after', async () => {
    const { src, db, changes } = setup();
    await db.open(src);
    changes.length = 0;
    const hold = deferred();
    const reached = deferred();
    let readDuring: number | undefined;
    src.beforeChunk = async (kind) => {
      if (kind !== 'interface') return;
      src.beforeChunk = null;
      reached.resolve();
      src.set('route', route4('10.8.0.0/16', { oif: 2 })); // arrives during the resync
      readDuring = db.routes.size;
      await hold.promise;
    };
    src.overruns.next();
    await reached.promise;
    expect(readDuring).toBe(1);
    expect(db.routes.size).toBe(1);
    hold.resolve();
    await db.whenIdle();
    expect(db.routes.size).toBe(2);
    // the route dump already saw 10.8/16; the queued event then changed nothing
    expect(desc(changes)).toEqual(['resync add route']);
  });

  it('overruns that arrive before the resync starts are merged into one', async () => {
    const { src, db } = setup();
    await db.open(src);
    const before = src.dumps.length;
    src.overruns.next();
    src.overruns.next();
    src.overruns.next();
    await db.whenIdle();
    expect(src.dumps.length - before).toBe(5);
  });

  it('a failed resync is reported on errors$ and retried', async () => {
    const { src, db } = setup();
    await db.open(src);
    const errors: Error[] = [];
    db.errors$.subscribe((e) => errors.push(e));
    src.failures.set('route', 1);
    src.set('route', route4('10.9.0.0/16', { oif: 2 }), { silent: true });
    src.overruns.next();
    await db.wait((s) => s.routes.get('10.9.0.0/16'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(DbSourceError);
  });

  it('an interface re-dump that finds a link down or gone flushes its IPv4 routes, as the kernel did silently', async () => {
    const { src, db, changes } = setup();
    src.set('interface', iface(3, 'eth1'), { silent: true });
    src.set('route', route4('10.2.0.0/16', { oif: 3, gateway: '10.0.0.9' }), { silent: true });
    await db.open(src);
    changes.length = 0;
    // The kernel: eth0 went down (and flushed 10.1/16), eth1 went away (and took 10.2/16); the
    // interface re-dump reads the links only, and the RTM_NEWLINK behind it changes nothing.
    src.set('interface', iface(2, 'eth0', { state: 'down', flags: 0x1002 }), { silent: true });
    src.remove('route', route4('10.1.0.0/16', { oif: 2, gateway: '10.0.0.1' }), { silent: true });
    src.remove('interface', iface(3, 'eth1'), { silent: true });
    src.remove('route', route4('10.2.0.0/16', { oif: 3, gateway: '10.0.0.9' }), { silent: true });
    await db.resync(['interface']);
    src.set('interface', iface(2, 'eth0', { state: 'down', flags: 0x1002 }));
    await db.whenIdle();
    expect(src.dumps.slice(-1).map((d) => d.kind)).toEqual(['interface']);
    expect(db.routes.size).toBe(0);
    expect(desc(changes).sort()).toEqual(['resync change interface', 'resync remove interface', 'resync remove route', 'resync remove route']);
    expect(changes.filter((c) => c.kind === 'route').map((c) => (c as { reason?: string }).reason).sort()).toEqual(['link-down', 'link-removed']);
  });

  it('an ambiguous NLM_F_REPLACE triggers a targeted route re-dump that settles it', async () => {
    const { src, db } = setup(false);
    await db.open(src);
    // two aliases in one slot (ip route add + ip route append), then a replace of "the first"
    src.set('route', route4('10.5.0.0/16', { oif: 2, gateway: '10.0.0.1' }));
    src.set('route', route4('10.5.0.0/16', { oif: 2, gateway: '10.0.0.3' }));
    await db.whenIdle();
    const dumps = src.dumps.length;
    src.remove('route', route4('10.5.0.0/16', { oif: 2, gateway: '10.0.0.1' }), { silent: true });
    src.kernel.get('route')!.set('x', route4('10.5.0.0/16', { oif: 2, gateway: '10.0.0.2' }));
    src.emit(replaced(route4('10.5.0.0/16', { oif: 2, gateway: '10.0.0.2' })));
    await db.whenIdle();
    await db.whenIdle();
    expect(src.dumps.slice(dumps).map((d) => d.kind)).toEqual(['route']);
    expect(db.routes.toArray().map((r) => r.gateway).sort()).toEqual(['10.0.0.2', '10.0.0.3']);
  });
});

describe('apply queue', () => {
  it('folds batches that arrive together into one update, and slices big ones', async () => {
    const { src, db } = setup(false);
    await db.open(src, { sliceSize: 3 });
    const sizes: number[] = [];
    db.updates$.subscribe((u) => sizes.push(u.changes.length));
    src.emit(nu('route', route4('10.1.0.0/16')), nu('route', route4('10.2.0.0/16')));
    src.emit(nu('route', route4('10.3.0.0/16')));
    await db.whenIdle();
    expect(sizes).toEqual([3]);
    sizes.length = 0;
    src.emit(...Array.from({ length: 10 }, (_, i) => nu('route', route4(`10.${50 + i}.0.0/16`))));
    await db.whenIdle();
    expect(sizes).toEqual([3, 3, 3, 1]);
  });

  it('publishes the new state before changes$ and state$ emit', async () => {
    const { src, db } = setup(false);
    await db.open(src);
    const seen: string[] = [];
    db.changes$.subscribe(() => seen.push(`change: ${db.routes.size}`));
    db.state$.subscribe((s) => seen.push(`state: ${s.routes.size}`));
    src.set('route', route4('10.1.0.0/16'));
    await db.whenIdle();
    expect(seen).toEqual(['state: 0', 'change: 1', 'state: 1']);
  });
});

describe('load', () => {
  it('{ routes: false } dumps no routes and drops route events', async () => {
    const { src, db } = setup();
    await db.open(src, { load: { routes: false } });
    expect(src.dumps.map((d) => d.kind)).not.toContain('route');
    src.set('route', route4('10.7.0.0/16'));
    await db.whenIdle();
    expect(db.routes.size).toBe(0);
  });

  it('routes of some tables only: passed to the source as a hint, enforced on dumps and events', async () => {
    const { src, db } = setup();
    src.set('route', route4('10.1.0.0/16', { table: 100 }), { silent: true });
    await db.open(src, { load: { routes: { tables: [254] } } });
    expect(src.dumps.find((d) => d.kind === 'route')?.hint).toEqual({ tables: [254] });
    src.set('route', route4('10.2.0.0/16', { table: 101 }));
    src.set('route', route4('10.3.0.0/16', { table: 254 }));
    await db.whenIdle();
    expect(db.routes.toArray().map((r) => r.table)).toEqual([254, 254]);
  });

  it('a predicate', async () => {
    const { src, db } = setup();
    src.set('interface', iface(3, 'lo', { kind: null }), { silent: true });
    await db.open(src, { load: { interfaces: (i) => i.kind !== null } });
    expect(db.interfaces.toArray().map((i) => i.ifname)).toEqual(['eth0']);
  });
});

describe('wait, watch, state$', () => {
  it('wait resolves at once when the predicate already holds, later when it comes to hold', async () => {
    const { src, db } = setup();
    await db.open(src);
    await expect(db.wait((s) => s.interfaces.get('eth0'))).resolves.toMatchObject({ index: 2 });
    const later = db.wait((s) => s.interfaces.get('eth1'));
    src.set('interface', iface(3, 'eth1'));
    await expect(later).resolves.toMatchObject({ index: 3 });
    const st = await db.wait((s) => s.routes.size === 1);
    expect(st.routes.size).toBe(1);
  });

  it('wait rejects with DbTimeoutError on the given clock', async () => {
    const clock = new VirtualTimeScheduler();
    const src = new FakeSource();
    const db = new Database({ scheduler: clock });
    open.push(db);
    await db.open(src);
    const p = db.wait((s) => s.interfaces.get('never'), { timeout: 5000 });
    clock.flush();
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DbTimeoutError);
    expect((err as DbTimeoutError).timeoutMs).toBe(5000);
  });

  it('watch emits the current record, then each real change of it, and follows a name', async () => {
    const { src, db } = setup();
    await db.open(src);
    const byIndex: (number | undefined)[] = [];
    const byName: string[] = [];
    db.interfaces.watch(2).subscribe((r) => byIndex.push(r?.mtu));
    db.interfaces.watch('eth0').subscribe((r) => byName.push(r ? `${r.index}:${r.mtu}` : 'none'));
    const steps = [
      () => src.set('route', route4('10.4.0.0/16')), // unrelated
      () => src.set('interface', iface(2, 'eth0', { mtu: 9000 })),
      () => src.set('interface', iface(2, 'eth0', { mtu: 9000 })), // re-announced, no change
      () => src.set('interface', iface(2, 'wan0', { mtu: 9000 })), // renamed
      () => src.set('interface', iface(5, 'eth0')),
    ];
    for (const step of steps) {
      step();
      await db.whenIdle();
    }
    expect(byIndex).toEqual([1500, 9000, 9000]);
    expect(byName).toEqual(['2:1500', '2:9000', 'none', '5:1500']);
  });

  it('watch sees states, not events: what arrives together is one update', async () => {
    const { src, db } = setup();
    await db.open(src);
    const mtus: (number | undefined)[] = [];
    db.interfaces.watch(2).subscribe((r) => mtus.push(r?.mtu));
    src.set('interface', iface(2, 'eth0', { mtu: 9000 }));
    src.set('interface', iface(2, 'eth0', { mtu: 1400 }));
    await db.whenIdle();
    expect(mtus).toEqual([1500, 1400]);
  });

  it('state$ replays the current state to a new subscriber', async () => {
    const { src, db } = setup();
    await db.open(src);
    const versions: number[] = [];
    db.state$.subscribe((s) => versions.push(s.routes.size));
    expect(versions).toEqual([1]);
  });

  it('snapshot() is the plain JSON of the current state', async () => {
    const { src, db } = setup();
    await db.open(src);
    const snap = db.snapshot();
    expect(snap.interfaces.map((i) => i.ifname)).toEqual(['eth0']);
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });
});

describe('close', () => {
  it('completes every observable, closes the source, rejects pending waits, ignores later events', async () => {
    const { src, db } = setup();
    await db.open(src);
    const completed: string[] = [];
    db.state$.subscribe({ complete: () => completed.push('state$') });
    db.changes$.subscribe({ complete: () => completed.push('changes$') });
    db.updates$.subscribe({ complete: () => completed.push('updates$') });
    db.errors$.subscribe({ complete: () => completed.push('errors$') });
    db.interfaces.watch('eth0').subscribe({ complete: () => completed.push('watch') });
    const pending = db.wait((s) => s.interfaces.get('nope'));
    db.close();
    expect(completed.sort()).toEqual(['changes$', 'errors$', 'state$', 'updates$', 'watch']);
    expect(src.closed).toBe(true);
    expect(src.events.observed).toBe(false);
    expect(src.overruns.observed).toBe(false);
    await expect(pending).rejects.toBeInstanceOf(DbClosedError);
    await expect(db.open(new FakeSource())).rejects.toBeInstanceOf(DbClosedError);
    expect(db.interfaces.size).toBe(1); // the last state stays readable
  });

  it('closing right after open is called (before the dump starts) rejects open too', async () => {
    const { src, db } = setup();
    const opening = db.open(src);
    db.close();
    await expect(opening).rejects.toBeInstanceOf(DbClosedError);
    expect(src.dumps).toEqual([]);
  });

  it('closing during open rejects open with DbClosedError', async () => {
    const { src, db } = setup();
    const hold = deferred();
    const reached = deferred();
    src.beforeChunk = () => {
      reached.resolve();
      return hold.promise;
    };
    const opening = db.open(src);
    await reached.promise;
    db.close();
    hold.resolve();
    await expect(opening).rejects.toBeInstanceOf(DbClosedError);
  });
});

describe('resyncRoutesVia', () => {
  it('re-dumps the routes through one link only, and sweeps only those with it as their only device', async () => {
    const { src, db, changes } = setup();
    const via5 = route4('10.5.0.0/16', { oif: 5, gateway: null, scope: 'link' });
    const via5b = route4('10.5.1.0/24', { oif: 5, gateway: null, scope: 'link' });
    const via6 = route4('10.6.0.0/16', { oif: 6, gateway: null, scope: 'link' });
    const multi = route4('10.7.0.0/16', {
      oif: null, gateway: null, multipath: [{ gateway: '10.0.0.1', oif: 5, weight: 1, onlink: false, encap: null, realms: null }, { gateway: '10.0.0.2', oif: 6, weight: 1, onlink: false, encap: null, realms: null }],
    });
    for (const r of [via5, via5b, via6, multi]) src.set('route', r, { silent: true });
    await db.open(src);
    expect(db.routes.size).toBe(5);
    // The kernel drops routes without a word: one through 5, one through 6, the multipath one;
    // and changes another through 5.
    for (const r of [via5, via6, multi]) src.remove('route', r, { silent: true });
    src.remove('route', via5b, { silent: true });
    const via5bChanged = { ...via5b, protocol: 'static' };
    src.set('route', via5bChanged, { silent: true });
    const from = changes.length;
    await db.resyncRoutesVia(5);
    // The dump asked the source for the routes through 5.
    expect(src.dumps.at(-1)).toEqual({ kind: 'route', hint: { oif: 5 } });
    expect(desc(changes.slice(from)).sort()).toEqual(['resync add route', 'resync remove route', 'resync remove route'].sort());
    const dsts = db.routes.toArray().map((r) => r.dst).sort();
    // 10.5.0.0/16 and the old 10.5.1.0/24 gone, the new one stored; 10.6.0.0/16 and the multipath route
    // left for a full resync (not through 5 alone).
    expect(dsts).toEqual(['10.1.0.0/16', '10.5.1.0/24', '10.6.0.0/16', '10.7.0.0/16']);
    expect(db.routes.toArray().find((r) => r.dst === '10.5.1.0/24')!.protocol).toBe('static');
    await db.resync(['route']);
    expect(db.routes.toArray().map((r) => r.dst).sort()).toEqual(['10.1.0.0/16', '10.5.1.0/24']);
  });
});
