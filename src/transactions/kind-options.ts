/**
 * A link kind's options as a create sends them (IFLA_INFO_DATA), and as a review shows them: one
 * table for both, so that what `tx.review()` prints for a create (and for the undo that brings a
 * removed link back) is what goes on the wire, not every attribute the kernel reported.
 */
import { VLAN_PROTOCOLS } from '../iproute/names.js';

/**
 * The kind options a link create takes, per kind, in the codec's (and the records') names, with
 * the kernel's default where it has one. What a record holds beyond them is state the kernel keeps
 * (timers, counters, ids), not configuration. Options at their default are not sent: a kernel
 * built without a feature refuses even the default value of its option (a bridge's
 * vlanFiltering without CONFIG_BRIDGE_VLAN_FILTERING is EOPNOTSUPP).
 */
const KIND_OPTIONS: Record<string, Readonly<Record<string, number | undefined>>> = {
  vxlan: {
    id: undefined, group: undefined, group6: undefined, local: undefined, local6: undefined, link: undefined, ttl: 0, tos: 0,
    learning: undefined, ageing: 300, limit: 0, portRange: undefined, proxy: 0, l2miss: 0, l3miss: 0, port: undefined,
    udpCsum: undefined, udpZeroCsum6Tx: 0, udpZeroCsum6Rx: 0, df: 0, label: 0,
  },
  macvlan: { mode: undefined, flags: 0, bcQueueLen: 1000 },
  macvtap: { mode: undefined, flags: 0, bcQueueLen: 1000 },
  bridge: {
    forwardDelay: 1500, helloTime: 200, maxAge: 2000, ageingTime: 30000, stpState: 0, priority: 32768, vlanFiltering: 0,
    groupFwdMask: 0, mcastSnooping: 1, mcastRouter: 1, mcastQuerier: 0,
  },
  vlan: { id: undefined, protocol: undefined, flags: undefined },
};

const isV6 = (text: unknown): boolean => typeof text === 'string' && text.includes(':');

/** A record's or a spec's kind options as IFLA_INFO_DATA takes them. */
export function kindData(kind: string, info: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  const allowed = KIND_OPTIONS[kind];
  if (!allowed) return undefined;
  const src: Record<string, unknown> = { ...info };
  if (kind === 'vxlan') {
    // Specs say `remote` for a unicast group; records fold group6/local6 into group/local.
    if (src.remote !== undefined && src.group === undefined) src.group = src.remote;
    if (isV6(src.group)) { src.group6 = src.group; delete src.group; }
    if (isV6(src.local)) { src.local6 = src.local; delete src.local; }
    const range = src.portRange as { low?: number; high?: number } | undefined;
    if (range && !range.low && !range.high) delete src.portRange;
  }
  if (kind === 'vlan' && typeof src.protocol === 'string') src.protocol = VLAN_PROTOCOLS.value(src.protocol);
  const out: Record<string, unknown> = {};
  for (const [k, byDefault] of Object.entries(allowed)) {
    const raw = src[k];
    if (raw === undefined || raw === null) continue;
    const v = typeof raw === 'boolean' ? (raw ? 1 : 0) : raw;
    if (byDefault !== undefined && v === byDefault) continue;
    out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The options of `info` a create of `kind` sends, as the spec or record says them (names and
 * values before kindData() puts them in the kernel's terms: a vxlan's `remote`, a vlan's protocol
 * by name), in KIND_OPTIONS' order: 'forwardDelay 400 stpState 1'. Empty for a kind that sends none.
 */
export function describeKindOptions(kind: string, info: Readonly<Record<string, unknown>>): string {
  const allowed = KIND_OPTIONS[kind];
  if (!allowed) return '';
  const keys = kind === 'vxlan' && info.group === undefined ? ['remote', ...Object.keys(allowed)] : Object.keys(allowed);
  const out: string[] = [];
  for (const k of keys) {
    const raw = info[k];
    if (raw === undefined || raw === null) continue;
    if ((typeof raw === 'boolean' ? (raw ? 1 : 0) : raw) === allowed[k]) continue;
    if (k === 'portRange') {
      // (As kindData: a range of 0-0 is the kernel's default, not sent.)
      const r = raw as { low?: number; high?: number };
      if (r.low || r.high) out.push(`portRange ${r.low ?? 0}-${r.high ?? 0}`);
      continue;
    }
    out.push(`${k} ${typeof raw === 'object' ? JSON.stringify(raw) : String(raw)}`);
  }
  return out.join(' ');
}
