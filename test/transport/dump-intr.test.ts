/**
 * NLM_F_DUMP_INTR from the real kernel: a change made while a multi-datagram dump is being read
 * makes the kernel flag the rest of the dump; the transport withholds it, yields a restart marker
 * and dumps again, and what follows the marker is the whole, current table.
 */
import { expect, it } from 'vitest';
import type { RawMessage } from '../../src/messages/nlmsg.js';
import { ensurePoolStarted, isDumpRestart, NetlinkSocket } from '../../src/transport/index.js';
import { assertKernelAccess, ip, ipBatch, ipJson, useNetns } from '../helpers/netns.js';
import { AF_INET, addr4, ifaddrmsg, ifinfomsg, linkName, RTM_GETADDR, RTM_GETLINK } from './msgs.js';

assertKernelAccess();
const ns = useNetns('intr');

async function interruptedDump(
  req: { type: number; payload: Buffer },
  change: () => void,
): Promise<{ items: Array<'restart' | RawMessage[]>; final: RawMessage[] }> {
  await ensurePoolStarted();
  // One datagram per turn of the event loop, so the change lands between two parts of the dump.
  const sock = NetlinkSocket.open({ netns: ns(), datagramsPerSlice: 1 });
  const items: Array<'restart' | RawMessage[]> = [];
  let final: RawMessage[] = [];
  try {
    for await (const item of sock.dump(req, { maxRetries: 3 })) {
      if (isDumpRestart(item)) {
        items.push('restart');
        final = [];
        continue;
      }
      if (items.length === 0) change();
      items.push(item);
      final.push(...item);
    }
  } finally {
    sock.close();
  }
  return { items, final };
}

it('a link dump interrupted by a new link restarts, and the last attempt matches ip', async () => {
  ipBatch(ns(), Array.from({ length: 40 }, (_, i) => `link add nlt-m${i} type veth peer name nlt-n${i}`));
  const { items, final } = await interruptedDump({ type: RTM_GETLINK, payload: ifinfomsg() }, () => ip(ns(), 'link', 'add', 'nlt-new', 'type', 'bridge'));
  expect(items.filter((i) => i === 'restart')).toHaveLength(1);
  const names = final.map(linkName).sort();
  expect(names).toEqual(ipJson<{ ifname: string }>(ns(), 'link', 'show').map((l) => l.ifname).sort());
  expect(names).toContain('nlt-new');
  expect(final.some((m) => (m.flags & 0x10) !== 0)).toBe(false); // nothing flagged was handed out after the marker
});

it('an address dump interrupted by a new address restarts, and the last attempt matches ip', async () => {
  ipBatch(ns(), Array.from({ length: 3000 }, (_, i) => `addr add 10.9.${i >> 8}.${i & 255}/32 dev lo`));
  const { items, final } = await interruptedDump(
    { type: RTM_GETADDR, payload: ifaddrmsg({ family: AF_INET }) },
    () => ip(ns(), 'addr', 'add', '10.8.0.1/32', 'dev', 'lo'),
  );
  expect(items.filter((i) => i === 'restart')).toHaveLength(1);
  const witness = ipJson<{ addr_info: Array<{ local: string }> }>(ns(), '-4', 'addr', 'show').flatMap((l) => l.addr_info.map((a) => a.local));
  expect(final.map(addr4).sort()).toEqual(witness.sort());
  expect(witness).toContain('10.8.0.1');
});
