/**
 * `nldb history` and `nldb checkpoint`, run as child processes (the built command), in a
 * throwaway namespace with a temp store file: save a checkpoint, change things with `ip`, read the
 * history and the diff, restore (dry run first), and the usage errors.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, nldb, ROOT } from '../cli/run.js';
import { ip, ipJson, useNetnsEach } from '../helpers/netns.js';
import { noDad } from '../helpers/witness.js';
import { removeStoreFiles, tempStorePath } from './helpers.js';

beforeAll(() => ensureBuilt());
const netns = useNetnsEach('sc');

/** A program recording the namespace into the store (recorder-child.mjs), driven line by line. */
class Recorder {
  private readonly waiting: ((line: string) => void)[] = [];
  private constructor(private readonly child: ChildProcess) {
    let rest = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop()!;
      for (const l of parts) this.waiting.shift()?.(l);
    });
  }

  static async start(ns: string, store: string): Promise<Recorder> {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'recorder-child.mjs'), join(ROOT, 'dist'), ns, store], { stdio: ['pipe', 'pipe', 'inherit'] });
    const r = new Recorder(child);
    await r.next('ready');
    return r;
  }

  private next(want: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the recorder did not say '${want}'`)), 20_000);
      this.waiting.push((line) => {
        clearTimeout(timer);
        if (line === want) resolve();
        else reject(new Error(`the recorder said '${line}', not '${want}'`));
      });
    });
  }

  async ask(command: string, answer: string): Promise<void> {
    const p = this.next(answer);
    this.child.stdin!.write(`${command}\n`);
    await p;
  }
}

function mtuOf(ns: string, ifname: string): number {
  return ipJson<{ mtu: number }>(ns, 'link', 'show', 'dev', ifname)[0]!.mtu;
}

function routeCount(ns: string, dst: string): number {
  return ipJson(ns, 'route', 'show', dst).length;
}

describe('nldb checkpoint and nldb history', () => {
  it('saves, lists, diffs, restores and shows the history', async () => {
    const ns = netns();
    noDad(ns);
    for (const c of ['link add va type veth peer name vb', 'link set va up', 'link set vb up', 'addr add 10.1.0.1/24 dev va']) ip(ns, ...c.split(' '));
    const store = tempStorePath();
    try {
      const save = nldb(['checkpoint', 'save', 'before', '--store', store, '--netns', ns]);
      expect(save.stderr).toBe('');
      expect(save.code).toBe(0);
      expect(save.stdout).toMatch(/^saved checkpoint before: \d+ objects at \d{4}-/);
      expect(existsSync(store)).toBe(true);
      // A second save under the same name is refused, unless --replace; refused, it leaves the
      // store as it was (no baseline of a database that attached for it).
      const listed = () => JSON.parse(nldb(['checkpoint', 'list', '--all', '--json', '--store', store, '--netns', ns]).stdout) as { name: string }[];
      const saved = listed().map((c) => c.name);
      const again = nldb(['checkpoint', 'save', 'before', '--store', store, '--netns', ns]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/^nldb: checkpoint 'before' already exists in namespace '[^']+': --replace overwrites it/);
      expect(listed().map((c) => c.name)).toEqual(saved);
      // A name that is empty is no name; a file that is not a store is named in the message.
      expect(nldb(['checkpoint', 'save', ' ', '--store', store, '--netns', ns]).code).toBe(2);
      const junk = `${store}.junk`;
      writeFileSync(junk, 'not a database\n');
      const bad = nldb(['history', '--store', junk, '--netns', ns]);
      expect([bad.code, bad.stderr]).toEqual([1, `nldb: store '${junk}': file is not a database\n`]);
      rmSync(junk, { force: true });

      // A program records the namespace into the file while ip changes it.
      const rec = await Recorder.start(ns, store);
      const t0 = Date.now();
      ip(ns, 'link', 'set', 'va', 'mtu', '1400');
      ip(ns, 'route', 'add', '10.50.0.0/16', 'via', '10.1.0.2');
      await rec.ask('sync', 'synced');
      const t1 = Date.now();
      await rec.ask('close', 'closed');

      const list = nldb(['checkpoint', 'list', '--store', store, '--netns', ns, '--json']);
      expect(list.code).toBe(0);
      expect((JSON.parse(list.stdout) as { name: string }[]).map((c) => c.name)).toEqual(['before']);
      const table = nldb(['checkpoint', 'list', '--store', store, '--netns', ns, '--all']);
      expect(table.stdout).toMatch(/^name +time +objects +kind\n/);
      expect(table.stdout).toMatch(/\nbefore +\S+ +\d+ +saved\n/);
      expect(table.stdout).toMatch(/baseline/);

      // The history, read from the file alone.
      const hist = nldb(['history', '--store', store, '--netns', ns, '--json']);
      expect(hist.stderr).toBe('');
      expect(hist.code).toBe(0);
      const entries = JSON.parse(hist.stdout) as { time: string; kind: string; op: string; origin: string; txid: string | null; after?: { ifname?: string; mtu?: number; dst?: string } }[];
      const mtu = entries.filter((e) => e.kind === 'interface' && e.after?.ifname === 'va' && e.after.mtu === 1400);
      const route = entries.filter((e) => e.kind === 'route' && e.op === 'add' && e.after?.dst === '10.50.0.0/16');
      expect(mtu).toHaveLength(1);
      expect(route).toHaveLength(1);
      for (const e of [...mtu, ...route]) {
        expect(Date.parse(e.time)).toBeGreaterThanOrEqual(t0);
        expect(Date.parse(e.time)).toBeLessThanOrEqual(t1);
        expect(e.origin).toBe('kernel');
        expect(e.txid).toBeNull();
      }
      const routes = JSON.parse(nldb(['history', '--store', store, '--netns', ns, '--kind', 'route', '--json']).stdout) as { kind: string }[];
      expect(routes.length).toBeGreaterThan(0);
      expect(routes.every((e) => e.kind === 'route')).toBe(true);
      const newest = JSON.parse(nldb(['history', '--store', store, '--netns', ns, '--limit', '1', '--json']).stdout) as unknown[];
      expect(newest).toEqual(entries.slice(-1));
      const human = nldb(['history', '--store', store, '--netns', ns, '--since', '1h']);
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/^\d{4}-\d\d-\d\d\n/);
      expect(human.stdout).toMatch(/^\d\d:\d\d:\d\d\.\d{3}  ~ interface va #\d+: mtu 1500 → 1400/m);
      expect(human.stdout).toMatch(/^\d\d:\d\d:\d\d\.\d{3}  \+ route 10\.50\.0\.0\/16 via 10\.1\.0\.2 dev va table main/m);
      expect(human.stdout.split('\n').filter((l) => /^\d\d:\d\d:\d\d\.\d{3} +. /.test(l)).length).toBe(entries.length);
      const none = nldb(['history', '--store', store, '--netns', ns, '--since', String(Date.now() + 60_000)]);
      expect(none.code).toBe(0);
      expect(none.stdout).toBe('');
      expect(none.stderr).toMatch(/no recorded changes match/);

      // diff to now, and between two checkpoints.
      const diff = nldb(['checkpoint', 'diff', 'before', '--store', store, '--netns', ns, '--json']);
      expect(diff.code).toBe(0);
      const d = JSON.parse(diff.stdout) as { interfaces: { changed: { after: { ifname: string }; fields: Record<string, { before: unknown; after: unknown }> }[] }; routes: { added: { record: { dst: string } }[] } };
      expect(d.interfaces.changed.find((c) => c.after.ifname === 'va')?.fields.mtu).toEqual({ before: 1500, after: 1400 });
      expect(d.routes.added.map((r) => r.record.dst)).toContain('10.50.0.0/16');
      const text = nldb(['checkpoint', 'diff', 'before', '--store', store, '--netns', ns]);
      expect(text.stdout).toMatch(/^~ interface va #\d+: mtu 1500 → 1400$/m);
      expect(text.stdout).toMatch(/^\+ route 10\.50\.0\.0\/16 via 10\.1\.0\.2 dev va table main/m);
      ip(ns, 'link', 'set', 'va', 'mtu', '1300');
      expect(nldb(['checkpoint', 'save', 'after', '--store', store, '--netns', ns]).code).toBe(0);
      ip(ns, 'link', 'set', 'vb', 'mtu', '1350');
      expect(nldb(['checkpoint', 'save', 'later', '--store', store, '--netns', ns]).code).toBe(0);
      const between = nldb(['checkpoint', 'diff', 'after', 'later', '--store', store, '--netns', ns]);
      expect(between.stdout).toMatch(/^~ interface vb #\d+: mtu 1500 → 1350$/m);
      expect(between.stdout).not.toMatch(/interface va/);

      // Restore: the dry run changes nothing, the real one brings the checkpoint back.
      expect(mtuOf(ns, 'va')).toBe(1300);
      const dry = nldb(['checkpoint', 'restore', 'before', '--store', store, '--netns', ns, '--dry-run']);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toMatch(/link set va mtu 1500/);
      expect(dry.stdout).toMatch(/link set vb mtu 1500/);
      expect(dry.stdout).toMatch(/route del 10\.50\.0\.0\/16/);
      expect(mtuOf(ns, 'va')).toBe(1300);
      expect(routeCount(ns, '10.50.0.0/16')).toBe(1);
      const restore = nldb(['checkpoint', 'restore', 'before', '--store', store, '--netns', ns]);
      expect(restore.stderr).toBe('');
      expect(restore.code).toBe(0);
      expect(restore.stdout).toBe(dry.stdout);
      expect(mtuOf(ns, 'va')).toBe(1500);
      expect(mtuOf(ns, 'vb')).toBe(1500);
      expect(routeCount(ns, '10.50.0.0/16')).toBe(0);
      const nothing = nldb(['checkpoint', 'restore', 'before', '--store', store, '--netns', ns]);
      expect(nothing.code).toBe(0);
      expect(nothing.stderr).toMatch(/nothing to do/);
      // The restore is in the history, as our commit.
      const commits = JSON.parse(nldb(['history', '--store', store, '--netns', ns, '--origin', 'commit', '--json']).stdout) as { txid: string | null }[];
      expect(commits.length).toBeGreaterThan(0);
      expect(new Set(commits.map((c) => c.txid)).size).toBe(1);
      expect(commits[0]!.txid).toMatch(/^[0-9a-f-]{36}$/);

      expect(nldb(['checkpoint', 'save', 'after', '--store', store, '--netns', ns, '--replace']).code).toBe(0);
      // Delete a checkpoint.
      expect(nldb(['checkpoint', 'delete', 'later', '--store', store, '--netns', ns]).code).toBe(0);
      // Restoring or diffing a checkpoint that is not there: refused, and the store as it was.
      const kept = listed().map((c) => c.name);
      const gone = nldb(['checkpoint', 'restore', 'later', '--store', store, '--netns', ns]);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toMatch(/^nldb: no checkpoint 'later' in namespace/);
      const noDiff = nldb(['checkpoint', 'diff', 'later', '--store', store, '--netns', ns]);
      expect([noDiff.code, noDiff.stderr]).toEqual([1, `nldb: no checkpoint 'later' in namespace '${ns}'\n`]);
      expect(listed().map((c) => c.name)).toEqual(kept);
    } finally {
      removeStoreFiles(store);
    }
  });

  it('says what is wrong with the command line', () => {
    const missing = tempStorePath();
    const noStore = nldb(['history']);
    expect(noStore.code).toBe(2);
    expect(noStore.stderr).toMatch(/^nldb: history needs --store FILE .*\(see 'nldb history --help'\)\n$/);
    const noFile = nldb(['history', '--store', missing]);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toBe(`nldb: no store file '${missing}'\n`);
    expect(existsSync(missing)).toBe(false);
    expect(nldb(['history', '--store', missing, '--since', 'yesterday-ish']).code).toBe(2);
    expect(nldb(['checkpoint']).code).toBe(2);
    expect(nldb(['checkpoint', 'frob', 'x', '--store', missing]).stderr).toMatch(/the action must be one of save, list, diff, restore, delete/);
    expect(nldb(['checkpoint', 'save', '--store', missing]).stderr).toMatch(/checkpoint save needs a checkpoint NAME/);
    expect(nldb(['checkpoint', 'list', 'x', '--store', missing]).code).toBe(2);
  });
});
