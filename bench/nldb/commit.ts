/**
 * nldb contender of the "commit" benchmark: one IPDB transaction applying a change set.
 * usage: node build/bench/nldb/commit.js NETNS SPEC.json
 * The spec is the file the harness wrote (bench/lib/commit-spec.ts): the same changes every other
 * contender makes.
 */
import { readFileSync } from 'node:fs';
import type { CommitSpec } from '../lib/commit-spec.js';
import { emitCounts, emitWork, loadNldb, since } from './api.js';

/**
 * PLACEHOLDER until the transaction API exists: draft every change of the spec in `tx`, for
 * example `tx.interfaces.get(spec.ifname).addresses.add(...)`, `tx.routes.add(...)`,
 * `tx.interfaces.add({ kind: 'veth', ... })`. Keep it to drafting: the commit is timed around
 * db.transaction() as a whole.
 */
async function applySpec(tx: unknown, spec: CommitSpec): Promise<void> {
  void tx;
  throw new Error(`nldb transaction API not wired into the bench yet: write applySpec() in bench/nldb/commit.ts (${spec.kind})`);
}

async function main(ns: string, specFile: string): Promise<void> {
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as CommitSpec;
  const t0 = performance.now();
  const nldb = await loadNldb();
  const db = await nldb.IPDB.open({ netns: ns });
  const t1 = performance.now();
  await db.transaction((tx) => applySpec(tx, spec));
  const t2 = performance.now();
  emitCounts({ changes: spec.items.length });
  await db.close();
  emitWork({ open: (t1 - t0) / 1000, commit: (t2 - t1) / 1000, close: since(t2) });
}

const [ns, specFile] = process.argv.slice(2);
if (!ns || !specFile) {
  process.stderr.write('usage: commit.js NETNS SPEC.json\n');
  process.exit(2);
}
await main(ns, specFile);
