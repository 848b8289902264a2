/**
 * "ipdb-open" (issue 3): a database loading a big namespace's full state, against `ip -j`
 * dumping it. pyroute2's IPDB and NDB are slow anchors (minutes and gigabytes at full size).
 */
import type { BenchCase } from '../lib/contender.js';
import { ipDumpBaseline, nldbContender, pythonAnchor } from './contenders.js';
import type { BenchEnv } from './env.js';
import { n } from './format.js';
import { readCase } from './read-case.js';

export function ipdbOpenCases(env: BenchEnv): BenchCase[] {
  const { pairs, routes } = env.state.size;
  return [
    readCase(env, {
      id: 'ipdb-open',
      title: `load full state (${n(pairs)} veth pairs, ${n(routes)} routes added)`,
      workKey: 'load',
      contenders: [
        ipDumpBaseline(),
        pythonAnchor(env, { id: 'pyroute2-ipdb', label: 'pyroute2 IPDB', script: 'open_ipdb.py', args: (ctx) => [ctx.ns], slow: true }),
        pythonAnchor(env, { id: 'pyroute2-ndb', label: 'pyroute2 NDB', script: 'open_ndb.py', args: (ctx) => [ctx.ns], slow: true }),
        nldbContender(env, { id: 'nldb-ipdb', label: 'nldb IPDB', script: 'ipdb-open.js', args: (ctx) => [ctx.ns] }),
      ],
    }),
  ];
}
