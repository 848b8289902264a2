/** Link messages → InterfaceRecord. */
import { rtnl, type LinkMessage, type Projected } from '../../messages/index.js';
import { bridgePortOf } from '../bridge-port.js';
import { ADDR_GEN_MODES } from '../names.js';
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
  'propList', 'ifalias',
] as const;

export type InterfaceRecordSource = Projected<LinkMessage, (typeof INTERFACE_RECORD_ATTRS)[number]>;

const projection = rtnl.link.project(INTERFACE_RECORD_ATTRS);

/** The record of the link message whose payload is buf[start, end). */
export function interfaceRecordAt(buf: Buffer, start = 0, end = buf.length): InterfaceRecord | null {
  return withAddrGenMode(interfaceRecord(projection.decode(buf, start, end)), buf, start, end);
}

const IFINFOMSG_LEN = 16;
const IFLA_AF_SPEC = 26;
const AF_INET6 = 10;
const IFLA_INET6_ADDR_GEN_MODE = 8;

/** The first attribute of `type` in buf[s, e): [payload start, payload end), or null. */
function attrIn(buf: Buffer, s: number, e: number, type: number): [number, number] | null {
  for (let off = s; off + 4 <= e;) {
    const len = buf[off]! | (buf[off + 1]! << 8);
    if (len < 4 || off + len > e) return null;
    if (((buf[off + 2]! | (buf[off + 3]! << 8)) & 0x3fff) === type) return [off + 4, off + len];
    off += (len + 3) & ~3;
  }
  return null;
}

/**
 * `r` with its IPv6 address generation mode, read from IFLA_AF_SPEC's AF_INET6 nest in place: the
 * projection leaves IFLA_AF_SPEC (the bulk of a link message, IPv6's whole configuration) unread.
 */
function withAddrGenMode(r: InterfaceRecord | null, buf: Buffer, start: number, end: number): InterfaceRecord | null {
  if (r === null) return r;
  const spec = attrIn(buf, start + IFINFOMSG_LEN, end, IFLA_AF_SPEC);
  return spec === null ? r : withAddrGenModeIn(r, buf, spec[0], spec[1]);
}

/** withAddrGenMode, given IFLA_AF_SPEC's payload buf[s, e). */
function withAddrGenModeIn(r: InterfaceRecord, buf: Buffer, s: number, e: number): InterfaceRecord {
  const inet6 = attrIn(buf, s, e, AF_INET6);
  const mode = inet6 && attrIn(buf, inet6[0], inet6[1], IFLA_INET6_ADDR_GEN_MODE);
  if (mode && mode[1] > mode[0]) r.addrGenMode = ADDR_GEN_MODES.name(buf[mode[0]]!);
  return r;
}

/**
 * interfaceRecordAt for every message of a dump, one after the other, through the reader generated for
 * this projection (readers.generated.ts: one object literal per message instead of the generic
 * decoder's keyed stores). Records keep values, never the reader's objects. The reader notes where
 * IFLA_AF_SPEC is as it goes (its spans), so the mode is read without a second walk over the
 * message's attributes (a link message has about fifty).
 */
export function interfaceRecordMapper(): (buf: Buffer, start: number, end: number) => InterfaceRecord | null {
  const spans = new Int32Array(2);
  const read = linkReader(projection.runtime(), spans) as (buf: Buffer, start: number, end: number) => InterfaceRecordSource;
  return (buf, start, end) => {
    const r = interfaceRecord(read(buf, start, end));
    if (r === null) return r;
    return spans[0]! >= 0 ? withAddrGenModeIn(r, buf, spans[0]!, spans[1]!) : withAddrGenMode(r, buf, start, end);
  };
}

const AF_BRIDGE = 7;
const bridgeProjection = rtnl.link.project(['ifname', 'mtu', 'address', 'operstate', 'master', 'protinfo']);

/**
 * The BridgePortEvent record of an AF_BRIDGE RTM_NEWLINK (payload buf[start, end)): a bridge port's
 * view of a link, with its settings in IFLA_PROTINFO; null for any other message, or one without
 * settings.
 */
export function bridgePortRecordAt(buf: Buffer, start = 0, end = buf.length): InterfaceRecord | null {
  if (end - start < IFINFOMSG_LEN || buf[start] !== AF_BRIDGE) return null;
  const m = bridgeProjection.decode(buf, start, end);
  const a = m.attrs;
  if (!isData(a.protinfo)) return null;
  return {
    index: m.index, ifname: a.ifname ?? '', kind: null, mtu: a.mtu ?? 0, address: a.address ? a.address : null,
    state: (m.flags & IFF_UP) !== 0 ? 'up' : 'down', operstate: a.operstate === undefined ? 'UNKNOWN' : enumText(a.operstate),
    master: a.master ? a.master : null, link: null, linkNetnsid: null, flags: m.flags, broadcast: null, txqlen: null, group: null,
    qdisc: null, altnames: [], info: null, slaveKind: 'bridge', alias: null, addrGenMode: null, port: bridgePortOf(a.protinfo),
  };
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
    alias: a.ifalias ? a.ifalias : null,
    // A whole decode has it; the projection leaves IFLA_AF_SPEC out, and interfaceRecordAt and
    // interfaceRecordMapper read it from the message's bytes (withAddrGenMode).
    addrGenMode: addrGenModeOf((a as { afSpec?: { inet6?: { addrGenMode?: string | number } } }).afSpec),
    port: li?.slaveKind === 'bridge' && isData(li.slaveData) ? bridgePortOf(li.slaveData) : null,
  };
}

function isData(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Buffer.isBuffer(v);
}

function addrGenModeOf(afSpec: { inet6?: { addrGenMode?: string | number } } | undefined): string | null {
  const mode = afSpec?.inet6?.addrGenMode;
  return mode === undefined ? null : enumText(mode);
}

/**
 * What a kind's IFLA_INFO_DATA reports that is the kernel's running state rather than a setting,
 * different in nearly every announcement: a bridge's countdown timers (hello, TCN, topology
 * change, FDB garbage collection: centiseconds left), its count of learned FDB entries, and its
 * multicast querier state (which carries the other querier's timer), and what STP works out: its
 * own and the root's bridge ids (priority and MAC: the MAC is the link's, or none while it has no
 * port), the root port and path cost, topology-change flags. Records leave them out, as a
 * port's record leaves out the port's timers (bridge-port.ts). Kept, every re-announcement of a
 * bridge (a port joining, a new MTU, a carrier change) would read as a change of its `info`: for
 * watchers, `nldb monitor` (which printed the whole of it), the store's history and checkpoint
 * diffs alike. `ip -d link show` prints them, and IPRoute's decoded messages keep them.
 */
const RUNNING_STATE: Readonly<Record<string, readonly string[]>> = {
  bridge: [
    'helloTimer', 'tcnTimer', 'topologyChangeTimer', 'gcTimer', 'fdbNLearned', 'mcastQuerierState',
    'bridgeId', 'rootId', 'rootPort', 'rootPathCost', 'topologyChange', 'topologyChangeDetected',
  ],
};

/**
 * IFLA_INFO_DATA as a record carries it: the codec's names (the kernel constant, camelCase), made
 * plain, without the kind's running state (RUNNING_STATE). A vxlan's IPv6 group/local
 * (IFLA_VXLAN_GROUP6/LOCAL6) appear as group/local, so the record reads the same whatever the
 * family, as its spec is written.
 */
function linkInfo(kind: string, data: Record<string, unknown>): Record<string, unknown> {
  const out = plainData(data) as Record<string, unknown>;
  for (const k of RUNNING_STATE[kind] ?? []) delete out[k];
  if (kind === 'vxlan') {
    if (out.group6 !== undefined) { out.group = out.group6; delete out.group6; }
    if (out.local6 !== undefined) { out.local = out.local6; delete out.local6; }
  }
  if (kind === 'veth') delete out.peer;
  return out;
}
