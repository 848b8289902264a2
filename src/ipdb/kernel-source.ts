/**
 * The kernel as a DbSource (src/db/source.ts): two rtnetlink sockets in one namespace.
 *
 * - The EVENT socket joins the multicast groups of every kind the database keeps, with a large
 *   receive buffer (SO_RCVBUFFORCE, 32 MiB by default, which the kernel doubles), and reads many
 *   datagrams per turn of the event loop (a notification is one small datagram). Its messages
 *   go into the EventQueue, which parses them apart from receiving (event-queue.ts).
 * - The REQUEST socket (an IPRoute) runs the dumps and the user's own requests. Keeping them apart
 *   means a dump's replies never wait behind a storm of notifications, and a burst of ACKs cannot
 *   overrun the event socket.
 *
 * Open order matters: the event socket has joined its groups before the first dump is sent, so
 * no change can fall between the dump and the subscription (the database applies the events that
 * arrived during the dump after it). Messages received before the database subscribes are kept.
 *
 * A notification caused by a request of our own REQUEST socket carries that socket's port id in
 * its header (rtnetlink fills nlmsg_pid with the requester's portid): such events get origin
 * 'commit'. Route events carry their nlmsg flags (NLM_F_REPLACE matters, see db/route-merge.ts).
 */
import { Emitter, type Stream } from '../util/emitter.js';
import type { DumpHint } from '../db/load.js';
import type { DbSource, DumpResult } from '../db/source.js';
import type { DbEvent } from '../db/types.js';
import { IPRoute } from '../iproute/iproute.js';
import { recordEventMapper } from '../iproute/decode/event.js';
import type { RecordKind } from '../iproute/records.js';
import { NLMSG_NOOP } from '../messages/nlmsg.js';
import {
  RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV6_RULE,
  RTNLGRP_LINK, RTNLGRP_NEIGH, RTM_DELROUTE, RTM_NEWROUTE,
} from '../messages/rtnl/constants.js';
import { isClaimedRoute, type ClaimedRoute } from '../transactions/echo-claim.js';
import { OverrunError } from '../transport/errors.js';
import type { NetnsRef } from '../transport/netns.js';
import { NetlinkSocket } from '../transport/socket.js';
import type { NetlinkTransport, Notification } from '../transport/transport.js';
import { DUMP_CHUNK, dumpKind, dumpKindEach, type DumpVisitor } from './dumps.js';
import { EventQueue, type EventQueueOptions } from './event-queue.js';
import { KeyedRouteReader } from './keyed-route-reader.js';
import { isMirrored } from './mirrored.js';

const MiB = 1 << 20;

/** The multicast groups that announce each record kind. */
export const GROUPS_OF: { readonly [K in RecordKind]: readonly number[] } = {
  interface: [RTNLGRP_LINK],
  address: [RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR],
  route: [RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE],
  rule: [RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE],
  neighbour: [RTNLGRP_NEIGH],
};

/** The groups for a set of kinds (all kinds by default). */
export function groupsFor(kinds: Iterable<RecordKind> = Object.keys(GROUPS_OF) as RecordKind[]): number[] {
  return [...new Set([...kinds].flatMap((k) => GROUPS_OF[k]))].sort((a, b) => a - b);
}

export interface KernelSourceOptions {
  /** The namespace of both sockets (a name under /run/netns, a path, { pid } or { fd }). */
  netns?: NetnsRef;
  /** The kinds to listen for (all by default): groups of kinds not kept are not joined. */
  kinds?: Iterable<RecordKind>;
  /** The event socket's receive buffer in bytes, before the kernel doubles it (default 32 MiB). */
  eventRcvbuf?: number;
  /**
   * Datagrams read from the event socket per turn of the event loop (default 2,048: a notification
   * is one small datagram, a few µs to read, so a turn moves about 100,000 a second out of the
   * kernel's buffer while parsing and applying, sliced by time, keep each turn short).
   */
  eventDatagramsPerSlice?: number;
  /** How the event queue slices its parsing. */
  queue?: EventQueueOptions;
  /** Records per dump chunk handed to the database (default 5,000). */
  dumpChunk?: number;
}

export class KernelSource implements DbSource {
  /** Batches of events (the database subscribes; the first subscription starts the queue). */
  readonly events$: Stream<readonly DbEvent[]>;
  readonly overrun$: Stream<unknown>;
  /** The event queue's counters (messages parsed, slices, losses, the largest backlog). */
  readonly queueStats: EventQueue['stats'];

  // Plain emitters: the database listens without loading rxjs (src/util/emitter.ts).
  private readonly eventsSubject = new Emitter<readonly DbEvent[]>();
  private readonly overrunSubject = new Emitter<unknown>();
  private readonly queue: EventQueue;
  private readonly dumpChunk: number;
  private closed = false;
  /**
   * Set by the transaction layer (tx.ts): true for an event caused by its own request socket (the
   * port id the kernel puts in `pid`) or about an object its in-flight commit changes, so that
   * notifications which carry no port id (links, IPv6 addresses) reach changes$ as origin
   * 'commit' too. Called for every event before the database sees it; it may complete the
   * event's record with what the commit knows and the kernel does not say (a new veth's peer).
   */
  ownEcho: ((ev: DbEvent, pid: number) => boolean) | null = null;

  /**
   * Opens the event socket (groups joined) and then the request socket, both in `netns`.
   * The libuv thread-pool hazard is handled by NetlinkSocket.openAsync.
   */
  static async open(opts: KernelSourceOptions = {}): Promise<KernelSource> {
    const ns = opts.netns !== undefined ? { netns: opts.netns } : {};
    const events = await NetlinkSocket.openAsync({
      ...ns,
      groups: groupsFor(opts.kinds),
      rcvbuf: opts.eventRcvbuf ?? 32 * MiB,
      datagramsPerSlice: opts.eventDatagramsPerSlice ?? 2048,
      // Notifications are small; a bigger one makes the buffer grow (the transport handles it).
      // A storm is read 64 datagrams per system call (recvmmsg), each into a slot of that size.
      recvBufferSize: 64 * 1024,
      receiveSlots: 64,
    });
    try {
      const ipr = await IPRoute.open(ns);
      return new KernelSource(events, ipr, opts);
    } catch (err) {
      events.close();
      throw err;
    }
  }

  /**
   * Wraps an event transport that has already joined its groups, and an IPRoute for dumps. The
   * source owns them from here on: close() closes the event transport and the IPRoute (which
   * closes its socket when it opened it itself).
   */
  constructor(
    readonly eventTransport: NetlinkTransport,
    readonly ipr: IPRoute,
    opts: Pick<KernelSourceOptions, 'queue' | 'dumpChunk'> = {},
  ) {
    this.dumpChunk = opts.dumpChunk ?? DUMP_CHUNK;
    this.queue = new EventQueue((msg) => this.toEvent(msg), {
      events: (batch) => this.eventsSubject.next(batch),
      lost: (cause) => this.overrunSubject.next(cause),
    }, opts.queue);
    this.queueStats = this.queue.stats;
    // Subscribed at once: messages that arrive before the database subscribes wait in the queue.
    eventTransport.notifications.subscribe((batch) => this.queue.pushMessages(batch));
    eventTransport.overruns.subscribe((err) => this.queue.pushLoss(err));
    this.events$ = {
      subscribe: (listener) => {
        const sub = this.eventsSubject.subscribe(listener);
        this.queue.start();
        return sub;
      },
    };
    this.overrun$ = this.overrunSubject;
  }

  dump(kind: RecordKind, hint?: DumpHint): DumpResult {
    return dumpKind(this.ipr.transport, kind, hint, this.dumpChunk);
  }

  dumpEach(kind: RecordKind, hint: DumpHint | undefined, visit: DumpVisitor, restarted?: () => void): Promise<void> {
    return dumpKindEach(this.ipr.transport, kind, hint, visit, restarted);
  }

  /** Notifications received but not parsed yet. */
  get backlog(): number {
    return this.queue.length;
  }

  /**
   * Resolves once every notification the kernel queued on the event socket before this call has
   * been received and handed to the database as events. A NLMSG_NOOP request with NLM_F_ACK on
   * the event socket itself is the barrier: the kernel answers it in order, behind everything
   * already in that socket's receive queue (netlink_rcv_skb acks control messages).
   */
  async sync(): Promise<void> {
    // Nothing waits in the event socket and nothing is being read: what the kernel sent before
    // this call is in the queue already, without asking the kernel for a barrier (a fresh
    // process's commit asked twice, about 1.5 ms each).
    if (this.eventTransport.drained?.() === true) {
      await this.queue.idle();
      return;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await this.eventTransport.request({ type: NLMSG_NOOP, payload: Buffer.alloc(0) }, { operation: 'sync' });
        break;
      } catch (err) {
        // The ACK itself was lost to an overrun: the resync it causes is queued; ask again.
        if (!(err instanceof OverrunError) || attempt >= 10 || this.closed) throw err;
      }
    }
    await this.queue.idle();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.close();
    try {
      this.eventTransport.close();
    } finally {
      this.ipr.close();
      this.eventsSubject.complete();
      this.overrunSubject.complete();
    }
  }

  /** Notifications to events, through the readers generated for each kind (as dumps read them). */
  private readonly toRecordEvent = recordEventMapper();
  /** Routes (most of a storm, and of a big commit's echo) with their keys (keyed-route-reader.ts). */
  private readonly routes = new KeyedRouteReader(1024);

  private toEvent(msg: Notification): DbEvent | null {
    const ev: DbEvent | null = msg.type === RTM_NEWROUTE || msg.type === RTM_DELROUTE
      ? (msg.claimed !== undefined && isClaimedRoute(msg.claimed) ? claimedRouteEvent(msg.claimed) : this.routeEvent(msg))
      : this.toRecordEvent(msg);
    if (ev === null || !isMirrored(ev)) return null;
    // ownEcho is asked first and always: it may complete the event (see its doc).
    const echo = this.ownEcho?.(ev, msg.pid) ?? false;
    const mine = echo || (msg.pid !== 0 && msg.pid === this.ipr.transport.portId);
    // The event is the mapper's new object: completed in place rather than copied.
    const w = ev as { nlmsgFlags?: number; origin?: DbEvent['origin'] };
    if (ev.kind === 'route') w.nlmsgFlags = msg.flags;
    if (mine) w.origin = 'commit';
    return ev;
  }

  private routeEvent(msg: Notification): DbEvent | null {
    const p = msg.payload;
    const record = this.routes.read(p, 0, p.length);
    if (record === null) return null;
    const op = msg.type === RTM_NEWROUTE ? 'new' : 'del';
    const key = this.routes.key;
    // One shape for every route event (the fields toEvent may add are there from the start).
    return { kind: 'route', op, record, key, nlmsgFlags: undefined, origin: undefined };
  }
}

/**
 * The event of a notification the commit recognised as its own route's announcement
 * (transactions/echo-claim.ts): the record and key it already had, for the same bytes.
 */
function claimedRouteEvent(c: ClaimedRoute): DbEvent {
  return { kind: 'route', op: c.op, record: c.record, key: c.key, nlmsgFlags: undefined, origin: undefined };
}
