/** The bench's command line: `npm run bench -- [options]`. */
import { parseArgs } from 'node:util';

export const BENCHMARKS = ['dump', 'ipdb-open', 'commit', 'store'] as const;
export type BenchmarkName = (typeof BENCHMARKS)[number];

export interface Options {
  only: BenchmarkName[];
  /** Case ids to run (of the benchmarks chosen); empty: all of them. */
  cases: string[];
  runs: number;
  slowRuns: number;
  warmup: number;
  /** 'full': 1,000 veth pairs + 100,000 routes, commit sets at full size and a tenth; 'tenth': a tenth only. */
  size: 'full' | 'tenth';
  skipSlow: boolean;
  timeoutS: number;
  quietMaxS: number;
  install: boolean;
  out: string | null;
  markdown: boolean;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [options]

  --only NAME       run only this benchmark (repeatable or comma-separated): ${BENCHMARKS.join(', ')}
  --case ID         run only this case of them (repeatable or comma-separated), e.g.
                    commit-routes-10-big; the ids are the ones the report prints
  --runs N          measured runs per contender (default 5; 3 with --quick)
  --slow-runs N     runs of the slow anchors, pyroute2 IPDB and NDB (default 3; 1 with --quick)
  --warmup N        unrecorded runs first, fast contenders only (default 1)
  --quick           a tenth of the sizes (100 veth pairs, 10,000 routes; commit sets at a tenth),
                    fewer runs, slow anchors once
  --size full|tenth choose the sizes independently of --quick
  --skip-slow       leave out the slow anchors (pyroute2 IPDB and NDB)
  --timeout S       kill a contender run after S seconds and report a timeout (default 300)
  --quiet-max S     wait up to S seconds for an idle machine before each run (default 3)
  --no-install      never apt-get install missing tools (GNU time, python3-pyroute2)
  --out FILE        where to write the JSON results (default bench/results/latest.json)
  --markdown        print the last results (--out FILE) as markdown tables and exit, running nothing
  --help            this text
`;

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string', multiple: true },
      case: { type: 'string', multiple: true },
      runs: { type: 'string' },
      'slow-runs': { type: 'string' },
      warmup: { type: 'string' },
      quick: { type: 'boolean' },
      size: { type: 'string' },
      'skip-slow': { type: 'boolean' },
      timeout: { type: 'string' },
      'quiet-max': { type: 'string' },
      'no-install': { type: 'boolean' },
      out: { type: 'string' },
      markdown: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const quick = values.quick ?? false;
  const only = (values.only ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  for (const name of only) {
    if (!(BENCHMARKS as readonly string[]).includes(name)) throw new Error(`unknown benchmark "${name}": choose from ${BENCHMARKS.join(', ')}`);
  }
  const size = values.size ?? (quick ? 'tenth' : 'full');
  if (size !== 'full' && size !== 'tenth') throw new Error(`--size must be full or tenth, not "${size}"`);
  return {
    only: only.length ? (only as BenchmarkName[]) : [...BENCHMARKS],
    cases: (values.case ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== ''),
    runs: count(values.runs, quick ? 3 : 5, '--runs', 1),
    slowRuns: count(values['slow-runs'], quick ? 1 : 3, '--slow-runs', 1),
    warmup: count(values.warmup, 1, '--warmup', 0),
    size,
    skipSlow: values['skip-slow'] ?? false,
    timeoutS: count(values.timeout, 300, '--timeout', 1),
    quietMaxS: count(values['quiet-max'], 3, '--quiet-max', 0),
    install: !(values['no-install'] ?? false),
    out: values.out ?? null,
    markdown: values.markdown ?? false,
    help: values.help ?? false,
  };
}

function count(text: string | undefined, fallback: number, flag: string, min: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag} needs a whole number >= ${min}, not "${text}"`);
  return n;
}
