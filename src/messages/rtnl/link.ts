/**
 * Link messages (RTM_NEWLINK/DELLINK/GETLINK/SETLINK): struct ifinfomsg then IFLA_* attributes
 * (include/uapi/linux/if_link.h; Documentation/netlink/specs/rt-link.yaml). Kind-specific
 * IFLA_LINKINFO data lives in linkinfo.ts.
 */
import { attrSet } from '../core/spec.js';
import { IF_LINK_MODE, IF_OPER, IN6_ADDR_GEN_MODE } from './enums.js';
import {
  bridge_vlan_info, ifla_cacheinfo, ifla_vf_broadcast, ifla_vf_guid, ifla_vf_mac, ifla_vf_rate,
  ifla_vf_setting, ifla_vf_tx_rate, ifla_vf_vlan, ifla_vf_vlan_info, rtnl_link_ifmap, rtnl_link_stats,
  rtnl_link_stats64,
} from './link-structs.js';

const NESTED = 0x8000;

export const linkSets = {
  'link-attrs': attrSet('IFLA', [
    { type: 1, kernel: 'IFLA_ADDRESS', name: 'address', codec: 'mac' },
    { type: 2, kernel: 'IFLA_BROADCAST', name: 'broadcast', codec: 'mac' },
    { type: 3, kernel: 'IFLA_IFNAME', name: 'ifname', codec: 'string' },
    { type: 4, kernel: 'IFLA_MTU', name: 'mtu', codec: 'u32' },
    { type: 5, kernel: 'IFLA_LINK', name: 'link', codec: 'u32' },
    { type: 6, kernel: 'IFLA_QDISC', name: 'qdisc', codec: 'string' },
    { type: 7, kernel: 'IFLA_STATS', name: 'stats', codec: 'struct', struct: rtnl_link_stats },
    { type: 8, kernel: 'IFLA_COST', name: 'cost', codec: 'binary' },
    { type: 9, kernel: 'IFLA_PRIORITY', name: 'priority', codec: 'binary' },
    { type: 10, kernel: 'IFLA_MASTER', name: 'master', codec: 'u32' },
    { type: 11, kernel: 'IFLA_WIRELESS', name: 'wireless', codec: 'binary' },
    // Bridge ports (family AF_BRIDGE) carry IFLA_BRPORT_*, nested with NLA_F_NESTED; IPv6 link
    // info (AF_INET6) IFLA_INET6_*, nested without it (kept in WIRE when decoded).
    { type: 12, kernel: 'IFLA_PROTINFO', name: 'protinfo', codec: 'select', by: '#family', nlaFlags: NESTED, cases: {
      7: { codec: 'nested', set: 'brport-attrs' },
      10: { codec: 'nested', set: 'inet6-attrs' },
    } },
    { type: 13, kernel: 'IFLA_TXQLEN', name: 'txqlen', codec: 'u32' },
    { type: 14, kernel: 'IFLA_MAP', name: 'map', codec: 'struct', struct: rtnl_link_ifmap },
    { type: 15, kernel: 'IFLA_WEIGHT', name: 'weight', codec: 'u32' },
    { type: 16, kernel: 'IFLA_OPERSTATE', name: 'operstate', codec: 'u8', enum: IF_OPER },
    { type: 17, kernel: 'IFLA_LINKMODE', name: 'linkmode', codec: 'u8', enum: IF_LINK_MODE },
    { type: 18, kernel: 'IFLA_LINKINFO', name: 'linkinfo', codec: 'nested', set: 'linkinfo-attrs' },
    { type: 19, kernel: 'IFLA_NET_NS_PID', name: 'netNsPid', codec: 'u32' },
    { type: 20, kernel: 'IFLA_IFALIAS', name: 'ifalias', codec: 'string' },
    { type: 21, kernel: 'IFLA_NUM_VF', name: 'numVf', codec: 'u32' },
    { type: 22, kernel: 'IFLA_VFINFO_LIST', name: 'vfinfoList', codec: 'nested-array', itemType: 1, item: { codec: 'nested', set: 'vfinfo-attrs' } },
    { type: 23, kernel: 'IFLA_STATS64', name: 'stats64', codec: 'struct', struct: rtnl_link_stats64 },
    { type: 24, kernel: 'IFLA_VF_PORTS', name: 'vfPorts', codec: 'binary' },
    { type: 25, kernel: 'IFLA_PORT_SELF', name: 'portSelf', codec: 'binary' },
    // Keyed by address family for AF_UNSPEC messages; a bridge's own attributes for AF_BRIDGE ones.
    { type: 26, kernel: 'IFLA_AF_SPEC', name: 'afSpec', codec: 'select', by: '#family', cases: {
      7: { codec: 'nested', set: 'bridge-af-attrs' },
    }, default: { codec: 'nested', set: 'af-spec-attrs' } },
    { type: 27, kernel: 'IFLA_GROUP', name: 'group', codec: 'u32' },
    { type: 28, kernel: 'IFLA_NET_NS_FD', name: 'netNsFd', codec: 'u32' },
    { type: 29, kernel: 'IFLA_EXT_MASK', name: 'extMask', codec: 'u32' },
    { type: 30, kernel: 'IFLA_PROMISCUITY', name: 'promiscuity', codec: 'u32' },
    { type: 31, kernel: 'IFLA_NUM_TX_QUEUES', name: 'numTxQueues', codec: 'u32' },
    { type: 32, kernel: 'IFLA_NUM_RX_QUEUES', name: 'numRxQueues', codec: 'u32' },
    { type: 33, kernel: 'IFLA_CARRIER', name: 'carrier', codec: 'u8' },
    { type: 34, kernel: 'IFLA_PHYS_PORT_ID', name: 'physPortId', codec: 'binary' },
    { type: 35, kernel: 'IFLA_CARRIER_CHANGES', name: 'carrierChanges', codec: 'u32' },
    { type: 36, kernel: 'IFLA_PHYS_SWITCH_ID', name: 'physSwitchId', codec: 'binary' },
    { type: 37, kernel: 'IFLA_LINK_NETNSID', name: 'linkNetnsid', codec: 's32' },
    { type: 38, kernel: 'IFLA_PHYS_PORT_NAME', name: 'physPortName', codec: 'string' },
    { type: 39, kernel: 'IFLA_PROTO_DOWN', name: 'protoDown', codec: 'u8' },
    { type: 40, kernel: 'IFLA_GSO_MAX_SEGS', name: 'gsoMaxSegs', codec: 'u32' },
    { type: 41, kernel: 'IFLA_GSO_MAX_SIZE', name: 'gsoMaxSize', codec: 'u32' },
    { type: 42, kernel: 'IFLA_PAD', name: 'pad', codec: 'binary' },
    { type: 43, kernel: 'IFLA_XDP', name: 'xdp', codec: 'nested', set: 'xdp-attrs' },
    { type: 44, kernel: 'IFLA_EVENT', name: 'event', codec: 'u32' },
    { type: 45, kernel: 'IFLA_NEW_NETNSID', name: 'newNetnsid', codec: 's32' },
    { type: 46, kernel: 'IFLA_TARGET_NETNSID', name: 'targetNetnsid', codec: 's32' },
    { type: 47, kernel: 'IFLA_CARRIER_UP_COUNT', name: 'carrierUpCount', codec: 'u32' },
    { type: 48, kernel: 'IFLA_CARRIER_DOWN_COUNT', name: 'carrierDownCount', codec: 'u32' },
    { type: 49, kernel: 'IFLA_NEW_IFINDEX', name: 'newIfindex', codec: 's32' },
    { type: 50, kernel: 'IFLA_MIN_MTU', name: 'minMtu', codec: 'u32' },
    { type: 51, kernel: 'IFLA_MAX_MTU', name: 'maxMtu', codec: 'u32' },
    { type: 52, kernel: 'IFLA_PROP_LIST', name: 'propList', codec: 'nested', set: 'prop-list-attrs', nlaFlags: NESTED },
    { type: 53, kernel: 'IFLA_ALT_IFNAME', name: 'altIfname', codec: 'string' },
    { type: 54, kernel: 'IFLA_PERM_ADDRESS', name: 'permAddress', codec: 'mac' },
    { type: 55, kernel: 'IFLA_PROTO_DOWN_REASON', name: 'protoDownReason', codec: 'nested', set: 'proto-down-reason-attrs' },
    { type: 56, kernel: 'IFLA_PARENT_DEV_NAME', name: 'parentDevName', codec: 'string' },
    { type: 57, kernel: 'IFLA_PARENT_DEV_BUS_NAME', name: 'parentDevBusName', codec: 'string' },
    { type: 58, kernel: 'IFLA_GRO_MAX_SIZE', name: 'groMaxSize', codec: 'u32' },
    { type: 59, kernel: 'IFLA_TSO_MAX_SIZE', name: 'tsoMaxSize', codec: 'u32' },
    { type: 60, kernel: 'IFLA_TSO_MAX_SEGS', name: 'tsoMaxSegs', codec: 'u32' },
    { type: 61, kernel: 'IFLA_ALLMULTI', name: 'allmulti', codec: 'u32' },
    { type: 62, kernel: 'IFLA_DEVLINK_PORT', name: 'devlinkPort', codec: 'binary', nlaFlags: NESTED },
    { type: 63, kernel: 'IFLA_GSO_IPV4_MAX_SIZE', name: 'gsoIpv4MaxSize', codec: 'u32' },
    { type: 64, kernel: 'IFLA_GRO_IPV4_MAX_SIZE', name: 'groIpv4MaxSize', codec: 'u32' },
    { type: 65, kernel: 'IFLA_DPLL_PIN', name: 'dpllPin', codec: 'binary', nlaFlags: NESTED },
    { type: 66, kernel: 'IFLA_MAX_PACING_OFFLOAD_HORIZON', name: 'maxPacingOffloadHorizon', codec: 'uint' },
    { type: 67, kernel: 'IFLA_NETNS_IMMUTABLE', name: 'netnsImmutable', codec: 'u8' },
    { type: 68, kernel: 'IFLA_HEADROOM', name: 'headroom', codec: 'u16' },
    { type: 69, kernel: 'IFLA_TAILROOM', name: 'tailroom', codec: 'u16' },
  ]),

  'prop-list-attrs': attrSet('IFLA', [
    { type: 53, kernel: 'IFLA_ALT_IFNAME', name: 'altIfname', codec: 'string', multi: true },
  ]),

  'proto-down-reason-attrs': attrSet('IFLA_PROTO_DOWN_REASON', [
    { type: 1, kernel: 'IFLA_PROTO_DOWN_REASON_MASK', name: 'mask', codec: 'u32' },
    { type: 2, kernel: 'IFLA_PROTO_DOWN_REASON_VALUE', name: 'value', codec: 'u32' },
  ]),

  'xdp-attrs': attrSet('IFLA_XDP', [
    { type: 1, kernel: 'IFLA_XDP_FD', name: 'fd', codec: 's32' },
    { type: 2, kernel: 'IFLA_XDP_ATTACHED', name: 'attached', codec: 'u8' },
    { type: 3, kernel: 'IFLA_XDP_FLAGS', name: 'flags', codec: 'u32' },
    { type: 4, kernel: 'IFLA_XDP_PROG_ID', name: 'progId', codec: 'u32' },
    { type: 5, kernel: 'IFLA_XDP_DRV_PROG_ID', name: 'drvProgId', codec: 'u32' },
    { type: 6, kernel: 'IFLA_XDP_SKB_PROG_ID', name: 'skbProgId', codec: 'u32' },
    { type: 7, kernel: 'IFLA_XDP_HW_PROG_ID', name: 'hwProgId', codec: 'u32' },
    { type: 8, kernel: 'IFLA_XDP_EXPECTED_FD', name: 'expectedFd', codec: 's32' },
  ]),

  /** IFLA_AF_SPEC of AF_UNSPEC link messages: one nest per address family, typed by AF_* number. */
  'af-spec-attrs': attrSet('AF', [
    { type: 2, kernel: 'AF_INET', name: 'inet', codec: 'nested', set: 'inet-attrs' },
    { type: 10, kernel: 'AF_INET6', name: 'inet6', codec: 'nested', set: 'inet6-attrs' },
    { type: 28, kernel: 'AF_MPLS', name: 'mpls', codec: 'binary' },
  ]),

  'inet-attrs': attrSet('IFLA_INET', [
    // ipv4_devconf values, indexed by IPV4_DEVCONF_* - 1.
    { type: 1, kernel: 'IFLA_INET_CONF', name: 'conf', codec: 'array', of: 'u32' },
  ]),

  'inet6-attrs': attrSet('IFLA_INET6', [
    { type: 1, kernel: 'IFLA_INET6_FLAGS', name: 'flags', codec: 'u32' },
    // ipv6_devconf values, indexed by DEVCONF_*.
    { type: 2, kernel: 'IFLA_INET6_CONF', name: 'conf', codec: 'array', of: 's32' },
    { type: 3, kernel: 'IFLA_INET6_STATS', name: 'stats', codec: 'array', of: 'u64' },
    { type: 4, kernel: 'IFLA_INET6_MCAST', name: 'mcast', codec: 'binary' },
    { type: 5, kernel: 'IFLA_INET6_CACHEINFO', name: 'cacheinfo', codec: 'struct', struct: ifla_cacheinfo },
    { type: 6, kernel: 'IFLA_INET6_ICMP6STATS', name: 'icmp6stats', codec: 'array', of: 'u64' },
    { type: 7, kernel: 'IFLA_INET6_TOKEN', name: 'token', codec: 'ip' },
    { type: 8, kernel: 'IFLA_INET6_ADDR_GEN_MODE', name: 'addrGenMode', codec: 'u8', enum: IN6_ADDR_GEN_MODE },
    { type: 9, kernel: 'IFLA_INET6_RA_MTU', name: 'raMtu', codec: 'u32' },
  ]),

  /** IFLA_AF_SPEC of AF_BRIDGE link messages (linux/if_bridge.h). */
  'bridge-af-attrs': attrSet('IFLA_BRIDGE', [
    { type: 0, kernel: 'IFLA_BRIDGE_FLAGS', name: 'flags', codec: 'u16' },
    { type: 1, kernel: 'IFLA_BRIDGE_MODE', name: 'mode', codec: 'u16' },
    { type: 2, kernel: 'IFLA_BRIDGE_VLAN_INFO', name: 'vlanInfo', codec: 'struct', struct: bridge_vlan_info, multi: true },
    { type: 3, kernel: 'IFLA_BRIDGE_VLAN_TUNNEL_INFO', name: 'vlanTunnelInfo', codec: 'binary', multi: true },
    { type: 4, kernel: 'IFLA_BRIDGE_MRP', name: 'mrp', codec: 'binary' },
    { type: 5, kernel: 'IFLA_BRIDGE_CFM', name: 'cfm', codec: 'binary' },
    { type: 6, kernel: 'IFLA_BRIDGE_MST', name: 'mst', codec: 'binary' },
  ]),

  /** One IFLA_VF_INFO of IFLA_VFINFO_LIST. */
  'vfinfo-attrs': attrSet('IFLA_VF', [
    { type: 1, kernel: 'IFLA_VF_MAC', name: 'mac', codec: 'struct', struct: ifla_vf_mac },
    { type: 2, kernel: 'IFLA_VF_VLAN', name: 'vlan', codec: 'struct', struct: ifla_vf_vlan },
    { type: 3, kernel: 'IFLA_VF_TX_RATE', name: 'txRate', codec: 'struct', struct: ifla_vf_tx_rate },
    { type: 4, kernel: 'IFLA_VF_SPOOFCHK', name: 'spoofchk', codec: 'struct', struct: ifla_vf_setting },
    { type: 5, kernel: 'IFLA_VF_LINK_STATE', name: 'linkState', codec: 'struct', struct: ifla_vf_setting },
    { type: 6, kernel: 'IFLA_VF_RATE', name: 'rate', codec: 'struct', struct: ifla_vf_rate },
    { type: 7, kernel: 'IFLA_VF_RSS_QUERY_EN', name: 'rssQueryEn', codec: 'struct', struct: ifla_vf_setting },
    { type: 8, kernel: 'IFLA_VF_STATS', name: 'stats', codec: 'nested', set: 'vf-stats-attrs' },
    { type: 9, kernel: 'IFLA_VF_TRUST', name: 'trust', codec: 'struct', struct: ifla_vf_setting },
    { type: 10, kernel: 'IFLA_VF_IB_NODE_GUID', name: 'ibNodeGuid', codec: 'struct', struct: ifla_vf_guid },
    { type: 11, kernel: 'IFLA_VF_IB_PORT_GUID', name: 'ibPortGuid', codec: 'struct', struct: ifla_vf_guid },
    { type: 12, kernel: 'IFLA_VF_VLAN_LIST', name: 'vlanList', codec: 'nested-array', itemType: 1, item: { codec: 'struct', struct: ifla_vf_vlan_info } },
    { type: 13, kernel: 'IFLA_VF_BROADCAST', name: 'broadcast', codec: 'struct', struct: ifla_vf_broadcast },
  ]),

  'vf-stats-attrs': attrSet('IFLA_VF_STATS', [
    { type: 0, kernel: 'IFLA_VF_STATS_RX_PACKETS', name: 'rxPackets', codec: 'u64' },
    { type: 1, kernel: 'IFLA_VF_STATS_TX_PACKETS', name: 'txPackets', codec: 'u64' },
    { type: 2, kernel: 'IFLA_VF_STATS_RX_BYTES', name: 'rxBytes', codec: 'u64' },
    { type: 3, kernel: 'IFLA_VF_STATS_TX_BYTES', name: 'txBytes', codec: 'u64' },
    { type: 4, kernel: 'IFLA_VF_STATS_BROADCAST', name: 'broadcast', codec: 'u64' },
    { type: 5, kernel: 'IFLA_VF_STATS_MULTICAST', name: 'multicast', codec: 'u64' },
    { type: 6, kernel: 'IFLA_VF_STATS_PAD', name: 'pad', codec: 'binary' },
    { type: 7, kernel: 'IFLA_VF_STATS_RX_DROPPED', name: 'rxDropped', codec: 'u64' },
    { type: 8, kernel: 'IFLA_VF_STATS_TX_DROPPED', name: 'txDropped', codec: 'u64' },
  ]),
} as const;
