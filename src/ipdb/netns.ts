/**
 * NetNS: named network namespaces, the way `ip netns` names them (/run/netns/NAME), made and
 * removed through syscalls (the transport's netns.ts), never by running `ip`.
 *
 *   await NetNS.create('blue');
 *   const db = await IPDB.open({ netns: 'blue' });
 *   await NetNS.list();        // ['blue', ...]
 *   db.close();
 *   await NetNS.remove('blue');
 *
 * All three return promises, although only create() needs to (a worker thread unshares into the
 * new namespace): one calling convention, and room to wait on the kernel later.
 */
import { createNetns, listNetns, netnsPath, removeNetns } from '../transport/netns.js';

export const NetNS = Object.freeze({
  /** Creates a named namespace (like `ip netns add NAME`); resolves with its file's path. */
  create(name: string): Promise<string> {
    return createNetns(name);
  },

  /** The named namespaces under /run/netns, sorted. */
  async list(): Promise<string[]> {
    return listNetns();
  },

  /**
   * Removes a named namespace (like `ip netns del NAME`): the name goes at once; the namespace
   * itself lives on while something (a process, an open socket) still holds it.
   */
  async remove(name: string): Promise<void> {
    removeNetns(name);
  },

  /** The file that names a namespace: '/run/netns/NAME'. */
  path(name: string): string {
    return netnsPath(name)!;
  },
});
