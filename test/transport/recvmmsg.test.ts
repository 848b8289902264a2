/**
 * A socket that reads several datagrams per system call (receiveSlots: recvmmsg) against the
 * kernel: every notification of a burst arrives once, in order, with its multicast group; the
 * ACKs of a batch all match; a datagram longer than a slot is a loss (an overrun to resynchronise
 * from), after which the slots are large enough.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NLM_F } from '../../src/messages/nlmsg.js';
import { NetlinkSocket, type Notification, type OverrunError } from '../../src/transport/index.js';
import { assertKernelAccess, ip, ipBatch, useNetnsEach } from '../helpers/netns.js';
import { addr4, newAddr4, RTM_NEWADDR, RTM_NEWLINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_LINK } from './msgs.js';

assertKernelAccess();
const ns = useNetnsEach('mmsg');
const socks: NetlinkSocket[] = [];
afterEach(() => { for (const s of socks.splice(0)) s.close(); });

function collectUntil(s: NetlinkSocket, done: (all: Notification[]) => boolean): Promise<Notification[]> {
  const all: Notification[] = [];
  return new Promise((resolve) => {
    const sub = s.notifications.subscribe((batch) => {
      all.push(...batch);
      if (done(all)) {
        sub.unsubscribe();
        resolve(all);
      }
    });
  });
}

describe('receiveSlots (recvmmsg)', () => {
  it('a burst of 2,000 notifications arrives whole, in order, with groups; 2,000 ACKs all match', async () => {
    const events = await NetlinkSocket.openAsync({ netns: ns(), groups: [RTNLGRP_IPV4_IFADDR, RTNLGRP_LINK], receiveSlots: 16, recvBufferSize: 8192 });
    const requests = await NetlinkSocket.openAsync({ netns: ns(), receiveSlots: 16, recvBufferSize: 8192 });
    socks.push(events, requests);
    const addresses = Array.from({ length: 2000 }, (_, i) => `10.77.${i >> 8}.${i & 255}`);
    const got = collectUntil(events, (all) => all.filter((n) => n.type === RTM_NEWADDR).length >= 2000 && all.some((n) => n.type === RTM_NEWLINK));
    const results = await requests.requestBatch(addresses.map((a) => ({ type: RTM_NEWADDR, flags: NLM_F.CREATE | NLM_F.EXCL, payload: newAddr4(1, a) })));
    expect(results.every((r) => r.ok)).toBe(true);
    ip(ns(), 'link', 'add', 'mm0', 'type', 'veth', 'peer', 'name', 'mm1');
    const all = await got;
    const adds = all.filter((n) => n.type === RTM_NEWADDR);
    expect(adds.map(addr4)).toEqual(addresses);
    expect(new Set(adds.map((n) => n.group))).toEqual(new Set([RTNLGRP_IPV4_IFADDR]));
    expect(all.find((n) => n.type === RTM_NEWLINK)!.group).toBe(RTNLGRP_LINK);
  });

  it('a datagram longer than a slot is lost (overrun), and the slots grow for the next ones', async () => {
    // Link notifications are over a kilobyte: 256-byte slots cut the first.
    const events = await NetlinkSocket.openAsync({ netns: ns(), groups: [RTNLGRP_LINK], receiveSlots: 4, recvBufferSize: 256 });
    socks.push(events);
    const overruns: OverrunError[] = [];
    events.overruns.subscribe((e) => overruns.push(e));
    const got = collectUntil(events, (all) => all.some((n) => n.type === RTM_NEWLINK));
    ipBatch(ns(), ['link add cut0 type veth peer name cut1']);
    await new Promise((r) => setTimeout(r, 100));
    expect(overruns.length).toBeGreaterThan(0);
    expect(overruns[0]!.reason).toBe('truncated');
    ip(ns(), 'link', 'add', 'fit0', 'type', 'veth', 'peer', 'name', 'fit1');
    const all = await got;
    expect(all.some((n) => n.type === RTM_NEWLINK)).toBe(true);
  });
});
