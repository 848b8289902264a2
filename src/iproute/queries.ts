/**
 * Dump requests per record kind, with the filters the kernel applies itself under strict checking
 * (NETLINK_GET_STRICT_CHK, which the transport's socket turns on): a link's master or kind, an
 * address's or neighbour's interface, a route's table, output interface, protocol and type.
 * Records are filtered again on our side, so a kernel without strict checking (which ignores
 * these filters) still gives the right answer, only slower.
 */
import { RTEXT_FILTER_SKIP_STATS, rtnl, type LinkMessageInput, type RouteMessageInput } from '../messages/index.js';
import type { NetlinkRequest } from '../transport/transport.js';
import { afOf } from './encode/common.js';
import type { Family } from './records.js';

export interface LinkQuery { master?: number; kind?: string }
export interface AddressQuery { family?: Family; index?: number }
export interface RouteQuery { family?: Family; table?: number; oif?: number; protocol?: number; type?: number }
export interface RuleQuery { family?: Family }
export interface NeighbourQuery { family?: Family; index?: number }

export function linkDump(q: LinkQuery): NetlinkRequest {
  const attrs: LinkMessageInput['attrs'] = { extMask: RTEXT_FILTER_SKIP_STATS };
  if (q.master !== undefined) attrs.master = q.master;
  if (q.kind !== undefined) attrs.linkinfo = { kind: q.kind } as LinkMessageInput['attrs']['linkinfo'];
  return { type: rtnl.link.types.get, payload: rtnl.link.encode({ family: 0, index: 0, flags: 0, change: 0, attrs }) };
}

export function addressDump(q: AddressQuery): NetlinkRequest {
  return {
    type: rtnl.addr.types.get,
    payload: rtnl.addr.encode({ family: q.family ? afOf(q.family) : 0, prefixlen: 0, flags: 0, scope: 0, index: q.index ?? 0, attrs: {} }),
  };
}

/**
 * With no family, one AF_UNSPEC dump: the kernel runs every family's route dump in turn (IPv4,
 * IPv6, and multicast-routing families whose messages records leave out). No table: every table.
 */
export function routeDump(q: RouteQuery): NetlinkRequest {
  const attrs: RouteMessageInput['attrs'] = {};
  if (q.table !== undefined) attrs.table = q.table;
  if (q.oif !== undefined) attrs.oif = q.oif;
  return {
    type: rtnl.route.types.get,
    payload: rtnl.route.encode({
      family: q.family ? afOf(q.family) : 0, dstLen: 0, srcLen: 0, tos: 0,
      // RTA_TABLE carries the whole id; rtm_table stays 0 so it cannot disagree.
      table: 0, protocol: q.protocol ?? 0, scope: 0, type: q.type ?? 0, flags: 0, attrs,
    }),
  };
}

export function ruleDump(q: RuleQuery): NetlinkRequest {
  return {
    type: rtnl.rule.types.get,
    payload: rtnl.rule.encode({ family: q.family ? afOf(q.family) : 0, dstLen: 0, srcLen: 0, tos: 0, table: 0, action: 0, flags: 0, attrs: {} }),
  };
}

/** The interface filter goes in NDA_IFINDEX: strict checking refuses a dump header with ndm_ifindex set. */
export function neighbourDump(q: NeighbourQuery): NetlinkRequest {
  return {
    type: rtnl.neigh.types.get,
    payload: rtnl.neigh.encode({
      family: q.family ? afOf(q.family) : 0, ifindex: 0, state: 0, flags: 0, type: 0,
      attrs: q.index !== undefined ? { ifindex: q.index } : {},
    }),
  };
}

/** RTM_GETNEIGH for one entry (the kernel's neigh_get, a non-dump request). */
export function neighbourGet(family: Family, index: number, dst: string): NetlinkRequest {
  return {
    type: rtnl.neigh.types.get,
    payload: rtnl.neigh.encode({ family: afOf(family), ifindex: index, state: 0, flags: 0, type: 0, attrs: { dst } }),
  };
}
