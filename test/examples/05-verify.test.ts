/**
 * examples/05-verify.mjs: the default route is switched to a gateway that does not answer; the
 * verify hook says so and the commit puts the old default route back. `ip -j` must show the old
 * route and only it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ipJson, useNetns } from '../helpers/netns.js';
import { ensureBuilt, expectInOrder, expectSuccess, leftovers, runExample } from './run.js';

const FILE = '05-verify.mjs';

beforeAll(() => ensureBuilt());

describe('05-verify inside a given namespace', () => {
  const ns = useNetns('ex5');

  it('reverts the new default route when the gateway does not answer', () => {
    const run = runExample(FILE, ['--netns', ns()]);
    expectSuccess(run);
    expectInOrder(run.lines, [
      `namespace: ${ns()}`,
      'before:        default via 192.0.2.2',
      'during verify: default via 192.0.2.1',
      '192.0.2.1 answers: false',
      /^reverted: transaction \S+: verify failed: verify returned false; rolled back$/,
      'after:         default via 192.0.2.2',
    ]);
    expect(run.lines).not.toContain('kept the new gateway');

    const defaults = ipJson(ns(), '-4', 'route', 'show', 'default');
    expect(defaults.map((r: any) => ({ gateway: r.gateway, dev: r.dev }))).toEqual([{ gateway: '192.0.2.2', dev: 'eth0' }]);
    // The kernel really was asked about 192.0.2.1 (ARP), and nobody answered.
    const [n] = ipJson(ns(), 'neigh', 'show', '192.0.2.1', 'dev', 'eth0');
    if (n) expect(n.state).not.toContain('REACHABLE');
  });
});

describe('05-verify on its own', () => {
  it('runs in a throwaway namespace and leaves no namespace behind', () => {
    const run = runExample(FILE);
    expectSuccess(run);
    expect(run.lines[0]).toBe(`namespace: nldb-ex-${run.pid}-verify (throwaway)`);
    expect(run.lines).toContain('after:         default via 192.0.2.2');
    expect(leftovers(run.pid)).toEqual([]);
  });
});
