/**
 * rtnetlink message types, multicast groups and address families
 * (include/uapi/linux/rtnetlink.h, linux/socket.h).
 */

export const RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18, RTM_SETLINK = 19;
export const RTM_NEWADDR = 20, RTM_DELADDR = 21, RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24, RTM_DELROUTE = 25, RTM_GETROUTE = 26;
export const RTM_NEWNEIGH = 28, RTM_DELNEIGH = 29, RTM_GETNEIGH = 30;
export const RTM_NEWRULE = 32, RTM_DELRULE = 33, RTM_GETRULE = 34;
export const RTM_NEWQDISC = 36, RTM_DELQDISC = 37, RTM_GETQDISC = 38;
export const RTM_NEWNETCONF = 80, RTM_DELNETCONF = 81, RTM_GETNETCONF = 82;
export const RTM_NEWNSID = 88, RTM_DELNSID = 89, RTM_GETNSID = 90;
export const RTM_NEWNEXTHOP = 104, RTM_DELNEXTHOP = 105, RTM_GETNEXTHOP = 106;
export const RTM_NEWLINKPROP = 108, RTM_DELLINKPROP = 109, RTM_GETLINKPROP = 110;

/** Every RTM_* this package names, number -> constant name (for debug output). */
export const RTM_NAMES: Readonly<Record<number, string>> = Object.freeze({
  16: 'RTM_NEWLINK', 17: 'RTM_DELLINK', 18: 'RTM_GETLINK', 19: 'RTM_SETLINK',
  20: 'RTM_NEWADDR', 21: 'RTM_DELADDR', 22: 'RTM_GETADDR',
  24: 'RTM_NEWROUTE', 25: 'RTM_DELROUTE', 26: 'RTM_GETROUTE',
  28: 'RTM_NEWNEIGH', 29: 'RTM_DELNEIGH', 30: 'RTM_GETNEIGH',
  32: 'RTM_NEWRULE', 33: 'RTM_DELRULE', 34: 'RTM_GETRULE',
  36: 'RTM_NEWQDISC', 37: 'RTM_DELQDISC', 38: 'RTM_GETQDISC',
  80: 'RTM_NEWNETCONF', 81: 'RTM_DELNETCONF', 82: 'RTM_GETNETCONF',
  88: 'RTM_NEWNSID', 89: 'RTM_DELNSID', 90: 'RTM_GETNSID',
  104: 'RTM_NEWNEXTHOP', 105: 'RTM_DELNEXTHOP', 106: 'RTM_GETNEXTHOP',
  108: 'RTM_NEWLINKPROP', 109: 'RTM_DELLINKPROP', 110: 'RTM_GETLINKPROP',
});

/** Multicast groups (enum rtnetlink_groups): the number to pass to NETLINK_ADD_MEMBERSHIP. */
export const RTNLGRP_NONE = 0;
export const RTNLGRP_LINK = 1;
export const RTNLGRP_NOTIFY = 2;
export const RTNLGRP_NEIGH = 3;
export const RTNLGRP_TC = 4;
export const RTNLGRP_IPV4_IFADDR = 5;
export const RTNLGRP_IPV4_MROUTE = 6;
export const RTNLGRP_IPV4_ROUTE = 7;
export const RTNLGRP_IPV4_RULE = 8;
export const RTNLGRP_IPV6_IFADDR = 9;
export const RTNLGRP_IPV6_MROUTE = 10;
export const RTNLGRP_IPV6_ROUTE = 11;
export const RTNLGRP_IPV6_IFINFO = 12;
export const RTNLGRP_IPV6_PREFIX = 18;
export const RTNLGRP_IPV6_RULE = 19;
export const RTNLGRP_ND_USEROPT = 20;
export const RTNLGRP_IPV4_NETCONF = 24;
export const RTNLGRP_IPV6_NETCONF = 25;
export const RTNLGRP_MDB = 26;
export const RTNLGRP_MPLS_ROUTE = 27;
export const RTNLGRP_NSID = 28;
export const RTNLGRP_MPLS_NETCONF = 29;
export const RTNLGRP_NEXTHOP = 32;
export const RTNLGRP_BRVLAN = 33;
export const RTNLGRP_STATS = 36;

/** Address families (linux/socket.h). */
export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_BRIDGE = 7;
export const AF_INET6 = 10;
export const AF_NETLINK = 16;
export const AF_PACKET = 17;
export const AF_MPLS = 28;

/** IFLA_EXT_MASK bits (RTEXT_FILTER_*). */
export const RTEXT_FILTER_VF = 1;
export const RTEXT_FILTER_BRVLAN = 2;
export const RTEXT_FILTER_BRVLAN_COMPRESSED = 4;
export const RTEXT_FILTER_SKIP_STATS = 8;
export const RTEXT_FILTER_MRP = 16;
export const RTEXT_FILTER_CFM_CONFIG = 32;
export const RTEXT_FILTER_CFM_STATUS = 64;
export const RTEXT_FILTER_MST = 128;

/** NLA_F_* bits carried in nla_type. */
export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
