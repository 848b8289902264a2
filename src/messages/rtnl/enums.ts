/**
 * The named numbers of rtnetlink, spelled the way ip(8) prints them (records use these names:
 * protocol 'kernel', scope 'link', type 'unicast', NUD 'PERMANENT', operstate 'UP').
 * Each is a table with name <-> number maps; see core/enums.ts.
 */
import { defineEnum, defineFlags } from '../core/enums.js';

/** ifi_flags (linux/if.h net_device_flags). */
export const IFF = defineFlags('IFF', {
  UP: 0x1, BROADCAST: 0x2, DEBUG: 0x4, LOOPBACK: 0x8, POINTOPOINT: 0x10, NOTRAILERS: 0x20,
  RUNNING: 0x40, NOARP: 0x80, PROMISC: 0x100, ALLMULTI: 0x200, MASTER: 0x400, SLAVE: 0x800,
  MULTICAST: 0x1000, PORTSEL: 0x2000, AUTOMEDIA: 0x4000, DYNAMIC: 0x8000, LOWER_UP: 0x10000,
  DORMANT: 0x20000, ECHO: 0x40000,
});

/** ifa_flags / IFA_FLAGS (linux/if_addr.h). IFA_F_TEMPORARY is IFA_F_SECONDARY's alias. */
export const IFA_F = defineFlags('IFA_F', {
  SECONDARY: 0x01, NODAD: 0x02, OPTIMISTIC: 0x04, DADFAILED: 0x08, HOMEADDRESS: 0x10,
  DEPRECATED: 0x20, TENTATIVE: 0x40, PERMANENT: 0x80, MANAGETEMPADDR: 0x100,
  NOPREFIXROUTE: 0x200, MCAUTOJOIN: 0x400, STABLE_PRIVACY: 0x800,
});

/** ndm_state (linux/neighbour.h): a bit set, although one bit is set at a time in practice. */
export const NUD = defineFlags('NUD', {
  INCOMPLETE: 0x01, REACHABLE: 0x02, STALE: 0x04, DELAY: 0x08, PROBE: 0x10, FAILED: 0x20,
  NOARP: 0x40, PERMANENT: 0x80, NONE: 0x00,
});

/** ndm_flags. */
export const NTF = defineFlags('NTF', {
  USE: 0x01, SELF: 0x02, MASTER: 0x04, PROXY: 0x08, EXT_LEARNED: 0x10, OFFLOADED: 0x20,
  STICKY: 0x40, ROUTER: 0x80,
});

/** rtm_flags (RTM_F_*) — the low byte holds RTNH_F_* of a single-path route. */
export const RTM_F = defineFlags('RTM_F', {
  DEAD: 0x1, PERVASIVE: 0x2, ONLINK: 0x4, OFFLOAD: 0x8, LINKDOWN: 0x10, UNRESOLVED: 0x20, TRAP: 0x40,
  NOTIFY: 0x100, CLONED: 0x200, EQUALIZE: 0x400, PREFIX: 0x800, LOOKUP_TABLE: 0x1000,
  FIB_MATCH: 0x2000, RT_OFFLOAD: 0x4000, RT_TRAP: 0x8000, RT_OFFLOAD_FAILED: 0x20000000,
});

/** rtnh_flags. */
export const RTNH_F = defineFlags('RTNH_F', {
  DEAD: 0x1, PERVASIVE: 0x2, ONLINK: 0x4, OFFLOAD: 0x8, LINKDOWN: 0x10, UNRESOLVED: 0x20, TRAP: 0x40,
});

/** fib_rule_hdr flags (FIB_RULE_*). */
export const FIB_RULE = defineFlags('FIB_RULE', {
  PERMANENT: 0x1, INVERT: 0x2, UNRESOLVED: 0x4, IIF_DETACHED: 0x8, OIF_DETACHED: 0x10, FIND_SADDR: 0x10000,
});

/** Route table ids (enum rt_class_t); other tables are plain numbers. */
export const RT_TABLE = defineEnum('RT_TABLE', { unspec: 0, compat: 252, default: 253, main: 254, local: 255 });

/** rtm_protocol, with iproute2's names (/etc/iproute2/rt_protos). */
export const RTPROT = defineEnum('RTPROT', {
  unspec: 0, redirect: 1, kernel: 2, boot: 3, static: 4, gated: 8, ra: 9, mrt: 10, zebra: 11,
  bird: 12, dnrouted: 13, xorp: 14, ntk: 15, dhcp: 16, mrouted: 17, keepalived: 18, babel: 42,
  openr: 99, bgp: 186, isis: 187, ospf: 188, rip: 189, eigrp: 192,
});

/** rtm_scope / ifa_scope (enum rt_scope_t): RT_SCOPE_UNIVERSE prints as 'global'. */
export const RT_SCOPE = defineEnum('RT_SCOPE', { global: 0, site: 200, link: 253, host: 254, nowhere: 255 });

/** rtm_type / ndm_type (RTN_*). */
export const RTN = defineEnum('RTN', {
  unspec: 0, unicast: 1, local: 2, broadcast: 3, anycast: 4, multicast: 5, blackhole: 6,
  unreachable: 7, prohibit: 8, throw: 9, nat: 10, xresolve: 11,
});

/** fib_rule_hdr action (FR_ACT_*), as ip rule prints them. */
export const FR_ACT = defineEnum('FR_ACT', {
  unspec: 0, to_tbl: 1, goto: 2, nop: 3, res3: 4, res4: 5, blackhole: 6, unreachable: 7, prohibit: 8,
});

/** IFLA_OPERSTATE (RFC 2863 IF_OPER_*). */
export const IF_OPER = defineEnum('IF_OPER', {
  UNKNOWN: 0, NOTPRESENT: 1, DOWN: 2, LOWERLAYERDOWN: 3, TESTING: 4, DORMANT: 5, UP: 6,
});

/** IFLA_LINKMODE. */
export const IF_LINK_MODE = defineEnum('IF_LINK_MODE', { DEFAULT: 0, DORMANT: 1, TESTING: 2 });

/** ifi_type (ARPHRD_*, linux/if_arp.h), lower case as in ip's 'link/ether'. */
export const ARPHRD = defineEnum('ARPHRD', {
  netrom: 0, ether: 1, eether: 2, ax25: 3, pronet: 4, chaos: 5, ieee802: 6, arcnet: 7,
  appletlk: 8, dlci: 15, atm: 19, metricom: 23, ieee1394: 24, eui64: 27, infiniband: 32,
  slip: 256, cslip: 257, slip6: 258, cslip6: 259, rsrvd: 260, adapt: 264, rose: 270, x25: 271,
  hwx25: 272, can: 280, mctp: 290, ppp: 512, cisco: 513, lapb: 516, ddcmp: 517, rawhdlc: 518,
  rawip: 519, tunnel: 768, tunnel6: 769, frad: 770, skip: 771, loopback: 772, localtlk: 773,
  fddi: 774, bif: 775, sit: 776, ipddp: 777, ipgre: 778, pimreg: 779, hippi: 780, ash: 781,
  econet: 782, irda: 783, fcpp: 784, fcal: 785, fcpl: 786, fcfabric: 787, ieee802_tr: 800,
  ieee80211: 801, ieee80211_prism: 802, ieee80211_radiotap: 803, ieee802154: 804,
  ieee802154_monitor: 805, phonet: 820, phonet_pipe: 821, caif: 822, ip6gre: 823, netlink: 824,
  '6lowpan': 825, vsockmon: 826, void: 0xffff, none: 0xfffe,
});

/** IFA_PROTO (IFAPROT_*). */
export const IFA_PROT = defineEnum('IFAPROT', { unspec: 0, kernel_lo: 1, kernel_ra: 2, kernel_ll: 3 });

/** RTA_PREF (ICMPV6_ROUTER_PREF_*). */
export const RTA_PREF = defineEnum('ICMPV6_ROUTER_PREF', { medium: 0, high: 1, invalid: 2, low: 3 });

/** RTA_ENCAP_TYPE (LWTUNNEL_ENCAP_*). */
export const LWTUNNEL_ENCAP = defineEnum('LWTUNNEL_ENCAP', {
  none: 0, mpls: 1, ip: 2, ila: 3, ip6: 4, seg6: 5, bpf: 6, seg6local: 7, rpl: 8, ioam6: 9, xfrm: 10,
});

/** IFLA_INET6_ADDR_GEN_MODE (IN6_ADDR_GEN_MODE_*). */
export const IN6_ADDR_GEN_MODE = defineEnum('IN6_ADDR_GEN_MODE', { eui64: 0, none: 1, stable_secret: 2, random: 3 });

/** IFLA_MACVLAN_MODE (MACVLAN_MODE_*). */
export const MACVLAN_MODE = defineEnum('MACVLAN_MODE', { private: 1, vepa: 2, bridge: 4, passthru: 8, source: 16 });

/** IFLA_BOND_MODE (BOND_MODE_*), as ip prints them. */
export const BOND_MODE = defineEnum('BOND_MODE', {
  'balance-rr': 0, 'active-backup': 1, 'balance-xor': 2, broadcast: 3, '802.3ad': 4, 'balance-tlb': 5, 'balance-alb': 6,
});

/** Address families, as ip prints them (family fields stay numbers; this names them). */
export const AF = defineEnum('AF', { unspec: 0, inet: 2, bridge: 7, inet6: 10, netlink: 16, packet: 17, mpls: 28 });
