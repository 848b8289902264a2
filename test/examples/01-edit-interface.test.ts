/**
 * examples/01-edit-interface.mjs: a transaction edits eth0 (MTU, state, an address, a route) and
 * commits, then db.interfaces.edit() adds a second address; `ip -j` must show every change.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ip, ipJson, useNetns } from '../helpers/netns.js';
import { ensureBuilt, expectInOrder, expectSuccess, leftovers, runExample } from './run.js';

const FILE = '01-edit-interface.mjs';

beforeAll(() => ensureBuilt());

describe('01-edit-interface inside a given namespace', () => {
  const ns = useNetns('ex1');

  it('edits an existing eth0: mtu 9000, up, 192.0.2.10/24, a route via 192.0.2.1; then 192.0.2.11/24 by edit()', () => {
    // A namespace with its own eth0 (a veth pair: there are no real NICs in a throwaway namespace).
    ip(ns(), 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0-peer');
    const run = runExample(FILE, ['--netns', ns()]);
    expectSuccess(run);
    expectInOrder(run.lines, [
      `namespace: ${ns()}`,
      'before  eth0: mtu 1500, down, addresses none',
      /^\s+1\s+link set eth0 mtu 9000$/,
      /^\s+undo 1\.1: link set eth0 mtu 1500$/,
      /^\s+4\s+route add 198\.51\.100\.0\/24 via 192\.0\.2\.1 dev eth0/,
      'after   eth0: mtu 9000, up, addresses 192.0.2.10/24',
      'route   198.51.100.0/24 via 192.0.2.1 dev eth0',
      'edited  eth0: mtu 9000, up, addresses 192.0.2.10/24 192.0.2.11/24',
    ]);

    const [link] = ipJson(ns(), 'link', 'show', 'dev', 'eth0');
    expect(link.mtu).toBe(9000);
    expect(link.flags).toContain('UP');
    const addrs = ipJson(ns(), '-4', 'addr', 'show', 'dev', 'eth0').flatMap((l: any) => l.addr_info.map((a: any) => `${a.local}/${a.prefixlen}`));
    expect(addrs).toEqual(['192.0.2.10/24', '192.0.2.11/24']);
    const routes = ipJson(ns(), 'route', 'show', '198.51.100.0/24');
    expect(routes.map((r: any) => ({ dst: r.dst, gateway: r.gateway, dev: r.dev }))).toEqual([{ dst: '198.51.100.0/24', gateway: '192.0.2.1', dev: 'eth0' }]);
    // The peer was not touched.
    expect(ipJson(ns(), 'link', 'show', 'dev', 'eth0-peer')[0].mtu).toBe(1500);
  });
});

describe('01-edit-interface on its own', () => {
  it('makes its eth0 in a throwaway namespace, edits it, and leaves no namespace behind', () => {
    const run = runExample(FILE);
    expectSuccess(run);
    expect(run.lines[0]).toBe(`namespace: nldb-ex-${run.pid}-edit (throwaway)`);
    expect(run.lines).toContain('after   eth0: mtu 9000, up, addresses 192.0.2.10/24');
    expect(leftovers(run.pid)).toEqual([]);
  });
});
