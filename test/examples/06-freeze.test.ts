/**
 * examples/06-freeze.mjs: another socket changes a frozen eth0 (MTU, an address); the freezer
 * puts both back; the database's own later change is kept. `ip -j` checks the end state.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ipJson, useNetns } from '../helpers/netns.js';
import { ensureBuilt, expectInOrder, expectSuccess, leftovers, runExample } from './run.js';

const FILE = '06-freeze.mjs';

beforeAll(() => ensureBuilt());

describe('06-freeze inside a given namespace', () => {
  const ns = useNetns('ex6');

  it("reverts another program's changes to eth0 and keeps its own", () => {
    const run = runExample(FILE, ['--netns', ns()]);
    expectSuccess(run);
    expectInOrder(run.lines, [
      'frozen:   eth0 mtu 1500, addresses 192.0.2.10/24',
      '  kernel change eth0 mtu=1400',
      '  kernel remove address 192.0.2.10/24',
      'reverted: eth0 mtu 1500, addresses 192.0.2.10/24',
      '  commit change eth0 mtu=9000',
      'ours:     eth0 mtu 9000, addresses 192.0.2.10/24',
      'unfrozen: true',
    ]);
    // The reverts are the database's own commits, between the other program's change and the end.
    const reverts = run.lines.slice(run.lines.indexOf('  kernel change eth0 mtu=1400'), run.lines.findIndex((l) => l.startsWith('reverted:')));
    expect(reverts).toContain('  commit change eth0 mtu=1500');
    expect(reverts).toContain('  commit add address 192.0.2.10/24');

    expect(ipJson(ns(), 'link', 'show', 'dev', 'eth0')[0].mtu).toBe(9000);
    const addrs = ipJson(ns(), '-4', 'addr', 'show', 'dev', 'eth0').flatMap((l: any) => l.addr_info.map((a: any) => `${a.local}/${a.prefixlen}`));
    expect(addrs).toEqual(['192.0.2.10/24']);
  });
});

describe('06-freeze on its own', () => {
  it('runs in a throwaway namespace and leaves no namespace behind', () => {
    const run = runExample(FILE);
    expectSuccess(run);
    expect(run.lines[0]).toBe(`namespace: nldb-ex-${run.pid}-freeze (throwaway)`);
    expect(run.lines).toContain('unfrozen: true');
    expect(leftovers(run.pid)).toEqual([]);
  });
});
