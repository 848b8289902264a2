/** Link messages → InterfaceRecord. */
import { rtnl, type LinkMessage, type Projected } from '../../messages/index.js';
import type { InterfaceRecord } from '../records.js';
import { enumText, plainData } from './common.js';
import { linkReader } from './readers.generated.js';

const IFF_UP = 0x1;

/**
 * The attributes an InterfaceRecord is made of (see ROUTE_RECORD_ATTRS in route.ts). A link
 * message's bulk (IFLA_AF_SPEC, IFLA_STATS, IFLA_MAP, ...) is skipped unread.
 */
export const INTERFACE_RECORD_ATTRS = [
  'ifname', 'linkinfo', 'mtu', 'address', 'operstate', 'master', 'link', 'linkNetnsid', 'broadcast', 'txqlen', 'group', 'qdisc',
  'propList',
] as const;

export type InterfaceRecordSource = Projected<LinkMessage, (typeof INTERFACE_RECORD_ATTRS)[number]>;

const projection = rtnl.link.project(INTERFACE_RECORD_ATTRS);

/** The record of the link message whose payload is buf[start, end). */
export function interfaceRecordAt(buf: Buffer, start = 0, end = buf.length): InterfaceRecord | null {
  return interfaceRecord(projection.decode(buf, start, end));
}

/**
 * interfaceRecordAt for every message of a dump, one after the other, through the reader generated for
 * this projection (readers.generated.ts: one object literal per message instead of the generic
 * decoder's keyed stores). Records keep values, never the reader's objects.
 */
export function interfaceRecordMapper(): (buf: Buffer, start: number, end: number) => InterfaceRecord | null {
  const read = linkReader(projection.runtime()) as (buf: Buffer, start: number, end: number) => InterfaceRecordSource;
  return (buf, start, end) => interfaceRecord(read(buf, start, end));
}

/**
 * The record of an RTM_NEWLINK/RTM_DELLINK message of family AF_UNSPEC. Bridge-family link
 * messages (AF_BRIDGE: a port's bridge view, sent beside the real one) are not interfaces: null.
 */
export function interfaceRecord(m: InterfaceRecordSource): InterfaceRecord | null {
  if (m.family !== 0) return null;
  const a = m.attrs;
  const li = a.linkinfo;
  return {
    index: m.index,
    ifname: a.ifname ?? '',
    kind: li?.kind ?? null,
    mtu: a.mtu ?? 0,
    address: a.address ? a.address : null,
    state: (m.flags & IFF_UP) !== 0 ? 'up' : 'down',
    operstate: a.operstate === undefined ? 'UNKNOWN' : enumText(a.operstate),
    master: a.master ? a.master : null,
    link: a.link ? a.link : null,
    linkNetnsid: a.linkNetnsid ?? null,
    flags: m.flags,
    broadcast: a.broadcast ? a.broadcast : null,
    txqlen: a.txqlen ?? null,
    group: a.group ?? null,
    qdisc: a.qdisc ?? null,
    altnames: a.propList?.altIfname ?? [],
    info: li?.kind !== undefined && li.data !== undefined && !Buffer.isBuffer(li.data) ? linkInfo(li.kind, li.data as Record<string, unknown>) : null,
    slaveKind: li?.slaveKind ?? null,
  };
}

/**
 * IFLA_INFO_DATA as a record carries it: the codec's names (the kernel constant, camelCase), made
 * plain. A vxlan's IPv6 group/local (IFLA_VXLAN_GROUP6/LOCAL6) appear as group/local, so the
 * record reads the same whatever the family, as its spec is written.
 */
function linkInfo(kind: string, data: Record<string, unknown>): Record<string, unknown> {
  const out = plainData(data) as Record<string, unknown>;
  if (kind === 'vxlan') {
    if (out.group6 !== undefined) { out.group = out.group6; delete out.group6; }
    if (out.local6 !== undefined) { out.local = out.local6; delete out.local6; }
  }
  if (kind === 'veth') delete out.peer;
  return out;
}
