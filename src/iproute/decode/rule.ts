/** Rule messages → RuleRecord. */
import { rtnl, type Projected, type RuleMessage } from '../../messages/index.js';
import type { RuleRecord } from '../records.js';
import { enumText, ipFamily } from './common.js';
import { ruleReader } from './readers.generated.js';

/** The attributes a RuleRecord is made of (see ROUTE_RECORD_ATTRS in route.ts). */
export const RULE_RECORD_ATTRS = [
  'priority', 'table', 'src', 'dst', 'goto', 'iifname', 'oifname', 'fwmark', 'fwmask', 'protocol', 'suppressPrefixlen', 'suppressIfgroup',
  'l3mdev', 'uidRange', 'ipProto', 'sportRange', 'dportRange',
] as const;

/** FRA_* types a record has a field for (FRA_PAD, alignment only, too): the others are its `extra`. */
const NAMED = new Set([1, 2, 3, 4, 6, 10, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
const FIB_RULE_HDR_LEN = 12;
const FRA_SPORT_MASK = 28;
const FRA_DPORT_MASK = 29;
const FIB_RULE_INVERT = 0x2;
/** FRA_SUPPRESS_PREFIXLEN and FRA_SUPPRESS_IFGROUP when not set: the kernel's -1, dumped as is. */
const UNSET = 0xffffffff;

export type RuleRecordSource = Projected<RuleMessage, (typeof RULE_RECORD_ATTRS)[number]>;

const projection = rtnl.rule.project(RULE_RECORD_ATTRS);

/** The record of the rule message whose payload is buf[start, end). */
export function ruleRecordAt(buf: Buffer, start = 0, end = buf.length): RuleRecord | null {
  return withExtra(ruleRecord(projection.decode(buf, start, end)), buf, start, end);
}

/**
 * Whether the attribute at buf[off] is a port mask the kernel adds by itself: newer kernels
 * announce a one-port range (`dport 443`) with FRA_DPORT_MASK 0xffff, older ones without. Kept
 * out of `extra`, so that a rule reads the same whichever kernel made it (and as its spec says it).
 */
function impliedMask(r: RuleRecord, type: number, buf: Buffer, off: number, len: number): boolean {
  const range = type === FRA_SPORT_MASK ? r.sportRange : type === FRA_DPORT_MASK ? r.dportRange : undefined;
  return range != null && range.start === range.end && len === 6 && buf[off + 4] === 0xff && buf[off + 5] === 0xff;
}

/**
 * `r` with the attributes its message (buf[start, end)) has and no field of a record names, kept
 * whole (header and payload, padded) in the kernel's order, hex: `extra`.
 */
function withExtra(r: RuleRecord | null, buf: Buffer, start: number, end: number): RuleRecord | null {
  if (r === null) return r;
  let out: string | null = null;
  for (let off = start + FIB_RULE_HDR_LEN; off + 4 <= end;) {
    const len = buf[off]! | (buf[off + 1]! << 8);
    if (len < 4 || off + len > end) break;
    const step = Math.min((len + 3) & ~3, end - off);
    const type = (buf[off + 2]! | (buf[off + 3]! << 8)) & 0x3fff;
    if (!NAMED.has(type) && !impliedMask(r, type, buf, off, len)) out = (out ?? '') + buf.toString('hex', off, off + step);
    off += step;
  }
  r.extra = out;
  return r;
}

/**
 * ruleRecordAt for every message of a dump, one after the other, through the reader generated for
 * this projection (readers.generated.ts: one object literal per message instead of the generic
 * decoder's keyed stores). Records keep values, never the reader's objects.
 */
export function ruleRecordMapper(): (buf: Buffer, start: number, end: number) => RuleRecord | null {
  const read = ruleReader(projection.runtime()) as (buf: Buffer, start: number, end: number) => RuleRecordSource;
  return (buf, start, end) => withExtra(ruleRecord(read(buf, start, end)), buf, start, end);
}

export function ruleRecord(m: RuleRecordSource): RuleRecord | null {
  const family = ipFamily(m.family);
  if (family === 0) return null;
  const a = m.attrs;
  return {
    family,
    priority: a.priority ?? 0,
    table: a.table ?? m.table,
    src: a.src === undefined || m.srcLen === 0 ? null : `${a.src}/${m.srcLen}`,
    dst: a.dst === undefined || m.dstLen === 0 ? null : `${a.dst}/${m.dstLen}`,
    action: enumText(m.action),
    goto: a.goto ?? null,
    iifname: a.iifname ?? null,
    oifname: a.oifname ?? null,
    fwmark: a.fwmark ?? null,
    fwmask: a.fwmask ?? null,
    tos: m.tos,
    protocol: a.protocol === undefined ? null : enumText(a.protocol),
    invert: (m.flags & FIB_RULE_INVERT) !== 0,
    suppressPrefixlen: a.suppressPrefixlen === undefined || a.suppressPrefixlen === UNSET ? null : a.suppressPrefixlen,
    suppressIfgroup: a.suppressIfgroup === undefined || a.suppressIfgroup === UNSET ? null : a.suppressIfgroup,
    l3mdev: (a.l3mdev ?? 0) !== 0,
    uidRange: a.uidRange === undefined ? null : { start: a.uidRange.start, end: a.uidRange.end },
    ipProto: a.ipProto ?? null,
    sportRange: a.sportRange === undefined ? null : { start: a.sportRange.start, end: a.sportRange.end },
    dportRange: a.dportRange === undefined ? null : { start: a.dportRange.start, end: a.dportRange.end },
    // (Filled in from the message's bytes by withExtra.)
    extra: null,
  };
}
