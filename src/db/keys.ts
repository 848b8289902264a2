/**
 * Identity keys: when are two records the same kernel object?
 *
 * A key is a string. Getting it too coarse silently merges distinct kernel objects (pyroute2's
 * IPDB leaves the output interface out of its route key and loses per-link routes such as
 * fe80::/64 on a host with many links). Getting it too fine turns what the kernel treats as an
 * in-place update into a remove plus an add, which is honest but noisier. Each rule below follows
 * what the kernel itself compares when it decides "this already exists" (EEXIST), citing the
 * function; where our records cannot express the kernel's rule exactly, the approximation is said.
 *
 * Keys have the form `group#rest` (or just `group`): the group alone chooses the shard (table.ts),
 * so records that must be found together (the routes of one kernel "slot") live in one shard.
 * Nothing before the first '#' may contain '#'.
 */
import type {
  AddressRecord,
  InterfaceRecord,
  NeighbourRecord,
  NextHop,
  RecordByKind,
  RecordKind,
  RouteRecord,
  RuleRecord,
} from '../iproute/records.js';

export const GROUP_SEP = '#';

/** The part of a key that chooses its shard. */
export function keyGroup(key: string): string {
  const i = key.indexOf(GROUP_SEP);
  return i < 0 ? key : key.slice(0, i);
}

// ---------------------------------------------------------------------------------------------
// Interfaces: the ifindex. A rename (IFLA_IFNAME) is a change of the same object; names are
// looked up through an index in the collections, never used as identity (they are reused).

export function interfaceKey(r: Pick<InterfaceRecord, 'index'>): string {
  return String(r.index);
}

// ---------------------------------------------------------------------------------------------
// Addresses.
//
// IPv4 (__inet_insert_ifa, net/ipv4/devinet.c): an address already exists on the device when it
// has the same mask, the same local address and an ifa_address (the peer, for point-to-point)
// in the same subnet. So the prefix length belongs to the key: 10.0.0.1/24 and 10.0.0.1/25 on one
// link are two objects. The peer belongs to it too: `10.0.0.1 peer 10.0.0.2/32` and `10.0.0.1 peer
// 10.0.0.3/32` coexist. (We key on the exact peer, finer than "same subnet"; two peers in one
// subnet cannot coexist, so nothing is merged by that.)
//
// IPv6 (ipv6_add_addr -> ipv6_chk_same_addr, net/ipv6/addrconf.c): the same address on the same
// device is EEXIST whatever the prefix length, so the prefix length is an attribute, not identity.

export function addressKey(r: Pick<AddressRecord, 'family' | 'index' | 'address' | 'prefixlen' | 'peer'>): string {
  return r.family === 4
    ? `4|${r.index}|${r.address}/${r.prefixlen}|${r.peer ?? ''}`
    : `6|${r.index}|${r.address}`;
}

// ---------------------------------------------------------------------------------------------
// Neighbours: a neighbour table entry is found by (device, destination) in the family's table
// (neigh_lookup on arp_tbl / nd_tbl). Proxy entries (NTF_PROXY) live in a separate table
// (pneigh_lookup), so a proxy entry and an ordinary one for the same address are two objects.

export const NTF_PROXY = 0x08;

export function neighbourKey(r: Pick<NeighbourRecord, 'family' | 'index' | 'dst' | 'flags'>): string {
  return `${r.family}|${r.index}|${r.dst}${(r.flags & NTF_PROXY) !== 0 ? '|proxy' : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Rules: fib_nl_newrule refuses a rule only with NLM_F_EXCL and only when rule_exists() finds one
// equal in action, table, goto target, priority, interfaces, fwmark/mask, and the family's
// selectors (src/dst prefixes, tos). Rules have no in-place update (there is no NLM_F_REPLACE for rules), so every
// field we record is identity. Known limit: without NLM_F_EXCL the kernel accepts an exact
// duplicate, which we cannot tell apart (two equal rules are one object here). The selectors
// records gained later (invert, suppress_*, l3mdev, uid and port ranges, ip protocol, the other
// attributes) are a second part of the key, there only when one of them is set: a rule without
// them keeps the key it always had.

export function ruleKey(r: RuleRecord): string {
  const rest = [r.action, r.table, r.goto, r.src, r.dst, r.iifname, r.oifname, r.fwmark, r.fwmask, r.tos, r.protocol];
  const key = `${r.family}|${r.priority}${GROUP_SEP}${JSON.stringify(rest)}`;
  // (`!= null` and falsy checks: records stored before these fields were there have none of them.)
  if (!r.invert && r.suppressPrefixlen == null && r.suppressIfgroup == null && !r.l3mdev && r.uidRange == null && r.ipProto == null &&
    r.sportRange == null && r.dportRange == null && r.extra == null) return key;
  const more = [r.invert, r.suppressPrefixlen, r.suppressIfgroup, r.l3mdev, r.uidRange, r.ipProto, r.sportRange, r.dportRange, r.extra];
  return `${key}${JSON.stringify(more)}`;
}

// ---------------------------------------------------------------------------------------------
// Routes.
//
// IPv4 (fib_table_insert, net/ipv4/fib_trie.c). Routes live in "slots" (table, dst/prefixlen,
// tos, priority): NLM_F_CREATE|NLM_F_EXCL (`ip route add`) fails with EEXIST when the slot is taken,
// whatever the nexthop. But NLM_F_APPEND / plain NLM_F_CREATE (`ip route append` / `prepend`) add
// further aliases to the same slot, refused only when an alias with the same type AND the same
// fib_info exists ("perfect match"). A fib_info is shared and compared as a whole (fib_find_info):
// protocol, scope, prefsrc, metrics, and every nexthop (oif, gateway, weight, in order). So an IPv4
// route's identity is its slot plus its type plus all of that: two routes differing only in oif,
// gateway, protocol or metrics can both be in the kernel, and both are dumped. An IPv4 route is
// never changed in place: `ip route replace` swaps the slot's first alias for a new one (see
// route-merge.ts, which handles NLM_F_REPLACE). (Protocol and scope are optional *selectors* on
// RTM_DELROUTE, fib_table_delete; that concerns requests, not identity: the kernel's own
// RTM_DELROUTE notification carries the full route, so we match it exactly.)
//
// IPv6 (fib6_add_rt2node, net/ipv6/ip6_fib.c). A fib6 node is (table, dst/prefixlen, src
// prefix); inside it routes are ordered by metric. With the same metric, a route is a duplicate
// only when rt6_duplicate_nexthop() says so: same device and same gateway. So fe80::/64 via each
// link, or a prefix via two devices with one metric, are separate entries: device and gateway are
// identity; protocol, type, prefsrc, metrics and pref are attributes that NLM_F_REPLACE changes
// in place. Gateway routes with one metric become ECMP siblings, dumped as ONE route with
// RTA_MULTIPATH (fib6_dump_node skips the other siblings); their identity is the set of
// (gateway, device) pairs, in no particular order (sibling order changes as they come and go).
// Weights are per-sibling attributes, not identity. route-merge.ts keeps the multipath record in
// step when siblings are added or deleted one at a time.
//
// Both: a missing RTA_PRIORITY means metric 0. RTA_SRC (`src`, IPv6 source-specific routes) picks
// a subtree of the fib6 node: part of the slot. A route through a nexthop object (RTA_NH_ID) is
// keyed by the object, not by the kernel's report of its gateways. Known limit: onlink,
// encapsulations and realms are not in the key, although fib_info compares them: two IPv4
// routes that differ only in those, both appended to one slot, are one object here.

/** The kernel's slot: the part of a route's identity that NLM_F_EXCL and NLM_F_REPLACE look at. */
export function routeSlot(r: RouteRecord): string {
  const metric = r.priority ?? 0;
  if (r.family === 4) return `4|${r.table}|${r.dst}|tos${r.tos}|m${metric}`;
  return `6|${r.table}|${r.dst}|from${r.src ?? 'any'}|m${metric}`;
}

/** A route's nexthops as a list: the multipath list, or the single (gateway, oif) pair. */
export function nexthopsOf(r: RouteRecord): readonly NextHop[] {
  if (r.multipath && r.multipath.length > 0) return r.multipath;
  return [{ gateway: r.gateway, oif: r.oif, weight: 1, onlink: r.onlink, encap: r.encap, realms: r.realms }];
}

/** A nexthop's identity: where it sends packets. */
export function nexthopToken(nh: Pick<NextHop, 'gateway' | 'oif'>): string {
  return `${nh.gateway ?? '-'}@${nh.oif ?? '-'}`;
}

/** The set of nexthop identities of an IPv6 route, sorted. */
export function nexthopSet(r: RouteRecord): string[] {
  return nexthopsOf(r).map(nexthopToken).sort();
}

function metricsToken(m: Record<string, number | string> | null): string {
  if (!m) return '';
  return Object.keys(m).sort().map((k) => `${k}=${m[k]}`).join(',');
}

export function routeKey(r: RouteRecord): string {
  const slot = routeSlot(r);
  // A route through a nexthop object is that object's: its gateways and devices are the kernel's
  // report of it, which changes when the object is replaced (and fib_nh_match compares the id alone).
  if (r.nhid != null) {
    if (r.family === 6) return `${slot}${GROUP_SEP}nh=#${r.nhid}`;
    return `${slot}${GROUP_SEP}${r.type}|${r.protocol}|${r.scope}|${r.prefsrc ?? '-'}|${r.metrics === null ? '' : metricsToken(r.metrics)}|nh=#${r.nhid}`;
  }
  const multi = r.multipath !== null && r.multipath.length > 0;
  if (r.family === 4) {
    // (written out by hand: this runs once per route event, 100,000 times in a big dump)
    const nh = multi
      ? r.multipath!.map((h) => `${nexthopToken(h)}*${h.weight}`).join(',')
      : `${r.gateway ?? '-'}@${r.oif ?? '-'}*1`;
    const mx = r.metrics === null ? '' : metricsToken(r.metrics);
    return `${slot}${GROUP_SEP}${r.type}|${r.protocol}|${r.scope}|${r.prefsrc ?? '-'}|${mx}|nh=${nh}`;
  }
  const nh = multi ? nexthopSet(r).join(',') : `${r.gateway ?? '-'}@${r.oif ?? '-'}`;
  return `${slot}${GROUP_SEP}nh=${nh}`;
}

/**
 * routeKey for many routes in a row (a dump loaded into an empty table): the same strings, made
 * faster. An IPv4 route key is the dst between a prefix that depends on the table and a suffix
 * that depends on everything else (tos, metric, type, protocol, scope, prefsrc, next hop), and
 * in a big table thousands of routes share one suffix: it is built once per distinct
 * combination and looked up by the next hop, instead of formatting ~20 pieces per route (about
 * 1 µs, the biggest part of loading 100,000 routes). Routes with metrics or multipath, and IPv6
 * routes, take routeKey itself. The memo lives as long as the returned function.
 */
export function routeKeyer(): (r: RouteRecord) => string {
  const heads = new Map<number, string>();
  // gateway ('-' for none) -> oif (-1 for none) -> prefsrc -> the suffixes seen with those. (The
  // prefsrc level keeps the lists short where every route has its own, as the local routes of
  // thousands of addresses do: one list for all of them made keying them quadratic.)
  const byHop = new Map<string, Map<number, Map<string | null, SuffixMemo[]>>>();
  return (r) => {
    if (r.family !== 4 || r.metrics !== null || (r.multipath !== null && r.multipath.length > 0) || r.nhid != null) return routeKey(r);
    let head = heads.get(r.table);
    if (head === undefined) heads.set(r.table, (head = `4|${r.table}|`));
    const gw = r.gateway ?? '-';
    let byOif = byHop.get(gw);
    if (byOif === undefined) byHop.set(gw, (byOif = new Map()));
    const oif = r.oif ?? -1;
    let bySrc = byOif.get(oif);
    if (bySrc === undefined) byOif.set(oif, (bySrc = new Map()));
    let memos = bySrc.get(r.prefsrc);
    if (memos === undefined) bySrc.set(r.prefsrc, (memos = []));
    const metric = r.priority ?? 0;
    for (let i = 0; i < memos.length; i++) {
      const m = memos[i]!;
      if (m.tos === r.tos && m.metric === metric && m.type === r.type && m.protocol === r.protocol && m.scope === r.scope && m.prefsrc === r.prefsrc) {
        return head + r.dst + m.suffix;
      }
    }
    // Exactly routeKey's text after the dst, for this combination.
    const suffix = `|tos${r.tos}|m${metric}${GROUP_SEP}${r.type}|${r.protocol}|${r.scope}|${r.prefsrc ?? '-'}||nh=${gw}@${r.oif ?? '-'}*1`;
    memos.push({ tos: r.tos, metric, type: r.type, protocol: r.protocol, scope: r.scope, prefsrc: r.prefsrc, suffix });
    return head + r.dst + suffix;
  };
}

interface SuffixMemo {
  tos: number;
  metric: number;
  type: string;
  protocol: string;
  scope: string;
  prefsrc: string | null;
  suffix: string;
}

/** The slot part of a route key (its shard group). */
export function slotOfRouteKey(key: string): string {
  return keyGroup(key);
}

// ---------------------------------------------------------------------------------------------

/** One key function per kind: the single source of truth the database uses. */
export const KEY_OF: { readonly [K in RecordKind]: (r: RecordByKind[K]) => string } = {
  interface: interfaceKey,
  address: addressKey,
  route: routeKey,
  rule: ruleKey,
  neighbour: neighbourKey,
};

/**
 * A key function per kind for loading many records in a row: KEY_OF's, except routes, which get
 * a routeKeyer (same keys, memoised). Make one per load.
 */
export function bulkKeyOf<K extends RecordKind>(kind: K): (r: RecordByKind[K]) => string {
  return (kind === 'route' ? routeKeyer() : KEY_OF[kind]) as (r: RecordByKind[K]) => string;
}

export function keyOf<K extends RecordKind>(kind: K, record: RecordByKind[K]): string {
  return (KEY_OF[kind] as (r: RecordByKind[K]) => string)(record);
}
