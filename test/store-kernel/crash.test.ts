/**
 * kill -9 during a storm: a child process (the built package, dist/) records a namespace into a
 * store while `ip -batch` adds thousands of routes; it is killed with SIGKILL once part of the
 * storm is in the file. The storm is fed to ip in two parts, the second only after the kill, so
 * that the kill lands mid-storm however the test's processes are scheduled (a CI run of every
 * test file at once once saw ip finish 60,000 routes before the child had committed 2,000). The file must open cleanly (SQLite's integrity check, the history and the
 * current-state tables in step), hold the history rows committed before the kill, and serve a new
 * database that records on from there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore, type RouteRecord } from '../../src/index.js';
import { ensureBuilt, ROOT } from '../cli/run.js';
import { hostRoutes, ipBatchInTwo } from '../helpers/ip-async.js';
import { ip, ipJson, useNetnsEach } from '../helpers/netns.js';
import { noDad, settle } from '../helpers/witness.js';
import { useStoreDbs } from './helpers.js';

const netns = useNetnsEach('sk');
const dbs = useStoreDbs();
const CHILD = join(import.meta.dirname, 'storm-child.mjs');
const ROUTES = 60_000;

/** Resolves with the child's lines as they come; `until` picks the line to stop waiting at. */
function lines(child: ChildProcess, onLine: (line: string) => void): void {
  let rest = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    for (const l of parts) onLine(l);
  });
}

describe('a recording process killed mid-storm', () => {
  it('leaves a store that reopens cleanly with its history', async () => {
    ensureBuilt();
    const ns = netns();
    noDad(ns);
    ip(ns, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb');
    ip(ns, 'link', 'set', 'va', 'up');
    ip(ns, 'link', 'set', 'vb', 'up');
    ip(ns, 'addr', 'add', '10.0.0.1/24', 'dev', 'va');
    const path = dbs.path();

    const child = spawn(process.execPath, [CHILD, join(ROOT, 'dist'), ns, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    let storm: { finish(): Promise<void> } | null = null;
    let committedAtKill = -1;
    await new Promise<void>((resolve, reject) => {
      child.on('exit', () => reject(new Error(`the child exited early: ${stderr}`)));
      lines(child, (line) => {
        if (line === 'ready') {
          const all = hostRoutes(ROUTES, 'add', '10.0.0.2');
          storm = ipBatchInTwo(ns, all.slice(0, ROUTES / 3), all.slice(ROUTES / 3));
          return;
        }
        const m = /^committed (\d+)$/.exec(line);
        if (m && storm && committedAtKill < 0 && Number(m[1]) >= 2_000) {
          committedAtKill = Number(m[1]);
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    expect(await exited).toBe('SIGKILL');
    // Killed while ip was still adding routes (it waits for the rest of its batch): mid-storm.
    const atKill = ipJson(ns, 'route', 'show').filter((r: { gateway?: string }) => r.gateway === '10.0.0.2').length;
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThanOrEqual(ROUTES / 3);
    await storm!.finish();

    // The file: intact, history and current state in step.
    const raw = new BetterSqlite3(path, { readonly: true });
    try {
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
      const total = (raw.prepare('SELECT count(*) AS n FROM history WHERE ns = ?').get(ns) as { n: number }).n;
      expect(total).toBeGreaterThanOrEqual(committedAtKill);
      expect((raw.prepare('SELECT rows FROM namespaces WHERE ns = ?').get(ns) as { rows: number }).rows).toBe(total);
      const adds = (raw.prepare("SELECT count(*) AS n FROM history WHERE ns = ? AND kind = 'route' AND op = 'add'").get(ns) as { n: number }).n;
      expect(adds).toBeGreaterThan(0);
      expect(adds).toBeLessThan(ROUTES + 20);
      const rows = (raw.prepare("SELECT count(*) AS n FROM routes WHERE ns = ?").get(ns) as { n: number }).n;
      const baseline = (raw.prepare("SELECT sum(p.count) AS n FROM checkpoint_parts p JOIN checkpoints c ON c.id = p.checkpoint_id WHERE c.ns = ? AND c.auto = 1 AND c.ready = 1 AND p.kind = 'route'").get(ns) as { n: number }).n;
      const removes = (raw.prepare("SELECT count(*) AS n FROM history WHERE ns = ? AND kind = 'route' AND op = 'remove'").get(ns) as { n: number }).n;
      expect(rows).toBe(baseline + adds - removes);
    } finally {
      raw.close();
    }

    // The store module opens it and reads the history.
    const store = await openStore(path);
    try {
      const history = await store.namespace(ns).history({ kind: 'route' });
      expect(history.length).toBeGreaterThan(0);
      expect(history.every((e) => e.op === 'add' && e.origin === 'kernel' && ((e.after as RouteRecord).gateway === '10.0.0.2' || (e.after as RouteRecord).protocol === 'kernel'))).toBe(true);
    } finally {
      await store.close();
    }

    // A new database records on into the same file: the kernel's full state as its new baseline.
    const db = await dbs.open({ netns: ns, store: path });
    expect(db.recovered).toEqual([]);
    await settle(db, ns);
    expect(db.routes.size).toBeGreaterThanOrEqual(ROUTES);
    const n = (await db.query<{ n: number }>('SELECT count(*) AS n FROM routes'))[0]!.n;
    expect(n).toBe(db.routes.size);
    ip(ns, 'route', 'del', '10.128.0.0/32');
    await db.sync();
    const last = await db.history({ kind: 'route', limit: 1, order: 'desc' });
    expect(last[0]!.op).toBe('remove');
    expect((last[0]!.before as RouteRecord).dst).toBe('10.128.0.0/32');
  });
});
