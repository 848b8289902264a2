/**
 * The libuv thread-pool hazard (see src/transport/netns.ts). Inside a vitest worker the pool has
 * long been running, so a test here could not fail; the real checks run in fresh Node processes
 * that load the compiled transport with require() (synchronous: nothing starts the pool), where
 * the hazard is shown to be real and our opening path is shown to avoid it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetlinkSocket } from '../../src/transport/index.js';
import { readlinkAsync } from '../../src/transport/libc.js';
import { assertKernelAccess, useNetns } from '../helpers/netns.js';

assertKernelAccess();
const ns = useNetns('pool');
const root = join(process.cwd(), 'node_modules', '.cache', `nldb-pool-hazard-${process.pid}-${Date.now().toString(36)}`);

const CHILD = `
const { openSync, readlinkSync, promises: fsp } = require('node:fs');
const [mode, ns] = process.argv.slice(2);
const t = require('./transport/index.js');
const libc = require('./transport/libc.js');
const self = '/proc/thread-self/ns/net';
const out = { here: readlinkSync(self) };
(async () => {
  if (mode === 'unsafe' || mode === 'poisoned') {
    // What the library must never do: start the pool while this thread is in another namespace.
    const target = openSync('/run/netns/' + ns, 'r');
    const orig = openSync(self, 'r');
    libc.setns(target, libc.CLONE_NEWNET);
    const first = fsp.readlink(self);
    libc.setns(orig, libc.CLONE_NEWNET);
    await first;
    if (mode === 'poisoned') await t.ensurePoolStarted().then(() => { out.check = 'passed'; }, (e) => { out.check = e.name + ': ' + e.message; });
  } else if (mode === 'guard') {
    try { t.NetlinkSocket.open({ netns: ns }).close(); out.opened = true; } catch (e) { out.error = e.name + ': ' + e.message; }
  } else if (mode === 'unref') {
    // An unref'd socket must not keep the process alive when idle, but must while a request is pending.
    const s = await t.NetlinkSocket.openAsync({ netns: ns });
    s.unref();
    out.answered = (await s.request({ type: 18, payload: Buffer.from([0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) })).length;
  } else if (mode === 'safe') {
    const s = await t.NetlinkSocket.openAsync({ netns: ns });
    const g = await t.NetlinkSocket.openAsync({ netns: { path: '/run/netns/' + ns }, protocol: 16 });
    out.inside = (await t.collectDump(s.dump({ type: 18, payload: Buffer.alloc(16) }))).length;
    s.close();
    g.close();
  }
  out.fs = await fsp.readlink(self);
  out.koffi = await libc.readlinkAsync(self);
  out.main = readlinkSync(self);
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`;

beforeAll(() => {
  mkdirSync(root, { recursive: true });
  // Compile just the transport (and the nlmsg framing it imports) with the project's compiler.
  const tsc = spawnSync(process.execPath, [
    join(process.cwd(), 'node_modules/typescript/bin/tsc'), '--ignoreConfig', '--outDir', root, '--rootDir', 'src',
    '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node',
    '--strict', 'src/transport/index.ts',
  ], { encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`tsc: ${tsc.stdout}${tsc.stderr}`);
  writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
  writeFileSync(join(root, 'child.cjs'), CHILD);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface ChildOut { here: string; main: string; fs: string; koffi: string; error?: string; check?: string; inside?: number; opened?: boolean; answered?: number }

function child(mode: string): ChildOut {
  // The timeout only guards against a hang (a socket wrongly keeping the process alive).
  const r = spawnSync(process.execPath, ['--no-warnings', join(root, 'child.cjs'), mode, ns()], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`child ${mode}: ${r.stderr}`);
  return JSON.parse(r.stdout) as ChildOut;
}


describe('the libuv thread-pool hazard', () => {
  it('is real: a pool started inside another namespace stays there (the control experiment)', () => {
    const out = child('unsafe');
    expect(out.main).toBe(out.here);
    expect(out.fs).not.toBe(out.here);
    expect(out.koffi).toBe(out.fs);
  });

  it('openAsync() opens inside the namespace, and fs.promises / koffi async calls stay in the original one', () => {
    const out = child('safe');
    expect(out.inside).toBe(1); // the throwaway namespace has lo only
    expect(out.fs).toBe(out.here);
    expect(out.koffi).toBe(out.here);
    expect(out.main).toBe(out.here);
  });

  it('a synchronous open() in a namespace before the pool is started is refused', () => {
    const out = child('guard');
    expect(out.opened).toBeUndefined();
    expect(out.error).toMatch(/^TransportError: .*ensurePoolStarted/);
    expect(out.fs).toBe(out.here);
  });

  it('ensurePoolStarted() reports a pool that was already started in the wrong namespace', () => {
    const out = child('poisoned');
    expect(out.check).toMatch(/^TransportError: .*thread pool runs in/);
  });

  it("an unref'd socket lets the process exit, but not before a pending request is answered", () => {
    const out = child('unref');
    expect(out.answered).toBe(1);
  });

  it('in this process too, after opening sockets in the namespace', async () => {
    const here = readlinkSync('/proc/thread-self/ns/net');
    const sock = await NetlinkSocket.openAsync({ netns: ns() });
    sock.close();
    expect(await fsp.readlink('/proc/thread-self/ns/net')).toBe(here);
    expect(await readlinkAsync('/proc/thread-self/ns/net')).toBe(here);
  });
});
