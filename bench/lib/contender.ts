/**
 * The shapes a benchmark is made of. A case (one workload at one size) has contenders (iproute2,
 * the pyroute2 anchors, nldb), each a command run as a separate process per measured run.
 * The case owns the namespaces: it builds the state in setup() or per run in prepareRun(), and
 * says what counts each run must show.
 */
import type { Measurement, ProcessSpec } from './measure.js';
import type { Counts } from './protocol.js';
import type { Summary } from './stats.js';

/** baseline: the figure ratios are taken against (iproute2); anchor: the peers nldb replaces. */
export type Role = 'baseline' | 'anchor' | 'nldb';

/** Everything a contender's command line may need for one run. */
export interface RunContext {
  ns: string;
  /** A scratch directory of this run (removed with the harness's scratch directory). */
  dir: string;
  /** The change set file of a commit run. */
  specFile?: string;
}

export interface Contender {
  id: string;
  label: string;
  role: Role;
  /** Slow anchors (IPDB, NDB) get fewer runs, no warm-up, and can be skipped (--skip-slow). */
  slow: boolean;
  /** Set when the contender cannot run on this machine at all (e.g. pyroute2 missing). */
  unavailable?: string;
  command(ctx: RunContext): ProcessSpec;
  /** The counts this run saw. Default: the contender's COUNTS line. */
  counts?(ctx: RunContext, m: Measurement): Counts | null;
}

export interface BenchCase {
  id: string;
  /** The benchmark it belongs to ("dump", "ipdb-open", "commit"): what --only selects. */
  group: string;
  title: string;
  params: Record<string, number | string>;
  /** The key of the contenders' WORK line shown as the in-process figure ("dump", "commit"). */
  workKey: string;
  contenders: Contender[];
  setup(): Promise<void>;
  /** The counts every run must show; known after setup(). */
  expected(): Counts;
  prepareRun(c: Contender): Promise<RunContext>;
  /**
   * The counts to check for this run (what the contender reported, or what the kernel shows after
   * a commit), and the run's own cleanup. Called after failed runs too.
   */
  finishRun(c: Contender, ctx: RunContext, m: Measurement | null): Promise<Counts | null>;
  teardown(): Promise<void>;
}

export interface RunRecord {
  wallMs: number;
  maxRssKb: number | null;
  userS: number | null;
  sysS: number | null;
  work: Record<string, number> | null;
  counts: Counts | null;
  /** How busy the machine was (in CPUs) just before the run, after waiting for quiet. */
  busyBefore: number;
}

export type Status = 'ok' | 'error' | 'timeout' | 'skipped' | 'unavailable';

export interface ContenderResult {
  id: string;
  label: string;
  role: Role;
  status: Status;
  /** Why it is not ok (error text, timeout limit, skip reason). */
  note: string | null;
  runs: RunRecord[];
  wallMs: Summary | null;
  maxRssKb: Summary | null;
  /** The in-process figure named by the case's workKey, in seconds. */
  workS: Summary | null;
  /** Median wall time over the baseline's median wall time. */
  ratio: number | null;
  countsMismatch: string[];
}

export interface CaseResult {
  id: string;
  group: string;
  title: string;
  params: Record<string, number | string>;
  workKey: string;
  expected: Counts | null;
  setupMs: number;
  contenders: ContenderResult[];
  /** Set when the case could not be set up at all. */
  error: string | null;
}
