/**
 * A real netlink socket, for any netlink protocol, over koffi.
 *
 * The fd is non-blocking and watched by a uv_poll handle; when it is readable the socket is
 * drained with synchronous recvmsg() calls into one reused buffer until EAGAIN. The core reads
 * each datagram there; what it hands out (messages, notifications) are views into one copy of the
 * datagram, never into the reused buffer, and a dump read with dumpEach() is not copied at all.
 * A whole multi-megabyte dump can be waiting in one wake-up, so the drain yields to the event
 * loop every DATAGRAMS_PER_SLICE datagrams.
 *
 * Receive overruns: the kernel drops messages when the receive buffer is full, raises POLLERR,
 * and the next recv fails with ENOBUFS (once). libuv reports POLLERR as a negative status and
 * stops the watcher; the drain reads on, restarts the watcher, and the core then fails the
 * requests whose answers were lost and tells overrun$ subscribers to resynchronise.
 */
import { NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN, NETLINK_ADD_MEMBERSHIP, NETLINK_CAP_ACK, NETLINK_DROP_MEMBERSHIP, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, NETLINK_ROUTE, SOL_NETLINK } from '../messages/nlmsg.js';
import { TransportCore } from './core.js';
import type { BatchBudget } from './ops.js';
import { Errno } from './errno.js';
import { TransportError } from './errors.js';
import type { NetlinkHook } from './hook.js';
import * as libc from './libc.js';
import { ensurePoolStarted, withNetns, type NetnsRef } from './netns.js';

/** Datagrams read per turn of the event loop before yielding (a dump datagram holds up to ~32 KiB). */
const DATAGRAMS_PER_SLICE = 48;
const MiB = 1 << 20;

export interface SocketOptions {
  /** NETLINK_ROUTE (0, the default), NETLINK_GENERIC (16), ... */
  protocol?: number;
  /** Create the socket inside this network namespace (see netns.ts about the thread pool). */
  netns?: NetnsRef;
  /** Multicast groups to join (group numbers, e.g. RTNLGRP_LINK = 1). */
  groups?: number[];
  /**
   * Receive buffer in bytes, set with SO_RCVBUFFORCE (SO_RCVBUF, capped by rmem_max, without
   * CAP_NET_ADMIN); the kernel doubles it. Default 8 MiB for a socket with groups (events), else
   * 16 MiB (requests: a 5,000-request batch's ACKs must fit).
   */
  rcvbuf?: number;
  /** Send buffer (SO_SNDBUFFORCE); bounds one send(), hence a batch chunk. Default 4 MiB. */
  sndbuf?: number;
  /** NETLINK_EXT_ACK: the kernel explains its errors. Default true. */
  extAck?: boolean;
  /** NETLINK_GET_STRICT_CHK: dump requests are checked strictly and their filters honoured. Default true. */
  strictCheck?: boolean;
  /** NETLINK_CAP_ACK: error ACKs do not echo the request's payload. Default false. */
  capAck?: boolean;
  /** Initial size of the reused receive buffer; grows if a datagram does not fit. Default 128 KiB. */
  recvBufferSize?: number;
  /** Datagrams read before yielding to the event loop. Default 48. */
  datagramsPerSlice?: number;
  /**
   * Read up to this many datagrams per system call (recvmmsg), each into a slot of
   * recvBufferSize bytes: for sockets that receive floods of small datagrams (notifications, the
   * ACKs of a batch). Default 1: one recvmsg per datagram into a buffer that grows as needed.
   */
  receiveSlots?: number;
  /**
   * While a dump runs, read it this many datagrams at a time on a thread-pool thread, into one of
   * two alternating sets of slots, while this thread handles the previous set. The kernel builds
   * a dump inside the receive calls that read it (netlink_recvmsg runs its next step), so this
   * puts the kernel's share of a big dump on another core instead of in series with decoding:
   * about 40 ms of the 100,000-route dump's 300. Default 0 (off); IPRoute's sockets use 16.
   */
  dumpReadAhead?: number;
  hook?: NetlinkHook;
}

export class NetlinkSocket extends TransportCore {
  readonly protocol: number;
  readonly portId: number;
  private readonly fd: number;
  private readonly poll: libc.PollWatcher;
  private readonly receiver: libc.Receiver;
  /** With receiveSlots > 1: the recvmmsg receiver (its slot size grows after a datagram did not fit). */
  private multi: libc.MultiReceiver | null;
  /** With dumpReadAhead: the two alternating receivers, and whether a read-ahead drain runs. */
  private ahead: [libc.MultiReceiver, libc.MultiReceiver] | null;
  private aheadRunning = false;
  private readonly sliceSize: number;
  private polling = true;
  private yielding = false;
  /** pause() calls not ended yet: while there are any, nothing is read. */
  private pauses = 0;
  private refWanted = true;
  private busy = false;

  /**
   * Opens a socket synchronously. With `netns`, ensurePoolStarted() must have completed before
   * (else this throws); openAsync() takes care of that.
   */
  static open(opts: SocketOptions = {}): NetlinkSocket {
    const protocol = opts.protocol ?? NETLINK_ROUTE;
    const create = (): number => libc.socket(libc.AF_NETLINK, libc.SOCK_RAW | libc.SOCK_CLOEXEC | libc.SOCK_NONBLOCK, protocol);
    const fd = opts.netns !== undefined ? withNetns(opts.netns, create) : create();
    let sock: NetlinkSocket | undefined;
    try {
      const groups = opts.groups ?? [];
      setBuffer(fd, libc.SO_RCVBUFFORCE, libc.SO_RCVBUF, opts.rcvbuf ?? (groups.length > 0 ? 8 * MiB : 16 * MiB));
      setBuffer(fd, libc.SO_SNDBUFFORCE, libc.SO_SNDBUF, opts.sndbuf ?? 4 * MiB);
      if (opts.extAck ?? true) libc.setsockoptInt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
      if (opts.strictCheck ?? true) libc.setsockoptInt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
      if (opts.capAck) libc.setsockoptInt(fd, SOL_NETLINK, NETLINK_CAP_ACK, 1);
      libc.setsockoptInt(fd, SOL_NETLINK, libc.NETLINK_PKTINFO, 1);
      const addr = Buffer.alloc(libc.SOCKADDR_NL_SIZE);
      addr.writeUInt16LE(libc.AF_NETLINK, 0); // nl_pid 0: the kernel picks our port id
      libc.bind(fd, addr);
      const portId = libc.getsockname(fd).readUInt32LE(4);
      sock = new NetlinkSocket(fd, protocol, portId, opts);
      for (const g of groups) sock.addMembership(g);
      return sock;
    } catch (err) {
      if (sock) sock.close();
      else libc.close(fd);
      throw err;
    }
  }

  /** Opens a socket, first making sure libuv's thread pool cannot be born in another namespace. */
  static async openAsync(opts: SocketOptions = {}): Promise<NetlinkSocket> {
    if (opts.netns !== undefined) await ensurePoolStarted();
    return NetlinkSocket.open(opts);
  }

  private constructor(fd: number, protocol: number, portId: number, opts: SocketOptions) {
    super();
    this.fd = fd;
    this.protocol = protocol;
    this.portId = portId;
    this.hook = opts.hook;
    this.receiver = new libc.Receiver(opts.recvBufferSize ?? 128 * 1024);
    const slots = opts.receiveSlots ?? 1;
    this.multi = slots > 1 ? new libc.MultiReceiver(slots, opts.recvBufferSize ?? 128 * 1024) : null;
    const ahead = opts.dumpReadAhead ?? 0;
    // Pages of the slots are only touched as datagrams land in them (allocUnsafe).
    this.ahead = ahead > 0 ? [0, 1].map(() => new libc.MultiReceiver(ahead, opts.recvBufferSize ?? 128 * 1024)) as [libc.MultiReceiver, libc.MultiReceiver] : null;
    this.sliceSize = Math.max(1, opts.datagramsPerSlice ?? DATAGRAMS_PER_SLICE);
    this.poll = libc.watchReadable(fd, (status) => this.onPoll(status));
    this.applyRef();
  }

  /** The socket's file descriptor (for diagnostics; do not read from it). */
  get fileno(): number {
    return this.fd;
  }

  /** The receive buffer the kernel actually granted (SO_RCVBUF: twice what was asked). */
  get rcvbufSize(): number {
    return libc.getsockoptInt(this.fd, libc.SOL_SOCKET, libc.SO_RCVBUF);
  }

  get sndbufSize(): number {
    return libc.getsockoptInt(this.fd, libc.SOL_SOCKET, libc.SO_SNDBUF);
  }

  protected setMembership(group: number, join: boolean): void {
    libc.setsockoptInt(this.fd, SOL_NETLINK, join ? NETLINK_ADD_MEMBERSHIP : NETLINK_DROP_MEMBERSHIP, group);
  }

  /**
   * Like a Node socket: a socket keeps the process alive (ref) unless unref() was called; an
   * unref'd socket still keeps it alive while requests or dumps are pending.
   */
  ref(): this {
    this.refWanted = true;
    this.applyRef();
    return this;
  }

  unref(): this {
    this.refWanted = false;
    this.applyRef();
    return this;
  }

  /**
   * Stops reading until the returned function is called (pauses nest: reading resumes once every
   * one has ended; calling it twice does nothing). Datagrams arriving meanwhile wait in the
   * socket's receive buffer; an overrun there is noticed once reading resumes. Requests and dumps
   * in progress wait for their answers too. A transaction pauses the database's event socket while
   * its link changes are in the kernel's hands (BatchOptions.quiet).
   */
  pause(): () => void {
    if (this.closed) return () => {};
    this.pauses += 1;
    if (this.polling) {
      this.polling = false;
      this.poll.stop();
    }
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.pauses -= 1;
      // A yield or a read-ahead under way goes back to polling (or reads on) by itself.
      if (this.pauses > 0 || this.closed || this.yielding || this.aheadRunning || this.polling) return;
      // What arrived meanwhile is read on the event loop's next poll.
      this.polling = true;
      this.poll.start();
    };
  }

  protected override pauseReading(): () => void {
    return this.pause();
  }

  /**
   * Whether everything the kernel has sent this socket so far has been read and handed on: no
   * datagram waits in its receive queue (a peek, one system call), and nothing is being read,
   * paused, dumped or waited for. False when in doubt. An overrun the peek finds is noted and the
   * socket drained, as the poll would have.
   */
  drained(): boolean {
    if (this.closed || this.pauses > 0 || this.aheadRunning || this.yielding || this.busy || !this.polling) return false;
    const n = this.receiver.peek(this.fd);
    if (n === -Errno.EAGAIN) return true;
    if (n === -Errno.ENOBUFS) this.noteLoss('enobufs');
    this.drain();
    return false;
  }

  protected override onBusyChange(busy: boolean): void {
    this.busy = busy;
    this.applyRef();
  }

  private applyRef(): void {
    if (this.closed) return;
    if (this.refWanted || this.busy) this.poll.ref();
    else this.poll.unref();
  }

  protected transmit(bytes: Buffer): void {
    const n = libc.send(this.fd, bytes);
    if (n < 0) throw TransportError.fromErrno('send', -n, `${bytes.length} bytes`);
    if (n !== bytes.length) throw new TransportError({ syscall: 'send', reason: 'syscall', detail: `sent ${n} of ${bytes.length} bytes` });
  }

  /** Sends in flight on the thread pool: the fd is closed only once they have returned. */
  private offThread = 0;
  private closeWhenIdle = false;

  protected override async transmitAsync(bytes: Buffer): Promise<void> {
    this.offThread += 1;
    let n: number;
    try {
      n = await libc.sendAsync(this.fd, bytes);
    } finally {
      this.offThread -= 1;
      if (this.offThread === 0 && this.closeWhenIdle) libc.close(this.fd);
    }
    if (n < 0) throw TransportError.fromErrno('send', -n, `${bytes.length} bytes`);
    if (n !== bytes.length) throw new TransportError({ syscall: 'send', reason: 'syscall', detail: `sent ${n} of ${bytes.length} bytes` });
  }

  protected batchBudget(): BatchBudget {
    // The kernel refuses a send larger than sk_sndbuf - 32; keep half the receive buffer for
    // everything else arriving meanwhile.
    return { maxBytes: Math.max(4096, this.sndbufSize - 64), rcvBytes: Math.floor(this.rcvbufSize / 2) };
  }

  protected release(): void {
    this.poll.close();
    // A send still running on the thread pool holds the fd's number: closing it now could let
    // the next socket or file take that number before the send has begun.
    if (this.offThread > 0) this.closeWhenIdle = true;
    else libc.close(this.fd);
  }

  // ---- the drain -----------------------------------------------------------------------------

  private onPoll(status: number): void {
    // A negative status is POLLERR (an overrun): libuv has already stopped the watcher.
    if (status < 0) this.polling = false;
    if (this.yielding || this.closed || this.aheadRunning || this.pauses > 0) return;
    this.drain();
  }

  /**
   * A receive that returned the negated errno `n`: true when the drain is over (EAGAIN: the
   * socket is empty; or the socket is broken), false to read on (ENOBUFS was noted, EINTR).
   */
  private onRecvError(n: number): boolean {
    const errno = -n;
    if (errno === Errno.EAGAIN) {
      this.drainComplete();
      if (!this.closed && !this.polling && this.pauses === 0) {
        this.polling = true;
        this.poll.start();
      }
      return true;
    }
    if (errno === Errno.ENOBUFS) {
      this.noteLoss('enobufs');
      return false;
    }
    if (errno === Errno.EINTR) return false;
    // Anything else means the socket itself is broken: fail everything, loudly but without a crash.
    this.shutdown(TransportError.fromErrno('recvmsg', errno));
    return true;
  }

  private drain(): void {
    // A read-ahead drain is reading: it goes back to polling (or hands over) when it ends.
    if (this.aheadRunning) return;
    // Paused: the last pause's end starts polling again.
    if (this.pauses > 0) return;
    if (this.ahead !== null && this.dumping) {
      void this.drainAhead(this.ahead);
      return;
    }
    for (let count = 0; count < this.sliceSize; ) {
      if (this.closed) return;
      const m = this.multi;
      if (m !== null) {
        const got = m.recv(this.fd);
        if (got > 0) {
          count += got;
          const cut = this.deliver(m, got);
          if (cut > 0) this.multi = new libc.MultiReceiver(m.slots, nextPow2(cut));
          continue;
        }
        if (this.onRecvError(got === 0 ? -Errno.EAGAIN : got)) return;
        continue;
      }
      const r = this.receiver;
      const n = r.recv(this.fd);
      if (n >= 0) {
        count += 1;
        if (n > r.data.length) {
          const kept = Buffer.from(r.data);
          r.resize(nextPow2(n));
          this.datagramLost('truncated', kept, r.group);
          continue;
        }
        // Read in place: the core copies the datagram only for what must outlive this call.
        this.receive(r.data, r.group, n);
        continue;
      }
      if (this.onRecvError(n)) return;
    }
    // A full slice: let timers, I/O and promise continuations run, then read on.
    this.flushNotifications();
    this.yielding = true;
    if (this.polling) {
      this.polling = false;
      this.poll.stop();
    }
    setImmediate(() => {
      this.yielding = false;
      if (!this.closed) this.drain();
    });
  }

  /**
   * Hands the `got` datagrams a receiver holds to the core, in order. Returns the length of the
   * largest datagram that did not fit its slot (0 if none): the caller makes room for the next.
   */
  private deliver(m: libc.MultiReceiver, got: number): number {
    let cut = 0;
    for (let k = 0; k < got && !this.closed; k++) {
      const len = m.length(k);
      if (len > m.slotSize) {
        // Cut short: lost. Later datagrams that large get room.
        cut = Math.max(cut, len);
        this.datagramLost('truncated', Buffer.from(m.view(k)), m.group(k));
        continue;
      }
      // Read in place: the core copies the datagram only for what must outlive this call.
      this.receive(m.view(k), m.group(k), len);
    }
    return cut;
  }

  /**
   * The drain while a dump runs (dumpReadAhead): each set of datagrams is handled while the next
   * is being received on a thread-pool thread. Order is kept: a receive starts only after the
   * previous one returned, and its datagrams are handled after the previous set's. Ends, back to
   * polling, when the socket is empty; or goes on as the plain drain once no dump runs.
   */
  private async drainAhead(pair: [libc.MultiReceiver, libc.MultiReceiver]): Promise<void> {
    this.aheadRunning = true;
    if (this.polling) {
      this.polling = false;
      this.poll.stop();
    }
    let [cur, spare] = pair;
    let handOver = false;
    try {
      // One datagram here, the rest on the thread pool: each datagram read makes the kernel build
      // the next part of the dump, in the thread that reads.
      let got = cur.recv(this.fd, 1);
      for (;;) {
        if (this.closed) return;
        if (got <= 0) {
          if (this.onRecvError(got === 0 ? -Errno.EAGAIN : got)) return;
          got = cur.recv(this.fd);
          continue;
        }
        // Not after a set that ends the dump: nothing more would come, and a receive still on
        // the thread pool would hold the socket open past close() for a moment.
        // (Paused: this set is handed over, and the read-ahead goes on when reading resumes.)
        const next = this.dumping && !endsDump(cur, got) && this.pauses === 0 ? this.recvOffThread(spare) : null;
        const cut = this.deliver(cur, got);
        // A datagram did not fit: both receivers are replaced by bigger ones, used from the
        // receive after `next` on (what `next` reads lands in the old one).
        if (cut > 0) this.ahead = [0, 1].map(() => new libc.MultiReceiver(cur.slots, nextPow2(cut))) as [libc.MultiReceiver, libc.MultiReceiver];
        if (next === null) {
          handOver = true;
          return;
        }
        got = await next;
        const filled = spare;
        spare = this.ahead![0] === filled ? this.ahead![1] : this.ahead![0];
        cur = filled;
      }
    } catch (err) {
      this.shutdown(new TransportError({ syscall: 'recvmmsg', reason: 'syscall', detail: 'read-ahead on the thread pool', cause: err }));
    } finally {
      this.aheadRunning = false;
      if (handOver && !this.closed) this.drain();
    }
  }

  private async recvOffThread(m: libc.MultiReceiver): Promise<number> {
    this.stats.readAheads += 1;
    this.offThread += 1;
    try {
      return await m.recvAsync(this.fd);
    } finally {
      this.offThread -= 1;
      if (this.offThread === 0 && this.closeWhenIdle) libc.close(this.fd);
    }
  }
}

/** Whether the last datagram of a set holds an NLMSG_DONE or NLMSG_ERROR (a dump's end). */
function endsDump(m: libc.MultiReceiver, got: number): boolean {
  const last = m.view(got - 1);
  const length = Math.min(m.length(got - 1), last.length);
  for (let off = 0; off + NLMSG_HDRLEN <= length; ) {
    const len = last.readUInt32LE(off);
    const type = last.readUInt16LE(off + 4);
    if (type === NLMSG_DONE || type === NLMSG_ERROR) return true;
    if (len < NLMSG_HDRLEN) return true;
    off += (len + 3) & ~3;
  }
  return false;
}

function setBuffer(fd: number, force: number, plain: number, bytes: number): void {
  // The FORCE variants need CAP_NET_ADMIN; without it, ask for what rmem_max/wmem_max allow.
  const err = libc.trySetsockoptInt(fd, libc.SOL_SOCKET, force, bytes);
  if (err === Errno.EPERM) libc.setsockoptInt(fd, libc.SOL_SOCKET, plain, bytes);
  else if (err !== 0) throw TransportError.fromErrno('setsockopt', err, `buffer option ${force}`);
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
