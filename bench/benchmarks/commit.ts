/**
 * "commit" (issue 4): one transaction making many changes, each run on a fresh namespace (lo and
 * one veth pair, see commit-spec.ts), checked afterwards against the kernel with `ip -j`: every
 * change of the set must be there. Sizes: 5,000 addresses on one link, 10,000 routes, 200 veth
 * pairs, 10,000 routes removed (the run's namespace has them first), and each at a tenth. And a
 * small change to a big table: 10 routes added to the `dump` benchmark's namespace (109,004
 * routes), the database already open on it, as a router's controller would (commitBigCase); and
 * one of its links set down (linkDownBigCase).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchCase, Contender, RunContext } from '../lib/contender.js';
import { type ChangeKind, type CommitSpec, commitNamespace, countApplied, makeSpec, specBatch, startLines, writeSpec } from '../lib/commit-spec.js';
import { writeBatchFile } from '../lib/netns.js';
import { type BuiltState, routeLinesVia, settledCounts } from '../lib/state.js';
import { ipBatchBaseline, nldbContender, pythonAnchor } from './contenders.js';
import type { BenchEnv } from './env.js';

export const COMMIT_FULL: Record<ChangeKind, number> = { addresses: 5_000, routes: 10_000, veths: 200, 'routes-remove': 10_000 };

const WHAT: Record<ChangeKind, string> = {
  addresses: 'IPv4 /32 addresses added to one link',
  routes: 'IPv4 /32 routes added via one gateway',
  veths: 'veth pairs created',
  'routes-remove': 'IPv4 /32 routes (via one gateway) removed by destination',
};

export function commitCases(env: BenchEnv, fractions: readonly number[]): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const fraction of fractions) {
    for (const kind of Object.keys(COMMIT_FULL) as ChangeKind[]) {
      cases.push(commitCase(env, kind, Math.max(1, Math.round(COMMIT_FULL[kind] * fraction))));
    }
  }
  cases.push(commitBigCase(env, COMMIT_SMALL), linkDownBigCase(env));
  return cases;
}

/**
 * One link of the shared big namespace set down (va5: its 100 routes of 100,000 flushed by the
 * kernel, which the database infers); afterwards (untimed) the link is set up again, its routes
 * added back, and the namespace counted: it must be as built, or the run is reported as an error
 * (and the cases that read the namespace after it would report their counts as mismatched).
 */
function linkDownBigCase(env: BenchEnv): BenchCase {
  const id = 'commit-link-down-big';
  const dir = mkdtempSync(join(env.scratch, `${id}-`));
  const link = 5;
  const spec: CommitSpec = { kind: 'links-down', items: [{ ifname: `va${link}` }] };
  const specFile = writeSpec(spec, dir, 'spec');
  const batchFile = writeBatchFile(join(dir, 'spec.batch'), specBatch(spec));
  let built: BuiltState | null = null;
  return {
    id, group: 'commit', title: `one link set down in a database of the dump namespace (its ${Math.ceil(env.state.size.routes / env.state.size.pairs).toLocaleString('en-US')} routes of ${env.state.size.routes.toLocaleString('en-US')} flushed), one transaction`,
    workKey: 'commit', contenders: contendersFor(env, batchFile),
    params: { kind: 'links-down', changes: 1, vethPairs: env.state.size.pairs, routesAdded: env.state.size.routes },
    async setup() {
      built = await env.state.get();
    },
    expected: () => ({ changes: 1 }),
    async prepareRun(): Promise<RunContext> {
      if (built === null) throw new Error('the namespace is not built yet');
      return { ns: built.ns, dir, specFile };
    },
    async finishRun(_c, ctx): Promise<{ changes: number }> {
      try {
        return { changes: countApplied(ctx.ns, spec) };
      } finally {
        const restore = [`link set va${link} up`, ...routeLinesVia(env.state.size, link)];
        spawnSync('ip', ['-force', '-n', ctx.ns, '-batch', '-'], { input: `${restore.join('\n')}\n`, stdio: ['pipe', 'ignore', 'ignore'] });
        const now = await settledCounts(ctx.ns);
        if (JSON.stringify(now) !== JSON.stringify(built!.counts)) {
          throw new Error(`the namespace was not restored after a run: ${JSON.stringify(now)} instead of ${JSON.stringify(built!.counts)}`);
        }
      }
    },
    async teardown() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The routes of the small change to the big table. */
export const COMMIT_SMALL = 10;

/** Untimed commits of the same set a warm process has made before its timed one (bench/nldb/commit.ts). */
export const WARM_COMMITS = 2;

/**
 * The contenders of a case. `warm`: nldb a second time, as a long-running program that has
 * committed before (WARM_COMMITS untimed commits of the same set, each in a throwaway namespace of
 * its own, then the timed one in the run's namespace): its commit figure has no one-time costs of
 * a fresh process in it (V8 optimizing the code as it first runs, the heap's first growth). Its
 * process time includes the untimed commits, so its ratio column is not comparable.
 */
function contendersFor(env: BenchEnv, batchFile: string, warm = false): Contender[] {
  const spec = (ctx: RunContext) => [ctx.ns, ctx.specFile ?? ''];
  return [
    ipBatchBaseline(batchFile),
    pythonAnchor(env, { id: 'pyroute2-ipdb', label: 'pyroute2 IPDB', script: 'commit_ipdb.py', args: spec, slow: true }),
    pythonAnchor(env, { id: 'pyroute2-ndb', label: 'pyroute2 NDB', script: 'commit_ndb.py', args: spec, slow: true }),
    nldbContender(env, { id: 'nldb-ipdb', label: 'nldb IPDB transaction', script: 'commit.js', args: spec }),
    ...(warm
      ? [nldbContender(env, {
        id: 'nldb-ipdb-warm', label: `nldb, warm (${WARM_COMMITS} commits before)`, script: 'commit.js',
        args: (ctx) => [...spec(ctx), '--warm', String(WARM_COMMITS)],
      })]
      : []),
  ];
}

/**
 * `n` routes added in one transaction to the shared big namespace of "dump" and "ipdb-open"
 * (P veth pairs, 109,004 routes at full size), 198.18.x.y/32 via 10.0.0.2 dev va0 (va0 has
 * 10.0.0.1/24 there too). Every contender loads the whole state first (outside its commit
 * figure), so pyroute2's are slow anchors here as well. After each run the routes are deleted
 * again (untimed, also when the run failed), so every run, and the cases after this one, find the
 * namespace as it was built.
 */
function commitBigCase(env: BenchEnv, n: number): BenchCase {
  const id = `commit-routes-${n}-big`;
  const dir = mkdtempSync(join(env.scratch, `${id}-`));
  const spec: CommitSpec = makeSpec('routes', n, { routesTo: 'benchmarking' });
  const specFile = writeSpec(spec, dir, 'spec');
  const batchFile = writeBatchFile(join(dir, 'spec.batch'), specBatch(spec));
  const undo = specBatch(spec).map((line) => line.replace(/^route add /, 'route del '));
  let ns: string | null = null;
  return {
    id, group: 'commit', title: `${n.toLocaleString('en-US')} IPv4 /32 routes added to a database of the dump namespace (${env.state.size.routes.toLocaleString('en-US')} routes added there), one transaction`,
    workKey: 'commit', contenders: contendersFor(env, batchFile),
    params: { kind: 'routes', changes: n, vethPairs: env.state.size.pairs, routesAdded: env.state.size.routes },
    async setup() {
      ns = (await env.state.get()).ns;
    },
    expected: () => ({ changes: n }),
    async prepareRun(): Promise<RunContext> {
      if (ns === null) throw new Error('the namespace is not built yet');
      return { ns, dir, specFile };
    },
    async finishRun(_c, ctx): Promise<{ changes: number }> {
      try {
        return { changes: countApplied(ctx.ns, spec) };
      } finally {
        // -force: a run that failed may have added only some of them.
        spawnSync('ip', ['-force', '-n', ctx.ns, '-batch', '-'], { input: `${undo.join('\n')}\n`, stdio: ['pipe', 'ignore', 'ignore'] });
      }
    },
    async teardown() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function commitCase(env: BenchEnv, kind: ChangeKind, n: number): BenchCase {
  const id = `commit-${kind}-${n}`;
  const dir = mkdtempSync(join(env.scratch, `${id}-`));
  const spec: CommitSpec = makeSpec(kind, n);
  const specFile = writeSpec(spec, dir, 'spec');
  const batchFile = writeBatchFile(join(dir, 'spec.batch'), specBatch(spec));
  const start = startLines(spec);
  return {
    id, group: 'commit', title: `${n.toLocaleString('en-US')} ${WHAT[kind]}, one transaction`, workKey: 'commit', contenders: contendersFor(env, batchFile, true),
    params: { kind, changes: n },
    async setup() {},
    expected: () => ({ changes: n }),
    async prepareRun(): Promise<RunContext> {
      // (Untimed: with the routes a removal takes away.)
      return { ns: commitNamespace(env.pool, 'commit', start), dir, specFile };
    },
    async finishRun(_c, ctx): Promise<{ changes: number }> {
      try {
        return { changes: countApplied(ctx.ns, spec) };
      } finally {
        env.pool.delete(ctx.ns);
      }
    },
    async teardown() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
