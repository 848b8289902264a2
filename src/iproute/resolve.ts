/**
 * Before a change is sent, every interface it names is looked up (RTM_GETLINK by name or by index)
 * and every namespace it moves something to is opened. A missing interface is a NotFoundError
 * naming the spec field and the value, raised before anything was sent.
 */
// Node opens files with O_CLOEXEC already.
import { closeSync, constants, openSync } from 'node:fs';
import { RTEXT_FILTER_SKIP_STATS, rtnl, type LinkMessage, type RawMessage } from '../messages/index.js';
import { KernelError } from '../transport/errors.js';
import { netnsPath } from '../transport/netns.js';
import type { NetlinkTransport } from '../transport/transport.js';
import type { EncodeContext } from './encode/index.js';
import { NotFoundError, ValidationError } from './errors.js';
import type { IfTarget, NetnsTarget } from './validate/index.js';

const ENODEV = 19;
const ENOENT = 2;

/** An interface reference found in a spec, with the field that holds it. */
export interface IfUse {
  field: string;
  target: IfTarget;
}

const keyOf = (t: IfTarget): string => ('index' in t ? `#${t.index}` : t.ifname);

/** The RTM_GETLINK request for one interface (stats left out: they are not needed). */
export function getLinkRequest(t: IfTarget): { type: number; payload: Buffer } {
  const byName = !('index' in t);
  return {
    type: rtnl.link.types.get,
    payload: rtnl.link.encode({
      family: 0, index: byName ? 0 : t.index, flags: 0, change: 0,
      attrs: byName ? { ifname: t.ifname, extMask: RTEXT_FILTER_SKIP_STATS } : { extMask: RTEXT_FILTER_SKIP_STATS },
    }),
  };
}

/** The link message the kernel has for `t`, or null when there is no such interface. */
export async function fetchLink(transport: NetlinkTransport, t: IfTarget): Promise<LinkMessage | null> {
  let replies: RawMessage[];
  try {
    replies = await transport.request(getLinkRequest(t), { operation: `link get ${'index' in t ? `index ${t.index}` : t.ifname}` });
  } catch (err) {
    if (err instanceof KernelError && (err.errno === ENODEV || err.errno === ENOENT)) return null;
    throw err;
  }
  const reply = replies.find((m) => m.type === rtnl.link.types.new);
  return reply ? rtnl.link.decode(reply.payload) : null;
}

/**
 * Resolves every interface in `uses` to its index, in parallel. Every missing one is reported,
 * together, in one NotFoundError.
 */
export async function resolveInterfaces(transport: NetlinkTransport, uses: readonly IfUse[]): Promise<Map<string, number>> {
  const distinct = new Map<string, IfUse[]>();
  for (const u of uses) {
    const k = keyOf(u.target);
    const list = distinct.get(k);
    if (list) list.push(u);
    else distinct.set(k, [u]);
  }
  const found = new Map<string, number>();
  const missing: IfUse[] = [];
  await Promise.all([...distinct].map(async ([k, list]) => {
    const link = await fetchLink(transport, list[0]!.target);
    if (link) found.set(k, link.index);
    else missing.push(...list);
  }));
  if (missing.length > 0) {
    missing.sort((a, b) => uses.indexOf(a) - uses.indexOf(b));
    throw new NotFoundError(missing.map((u) => ({
      field: u.field,
      value: 'index' in u.target ? u.target.index : u.target.ifname,
      expected: 'interface',
      reason: 'no such interface in this namespace',
    })));
  }
  return found;
}

/** Namespaces opened for one request; close() releases them whatever happened. */
export class OpenedNamespaces {
  private readonly fds = new Map<string, number>();

  /** Opens every namespace named by name or path (pids and fds are passed as they are). */
  open(targets: readonly { field: string; target: NetnsTarget }[]): void {
    for (const { field, target } of targets) {
      if (!('name' in target) && !('path' in target)) continue;
      const path = netnsPath(target)!;
      if (this.fds.has(path)) continue;
      try {
        this.fds.set(path, openSync(path, constants.O_RDONLY));
      } catch (err) {
        this.close();
        const value = 'name' in target ? target.name : target.path;
        const issue = { field, value, expected: 'namespace', reason: `cannot open ${path}: ${(err as Error).message}` };
        throw (err as NodeJS.ErrnoException).code === 'ENOENT' ? new NotFoundError([issue], { cause: err }) : new ValidationError([issue], { cause: err });
      }
    }
  }

  attr(target: NetnsTarget): { netNsFd: number } | { netNsPid: number } {
    if ('pid' in target) return { netNsPid: target.pid };
    if ('fd' in target) return { netNsFd: target.fd };
    const fd = this.fds.get(netnsPath(target)!);
    if (fd === undefined) throw new Error('namespace was not opened before encoding');
    return { netNsFd: fd };
  }

  close(): void {
    for (const fd of this.fds.values()) {
      try { closeSync(fd); } catch { /* already closed */ }
    }
    this.fds.clear();
  }
}

/** The encoding context for one request: resolved indexes and opened namespaces. */
export function encodeContext(indexes: Map<string, number>, ns: OpenedNamespaces): EncodeContext {
  return {
    index(t) {
      const i = indexes.get(keyOf(t));
      if (i === undefined) throw new Error(`interface ${keyOf(t)} was not resolved before encoding`);
      return i;
    },
    netns: (t) => ns.attr(t),
  };
}
