/**
 * examples/03-namespaces.mjs: two namespaces joined by a veth pair, addressed, up, pinging each
 * other. `ip -j` checks each side's link and address, and that each side's neighbour entry for
 * the other carries the other side's MAC (traffic really went across).
 *
 * The example runs `ip netns exec NS ping`: it needs iputils-ping on the machine.
 */
import { once } from 'node:events';
import { beforeAll, describe, expect, it } from 'vitest';
import { ipJson, useNetns } from '../helpers/netns.js';
import { ensureBuilt, expectInOrder, expectSuccess, leftovers, runExample, spawnExample } from './run.js';

const FILE = '03-namespaces.mjs';

beforeAll(() => ensureBuilt());

const addrsOf = (ns: string, dev: string): string[] =>
  ipJson(ns, '-4', 'addr', 'show', 'dev', dev).flatMap((l: any) => l.addr_info.map((a: any) => `${a.local}/${a.prefixlen}`));

describe('03-namespaces inside two given namespaces', () => {
  const nsA = useNetns('ex3a');
  const nsB = useNetns('ex3b');

  it('joins them with a veth pair, addresses both ends, and they ping each other', () => {
    const run = runExample(FILE, ['--netns', nsA(), '--netns', nsB()]);
    expectSuccess(run);
    expectInOrder(run.lines, [
      `namespaces: ${nsA()}, ${nsB()}`,
      `${nsA()}: veth-a 10.99.0.1/24 up <-> ${nsB()}: veth-b 10.99.0.2/24 up`,
      new RegExp(`^ping 10\\.99\\.0\\.2 from ${nsA()}: 64 bytes from 10\\.99\\.0\\.2: icmp_seq=1`),
      new RegExp(`^ping 10\\.99\\.0\\.1 from ${nsB()}: 64 bytes from 10\\.99\\.0\\.1: icmp_seq=1`),
    ]);

    const [a] = ipJson(nsA(), 'link', 'show', 'dev', 'veth-a');
    const [b] = ipJson(nsB(), 'link', 'show', 'dev', 'veth-b');
    expect([a.operstate, b.operstate]).toEqual(['UP', 'UP']);
    expect(addrsOf(nsA(), 'veth-a')).toEqual(['10.99.0.1/24']);
    expect(addrsOf(nsB(), 'veth-b')).toEqual(['10.99.0.2/24']);
    // Each end's peer is in the other namespace, not beside it.
    expect(ipJson(nsA(), 'link', 'show').map((l: any) => l.ifname).sort()).toEqual(['lo', 'veth-a']);
    expect(ipJson(nsB(), 'link', 'show').map((l: any) => l.ifname).sort()).toEqual(['lo', 'veth-b']);

    // The pings resolved each other's MAC: the kernel's neighbour tables, and the example's lines.
    const [nA] = ipJson(nsA(), 'neigh', 'show', '10.99.0.2', 'dev', 'veth-a');
    const [nB] = ipJson(nsB(), 'neigh', 'show', '10.99.0.1', 'dev', 'veth-b');
    expect(nA?.lladdr).toBe(b.address);
    expect(nB?.lladdr).toBe(a.address);
    expect(run.lines).toContain(`${nsA()} neighbour 10.99.0.2: lladdr ${b.address} (${nA.state[0]}); the far end's MAC is ${b.address}`);
    expect(run.lines.find((l) => l.startsWith(`${nsB()} neighbour 10.99.0.1: lladdr ${a.address} (`))).toBeDefined();
  });

  it('refuses one --netns: it needs two', () => {
    const run = runExample(FILE, ['--netns', nsA()]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('give two namespaces: --netns A --netns B');
  });
});

describe('03-namespaces on its own', () => {
  it('runs in two throwaway namespaces and leaves none behind', () => {
    const run = runExample(FILE);
    expectSuccess(run);
    expect(run.lines[0]).toBe(`namespaces: nldb-ex-${run.pid}-a, nldb-ex-${run.pid}-b (throwaway)`);
    expect(run.lines.filter((l) => / 64 bytes from /.test(l))).toHaveLength(2);
    expect(leftovers(run.pid)).toEqual([]);
  });

  it('removes its namespaces when interrupted (SIGINT) half way', async () => {
    const child = spawnExample(FILE);
    let out = '';
    // Interrupt right after the namespaces exist (the first line says so).
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('\n')) resolve(); });
      child.once('exit', () => reject(new Error(`exited before its first line: ${out}`)));
    });
    expect(out).toMatch(/^namespaces: nldb-ex-\d+-a, nldb-ex-\d+-b \(throwaway\)/);
    expect(leftovers(child.pid!)).toHaveLength(2);
    child.kill('SIGINT');
    const [code, signal] = await once(child, 'exit');
    expect({ code, signal }).toEqual({ code: 130, signal: null });
    expect(leftovers(child.pid!)).toEqual([]);
  });
});
