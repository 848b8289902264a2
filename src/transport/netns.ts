/**
 * Network namespaces: entering one for the moment a socket is created, and naming new ones the
 * way iproute2 does (a bind mount under /run/netns), without running `ip`.
 *
 * A netlink socket belongs, for its whole life, to the namespace of the thread that created it.
 * withNetns() moves the calling thread into the namespace, runs a synchronous function, and
 * moves it back; nothing else can run on this thread meanwhile.
 *
 * The libuv thread-pool hazard (measured): libuv starts its pool threads lazily, all at once, on
 * the first piece of async work. A thread is born in its creator's namespace, so if that first
 * work is submitted while the main thread is inside another namespace, every pool thread stays
 * there for the rest of the process: later fs.promises calls, DNS look-ups and koffi `.async`
 * calls would run in the wrong namespace. Hence ensurePoolStarted() must have completed before
 * the first setns(): NetlinkSocket.openAsync() awaits it, and withNetns() refuses to run before.
 */
import { constants, closeSync, mkdirSync, openSync, promises as fsp, readdirSync, readlinkSync, unlinkSync } from 'node:fs';
import { Errno } from './errno.js';
import { TransportError } from './errors.js';
import * as libc from './libc.js';

/** Where iproute2 keeps named namespaces. */
export const NETNS_RUN_DIR = '/run/netns';

/** A network namespace: by name (under /run/netns), by file, by a process's, or an open fd. */
export type NetnsRef = string | { name: string } | { path: string } | { pid: number } | { fd: number };

/** Whether `name` can name a namespace file: non-empty, at most 255 bytes, no '/', not '.' or '..'. */
export function isNetnsName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && Buffer.byteLength(name) <= 255
    && !name.includes('/') && !name.includes('\0') && name !== '.' && name !== '..';
}

/** Throws unless `name` can name a namespace file (isNetnsName). */
export function validateNetnsName(name: string): void {
  if (!isNetnsName(name)) throw new TypeError(`invalid network namespace name ${JSON.stringify(name)}`);
}

/** The file a reference designates (undefined for an fd). */
export function netnsPath(ref: NetnsRef): string | undefined {
  if (typeof ref === 'string') return netnsPath({ name: ref });
  if ('name' in ref) {
    validateNetnsName(ref.name);
    return `${NETNS_RUN_DIR}/${ref.name}`;
  }
  if ('path' in ref) return ref.path;
  if ('pid' in ref) {
    if (!Number.isInteger(ref.pid) || ref.pid <= 0) throw new TypeError(`invalid pid ${ref.pid}`);
    return `/proc/${ref.pid}/ns/net`;
  }
  return undefined;
}

// ---- the thread pool -------------------------------------------------------------------------

// Mirrors a fact about the process (libuv's pool exists, in our namespace), which is global by
// nature; kept per module instance, so a worker thread simply warms up once more (harmless).
let poolStarted: Promise<void> | undefined;
let poolReady = false;

/**
 * Starts libuv's thread pool in the current namespace (one fs.promises call, one koffi `.async`
 * call) and checks that a pool thread is in the same namespace as this thread. Await it before
 * entering any namespace; cheap after the first time.
 */
export function ensurePoolStarted(): Promise<void> {
  poolStarted ??= (async () => {
    const here = readlinkSync('/proc/thread-self/ns/net');
    const [viaFs, viaKoffi] = await Promise.all([
      fsp.readlink('/proc/thread-self/ns/net'),
      libc.readlinkAsync('/proc/thread-self/ns/net'),
    ]);
    if (viaFs !== here || viaKoffi !== here) {
      throw new TransportError({
        syscall: 'setns', reason: 'syscall',
        detail: `libuv's thread pool runs in ${viaFs}/${viaKoffi}, not in this thread's ${here}: it was started inside another namespace`,
      });
    }
    poolReady = true;
  })();
  poolStarted.catch(() => { poolStarted = undefined; });
  return poolStarted;
}

/** True once ensurePoolStarted() has completed in this module instance. */
export function isPoolStarted(): boolean {
  return poolReady;
}

// ---- entering a namespace --------------------------------------------------------------------

/**
 * Runs `fn` with the calling thread inside the namespace `ref`, then moves the thread back. `fn`
 * must be synchronous (a promise it returned would resume outside the namespace). Requires
 * ensurePoolStarted() to have completed (see the hazard above).
 */
export function withNetns<T>(ref: NetnsRef, fn: () => T): T {
  if (!poolReady) {
    throw new TransportError({
      syscall: 'setns', reason: 'syscall',
      detail: "refused: await ensurePoolStarted() (or use NetlinkSocket.openAsync) before entering a namespace, or libuv's thread pool could be born inside it",
    });
  }
  const path = netnsPath(ref);
  const target = path !== undefined ? openNs(path) : (ref as { fd: number }).fd;
  try {
    const original = openNs('/proc/thread-self/ns/net');
    try {
      libc.setns(target, libc.CLONE_NEWNET);
      let result: T;
      try {
        result = fn();
      } finally {
        restore(original);
      }
      if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
        throw new TypeError('withNetns(fn): fn must be synchronous; it returned a promise');
      }
      return result;
    } finally {
      closeSync(original);
    }
  } finally {
    if (path !== undefined) closeSync(target);
  }
}

function openNs(path: string): number {
  try {
    // libuv adds O_CLOEXEC to every open by itself.
    return openSync(path, constants.O_RDONLY);
  } catch (err) {
    throw new TransportError({ syscall: 'open', reason: 'syscall', errno: errnoOf(err), detail: path, cause: err });
  }
}

function restore(original: number): void {
  try {
    libc.setns(original, libc.CLONE_NEWNET);
  } catch (err) {
    // The thread is stranded in the other namespace; nothing sane can continue on it.
    throw new TransportError({ syscall: 'setns', reason: 'syscall', detail: 'could not return to the original network namespace', cause: err });
  }
}

// ---- naming namespaces -----------------------------------------------------------------------

/**
 * Creates a named network namespace (like `ip netns add NAME`) and returns its file's path. A
 * worker thread unshares into a new namespace and bind-mounts it onto /run/netns/NAME; this
 * thread's own namespace is never touched.
 */
export async function createNetns(name: string): Promise<string> {
  validateNetnsName(name);
  mkdirSync(NETNS_RUN_DIR, { recursive: true, mode: 0o755 });
  makeRunDirShared();
  const path = `${NETNS_RUN_DIR}/${name}`;
  try {
    closeSync(openSync(path, constants.O_RDONLY | constants.O_CREAT | constants.O_EXCL, 0));
  } catch (err) {
    throw new TransportError({ syscall: 'open', reason: 'syscall', errno: errnoOf(err), detail: `${path}: cannot create namespace file`, cause: err });
  }
  try {
    await libc.bindNewNetns(path);
  } catch (err) {
    try { unlinkSync(path); } catch { /* keep the first error */ }
    throw err;
  }
  return path;
}

/**
 * iproute2 makes the run directory a shared mount, so namespaces mounted later show up in other
 * mount namespaces too: mark it shared; if it is not a mount point yet (EINVAL), bind-mount it
 * onto itself first.
 */
function makeRunDirShared(): void {
  let err = libc.tryMount('none', NETNS_RUN_DIR, 'none', libc.MS_SHARED | libc.MS_REC);
  if (err === Errno.EINVAL) {
    libc.mount(NETNS_RUN_DIR, NETNS_RUN_DIR, 'none', libc.MS_BIND | libc.MS_REC, `${NETNS_RUN_DIR} onto itself`);
    err = libc.tryMount('none', NETNS_RUN_DIR, 'none', libc.MS_SHARED | libc.MS_REC);
  }
  if (err !== 0) throw TransportError.fromErrno('mount', err, `${NETNS_RUN_DIR} as shared`);
}

/** Removes a named namespace (like `ip netns del NAME`): detach the mount, delete the file. */
export function removeNetns(name: string): void {
  validateNetnsName(name);
  const path = `${NETNS_RUN_DIR}/${name}`;
  const err = libc.umount2(path, libc.MNT_DETACH);
  // EINVAL: not a mount point (a half-made namespace); the file must still go.
  if (err !== 0 && err !== Errno.EINVAL) throw TransportError.fromErrno('umount2', err, path);
  try {
    unlinkSync(path);
  } catch (e) {
    throw new TransportError({ syscall: 'unlink', reason: 'syscall', errno: errnoOf(e), detail: path, cause: e });
  }
}

/** The names under /run/netns, sorted. */
export function listNetns(): string[] {
  try {
    return readdirSync(NETNS_RUN_DIR).sort();
  } catch (err) {
    if (errnoOf(err) === Errno.ENOENT) return [];
    throw new TransportError({ syscall: 'readdir', reason: 'syscall', errno: errnoOf(err), detail: NETNS_RUN_DIR, cause: err });
  }
}

function errnoOf(err: unknown): number | undefined {
  const n = (err as { errno?: unknown } | null)?.errno;
  // Node reports fs errors with negative errno numbers.
  return typeof n === 'number' ? Math.abs(n) : undefined;
}
