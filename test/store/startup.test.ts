/**
 * What opening a database with a store loads: SQLite, but not rxjs (40-90 ms of start-up,
 * src/util/lazy-rxjs.ts), until someone subscribes. Run in a fresh process on the built library
 * (as `node --input-type=module -e`, which the store's writer thread must survive), since this
 * process has loaded rxjs long ago.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, ensureBuilt } from '../cli/run.js';
import { useNetns } from '../helpers/netns.js';
import { useStoreFiles } from './helpers.js';

const files = useStoreFiles();

const probe = `
import { createRequire } from 'node:module';
const loaded = () => {
  const cache = createRequire(import.meta.url).cache;
  return ['rxjs', 'better-sqlite3'].filter((p) => Object.keys(cache).some((k) => k.includes('/node_modules/' + p + '/')));
};
const { IPDB } = await import(${JSON.stringify(join(ROOT, 'dist/index.js'))});
const db = await IPDB.open({ netns: process.argv[1], store: process.argv[2] });
await db.store.flush();
const [{ n }] = await db.query('SELECT count(*) AS n FROM interfaces');
const afterStore = loaded();
await db.close();
console.log(JSON.stringify({ n, interfaces: db.interfaces.size, afterStore }));
`;

describe('opening a database with a store', () => {
  const ns = useNetns('sstart');

  it('records and answers SQL without loading rxjs', () => {
    ensureBuilt();
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe, ns(), files.path()], { encoding: 'utf8' });
    const r = JSON.parse(out) as { n: number; interfaces: number; afterStore: string[] };
    expect(r.n).toBe(r.interfaces);
    expect(r.n).toBeGreaterThan(0);
    expect(r.afterStore).toEqual(['better-sqlite3']);
  });
});
