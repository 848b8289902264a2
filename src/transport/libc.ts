/**
 * The C library, through koffi: the ONLY file of nldb that touches koffi. Every other file sees
 * plain functions that take Buffers and numbers and either return a result or throw a
 * TransportError carrying errno.
 *
 * Behaviour measured on this machine (koffi 3.3.4, Linux 6.18, Node 20), not taken from docs:
 * - A Buffer given as `void *` is passed by pointer without a copy; a subarray keeps its offset.
 * - `koffi.errno()` read right after a sync call is that call's errno.
 * - `koffi.node.poll(fd, {readable: true}, cb)` wraps uv_poll (and makes the fd non-blocking).
 *   Its callback is called as (status, events), not as koffi's type declarations say. When the
 *   kernel raises POLLERR (a netlink receive overrun), libuv calls back with status UV_EBADF (-9)
 *   and STOPS the watcher: the owner must drain the socket (recv returns ENOBUFS once) and start
 *   the watcher again.
 * - `.async` calls run on libuv's thread pool (napi async work), the same pool as fs.promises.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import koffi from 'koffi';
import { TransportError } from './errors.js';
import { u32le } from '../util/bytes.js';

// ---- constants (x86_64 Linux; the generic values shared by arm64 and riscv64) -------------------

export const AF_NETLINK = 16;
export const SOCK_RAW = 3;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_SNDBUFFORCE = 32;
export const SO_RCVBUFFORCE = 33;
export const MSG_TRUNC = 0x20;
export const MSG_PEEK = 0x2;
export const MSG_DONTWAIT = 0x40;
/** SOL_NETLINK option: each datagram comes with a control message naming its multicast group. */
export const NETLINK_PKTINFO = 3;
export const CLONE_NEWNET = 0x40000000;
export const MS_BIND = 4096;
export const MS_REC = 16384;
export const MS_SHARED = 1 << 20;
export const MNT_DETACH = 2;
/** struct sockaddr_nl: u16 family, u16 pad, u32 pid, u32 groups. */
export const SOCKADDR_NL_SIZE = 12;

// ---- bindings --------------------------------------------------------------------------------

const lib = koffi.load('libc.so.6');
const c = {
  socket: lib.func('int socket(int domain, int type, int protocol)'),
  bind: lib.func('int bind(int fd, const void *addr, uint32_t addrlen)'),
  setsockopt: lib.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)'),
  getsockopt: lib.func('int getsockopt(int fd, int level, int name, void *value, void *len)'),
  getsockname: lib.func('int getsockname(int fd, void *addr, void *addrlen)'),
  send: lib.func('intptr_t send(int fd, const void *buf, size_t len, int flags)'),
  recvmsg: lib.func('intptr_t recvmsg(int fd, void *msg, int flags)'),
  recvmmsg: lib.func('int recvmmsg(int fd, void *msgvec, unsigned int vlen, int flags, void *timeout)'),
  close: lib.func('int close(int fd)'),
  setns: lib.func('int setns(int fd, int nstype)'),
  mount: lib.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data)'),
  umount2: lib.func('int umount2(const char *target, int flags)'),
  readlink: lib.func('intptr_t readlink(const char *path, void *buf, size_t size)'),
};

function fail(syscall: string, detail?: string): never {
  throw TransportError.fromErrno(syscall, koffi.errno(), detail);
}

export function socket(domain: number, type: number, protocol: number): number {
  const fd = c.socket(domain, type, protocol) as number;
  if (fd < 0) fail('socket');
  return fd;
}

export function bind(fd: number, addr: Buffer): void {
  if ((c.bind(fd, addr, addr.length) as number) < 0) fail('bind');
}

export function setsockoptInt(fd: number, level: number, name: number, value: number): void {
  const v = Buffer.alloc(4);
  v.writeInt32LE(value, 0);
  if ((c.setsockopt(fd, level, name, v, 4) as number) < 0) fail('setsockopt', `level ${level} option ${name}`);
}

/** Like setsockoptInt, but returns the errno (0 on success) so callers can fall back. */
export function trySetsockoptInt(fd: number, level: number, name: number, value: number): number {
  const v = Buffer.alloc(4);
  v.writeInt32LE(value, 0);
  return (c.setsockopt(fd, level, name, v, 4) as number) < 0 ? koffi.errno() : 0;
}

export function getsockoptInt(fd: number, level: number, name: number): number {
  const v = Buffer.alloc(4);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(4, 0);
  if ((c.getsockopt(fd, level, name, v, len) as number) < 0) fail('getsockopt', `level ${level} option ${name}`);
  return v.readInt32LE(0);
}

/** getsockname into a fresh sockaddr buffer of `size` bytes. */
export function getsockname(fd: number, size = SOCKADDR_NL_SIZE): Buffer {
  const addr = Buffer.alloc(size);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(size, 0);
  if ((c.getsockname(fd, addr, len) as number) < 0) fail('getsockname');
  return addr;
}

/** send(2). Returns the bytes sent, or the negated errno (no throw: the caller decides). */
export function send(fd: number, buf: Buffer): number {
  const n = c.send(fd, buf, buf.length, 0) as number;
  return n < 0 ? -koffi.errno() : n;
}

/**
 * send(2) on a thread-pool thread (a koffi `.async` call): resolves with the bytes sent, or the
 * negated errno. `buf` must not change until it resolves.
 */
export function sendAsync(fd: number, buf: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    c.send.async(fd, buf, buf.length, 0, (err: unknown, n: number) => {
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      // errno is the async call's own in its callback (koffi >= 3.2).
      else resolve(n < 0 ? -koffi.errno() : n);
    });
  });
}

/**
 * recvmsg(2) for a netlink socket, set up once and reused: the msghdr, iovec, sockaddr_nl and
 * control-message space live in one Buffer whose pointers (koffi.address of Node Buffers, whose
 * memory never moves) point at each other and at the data buffer.
 *
 * Why recvmsg and not recvfrom: the sender's address only tells a multicast group as a 32-bit
 * mask, so groups above 32 (common for generic netlink families, and rtnetlink's newer groups)
 * would look like unicast. With NETLINK_PKTINFO the kernel names the group in a control message.
 */
export class Receiver {
  /** The data of the last datagram received is in data[0, n). */
  data: Buffer;
  /** The multicast group of the last datagram; 0 for unicast. */
  group = 0;
  private readonly ctl = Buffer.alloc(MSGHDR_SIZE + IOVEC_SIZE + NAME_SPACE + CONTROL_SPACE);
  private readonly base: bigint;

  constructor(size: number) {
    this.base = koffi.address(this.ctl);
    this.data = Buffer.alloc(size);
    this.ctl.writeBigUInt64LE(this.base + BigInt(NAME_AT), 0); // msg_name
    this.ctl.writeBigUInt64LE(this.base + BigInt(IOV_AT), 16); // msg_iov
    this.ctl.writeBigUInt64LE(1n, 24); // msg_iovlen
    this.ctl.writeBigUInt64LE(this.base + BigInt(CONTROL_AT), 32); // msg_control
    this.pointAt(this.data);
  }

  /** Replaces the data buffer (after a datagram did not fit). */
  resize(size: number): void {
    this.data = Buffer.alloc(size);
    this.pointAt(this.data);
  }

  /**
   * Receives one datagram with MSG_TRUNC, so a datagram larger than `data` reports its real
   * length (compare with data.length). Returns the length, or the negated errno: EAGAIN is the
   * normal end of a drain, so the hot path does not throw.
   */
  recv(fd: number): number {
    const n = c.recvmsg(fd, this.rearm(), MSG_TRUNC) as number;
    if (n < 0) return -koffi.errno();
    this.group = this.readGroup();
    return n;
  }

  /** The msghdr, its lengths and flags set back for the next receive (the kernel changes them). */
  private rearm(): Buffer {
    // Plain 32-bit writes (the 64-bit fields' high halves stay 0): BigInts cost more than the
    // system call in a process whose JIT has not warmed up, and a storm is thousands of calls.
    const ctl = this.ctl;
    ctl[8] = NAME_SPACE; // msg_namelen (u32; its upper bytes stay 0)
    ctl[40] = CONTROL_SPACE; // msg_controllen (u64; its upper bytes stay 0)
    ctl[48] = 0; // msg_flags (int; only its low byte is ever set by netlink's recvmsg)
    ctl[49] = 0;
    ctl[50] = 0;
    ctl[51] = 0;
    return ctl;
  }

  /**
   * Whether a datagram waits, without taking it (MSG_PEEK | MSG_DONTWAIT): its length, or the
   * negated errno (EAGAIN: none). A socket error (an overrun's ENOBUFS) is reported, and cleared,
   * as a receive would: the caller must note it. Overwrites `data`.
   */
  peek(fd: number): number {
    const n = c.recvmsg(fd, this.rearm(), MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC) as number;
    return n < 0 ? -koffi.errno() : n;
  }

  private pointAt(data: Buffer): void {
    this.ctl.writeBigUInt64LE(koffi.address(data), IOV_AT); // iov_base
    this.ctl.writeBigUInt64LE(BigInt(data.length), IOV_AT + 8); // iov_len
  }

  private readGroup(): number {
    return groupOf(this.ctl, 0, CONTROL_AT, NAME_AT);
  }
}

/**
 * The multicast group a datagram came with: from its NETLINK_PKTINFO control message (the msghdr
 * at ctl[hdr], its control space at ctl[control], its sockaddr_nl at ctl[name]).
 */
function groupOf(ctl: Buffer, hdr: number, control: number, name: number): number {
  // The 64-bit lengths are read as their low 32 bits: the control space is 64 bytes.
  const controlLen = u32le(ctl, hdr + 40);
  let off = control;
  const end = control + Math.min(controlLen, CONTROL_SPACE);
  while (off + 16 <= end) {
    const len = u32le(ctl, off);
    if (len < 16 || u32le(ctl, off + 4) !== 0) break;
    if (u32le(ctl, off + 8) === SOL_NETLINK_LEVEL && u32le(ctl, off + 12) === NETLINK_PKTINFO && len >= 20) {
      return u32le(ctl, off + 16);
    }
    off += (len + 7) & ~7;
  }
  // No PKTINFO: fall back to the address's group mask (exact up to group 32).
  const mask = u32le(ctl, name + 8);
  return mask === 0 ? 0 : 32 - Math.clz32(mask);
}

/**
 * recvmmsg(2): up to `slots` datagrams per call, each into a slot of its own (`slotSize` bytes of
 * one arena), with its length and multicast group read like Receiver's. Set up once and reused;
 * what the last call read is in view(k)[0, length(k)) for k < the count it returned, valid until
 * the next call.
 *
 * Why: a commit of 10,000 routes is answered by 10,000 ACKs and announced by 10,000
 * notifications, each a small datagram; one call per datagram costs a koffi call and its
 * bookkeeping each time, most of the cost of reading them.
 */
export class MultiReceiver {
  private readonly arena: Buffer;
  private readonly views: Buffer[];
  /** The mmsghdr array, then the iovecs, names and control spaces of every slot. */
  private readonly ctl: Buffer;
  /** Slots the last call filled (their header fields are set back before the next call). */
  private used: number;

  constructor(readonly slots: number, readonly slotSize: number) {
    this.arena = Buffer.allocUnsafe(slots * slotSize);
    this.views = Array.from({ length: slots }, (_, k) => this.arena.subarray(k * slotSize, (k + 1) * slotSize));
    this.ctl = Buffer.alloc(slots * (MMSGHDR_SIZE + IOVEC_SIZE + NAME_SPACE + CONTROL_SPACE));
    const base = koffi.address(this.ctl);
    const arena = koffi.address(this.arena);
    for (let k = 0; k < slots; k++) {
      const h = k * MMSGHDR_SIZE;
      this.ctl.writeBigUInt64LE(base + BigInt(this.nameAt(k)), h); // msg_name
      this.ctl.writeBigUInt64LE(base + BigInt(this.iovAt(k)), h + 16); // msg_iov
      this.ctl.writeBigUInt64LE(1n, h + 24); // msg_iovlen
      this.ctl.writeBigUInt64LE(base + BigInt(this.controlAt(k)), h + 32); // msg_control
      this.ctl.writeBigUInt64LE(arena + BigInt(k * slotSize), this.iovAt(k)); // iov_base
      this.ctl.writeBigUInt64LE(BigInt(slotSize), this.iovAt(k) + 8); // iov_len
    }
    this.used = slots;
  }

  private iovAt(k: number): number {
    return this.slots * MMSGHDR_SIZE + k * IOVEC_SIZE;
  }

  private nameAt(k: number): number {
    return this.slots * (MMSGHDR_SIZE + IOVEC_SIZE) + k * NAME_SPACE;
  }

  private controlAt(k: number): number {
    return this.slots * (MMSGHDR_SIZE + IOVEC_SIZE + NAME_SPACE) + k * CONTROL_SPACE;
  }

  /**
   * Receives up to `slots` datagrams (or `max`, if fewer) with MSG_TRUNC (a datagram longer than
   * slotSize reports its real length: compare). Returns how many, or the negated errno (EAGAIN
   * when there was none).
   */
  recv(fd: number, max = this.slots): number {
    this.reset();
    const n = c.recvmmsg(fd, this.ctl, Math.min(max, this.slots), MSG_TRUNC, null) as number;
    if (n < 0) {
      this.used = 0;
      return -koffi.errno();
    }
    this.used = n;
    return n;
  }

  /**
   * recv() on a thread-pool thread (a koffi `.async` call). A netlink dump is produced inside the
   * receive calls that read it (netlink_recvmsg runs the next step of the dump), so this moves
   * the kernel's share of a dump off the JavaScript thread. The receiver must not be used until
   * the promise settles.
   */
  recvAsync(fd: number): Promise<number> {
    this.reset();
    return new Promise((resolve, reject) => {
      c.recvmmsg.async(fd, this.ctl, this.slots, MSG_TRUNC, null, (err: unknown, n: number) => {
        if (err) {
          this.used = this.slots;
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        // errno is the async call's own in its callback (koffi >= 3.2).
        const result = n < 0 ? -koffi.errno() : n;
        this.used = n < 0 ? 0 : n;
        resolve(result);
      });
    });
  }

  /** Sets the header fields of the slots the last call used back to their empty state. */
  private reset(): void {
    const ctl = this.ctl;
    for (let k = 0; k < this.used; k++) {
      const h = k * MMSGHDR_SIZE;
      ctl[h + 8] = NAME_SPACE; // msg_namelen (its upper bytes stay 0)
      ctl[h + 40] = CONTROL_SPACE; // msg_controllen (likewise)
      ctl[h + 48] = 0; // msg_flags
      ctl[h + 49] = 0;
      ctl[h + 50] = 0;
      ctl[h + 51] = 0;
    }
  }

  /** The data of datagram k of the last call (a view of its slot). */
  view(k: number): Buffer {
    return this.views[k]!;
  }

  /** The length of datagram k of the last call (more than slotSize: it was cut). */
  length(k: number): number {
    return u32le(this.ctl, k * MMSGHDR_SIZE + 56);
  }

  /** The multicast group of datagram k of the last call; 0 for unicast. */
  group(k: number): number {
    return groupOf(this.ctl, k * MMSGHDR_SIZE, this.controlAt(k), this.nameAt(k));
  }
}

// struct msghdr (56 bytes on LP64), struct mmsghdr (a msghdr and its length: 64), struct iovec
// (16), sockaddr_nl (12, kept 8-aligned), cmsg space.
const MSGHDR_SIZE = 56;
const MMSGHDR_SIZE = 64;
const IOVEC_SIZE = 16;
const NAME_SPACE = 16;
const CONTROL_SPACE = 64;
const IOV_AT = MSGHDR_SIZE;
const NAME_AT = IOV_AT + IOVEC_SIZE;
const CONTROL_AT = NAME_AT + NAME_SPACE;
const SOL_NETLINK_LEVEL = 270;

/** close(2); returns the errno (0 on success): closing is best effort. */
export function close(fd: number): number {
  return (c.close(fd) as number) < 0 ? koffi.errno() : 0;
}

export function setns(fd: number, nstype: number): void {
  if ((c.setns(fd, nstype) as number) < 0) fail('setns');
}

export function mount(source: string | null, target: string, fstype: string | null, flags: number, detail?: string): void {
  if ((c.mount(source, target, fstype, flags, null) as number) < 0) fail('mount', detail ?? target);
}

/** mount(2) returning the errno instead of throwing (for the EINVAL-then-retry dance of /run/netns). */
export function tryMount(source: string | null, target: string, fstype: string | null, flags: number): number {
  return (c.mount(source, target, fstype, flags, null) as number) < 0 ? koffi.errno() : 0;
}

/** umount2(2), returning the errno (0 on success). */
export function umount2(target: string, flags: number): number {
  return (c.umount2(target, flags) as number) < 0 ? koffi.errno() : 0;
}

/**
 * readlink(2) run as a koffi `.async` call, i.e. on a libuv thread-pool thread. Used to start the
 * pool before any setns() and to see which namespace a pool thread lives in
 * (`/proc/thread-self/ns/net` resolves for the calling thread).
 */
export function readlinkAsync(path: string): Promise<string> {
  const buf = Buffer.alloc(256);
  return new Promise((resolve, reject) => {
    c.readlink.async(path, buf, buf.length, (err: unknown, n: number) => {
      if (err) reject(new TransportError({ syscall: 'readlink', reason: 'syscall', detail: path, cause: err }));
      else if (n < 0) reject(new TransportError({ syscall: 'readlink', reason: 'syscall', detail: path }));
      else resolve(buf.subarray(0, n).toString('utf8'));
    });
  });
}

// ---- poll handle -----------------------------------------------------------------------------

/** A uv_poll watcher on an fd, for readability. */
export interface PollWatcher {
  /** (Re)starts watching; harmless when already watching. */
  start(): void;
  stop(): void;
  /** Stops and releases the handle (uv_close). The fd itself stays open: close it after this. */
  close(): void;
  ref(): void;
  unref(): void;
}

interface KoffiPollHandle {
  start(opts: { readable: boolean }, cb: (status: number) => void): void;
  stop(): void;
  close(): void;
  ref(): void;
  unref(): void;
}

/**
 * Watches `fd` for readability. `onEvent(status)` gets status 0 when readable, or a negative libuv
 * error (UV_EBADF for POLLERR) after which libuv has stopped the watcher.
 */
export function watchReadable(fd: number, onEvent: (status: number) => void): PollWatcher {
  const cb = (status: number): void => onEvent(status);
  // koffi's .d.ts declares the callback as (events) => void; at run time it is (status, events).
  const poll = koffi.node.poll as unknown as (fd: number, opts: { readable: boolean }, cb: (status: number) => void) => KoffiPollHandle | null;
  const handle = poll(fd, { readable: true }, cb);
  if (!handle) throw new TransportError({ syscall: 'uv_poll_init', reason: 'syscall', detail: `fd ${fd}` });
  let closed = false;
  return {
    start: () => { if (!closed) handle.start({ readable: true }, cb); },
    stop: () => { if (!closed) handle.stop(); },
    close: () => { if (!closed) { closed = true; handle.close(); } },
    ref: () => { if (!closed) handle.ref(); },
    unref: () => { if (!closed) handle.unref(); },
  };
}

// ---- a network namespace made in a thread of its own -------------------------------------------

/**
 * The code a short-lived worker thread runs: unshare(CLONE_NEWNET) moves only that thread into a
 * new, empty network namespace, then a bind mount of its /proc/thread-self/ns/net onto `target`
 * (an empty file) keeps the namespace alive, and named, after the thread ends. The main thread's
 * namespace is never touched. Plain CommonJS, because an eval'd worker cannot load TypeScript.
 */
const NEW_NETNS_WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const koffi = require(workerData.koffiPath);
const lib = koffi.load('libc.so.6');
const unshare = lib.func('int unshare(int flags)');
const mount = lib.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data)');
if (unshare(workerData.CLONE_NEWNET) < 0) {
  parentPort.postMessage({ ok: false, syscall: 'unshare', errno: koffi.errno() });
} else if (mount('/proc/thread-self/ns/net', workerData.target, 'none', workerData.MS_BIND, null) < 0) {
  parentPort.postMessage({ ok: false, syscall: 'mount', errno: koffi.errno() });
} else {
  parentPort.postMessage({ ok: true });
}
`;

/** Creates a new network namespace and bind-mounts it onto the existing empty file `target`. */
export function bindNewNetns(target: string): Promise<void> {
  const koffiPath = createRequire(import.meta.url).resolve('koffi');
  return new Promise((resolve, reject) => {
    let result: { ok: boolean; syscall?: string; errno?: number } | undefined;
    const worker = new Worker(NEW_NETNS_WORKER, {
      eval: true,
      workerData: { koffiPath, target, CLONE_NEWNET, MS_BIND },
    });
    worker.once('message', (m: typeof result) => { result = m; });
    worker.once('error', (err) => reject(new TransportError({ syscall: 'unshare', reason: 'syscall', detail: target, cause: err })));
    worker.once('exit', () => {
      if (result?.ok) resolve();
      else if (result) reject(TransportError.fromErrno(result.syscall ?? 'unshare', result.errno ?? 0, target));
      else reject(new TransportError({ syscall: 'unshare', reason: 'syscall', detail: `${target}: worker ended without an answer` }));
    });
  });
}
