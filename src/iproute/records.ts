/**
 * The records nldb speaks in: one plain, JSON-serialisable shape per kind of kernel object.
 * IPRoute returns them from dumps and takes specs spelled with the same field names; the database
 * (src/db) keeps them, keyed by each kind's identity rules; snapshots are arrays of them.
 *
 * Conventions: addresses are strings ('10.0.0.1', 'fe80::1', 'aa:bb:cc:dd:ee:ff', lower case);
 * numbers are numbers; enums are the names iproute2 prints (protocol 'kernel', scope 'link',
 * type 'unicast'), or the decimal number as a string when the kernel sends a value with no name.
 * An absent optional attribute is null, never undefined, so records compare and serialise simply.
 */
import type { BridgePort } from './bridge-port.js';

export type { BridgePort };

export type Family = 4 | 6;

export type RecordKind = 'interface' | 'address' | 'route' | 'rule' | 'neighbour';

export interface InterfaceRecord {
  index: number;
  ifname: string;
  /** IFLA_INFO_KIND: 'veth', 'bridge', 'vxlan', ...; null for a plain device (lo, a NIC). */
  kind: string | null;
  mtu: number;
  /** IFLA_ADDRESS as a lower-case MAC, or null when the device has none. */
  address: string | null;
  /** From IFF_UP (administrative state). */
  state: 'up' | 'down';
  /** IFLA_OPERSTATE as the kernel names it: 'UP', 'DOWN', 'LOWERLAYERDOWN', 'UNKNOWN', ... */
  operstate: string;
  /** IFLA_MASTER: index of the bridge (or bond) this device is a port of. */
  master: number | null;
  /** IFLA_LINK: index of the lower/peer device (a veth's peer, a macvlan's parent). */
  link: number | null;
  /** IFLA_LINK_NETNSID: set when `link` lives in another namespace. */
  linkNetnsid: number | null;
  /** ifi_flags, the raw IFF_* bits. */
  flags: number;
  broadcast: string | null;
  txqlen: number | null;
  group: number | null;
  qdisc: string | null;
  altnames: string[];
  /**
   * IFLA_LINKINFO's kind-specific data, decoded where known (e.g. { id: 42, port: 4789 } for vxlan),
   * without running state such as a bridge's timers (decode/link.ts, RUNNING_STATE).
   */
  info: Record<string, unknown> | null;
  /** IFLA_INFO_SLAVE_KIND: 'bridge' for a bridge port. */
  slaveKind: string | null;
  /** IFLA_IFALIAS (ip's `alias`), or null. */
  alias: string | null;
  /**
   * IFLA_INET6_ADDR_GEN_MODE (ip's `addrgenmode`): 'eui64', 'none' (no link-local address),
   * 'stable_secret', 'random'; null when the link has no IPv6 settings.
   */
  addrGenMode: string | null;
  /**
   * A bridge port's settings (IFLA_INFO_SLAVE_DATA; see bridge-port.ts: `mode` is ip's hairpin),
   * or null for a link that is not a bridge port. (The last field: the store's columns follow the
   * fields' order.)
   */
  port: BridgePort | null;
}

export interface AddressRecord {
  /** The interface's index. */
  index: number;
  family: Family;
  /** The local address (IFA_LOCAL where the kernel sends it, else IFA_ADDRESS). */
  address: string;
  prefixlen: number;
  /** The peer (IFA_ADDRESS) of a point-to-point address, when it differs from `address`. */
  peer: string | null;
  broadcast: string | null;
  label: string | null;
  scope: string;
  /** IFA_FLAGS (or ifa_flags): the raw IFA_F_* bits. */
  flags: number;
  /**
   * IFA_RT_PRIORITY (ip's `metric`): the metric of the prefix route the kernel makes for the
   * address (systemd-networkd's RouteMetric=); null for none (0).
   */
  metric: number | null;
}

export interface NextHop {
  gateway: string | null;
  oif: number | null;
  /** ip's weight: rtnh_hops + 1. */
  weight: number;
  /** RTNH_F_ONLINK in rtnh_flags: the gateway is taken as on this hop's link (ip's `onlink`). */
  onlink: boolean;
  /** This hop's tunnel encapsulation (RTA_ENCAP in its attributes), or null. */
  encap: RouteEncap | null;
  /** This hop's RTA_FLOW (IPv4 realms), or null. */
  realms: number | null;
}

/**
 * A lightweight tunnel encapsulation (ip's `encap ip id 5 dst 10.1.1.1`, `encap seg6 ...`): its
 * type's name (RTA_ENCAP_TYPE, LWTUNNEL_ENCAP_*: 'ip', 'ip6', 'mpls', 'seg6', 'bpf', ...) and
 * its attributes as the kernel sent them (RTA_ENCAP's payload, hex), sent back as they are when
 * the route is made again. (The kernel decodes them; a record only has to keep them exactly.)
 */
export interface RouteEncap {
  type: string;
  /** RTA_ENCAP's nested attributes, hex. */
  data: string;
}

export interface RouteRecord {
  family: Family;
  /** Full table id (RTA_TABLE when present, else rtm_table): 254 main, 255 local. */
  table: number;
  /** 'default', or a CIDR: '10.0.0.0/24', '172.16.0.1/32', '2001:db8::/64'. */
  dst: string;
  /**
   * RTA_SRC: the source prefix of an IPv6 source-specific route ('from 2001:db8::/48'), null for
   * any source. Part of an IPv6 route's identity (a separate subtree in the kernel's FIB).
   */
  src: string | null;
  gateway: string | null;
  oif: number | null;
  /** RTA_PRIORITY, the metric; null when the kernel sends none (IPv4 metric 0). */
  priority: number | null;
  protocol: string;
  scope: string;
  type: string;
  multipath: NextHop[] | null;
  prefsrc: string | null;
  /** rtm_tos (IPv4) — part of an IPv4 route's identity. */
  tos: number;
  /**
   * RTA_METRICS decoded to names ('mtu', 'advmss', ...), or null. Numbers, but `ccAlgo` (RTAX_CC_ALGO,
   * ip's `congctl`), the congestion control's name.
   */
  metrics: Record<string, number | string> | null;
  /** RTA_PREF for IPv6 routes: 'low' | 'medium' | 'high', or null. */
  pref: string | null;
  /**
   * RTNH_F_ONLINK in rtm_flags (a single path; next hops say it each): the gateway is taken as on
   * the link whatever its addresses say (ip's `onlink`, a default route of a /32 VPS address).
   * Not part of the identity key.
   */
  onlink: boolean;
  /** The single path's tunnel encapsulation (RTA_ENCAP), or null; next hops say their own. */
  encap: RouteEncap | null;
  /**
   * RTA_FLOW of an IPv4 route (ip's `realms`: the "to" realm in the low 16 bits, "from" in the
   * high ones), or null; next hops say their own.
   */
  realms: number | null;
  /**
   * RTA_NH_ID: the nexthop object (`ip nexthop`, FRR's) the route goes through, or null. Such a
   * route's gateway, oif and multipath are the kernel's report of that object (nexthop_compat_mode),
   * never sent: the object is the route's next hop, and its identity. (The last field: the store's
   * columns follow the fields' order.)
   */
  nhid: number | null;
}

export interface RuleRecord {
  family: Family;
  priority: number;
  table: number;
  /** CIDR or null for 'all'. */
  src: string | null;
  dst: string | null;
  /** 'to_tbl' (lookup), 'goto', 'nop', 'blackhole', 'unreachable', 'prohibit'. */
  action: string;
  /** FRA_GOTO: the priority a 'goto' rule jumps to, else null. */
  goto: number | null;
  iifname: string | null;
  oifname: string | null;
  fwmark: number | null;
  fwmask: number | null;
  tos: number;
  protocol: string | null;
  /** FIB_RULE_INVERT in the header's flags: ip's `not` (the selectors match what they do not say). */
  invert: boolean;
  /** FRA_SUPPRESS_PREFIXLEN: a lookup's result is ignored at this prefix length or shorter (wg-quick's `suppress_prefixlength 0`); null: none. */
  suppressPrefixlen: number | null;
  /** FRA_SUPPRESS_IFGROUP: a lookup's result through a device of this group is ignored; null: none. */
  suppressIfgroup: number | null;
  /** FRA_L3MDEV: look up the table of the packet's L3 master device (VRF); such a rule has no table. */
  l3mdev: boolean;
  /** FRA_UID_RANGE (inclusive), or null. */
  uidRange: PortRange | null;
  /** FRA_IP_PROTO (6 tcp, 17 udp, ...), or null. */
  ipProto: number | null;
  /** FRA_SPORT_RANGE and FRA_DPORT_RANGE (inclusive), or null. */
  sportRange: PortRange | null;
  dportRange: PortRange | null;
  /**
   * The rule's other attributes (FRA_FLOW realms, FRA_TUN_ID, FRA_DSCP, flow label and port masks,
   * anything newer), as the kernel sent them (whole attributes, hex), sent back as they are when
   * the rule is made again; null when it has none.
   */
  extra: string | null;
}

/** An inclusive range: a rule's ports or uids. */
export interface PortRange {
  start: number;
  end: number;
}

export interface NeighbourRecord {
  index: number;
  family: Family;
  dst: string;
  /** Lower-case MAC, or null (e.g. an INCOMPLETE or FAILED entry). */
  lladdr: string | null;
  /** NUD state as ip prints it: 'PERMANENT', 'REACHABLE', 'STALE', 'NOARP', ... ('|'-joined if several). */
  state: string;
  /** ndm_flags raw bits (NTF_ROUTER, NTF_PROXY, ...). */
  flags: number;
}

export interface RecordByKind {
  interface: InterfaceRecord;
  address: AddressRecord;
  route: RouteRecord;
  rule: RuleRecord;
  neighbour: NeighbourRecord;
}

export type AnyRecord = RecordByKind[RecordKind];

/**
 * What one rtnetlink message says about one object: it exists now with these fields ('new'),
 * or it is gone ('del'). Produced from dumps and from multicast events alike.
 */
export type RecordEvent = {
  [K in RecordKind]: { kind: K; op: 'new' | 'del'; record: RecordByKind[K] };
}[RecordKind] | BridgePortEvent;

/**
 * What an AF_BRIDGE RTM_NEWLINK says: the bridge port `record.index` now has the settings
 * `record.port`. `bridge link set` announces its changes this way only (br_setlink sends no
 * AF_UNSPEC message), so a record's port settings follow these too. The record's other fields
 * are what the message carries (name, master, MTU, flags, MAC), the rest empty: only `index` and
 * `port` are meant.
 */
export interface BridgePortEvent {
  kind: 'interface';
  op: 'port';
  record: InterfaceRecord;
}
