/** Link specs → RTM_NEWLINK / RTM_DELLINK requests. */
import { NLM_F, rtnl, type LinkMessageInput } from '../../messages/index.js';
import { RTM_DELLINKPROP, RTM_NEWLINKPROP } from '../../messages/rtnl/constants.js';
import { requestHead } from '../ops.js';
import type { ValidLink, ValidLinkInfo, ValidPeer } from '../validate/index.js';
import type { EncodeContext, NetlinkRequest } from './common.js';

const IFF_UP = 0x1;
type LinkAttrsIn = LinkMessageInput['attrs'];

export function encodeLink(v: ValidLink, ctx: EncodeContext): NetlinkRequest {
  const index = v.op === 'add' ? (v.index ?? 0) : ctx.index(v.target!);
  if (v.altnames !== undefined) {
    // Alternative names are link properties: RTM_NEWLINKPROP, as `ip link property add` sends it.
    const payload = rtnl.link.encode({ family: 0, index, flags: 0, change: 0, attrs: { propList: { altIfname: v.altnames } } as LinkAttrsIn });
    return { type: RTM_NEWLINKPROP, flags: NLM_F.CREATE | NLM_F.EXCL | NLM_F.APPEND, payload };
  }
  if (v.removeAltnames !== undefined) {
    // `ip link property del`: RTM_DELLINKPROP naming them.
    const payload = rtnl.link.encode({ family: 0, index, flags: 0, change: 0, attrs: { propList: { altIfname: v.removeAltnames } } as LinkAttrsIn });
    return { type: RTM_DELLINKPROP, flags: 0, payload };
  }
  const head = requestHead('interface', v.op === 'add' ? 'add' : v.op === 'set' ? 'set' : 'del');
  const attrs: LinkAttrsIn = {};
  const msg: LinkMessageInput = { family: 0, index, flags: 0, change: 0, attrs };
  if (v.op !== 'del') {
    if (v.state !== undefined) {
      msg.flags = v.state === 'up' ? IFF_UP : 0;
      msg.change = IFF_UP;
    }
    if (v.flags !== undefined) {
      msg.flags = (msg.flags ?? 0) | v.flags.flags;
      msg.change = (msg.change ?? 0) | v.flags.mask;
    }
    if (v.ifname !== undefined) attrs.ifname = v.ifname;
    if (v.mtu !== undefined) attrs.mtu = v.mtu;
    if (v.address !== undefined) attrs.address = v.address;
    if (v.broadcast !== undefined) attrs.broadcast = v.broadcast;
    if (v.txqlen !== undefined) attrs.txqlen = v.txqlen;
    if (v.group !== undefined) attrs.group = v.group;
    if (v.alias !== undefined) attrs.ifalias = v.alias;
    if (v.addrGenMode !== undefined) attrs.afSpec = { inet6: { addrGenMode: v.addrGenMode } } as LinkAttrsIn['afSpec'];
    if (v.link !== undefined) attrs.link = ctx.index(v.link);
    // IFLA_MASTER 0 releases the link from its master.
    if (v.master !== undefined) attrs.master = v.master === null ? 0 : ctx.index(v.master);
    if (v.netns !== undefined) Object.assign(attrs, ctx.netns(v.netns));
    // IFLA_INFO_SLAVE_DATA reaches the master's slave_changelink (br_setport), as `ip link set
    // dev X type bridge_slave ...` sends it.
    if (v.port !== undefined) attrs.linkinfo = { slaveKind: 'bridge', slaveData: v.port } as unknown as LinkAttrsIn['linkinfo'];
    if (v.kind !== undefined) {
      const data = v.kind === 'veth' && v.peer ? { peer: peerMessage(v.peer, ctx) } : v.info ? infoData(v.info, ctx) : undefined;
      attrs.linkinfo = (data === undefined ? { kind: v.kind } : { kind: v.kind, data }) as LinkAttrsIn['linkinfo'];
    }
  }
  return { ...head, payload: rtnl.link.encode(msg) };
}

/** VETH_INFO_PEER: the peer is described by a whole link message. */
function peerMessage(p: ValidPeer, ctx: EncodeContext): LinkMessageInput {
  const attrs: LinkAttrsIn = {};
  if (p.ifname !== undefined) attrs.ifname = p.ifname;
  if (p.address !== undefined) attrs.address = p.address;
  if (p.mtu !== undefined) attrs.mtu = p.mtu;
  if (p.netns !== undefined) Object.assign(attrs, ctx.netns(p.netns));
  return { family: 0, index: p.index ?? 0, flags: p.flags?.flags ?? 0, change: p.flags?.mask ?? 0, attrs };
}

/** IFLA_INFO_DATA in the codec's names (which are the records' names too). */
function infoData(info: ValidLinkInfo, ctx: EncodeContext): Record<string, unknown> {
  switch (info.kind) {
    case 'vxlan': {
      const d = info.data;
      const out: Record<string, unknown> = {};
      if (d.id !== undefined) out.id = d.id;
      if (d.group) out[d.group.family === 4 ? 'group' : 'group6'] = d.group.text;
      if (d.local) out[d.local.family === 4 ? 'local' : 'local6'] = d.local.text;
      if (d.link !== undefined) out.link = ctx.index(d.link);
      if (d.ttl !== undefined) out.ttl = d.ttl;
      if (d.tos !== undefined) out.tos = d.tos;
      if (d.learning !== undefined) out.learning = d.learning ? 1 : 0;
      if (d.ageing !== undefined) out.ageing = d.ageing;
      if (d.port !== undefined) out.port = d.port;
      return out;
    }
    case 'macvlan':
    case 'macvtap':
    case 'bridge':
    case 'vlan':
      return { ...info.data };
  }
}
