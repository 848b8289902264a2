/** Address specs → RTM_NEWADDR / RTM_DELADDR requests. */
import { rtnl, type AddrMessageInput } from '../../messages/index.js';
import { requestHead } from '../ops.js';
import type { ValidAddress } from '../validate/index.js';
import { afOf, type EncodeContext, type NetlinkRequest } from './common.js';

const RT_SCOPE_HOST = 254;

export function encodeAddress(v: ValidAddress, ctx: EncodeContext): NetlinkRequest {
  const head = requestHead('address', v.op, v.op !== 'del');
  const local = v.address.text;
  const attrs: AddrMessageInput['attrs'] = { local, address: v.peer?.text ?? local };
  if (v.broadcast) attrs.broadcast = v.broadcast.text;
  if (v.label !== undefined) attrs.label = v.label;
  // ifa_flags holds 8 bits; IFA_FLAGS all 32.
  if (v.flags !== undefined) attrs.flags = v.flags;
  if (v.metric !== undefined) attrs.rtPriority = v.metric;
  const msg: AddrMessageInput = {
    family: afOf(v.family),
    prefixlen: v.prefixlen,
    flags: (v.flags ?? 0) & 0xff,
    scope: v.scope ?? (v.op === 'del' ? 0 : defaultScope(v)),
    index: ctx.index(v.target),
    attrs,
  };
  return { ...head, payload: rtnl.addr.encode(msg) };
}

/** As ip does: loopback addresses (127.0.0.0/8, ::1) are host-scoped, the rest global. */
function defaultScope(v: ValidAddress): number {
  const b = v.address.bytes;
  if (v.family === 4) return b[0] === 127 ? RT_SCOPE_HOST : 0;
  return v.address.text === '::1' ? RT_SCOPE_HOST : 0;
}
