/**
 * Waits until the machine is quiet before a measured run. Deleting a namespace returns at once,
 * but the kernel then dismantles it in a workqueue: about 1.5 s of system CPU for 2,000 veths
 * and 100,000 routes, which would land on whichever contender runs next. We sample /proc/stat
 * and wait (up to a limit) until the busy share of all CPUs over a short window is below a
 * threshold. The machine may be shared: after the limit we go on, and say how busy it was.
 */
import { readFileSync } from 'node:fs';

export interface QuietResult {
  waitedMs: number;
  /** Busy CPUs (1.0 = one core fully busy) in the last window. */
  busyCpus: number;
  quiet: boolean;
}

interface CpuSample {
  busy: number;
  total: number;
}

function sample(): CpuSample {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal ...
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitForQuiet(opts: { maxMs: number; windowMs?: number; maxBusyCpus?: number; cpus: number }): Promise<QuietResult> {
  const windowMs = opts.windowMs ?? 250;
  const maxBusy = opts.maxBusyCpus ?? 0.3;
  const started = Date.now();
  let busyCpus = 0;
  for (;;) {
    const a = sample();
    await sleep(windowMs);
    const b = sample();
    const dt = b.total - a.total;
    busyCpus = dt > 0 ? ((b.busy - a.busy) / dt) * opts.cpus : 0;
    const waitedMs = Date.now() - started;
    if (busyCpus <= maxBusy) return { waitedMs, busyCpus, quiet: true };
    if (waitedMs >= opts.maxMs) return { waitedMs, busyCpus, quiet: false };
  }
}
