/** Route messages → RouteRecord. Runs once per route of a dump: kept lean. */
import { rtnl, type NextHopEntry, type Projected, type RouteMessage } from '../../messages/index.js';
import { ENCAP_TYPES } from '../names.js';
import type { NextHop, RouteEncap, RouteRecord } from '../records.js';
import { enumText, ipFamily } from './common.js';
import { routeReader } from './readers.generated.js';

/** rtnh_flags (and a single path's rtm_flags): the one next-hop flag that is configuration. */
export const RTNH_F_ONLINK = 4;

/**
 * The attributes a RouteRecord is made of. Dumps and notifications decode only these (a
 * projection), and routeRecord's parameter type allows only these: reading another one is a
 * compile error until it is added here.
 */
export const ROUTE_RECORD_ATTRS = ['table', 'dst', 'src', 'gateway', 'via', 'oif', 'priority', 'multipath', 'prefsrc', 'metrics', 'pref', 'flow', 'nhId', 'encapType'] as const;

/** What routeRecord reads: a decoded route message (any with at least these attributes). */
export type RouteRecordSource = Projected<RouteMessage, (typeof ROUTE_RECORD_ATTRS)[number]>;

const projection = rtnl.route.project(ROUTE_RECORD_ATTRS);

/** The record of the route message whose payload is buf[start, end) (decoding only what records hold). */
export function routeRecordAt(buf: Buffer, start = 0, end = buf.length): RouteRecord | null {
  return withEncaps(projection.decode(buf, start, end), buf, start, end);
}

/**
 * routeRecordAt for every message of a dump, one after the other, through the reader generated for
 * this projection (readers.generated.ts: one object literal per message instead of the generic
 * decoder's keyed stores). Records keep values, never the reader's objects.
 */
export function routeRecordMapper(internLimit = Infinity): (buf: Buffer, start: number, end: number) => RouteRecord | null {
  const read = routeReader(projection.runtime()) as (buf: Buffer, start: number, end: number) => RouteRecordSource;
  // A table's routes share a few next hops and sources: one string each for the whole dump
  // rather than one per route (less to keep, and less for the garbage collector to copy). At most
  // `internLimit` of them are remembered (then forgotten all at once): a mapper that reads an
  // event stream lives long.
  const strings = new Map<string, string>();
  const shared = (s: string): string => {
    const known = strings.get(s);
    if (known !== undefined) return known;
    if (strings.size >= internLimit) strings.clear();
    strings.set(s, s);
    return s;
  };
  return (buf, start, end) => {
    const r = withEncaps(read(buf, start, end), buf, start, end);
    if (r !== null) {
      if (r.gateway !== null) r.gateway = shared(r.gateway);
      if (r.prefsrc !== null) r.prefsrc = shared(r.prefsrc);
    }
    return r;
  };
}

/**
 * The record texts of rtmsg's enum header fields (protocol, scope, type) and of RTA_PREF, for
 * every byte value: what routeRecord puts in a record, for readers that decode those themselves.
 */
export function routeHeaderTexts(): RouteHeaderTexts {
  // Made once (about 4 ms cold: a thousand enum look-ups), then shared: every dump and event
  // stream makes a reader.
  if (headerTexts !== undefined) return headerTexts;
  const rt = projection.runtime();
  const texts = (name: (v: number) => unknown): readonly string[] => Object.freeze(Array.from({ length: 256 }, (_, v) => enumText(name(v) as string | number)));
  headerTexts = Object.freeze({
    protocol: texts(rt.fieldEnum('protocol')),
    scope: texts(rt.fieldEnum('scope')),
    type: texts(rt.fieldEnum('type')),
    pref: texts(rt.attrEnum('pref')),
  });
  return headerTexts;
}

type RouteHeaderTexts = { readonly [F in 'protocol' | 'scope' | 'type' | 'pref']: readonly string[] };
let headerTexts: RouteHeaderTexts | undefined;

/**
 * The record of a decoded route message, but its encapsulations (kept as bytes: routeRecordAt and
 * routeRecordMapper read them from the message).
 */
export function routeRecord(m: RouteRecordSource): RouteRecord | null {
  const family = ipFamily(m.family);
  if (family === 0) return null;
  const a = m.attrs;
  const dst = a.dst as string | undefined;
  const src = a.src as string | undefined;
  return {
    family,
    table: a.table ?? m.table,
    // The kernel leaves RTA_DST out of a zero-length prefix. Host routes keep their /32 (/128).
    dst: dst === undefined || m.dstLen === 0 ? 'default' : `${dst}/${m.dstLen}`,
    src: src === undefined || m.srcLen === 0 ? null : `${src}/${m.srcLen}`,
    gateway: a.gateway ?? a.via?.address ?? null,
    oif: a.oif ?? null,
    priority: a.priority ?? null,
    protocol: enumText(m.protocol),
    scope: enumText(m.scope),
    type: enumText(m.type),
    multipath: a.multipath === undefined ? null : a.multipath.map(nextHop),
    prefsrc: a.prefsrc ?? null,
    tos: m.tos,
    metrics: a.metrics === undefined ? null : metrics(a.metrics as Record<string, unknown>),
    pref: a.pref === undefined ? null : enumText(a.pref),
    // (The low byte of rtm_flags is the single path's RTNH_F_*; status bits such as linkdown aside.)
    onlink: (m.flags & RTNH_F_ONLINK) !== 0,
    // (From the message's bytes: routeRecordAt and routeRecordMapper fill it in, withEncaps.)
    encap: null,
    realms: a.flow ?? null,
    nhid: a.nhId ?? null,
  };
}

function nextHop(nh: NextHopEntry): NextHop {
  return {
    gateway: nh.attrs.gateway ?? nh.attrs.via?.address ?? null,
    oif: nh.ifindex === 0 ? null : nh.ifindex,
    weight: nh.hops + 1,
    onlink: (nh.flags & RTNH_F_ONLINK) !== 0,
    encap: null,
    realms: (nh.attrs.flow as number | undefined) ?? null,
  };
}

const RTMSG_LEN = 12;
const RTNH_LEN = 8;
const RTA_MULTIPATH = 9;
const RTA_ENCAP_TYPE = 21;
const RTA_ENCAP = 22;
const NLA_TYPE_MASK = 0x3fff;

/** Where encapIn found RTA_MULTIPATH's payload (-1: none): module scratch, not an object per route. */
let mpStart = -1;
let mpEnd = -1;

/**
 * The encapsulation in attributes buf[s, e) (RTA_ENCAP_TYPE, and RTA_ENCAP's payload kept as the
 * kernel wrote it), or null; RTA_MULTIPATH's payload range in mpStart/mpEnd.
 */
function encapIn(buf: Buffer, s: number, e: number): RouteEncap | null {
  let type = -1;
  let at = -1;
  let end = -1;
  mpStart = -1;
  for (let off = s; off + 4 <= e; ) {
    const len = buf[off]! | (buf[off + 1]! << 8);
    if (len < 4 || off + len > e) break;
    const t = (buf[off + 2]! | (buf[off + 3]! << 8)) & NLA_TYPE_MASK;
    if (t === RTA_ENCAP_TYPE && len >= 6) type = buf[off + 4]! | (buf[off + 5]! << 8);
    else if (t === RTA_ENCAP) { at = off + 4; end = off + len; }
    else if (t === RTA_MULTIPATH) { mpStart = off + 4; mpEnd = off + len; }
    off += (len + 3) & ~3;
  }
  return type < 0 || at < 0 ? null : { type: ENCAP_TYPES.name(type), data: buf.toString('hex', at, end) };
}

/**
 * `r` with the encapsulations its message (payload buf[start, end)) carries, for the route and
 * each next hop. The codec would decode RTA_ENCAP into objects (with 64-bit ids, which JSON and
 * the store cannot keep); a record keeps the bytes, which is all it needs to make the route again.
 */
function withEncaps(m: RouteRecordSource, buf: Buffer, start: number, end: number): RouteRecord | null {
  const r = routeRecord(m);
  // (Most routes have none, and are not read again: the projection has RTA_ENCAP_TYPE, and a next
  // hop's attributes are all decoded.)
  const mp = m.attrs.multipath;
  if (r === null || (m.attrs.encapType === undefined && (mp === undefined || !mp.some((h) => h.attrs.encapType !== undefined)))) return r;
  r.encap = encapIn(buf, start + RTMSG_LEN, end);
  if (mpStart < 0 || r.multipath === null) return r;
  const mpS = mpStart;
  const mpE = mpEnd;
  // The next hops in order, as routeRecord read them.
  let i = 0;
  for (let off = mpS; off + RTNH_LEN <= mpE && i < r.multipath.length; i++) {
    const len = buf[off]! | (buf[off + 1]! << 8);
    if (len < RTNH_LEN || off + len > mpE) break;
    const encap = encapIn(buf, off + RTNH_LEN, off + len);
    if (encap !== null) r.multipath[i] = { ...r.multipath[i]!, encap };
    off += (len + 3) & ~3;
  }
  return r;
}

/** RTAX_* values by name, and RTAX_CC_ALGO's string; unnamed ones are left to the raw message. */
function metrics(m: Record<string, unknown>): Record<string, number | string> | null {
  let out: Record<string, number | string> | null = null;
  for (const key in m) {
    const v = m[key];
    if (typeof v === 'number' || (key === 'ccAlgo' && typeof v === 'string')) (out ??= {})[key] = v;
  }
  return out;
}
