/** The JSON results file (bench/results/latest.json by default) and the facts about the run in it. */
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, hostname, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import type { Options } from './cli.js';
import type { CaseResult } from './contender.js';

export interface ResultsFile {
  meta: {
    date: string;
    host: string;
    kernel: string;
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    versions: Record<string, string>;
    options: Options;
    nldbDist: string;
  };
  cases: CaseResult[];
}

export function machineMeta(versions: Record<string, string>, options: Options, nldbDist: string): ResultsFile['meta'] {
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    host: hostname(),
    kernel: release(),
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    versions,
    options,
    nldbDist,
  };
}

export function writeResults(file: string, results: ResultsFile): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
}

export function readResults(file: string): ResultsFile {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ResultsFile;
  } catch (err) {
    throw new Error(`cannot read results from ${file}: run the bench first`, { cause: err });
  }
}

/**
 * Whether dist/ is there and at least as new as src/: `npm run bench` builds first, but a failed
 * build leaves an old dist behind, and measuring stale code silently would be worse than failing.
 */
export function distStatus(root: string): string {
  const index = join(root, 'dist', 'index.js');
  let built: number;
  try {
    built = statSync(index).mtimeMs;
  } catch {
    return 'missing (dist/index.js not built)';
  }
  const newest = newestMtime(join(root, 'src'));
  return newest > built ? 'STALE (src/ changed after the last successful build)' : 'up to date';
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}
