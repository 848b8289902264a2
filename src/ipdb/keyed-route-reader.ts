/**
 * Reading route messages (a dump, or a stream of notifications) into records AND their identity
 * keys, in one pass over the bytes.
 *
 * Why: loading 100,000 routes is the heaviest part of opening a database, and most of it was not
 * decoding but strings. The generic path makes the dst text ("172.16.0.1" then "…/32"), a gateway
 * string per route, and then routeKey's text from the record: a chain of concatenations that V8
 * keeps as rope strings until the shard hash and the Map flatten them, all of it garbage within
 * microseconds. Here the key's bytes are written straight from the message into one scratch
 * buffer, the key is made from them as ONE flat string, the record's dst is a slice of that
 * string (no copy: V8 slices strings of 13 characters or more), and gateways and preferred
 * sources are looked up by their 32-bit value before any string is made. Measured on 109,004
 * routes: about half the time of decode + routeKeyer + insertion. A reader that makes no keys
 * (`makeKeys` false: a load into an empty table, which makes keys only when asked for them) stops
 * writing after the key's group, hashes those bytes for the shard, and makes the dst on its own.
 *
 * Only the common shapes are read here: an IPv4 or IPv6 route with one next hop, holding at most
 * RTA_TABLE, RTA_DST, RTA_GATEWAY, RTA_OIF, RTA_PRIORITY, RTA_PREFSRC and RTA_PREF among the
 * attributes a record holds (others, such as RTA_CACHEINFO, are ignored as the projection ignores
 * them). Anything else (RTA_SRC, RTA_VIA, RTA_MULTIPATH, RTA_METRICS, RTA_FLOW, an encapsulation,
 * RTA_NH_ID, the onlink flag, a duplicate or odd-sized attribute, a truncated message, another
 * family) goes to the generic reader unchanged, and gets no key (the caller keys it with routeKey). The record and the key are the same as routeRecord's
 * and routeKey's: a property test holds the two paths together
 * (test/ipdb/keyed-route-reader.test.ts).
 */
import { GROUP_SEP } from '../db/keys.js';
import { hashGroupBytes } from '../db/table.js';
import { latin1Bytes as ascii, latin1Text } from '../util/latin1.js';
import { routeHeaderTexts, routeRecordMapper, RTNH_F_ONLINK } from '../iproute/decode/route.js';
import { formatIp } from '../messages/index.js';
import type { RouteRecord } from '../iproute/records.js';
import { u32le } from '../util/bytes.js';

const AF_INET = 2;
const AF_INET6 = 10;
const RTA_DST = 1;
const RTA_SRC = 2;
const RTA_OIF = 4;
const RTA_GATEWAY = 5;
const RTA_PRIORITY = 6;
const RTA_PREFSRC = 7;
const RTA_METRICS = 8;
const RTA_MULTIPATH = 9;
const RTA_FLOW = 11;
const RTA_TABLE = 15;
const RTA_VIA = 18;
const RTA_PREF = 20;
const RTA_ENCAP_TYPE = 21;
const RTA_ENCAP = 22;
const RTA_NH_ID = 30;

/** The decimal text of 0..255, as bytes. */
const OCTETS: readonly Uint8Array[] = Array.from({ length: 256 }, (_, i) => ascii(String(i)));
const DEFAULT = ascii('default');
const FROM_ANY = ascii('fromany');
const DASH = 0x2d;
const BAR = 0x7c;

/** An address attribute's value, kept once per distinct value for the whole dump. */
interface Addr {
  readonly text: string;
  readonly bytes: Uint8Array;
}

export class KeyedRouteReader {
  /**
   * The identity key of the record the last read() returned; undefined if it took the generic
   * path, or if this reader does not make keys (then `group` is set instead).
   */
  key: string | undefined;
  /**
   * Without keys (`makeKeys` false): shardHash of the key the last read() would have made (its
   * shard), undefined if it took the generic path.
   */
  group: number | undefined;
  private genericReader: ((buf: Buffer, start: number, end: number) => RouteRecord | null) | undefined;
  private readonly texts = routeHeaderTexts();
  /** `#type|protocol|scope|` as bytes, by (type << 16 | protocol << 8 | scope). */
  private readonly middles = new Map<number, Uint8Array>();
  private readonly addrs = new Map<number, Addr>();
  private readonly addrs6 = new Map<string, Addr>();
  private readonly scratch = Buffer.allocUnsafe(512);

  /**
   * `internLimit`: how many distinct gateway and source strings are kept for sharing (then all
   * are forgotten at once): a reader of an event stream lives long, a dump's reader does not.
   * `makeKeys`: false for a reader whose caller makes keys only when it needs them (a load into
   * an empty table, bulk.ts): it hashes the key's group from the bytes and stops there.
   */
  constructor(
    private readonly internLimit = Infinity,
    private readonly makeKeys = true,
  ) {}

  /** The generic reader, made on first use (a big dump of common routes never needs it). */
  private generic(buf: Buffer, s: number, e: number): RouteRecord | null {
    return (this.genericReader ??= routeRecordMapper(this.internLimit))(buf, s, e);
  }

  read(buf: Buffer, s: number, e: number): RouteRecord | null {
    this.key = undefined;
    this.group = undefined;
    if (e - s < 12) return this.generic(buf, s, e);
    const family = buf[s]!;
    // The size of an address attribute's value in this family.
    const alen = family === AF_INET ? 4 : family === AF_INET6 ? 16 : 0;
    if (alen === 0) return this.generic(buf, s, e);
    const dstLen = buf[s + 1]!;
    const tos = buf[s + 3]!;
    let table = buf[s + 4]!;
    const protocol = buf[s + 5]!;
    const scope = buf[s + 6]!;
    const type = buf[s + 7]!;
    // An onlink route (RTNH_F_ONLINK in rtm_flags) is rare: the generic reader says so.
    if ((buf[s + 8]! & RTNH_F_ONLINK) !== 0) return this.generic(buf, s, e);
    let seen = 0; // bit per attribute type below 32: a duplicate goes to the generic reader
    let dst = -1; // offset of RTA_DST's value
    let gateway: Addr | null = null;
    let prefsrc: Addr | null = null;
    let oif = -1;
    let priority = -1;
    let pref = -1;
    for (let off = s + 12; off < e; ) {
      if (e - off < 4) return this.generic(buf, s, e);
      const len = buf[off]! | (buf[off + 1]! << 8);
      if (len < 4 || off + len > e) return this.generic(buf, s, e);
      const v = off + 4;
      const n = len - 4;
      const at = (buf[off + 2]! | (buf[off + 3]! << 8)) & 0x3fff;
      off += (len + 3) & ~3;
      if (at >= 32) continue;
      const bit = 1 << at;
      if ((seen & bit) !== 0) return this.generic(buf, s, e);
      seen |= bit;
      switch (at) {
        case RTA_TABLE:
          if (n !== 4) return this.generic(buf, s, e);
          table = u32le(buf, v);
          break;
        case RTA_DST:
          if (n !== alen) return this.generic(buf, s, e);
          dst = v;
          break;
        case RTA_GATEWAY:
          if (n !== alen) return this.generic(buf, s, e);
          gateway = this.addr(buf, v, n);
          break;
        case RTA_PREFSRC:
          if (n !== alen) return this.generic(buf, s, e);
          prefsrc = this.addr(buf, v, n);
          break;
        case RTA_OIF:
          if (n !== 4) return this.generic(buf, s, e);
          oif = u32le(buf, v);
          break;
        case RTA_PRIORITY:
          if (n !== 4) return this.generic(buf, s, e);
          priority = u32le(buf, v);
          break;
        case RTA_PREF:
          if (n !== 1) return this.generic(buf, s, e);
          pref = buf[v]!;
          break;
        case RTA_SRC: case RTA_VIA: case RTA_MULTIPATH: case RTA_METRICS:
        case RTA_FLOW: case RTA_ENCAP_TYPE: case RTA_ENCAP: case RTA_NH_ID:
          return this.generic(buf, s, e);
        default:
          break; // not part of a record (RTA_CACHEINFO, RTA_EXPIRES, ...)
      }
    }

    // The key, written out as routeKey writes it for a route without metrics or multipath:
    //   IPv4  4|table|dst|tos<tos>|m<metric>#type|protocol|scope|prefsrc||nh=gateway@oif*1
    //   IPv6  6|table|dst|fromany|m<metric>#nh=gateway@oif
    const w = this.scratch;
    const v4 = family === AF_INET;
    w[0] = v4 ? 0x34 : 0x36; // '4' or '6'
    w[1] = BAR;
    let p = writeUint(w, 2, table);
    w[p++] = BAR;
    const dstStart = p;
    if (dst < 0 || dstLen === 0) {
      p = put(w, p, DEFAULT);
    } else {
      if (v4) {
        p = put(w, p, OCTETS[buf[dst]!]!);
        w[p++] = 0x2e;
        p = put(w, p, OCTETS[buf[dst + 1]!]!);
        w[p++] = 0x2e;
        p = put(w, p, OCTETS[buf[dst + 2]!]!);
        w[p++] = 0x2e;
        p = put(w, p, OCTETS[buf[dst + 3]!]!);
      } else {
        p = putText(w, p, formatIp(buf, dst, dst + 16));
      }
      w[p++] = 0x2f; // '/'
      p = writeUint(w, p, dstLen);
    }
    const dstEnd = p;
    w[p++] = BAR;
    if (v4) {
      w[p++] = 0x74; // 'tos'
      w[p++] = 0x6f;
      w[p++] = 0x73;
      p = writeUint(w, p, tos);
    } else {
      p = put(w, p, FROM_ANY);
    }
    w[p++] = BAR;
    w[p++] = 0x6d; // 'm'
    p = writeUint(w, p, priority < 0 ? 0 : priority);
    if (!this.makeKeys) {
      // The shard's hash (of family|table|dst: table.ts shardHash), and the dst as a string of its own.
      this.group = hashGroupBytes(w, dstEnd);
      return this.record(v4, table, latin1Text(w, dstStart, dstEnd), gateway, oif, priority, protocol, scope, type, prefsrc, tos, pref);
    }
    if (v4) {
      p = put(w, p, this.middle(type, protocol, scope));
      if (prefsrc === null) w[p++] = DASH;
      else p = put(w, p, prefsrc.bytes);
      w[p++] = BAR;
      w[p++] = BAR;
    } else {
      w[p++] = 0x23; // '#'
    }
    w[p++] = 0x6e; // 'nh='
    w[p++] = 0x68;
    w[p++] = 0x3d;
    if (gateway === null) w[p++] = DASH;
    else p = put(w, p, gateway.bytes);
    w[p++] = 0x40; // '@'
    if (oif < 0) w[p++] = DASH;
    else p = writeUint(w, p, oif);
    if (v4) {
      w[p++] = 0x2a; // '*1'
      w[p++] = 0x31;
    }
    const key = latin1Text(w, 0, p);
    this.key = key;
    return this.record(v4, table, key.slice(dstStart, dstEnd), gateway, oif, priority, protocol, scope, type, prefsrc, tos, pref);
  }

  private record(
    v4: boolean, table: number, dst: string, gateway: Addr | null, oif: number, priority: number,
    protocol: number, scope: number, type: number, prefsrc: Addr | null, tos: number, pref: number,
  ): RouteRecord {
    const t = this.texts;
    // The same fields, in the same order, as routeRecord makes (one hidden class for both paths),
    // frozen here: it holds no object, so this is all the deep freeze the database would do
    // (freezeRecord then returns at once; measured: 20 ms of 109,004 routes).
    return Object.freeze({
      family: v4 ? 4 : 6,
      table,
      dst,
      src: null,
      gateway: gateway === null ? null : gateway.text,
      oif: oif < 0 ? null : oif,
      priority: priority < 0 ? null : priority,
      protocol: t.protocol[protocol]!,
      scope: t.scope[scope]!,
      type: t.type[type]!,
      multipath: null,
      prefsrc: prefsrc === null ? null : prefsrc.text,
      tos,
      metrics: null,
      pref: pref < 0 ? null : t.pref[pref]!,
      onlink: false,
      encap: null,
      realms: null,
      nhid: null,
    }) as RouteRecord;
  }

  /** An address attribute's value (4 or 16 bytes), its text shared for the whole dump. */
  private addr(buf: Buffer, v: number, n: number): Addr {
    if (n === 16) {
      const text = formatIp(buf, v, v + 16);
      let a = this.addrs6.get(text);
      if (a === undefined) {
        if (this.addrs6.size >= this.internLimit) this.addrs6.clear();
        this.addrs6.set(text, (a = { text, bytes: ascii(text) }));
      }
      return a;
    }
    const k = buf[v]! | (buf[v + 1]! << 8) | (buf[v + 2]! << 16) | (buf[v + 3]! << 24);
    let a = this.addrs.get(k);
    if (a === undefined) {
      if (this.addrs.size >= this.internLimit) this.addrs.clear();
      const text = `${buf[v]}.${buf[v + 1]}.${buf[v + 2]}.${buf[v + 3]}`;
      this.addrs.set(k, (a = { text, bytes: ascii(text) }));
    }
    return a;
  }

  private middle(type: number, protocol: number, scope: number): Uint8Array {
    const id = (type << 16) | (protocol << 8) | scope;
    let m = this.middles.get(id);
    if (m === undefined) {
      const t = this.texts;
      m = ascii(`${GROUP_SEP}${t.type[type]}|${t.protocol[protocol]}|${t.scope[scope]}|`);
      this.middles.set(id, m);
    }
    return m;
  }
}

/** Writes a string of ASCII characters (an address's text). */
function putText(w: Buffer, p: number, text: string): number {
  for (let i = 0; i < text.length; i++) w[p++] = text.charCodeAt(i);
  return p;
}

function put(w: Buffer, p: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) w[p++] = bytes[i]!;
  return p;
}

const SMALL = 1 << 16;
const SMALL_DIGITS: (Uint8Array | undefined)[] = [];

/** Writes an unsigned 32-bit number in decimal. */
function writeUint(w: Buffer, p: number, n: number): number {
  if (n < 256) return put(w, p, OCTETS[n]!);
  // Interface indexes and metrics repeat over a dump: their digits are made once each.
  if (n < SMALL) return put(w, p, (SMALL_DIGITS[n] ??= ascii(String(n))));
  const start = p;
  while (n > 0) {
    w[p++] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  for (let i = start, j = p - 1; i < j; i++, j--) {
    const c = w[i]!;
    w[i] = w[j]!;
    w[j] = c;
  }
  return p;
}
