/** Link messages → InterfaceRecord. */
import type { LinkMessage } from '../../messages/index.js';
import type { InterfaceRecord } from '../records.js';
import { enumText, plainData } from './common.js';

const IFF_UP = 0x1;

/**
 * The record of an RTM_NEWLINK/RTM_DELLINK message of family AF_UNSPEC. Bridge-family link
 * messages (AF_BRIDGE: a port's bridge view, sent beside the real one) are not interfaces: null.
 */
export function interfaceRecord(m: LinkMessage): InterfaceRecord | null {
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
