/**
 * nldb contender of the "commit" benchmark: one IPDB transaction applying a change set.
 * usage: node build/bench/nldb/commit.js NETNS SPEC.json [--warm N]
 * The spec is the file the harness wrote (bench/lib/commit-spec.ts): the same changes every other
 * contender makes.
 *
 * --warm N: the "warm process" contender. Before the timed transaction, the process commits the
 * same change set N times, untimed, each time in a throwaway namespace of its own in the run's
 * starting state (commitNamespace; deleted afterwards, also on failure or a signal). The timed
 * transaction then runs the way it would in a long-running program that has committed before:
 * V8 has optimized the code it runs, and the heap has grown past its first limits. Without it,
 * the figure is that of a process's first transaction, which pays those one-time costs.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { installCleanup } from '../lib/cleanup.js';
import { type CommitSpec, commitNamespace, startLines } from '../lib/commit-spec.js';
import { NetnsPool } from '../lib/netns.js';
import { emitCounts, emitWork, loadNldb, since, type NldbModule } from './api.js';

/** The slice of nldb's Transaction the contender drafts with (see src/transactions/transaction.ts). */
interface NldbTransaction {
  interfaces: {
    get(name: string): { addIp(spec: { address: string; prefixlen: number }): unknown; state: string } | undefined;
    create(spec: { ifname: string; kind: string; peer: string }): unknown;
  };
  routes: { add(spec: { dst: string; gateway: string; oif: string }): unknown; remove(spec: { dst: string }): unknown };
}

/**
 * Drafts every change of the spec in `tx` (nothing is sent while drafting): the commit is timed
 * around db.transaction() as a whole, drafting included.
 */
async function applySpec(draft: unknown, spec: CommitSpec): Promise<void> {
  const tx = draft as NldbTransaction;
  switch (spec.kind) {
    case 'addresses': {
      const link = tx.interfaces.get(spec.ifname);
      if (!link) throw new Error(`no interface ${spec.ifname} in the namespace`);
      for (const a of spec.items) link.addIp({ address: a.address, prefixlen: a.prefixlen });
      return;
    }
    case 'routes':
      for (const r of spec.items) tx.routes.add({ dst: r.dst, gateway: r.gateway, oif: r.ifname });
      return;
    case 'routes-remove':
      for (const r of spec.items) tx.routes.remove({ dst: r.dst });
      return;
    case 'veths':
      for (const v of spec.items) tx.interfaces.create({ ifname: v.ifname, kind: 'veth', peer: v.peer });
      return;
    case 'links-down':
      for (const l of spec.items) {
        const link = tx.interfaces.get(l.ifname);
        if (!link) throw new Error(`no interface ${l.ifname} in the namespace`);
        link.state = 'down';
      }
      return;
  }
}

/**
 * Commits `spec` `times` times, each in a fresh throwaway namespace of `pool` (see --warm above).
 * The namespaces stay until the process is done: deleting one makes the kernel tear its devices
 * down in the background (a work queue), and the timed commit is not to run beside that.
 */
async function warmUp(nldb: NldbModule, spec: CommitSpec, times: number, pool: NetnsPool): Promise<void> {
  const start = startLines(spec);
  for (let i = 0; i < times; i++) {
    const ns = commitNamespace(pool, 'warm', start);
    const db = await nldb.IPDB.open({ netns: ns });
    try {
      await db.transaction(async (tx) => applySpec(tx, spec));
    } finally {
      await db.close();
    }
  }
}

async function main(ns: string, specFile: string, warm: number): Promise<void> {
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as CommitSpec;
  const t0 = performance.now();
  const nldb = await loadNldb();
  if (warm === 0) return timed(nldb, ns, spec, t0);
  const pool = new NetnsPool(dirname(specFile));
  installCleanup(() => pool.deleteAllSync());
  try {
    await warmUp(nldb, spec, warm, pool);
    // (Its `open` figure: the timed database's open alone.)
    await timed(nldb, ns, spec, performance.now());
  } finally {
    pool.deleteAllSync();
  }
}

/** The timed transaction, in the run's namespace; reports its counts and figures. */
async function timed(nldb: NldbModule, ns: string, spec: CommitSpec, t0: number): Promise<void> {
  const db = await nldb.IPDB.open({ netns: ns });
  // Where the commit's time goes: waiting for the kernel (the event loop idle) or working.
  const loop0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const t1 = performance.now();
  let drafted = t1;
  await db.transaction(async (tx) => {
    await applySpec(tx, spec);
    drafted = performance.now();
  });
  const t2 = performance.now();
  const loop = performance.eventLoopUtilization(loop0);
  const cpu = process.cpuUsage(cpu0);
  // What db.sync() still waits for once the commit resolved: the safety net's re-dump of routes
  // a link down (or an address removal) calls for (src/ipdb/effects-check.ts), if any.
  await db.sync();
  const t3 = performance.now();
  emitCounts({ changes: spec.items.length });
  await db.close();
  // commit: the whole db.transaction(), drafting included; draft: the part of it spent drafting;
  // commitIdle: the part of it the event loop's thread waited (for the kernel, or the thread
  // pool); commitCpu: the CPU time the process used meanwhile, all its threads (the kernel's work
  // on a pool thread included); synced: db.sync() after it.
  emitWork({
    open: (t1 - t0) / 1000, commit: (t2 - t1) / 1000, draft: (drafted - t1) / 1000, synced: (t3 - t2) / 1000, close: since(t3),
    commitIdle: loop.idle / 1000, commitCpu: (cpu.user + cpu.system) / 1e6,
  });
}

const [ns, specFile, flag, count] = process.argv.slice(2);
const warm = flag === '--warm' ? Number(count) : 0;
if (!ns || !specFile || (flag !== undefined && !(flag === '--warm' && Number.isInteger(warm) && warm >= 1))) {
  process.stderr.write('usage: commit.js NETNS SPEC.json [--warm N]\n');
  process.exit(2);
}
await main(ns, specFile, warm);
