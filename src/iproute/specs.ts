/**
 * What callers give IPRoute to change the kernel: one spec shape per object kind, spelled with the
 * field names of the records (records.ts), so a record (or a part of one) reads as a spec.
 *
 * Interfaces: the object a spec is about is named by `index` or by `ifname`; a name is resolved to
 * an index (RTM_GETLINK) before the change is sent. Fields that point at another interface
 * (`oif`, `master`, `link`, `info.link`) take an index or a name the same way.
 *
 * Enumerations take the record's name ('static', 'link', 'blackhole') or the kernel's number.
 * Every spec is validated whole before anything is sent (validate/*.ts).
 */
import type { BridgePort, Family, PortRange, RouteEncap } from './records.js';
import type { LinkFlagSettings } from './link-flags.js';

/** A RouteRecord's encapsulation, whose type may also be given as its number (LWTUNNEL_ENCAP_*). */
export type EncapSpec = Omit<RouteEncap, 'type'> & { type: string | number };

/** An interface: its index, or its name. */
export type IfRef = number | string;

/** 4 | 6, or the kernel's family names. */
export type FamilySpec = Family | 'inet' | 'inet6';

/** A prefix: 'default', '10.0.0.0/24', '10.0.0.1' (a host: /32 or /128), or split in two. */
export type PrefixSpec = string | { address: string; prefixlen: number };

/**
 * A network namespace to move a link into: a name (as under /run/netns), an absolute path to a
 * namespace file (/proc/1234/ns/net), a process's namespace, or an open namespace fd.
 */
export type NetnsSpec = string | { pid: number } | { fd: number };

/** IFLA_LINKINFO data of the kinds nldb knows, named as records carry it (see records/link.ts). */
export interface VxlanInfoSpec {
  /** VNI, 0..2^24-1 (IFLA_VXLAN_ID); required when adding. */
  id?: number;
  /** Destination UDP port (IFLA_VXLAN_PORT); the kernel's default is 8472, IANA's is 4789. */
  port?: number;
  /** Remote (unicast) or multicast group address (IFLA_VXLAN_GROUP/GROUP6). */
  group?: string;
  /** Alias of `group` for a unicast remote, as ip spells it; give one of the two. */
  remote?: string;
  /** Local source address (IFLA_VXLAN_LOCAL/LOCAL6). */
  local?: string;
  /** Underlying device (IFLA_VXLAN_LINK): index or name. */
  link?: IfRef;
  ttl?: number;
  tos?: number;
  learning?: boolean;
  /** FDB ageing time in seconds. */
  ageing?: number;
}

export interface MacvlanInfoSpec {
  mode?: 'private' | 'vepa' | 'bridge' | 'passthru' | 'source' | number;
}

export interface BridgeInfoSpec {
  /** IFLA_BR_STP_STATE: 0 off, 1 on (booleans accepted). */
  stpState?: number | boolean;
  /** In centiseconds, as the kernel's IFLA_BR_* take them. */
  forwardDelay?: number;
  helloTime?: number;
  maxAge?: number;
  ageingTime?: number;
  priority?: number;
  vlanFiltering?: number | boolean;
}

export interface VlanInfoSpec {
  /** IFLA_VLAN_ID, 0..4095; required when adding. */
  id?: number;
  protocol?: '802.1Q' | '802.1q' | '802.1ad' | number;
}

/** The far end of a veth pair: its name, or more. */
export type VethPeerSpec = string | (LinkFlagSettings & {
  ifname?: string;
  /**
   * The peer's index (its own ifinfomsg's ifi_index): the kernel takes it only when the link's
   * own `index` is given too (veth_newlink), and picks one otherwise.
   */
  index?: number;
  address?: string;
  mtu?: number;
  /** Creates the peer directly in another namespace. */
  netns?: NetnsSpec;
});

export interface LinkSpec {
  /** Names the link for set/del; with `ifname` too, a set renames link `index` to `ifname`. */
  index?: number;
  /** The new link's name (add), or the link's name (set/del when no index is given). */
  ifname?: string;
  /** Link kind for add ('veth', 'bridge', 'vxlan', 'macvlan', 'ifb', ...). */
  kind?: string;
  mtu?: number;
  /** MAC address (IFLA_ADDRESS). */
  address?: string;
  broadcast?: string;
  state?: 'up' | 'down';
  /** Bridge (or bond) to enslave to; null releases the link from its master. */
  master?: IfRef | null;
  /** Lower device (IFLA_LINK): a macvlan's or vlan's parent. */
  link?: IfRef;
  /** Moves the link into another namespace (IFLA_NET_NS_FD / IFLA_NET_NS_PID). */
  netns?: NetnsSpec;
  txqlen?: number;
  group?: number;
  /** set: IFLA_IFALIAS (ip's `alias`); null or '' removes it. */
  alias?: string | null;
  /** set: IPv6 address generation (ip's `addrgenmode`): 'eui64', 'none', 'stable_secret', 'random'. */
  addrGenMode?: string | null;
  /**
   * set: a bridge port's settings (bridge-port.ts; `mode` is ip's hairpin), those to change:
   * `ip link set dev X type bridge_slave ...`. The link must be a port of a bridge already.
   */
  port?: BridgePort;
  /**
   * set: alternative names to add (ip's `link property add altname`): RTM_NEWLINKPROP, a request
   * of its own, so nothing else may be set beside them. A transaction's create() takes them too,
   * and adds them right after the link is created.
   */
  altnames?: string[];
  /** set: alternative names to remove (ip's `link property del altname`): RTM_DELLINKPROP, a request of its own. */
  removeAltnames?: string[];
  /**
   * Flags that are settings, as ip names them (`ip link set X promisc on arp off`): sent in
   * ifi_flags under ifi_change, only those given. `arp: false` is IFF_NOARP.
   */
  promisc?: boolean;
  allmulticast?: boolean;
  arp?: boolean;
  multicast?: boolean;
  dynamic?: boolean;
  /** veth only. */
  peer?: VethPeerSpec;
  /** Kind-specific options (IFLA_INFO_DATA); which fields depend on `kind`. */
  info?: VxlanInfoSpec | MacvlanInfoSpec | BridgeInfoSpec | VlanInfoSpec | Record<string, unknown>;
}

export interface AddressSpec {
  index?: number;
  ifname?: string;
  /** '10.0.0.1/24', '10.0.0.1' with `prefixlen`, or { address, prefixlen }. */
  address: PrefixSpec;
  /** Defaults to 32 / 128 when neither the address nor this gives one. */
  prefixlen?: number;
  /** Point-to-point peer (IFA_ADDRESS): `prefixlen` then applies to the peer. */
  peer?: string;
  broadcast?: string;
  label?: string;
  scope?: string | number;
  /** IFA_F_* bits (IFA_FLAGS), e.g. IFA_F_NODAD 0x02, IFA_F_NOPREFIXROUTE 0x200. */
  flags?: number;
  /** ip's `metric` (IFA_RT_PRIORITY): the metric of the address's prefix route; 0 or null: none. */
  metric?: number | null;
}

export interface NextHopSpec {
  /** Of the route's family, or IPv6 for an IPv4 route (as RouteSpec.gateway). */
  gateway?: string;
  oif?: IfRef;
  /** 1..256 (rtnh_hops + 1); 1 when absent. */
  weight?: number;
  /** As RouteSpec.onlink, for this hop (with its own gateway and oif). */
  onlink?: boolean;
  /** As RouteSpec.encap and .realms, for this hop. */
  encap?: EncapSpec | null;
  realms?: number | null;
}

export interface RouteSpec {
  /** Needed only when nothing else says it (dst 'default' with no gateway); else must agree. */
  family?: FamilySpec;
  /** Required: 'default' or a prefix. Host bits past the prefix are refused. */
  dst: PrefixSpec;
  /** Table id or name ('main', 'local'); main when absent. */
  table?: number | string;
  /**
   * Of the route's family, or an IPv6 next hop of an IPv4 route (RFC 5549, ip's `via inet6
   * fe80::1`, sent as RTA_VIA; the kernel wants `oif` with a link-local one). An IPv4 default
   * route via IPv6 needs `family: 4`: else the gateway implies IPv6.
   */
  gateway?: string;
  oif?: IfRef;
  /** The metric (RTA_PRIORITY). */
  priority?: number;
  /** 'boot' when adding and absent (as ip does); a wildcard when deleting. */
  protocol?: string | number;
  /** Computed as ip does when absent: 'link' for a unicast route with no gateway, else 'global'. */
  scope?: string | number;
  type?: string | number;
  prefsrc?: string;
  /**
   * IPv6 only: the source prefix of a source-specific route (RTA_SRC, ip's `from`), part of the
   * route's identity. 'default' (or a /0) is none. Refused for IPv4, whose kernel ignores it.
   */
  src?: PrefixSpec;
  multipath?: NextHopSpec[];
  /** RTAX_* names ('mtu', 'advmss', 'hoplimit', ...) to numbers; `ccAlgo` to a congestion control's name (ip's `congctl`). */
  metrics?: Record<string, number | string>;
  tos?: number;
  /** IPv6 router preference: 'low' | 'medium' | 'high'. */
  pref?: string;
  /**
   * ip's `onlink` (RTNH_F_ONLINK): take the gateway as on `oif`'s link whatever the link's
   * addresses say (`default via 172.31.1.1 dev eth0 onlink` beside a /32 address). Needs `gateway`
   * and `oif`. With multipath, say it per next hop.
   */
  onlink?: boolean;
  /**
   * A lightweight tunnel encapsulation as a RouteRecord keeps it: `{ type: 'ip', data: <RTA_ENCAP's
   * attributes, hex> }` (copy it from a record; the kernel checks the attributes). null: none.
   */
  encap?: EncapSpec | null;
  /** IPv4 only: RTA_FLOW, ip's `realms` ("to" realm in the low 16 bits, "from" in the high). null: none. */
  realms?: number | null;
  /**
   * ip's `nhid`: the route goes through this nexthop object. `gateway`, `oif` and `multipath` may
   * say what the kernel reports of the object (a record's do): they are not sent.
   */
  nhid?: number | null;
}

export interface RuleSpec {
  family?: FamilySpec;
  /** Absent: the kernel picks one (just before the first non-zero rule). */
  priority?: number;
  /** Table to look up; 'main' when the action is a lookup and no table is given (ip's default). */
  table?: number | string;
  src?: PrefixSpec;
  dst?: PrefixSpec;
  /** 'to_tbl' (alias 'lookup', the default), 'goto', 'nop', 'blackhole', 'unreachable', 'prohibit'. */
  action?: string | number;
  /** Target priority of a 'goto' rule (FRA_GOTO). */
  goto?: number;
  iifname?: string;
  oifname?: string;
  fwmark?: number;
  fwmask?: number;
  tos?: number;
  protocol?: string | number;
  /** ip's `not`: the rule matches what its selectors do not. */
  invert?: boolean;
  /** ip's `suppress_prefixlength N` (wg-quick: 0), and `suppress_ifgroup N`. */
  suppressPrefixlen?: number | null;
  suppressIfgroup?: number | null;
  /** ip's `l3mdev`: look up the VRF's table (such a rule takes no table). */
  l3mdev?: boolean;
  /** ip's `uidrange A-B`. */
  uidRange?: PortRange | null;
  /** ip's `ipproto`: a number, or 'tcp', 'udp', 'icmp', 'icmpv6', 'sctp', 'gre', 'esp', 'ah'. */
  ipProto?: number | string | null;
  /** ip's `sport` / `dport`: one port, or an inclusive range. */
  sportRange?: number | PortRange | null;
  dportRange?: number | PortRange | null;
  /** A RuleRecord's `extra` (its other attributes, hex), sent as it is. */
  extra?: string | null;
}

export interface NeighbourSpec {
  index?: number;
  ifname?: string;
  dst: string;
  lladdr?: string;
  /** NUD state, any case: 'permanent', 'reachable', 'stale', 'noarp', ...; 'permanent' when adding and absent. */
  state?: string;
  /** ndm_flags (NTF_*). */
  flags?: number;
}

export type LinkOp = 'add' | 'set' | 'del';
export type AddressOp = 'add' | 'del' | 'replace';
export type RouteOp = 'add' | 'del' | 'replace' | 'append';
export type RuleOp = 'add' | 'del';
export type NeighbourOp = 'add' | 'del' | 'replace';
