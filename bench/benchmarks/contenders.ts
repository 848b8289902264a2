/**
 * Contender factories. Adding nldb's side of a benchmark is one call to nldbContender() with the
 * compiled script's name and its arguments.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Contender, RunContext } from '../lib/contender.js';
import { PYTHON } from '../lib/prereq.js';
import type { Counts } from '../lib/protocol.js';
import type { BenchEnv } from './env.js';

type Args = (ctx: RunContext) => string[];

/** A pyroute2 script in bench/anchors, run with Debian's python (see prereq.ts). */
export function pythonAnchor(env: BenchEnv, o: { id: string; label: string; script: string; args: Args; slow: boolean }): Contender {
  const script = join(env.paths.anchors, o.script);
  const c: Contender = {
    id: o.id, label: o.label, role: 'anchor', slow: o.slow,
    // No __pycache__ in the source tree; compiling the small anchor modules costs about a millisecond.
    command: (ctx) => ({ command: PYTHON, args: [script, ...o.args(ctx)], cwd: env.paths.anchors, env: { PYTHONDONTWRITEBYTECODE: '1' } }),
  };
  if (env.pyroute2Missing) c.unavailable = env.pyroute2Missing;
  return c;
}

/** A compiled script in build/bench/nldb (from bench/nldb/*.ts), run with this node. */
export function nldbContender(env: BenchEnv, o: { id: string; label: string; script: string; args: Args }): Contender {
  const script = join(env.paths.nldbScripts, o.script);
  const c: Contender = {
    id: o.id, label: o.label, role: 'nldb', slow: false,
    command: (ctx) => ({ command: process.execPath, args: [script, ...o.args(ctx)] }),
  };
  if (!existsSync(script)) c.unavailable = `${script} is missing: compile the bench (tsc -p tsconfig.bench.json)`;
  return c;
}

/**
 * The baseline of the read benchmarks: one `sh` running the three `ip -j` dumps one after the
 * other, each writing its JSON to a file (so output costs the same as for a real consumer, and
 * the harness can count it afterwards, untimed). The figure is the whole shell: three ip
 * processes plus the shell's start-up (about a millisecond).
 */
export function ipDumpBaseline(): Contender {
  const script = 'ip -n "$1" -j link show >"$2/links.json" && ip -n "$1" -j addr show >"$2/addrs.json" && ip -n "$1" -j route show table all >"$2/routes.json"';
  return {
    id: 'iproute2', label: 'ip -j link + addr + route (1 sh)', role: 'baseline', slow: false,
    command: (ctx) => ({ command: '/bin/sh', args: ['-c', script, 'sh', ctx.ns, ctx.dir] }),
    counts: (ctx) => countIpJsonFiles(ctx.dir),
  };
}

function countIpJsonFiles(dir: string): Counts {
  const read = (name: string): unknown[] => {
    const text = readFileSync(join(dir, name), 'utf8').trim();
    return text === '' ? [] : (JSON.parse(text) as unknown[]);
  };
  return {
    links: read('links.json').length,
    addresses: (read('addrs.json') as { addr_info?: unknown[] }[]).reduce((n, l) => n + (l.addr_info?.length ?? 0), 0),
    routes: read('routes.json').length,
  };
}

/** The baseline of the commit benchmark: `ip -n NS -batch FILE` with the same change set. */
export function ipBatchBaseline(batchFile: string): Contender {
  return {
    id: 'iproute2', label: 'ip -batch', role: 'baseline', slow: false,
    command: (ctx) => ({ command: 'ip', args: ['-n', ctx.ns, '-batch', batchFile] }),
  };
}
