/**
 * nldb's benchmark harness: nldb side by side with its anchors (iproute2, pyroute2 IPRoute, IPDB,
 * NDB) in the same run, each contender a separate process measured whole. See bench/README.md.
 *
 * Cleanup is the first thing set up: every namespace made here is deleted on normal exit, on an
 * exception, and on SIGINT/SIGTERM/SIGHUP (killing the contender that is running first).
 */
import { rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { commitCases } from './benchmarks/commit.js';
import { dumpCases } from './benchmarks/dump.js';
import type { BenchEnv } from './benchmarks/env.js';
import { ipdbOpenCases } from './benchmarks/ipdb-open.js';
import { storeCases } from './benchmarks/store.js';
import { installCleanup, makeScratch, sweepScratch } from './lib/cleanup.js';
import { type Options, USAGE, parseOptions } from './lib/cli.js';
import type { BenchCase, CaseResult } from './lib/contender.js';
import { killGroup } from './lib/measure.js';
import { NetnsPool, sweepOrphans } from './lib/netns.js';
import { benchPaths } from './lib/paths.js';
import { checkTools } from './lib/prereq.js';
import { markdownReport, mismatchLines, textReport } from './lib/report.js';
import { distStatus, machineMeta, readResults, writeResults } from './lib/results.js';
import { runCase } from './lib/runner.js';
import { SharedState } from './lib/state.js';

const FULL_STATE = { pairs: 1_000, routes: 100_000 };

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const paths = benchPaths();
  const out = options.out ?? join(paths.results, 'latest.json');
  if (options.markdown) {
    const results = readResults(out);
    const m = results.meta;
    const runs = `${m.options.runs} runs per contender, ${m.options.slowRuns} for IPDB/NDB, sizes: ${m.options.size}`;
    process.stdout.write(markdownReport(results.cases, { date: m.date.slice(0, 10), machine: `Linux ${m.kernel}, ${m.cpus} CPUs (${m.cpuModel})`, runs }) + '\n');
    return 0;
  }

  const log = (line: string) => process.stdout.write(`${line}\n`);
  const tools = checkTools({ install: options.install, log });
  const orphans = [...sweepOrphans(), ...sweepScratch()];
  if (orphans.length) log(`bench: removed what a killed run left: ${orphans.join(', ')}`);

  const scratch = makeScratch();
  const pool = new NetnsPool(scratch);
  const running = { pid: null as number | null };
  installCleanup(() => {
    killGroup(running.pid ?? undefined);
    pool.deleteAllSync();
    rmSync(scratch, { recursive: true, force: true });
  });

  const dist = distStatus(paths.root);
  if (dist !== 'up to date') log(`bench: WARNING: nldb's dist/ is ${dist}; the nldb contenders measure that build`);
  const tenth = options.size === 'tenth';
  const state = new SharedState(pool, tenth ? { pairs: FULL_STATE.pairs / 10, routes: FULL_STATE.routes / 10 } : FULL_STATE, log);
  const env: BenchEnv = { paths, pool, scratch, pyroute2Missing: tools.pyroute2Missing, state };
  log(`bench: ${options.only.join(', ')}; ${options.runs} runs (${options.slowRuns} for slow anchors), sizes: ${options.size}, timeout ${options.timeoutS} s`);

  const results: CaseResult[] = [];
  const runner = {
    runs: options.runs, slowRuns: options.slowRuns, warmup: options.warmup, timeoutMs: options.timeoutS * 1000,
    skipSlow: options.skipSlow, gnuTime: tools.gnuTime, scratch, cpus: cpus().length, quietMaxMs: options.quietMaxS * 1000,
    log, onChild: (pid: number | null) => { running.pid = pid; },
  };
  try {
    for (const name of options.only) {
      for (const bc of casesOf(name, env, options)) {
        if (options.cases.length > 0 && !options.cases.includes(bc.id)) {
          await bc.teardown();
          continue;
        }
        results.push(await runCase(bc, runner));
      }
      // The big namespace serves every benchmark (commit: its small change to a big table).
      if (options.only.indexOf(name) === options.only.length - 1) await state.release();
    }
  } finally {
    await state.release();
  }

  log(textReport(results));
  writeResults(out, { meta: machineMeta(tools.versions, options, dist), cases: results });
  log(`\nresults: ${out}\nmarkdown for README.md: npm run bench -- --markdown${options.out ? ` --out ${options.out}` : ''}`);
  if (mismatchLines(results).length) log('(count mismatches are listed above: check them before quoting a figure)');
  return results.some((r) => r.error) ? 1 : 0;
}

function casesOf(name: Options['only'][number], env: BenchEnv, options: Options): BenchCase[] {
  switch (name) {
    case 'dump':
      return dumpCases(env);
    case 'ipdb-open':
      return ipdbOpenCases(env);
    case 'commit':
      return commitCases(env, options.size === 'tenth' ? [0.1] : [1, 0.1]);
    case 'store':
      return storeCases(env, options.size === 'tenth');
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
