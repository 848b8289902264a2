/**
 * Notifications and overruns against the kernel: multicast groups joined in a namespace, changes
 * made there with `ip -n`, and a storm that overflows a deliberately small receive buffer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { firstValueFrom } from 'rxjs';
import { NLMSG_NOOP } from '../../src/messages/nlmsg.js';
import {
  collectDump, ensurePoolStarted, NetlinkSocket, OverrunError, type Notification,
} from '../../src/transport/index.js';
import { assertKernelAccess, ip, ipBatch, ipJson, useNetnsEach } from '../helpers/netns.js';
import {
  addr4, AF_INET, ifaddrmsg, linkName, RTM_GETADDR, RTM_NEWADDR, RTM_NEWLINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_LINK,
} from './msgs.js';

const RTNLGRP_NEXTHOP = 32;
const RTM_NEWNEXTHOP = 104;

assertKernelAccess();
const ns = useNetnsEach('mc');
let sock: NetlinkSocket | undefined;
afterEach(() => sock?.close());

/** Resolves with everything received once `done` holds for it (the test's own timeout bounds it). */
function collectUntil(s: NetlinkSocket, done: (all: Notification[]) => boolean): Promise<Notification[]> {
  const all: Notification[] = [];
  return new Promise((resolve) => {
    const sub = s.notifications$.subscribe((batch) => {
      all.push(...batch);
      if (done(all)) {
        sub.unsubscribe();
        resolve(all);
      }
    });
  });
}

const isLink = (name: string) => (n: Notification): boolean => n.type === RTM_NEWLINK && linkName(n) === name;
const isAddr = (a: string) => (n: Notification): boolean => n.type === RTM_NEWADDR && addr4(n) === a;

describe('notifications', () => {
  it('groups joined at open: link and address changes made with ip -n arrive, with their group', async () => {
    sock = await NetlinkSocket.openAsync({ netns: ns(), groups: [RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR] });
    expect([...sock.memberships]).toEqual([RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR]);
    const got = collectUntil(sock, (all) => all.some(isLink('nlt-x')) && all.some(isAddr('10.30.0.1')));
    ip(ns(), 'link', 'add', 'nlt-x', 'type', 'veth', 'peer', 'name', 'nlt-y');
    ip(ns(), 'addr', 'add', '10.30.0.1/24', 'dev', 'lo');
    const all = await got;
    expect(all.find(isLink('nlt-x'))!.group).toBe(RTNLGRP_LINK);
    expect(all.find(isAddr('10.30.0.1'))!.group).toBe(RTNLGRP_IPV4_IFADDR);
  });

  it('addMembership / dropMembership change what arrives', async () => {
    await ensurePoolStarted();
    sock = NetlinkSocket.open({ netns: ns() });
    sock.addMembership(RTNLGRP_LINK);
    sock.addMembership(RTNLGRP_IPV4_IFADDR);
    sock.dropMembership(RTNLGRP_IPV4_IFADDR);
    // The kernel delivers in order: once the link made after the address shows up, the address
    // notification would have come before it.
    const got = collectUntil(sock, (all) => all.some(isLink('nlt-z')));
    ip(ns(), 'addr', 'add', '10.31.0.1/24', 'dev', 'lo');
    ip(ns(), 'link', 'add', 'nlt-z', 'type', 'bridge');
    const all = await got;
    expect(all.some(isAddr('10.31.0.1'))).toBe(false);
    expect(all.some(isLink('nlt-z'))).toBe(true);
  });

  it('the highest group a sender address can show (RTNLGRP_NEXTHOP = 32) arrives with its number', async () => {
    // Groups come from NETLINK_PKTINFO, not from the address's 32-bit group mask.
    sock = await NetlinkSocket.openAsync({ netns: ns(), groups: [RTNLGRP_NEXTHOP] });
    const got = collectUntil(sock, (all) => all.some((n) => n.type === RTM_NEWNEXTHOP));
    ip(ns(), 'nexthop', 'add', 'id', '7', 'blackhole');
    const nh = (await got).find((n) => n.type === RTM_NEWNEXTHOP)!;
    expect(nh.group).toBe(RTNLGRP_NEXTHOP);
    expect(nh.seq).not.toBe(0); // ip's own request seq: only the group says it is a notification
  });
});

describe('pause', () => {
  /** Lets the event loop run for `ms` (the socket would be read meanwhile, were it not paused). */
  const idle = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('nothing is read while paused; what arrived meanwhile comes, in order, when the last pause ends', async () => {
    sock = await NetlinkSocket.openAsync({ netns: ns(), groups: [RTNLGRP_IPV4_IFADDR] });
    const seen: string[] = [];
    sock.notifications$.subscribe((b) => { for (const n of b) if (n.type === RTM_NEWADDR) seen.push(addr4(n)!); });
    const first = sock.pause();
    const second = sock.pause();
    ip(ns(), 'addr', 'add', '10.34.0.1/32', 'dev', 'lo');
    ip(ns(), 'addr', 'add', '10.34.0.2/32', 'dev', 'lo');
    await idle(60);
    expect(seen).toEqual([]);
    // A request waits too: its answer is in the same receive buffer.
    let answered = false;
    const noop = sock.request({ type: NLMSG_NOOP, payload: Buffer.alloc(0) }).then(() => { answered = true; });
    first();
    first(); // (twice: counted once, the second pause still holds)
    await idle(60);
    expect(seen).toEqual([]);
    expect(answered).toBe(false);
    second();
    await noop;
    while (seen.length < 2) await idle(5);
    expect(seen).toEqual(['10.34.0.1', '10.34.0.2']);
    expect(sock.stats.overruns).toBe(0);
    // And reading goes on as before.
    ip(ns(), 'addr', 'add', '10.34.0.3/32', 'dev', 'lo');
    while (seen.length < 3) await idle(5);
    expect(seen[2]).toBe('10.34.0.3');
  });

  it('an overrun while paused is noticed once reading resumes', async () => {
    sock = await NetlinkSocket.openAsync({ netns: ns(), groups: [RTNLGRP_IPV4_IFADDR], rcvbuf: 4096 });
    let overruns = 0;
    sock.overrun$.subscribe(() => { overruns += 1; });
    const resume = sock.pause();
    ipBatch(ns(), Array.from({ length: 500 }, (_, i) => `addr add 10.35.${i >> 8}.${i & 255}/32 dev lo`));
    await idle(30);
    expect(overruns).toBe(0);
    const overrun = firstValueFrom(sock.overrun$);
    resume();
    expect((await overrun).reason).toBe('enobufs');
  });
});

describe('drained()', () => {
  it('says whether the kernel has sent anything not read yet, and hands it on when it has', async () => {
    sock = await NetlinkSocket.openAsync({ netns: ns(), groups: [RTNLGRP_IPV4_IFADDR] });
    const seen: string[] = [];
    sock.notifications$.subscribe((batch) => { for (const n of batch) if (n.type === RTM_NEWADDR) seen.push(addr4(n) ?? '?'); });
    expect(sock.drained()).toBe(true);
    // ip runs while this thread waits for it: its notification is in the socket, not read yet.
    ip(ns(), 'addr', 'add', '10.36.0.1/32', 'dev', 'lo');
    expect(seen).toEqual([]);
    expect(sock.drained()).toBe(false);
    // ... and has been read and handed on by asking.
    expect(seen).toEqual(['10.36.0.1']);
    expect(sock.drained()).toBe(true);
    // While paused, or with a request unanswered, it does not know.
    const resume = sock.pause();
    expect(sock.drained()).toBe(false);
    resume();
    const noop = sock.request({ type: NLMSG_NOOP, payload: Buffer.alloc(0) });
    expect(sock.drained()).toBe(false);
    await noop;
  });

  it('reports an overrun its peek finds (the peek clears the socket error, as a read would)', async () => {
    sock = await NetlinkSocket.openAsync({ netns: ns(), groups: [RTNLGRP_IPV4_IFADDR], rcvbuf: 4096 });
    const overrun = firstValueFrom(sock.overrun$);
    ipBatch(ns(), Array.from({ length: 500 }, (_, i) => `addr add 10.37.${i >> 8}.${i & 255}/32 dev lo`));
    expect(sock.drained()).toBe(false);
    expect((await overrun).reason).toBe('enobufs');
  });
});

describe('overrun', () => {
  it('a storm overflows a small receive buffer: overrun$ fires, and the socket works on', async () => {
    sock = await NetlinkSocket.openAsync({ netns: ns(), groups: [RTNLGRP_IPV4_IFADDR], rcvbuf: 4096 });
    const overrun = firstValueFrom(sock.overrun$);
    let notified = 0;
    sock.notifications$.subscribe((b) => { notified += b.length; });
    // ip runs while this event loop is blocked in spawnSync: nothing reads the socket meanwhile.
    ipBatch(ns(), Array.from({ length: 2000 }, (_, i) => `addr add 10.32.${i >> 8}.${i & 255}/32 dev lo`));
    const err = await overrun;
    expect(err).toBeInstanceOf(OverrunError);
    expect(err.reason).toBe('enobufs');
    expect(err.retryable).toBe(true);
    expect(notified).toBeLessThan(2000);
    expect(sock.stats.overruns).toBeGreaterThanOrEqual(1);
    // Resynchronise: a dump on the same socket sees every address.
    const addrs = await collectDump(sock.dump({ type: RTM_GETADDR, payload: ifaddrmsg({ family: AF_INET }) }));
    const witness = ipJson<{ addr_info: unknown[] }>(ns(), '-4', 'addr', 'show').reduce((n, l) => n + l.addr_info.length, 0);
    expect(addrs).toHaveLength(witness);
    expect(witness).toBe(2001);
    // And notifications flow again.
    const later = collectUntil(sock, (all) => all.some(isAddr('10.33.0.1')));
    ip(ns(), 'addr', 'add', '10.33.0.1/32', 'dev', 'lo');
    expect((await later).some(isAddr('10.33.0.1'))).toBe(true);
  });
});
