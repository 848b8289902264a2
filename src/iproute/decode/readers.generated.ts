/**
 * GENERATED from the rtnetlink tables and the record attribute lists (the *_RECORD_ATTRS of
 * this folder) by core/reader-gen.ts: do not edit. Rewrite it with
 *   UPDATE_READERS=1 npx vitest run test/iproute/readers.test.ts
 * (the same test fails while it is stale). One reader per record kind: see reader-gen.ts for why.
 */
import type { ProjectionRuntime } from '../../messages/index.js';

/** ifinfomsg with IFLA_IFNAME, IFLA_LINKINFO, IFLA_MTU, IFLA_ADDRESS, IFLA_OPERSTATE, IFLA_MASTER, IFLA_LINK, IFLA_LINK_NETNSID, IFLA_BROADCAST, IFLA_TXQLEN, IFLA_GROUP, IFLA_QDISC, IFLA_PROP_LIST, IFLA_IFALIAS; the spans of afSpec. */
export function linkReader(rt: ProjectionRuntime, spans?: Int32Array): (buf: Buffer, s: number, e: number) => Record<string, unknown> {
  const fallback = rt.fallback;
  const f$type = rt.fieldEnum('type');
  const d$linkinfo = rt.attr('linkinfo');
  const e$operstate = rt.attrEnum('operstate');
  const d$propList = rt.attr('propList');
  const SLOTS = new Uint8Array(53);
  SLOTS[3] = 1; SLOTS[18] = 2; SLOTS[4] = 3; SLOTS[1] = 4; SLOTS[16] = 5; SLOTS[10] = 6; SLOTS[5] = 7; SLOTS[37] = 8; SLOTS[2] = 9; SLOTS[13] = 10; SLOTS[27] = 11; SLOTS[6] = 12; SLOTS[52] = 13; SLOTS[20] = 14; SLOTS[26] = 15;
  // Where the scan found each slot's attribute: its payload [start, end) at 2 * slot.
  const P = new Int32Array(32);
  const attrs: Record<string, unknown> = { ifname: undefined, linkinfo: undefined, mtu: undefined, address: undefined, operstate: undefined, master: undefined, link: undefined, linkNetnsid: undefined, broadcast: undefined, txqlen: undefined, group: undefined, qdisc: undefined, propList: undefined, ifalias: undefined };
  const out: Record<string, unknown> = { family: undefined, type: undefined, index: undefined, flags: undefined, change: undefined, attrs };
  /** The mask of the slots found (their places in P), or -1: hand the message over. */
  const scan = (buf: Buffer, s: number, e: number): number => {
    let mask = 0;
    for (let off = s + 16; off < e; ) {
      if (e - off < 4) return -1;
      const len = buf[off]! | (buf[off + 1]! << 8);
      if (len < 4 || off + len > e) return -1;
      const type = (buf[off + 2]! | (buf[off + 3]! << 8)) & 0x3fff;
      const slot = type <= 52 ? SLOTS[type]! : 0;
      if (slot !== 0) {
        if ((mask & (1 << slot)) === 0) {
          mask |= 1 << slot;
          P[2 * slot] = off + 4;
          P[2 * slot + 1] = off + len;
        } else if (slot <= 14) {
          return -1;
        }
      }
      off += (len + 3) & ~3;
    }
    return mask;
  };
  return (buf, s, e) => {
    if (spans !== undefined) { spans[0] = -1; }
    if (e - s < 16) return fallback(buf, s, e);
    if (buf[s + 1] !== 0) return fallback(buf, s, e);
    const mask = scan(buf, s, e);
    if (mask < 0) return fallback(buf, s, e);
    if (spans !== undefined) {
      if ((mask & 0x8000) !== 0) { spans[0] = P[30]!; spans[1] = P[31]!; } // afSpec
    }
    const h$family = buf[s]!;
    const h$type = f$type(buf.readUInt16LE(s + 2));
    const h$index = buf.readInt32LE(s + 4);
    const h$flags = buf.readUInt32LE(s + 8);
    const h$change = buf.readUInt32LE(s + 12);
    let a$ifname: unknown;
    let a$linkinfo: unknown;
    let a$mtu: unknown;
    let a$address: unknown;
    let a$operstate: unknown;
    let a$master: unknown;
    let a$link: unknown;
    let a$linkNetnsid: unknown;
    let a$broadcast: unknown;
    let a$txqlen: unknown;
    let a$group: unknown;
    let a$qdisc: unknown;
    let a$propList: unknown;
    let a$ifalias: unknown;
    let header: Record<string, unknown> | undefined;
    try {
      if ((mask & 0x2) !== 0) { // IFLA_IFNAME (3)
        const v = P[2]!;
        const ve = P[3]!;
        a$ifname = rt.string(buf, v, ve);
      }
      if ((mask & 0x4) !== 0) { // IFLA_LINKINFO (18)
        const v = P[4]!;
        const ve = P[5]!;
        a$linkinfo = d$linkinfo(buf, v, ve, header ??= { family: h$family, type: h$type, index: h$index, flags: h$flags, change: h$change }, s + 16, e);
      }
      if ((mask & 0x8) !== 0) { // IFLA_MTU (4)
        const v = P[6]!;
        const ve = P[7]!;
        if (ve - v !== 4) return fallback(buf, s, e);
        a$mtu = buf.readUInt32LE(v);
      }
      if ((mask & 0x10) !== 0) { // IFLA_ADDRESS (1)
        const v = P[8]!;
        const ve = P[9]!;
        a$address = rt.mac(buf, v, ve);
      }
      if ((mask & 0x20) !== 0) { // IFLA_OPERSTATE (16)
        const v = P[10]!;
        const ve = P[11]!;
        if (ve - v !== 1) return fallback(buf, s, e);
        a$operstate = e$operstate(buf[v]!);
      }
      if ((mask & 0x40) !== 0) { // IFLA_MASTER (10)
        const v = P[12]!;
        const ve = P[13]!;
        if (ve - v !== 4) return fallback(buf, s, e);
        a$master = buf.readUInt32LE(v);
      }
      if ((mask & 0x80) !== 0) { // IFLA_LINK (5)
        const v = P[14]!;
        const ve = P[15]!;
        if (ve - v !== 4) return fallback(buf, s, e);
        a$link = buf.readUInt32LE(v);
      }
      if ((mask & 0x100) !== 0) { // IFLA_LINK_NETNSID (37)
        const v = P[16]!;
        const ve = P[17]!;
        if (ve - v !== 4) return fallback(buf, s, e);
        a$linkNetnsid = buf.readInt32LE(v);
      }
      if ((mask & 0x200) !== 0) { // IFLA_BROADCAST (2)
        const v = P[18]!;
        const ve = P[19]!;
        a$broadcast = rt.mac(buf, v, ve);
      }
      if ((mask & 0x400) !== 0) { // IFLA_TXQLEN (13)
        const v = P[20]!;
        const ve = P[21]!;
        if (ve - v !== 4) return fallback(buf, s, e);
        a$txqlen = buf.readUInt32LE(v);
      }
      if ((mask & 0x800) !== 0) { // IFLA_GROUP (27)
        const v = P[22]!;
        const ve = P[23]!;
        if (ve - v !== 4) return fallback(buf, s, e);
        a$group = buf.readUInt32LE(v);
      }
      if ((mask & 0x1000) !== 0) { // IFLA_QDISC (6)
        const v = P[24]!;
        const ve = P[25]!;
        a$qdisc = rt.string(buf, v, ve);
      }
      if ((mask & 0x2000) !== 0) { // IFLA_PROP_LIST (52)
        const v = P[26]!;
        const ve = P[27]!;
        a$propList = d$propList(buf, v, ve, header ??= { family: h$family, type: h$type, index: h$index, flags: h$flags, change: h$change }, s + 16, e);
      }
      if ((mask & 0x4000) !== 0) { // IFLA_IFALIAS (20)
        const v = P[28]!;
        const ve = P[29]!;
        a$ifalias = rt.string(buf, v, ve);
      }
    } catch {
      return fallback(buf, s, e);
    }
    out.family = h$family;
    out.type = h$type;
    out.index = h$index;
    out.flags = h$flags;
    out.change = h$change;
    attrs.ifname = a$ifname;
    attrs.linkinfo = a$linkinfo;
    attrs.mtu = a$mtu;
    attrs.address = a$address;
    attrs.operstate = a$operstate;
    attrs.master = a$master;
    attrs.link = a$link;
    attrs.linkNetnsid = a$linkNetnsid;
    attrs.broadcast = a$broadcast;
    attrs.txqlen = a$txqlen;
    attrs.group = a$group;
    attrs.qdisc = a$qdisc;
    attrs.propList = a$propList;
    attrs.ifalias = a$ifalias;
    return out;
  };
}

/** ifaddrmsg with IFA_LOCAL, IFA_ADDRESS, IFA_BROADCAST, IFA_LABEL, IFA_FLAGS, IFA_RT_PRIORITY. */
export function addressReader(rt: ProjectionRuntime): (buf: Buffer, s: number, e: number) => Record<string, unknown> {
  const fallback = rt.fallback;
  const f$scope = rt.fieldEnum('scope');
  const SLOTS = new Uint8Array(10);
  SLOTS[2] = 1; SLOTS[1] = 2; SLOTS[4] = 3; SLOTS[3] = 4; SLOTS[8] = 5; SLOTS[9] = 6;
  // Where the scan found each slot's attribute: its payload [start, end) at 2 * slot.
  const P = new Int32Array(14);
  const attrs: Record<string, unknown> = { local: undefined, address: undefined, broadcast: undefined, label: undefined, flags: undefined, rtPriority: undefined };
  const out: Record<string, unknown> = { family: undefined, prefixlen: undefined, flags: undefined, scope: undefined, index: undefined, attrs };
  /** The mask of the slots found (their places in P), or -1: hand the message over. */
  const scan = (buf: Buffer, s: number, e: number): number => {
    let mask = 0;
    for (let off = s + 8; off < e; ) {
      if (e - off < 4) return -1;
      const len = buf[off]! | (buf[off + 1]! << 8);
      if (len < 4 || off + len > e) return -1;
      const type = (buf[off + 2]! | (buf[off + 3]! << 8)) & 0x3fff;
      const slot = type <= 9 ? SLOTS[type]! : 0;
      if (slot !== 0) {
        if ((mask & (1 << slot)) === 0) {
          mask |= 1 << slot;
          P[2 * slot] = off + 4;
          P[2 * slot + 1] = off + len;
        } else if (slot <= 6) {
          return -1;
        }
      }
      off += (len + 3) & ~3;
    }
    return mask;
  };
  return (buf, s, e) => {
    if (e - s < 8) return fallback(buf, s, e);
    const mask = scan(buf, s, e);
    if (mask < 0) return fallback(buf, s, e);
    const h$family = buf[s]!;
    const h$prefixlen = buf[s + 1]!;
    const h$flags = buf[s + 2]!;
    const h$scope = f$scope(buf[s + 3]!);
    const h$index = buf.readUInt32LE(s + 4);
    let a$local: unknown;
    let a$address: unknown;
    let a$broadcast: unknown;
    let a$label: unknown;
    let a$flags: unknown;
    let a$rtPriority: unknown;
    try {
      if ((mask & 0x2) !== 0) { // IFA_LOCAL (2)
        const v = P[2]!;
        const ve = P[3]!;
        if (ve - v !== 4 && ve - v !== 16) return fallback(buf, s, e);
        a$local = rt.ip(buf, v, ve);
      }
      if ((mask & 0x4) !== 0) { // IFA_ADDRESS (1)
        const v = P[4]!;
        const ve = P[5]!;
        if (ve - v !== 4 && ve - v !== 16) return fallback(buf, s, e);
        a$address = rt.ip(buf, v, ve);
      }
      if ((mask & 0x8) !== 0) { // IFA_BROADCAST (4)
        const v = P[6]!;
        const ve = P[7]!;
        if (ve - v !== 4 && ve - v !== 16) return fallback(buf, s, e);
        a$broadcast = rt.ip(buf, v, ve);
      }
      if ((mask & 0x10) !== 0) { // IFA_LABEL (3)
        const v = P[8]!;
        const ve = P[9]!;
        a$label = rt.string(buf, v, ve);
      }
      if ((mask & 0x20) !== 0) { // IFA_FLAGS (8)
        const v = P[10]!;
        const ve = P[11]!;
        if (ve - v !== 4) return fallback(buf, s, e);
        a$flags = buf.readUInt32LE(v);
      }
      if ((mask & 0x40) !== 0) { // IFA_RT_PRIORITY (9)
        const v = P[12]!;
        const ve = P[13]!;
        if (ve - v !== 4) return fallback(buf, s, e);
        a$rtPriority = buf.readUInt32LE(v);
      }
    } catch {
      return fallback(buf, s, e);
    }
    out.family = h$family;
    out.prefixlen = h$prefixlen;
    out.flags = h$flags;
    out.scope = h$scope;
    out.index = h$index;
    attrs.local = a$local;
    attrs.address = a$address;
    attrs.broadcast = a$broadcast;
    attrs.label = a$label;
    attrs.flags = a$flags;
    attrs.rtPriority = a$rtPriority;
    return out;
  };
}

/** rtmsg with RTA_TABLE, RTA_DST, RTA_SRC, RTA_GATEWAY, RTA_VIA, RTA_OIF, RTA_PRIORITY, RTA_MULTIPATH, RTA_PREFSRC, RTA_METRICS, RTA_PREF, RTA_FLOW, RTA_NH_ID, RTA_ENCAP_TYPE. */
export function routeReader(rt: ProjectionRuntime): (buf: Buffer, s: number, e: number) => Record<string, unknown> {
  const fallback = rt.fallback;
  const f$protocol = rt.fieldEnum('protocol');
  const f$scope = rt.fieldEnum('scope');
  const f$type = rt.fieldEnum('type');
  const d$via = rt.attr('via');
  const d$multipath = rt.attr('multipath');
  const d$metrics = rt.attr('metrics');
  const e$pref = rt.attrEnum('pref');
  const e$encapType = rt.attrEnum('encapType');
  const SLOTS = new Uint8Array(31);
  SLOTS[15] = 1; SLOTS[1] = 2; SLOTS[2] = 3; SLOTS[5] = 4; SLOTS[18] = 5; SLOTS[4] = 6; SLOTS[6] = 7; SLOTS[9] = 8; SLOTS[7] = 9; SLOTS[8] = 10; SLOTS[20] = 11; SLOTS[11] = 12; SLOTS[30] = 13; SLOTS[21] = 14;
  // Where the scan found each slot's attribute: its payload [start, end) at 2 * slot.
  const P = new Int32Array(30);
  const attrs: Record<string, unknown> = { table: undefined, dst: undefined, src: undefined, gateway: undefined, via: undefined, oif: undefined, priority: undefined, multipath: undefined, prefsrc: undefined, metrics: undefined, pref: undefined, flow: undefined, nhId: undefined, encapType: undefined };
  const out: Record<string, unknown> = { family: undefined, dstLen: undefined, srcLen: undefined, tos: undefined, table: undefined, protocol: undefined, scope: undefined, type: undefined, flags: undefined, attrs };
  /** The mask of the slots found (their places in P), or -1: hand the message over. */
  const scan = (buf: Buffer, s: number, e: number): number => {
    let mask = 0;
    for (let off = s + 12; off < e; ) {
      if (e - off < 4) return -1;
      const len = buf[off]! | (buf[off + 1]! << 8);
      if (len < 4 || off + len > e) return -1;
      const type = (buf[off + 2]! | (buf[off + 3]! << 8)) & 0x3fff;
      const slot = type <= 30 ? SLOTS[type]! : 0;
      if (slot !== 0) {
        if ((mask & (1 << slot)) === 0) {
          mask |= 1 << slot;
          P[2 * slot] = off + 4;
          P[2 * slot + 1] = off + len;
        } else if (slot <= 14) {
          return -1;
        }
      }
      off += (len + 3) & ~3;
    }
    return mask;
  };
  return (buf, s, e) => {
    if (e - s < 12) return fallback(buf, s, e);
    const mask = scan(buf, s, e);
    if (mask < 0) return fallback(buf, s, e);
    const h$family = buf[s]!;
    const h$dstLen = buf[s + 1]!;
    const h$srcLen = buf[s + 2]!;
    const h$tos = buf[s + 3]!;
    const h$table = buf[s + 4]!;
    const h$protocol = f$protocol(buf[s + 5]!);
    const h$scope = f$scope(buf[s + 6]!);
    const h$type = f$type(buf[s + 7]!);
    const h$flags = buf.readUInt32LE(s + 8);
    let a$table: unknown;
    let a$dst: unknown;
    let a$src: unknown;
    let a$gateway: unknown;
    let a$via: unknown;
    let a$oif: unknown;
    let a$priority: unknown;
    let a$multipath: unknown;
    let a$prefsrc: unknown;
    let a$metrics: unknown;
    let a$pref: unknown;
    let a$flow: unknown;
    let a$nhId: unknown;
    let a$encapType: unknown;
    let header: Record<string, unknown> | undefined;
    try {
      if ((mask & 0x2) !== 0) { // RTA_TABLE (15)
        const v = P[2]!;
        const ve = P[3]!;
        if (ve - v !== 4) return fallback(buf, s, e);
        a$table = buf.readUInt32LE(v);
      }
      if ((mask & 0x4) !== 0) { // RTA_DST (1)
        const v = P[4]!;
        const ve = P[5]!;
        if (h$family === 28) {
          a$dst = rt.binary(buf, v, ve);
        } else {
          if (ve - v !== 4 && ve - v !== 16) return fallback(buf, s, e);
          a$dst = rt.ip(buf, v, ve);
        }
      }
      if ((mask & 0x8) !== 0) { // RTA_SRC (2)
        const v = P[6]!;
        const ve = P[7]!;
        if (h$family === 28) {
          a$src = rt.binary(buf, v, ve);
        } else {
          if (ve - v !== 4 && ve - v !== 16) return fallback(buf, s, e);
          a$src = rt.ip(buf, v, ve);
        }
      }
      if ((mask & 0x10) !== 0) { // RTA_GATEWAY (5)
        const v = P[8]!;
        const ve = P[9]!;
        if (ve - v !== 4 && ve - v !== 16) return fallback(buf, s, e);
        a$gateway = rt.ip(buf, v, ve);
      }
      if ((mask & 0x20) !== 0) { // RTA_VIA (18)
        const v = P[10]!;
        const ve = P[11]!;
        a$via = d$via(buf, v, ve, header ??= { family: h$family, dstLen: h$dstLen, srcLen: h$srcLen, tos: h$tos, table: h$table, protocol: h$protocol, scope: h$scope, type: h$type, flags: h$flags }, s + 12, e);
      }
      if ((mask & 0x40) !== 0) { // RTA_OIF (4)
        const v = P[12]!;
        const ve = P[13]!;
        if (ve - v !== 4) return fallback(buf, s, e);
        a$oif = buf.readUInt32LE(v);
      }
      if ((mask & 0x80) !== 0) { // RTA_PRIORITY (6)
        const v = P[14]!;
        const ve = P[15]!;
        if (ve - v !== 4) return fallback(buf, s, e);
        a$priority = buf.readUInt32LE(v);
      }
      if ((mask & 0x100) !== 0) { // RTA_MULTIPATH (9)
        const v = P[16]!;
        const ve = P[17]!;
        a$multipath = d$multipath(buf, v, ve, header ??= { family: h$family, dstLen: h$dstLen, srcLen: h$srcLen, tos: h$tos, table: h$table, protocol: h$protocol, scope: h$scope, type: h$type, flags: h$flags }, s + 12, e);
      }
      if ((mask & 0x200) !== 0) { // RTA_PREFSRC (7)
        const v = P[18]!;
        const ve = P[19]!;
        if (ve - v !== 4 && ve - v !== 16) return fallback(buf, s, e);
        a$prefsrc = rt.ip(buf, v, ve);
      }
      if ((mask & 0x400) !== 0) { // RTA_METRICS (8)
        const v = P[20]!;
        const ve = P[21]!;
        a$metrics = d$metrics(buf, v, ve, header ??= { family: h$family, dstLen: h$dstLen, srcLen: h$srcLen, tos: h$tos, table: h$table, protocol: h$protocol, scope: h$scope, type: h$type, flags: h$flags }, s + 12, e);
      }
      if ((mask & 0x800) !== 0) { // RTA_PREF (20)
        const v = P[22]!;
        const ve = P[23]!;
        if (ve - v !== 1) return fallback(buf, s, e);
        a$pref = e$pref(buf[v]!);
      }
      if ((mask & 0x1000) !== 0) { // RTA_FLOW (11)
        const v = P[24]!;
        const ve = P[25]!;
        if (ve - v !== 4) return fallback(buf, s, e);
        a$flow = buf.readUInt32LE(v);
      }
      if ((mask & 0x2000) !== 0) { // RTA_NH_ID (30)
        const v = P[26]!;
        const ve = P[27]!;
        if (ve - v !== 4) return fallback(buf, s, e);
        a$nhId = buf.readUInt32LE(v);
      }
      if ((mask & 0x4000) !== 0) { // RTA_ENCAP_TYPE (21)
        const v = P[28]!;
        const ve = P[29]!;
        if (ve - v !== 2) return fallback(buf, s, e);
        a$encapType = e$encapType(buf.readUInt16LE(v));
      }
    } catch {
      return fallback(buf, s, e);
    }
    out.family = h$family;
    out.dstLen = h$dstLen;
    out.srcLen = h$srcLen;
    out.tos = h$tos;
    out.table = h$table;
    out.protocol = h$protocol;
    out.scope = h$scope;
    out.type = h$type;
    out.flags = h$flags;
    attrs.table = a$table;
    attrs.dst = a$dst;
    attrs.src = a$src;
    attrs.gateway = a$gateway;
    attrs.via = a$via;
    attrs.oif = a$oif;
    attrs.priority = a$priority;
    attrs.multipath = a$multipath;
    attrs.prefsrc = a$prefsrc;
    attrs.metrics = a$metrics;
    attrs.pref = a$pref;
    attrs.flow = a$flow;
    attrs.nhId = a$nhId;
    attrs.encapType = a$encapType;
    return out;
  };
}

/** fib_rule_hdr with FRA_PRIORITY, FRA_TABLE, FRA_SRC, FRA_DST, FRA_GOTO, FRA_IIFNAME, FRA_OIFNAME, FRA_FWMARK, FRA_FWMASK, FRA_PROTOCOL, FRA_SUPPRESS_PREFIXLEN, FRA_SUPPRESS_IFGROUP, FRA_L3MDEV, FRA_UID_RANGE, FRA_IP_PROTO, FRA_SPORT_RANGE, FRA_DPORT_RANGE. */
export function ruleReader(rt: ProjectionRuntime): (buf: Buffer, s: number, e: number) => Record<string, unknown> {
  const fallback = rt.fallback;
  const f$action = rt.fieldEnum('action');
  const e$protocol = rt.attrEnum('protocol');
  const d$uidRange = rt.attr('uidRange');
  const d$sportRange = rt.attr('sportRange');
  const d$dportRange = rt.attr('dportRange');
  const SLOTS = new Uint8Array(25);
  SLOTS[6] = 1; SLOTS[15] = 2; SLOTS[2] = 3; SLOTS[1] = 4; SLOTS[4] = 5; SLOTS[3] = 6; SLOTS[17] = 7; SLOTS[10] = 8; SLOTS[16] = 9; SLOTS[21] = 10; SLOTS[14] = 11; SLOTS[13] = 12; SLOTS[19] = 13; SLOTS[20] = 14; SLOTS[22] = 15; SLOTS[23] = 16; SLOTS[24] = 17;
  // Where the scan found each slot's attribute: its payload [start, end) at 2 * slot.
  const P = new Int32Array(36);
  const attrs: Record<string, unknown> = { priority: undefined, table: undefined, src: undefined, dst: undefined, goto: undefined, iifname: undefined, oifname: undefined, fwmark: undefined, fwmask: undefined, protocol: undefined, suppressPrefixlen: undefined, suppressIfgroup: undefined, l3mdev: undefined, uidRange: undefined, ipProto: undefined, sportRange: undefined, dportRange: undefined };
  const out: Record<string, unknown> = { family: undefined, dstLen: undefined, srcLen: undefined, tos: undefined, table: undefined, action: undefined, flags: undefined, attrs };
  /** The mask of the slots found (their places in P), or -1: hand the message over. */
  const scan = (buf: Buffer, s: number, e: number): number => {
    let mask = 0;
    for (let off = s + 12; off < e; ) {
      if (e - off < 4) return -1;
      const len = buf[off]! | (buf[off + 1]! << 8);
      if (len < 4 || off + len > e) return -1;
      const type = (buf[off + 2]! | (buf[off + 3]! << 8)) & 0x3fff;
      const slot = type <= 24 ? SLOTS[type]! : 0;
      if (slot !== 0) {
        if ((mask & (1 << slot)) === 0) {
          mask |= 1 << slot;
          P[2 * slot] = off + 4;
          P[2 * slot + 1] = off + len;
        } else if (slot <= 17) {
          return -1;
        }
      }
      off += (len + 3) & ~3;
    }
    return mask;
  };
  return (buf, s, e) => {
    if (e - s < 12) return fallback(buf, s, e);
    if (buf[s + 5] !== 0) return fallback(buf, s, e);
    if (buf[s + 6] !== 0) return fallback(buf, s, e);
    const mask = scan(buf, s, e);
    if (mask < 0) return fallback(buf, s, e);
    const h$family = buf[s]!;
    const h$dstLen = buf[s + 1]!;
    const h$srcLen = buf[s + 2]!;
    const h$tos = buf[s + 3]!;
    const h$table = buf[s + 4]!;
    const h$action = f$action(buf[s + 7]!);
    const h$flags = buf.readUInt32LE(s + 8);
    let a$priority: unknown;
    let a$table: unknown;
    let a$src: unknown;
    let a$dst: unknown;
    let a$goto: unknown;
    let a$iifname: unknown;
    let a$oifname: unknown;
    let a$fwmark: unknown;
    let a$fwmask: unknown;
    let a$protocol: unknown;
    let a$suppressPrefixlen: unknown;
    let a$suppressIfgroup: unknown;
    let a$l3mdev: unknown;
    let a$uidRange: unknown;
    let a$ipProto: unknown;
    let a$sportRange: unknown;
    let a$dportRange: unknown;
    let header: Record<string, unknown> | undefined;
    try {
      if ((mask & 0x2) !== 0) { // FRA_PRIORITY (6)
        const v = P[2]!;
        const ve = P[3]!;
        if (ve - v !== 4) return fallback(buf, s, e);
        a$priority = buf.readUInt32LE(v);
      }
      if ((mask & 0x4) !== 0) { // FRA_TABLE (15)
        const v = P[4]!;
        const ve = P[5]!;
        if (ve - v !== 4) return fallback(buf, s, e);
        a$table = buf.readUInt32LE(v);
      }
      if ((mask & 0x8) !== 0) { // FRA_SRC (2)
        const v = P[6]!;
        const ve = P[7]!;
        if (ve - v !== 4 && ve - v !== 16) return fallback(buf, s, e);
        a$src = rt.ip(buf, v, ve);
      }
      if ((mask & 0x10) !== 0) { // FRA_DST (1)
        const v = P[8]!;
        const ve = P[9]!;
        if (ve - v !== 4 && ve - v !== 16) return fallback(buf, s, e);
        a$dst = rt.ip(buf, v, ve);
      }
      if ((mask & 0x20) !== 0) { // FRA_GOTO (4)
        const v = P[10]!;
        const ve = P[11]!;
        if (ve - v !== 4) return fallback(buf, s, e);
        a$goto = buf.readUInt32LE(v);
      }
      if ((mask & 0x40) !== 0) { // FRA_IIFNAME (3)
        const v = P[12]!;
        const ve = P[13]!;
        a$iifname = rt.string(buf, v, ve);
      }
      if ((mask & 0x80) !== 0) { // FRA_OIFNAME (17)
        const v = P[14]!;
        const ve = P[15]!;
        a$oifname = rt.string(buf, v, ve);
      }
      if ((mask & 0x100) !== 0) { // FRA_FWMARK (10)
        const v = P[16]!;
        const ve = P[17]!;
        if (ve - v !== 4) return fallback(buf, s, e);
        a$fwmark = buf.readUInt32LE(v);
      }
      if ((mask & 0x200) !== 0) { // FRA_FWMASK (16)
        const v = P[18]!;
        const ve = P[19]!;
        if (ve - v !== 4) return fallback(buf, s, e);
        a$fwmask = buf.readUInt32LE(v);
      }
      if ((mask & 0x400) !== 0) { // FRA_PROTOCOL (21)
        const v = P[20]!;
        const ve = P[21]!;
        if (ve - v !== 1) return fallback(buf, s, e);
        a$protocol = e$protocol(buf[v]!);
      }
      if ((mask & 0x800) !== 0) { // FRA_SUPPRESS_PREFIXLEN (14)
        const v = P[22]!;
        const ve = P[23]!;
        if (ve - v !== 4) return fallback(buf, s, e);
        a$suppressPrefixlen = buf.readUInt32LE(v);
      }
      if ((mask & 0x1000) !== 0) { // FRA_SUPPRESS_IFGROUP (13)
        const v = P[24]!;
        const ve = P[25]!;
        if (ve - v !== 4) return fallback(buf, s, e);
        a$suppressIfgroup = buf.readUInt32LE(v);
      }
      if ((mask & 0x2000) !== 0) { // FRA_L3MDEV (19)
        const v = P[26]!;
        const ve = P[27]!;
        if (ve - v !== 1) return fallback(buf, s, e);
        a$l3mdev = buf[v]!;
      }
      if ((mask & 0x4000) !== 0) { // FRA_UID_RANGE (20)
        const v = P[28]!;
        const ve = P[29]!;
        a$uidRange = d$uidRange(buf, v, ve, header ??= { family: h$family, dstLen: h$dstLen, srcLen: h$srcLen, tos: h$tos, table: h$table, action: h$action, flags: h$flags }, s + 12, e);
      }
      if ((mask & 0x8000) !== 0) { // FRA_IP_PROTO (22)
        const v = P[30]!;
        const ve = P[31]!;
        if (ve - v !== 1) return fallback(buf, s, e);
        a$ipProto = buf[v]!;
      }
      if ((mask & 0x10000) !== 0) { // FRA_SPORT_RANGE (23)
        const v = P[32]!;
        const ve = P[33]!;
        a$sportRange = d$sportRange(buf, v, ve, header ??= { family: h$family, dstLen: h$dstLen, srcLen: h$srcLen, tos: h$tos, table: h$table, action: h$action, flags: h$flags }, s + 12, e);
      }
      if ((mask & 0x20000) !== 0) { // FRA_DPORT_RANGE (24)
        const v = P[34]!;
        const ve = P[35]!;
        a$dportRange = d$dportRange(buf, v, ve, header ??= { family: h$family, dstLen: h$dstLen, srcLen: h$srcLen, tos: h$tos, table: h$table, action: h$action, flags: h$flags }, s + 12, e);
      }
    } catch {
      return fallback(buf, s, e);
    }
    out.family = h$family;
    out.dstLen = h$dstLen;
    out.srcLen = h$srcLen;
    out.tos = h$tos;
    out.table = h$table;
    out.action = h$action;
    out.flags = h$flags;
    attrs.priority = a$priority;
    attrs.table = a$table;
    attrs.src = a$src;
    attrs.dst = a$dst;
    attrs.goto = a$goto;
    attrs.iifname = a$iifname;
    attrs.oifname = a$oifname;
    attrs.fwmark = a$fwmark;
    attrs.fwmask = a$fwmask;
    attrs.protocol = a$protocol;
    attrs.suppressPrefixlen = a$suppressPrefixlen;
    attrs.suppressIfgroup = a$suppressIfgroup;
    attrs.l3mdev = a$l3mdev;
    attrs.uidRange = a$uidRange;
    attrs.ipProto = a$ipProto;
    attrs.sportRange = a$sportRange;
    attrs.dportRange = a$dportRange;
    return out;
  };
}

/** ndmsg with NDA_DST, NDA_LLADDR. */
export function neighbourReader(rt: ProjectionRuntime): (buf: Buffer, s: number, e: number) => Record<string, unknown> {
  const fallback = rt.fallback;
  const f$type = rt.fieldEnum('type');
  const SLOTS = new Uint8Array(3);
  SLOTS[1] = 1; SLOTS[2] = 2;
  // Where the scan found each slot's attribute: its payload [start, end) at 2 * slot.
  const P = new Int32Array(6);
  const attrs: Record<string, unknown> = { dst: undefined, lladdr: undefined };
  const out: Record<string, unknown> = { family: undefined, ifindex: undefined, state: undefined, flags: undefined, type: undefined, attrs };
  /** The mask of the slots found (their places in P), or -1: hand the message over. */
  const scan = (buf: Buffer, s: number, e: number): number => {
    let mask = 0;
    for (let off = s + 12; off < e; ) {
      if (e - off < 4) return -1;
      const len = buf[off]! | (buf[off + 1]! << 8);
      if (len < 4 || off + len > e) return -1;
      const type = (buf[off + 2]! | (buf[off + 3]! << 8)) & 0x3fff;
      const slot = type <= 2 ? SLOTS[type]! : 0;
      if (slot !== 0) {
        if ((mask & (1 << slot)) === 0) {
          mask |= 1 << slot;
          P[2 * slot] = off + 4;
          P[2 * slot + 1] = off + len;
        } else if (slot <= 2) {
          return -1;
        }
      }
      off += (len + 3) & ~3;
    }
    return mask;
  };
  return (buf, s, e) => {
    if (e - s < 12) return fallback(buf, s, e);
    if (buf[s + 1] !== 0) return fallback(buf, s, e);
    if (buf[s + 2] !== 0 || buf[s + 3] !== 0) return fallback(buf, s, e);
    const mask = scan(buf, s, e);
    if (mask < 0) return fallback(buf, s, e);
    const h$family = buf[s]!;
    const h$ifindex = buf.readInt32LE(s + 4);
    const h$state = buf.readUInt16LE(s + 8);
    const h$flags = buf[s + 10]!;
    const h$type = f$type(buf[s + 11]!);
    let a$dst: unknown;
    let a$lladdr: unknown;
    try {
      if ((mask & 0x2) !== 0) { // NDA_DST (1)
        const v = P[2]!;
        const ve = P[3]!;
        if (ve - v !== 4 && ve - v !== 16) return fallback(buf, s, e);
        a$dst = rt.ip(buf, v, ve);
      }
      if ((mask & 0x4) !== 0) { // NDA_LLADDR (2)
        const v = P[4]!;
        const ve = P[5]!;
        a$lladdr = rt.mac(buf, v, ve);
      }
    } catch {
      return fallback(buf, s, e);
    }
    out.family = h$family;
    out.ifindex = h$ifindex;
    out.state = h$state;
    out.flags = h$flags;
    out.type = h$type;
    attrs.dst = a$dst;
    attrs.lladdr = a$lladdr;
    return out;
  };
}
