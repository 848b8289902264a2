/**
 * Crash safety: a process killed with SIGKILL in the middle of a 5,000-operation commit leaves its
 * plan and inverses in the journal (the store file); the next IPDB.open on that store finds the
 * unfinished transaction, undoes what of it reached the kernel, says so (db.recovered, and the
 * journal's entry), and the namespace is as it was before (whole `ip -j` dumps compared).
 *
 * The killed process runs a build of the library (tsc into build/tx-crash, the same compile as
 * `npm run build`, kept apart from dist/ which others rebuild meanwhile).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { IPDB } from '../../src/index.js';
import { Journal } from '../../src/transactions/journal.js';
import { ipBatch, useNetnsEach } from '../helpers/netns.js';
import { noDad } from '../helpers/witness.js';
import { addrs, BASE_SETUP, settleSame, stableDump } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const DIST = join(ROOT, 'build', 'tx-crash');
const CHILD = join(import.meta.dirname, 'crash-child.mjs');
const N = 5000;

/** The journal's state of the (only) transaction, read by another connection, or null. */
function journalState(file: string): { state: string; sent: number; done: number } | null {
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
    const tx = db.prepare('SELECT tx_id, state FROM journal_tx').get() as { tx_id: string; state: string } | undefined;
    if (!tx) return null;
    const c = db.prepare('SELECT SUM(sent) AS sent, SUM(done) AS done FROM journal_op WHERE tx_id = ?').get(tx.tx_id) as { sent: number; done: number };
    return { state: tx.state, sent: c.sent, done: c.done };
  } catch {
    return null; // not created yet, or its schema not yet written
  } finally {
    db?.close();
  }
}

describe('a commit killed with SIGKILL', () => {
  const ns = useNetnsEach('crash');

  beforeAll(() => {
    const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', DIST], { cwd: ROOT, encoding: 'utf8' });
    // tsc writes its output even when some file of the tree has a type error (others' work in progress).
    if (r.error) throw r.error;
  }, 120_000);

  it('is undone by the next IPDB.open on its store', async () => {
    noDad(ns());
    ipBatch(ns(), BASE_SETUP);
    const dir = mkdtempSync(join(tmpdir(), 'nldb-crash-'));
    const store = join(dir, 'store.sqlite');
    try {
      const before = await stableDump(ns());
      const child = spawn(process.execPath, [CHILD, DIST, ns(), store, String(N)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      // Kill it once the journal says its operations may be reaching the kernel and the kernel
      // shows some of them: in the middle of the commit (before it is acknowledged and confirmed).
      const end = Date.now() + 60_000;
      const ours = () => addrs(ns(), 'va').filter((a) => a.startsWith('10.1')).length;
      for (;;) {
        if (journalState(store)?.state === 'sending' && ours() > 0) break;
        if (child.exitCode !== null) throw new Error(`the child ended before it was killed (${child.exitCode}): ${stderr}`);
        if (Date.now() > end) throw new Error(`the child never started sending: ${stderr}`);
        await new Promise((r) => setTimeout(r, 2));
      }
      child.kill('SIGKILL');
      await exited;
      expect(child.signalCode).toBe('SIGKILL');
      const journal = journalState(store)!;
      expect(journal.state).toBe('sending');
      expect(journal.sent).toBe(N);
      // Some of it is in the kernel (how much depends on where the kill landed).
      const left = ours();
      expect(left).toBeGreaterThan(0);

      const db = await IPDB.open({ netns: ns(), store, verifyEffects: false, attachStore: () => ({ close() {} }) });
      try {
        expect(db.recovered).toHaveLength(1);
        expect(db.recovered[0]).toMatchObject({ ns: ns(), stage: 'sending', maybeApplied: N, outcome: 'rolled-back', errors: [] });
        await settleSame(ns(), before);
        expect(addrs(ns(), 'va').filter((a) => a.startsWith('10.1'))).toEqual([]);
      } finally {
        db.close();
      }
      const j = Journal.open(store);
      try {
        expect(j.unfinished()).toEqual([]);
        const tx = j.get(db.recovered[0]!.txId)!;
        expect(tx.state).toBe('rolled-back');
      } finally {
        j.close();
      }
      console.log(`killed with ${left} of ${N} addresses in the kernel; recovered: ${JSON.stringify({ ...db.recovered[0], errors: undefined })}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
