/**
 * Opening and closing: close() releases both sockets and completes every observable; a failed
 * open leaks nothing; the `load` option keeps only what was asked for; the store hook is called
 * with the loaded database and closed with it.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbClosedError, IPDB, NotFoundError, type StoreAttachment, TransportError } from '../../src/index.js';
import { assertKernelAccess, ip, ipBatch, uniqueNetnsName, useNetns } from '../helpers/netns.js';
import { diffStates, kernelState, noDad, projectSnapshot, settle } from '../helpers/witness.js';

const ns = useNetns('life');
const openFds = (): number => readdirSync('/proc/self/fd').length;

beforeAll(() => {
  assertKernelAccess();
  noDad(ns());
  ipBatch(ns(), [
    'link add va type veth peer name vb', 'link set va up', 'link set vb up', 'addr add 10.0.0.1/24 dev va', 'addr add 2001:db8::1/64 dev va',
    'route add 10.5.0.0/16 via 10.0.0.2', 'route add 10.6.0.0/16 via 10.0.0.2 table 100', 'route add 10.7.0.0/16 via 10.0.0.2 table 200',
    'neigh add 10.0.0.2 lladdr aa:bb:cc:dd:ee:01 dev va',
  ]);
});

describe('close', () => {
  it('completes every observable and releases both sockets', async () => {
    const before = openFds();
    const db = await IPDB.open({ netns: ns() });
    expect(openFds()).toBe(before + 2);
    const completed: string[] = [];
    const done = (name: string) => ({ complete: () => completed.push(name) });
    db.state$.subscribe(done('state$'));
    db.changes$.subscribe(done('changes$'));
    db.updates$.subscribe(done('updates$'));
    db.errors$.subscribe(done('errors$'));
    db.interfaces.watch('va').subscribe(done('watch'));
    db.routes.watch({ dst: '10.5.0.0/16' }).subscribe(done('routes.watch'));
    const waiting = db.wait((s) => s.interfaces.get('never'));
    db.close();
    expect(completed.sort()).toEqual(['changes$', 'errors$', 'routes.watch', 'state$', 'updates$', 'watch']);
    await expect(waiting).rejects.toBeInstanceOf(DbClosedError);
    expect(db.closed).toBe(true);
    expect(openFds()).toBe(before);
    db.close(); // idempotent
    // Subscribing after close completes at once.
    let late = false;
    db.state$.subscribe({ complete: () => { late = true; } });
    expect(late).toBe(true);
    // The last state stays readable.
    expect(db.interfaces.va?.kind).toBe('veth');
  });

  it('opens a namespace given by path, and sync() after close rejects', async () => {
    const db = await IPDB.open({ netns: { path: `/run/netns/${ns()}` } });
    expect(db.interfaces.va?.kind).toBe('veth');
    db.close();
    await expect(db.sync()).rejects.toBeInstanceOf(DbClosedError);
  });

  it('a failed open (no such namespace) rejects and leaks no socket', async () => {
    const before = openFds();
    // (A NotFoundError naming netns, the transport's ENOENT its cause.)
    const err = await IPDB.open({ netns: uniqueNetnsName('absent') }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).cause).toBeInstanceOf(TransportError);
    expect(openFds()).toBe(before);
  });
});

describe('load', () => {
  it('{ routes: false } keeps no routes and listens to no route group', async () => {
    const db = await IPDB.open({ netns: ns(), load: { routes: false } });
    try {
      expect(db.routes.size).toBe(0);
      expect(db.interfaces.size).toBe(3);
      ip(ns(), 'route', 'add', '10.8.0.0/16', 'via', '10.0.0.2');
      ip(ns(), 'link', 'set', 'vb', 'mtu', '1400');
      await db.sync();
      expect(db.routes.size).toBe(0);
      expect(db.interfaces.vb?.mtu).toBe(1400);
      expect(db.stats.queue.messages).toBeGreaterThan(0);
      const k = kernelState(ns());
      expect(diffStates({ ...projectSnapshot(db.snapshot()), routes: [] }, { ...k, routes: [] })).toEqual([]);
    } finally {
      db.close();
      ip(ns(), 'route', 'del', '10.8.0.0/16');
    }
  });

  it('{ routes: { tables: [100] } } keeps that table only, also as it changes', async () => {
    const db = await IPDB.open({ netns: ns(), load: { routes: { tables: [100] }, neighbours: false, addresses: { families: [6] } } });
    try {
      expect(db.routes.filter((r) => r.table !== 100)).toEqual([]);
      ip(ns(), 'route', 'add', '10.9.0.0/16', 'via', '10.0.0.2', 'table', '100');
      ip(ns(), 'route', 'add', '10.9.0.0/16', 'via', '10.0.0.2', 'table', '200');
      await db.sync();
      const k = kernelState(ns());
      const mine = projectSnapshot(db.snapshot());
      expect(diffStates(
        { ...mine, neighbours: [] },
        { ...k, routes: k.routes.filter((r) => r.table === 100), addresses: k.addresses.filter((a) => a.family === 6), neighbours: [] },
      )).toEqual([]);
      expect(db.routes.filter({ table: 100 }).map((r) => r.dst).sort()).toEqual(['10.6.0.0/16', '10.9.0.0/16']);
      expect(db.neighbours.size).toBe(0);
    } finally {
      db.close();
    }
  });

  it('a routing table that does not exist yet is loaded empty and filled as it appears', async () => {
    const db = await IPDB.open({ netns: ns(), load: { routes: { families: [4], tables: [4242] } } });
    try {
      expect(db.routes.size).toBe(0);
      ip(ns(), 'route', 'add', '10.10.0.0/16', 'via', '10.0.0.2', 'table', '4242');
      await db.sync();
      expect(db.routes.filter({ table: 4242 }).map((r) => r.dst)).toEqual(['10.10.0.0/16']);
    } finally {
      db.close();
    }
  });
});

describe('store', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'nldb-ipdb-store-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('hands the loaded database to the store module, and closes the attachment before the sockets', async () => {
    const calls: { path: string; interfaces: number; fdsAtClose?: number }[] = [];
    const attachment: StoreAttachment = { close: () => { calls[0]!.fdsAtClose = openFds(); } };
    const file = join(dir, 'hook.sqlite');
    const db = await IPDB.open({
      netns: ns(),
      store: file,
      attachStore: (d, path) => {
        calls.push({ path, interfaces: d.interfaces.size });
        return attachment;
      },
    });
    expect(calls).toEqual([{ path: file, interfaces: 3 }]);
    await db.close();
    // The store was closed while both sockets were still open (it may still need the database).
    expect(calls[0]!.fdsAtClose).toBe(openFds() + 2);
  });

  it('a store that fails to attach fails the open and releases the sockets', async () => {
    const before = openFds();
    const file = join(dir, 'fails.sqlite');
    await expect(IPDB.open({ netns: ns(), store: file, attachStore: () => { throw new Error('disk full'); } })).rejects.toThrow('disk full');
    expect(openFds()).toBe(before);
  });

  it('the real store records the changes the database sees (db.store)', async () => {
    const db = await IPDB.open({ netns: ns(), store: join(dir, 'real.sqlite') });
    try {
      expect(db.store).not.toBeNull();
      ip(ns(), 'link', 'set', 'vb', 'mtu', '1280');
      await db.sync();
      const history = await db.store!.history({ kind: 'interface' });
      expect(history.some((h) => h.key === String(db.interfaces.vb!.index))).toBe(true);
    } finally {
      await db.close();
    }
  });
});

it('the database stays equal to the kernel after all of the above', async () => {
  const db = await IPDB.open({ netns: ns() });
  try {
    await settle(db, ns());
  } finally {
    db.close();
  }
});
