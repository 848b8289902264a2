/**
 * Where things are. The harness runs compiled, from build/bench/ (see tsconfig.bench.json), while
 * the python anchors and the results stay in the source tree: every path is derived from this
 * file's own location so the bench works from any current directory.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchPaths {
  /** The repository root (the directory holding package.json). */
  root: string;
  /** bench/anchors: the pyroute2 scripts, run in place. */
  anchors: string;
  /** build/bench/nldb: the compiled nldb contender scripts. */
  nldbScripts: string;
  /** bench/results: latest.json goes here (gitignored). */
  results: string;
  /** dist/index.js: the built library the nldb contenders import. */
  distIndex: string;
}

export function benchPaths(): BenchPaths {
  // This file compiles to build/bench/lib/paths.js: three levels below the root.
  const here = dirname(fileURLToPath(import.meta.url));
  const root = resolve(here, '..', '..', '..');
  if (!existsSync(join(root, 'package.json'))) {
    throw new Error(`bench: cannot find the repository root from ${here}; run the compiled harness (npm run bench)`);
  }
  return {
    root,
    anchors: join(root, 'bench', 'anchors'),
    nldbScripts: resolve(here, '..', 'nldb'),
    results: join(root, 'bench', 'results'),
    distIndex: join(root, 'dist', 'index.js'),
  };
}
