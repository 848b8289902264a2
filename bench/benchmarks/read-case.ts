/**
 * The shape shared by the two read benchmarks ("dump", "ipdb-open"): the big namespace built
 * once, each run in a scratch directory of its own, and each run's counts (from the contender's
 * COUNTS line or, for ip, its JSON files) checked against the kernel's as `ip -j` showed them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchCase, Contender, RunContext } from '../lib/contender.js';
import type { Measurement } from '../lib/measure.js';
import { type Counts, parseTagged } from '../lib/protocol.js';
import type { BuiltState } from '../lib/state.js';
import type { BenchEnv } from './env.js';

export function readCase(env: BenchEnv, o: { id: string; title: string; workKey: string; contenders: Contender[] }): BenchCase {
  let state: BuiltState | null = null;
  const built = (): BuiltState => {
    if (!state) throw new Error('the namespace is not built yet');
    return state;
  };
  return {
    id: o.id, group: o.id, title: o.title, workKey: o.workKey, contenders: o.contenders,
    params: { vethPairs: env.state.size.pairs, routesAdded: env.state.size.routes },
    async setup() {
      state = await env.state.get();
    },
    expected: () => built().counts,
    async prepareRun(): Promise<RunContext> {
      return { ns: built().ns, dir: mkdtempSync(join(env.scratch, `${o.id}-`)) };
    },
    async finishRun(c: Contender, ctx: RunContext, m: Measurement | null): Promise<Counts | null> {
      try {
        if (!m) return null;
        return c.counts ? c.counts(ctx, m) : parseTagged(m.stdout, 'COUNTS');
      } finally {
        rmSync(ctx.dir, { recursive: true, force: true });
      }
    },
    // The shared namespace outlives the case: run.ts releases it.
    async teardown() {},
  };
}
