/** Route messages → RouteRecord. Runs once per route of a dump: kept lean. */
import type { NextHopEntry, RouteMessage } from '../../messages/index.js';
import type { NextHop, RouteRecord } from '../records.js';
import { enumText, ipFamily } from './common.js';

export function routeRecord(m: RouteMessage): RouteRecord | null {
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
  };
}

function nextHop(nh: NextHopEntry): NextHop {
  return {
    gateway: nh.attrs.gateway ?? nh.attrs.via?.address ?? null,
    oif: nh.ifindex === 0 ? null : nh.ifindex,
    weight: nh.hops + 1,
  };
}

/** RTAX_* values by name; RTAX_CC_ALGO (a string) and unnamed ones are left to the raw message. */
function metrics(m: Record<string, unknown>): Record<string, number> | null {
  let out: Record<string, number> | null = null;
  for (const key in m) {
    const v = m[key];
    if (typeof v === 'number') (out ??= {})[key] = v;
  }
  return out;
}
