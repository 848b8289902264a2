/** Neighbour specs → RTM_NEWNEIGH / RTM_DELNEIGH requests. */
import { rtnl, type NeighMessageInput } from '../../messages/index.js';
import { requestHead } from '../ops.js';
import type { ValidNeighbour } from '../validate/index.js';
import { afOf, type EncodeContext, type NetlinkRequest } from './common.js';

const NUD_PERMANENT = 0x80;

export function encodeNeighbour(v: ValidNeighbour, ctx: EncodeContext): NetlinkRequest {
  const head = requestHead('neighbour', v.op);
  const attrs: NeighMessageInput['attrs'] = { dst: v.dst.text };
  if (v.lladdr !== undefined) attrs.lladdr = v.lladdr;
  const msg: NeighMessageInput = {
    family: afOf(v.family),
    ifindex: ctx.index(v.target),
    // ip's default for an add is a permanent entry.
    state: v.state ?? (v.op === 'del' ? 0 : NUD_PERMANENT),
    flags: v.flags ?? 0,
    type: 0,
    attrs,
  };
  return { ...head, payload: rtnl.neigh.encode(msg) };
}
