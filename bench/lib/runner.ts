/**
 * Runs one case: every contender several times, interleaved (run 1 of each, then run 2 of
 * each, ...) so that drift on a shared machine spreads over all of them instead of landing on
 * one. Before each run the machine must be quiet (see quiet.ts). A contender that fails or
 * times out is reported as such and not run again; the others carry on.
 */
import type { BenchCase, CaseResult, Contender, ContenderResult, RunContext, RunRecord, Status } from './contender.js';
import { type Measurement, measureProcess } from './measure.js';
import { countDifferences, parseTagged } from './protocol.js';
import { waitForQuiet } from './quiet.js';
import { summarize } from './stats.js';

export interface RunnerOptions {
  runs: number;
  slowRuns: number;
  /** Unrecorded runs before the measured ones (fast contenders only). */
  warmup: number;
  timeoutMs: number;
  skipSlow: boolean;
  gnuTime: string | null;
  scratch: string;
  cpus: number;
  quietMaxMs: number;
  log: (line: string) => void;
  onChild: (pid: number | null) => void;
}

interface Progress {
  c: Contender;
  status: Status;
  note: string | null;
  runs: RunRecord[];
  mismatch: string[];
  planned: number;
  warmups: number;
}

export async function runCase(bc: BenchCase, opts: RunnerOptions): Promise<CaseResult> {
  const started = Date.now();
  const result: CaseResult = {
    id: bc.id, group: bc.group, title: bc.title, params: bc.params, workKey: bc.workKey,
    expected: null, setupMs: 0, contenders: [], error: null,
  };
  try {
    opts.log(`\n== ${bc.id}: ${bc.title}`);
    await bc.setup();
    result.setupMs = Date.now() - started;
    result.expected = bc.expected();
    const progress = bc.contenders.map((c) => initialProgress(c, opts));
    const rounds = Math.max(...progress.map((p) => p.warmups + p.planned), 0);
    for (let round = 0; round < rounds; round++) {
      for (const p of progress) {
        if (p.status !== 'ok' || round >= p.warmups + p.planned) continue;
        await oneRun(bc, p, round < p.warmups, round - p.warmups + 1, opts);
      }
    }
    result.contenders = progress.map((p) => finalise(p, bc.workKey));
    addRatios(result.contenders);
  } catch (err) {
    result.error = errorText(err);
    opts.log(`   case failed: ${result.error}`);
  } finally {
    await bc.teardown();
  }
  return result;
}

function initialProgress(c: Contender, opts: RunnerOptions): Progress {
  const p: Progress = { c, status: 'ok', note: null, runs: [], mismatch: [], planned: c.slow ? opts.slowRuns : opts.runs, warmups: c.slow ? 0 : opts.warmup };
  if (c.unavailable) Object.assign(p, { status: 'unavailable', note: c.unavailable });
  else if (c.slow && opts.skipSlow) Object.assign(p, { status: 'skipped', note: 'slow anchor skipped (--skip-slow)' });
  return p;
}

async function oneRun(bc: BenchCase, p: Progress, warmup: boolean, index: number, opts: RunnerOptions): Promise<void> {
  const label = warmup ? 'warm-up' : `run ${index}/${p.planned}`;
  let measurement: Measurement | null = null;
  let ctx: RunContext;
  try {
    ctx = await bc.prepareRun(p.c);
  } catch (err) {
    p.status = 'error';
    p.note = `run set-up failed: ${errorText(err)}`;
    opts.log(`   ${p.c.label.padEnd(34)} ${label}: ${p.note}`);
    return;
  }
  try {
    const quiet = await waitForQuiet({ maxMs: opts.quietMaxMs, cpus: opts.cpus });
    measurement = await measureProcess(p.c.command(ctx), {
      timeoutMs: opts.timeoutMs, gnuTime: opts.gnuTime, scratch: opts.scratch, onChild: opts.onChild,
    });
    const failure = failureOf(measurement, opts.timeoutMs);
    const counts = await bc.finishRun(p.c, ctx, measurement);
    if (failure) {
      p.status = failure.status;
      p.note = failure.note;
      opts.log(`   ${p.c.label.padEnd(34)} ${label}: ${failure.status}: ${failure.note}`);
      return;
    }
    const diffs = counts ? countDifferences(bc.expected(), counts) : ['no counts reported'];
    if (diffs.length > 0 && p.mismatch.length === 0) p.mismatch = diffs;
    const work = parseTagged(measurement.stdout, 'WORK');
    const rss = measurement.maxRssKb === null ? '' : `  ${(measurement.maxRssKb / 1024).toFixed(1)} MB`;
    opts.log(`   ${p.c.label.padEnd(34)} ${label}: ${(measurement.wallMs / 1000).toFixed(3)} s${rss}${diffs.length ? `  COUNT MISMATCH: ${diffs.join('; ')}` : ''}`);
    if (!warmup) {
      p.runs.push({
        wallMs: measurement.wallMs, maxRssKb: measurement.maxRssKb, userS: measurement.userS, sysS: measurement.sysS,
        work, counts, busyBefore: Math.round(quiet.busyCpus * 100) / 100,
      });
    }
  } catch (err) {
    p.status = 'error';
    p.note = errorText(err);
    opts.log(`   ${p.c.label.padEnd(34)} ${label}: error: ${p.note}`);
    if (measurement === null) await bc.finishRun(p.c, ctx, null).catch(() => undefined);
  }
}

function failureOf(m: Measurement, timeoutMs: number): { status: Status; note: string } | null {
  if (m.timedOut) return { status: 'timeout', note: `killed after ${Math.round(timeoutMs / 1000)} s` };
  if (m.exitCode === 0 && m.signal === null) return null;
  const why = m.signal ? `killed by ${m.signal}` : `exit ${m.exitCode}`;
  return { status: 'error', note: `${why}: ${lastLine(m.stderr) || lastLine(m.stdout) || 'no output'}` };
}

/**
 * The most telling line of a failed process's output: the last one that names an error (node
 * ends a crash with its version line, python with the exception), else the last non-empty one.
 */
function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const line = lines.filter((l) => /error|exception|traceback/i.test(l) && !l.startsWith('at ')).pop() ?? lines.pop() ?? '';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

function finalise(p: Progress, workKey: string): ContenderResult {
  const work = p.runs.map((r) => r.work?.[workKey]).filter((v): v is number => typeof v === 'number');
  const rss = p.runs.map((r) => r.maxRssKb).filter((v): v is number => v !== null);
  // A contender that failed after some good runs keeps them, but is reported by its failure.
  return {
    id: p.c.id, label: p.c.label, role: p.c.role, status: p.status, note: p.note, runs: p.runs,
    wallMs: summarize(p.runs.map((r) => r.wallMs)), maxRssKb: summarize(rss), workS: summarize(work),
    ratio: null, countsMismatch: p.mismatch,
  };
}

function addRatios(results: ContenderResult[]): void {
  const base = results.find((r) => r.role === 'baseline' && r.status === 'ok' && r.wallMs);
  if (!base?.wallMs) return;
  for (const r of results) {
    if (r.status === 'ok' && r.wallMs) r.ratio = r.wallMs.median / base.wallMs.median;
  }
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.cause instanceof Error ? `${err.message} (${err.cause.message})` : err.message;
  return String(err);
}
