/**
 * Storm benchmark (nldb alone; not a harness case): how long after a route storm ends is an open
 * IPDB consistent with the kernel again, and did its subscriber see every change exactly once?
 *
 *   npm run build && tsc -p tsconfig.bench.json && node build/bench/nldb/storm.js [--routes 100000] [--runs 3] [--slice N]
 *
 * (--slice: IPDB's sliceSize, events applied per turn of the event loop; default the library's.)
 *
 * Each run: a throwaway namespace (nldbb-<pid>-storm<n>, made and removed through nldb's NetNS,
 * the `ip` commands all carry -n), a veth pair, an open IPDB counting route changes on changes$;
 * `ip -batch` adds N /32 routes (a child process: the event loop keeps turning meanwhile), then
 * deletes them. Timed: ip's own run, and the LAG from ip's exit until the database holds the
 * kernel's count and db.sync() has returned (every announced change applied, resyncs included).
 * Checked after the timing: the count against `ip -j`, and each route added once and removed once.
 */
import { spawn, spawnSync } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadNldb } from './api.js';

interface StormDb {
  routes: { size: number };
  changes$: { subscribe(fn: (c: { kind: string; op: string; key: string; origin: string; after?: { dst: string }; before?: { dst: string } }) => void): unknown };
  stats: { queue: { losses: number; maxQueued: number } };
  sync(): Promise<void>;
  close(): void;
}

interface NldbStorm {
  IPDB: { open(o: { netns: string; sliceSize?: number }): Promise<StormDb> };
  NetNS: { create(name: string): Promise<string>; remove(name: string): Promise<void> };
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function ipSync(ns: string, ...args: string[]): string {
  const r = spawnSync('ip', ['-n', ns, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`ip -n ${ns} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function ipBatch(ns: string, lines: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('ip', ['-n', ns, '-batch', '-'], { stdio: ['pipe', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`ip -batch exited ${code}`))));
    child.stdin.end(lines.join('\n') + '\n');
  });
}

const dstOf = (i: number) => `10.${128 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`;
const isStorm = (dst: string) => dst.startsWith('10.1') && dst.endsWith('/32') && !dst.startsWith('10.0.');

/** Resolves when `done()` holds (checked on a short timer), then db.sync() (everything announced applied). */
async function waitFor(db: StormDb, done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setTimeout(r, 2));
  await db.sync();
}

async function run(nldb: NldbStorm, ns: string, n: number): Promise<Record<string, number | string>> {
  const slice = arg('slice', 0);
  const db = await nldb.IPDB.open({ netns: ns, ...(slice > 0 ? { sliceSize: slice } : {}) });
  const adds = new Map<string, number>();
  const removes = new Map<string, number>();
  const origins: Record<string, number> = {};
  let present = 0; // storm routes in the database, from its changes
  db.changes$.subscribe((c) => {
    const r = c.after ?? c.before;
    if (c.kind !== 'route' || !r || !isStorm(r.dst)) return;
    origins[c.origin] = (origins[c.origin] ?? 0) + 1;
    if (c.op === 'add') present += 1;
    if (c.op === 'remove') present -= 1;
    const m = c.op === 'add' ? adds : c.op === 'remove' ? removes : null;
    if (m) m.set(c.key, (m.get(c.key) ?? 0) + 1);
  });
  // How long the event loop was held at a stretch during the storms (what a user's timers feel).
  const addLines = Array.from({ length: n }, (_, i) => `route add ${dstOf(i)} via 10.0.0.2`);
  const delLines = Array.from({ length: n }, (_, i) => `route del ${dstOf(i)}`);
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  try {
    const ipAddMs = await ipBatch(ns, addLines);
    const t1 = performance.now();
    await waitFor(db, () => present === n);
    const addLagMs = performance.now() - t1;
    delay.disable(); // the check below blocks the loop itself (spawnSync): not the library's doing
    // Keep the add phase's figures, then reset: the histogram would otherwise count the blocking
    // spawnSync gap as one long loop delay when it is enabled again.
    const addMaxMs = delay.max / 1e6;
    const addP99Ms = delay.percentile(99) / 1e6;
    delay.reset();
    const kernelAfterAdd = JSON.parse(ipSync(ns, '-j', 'route', 'show')).filter((r: { dst: string }) => isStorm(`${r.dst}/32`)).length;
    delay.enable();

    const ipDelMs = await ipBatch(ns, delLines);
    const t2 = performance.now();
    await waitFor(db, () => present === 0);
    const delLagMs = performance.now() - t2;

    const once = (m: Map<string, number>) => m.size === n && [...m.values()].every((v) => v === 1);
    return {
      routes: n, ipAddMs: Math.round(ipAddMs), addLagMs: Math.round(addLagMs), ipDelMs: Math.round(ipDelMs), delLagMs: Math.round(delLagMs),
      kernelAfterAdd, exactlyOnce: once(adds) && once(removes) ? 'yes' : `NO (adds ${adds.size}, removes ${removes.size})`,
      loopDelayMaxMs: Math.round(Math.max(addMaxMs, delay.max / 1e6)),
      loopDelayP99Ms: Math.round(Math.max(addP99Ms, delay.percentile(99) / 1e6)),
      losses: db.stats.queue.losses, maxBacklog: db.stats.queue.maxQueued, origins: JSON.stringify(origins),
    };
  } finally {
    delay.disable();
    db.close();
  }
}

async function main(): Promise<void> {
  const n = arg('routes', 100_000);
  const runs = arg('runs', 3);
  const nldb = (await loadNldb()) as unknown as NldbStorm;
  const made = new Set<string>();
  const cleanup = () => { for (const ns of made) spawnSync('ip', ['netns', 'del', ns]); };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => { cleanup(); process.exit(130); });
  try {
    for (let i = 1; i <= runs; i++) {
      const ns = `nldbb-${process.pid.toString(36)}-storm${i}`;
      await nldb.NetNS.create(ns);
      made.add(ns);
      spawnSync('ip', ['-n', ns, '-batch', '-'], {
        input: 'link set lo up\nlink add va type veth peer name vb\nlink set va up\nlink set vb up\naddr add 10.0.0.1/24 dev va\n',
      });
      const result = await run(nldb, ns, n).catch((e: unknown) => ({ error: String(e) }));
      process.stdout.write(`STORM ${JSON.stringify({ run: i, ...result })}\n`);
      await nldb.NetNS.remove(ns);
      made.delete(ns);
    }
  } finally {
    cleanup();
  }
}

await main();
