/**
 * kill -9 during a storm: a child process records route changes as fast as it can and is killed
 * with SIGKILL; the file must open cleanly, pass SQLite's integrity check, and hold everything up
 * to the last batch, with history and current-state tables in step (a batch is one transaction).
 * And kill -9 right after attaching: the baseline is in the file whole or not at all.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useStoreFiles } from './helpers.js';

const files = useStoreFiles();
const root = join(process.cwd(), 'node_modules', '.cache', `nldb-store-crash-${process.pid}-${Date.now().toString(36)}`);

const CHILD = `
import { Store } from './src/store/index.js';
import { Database } from './src/db/index.js';
import { FakeSource } from './test/db/fake-source.js';
import { iface, route4 } from './test/db/fixtures.js';

const path = process.argv[2];
const store = Store.open(path, { batchSize: 500, maxBatch: 2000, flushMs: 5 });
store.errors$.subscribe((e) => { console.error(e); process.exit(2); });
const source = new FakeSource();
source.set('interface', iface(2, 'eth0'), { silent: true });
const db = new Database();
await db.open(source);
const ns = store.attach(db, 'main');
await ns.flush();
const say = (line) => process.stdout.write(line + '\\n');
let i = 0;
for (let round = 0; ; round++) {
  // announced before it is emitted: nothing beyond the last announcement can be in the file
  say('emitting ' + (i + 1000));
  const batch = [];
  for (let j = 0; j < 1000; j++, i++) {
    batch.push({ kind: 'route', op: 'new', record: route4('10.' + ((i >> 16) & 255) + '.' + ((i >> 8) & 255) + '.' + (i & 255) + '/32', { oif: 2 }) });
  }
  source.events.next(batch);
  await db.whenIdle();
  if (round % 10 === 9) {
    await ns.flush();
    say('committed ' + i);
  }
}
`;

/** Attaches a database of `n` routes and says so at once; then only waits to be killed. */
const CHILD_ATTACH = `
import { Store } from './src/store/index.js';
import { Database } from './src/db/index.js';
import { FakeSource } from './test/db/fake-source.js';
import { iface, route4 } from './test/db/fixtures.js';

const [path, n] = [process.argv[2], Number(process.argv[3])];
const store = Store.open(path);
store.errors$.subscribe((e) => { console.error(e); process.exit(2); });
const source = new FakeSource();
source.set('interface', iface(2, 'eth0'), { silent: true });
for (let i = 0; i < n; i++) source.set('route', route4('10.' + ((i >> 16) & 255) + '.' + ((i >> 8) & 255) + '.' + (i & 255) + '/32', { oif: 2 }), { silent: true });
const db = new Database();
await db.open(source);
store.attach(db, 'main');
process.stdout.write('attached\\n');
setInterval(() => undefined, 1000);
`;

beforeAll(() => {
  mkdirSync(root, { recursive: true });
  // Compile the store, the database and the fake source with the project's compiler.
  const tsc = spawnSync(process.execPath, [
    join(process.cwd(), 'node_modules/typescript/bin/tsc'), '--ignoreConfig', '--outDir', root, '--rootDir', '.',
    '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node',
    '--strict', 'src/store/index.ts', 'src/db/index.ts', 'test/db/fake-source.ts', 'test/db/fixtures.ts',
  ], { encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`tsc: ${tsc.stdout}${tsc.stderr}`);
  writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
  writeFileSync(join(root, 'child.mjs'), CHILD);
  writeFileSync(join(root, 'child-attach.mjs'), CHILD_ATTACH);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs the child until it has committed `atLeast` changes, then SIGKILLs it mid-storm. */
function stormAndKill(path: string, atLeast: number): Promise<{ committed: number; announced: number; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-warnings', join(root, 'child.mjs'), path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let committed = 0;
    let announced = 0;
    let err = '';
    let killing = false;
    let rest = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        const [what, n] = line.split(' ');
        if (what === 'committed') committed = Number(n);
        if (what === 'emitting') announced = Number(n);
      }
      if (!killing && committed >= atLeast) {
        killing = true;
        // a moment later, in the middle of whatever it is doing (the exact moment does not matter:
        // every moment must leave a sound file)
        setTimeout(() => child.kill('SIGKILL'), 10 + Math.floor(Math.random() * 60));
      }
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited (${code}): ${err}`));
      else resolve({ committed, announced, signal });
    });
  });
}

describe('a store killed with SIGKILL during a storm', () => {
  it('opens cleanly and has lost at most the last batches', async () => {
    const path = files.path();
    const { committed, announced } = await stormAndKill(path, 20_000);
    expect(committed).toBeGreaterThanOrEqual(20_000);

    const raw = new BetterSqlite3(path);
    const integrity = raw.pragma('integrity_check', { simple: true });
    const h = raw.prepare("SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM history WHERE ns = 'main'").get() as { n: number; lo: number; hi: number };
    const routes = raw.prepare("SELECT count(*) FROM routes WHERE ns = 'main'").pluck().get() as number;
    raw.close();
    expect(integrity).toBe('ok');
    expect(h.n).toBeGreaterThanOrEqual(committed);
    expect(h.n).toBeLessThanOrEqual(announced);
    // what was announced but is missing: the batch being emitted, the database's slice, and the
    // store's batches still buffered or in the writer's hands (a few of 500)
    expect(announced - h.n).toBeLessThanOrEqual(10_000);
    expect(h.hi - h.lo + 1).toBe(h.n); // no hole: whole batches, in order
    expect(routes).toBe(h.n); // history and current state committed together

    // and the store carries on from there
    const store = files.open({}, path);
    const ns = store.namespace('main');
    const latest = await ns.history({ order: 'desc', limit: 1 });
    expect((await ns.at(latest[0]!.time)).routes).toHaveLength(h.n);
  });
});

/** Runs the attaching child and SIGKILLs it `delayMs` after it has attached. */
function attachAndKill(path: string, n: number, delayMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-warnings', join(root, 'child-attach.mjs'), path, String(n)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (chunk.includes('attached')) setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', reject);
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited (${code}): ${err}`))));
  });
}

describe('a store killed with SIGKILL right after a database is attached', () => {
  it('has its baseline whole or not at all, and what it has reopens and fills its tables', async () => {
    const n = 40_000;
    const seen: string[] = [];
    for (const delayMs of [0, 10, 30, 150, 1500]) {
      const path = files.path();
      await attachAndKill(path, n, delayMs);
      const raw = new BetterSqlite3(path);
      const integrity = raw.pragma('integrity_check', { simple: true });
      const ready = raw.prepare("SELECT id, objects, (SELECT sum(count) FROM checkpoint_parts p WHERE p.checkpoint_id = c.id) AS parts FROM checkpoints c WHERE ns = 'main' AND auto = 1 AND ready = 1").all() as { id: number; objects: number; parts: number }[];
      const history = raw.prepare('SELECT count(*) FROM history').pluck().get() as number;
      raw.close();
      expect(integrity, `${delayMs} ms`).toBe('ok');
      expect(history).toBe(0); // nothing changed: no history, with a baseline or without
      const store = files.open({}, path);
      const ns = store.namespace('main');
      if (ready.length === 0) {
        seen.push('none');
        expect(await ns.checkpoints(), `${delayMs} ms`).toEqual([]);
        continue;
      }
      seen.push('whole');
      expect(ready, `${delayMs} ms`).toEqual([{ id: ready[0]!.id, objects: n + 1, parts: n + 1 }]);
      const [cp] = await ns.checkpoints();
      const state = await ns.at(cp!.time);
      expect([state.interfaces.length, state.routes.length]).toEqual([1, n]);
      expect(await ns.query('SELECT count(*) AS n FROM routes')).toEqual([{ n }]);
      await store.close();
    }
    // killed at once it had not written it yet; given time, it had
    expect(seen[0]).toBe('none');
    expect(seen.at(-1)).toBe('whole');
  });
});
