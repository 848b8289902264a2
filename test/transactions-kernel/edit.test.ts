/**
 * db.interfaces.edit(ref, fn): one interface as a transaction of its own, pyroute2's
 * `with ipdb.interfaces.eth0 as i:`. In a throwaway namespace, checked with `ip -j`: committed when
 * `fn` returns (and the database shows it at once), nothing sent when `fn` throws or the interface
 * does not exist, and the commit's options apply (a verify hook answering false rolls it back).
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { IPDB } from '../../src/index.js';
import { NotFoundError } from '../../src/iproute/errors.js';
import { CommitError } from '../../src/transactions/errors.js';
import { ipBatch, useNetnsEach } from '../helpers/netns.js';
import { addrs, BASE_SETUP, link, openDb, stableDump } from './helpers.js';

const ns = useNetnsEach('edit');
let db: IPDB | undefined;

beforeEach(async () => {
  ipBatch(ns(), BASE_SETUP);
  db = await openDb(ns());
});

afterEach(() => {
  db?.close();
  db = undefined;
});

it('commits what fn drafted on the interface when it returns, and resolves with its result', async () => {
  const out = await db!.interfaces.edit('va', (i) => {
    i.mtu = 1400;
    i.addIp('10.0.7.1/24');
    return i.index;
  });
  const va = link(ns(), 'va');
  expect(out).toBe(va.ifindex);
  expect(va.mtu).toBe(1400);
  expect(addrs(ns(), 'va')).toContain('10.0.7.1/24');
  // confirmed: the database shows it as soon as edit() resolves
  expect(db!.interfaces.get('va')!.mtu).toBe(1400);
  expect(db!.addresses.get('10.0.7.1/24')?.index).toBe(va.ifindex);
  // by index too, and an async fn
  await db!.interfaces.edit(va.ifindex, async (i) => {
    await new Promise((r) => setTimeout(r, 5));
    i.state = 'down';
  });
  expect(link(ns(), 'va').flags).not.toContain('UP');
});

it('sends nothing when fn throws (its error comes out as it is) or the interface is not there', async () => {
  const before = await stableDump(ns());
  const oops = new Error('changed my mind');
  await expect(db!.interfaces.edit('va', (i) => {
    i.mtu = 1300;
    i.addIp('10.0.8.1/24');
    throw oops;
  })).rejects.toBe(oops);
  const missing = await db!.interfaces.edit('nosuch0', (i) => { i.mtu = 1300; }).catch((e: unknown) => e);
  expect(missing).toBeInstanceOf(NotFoundError);
  expect((missing as NotFoundError).value).toBe('nosuch0');
  expect(await stableDump(ns())).toEqual(before);
});

it('takes the commit options: a verify hook answering false rolls the change back', async () => {
  const before = await stableDump(ns());
  let seen = 0;
  const err = await db!.interfaces.edit('va', (i) => { i.mtu = 1280; }, {
    verify: () => {
      seen = link(ns(), 'va').mtu;
      return false;
    },
  }).catch((e: unknown) => e);
  expect(seen).toBe(1280); // the change was made and confirmed before verify ran
  expect(err).toBeInstanceOf(CommitError);
  expect((err as CommitError).phase).toBe('verify');
  expect((err as CommitError).rolledBack).toBe(true);
  expect(await stableDump(ns())).toEqual(before);
});
