/**
 * The SQLite journal (temp files, deleted afterwards): what is written before sending, what an
 * unfinished transaction leaves for the next open, recovery after a crash, and the schema
 * version mechanism it shares with other components.
 */
import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, schemaVersion, SchemaError } from '../../src/store/migrate.js';
import { Journal, JOURNAL_MIGRATIONS, recoveryPlan } from '../../src/transactions/journal.js';
import { retryLater, type Operation } from '../../src/transactions/ops.js';
import { begin } from '../../src/transactions/transaction.js';
import { buildWorld, sequential } from './fixture.js';
import type { World } from './sim.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'nldb-journal-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

const original = buildWorld();

function plan(w: World): Operation[] {
  const tx = begin(w.base(), { allocateIndex: sequential(40) });
  tx.interfaces.v0!.state = 'down';
  tx.interfaces.v0!.mtu = 9000;
  tx.interfaces.create({ ifname: 'n0', kind: 'bridge', state: 'up' });
  tx.interfaces.n0!.addIp('10.5.0.1/24');
  tx.routes.add({ dst: '10.6.0.0/16', oif: 'n0' });
  tx.rules.remove({ priority: 100 });
  return tx.plan();
}

function recover(w: World, undo: readonly Operation[]): void {
  const codes = undo.map((op) => w.applyTolerant(op));
  for (const op of retryLater(undo, (_o, i) => codes[i] !== null)) codes[undo.indexOf(op)] = w.applyTolerant(op);
  expect(codes.filter((c) => c !== null)).toEqual([]);
}

describe('journal', () => {
  it('keeps the plan with its inverses, and what was sent, done and undone', () => {
    const path = join(dir, 'j.db');
    let t = 1000;
    const j = Journal.open(path, { now: () => t });
    const ops = plan(original);
    j.begin('tx1', 'ns-a', ops);
    const planned = j.get('tx1')!;
    expect(planned.state).toBe('planned');
    expect(planned.ns).toBe('ns-a');
    expect(planned.createdAt).toBe(1000);
    expect(planned.ops.map((o) => o.op)).toEqual(ops);
    expect(planned.maybeApplied).toEqual([]);
    t = 2000;
    j.markSent('tx1', ops.map((o) => o.id));
    j.markDone('tx1', [ops[0]!.id, ops[1]!.id]);
    const sending = j.get('tx1')!;
    expect(sending.state).toBe('sending');
    expect(sending.ops.map((o) => [o.sent, o.done])).toEqual(ops.map((_, i) => [true, i < 2]));
    expect(sending.maybeApplied.map((o) => o.id)).toEqual(ops.map((o) => o.id));
    j.markRollingBack('tx1');
    j.markUndone('tx1', [ops[0]!.id]);
    expect(j.get('tx1')!.maybeApplied.map((o) => o.id)).toEqual(ops.slice(1).map((o) => o.id));
    j.finish('tx1', 'rolled-back', 'op 3 refused');
    expect(j.unfinished()).toEqual([]);
    expect(j.get('tx1')!.state).toBe('rolled-back');
    expect(j.prune(1500)).toBe(0);
    expect(j.prune(3000)).toBe(1);
    expect(j.get('tx1')).toBeUndefined();
    j.close();
  });

  it('lists unfinished transactions after a crash, and their recovery puts the state back', () => {
    const path = join(dir, 'crash.db');
    for (const reached of [0, 1, 3, 5]) {
      const w = original.clone();
      const ops = plan(w);
      const txId = `crash-${reached}`;
      const j = Journal.open(path);
      j.begin(txId, null, ops);
      j.markSent(txId, ops.map((o) => o.id));
      // The kernel got through `reached` operations; the process died before their ACKs were
      // journaled (only the first was recorded as done).
      ops.slice(0, reached).forEach((op) => w.apply(op));
      if (reached > 0) j.markDone(txId, ops[0]!.id);
      j.db.close(); // crash: no finish()

      const again = Journal.open(path);
      const open = again.unfinished().find((u) => u.txId === txId)!;
      expect(open.state).toBe('sending');
      expect(open.maybeApplied.map((o) => o.id)).toEqual(ops.map((o) => o.id));
      const undo = recoveryPlan(open);
      // Every inverse tolerates finding its work already done or never needed.
      expect(undo.every((o) => (o.tolerate ?? []).includes('EEXIST') && (o.tolerate ?? []).includes('ENODEV'))).toBe(true);
      recover(w, undo);
      expect(w.dump(), `reached ${reached}`).toEqual(original.dump());
      again.finish(txId, 'rolled-back');
      expect(again.unfinished().find((u) => u.txId === txId)).toBeUndefined();
      again.close();
    }
  });

  it('recovers a transaction that crashed in the middle of its rollback', () => {
    const path = join(dir, 'mid.db');
    const w = original.clone();
    const ops = plan(w);
    const j = Journal.open(path);
    j.begin('mid', null, ops);
    j.markSent('mid', ops.map((o) => o.id));
    ops.forEach((op) => w.apply(op));
    j.markDone('mid', ops.map((o) => o.id));
    j.markRollingBack('mid');
    // The last operation's inverse went through and was journaled; then the crash.
    const last = ops[ops.length - 1]!;
    last.inverse.forEach((op) => w.apply(op));
    j.markUndone('mid', [last.id]);
    j.db.close();

    const again = Journal.open(path);
    const [open] = again.unfinished();
    expect(open!.state).toBe('rolling-back');
    expect(open!.maybeApplied.map((o) => o.id)).toEqual(ops.slice(0, -1).map((o) => o.id));
    recover(w, recoveryPlan(open!));
    expect(w.dump()).toEqual(original.dump());
    again.close();
  });

  it('uses WAL and versions its schema in schema_versions', () => {
    const path = join(dir, 'v.db');
    Journal.open(path).close();
    const db = new BetterSqlite3(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(schemaVersion(db, 'journal')).toBe(JOURNAL_MIGRATIONS.length);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(['journal_op', 'journal_tx', 'schema_versions']);
    db.close();
    // Opening again migrates nothing and keeps the data.
    const j = Journal.open(path);
    j.begin('t', null, []);
    j.close();
    const j2 = Journal.open(path);
    expect(j2.get('t')?.state).toBe('planned');
    j2.close();
  });
});

describe('migrate', () => {
  it('runs each component\'s migrations once, in order, independently', () => {
    const db = new BetterSqlite3(join(dir, 'm.db'));
    const ran: string[] = [];
    const a = ['CREATE TABLE a_one (x)', (d: BetterSqlite3.Database) => { ran.push('a2'); d.exec('CREATE TABLE a_two (y)'); }];
    expect(migrate(db, 'a', a)).toEqual({ from: 0, to: 2 });
    expect(migrate(db, 'a', a)).toEqual({ from: 2, to: 2 });
    expect(ran).toEqual(['a2']);
    expect(migrate(db, 'b', ['CREATE TABLE b_one (z)'])).toEqual({ from: 0, to: 1 });
    // A new migration appended later runs on the next open.
    expect(migrate(db, 'a', [...a, 'ALTER TABLE a_one ADD COLUMN w'])).toEqual({ from: 2, to: 3 });
    expect(schemaVersion(db, 'a')).toBe(3);
    expect(schemaVersion(db, 'b')).toBe(1);
    db.close();
  });

  it('refuses a schema newer than it knows, and leaves a failed migration unapplied', () => {
    const db = new BetterSqlite3(join(dir, 'n.db'));
    migrate(db, 'c', ['CREATE TABLE c1 (x)', 'CREATE TABLE c2 (x)']);
    expect(() => migrate(db, 'c', ['CREATE TABLE c1 (x)'])).toThrow(SchemaError);
    expect(() => migrate(db, 'd', ['CREATE TABLE d1 (x)', 'CREATE TABLE d2 (x); SELECT nonsense('])).toThrow();
    expect(schemaVersion(db, 'd')).toBe(1);
    expect((db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'd2'").get() as { n: number }).n).toBe(0);
    db.close();
  });
});
