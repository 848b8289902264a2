/** What every benchmark definition gets from run.ts. */
import type { BenchPaths } from '../lib/paths.js';
import type { NetnsPool } from '../lib/netns.js';
import type { SharedState } from '../lib/state.js';

export interface BenchEnv {
  paths: BenchPaths;
  pool: NetnsPool;
  /** The harness's scratch directory (removed at exit). */
  scratch: string;
  /** Why the pyroute2 anchors cannot run here, or null. */
  pyroute2Missing: string | null;
  /** The big namespace of "dump" and "ipdb-open". */
  state: SharedState;
}
