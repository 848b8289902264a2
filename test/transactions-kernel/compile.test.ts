/**
 * tx.compile() on an IPDB: the bytes a commit would send, with nothing sent (pyroute2's IPBatch).
 * In a throwaway namespace: compiling changes nothing (`ip -j` dumps compared); the bytes are one
 * well-formed netlink message per planned operation, in plan order; and those same bytes, sent
 * as they lie on a socket of the namespace, make the changes the commit would have made, as `ip`
 * shows them. A plan that needs another namespace opened at send time is refused, naming the
 * operation.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { IPDB } from '../../src/index.js';
import { ValidationError } from '../../src/iproute/errors.js';
import { FramedRequests } from '../../src/transport/framed.js';
import { NetlinkSocket } from '../../src/transport/socket.js';
import { createNetns, deleteNetns, ipBatch, ipJson, useNetnsEach } from '../helpers/netns.js';
import { settle } from '../helpers/witness.js';
import { addrs, BASE_SETUP, link, openDb, routes, stableDump } from './helpers.js';

const ns = useNetnsEach('compile');
let db: IPDB | undefined;

beforeEach(async () => {
  ipBatch(ns(), [...BASE_SETUP, 'route add 10.5.0.0/16 via 10.0.0.2', 'route add 10.6.0.0/16 via 10.0.0.2 table 100']);
  db = await openDb(ns());
});

afterEach(() => {
  db?.close();
  db = undefined;
});

const NLMSG_HDRLEN = 16;
const NLM_F_REQUEST = 1;
const NLM_F_ACK = 4;
/** The rtnetlink message type each planned operation is sent as. */
const TYPE: Record<string, Record<string, number>> = {
  interface: { create: 16, set: 16, delete: 17 },
  address: { create: 20, replace: 20, delete: 21 },
  route: { create: 24, replace: 24, append: 24, delete: 25 },
};

/** The messages of a batch, read from their headers. */
function messages(bytes: Buffer): { start: number; len: number; type: number; flags: number; seq: number; pid: number }[] {
  const out = [];
  for (let at = 0; at < bytes.length;) {
    const len = bytes.readUInt32LE(at);
    expect(len).toBeGreaterThanOrEqual(NLMSG_HDRLEN);
    out.push({ start: at, len, type: bytes.readUInt16LE(at + 4), flags: bytes.readUInt16LE(at + 6), seq: bytes.readUInt32LE(at + 8), pid: bytes.readUInt32LE(at + 12) });
    at += (len + 3) & ~3;
    expect(at).toBeLessThanOrEqual(bytes.length);
  }
  return out;
}

/**
 * Sends a batch's bytes as they lie on a socket of the namespace (the transport writes only the
 * sequence numbers); the answers that are not ACKs.
 */
async function sendAsTheyLie(bytes: Buffer): Promise<unknown[]> {
  const sock = await NetlinkSocket.openAsync({ netns: ns() });
  try {
    const framed = new FramedRequests(bytes.length);
    framed.bytes = Buffer.from(bytes);
    framed.length = bytes.length;
    for (const m of messages(bytes)) framed.starts.push(m.start);
    return (await sock.requestFramed(framed)).filter((r) => !r.ok);
  } finally {
    sock.close();
  }
}

it('writes the plan as netlink messages, sends nothing, and the bytes sent as they are make the change', async () => {
  const before = await stableDump(ns());
  const tx = db!.begin();
  tx.interfaces.create({ ifname: 'c0', kind: 'veth', peer: 'c1' });
  const va = tx.interfaces.get('va')!;
  va.mtu = 1400;
  va.addIp('10.0.9.1/24');
  tx.routes.add({ dst: '172.16.0.0/12', gateway: '10.0.0.2' });
  for (let k = 0; k < 300; k++) tx.routes.add({ dst: `172.20.${k >> 8}.${k & 255}/32`, gateway: '10.0.0.2', oif: 'va' });
  tx.routes.remove({ dst: '10.5.0.0/16', gateway: '10.0.0.2' });
  tx.routes.remove({ dst: '10.6.0.0/16', gateway: '10.0.0.2', table: 100 });
  const plan = tx.plan();
  const bytes = tx.compile();
  expect(Buffer.isBuffer(bytes)).toBe(true);

  // nothing was sent: the namespace is as it was
  expect(await stableDump(ns())).toEqual(before);

  // one message per operation, in plan order, numbered 1..n, each a request asking for an ACK
  const msgs = messages(bytes);
  expect(msgs.length).toBe(plan.length);
  expect(msgs.map((m) => m.type)).toEqual(plan.map((op) => TYPE[op.kind]![op.intent]));
  expect(msgs.map((m) => m.seq)).toEqual(plan.map((_, i) => i + 1));
  for (const m of msgs) {
    expect(m.pid).toBe(0);
    expect(m.flags & (NLM_F_REQUEST | NLM_F_ACK)).toBe(NLM_F_REQUEST | NLM_F_ACK);
  }
  // compiling again gives the same bytes; dropping the draft afterwards sends nothing either
  expect(tx.compile().equals(bytes)).toBe(true);
  tx.drop();

  // the bytes, sent as they lie on a socket of the namespace: every request acknowledged
  expect(await sendAsTheyLie(bytes)).toEqual([]);

  // and the kernel, as ip shows it, has what the commit would have made
  expect(link(ns(), 'c0').linkinfo.info_kind).toBe('veth');
  expect(link(ns(), 'c1').link).toBe('c0');
  expect(link(ns(), 'va').mtu).toBe(1400);
  expect(addrs(ns(), 'va')).toContain('10.0.9.1/24');
  const main = routes(ns());
  expect(main).toContain('172.16.0.0/12 via 10.0.0.2 dev va');
  expect(main).toContain('172.20.1.43 via 10.0.0.2 dev va');
  expect(main.filter((r) => r.startsWith('172.20.'))).toHaveLength(300);
  expect(main.some((r) => r.startsWith('10.5.0.0/16'))).toBe(false);
  expect(routes(ns(), 'table', '100')).toEqual([]);
  // the database heard it all as the kernel's own changes
  await settle(db!, ns());
});

it('a plan of addresses and routes only (framed in one buffer as a commit frames it): the same', async () => {
  const before = await stableDump(ns());
  const tx = db!.begin();
  const va = tx.interfaces.get('va')!;
  for (let k = 1; k <= 20; k++) va.addIp(`10.8.0.${k}/32`);
  for (let k = 0; k < 50; k++) tx.routes.add({ dst: `172.21.0.${k}/32`, gateway: '10.0.0.2', oif: 'va' });
  tx.routes.remove({ dst: '10.5.0.0/16', gateway: '10.0.0.2' });
  const plan = tx.plan();
  const bytes = tx.compile();
  expect(await stableDump(ns())).toEqual(before);
  const msgs = messages(bytes);
  expect(msgs.map((m) => m.type)).toEqual(plan.map((op) => TYPE[op.kind]![op.intent]));
  expect(msgs.map((m) => m.seq)).toEqual(plan.map((_, i) => i + 1));
  tx.drop();
  expect(await sendAsTheyLie(bytes)).toEqual([]);
  expect(addrs(ns(), 'va').filter((a) => a.startsWith('10.8.0.'))).toHaveLength(20);
  expect(routes(ns()).filter((r) => r.startsWith('172.21.0.'))).toHaveLength(50);
  expect(routes(ns()).some((r) => r.startsWith('10.5.0.0/16'))).toBe(false);
  await settle(db!, ns());
});

it('refuses, naming the operation, a plan that needs another namespace opened when it is sent', async () => {
  const other = createNetns('compile-other');
  try {
    const before = await stableDump(ns());
    const tx = db!.begin();
    tx.interfaces.get('vb')!.mtu = 1300;
    tx.interfaces.get('vb')!.moveTo(other);
    let err: unknown;
    try {
      tx.compile();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    const e = err as ValidationError;
    expect(e.errors.length).toBeGreaterThan(0);
    const moving = tx.plan().filter((op) => op.kind === 'interface' && 'netns' in op.spec && op.spec.netns !== undefined);
    expect(moving.length).toBeGreaterThan(0);
    for (const op of moving) expect(e.errors.some((x) => x.field.startsWith(`[${op.id} `) && /another namespace/.test(x.reason ?? ''))).toBe(true);
    expect(await stableDump(ns())).toEqual(before);
    expect(ipJson(other, 'link', 'show').map((l: { ifname: string }) => l.ifname)).not.toContain('vb');
    tx.drop();
  } finally {
    deleteNetns(other);
  }
});
