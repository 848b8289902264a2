/**
 * What the encoders share: the request shape they produce, and how they learn the indexes and
 * namespace handles that IPRoute looked up before encoding (encoding itself is synchronous, so a
 * whole batch can be encoded at once and pipelined).
 */
import type { NetlinkRequest } from '../../transport/transport.js';
import type { IfTarget, NetnsTarget } from '../validate/index.js';

export type { NetlinkRequest };

export interface EncodeContext {
  /** The index of an interface a spec names; throws when it was not resolved. */
  index(target: IfTarget): number;
  /**
   * A namespace as IFLA_NET_NS_FD / IFLA_NET_NS_PID. A name or path must have been opened by the
   * caller (IPRoute opens and closes it around the request).
   */
  netns(target: NetnsTarget): { netNsFd: number } | { netNsPid: number };
}

/** A context for specs that name interfaces by index only (a batch planned from records). */
export const indexOnly: EncodeContext = {
  index(t) {
    if ('index' in t) return t.index;
    throw new Error(`interface '${t.ifname}' was not resolved to an index before encoding`);
  },
  netns(t) {
    if ('fd' in t) return { netNsFd: t.fd };
    if ('pid' in t) return { netNsPid: t.pid };
    throw new Error('a namespace name or path must be opened before encoding');
  },
};

export const AF_INET = 2;
export const AF_INET6 = 10;
export const afOf = (family: 4 | 6): number => (family === 4 ? AF_INET : AF_INET6);
