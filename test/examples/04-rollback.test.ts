/**
 * examples/04-rollback.mjs: a four-change transaction whose last change the kernel refuses. The
 * example must report the CommitError and a complete rollback, and `ip -j` must show the
 * namespace exactly as it was before the example ran.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ipBatch, ipJson, useNetns } from '../helpers/netns.js';
import { dumpDiff, stableDump } from '../transactions-kernel/helpers.js';
import { noDad } from '../helpers/witness.js';
import { ensureBuilt, expectInOrder, expectSuccess, leftovers, runExample } from './run.js';

const FILE = '04-rollback.mjs';

beforeAll(() => ensureBuilt());

describe('04-rollback inside a given namespace', () => {
  const ns = useNetns('ex4');

  it('fails at the unreachable gateway, rolls back, and leaves the namespace as it was', async () => {
    // No IPv6 duplicate address detection: link-local addresses settle at once, so the dumps
    // before and after differ only by what the example did.
    noDad(ns());
    ipBatch(ns(), [
      'link add eth0 type veth peer name eth0-peer',
      'addr add 192.0.2.10/24 dev eth0',
      'link set eth0 up', 'link set eth0-peer up',
    ]);
    const before = await stableDump(ns());
    const run = runExample(FILE, ['--netns', ns()]);
    expectSuccess(run);
    expectInOrder(run.lines, [
      'before:',
      '  link    eth0 mtu 1500 up',
      '  address 192.0.2.10/24 dev eth0',
      'plan:',
      /^\s+4\s+route add 10\.30\.0\.0\/16 via 203\.0\.113\.1/,
      /^CommitError at operation 4: .*ENETUNREACH/,
      'rolled back: true',
      'after:',
      '  link    eth0 mtu 1500 up',
      '  address 192.0.2.10/24 dev eth0',
      'state after = state before',
    ]);
    // Nothing of the transaction in the state printed after it.
    const printedAfter = run.lines.slice(run.lines.indexOf('after:')).join('\n');
    expect(printedAfter).not.toContain('198.51.100.7');
    expect(printedAfter).not.toMatch(/10\.(20|30)\.0\.0|mtu 9000/);

    // The independent witness: the whole namespace, links, addresses (IPv6 too), every table.
    const after = await stableDump(ns());
    expect(dumpDiff(before, after)).toEqual([]);
    expect(ipJson(ns(), 'link', 'show', 'dev', 'eth0')[0].mtu).toBe(1500);
  });
});

describe('04-rollback on its own', () => {
  it('runs in a throwaway namespace and leaves no namespace behind', () => {
    const run = runExample(FILE);
    expectSuccess(run);
    expect(run.lines[0]).toBe(`namespace: nldb-ex-${run.pid}-rollback (throwaway)`);
    expect(run.lines).toContain('rolled back: true');
    expect(run.lines).toContain('state after = state before');
    expect(leftovers(run.pid)).toEqual([]);
  });
});
