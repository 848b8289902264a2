/**
 * db.at(time) on the kernel: snapshots taken with db.snapshot() at several moments between `ip`
 * changes (once the database has caught up) are exactly what db.at() rebuilds for those moments,
 * also after the database was closed and the file opened again; a moment before anything was
 * recorded is a HistoryRangeError.
 */
import { describe, expect, it } from 'vitest';
import { HistoryRangeError, openStore, type IPDB, type PlainSnapshot } from '../../src/index.js';
import { ip, useNetnsEach } from '../helpers/netns.js';
import { noDad } from '../helpers/witness.js';
import { sleep, useStoreDbs } from './helpers.js';

const netns = useNetnsEach('sa');
const dbs = useStoreDbs();

/** The database caught up with the kernel (and the kernel with itself): its snapshot, and now. */
async function moment(db: IPDB): Promise<{ t: number; snap: PlainSnapshot }> {
  await db.sync();
  await sleep(30); // IPv6 follow-ups (link-local routes) come a moment after a link is up
  await db.sync();
  const snap = db.snapshot();
  const t = Date.now();
  await sleep(3); // the next change is stamped in a later millisecond
  return { t, snap };
}

describe('db.at(time)', () => {
  it('rebuilds the snapshot of each moment between changes', async () => {
    const ns = netns();
    noDad(ns);
    const path = dbs.path();
    const db = await dbs.open({ netns: ns, store: path });
    const moments = [await moment(db)];
    const changes: string[][] = [
      ['link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb'],
      ['link', 'set', 'va', 'up'],
      ['link', 'set', 'vb', 'up'],
      ['addr', 'add', '10.1.0.1/24', 'dev', 'va'],
      ['addr', 'add', '2001:db8:1::1/64', 'dev', 'va'],
      ['route', 'add', '10.50.0.0/16', 'via', '10.1.0.2'],
      ['route', 'add', '10.60.0.0/16', 'via', '10.1.0.2', 'table', '100'],
      ['rule', 'add', 'from', '10.1.0.0/24', 'table', '100', 'priority', '1000'],
      ['neigh', 'add', '10.1.0.9', 'lladdr', '02:00:00:00:00:09', 'dev', 'va', 'nud', 'permanent'],
      ['link', 'set', 'va', 'mtu', '1400'],
      ['route', 'del', '10.50.0.0/16'],
      ['addr', 'del', '10.1.0.1/24', 'dev', 'va'],
      ['link', 'del', 'va'],
    ];
    for (const c of changes) {
      ip(ns, ...c);
      moments.push(await moment(db));
    }
    // Every moment differs from the one before: each command changed something.
    for (let i = 1; i < moments.length; i++) expect(moments[i]!.snap, changes[i - 1]!.join(' ')).not.toEqual(moments[i - 1]!.snap);

    for (const [i, m] of moments.entries()) {
      expect(await db.at(m.t), `after ${i === 0 ? 'open' : changes[i - 1]!.join(' ')}`).toEqual(m.snap);
      expect(await db.at(new Date(m.t))).toEqual(m.snap);
    }

    // The file answers the same once the database is gone.
    await db.close();
    const store = await openStore(path);
    try {
      const recorded = store.namespace(ns);
      for (const m of moments) expect(await recorded.at(m.t)).toEqual(m.snap);
      const before = moments[0]!.t - 60_000;
      await expect(recorded.at(before)).rejects.toBeInstanceOf(HistoryRangeError);
    } finally {
      await store.close();
    }
  });
});
