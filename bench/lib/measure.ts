/**
 * Runs one contender as a process of its own and measures it whole: wall time from spawn to exit
 * (start-up, imports and shutdown included, as a user running it would see), peak resident
 * memory, CPU time, and the contender's stdout (counts, in-process timings).
 *
 * Peak memory comes from GNU time (/usr/bin/time, Debian package `time`), which runs the command
 * and collects its rusage with wait4(): ru_maxrss is the kernel's high-water mark of resident
 * memory (the same figure as VmHWM in /proc/PID/status), taken at exit, so no sampling can miss a
 * short peak. For a process tree it is the largest single process among the command and the
 * descendants it waited for (not their sum): for `sh -c 'ip ...; ip ...'` that is the largest
 * `ip`; a threaded python process counts once. Wall time is measured here with hrtime rather than
 * taken from time's %e, which only has 10 ms resolution; wrapping adds about a millisecond.
 * Without GNU time the command runs directly and memory is reported as unknown.
 *
 * Every command runs in a process group of its own so a timeout can kill the whole tree (pyroute2
 * starts threads and helper processes) with one signal to the group.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface ProcessSpec {
  command: string;
  args: string[];
  /** A file fed to the process's stdin (nothing otherwise). */
  stdinFile?: string;
  cwd?: string;
  /** Added to the harness's environment. */
  env?: Record<string, string>;
}

export interface Measurement {
  wallMs: number;
  /** Peak RSS in KiB, or null when GNU time is not available. */
  maxRssKb: number | null;
  userS: number | null;
  sysS: number | null;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

export interface MeasureOptions {
  timeoutMs: number;
  /** Path of GNU time, or null to run commands unwrapped. */
  gnuTime: string | null;
  /** A scratch directory for time's report file. */
  scratch: string;
  /** Called with the child's pid while it runs, and null when it has ended (for signal cleanup). */
  onChild?: (pid: number | null) => void;
}

/** Bounded capture: a runaway contender must not fill the harness's memory. */
const OUTPUT_LIMIT = 1 << 20;

const TIME_MARK = 'NLDB_BENCH_TIME';

export async function measureProcess(spec: ProcessSpec, opts: MeasureOptions): Promise<Measurement> {
  const reportFile = join(opts.scratch, `time-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`);
  const [command, args] = opts.gnuTime
    ? [opts.gnuTime, ['-o', reportFile, '-f', `${TIME_MARK} %M %U %S`, '--', spec.command, ...spec.args]]
    : [spec.command, spec.args];
  const stdinFd = spec.stdinFile ? openSync(spec.stdinFile, 'r') : null;
  try {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, {
      cwd: spec.cwd,
      env: spec.env ? { ...process.env, ...spec.env } : process.env,
      detached: true, // own process group: see the header
      stdio: [stdinFd ?? 'ignore', 'pipe', 'pipe'],
    });
    const out = collect(child.stdout);
    const err = collect(child.stderr);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, opts.timeoutMs);
    if (child.pid !== undefined) opts.onChild?.(child.pid);
    const { code, signal, endedAt } = await new Promise<{ code: number | null; signal: string | null; endedAt: bigint }>(
      (resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (c, s) => resolve({ code: c, signal: s, endedAt: process.hrtime.bigint() }));
      },
    ).finally(() => {
      clearTimeout(timer);
      opts.onChild?.(null);
    });
    // Helpers the contender left behind would otherwise keep the pipes open (and run on).
    killGroup(child.pid);
    const [stdout, stderr] = await Promise.all([out, err]);
    const usage = opts.gnuTime ? readTimeReport(reportFile) : null;
    return {
      wallMs: Number(endedAt - started) / 1e6,
      maxRssKb: usage?.maxRssKb ?? null,
      userS: usage?.userS ?? null,
      sysS: usage?.sysS ?? null,
      // GNU time exits with its child's status; a signal shows up in its report instead.
      exitCode: code,
      signal: signal ?? usage?.signal ?? null,
      timedOut,
      stdout,
      stderr,
    };
  } finally {
    if (stdinFd !== null) closeSync(stdinFd);
    rmSync(reportFile, { force: true });
  }
}

/** Kills a process group, ignoring one that is already gone. */
export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group has already exited, which is the normal case.
  }
}

function collect(stream: NodeJS.ReadableStream | null): Promise<string> {
  return new Promise((resolve) => {
    if (!stream) return resolve('');
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      if (size < OUTPUT_LIMIT) chunks.push(chunk);
      size += chunk.length;
    });
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

interface TimeReport {
  maxRssKb: number;
  userS: number;
  sysS: number;
  signal: string | null;
}

function readTimeReport(file: string): TimeReport | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null; // time itself was killed (timeout) before writing its report
  }
  const line = text.split('\n').find((l) => l.startsWith(TIME_MARK));
  if (!line) return null;
  const [, rss, user, sys] = line.trim().split(/\s+/);
  const signal = /Command terminated by signal (\d+)/.exec(text)?.[1];
  return {
    maxRssKb: Number(rss),
    userS: Number(user),
    sysS: Number(sys),
    signal: signal ? `signal ${signal}` : null,
  };
}
