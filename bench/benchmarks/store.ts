/**
 * "store" (issue 5): what recording into a store costs.
 * - store-open: IPDB.open() on the big namespace of "ipdb-open", without a store and with one
 *   (a fresh file per run, in the run's scratch directory): the store writes the loaded state as
 *   its baseline; the process closes as soon as the baseline is in the file (WORK stored). Target:
 *   with a store at most 1.3x the time without. A third contender also waits for the
 *   current-state SQL tables, which the store fills from the baseline in the background (WORK
 *   filled), before it closes.
 * - store-storm: a fresh namespace per run (lo, a veth pair, 10.0.0.1/24), an open IPDB while
 *   `ip -batch` adds N /32 routes; timed from ip's exit until the database has them all and, with
 *   a store, the store has committed every change; the file's size afterwards (WORK fileMB).
 *   `ip -batch` alone is the baseline. Counts: the routes, checked against the kernel's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchCase, Contender, RunContext } from '../lib/contender.js';
import type { Measurement } from '../lib/measure.js';
import { ipJson, writeBatchFile } from '../lib/netns.js';
import { type Counts, parseTagged } from '../lib/protocol.js';
import { ipDumpBaseline, nldbContender } from './contenders.js';
import type { BenchEnv } from './env.js';
import { n } from './format.js';
import { readCase } from './read-case.js';

export const STORM_FULL = 100_000;

const storeFile = (ctx: RunContext) => join(ctx.dir, 'store.sqlite');

export function storeCases(env: BenchEnv, tenth: boolean): BenchCase[] {
  const { pairs, routes } = env.state.size;
  return [
    { ...readCase(env, {
      id: 'store-open',
      title: `IPDB.open() without and with a store (${n(pairs)} veth pairs, ${n(routes)} routes added)`,
      workKey: 'load',
      contenders: [
        ipDumpBaseline(),
        nldbContender(env, { id: 'nldb-ipdb', label: 'nldb IPDB, no store', script: 'store-open.js', args: (ctx) => [ctx.ns] }),
        nldbContender(env, { id: 'nldb-ipdb-store', label: 'nldb IPDB + store', script: 'store-open.js', args: (ctx) => [ctx.ns, storeFile(ctx)] }),
        nldbContender(env, {
          id: 'nldb-ipdb-store-filled', label: 'nldb IPDB + store, SQL tables filled', script: 'store-open.js', args: (ctx) => [ctx.ns, storeFile(ctx), '--filled'],
        }),
      ],
    }), group: 'store' },
    stormCase(env, tenth ? STORM_FULL / 10 : STORM_FULL),
  ];
}

const dstOf = (i: number) => `10.${128 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`;

interface IpRoute { gateway?: string }

function stormCase(env: BenchEnv, routes: number): BenchCase {
  const id = `store-storm-${routes}`;
  const dir = mkdtempSync(join(env.scratch, `${id}-`));
  const batchFile = writeBatchFile(join(dir, 'storm.batch'), Array.from({ length: routes }, (_, i) => `route add ${dstOf(i)} via 10.0.0.2`));
  const contenders: Contender[] = [
    {
      id: 'iproute2', label: 'ip -batch (the storm alone)', role: 'baseline', slow: false,
      command: (ctx) => ({ command: 'ip', args: ['-n', ctx.ns, '-batch', batchFile] }),
    },
    nldbContender(env, { id: 'nldb-ipdb', label: 'nldb IPDB during it, no store', script: 'store-storm.js', args: (ctx) => [ctx.ns, String(routes)] }),
    nldbContender(env, { id: 'nldb-ipdb-store', label: 'nldb IPDB + store during it', script: 'store-storm.js', args: (ctx) => [ctx.ns, String(routes), storeFile(ctx)] }),
  ];
  return {
    id, group: 'store', title: `${n(routes)} routes added by ip -batch while IPDB records (recorded: from ip's exit until all are in)`,
    workKey: 'recorded', contenders, params: { routes },
    async setup() {},
    expected: () => ({ routes }),
    async prepareRun(): Promise<RunContext> {
      const ns = env.pool.create('storm');
      env.pool.batch(ns, ['link add va type veth peer name vb', 'link set va up', 'link set vb up', 'addr add 10.0.0.1/24 dev va'], 'storm-base');
      return { ns, dir: mkdtempSync(join(dir, 'run-')) };
    },
    async finishRun(c: Contender, ctx: RunContext, m: Measurement | null): Promise<Counts | null> {
      try {
        if (!m) return null;
        if (c.role !== 'baseline') return parseTagged(m.stdout, 'COUNTS');
        return { routes: ipJson<IpRoute>(ctx.ns, '-4', 'route', 'show').filter((r) => r.gateway === '10.0.0.2').length };
      } finally {
        env.pool.delete(ctx.ns);
        rmSync(ctx.dir, { recursive: true, force: true });
      }
    },
    async teardown() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
