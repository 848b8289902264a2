/**
 * The kernel's announcements of a commit's own routes, recognised without decoding them.
 *
 * Every route a commit adds (or removes) comes back on the database's event socket as an
 * RTM_NEWROUTE (RTM_DELROUTE) notification, which the database used to copy out of the receive
 * buffer, decode into a record and key anew: for 10,000 routes about a fifth of the commit, and
 * most of its garbage. The commit already holds that record and its key (the operation's spec and
 * key), and the request it sent: the route encoders write a route's attributes in the order the
 * kernel announces them (ROUTE_ATTR_ORDER, src/iproute/encode/route.ts; IPv6 adds its cache info
 * before the preference), and a delete names every field of the record, so the kernel's
 * notification of a plain route it took (or removed) as asked is the request's payload byte for
 * byte, but for IPv6's RTA_CACHEINFO, which no record holds.
 *
 * So a notification from the commit's socket, numbered like one of its route requests, of the
 * request's kind, whose payload equals that request's (RTA_CACHEINFO aside), is handed on with the
 * operation's record and key (`claimed`), and as its payload a view of the request's bytes (a copy
 * of its own, when it had a cache info), made only when something reads it. Equal bytes decode to equal records: the record is the one
 * the database would have decoded from the message (test/transactions/echo-claim.test.ts holds
 * encoding and the route readers to that). Anything the kernel says differently (a next-hop flag
 * such as linkdown, a table above 255, whose rtm_table the kernel writes as 252, an expiry)
 * differs in its bytes and goes the usual way.
 */
import type { RouteRecord } from '../iproute/records.js';
import { NLMSG_HDRLEN } from '../messages/nlmsg.js';
import { RTM_DELROUTE, RTM_NEWROUTE } from '../messages/rtnl/constants.js';
import type { FramedRequests } from '../transport/framed.js';
import type { EchoClaim, Notification } from '../transport/transport.js';
import type { Operation } from './ops.js';
import { u32le } from '../util/bytes.js';

/** What a claimed notification stands for (Notification.claimed): the route the commit added or removed. */
export interface ClaimedRoute {
  readonly claim: 'route';
  readonly op: 'new' | 'del';
  readonly record: RouteRecord;
  /** The database's identity key of the record. */
  readonly key: string;
}

export function isClaimedRoute(v: unknown): v is ClaimedRoute {
  return typeof v === 'object' && v !== null && (v as ClaimedRoute).claim === 'route';
}

/** struct rtmsg, before a route message's attributes. */
const RTMSG_LEN = 12;
const RTA_CACHEINFO = 12;
const NLA_TYPE_MASK = 0x3fff;

/**
 * Whether a notification's message (`buf`, `len` bytes) says what request `bytes[at, at + reqLen)`
 * says, attribute for attribute, a RTA_CACHEINFO of the notification aside.
 */
function sameButCacheinfo(buf: Uint8Array, len: number, bytes: Uint8Array, at: number, reqLen: number): boolean {
  const head = NLMSG_HDRLEN + RTMSG_LEN;
  if (len < head || reqLen < head) return false;
  for (let k = NLMSG_HDRLEN; k < head; k++) if (buf[k] !== bytes[at + k]) return false;
  let a = head;
  let b = head;
  while (a < len) {
    if (a + 4 > len) return false;
    const n = buf[a]! | (buf[a + 1]! << 8);
    if (n < 4 || a + n > len) return false;
    const step = Math.min((n + 3) & ~3, len - a);
    if (((buf[a + 2]! | (buf[a + 3]! << 8)) & NLA_TYPE_MASK) !== RTA_CACHEINFO) {
      if (b + step > reqLen) return false;
      for (let k = 0; k < step; k++) if (buf[a + k] !== bytes[at + b + k]) return false;
      b += step;
    }
    a += step;
  }
  return b === reqLen;
}

/**
 * A claimed notification. Its payload (a view of the request's bytes, or the copy an IPv6 route's
 * announcement needs) is made when asked for: the database reads `claimed`, and a view made for
 * each of 10,000 routes took a process that had just started about 2.5 ms.
 */
class ClaimedNotification implements Notification {
  constructor(
    readonly len: number,
    readonly type: number,
    readonly flags: number,
    readonly seq: number,
    readonly pid: number,
    readonly group: number,
    readonly claimed: ClaimedRoute,
    private readonly bytes: Buffer,
    private readonly at: number,
  ) {}

  get payload(): Buffer {
    return this.bytes.subarray(this.at, this.at + this.len - NLMSG_HDRLEN);
  }
}

/** Whether the kernel's notification of `op`'s request can be its request's bytes. */
export function claimable(op: Operation | undefined): op is Operation & { kind: 'route'; key: string } {
  return op !== undefined && op.kind === 'route' && op.key !== undefined && op.spec.metrics === null && op.spec.multipath === null;
}

/**
 * A claim on the notifications of the route requests among `ops`, sent as `framed` (message i for
 * operation i) from port `pid`; null when the plan has none. `echoed[i]` becomes 1 when operation
 * i's notification is claimed: the database applies the operation's own record from it.
 */
export function routeEchoClaim(pid: number, ops: readonly Operation[], framed: FramedRequests, echoed?: Uint8Array): EchoClaim | null {
  if (framed.count !== ops.length || !ops.some(claimable)) return null;
  const bytes = framed.bytes;
  const starts = framed.starts;
  return {
    pid,
    match(buf: Buffer, length: number, group: number): Notification | undefined {
      if (length < NLMSG_HDRLEN) return undefined;
      const type = buf[4]! | (buf[5]! << 8);
      if (type !== RTM_NEWROUTE && type !== RTM_DELROUTE) return undefined;
      const len = u32le(buf, 0);
      const seq = u32le(buf, 8);
      // The transport numbered the batch's requests in place, consecutively, before sending it.
      const i = seq - u32le(bytes, starts[0]! + 8);
      if (i < 0 || i >= starts.length) return undefined;
      const op = ops[i];
      if (!claimable(op) || type !== (op.intent === 'delete' ? RTM_DELROUTE : RTM_NEWROUTE)) return undefined;
      const at = starts[i]!;
      const reqLen = u32le(bytes, at);
      if (len > length) return undefined;
      let copy: Buffer | null = null;
      if (len === reqLen) {
        // (IPv4: the same bytes throughout.)
        for (let k = NLMSG_HDRLEN; k < len; k++) if (buf[k] !== bytes[at + k]) return undefined;
      } else {
        if (op.spec.family !== 6 || !sameButCacheinfo(buf, len, bytes, at, reqLen)) return undefined;
        copy = Buffer.from(buf.subarray(NLMSG_HDRLEN, len));
      }
      const claimed: ClaimedRoute = { claim: 'route', op: type === RTM_NEWROUTE ? 'new' : 'del', record: op.spec, key: op.key };
      if (echoed !== undefined) echoed[i] = 1;
      return new ClaimedNotification(len, type, buf[6]! | (buf[7]! << 8), seq, pid, group, claimed, copy ?? bytes, copy === null ? at + NLMSG_HDRLEN : 0);
    },
  };
}
