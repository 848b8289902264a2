/**
 * `nldb monitor`, the built command, watching a throwaway namespace while `ip` changes it: each
 * change appears once, as what changed; Ctrl-C ends it with exit code 130.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ip, useNetnsEach } from '../helpers/netns.js';
import { ensureBuilt, MAIN, spawnNldb } from './run.js';

beforeAll(() => ensureBuilt());

const ns = useNetnsEach('cli-mon');
let child: ChildProcess | undefined;
afterEach(() => { if (child && child.exitCode === null) child.kill('SIGKILL'); child = undefined; });

interface Watch {
  lines: () => string[];
  waitFor: (pred: (lines: string[]) => boolean, what: string) => Promise<void>;
  exit: Promise<number | null>;
  stderr: () => string;
}

function watch(args: string[]): Watch {
  const c = spawnNldb(['monitor', '--netns', ns(), ...args]);
  child = c;
  let out = '';
  let err = '';
  c.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  c.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exit = new Promise<number | null>((resolve) => c.on('exit', (code) => resolve(code)));
  const lines = () => out.split('\n').filter((l) => l !== '');
  const waitFor = async (pred: (l: string[]) => boolean, what: string) => {
    const deadline = Date.now() + 15_000;
    while (!pred(lines())) {
      if (c.exitCode !== null) throw new Error(`monitor exited (${c.exitCode}) before ${what}: ${err}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got:\n${out}${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { lines, waitFor, exit, stderr: () => err };
}

/** The monitor prints nothing until something changes: poke lo's mtu until it shows it is live. */
async function untilLive(w: Watch, json: boolean): Promise<void> {
  let mtu = 60000;
  const deadline = Date.now() + 15_000;
  while (!w.lines().some((l) => (json ? l.includes('"ifname":"lo"') : /interface lo #1: mtu/.test(l)))) {
    if (Date.now() > deadline) throw new Error(`monitor never showed a change: ${w.stderr()}`);
    ip(ns(), 'link', 'set', 'lo', 'mtu', String(mtu++));
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('nldb monitor', () => {
  it('--json: one object per change, with before and after', async () => {
    const w = watch(['--json']);
    await untilLive(w, true);
    const start = w.lines().length;
    ip(ns(), 'link', 'add', 'mv0', 'type', 'veth', 'peer', 'name', 'mv1');
    ip(ns(), 'link', 'set', 'mv0', 'mtu', '1400');
    ip(ns(), 'addr', 'add', '10.30.0.1/24', 'dev', 'mv0');
    ip(ns(), 'link', 'del', 'mv0');
    const changes = () => w.lines().slice(start).map((l) => JSON.parse(l) as { op: string; kind: string; before?: any; after?: any; origin: string; fields?: string[] });
    await w.waitFor(() => changes().some((c) => c.op === 'remove' && c.kind === 'interface' && c.before.ifname === 'mv0'), 'mv0 removed');
    const cs = changes();
    expect(cs.find((c) => c.op === 'add' && c.kind === 'interface' && c.after.ifname === 'mv0')).toMatchObject({ after: { kind: 'veth', mtu: 1500 } });
    // Announced by the kernel, or found by a targeted re-read when the peer's event came first
    // (the database then says so: origin 'resync').
    expect(cs.every((c) => c.origin === 'kernel' || c.origin === 'resync')).toBe(true);
    const mtu = cs.find((c) => c.op === 'change' && c.kind === 'interface' && c.after.ifname === 'mv0' && c.after.mtu === 1400)!;
    expect(mtu).toBeDefined();
    expect(mtu.before.mtu).toBe(1500);
    expect(mtu.fields).toContain('mtu');
    expect(cs.find((c) => c.op === 'add' && c.kind === 'address')).toMatchObject({ after: { address: '10.30.0.1', prefixlen: 24 } });
    expect(cs.some((c) => c.op === 'remove' && c.kind === 'address' && c.before.address === '10.30.0.1')).toBe(true);
    // Each JSON line carries a time.
    expect(w.lines().every((l) => /"time":"\d{4}-\d\d-\d\dT/.test(l))).toBe(true);
    child!.kill('SIGINT');
    expect(await w.exit).toBe(130);
  });

  it('text: +, ~ and - lines with the fields that changed; SIGTERM exits 143', async () => {
    const w = watch([]);
    await untilLive(w, false);
    ip(ns(), 'link', 'add', 'mv0', 'type', 'veth', 'peer', 'name', 'mv1');
    ip(ns(), 'link', 'set', 'mv0', 'mtu', '1400');
    ip(ns(), 'route', 'add', 'blackhole', '10.31.0.0/24');
    ip(ns(), 'link', 'del', 'mv0');
    await w.waitFor((ls) => ls.some((l) => /- interface mv0 #\d+( |$)/.test(l)), 'mv0 removed');
    const text = w.lines().join('\n');
    expect(text).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {2}\+ interface mv0 #\d+: veth, down, mtu 1500/m);
    expect(text).toMatch(/~ interface mv0 #\d+: mtu 1500 → 1400( |$)/m);
    expect(text).toMatch(/\+ route blackhole 10\.31\.0\.0\/24 table main/);
    expect(text).not.toContain('\x1b[');
    child!.kill('SIGTERM');
    expect(await w.exit).toBe(143);
  });

  it('a namespace that does not exist is one line, exit code 1', () => {
    const r = spawnSync(process.execPath, [MAIN, 'monitor', '--netns', 'nldbt-not-there'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("nldb: no namespace named 'nldbt-not-there'\n");
  });
});
