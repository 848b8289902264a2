/**
 * What opening a database loads: neither rxjs (40-90 ms of start-up, src/util/lazy-rxjs.ts) nor
 * SQLite until someone subscribes or asks for a store. Run in a fresh process on the built
 * library, since this process has loaded both long ago.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, ensureBuilt } from '../cli/run.js';
import { ipJson, useNetns } from '../helpers/netns.js';

const probe = `
import { createRequire } from 'node:module';
const loaded = () => {
  const cache = createRequire(import.meta.url).cache;
  return ['rxjs', 'better-sqlite3'].filter((p) => Object.keys(cache).some((k) => k.includes('/node_modules/' + p + '/')));
};
const { IPDB } = await import(${JSON.stringify(join(ROOT, 'dist/index.js'))});
const db = await IPDB.open({ netns: process.argv[1] });
const names = db.interfaces.toArray().map((i) => i.ifname);
const afterOpen = loaded();
db.changes$.subscribe(() => undefined);
const afterSubscribe = loaded();
await db.close();
console.log(JSON.stringify({ names, afterOpen, afterSubscribe }));
`;

describe('opening a database', () => {
  const ns = useNetns('start');

  it('loads neither rxjs nor SQLite until asked, and reads the namespace', () => {
    ensureBuilt();
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe, ns()], { encoding: 'utf8' });
    const r = JSON.parse(out) as { names: string[]; afterOpen: string[]; afterSubscribe: string[] };
    const witness = ipJson<{ ifname: string }>(ns(), 'link', 'show').map((l) => l.ifname);
    expect(r.names.sort()).toEqual(witness.sort());
    expect(r.afterOpen).toEqual([]);
    expect(r.afterSubscribe).toEqual(['rxjs']);
  });
});
