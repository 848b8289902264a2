/**
 * "commit" (issue 4): one transaction making many changes, each run on a fresh namespace (lo and
 * one veth pair, see commit-spec.ts), checked afterwards against the kernel with `ip -j`: every
 * change of the set must be there. Sizes: 5,000 addresses on one link, 10,000 routes, 200 veth
 * pairs, and each at a tenth.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchCase, Contender, RunContext } from '../lib/contender.js';
import { type ChangeKind, type CommitSpec, commitNamespace, countApplied, makeSpec, specBatch, writeSpec } from '../lib/commit-spec.js';
import { writeBatchFile } from '../lib/netns.js';
import { ipBatchBaseline, nldbContender, pythonAnchor } from './contenders.js';
import type { BenchEnv } from './env.js';

export const COMMIT_FULL: Record<ChangeKind, number> = { addresses: 5_000, routes: 10_000, veths: 200 };

const WHAT: Record<ChangeKind, string> = {
  addresses: 'IPv4 /32 addresses added to one link',
  routes: 'IPv4 /32 routes added via one gateway',
  veths: 'veth pairs created',
};

export function commitCases(env: BenchEnv, fractions: readonly number[]): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const fraction of fractions) {
    for (const kind of Object.keys(COMMIT_FULL) as ChangeKind[]) {
      cases.push(commitCase(env, kind, Math.max(1, Math.round(COMMIT_FULL[kind] * fraction))));
    }
  }
  return cases;
}

function commitCase(env: BenchEnv, kind: ChangeKind, n: number): BenchCase {
  const id = `commit-${kind}-${n}`;
  const dir = mkdtempSync(join(env.scratch, `${id}-`));
  const spec: CommitSpec = makeSpec(kind, n);
  const specFile = writeSpec(spec, dir, 'spec');
  const batchFile = writeBatchFile(join(dir, 'spec.batch'), specBatch(spec));
  const contenders: Contender[] = [
    ipBatchBaseline(batchFile),
    pythonAnchor(env, { id: 'pyroute2-ipdb', label: 'pyroute2 IPDB', script: 'commit_ipdb.py', args: (ctx) => [ctx.ns, ctx.specFile ?? ''], slow: true }),
    pythonAnchor(env, { id: 'pyroute2-ndb', label: 'pyroute2 NDB', script: 'commit_ndb.py', args: (ctx) => [ctx.ns, ctx.specFile ?? ''], slow: true }),
    nldbContender(env, { id: 'nldb-ipdb', label: 'nldb IPDB transaction', script: 'commit.js', args: (ctx) => [ctx.ns, ctx.specFile ?? ''] }),
  ];
  return {
    id, group: 'commit', title: `${n.toLocaleString('en-US')} ${WHAT[kind]}, one transaction`, workKey: 'commit', contenders,
    params: { kind, changes: n },
    async setup() {},
    expected: () => ({ changes: n }),
    async prepareRun(): Promise<RunContext> {
      return { ns: commitNamespace(env.pool, 'commit'), dir, specFile };
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
