/**
 * examples/02-subscribe.mjs: every change printed once, in order, with its origin: our commits,
 * another socket's change (origin 'kernel'), the cascade of a removal; then the stream completes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ipJson, useNetns } from '../helpers/netns.js';
import { ensureBuilt, expectInOrder, expectSuccess, leftovers, runExample } from './run.js';

const FILE = '02-subscribe.mjs';

beforeAll(() => ensureBuilt());

/** The printed change lines, spaces collapsed: 'commit add interface sub0'. */
const changes = (lines: readonly string[]) => lines.map((l) => l.replace(/\s+/g, ' ').trim()).filter((l) => /^(commit|kernel|resync) /.test(l));

describe('02-subscribe inside a given namespace', () => {
  const ns = useNetns('ex2');

  it('prints each change once, in order, with its origin, and leaves only lo', () => {
    const run = runExample(FILE, ['--netns', ns()]);
    expectSuccess(run);
    const seen = changes(run.lines);
    // The kernel announces a veth's two ends in its own order: sub1 is only required to be there.
    expect(seen).toContain('commit add interface sub1');
    expectInOrder(seen, [
      'commit add interface sub0',
      'commit add address 10.7.0.1/24 dev sub0',
      'kernel add route 10.7.0.0/24 dev sub0 table 254',
      'commit add route 10.8.0.0/16 via 10.7.0.254 dev sub0 table 254',
      'kernel change interface sub0 mtu=1400',
      /^(commit|kernel) remove route 10\.8\.0\.0\/16 via 10\.7\.0\.254 dev sub0 table 254/,
      /^(commit|kernel) remove address 10\.7\.0\.1\/24 dev sub0$/,
      'commit remove interface sub0',
    ]);
    expect(seen).toContain('kernel remove interface sub1');
    // Exactly once each: no change repeated (a resync replayed as events would repeat them).
    for (const line of ['commit add interface sub0', 'kernel change interface sub0 mtu=1400', 'commit remove interface sub0']) {
      expect(seen.filter((l) => l === line), line).toHaveLength(1);
    }
    expect(seen.some((l) => l.startsWith('resync '))).toBe(false);
    expectInOrder(run.lines, ['1 interface(s) left', 'changes$ completed (database closed)']);

    // The kernel agrees: the pair is gone, only lo is left.
    expect(ipJson(ns(), 'link', 'show').map((l: any) => l.ifname)).toEqual(['lo']);
  });
});

describe('02-subscribe on its own', () => {
  it('runs in a throwaway namespace and leaves no namespace behind', () => {
    const run = runExample(FILE);
    expectSuccess(run);
    expect(run.lines[0]).toBe(`namespace: nldb-ex-${run.pid}-watch (throwaway)`);
    expect(changes(run.lines)).toContain('kernel change interface sub0 mtu=1400');
    expect(leftovers(run.pid)).toEqual([]);
  });
});
