/**
 * The names records use for the kernel's small enumerations, as iproute2 prints them, each read
 * in both directions: number → name for records, name → number for specs. A number without a
 * name becomes its decimal string in a record, and a spec may give either form. The numbers come
 * from the codec's tables; only the metrics (a record-side naming) and NUD parsing live here.
 */
import type { EnumDef } from '../messages/index.js';
import { FR_ACT, IF_OPER, IN6_ADDR_GEN_MODE, LWTUNNEL_ENCAP, MACVLAN_MODE, RTA_PREF, RTN, RTPROT, RT_SCOPE, RT_TABLE, rtnlSchema } from '../messages/index.js';

export interface EnumTable {
  /** The name of `n`, or its decimal string when it has none. */
  name(n: number): string;
  /** The number for `name` (case-sensitive), or undefined. */
  value(name: string): number | undefined;
  readonly names: readonly string[];
}

/**
 * Adapts one of the codec's enum tables (messages/rtnl/enums.ts, the single source of the numbers)
 * to what validation needs: a name or decimal string for every number, and undefined instead of
 * a throw for an unknown name. `aliases` adds spellings specs may use; `hide` drops names that only
 * exist for completeness (reserved values) from what a spec may say.
 */
function fromEnum(def: EnumDef, aliases: Readonly<Record<string, number>> = {}, hide: readonly string[] = []): EnumTable {
  const byName = new Map<string, number>();
  for (const [k, v] of Object.entries(def.byName as Record<string, number>)) if (!hide.includes(k)) byName.set(k, v);
  for (const [k, v] of Object.entries(aliases)) byName.set(k, v);
  // Records call name() once per message: keep the common 0..255 strings ready.
  const small: string[] = [];
  for (let i = 0; i < 256; i++) small.push(String(def.name(i)));
  return {
    name: (n) => (n >= 0 && n < 256 ? small[n]! : String(def.name(n))),
    value: (name) => byName.get(name),
    names: [...byName.keys()],
  };
}

/** rtm_protocol / FRA_PROTOCOL (RTPROT_*). */
export const PROTOCOLS = fromEnum(RTPROT);

/** rtm_scope / ifa_scope (RT_SCOPE_*). The kernel's RT_SCOPE_UNIVERSE is ip's 'global'. */
export const SCOPES = fromEnum(RT_SCOPE, { universe: 0 });

/** rtm_type (RTN_*). */
export const ROUTE_TYPES = fromEnum(RTN);

/** Routing table ids with names (RT_TABLE_*). Records carry the number; specs may use the name. */
export const TABLES = fromEnum(RT_TABLE, {}, ['compat']);
export const RT_TABLE_MAIN = 254;

/** RTA_PREF (ICMPV6_ROUTER_PREF_*). */
export const ROUTE_PREFS = fromEnum(RTA_PREF);

/** IFLA_INET6_ADDR_GEN_MODE: how IPv6 makes a link's addresses ('eui64', 'none', 'stable_secret', 'random'). */
export const ADDR_GEN_MODES = fromEnum(IN6_ADDR_GEN_MODE);

/** RTA_ENCAP_TYPE (LWTUNNEL_ENCAP_*): 'mpls', 'ip', 'ip6', 'seg6', 'bpf', ... ('none' is no encap). */
export const ENCAP_TYPES = fromEnum(LWTUNNEL_ENCAP, {}, ['none']);

/** fib_rule_hdr.action (FR_ACT_*). Records say 'to_tbl' for a lookup, as the kernel names it. */
export const RULE_ACTIONS = fromEnum(FR_ACT, { lookup: 1 }, ['res3', 'res4']);

/** IFLA_OPERSTATE (IF_OPER_*), upper case as ip prints it. */
export const OPERSTATES = fromEnum(IF_OPER);

/**
 * RTAX_* metrics with a number value, named as the codec's RTA_METRICS table names them (the
 * kernel constant without RTAX_, camelCase: 'mtu', 'advmss', 'rtoMin'), and RTAX_CC_ALGO ('ccAlgo',
 * whose value is a congestion control's name).
 */
export const METRICS: EnumTable = (() => {
  const attrs = rtnlSchema.def['metrics-attrs'].attrs.filter((a) => a.codec === 'u32' || a.name === 'ccAlgo');
  const byNumber = new Map<number, string>(attrs.map((a) => [a.type, a.name]));
  const byName = new Map<string, number>(attrs.map((a) => [a.name, a.type]));
  return { name: (n) => byNumber.get(n) ?? String(n), value: (s) => byName.get(s), names: [...byName.keys()] };
})();

/** NUD_* neighbour states, one bit each; ip prints them upper case. */
export const NUD_STATES: readonly (readonly [number, string])[] = [
  [0x01, 'INCOMPLETE'], [0x02, 'REACHABLE'], [0x04, 'STALE'], [0x08, 'DELAY'], [0x10, 'PROBE'],
  [0x20, 'FAILED'], [0x40, 'NOARP'], [0x80, 'PERMANENT'],
];
export const NUD_NONE = 0;

/** 'PERMANENT', 'REACHABLE|...' for several bits, 'NONE' for 0. */
export function nudName(state: number): string {
  if (state === 0) return 'NONE';
  let out = '';
  let rest = state;
  for (const [bit, name] of NUD_STATES) {
    if (state & bit) {
      out = out === '' ? name : `${out}|${name}`;
      rest &= ~bit;
    }
  }
  if (rest !== 0) out = out === '' ? String(rest) : `${out}|${rest}`;
  return out;
}

/** Inverse of nudName, case-insensitive; undefined for an unknown name. */
export function nudValue(text: string): number | undefined {
  const up = text.toUpperCase();
  if (up === 'NONE') return NUD_NONE;
  let v = 0;
  for (const part of up.split('|')) {
    const hit = NUD_STATES.find(([, n]) => n === part);
    if (!hit) return undefined;
    v |= hit[0];
  }
  return v;
}

/** IFLA_MACVLAN_MODE (MACVLAN_MODE_*), also used by macvtap. */
export const MACVLAN_MODES = fromEnum(MACVLAN_MODE);

/** IFLA_VLAN_PROTOCOL: the TPID (big-endian on the wire). Not a codec enum: ip names them so. */
export const VLAN_PROTOCOLS: EnumTable = {
  name: (n) => (n === 0x8100 ? '802.1Q' : n === 0x88a8 ? '802.1ad' : String(n)),
  value: (name) => ({ '802.1Q': 0x8100, '802.1q': 0x8100, '802.1ad': 0x88a8, '802.1AD': 0x88a8 } as Record<string, number>)[name],
  names: ['802.1Q', '802.1ad'],
};
