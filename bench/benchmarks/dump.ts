/**
 * "dump" (issue 2): the low-level API reading a big namespace: links, addresses, and every route
 * of every table and family, as one process each.
 */
import type { BenchCase } from '../lib/contender.js';
import { ipDumpBaseline, nldbContender, pythonAnchor } from './contenders.js';
import type { BenchEnv } from './env.js';
import { n } from './format.js';
import { readCase } from './read-case.js';

export function dumpCases(env: BenchEnv): BenchCase[] {
  const { pairs, routes } = env.state.size;
  return [
    readCase(env, {
      id: 'dump',
      title: `dump links, addresses, all routes (${n(pairs)} veth pairs, ${n(routes)} routes added)`,
      workKey: 'dump',
      contenders: [
        ipDumpBaseline(),
        pythonAnchor(env, { id: 'pyroute2-iproute', label: 'pyroute2 IPRoute (setns)', script: 'dump_iproute.py', args: (ctx) => [ctx.ns, 'setns'], slow: false }),
        pythonAnchor(env, { id: 'pyroute2-netns', label: 'pyroute2 NetNS', script: 'dump_iproute.py', args: (ctx) => [ctx.ns, 'proxy'], slow: false }),
        nldbContender(env, { id: 'nldb-iproute', label: 'nldb IPRoute', script: 'dump.js', args: (ctx) => [ctx.ns] }),
      ],
    }),
  ];
}
