/**
 * Namespaces: NetNS.create/list/remove checked with `ip netns list`; an interface moved between
 * two namespaces leaves one open database and joins the other; 50 namespaces with 50 open
 * databases at once, each seeing only its own state, then all closed and removed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { IPDB, NetNS, type AnyChange } from '../../src/index.js';
import { assertKernelAccess, createNetns, deleteNetns, ip, ipBatch, ipJson, uniqueNetnsName } from '../helpers/netns.js';
import { noDad, settle } from '../helpers/witness.js';

/** Names made with NetNS in this file, removed at the end even when a test failed. */
const made = new Set<string>();
afterAll(() => {
  for (const name of made) spawnSync('ip', ['netns', 'del', name]);
});

function ipNetnsList(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);
}

const openFds = (): number => readdirSync('/proc/self/fd').length;

it('NetNS.create, list and remove agree with ip netns list', async () => {
  assertKernelAccess();
  const name = uniqueNetnsName('api');
  made.add(name);
  const path = await NetNS.create(name);
  expect(path).toBe(`/run/netns/${name}`);
  expect(NetNS.path(name)).toBe(path);
  expect(ipNetnsList()).toContain(name);
  expect(await NetNS.list()).toContain(name);
  // A usable namespace: ip works in it and a database opens on it (a fresh namespace: lo, down).
  ip(name, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  const db = await IPDB.open({ netns: name });
  expect([...db.interfaces].map((i) => i.ifname).sort()).toEqual(['lo', 'v0', 'v1']);
  expect(db.interfaces.lo?.state).toBe('down');
  db.close();
  await expect(NetNS.create(name)).rejects.toThrow(/exist/i);
  await NetNS.remove(name);
  made.delete(name);
  expect(ipNetnsList()).not.toContain(name);
  expect(await NetNS.list()).not.toContain(name);
  await expect(NetNS.remove(name)).rejects.toThrow();
  await expect(NetNS.create('bad/name')).rejects.toThrow(TypeError);
});

it('an interface moved to another namespace leaves one database and joins the other', async () => {
  assertKernelAccess();
  const a = createNetns('mva');
  const b = createNetns('mvb');
  let dbA: IPDB | undefined;
  let dbB: IPDB | undefined;
  try {
    noDad(a);
    noDad(b);
    ipBatch(a, ['link add va type veth peer name vb', 'link set va up', 'link set vb up', 'addr add 10.0.0.1/24 dev va', 'addr add 10.0.0.2/24 dev vb']);
    dbA = await IPDB.open({ netns: a });
    dbB = await IPDB.open({ netns: b });
    const seenA: AnyChange[] = [];
    const seenB: AnyChange[] = [];
    dbA.changes$.subscribe((c) => seenA.push(c));
    dbB.changes$.subscribe((c) => seenB.push(c));
    const vbIndex = dbA.interfaces.vb!.index;

    ip(a, 'link', 'set', 'vb', 'netns', b);
    await settle(dbA, a);
    await settle(dbB, b);
    expect(dbA.interfaces.vb).toBeUndefined();
    expect(dbA.addresses.filter({ address: '10.0.0.2' })).toEqual([]);
    expect(dbB.interfaces.vb?.kind).toBe('veth');
    expect(seenA.some((c) => c.kind === 'interface' && c.op === 'remove' && c.before?.ifname === 'vb')).toBe(true);
    expect(seenB.some((c) => c.kind === 'interface' && c.op === 'add' && c.after?.ifname === 'vb')).toBe(true);
    // The half left behind now points into the other namespace (a silent change, re-dumped).
    const va = ipJson<any>(a, '-d', 'link', 'show', 'va')[0];
    expect(dbA.interfaces.va?.linkNetnsid).toBe(va.link_netnsid);
    expect(dbA.interfaces.va?.link).toBe(dbB.interfaces.vb!.index);

    // And back: the peer is here again, with no netnsid.
    ip(b, 'link', 'set', 'vb', 'netns', a);
    await settle(dbA, a);
    await settle(dbB, b);
    expect(dbB.interfaces.vb).toBeUndefined();
    expect(dbA.interfaces.vb?.index).toBeDefined();
    expect(dbA.interfaces.va?.linkNetnsid).toBeNull();
    expect(dbA.interfaces.va?.link).toBe(dbA.interfaces.vb!.index);
    void vbIndex;
  } finally {
    dbA?.close();
    dbB?.close();
    deleteNetns(a);
    deleteNetns(b);
  }
});

it('50 namespaces, 50 open databases at once, each sees only its own; then all closed and removed', { timeout: 300_000 }, async () => {
  assertKernelAccess();
  const names = Array.from({ length: 50 }, () => uniqueNetnsName('many'));
  const dbs: IPDB[] = [];
  let fdsBefore = -1;
  let fdsAfter = -2;
  try {
    for (const [i, name] of names.entries()) {
      made.add(name);
      await NetNS.create(name);
      ipBatch(name, [`link add x${i}a type veth peer name x${i}b`, `link set x${i}a up`]);
    }
    fdsBefore = openFds();
    dbs.push(...await Promise.all(names.map((netns) => IPDB.open({ netns }))));
    expect(openFds()).toBe(fdsBefore + 100); // two sockets each
    for (const [i, db] of dbs.entries()) {
      expect([...db.interfaces].map((l) => l.ifname).sort()).toEqual(['lo', `x${i}a`, `x${i}b`]);
    }
    // A change in each namespace reaches its database alone.
    for (const [i, name] of names.entries()) ip(name, 'link', 'set', `x${i}a`, 'mtu', String(1300 + i));
    await Promise.all(dbs.map((db) => db.sync()));
    for (const [i, db] of dbs.entries()) {
      expect(db.interfaces.get(`x${i}a`)?.mtu).toBe(1300 + i);
      expect(db.interfaces.size).toBe(3);
    }
    await Promise.all(dbs.map((db, i) => settle(db, names[i]!)));
  } finally {
    for (const db of dbs) void db.close();
    fdsAfter = openFds();
    for (const name of names) {
      if (!made.has(name)) continue;
      await NetNS.remove(name).catch(() => undefined);
      made.delete(name);
    }
  }
  // Every socket released: the process holds as many descriptors as before the databases.
  expect(fdsAfter).toBe(fdsBefore);
  const left = ipNetnsList();
  expect(names.filter((n) => left.includes(n))).toEqual([]);
});
