/**
 * Namespace management without `ip`, with `ip netns` as the witness; and withNetns() entering a
 * namespace for the length of a synchronous call.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readlinkSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  collectDump, createNetns, ensurePoolStarted, listNetns, NetlinkSocket, removeNetns, TransportError, validateNetnsName, withNetns,
} from '../../src/transport/index.js';
import { assertKernelAccess, createNetns as ipCreateNetns, deleteNetns, ipJson, uniqueNetnsName, useNetns } from '../helpers/netns.js';
import { ifinfomsg, linkName, RTM_GETLINK } from './msgs.js';

assertKernelAccess();

const ipNetnsList = (): string[] =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);

/** Names this file made with createNetns(); removed by `ip netns del` after each test, whatever happened. */
const made: string[] = [];
afterEach(() => {
  for (const name of made.splice(0)) spawnSync('ip', ['netns', 'del', name]);
});

describe('createNetns / removeNetns / listNetns', () => {
  it('a namespace we create is seen by ip, is empty and separate; our removal is seen by ip', async () => {
    const name = uniqueNetnsName('own');
    made.push(name);
    const hostNs = readlinkSync('/proc/thread-self/ns/net');
    const path = await createNetns(name);
    expect(path).toBe(`/run/netns/${name}`);
    expect(readlinkSync('/proc/thread-self/ns/net')).toBe(hostNs);
    expect(ipNetnsList()).toContain(name);
    expect(listNetns()).toContain(name);
    // A fresh namespace: lo only, down.
    expect(ipJson<{ ifname: string }>(name, 'link', 'show').map((l) => l.ifname)).toEqual(['lo']);
    expect(`net:[${statSync(path).ino}]`).not.toBe(hostNs);
    const sock = await NetlinkSocket.openAsync({ netns: name });
    try {
      const links = await collectDump(sock.dump({ type: RTM_GETLINK, payload: ifinfomsg() }));
      expect(links.map(linkName)).toEqual(['lo']);
    } finally {
      sock.close();
    }
    removeNetns(name);
    expect(ipNetnsList()).not.toContain(name);
    expect(listNetns()).not.toContain(name);
    expect(existsSync(path)).toBe(false);
  });

  it('removes a namespace that ip made', () => {
    const name = ipCreateNetns('ipmade');
    try {
      expect(listNetns()).toContain(name);
      removeNetns(name);
      expect(ipNetnsList()).not.toContain(name);
    } finally {
      deleteNetns(name);
    }
  });

  it('refuses an existing name, and a missing one on removal', async () => {
    const name = uniqueNetnsName('dup');
    made.push(name);
    await createNetns(name);
    const err = await createNetns(name).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe('EEXIST');
    expect(ipNetnsList()).toContain(name); // the existing one is untouched
    removeNetns(name);
    expect(() => removeNetns(name)).toThrow(TransportError);
  });

  it('validates names', async () => {
    for (const bad of ['', '.', '..', 'a/b', '/etc', 'x'.repeat(256), 'nul\0byte']) {
      expect(() => validateNetnsName(bad), JSON.stringify(bad)).toThrow(TypeError);
    }
    expect(() => validateNetnsName('x'.repeat(255))).not.toThrow();
    await expect(createNetns('../escape')).rejects.toThrow(TypeError);
    expect(() => removeNetns('..')).toThrow(TypeError);
  });
});

describe('withNetns', () => {
  const ns = useNetns('with');

  it('runs a synchronous function inside the namespace and returns to the original one', async () => {
    await ensurePoolStarted();
    const before = readlinkSync('/proc/thread-self/ns/net');
    const inside = withNetns(ns(), () => readlinkSync('/proc/thread-self/ns/net'));
    expect(inside).toBe(`net:[${statSync(`/run/netns/${ns()}`).ino}]`);
    expect(inside).not.toBe(before);
    expect(readlinkSync('/proc/thread-self/ns/net')).toBe(before);
  });

  it('returns to the original namespace when the function throws, and refuses async functions', async () => {
    await ensurePoolStarted();
    const before = readlinkSync('/proc/thread-self/ns/net');
    expect(() => withNetns({ name: ns() }, () => { throw new Error('inside'); })).toThrow('inside');
    expect(readlinkSync('/proc/thread-self/ns/net')).toBe(before);
    expect(() => withNetns(ns(), async () => 1)).toThrow(/synchronous/);
    expect(readlinkSync('/proc/thread-self/ns/net')).toBe(before);
  });
});
