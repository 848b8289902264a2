/** The C structs of link messages (linux/rtnetlink.h, linux/if_link.h). */
import { struct } from '../core/spec.js';
import { ARPHRD } from './enums.js';

export const ifinfomsg = struct('ifinfomsg', [
  { name: 'family', kernel: 'ifi_family', type: 'u8' },
  { name: '_pad', kernel: '__ifi_pad', type: 'u8', pad: true },
  { name: 'type', kernel: 'ifi_type', type: 'u16', enum: ARPHRD },
  { name: 'index', kernel: 'ifi_index', type: 's32' },
  { name: 'flags', kernel: 'ifi_flags', type: 'u32' },
  { name: 'change', kernel: 'ifi_change', type: 'u32' },
]);

const statsFields = [
  ['rxPackets', 'rx_packets'], ['txPackets', 'tx_packets'], ['rxBytes', 'rx_bytes'], ['txBytes', 'tx_bytes'],
  ['rxErrors', 'rx_errors'], ['txErrors', 'tx_errors'], ['rxDropped', 'rx_dropped'], ['txDropped', 'tx_dropped'],
  ['multicast', 'multicast'], ['collisions', 'collisions'],
  ['rxLengthErrors', 'rx_length_errors'], ['rxOverErrors', 'rx_over_errors'], ['rxCrcErrors', 'rx_crc_errors'],
  ['rxFrameErrors', 'rx_frame_errors'], ['rxFifoErrors', 'rx_fifo_errors'], ['rxMissedErrors', 'rx_missed_errors'],
  ['txAbortedErrors', 'tx_aborted_errors'], ['txCarrierErrors', 'tx_carrier_errors'], ['txFifoErrors', 'tx_fifo_errors'],
  ['txHeartbeatErrors', 'tx_heartbeat_errors'], ['txWindowErrors', 'tx_window_errors'],
  ['rxCompressed', 'rx_compressed'], ['txCompressed', 'tx_compressed'], ['rxNohandler', 'rx_nohandler'],
] as const;

/** The field specs for a list of [name, kernel] pairs, as a tuple type (so decoded stats are typed field by field). */
type FieldsOf<P extends readonly (readonly [string, string])[], T extends 'u32' | 'u64'> = {
  readonly [I in keyof P]: P[I] extends readonly [infer N, infer K] ? { readonly name: N; readonly kernel: K; readonly type: T } : never;
};
type StatsField<T extends 'u32' | 'u64'> = FieldsOf<typeof statsFields, T>;

/** struct rtnl_link_stats (IFLA_STATS, 32-bit counters). */
export const rtnl_link_stats = struct('rtnl_link_stats', statsFields.map(([name, kernel]) => ({ name, kernel, type: 'u32' })) as unknown as StatsField<'u32'>);

/** struct rtnl_link_stats64 (IFLA_STATS64). Counters are bigint; a newer kernel's extra counters land in [WIRE].tail. */
export const rtnl_link_stats64 = struct('rtnl_link_stats64', [
  ...(statsFields.map(([name, kernel]) => ({ name, kernel, type: 'u64' })) as unknown as StatsField<'u64'>),
  { name: 'rxOtherhostDropped', kernel: 'rx_otherhost_dropped', type: 'u64' },
] as const);

/** struct rtnl_link_ifmap (IFLA_MAP): 28 bytes of fields, 4 of tail padding on 64-bit. */
export const rtnl_link_ifmap = struct('rtnl_link_ifmap', [
  { name: 'memStart', kernel: 'mem_start', type: 'u64' },
  { name: 'memEnd', kernel: 'mem_end', type: 'u64' },
  { name: 'baseAddr', kernel: 'base_addr', type: 'u64' },
  { name: 'irq', kernel: 'irq', type: 'u16' },
  { name: 'dma', kernel: 'dma', type: 'u8' },
  { name: 'port', kernel: 'port', type: 'u8' },
  { name: '_pad', kernel: '(padding)', type: 'bytes:4', pad: true },
]);

/** struct ifla_cacheinfo (IFLA_INET6_CACHEINFO). */
export const ifla_cacheinfo = struct('ifla_cacheinfo', [
  { name: 'maxReasmLen', kernel: 'max_reasm_len', type: 'u32' },
  { name: 'tstamp', kernel: 'tstamp', type: 'u32' },
  { name: 'reachableTime', kernel: 'reachable_time', type: 'u32' },
  { name: 'retransTime', kernel: 'retrans_time', type: 'u32' },
]);

/** struct ifla_bridge_id: priority (2 bytes, network order) and MAC. */
export const ifla_bridge_id = struct('ifla_bridge_id', [
  { name: 'prio', kernel: 'prio', type: 'be16' },
  { name: 'addr', kernel: 'addr', type: 'mac:6' },
]);

/** struct bridge_vlan_info (IFLA_BRIDGE_VLAN_INFO). */
export const bridge_vlan_info = struct('bridge_vlan_info', [
  { name: 'flags', kernel: 'flags', type: 'u16' },
  { name: 'vid', kernel: 'vid', type: 'u16' },
]);

/** struct br_boolopt_multi (IFLA_BR_MULTI_BOOLOPT). */
export const br_boolopt_multi = struct('br_boolopt_multi', [
  { name: 'optval', kernel: 'optval', type: 'u32' },
  { name: 'optmask', kernel: 'optmask', type: 'u32' },
]);

/* SR-IOV virtual functions (IFLA_VF_*). */
export const ifla_vf_mac = struct('ifla_vf_mac', [
  { name: 'vf', kernel: 'vf', type: 'u32' },
  { name: 'mac', kernel: 'mac', type: 'mac:32' },
]);
export const ifla_vf_vlan = struct('ifla_vf_vlan', [
  { name: 'vf', kernel: 'vf', type: 'u32' },
  { name: 'vlan', kernel: 'vlan', type: 'u32' },
  { name: 'qos', kernel: 'qos', type: 'u32' },
]);
export const ifla_vf_vlan_info = struct('ifla_vf_vlan_info', [
  { name: 'vf', kernel: 'vf', type: 'u32' },
  { name: 'vlan', kernel: 'vlan', type: 'u32' },
  { name: 'qos', kernel: 'qos', type: 'u32' },
  { name: 'vlanProto', kernel: 'vlan_proto', type: 'be16' },
  { name: '_pad', kernel: '(padding)', type: 'bytes:2', pad: true },
]);
export const ifla_vf_tx_rate = struct('ifla_vf_tx_rate', [
  { name: 'vf', kernel: 'vf', type: 'u32' },
  { name: 'rate', kernel: 'rate', type: 'u32' },
]);
export const ifla_vf_rate = struct('ifla_vf_rate', [
  { name: 'vf', kernel: 'vf', type: 'u32' },
  { name: 'minTxRate', kernel: 'min_tx_rate', type: 'u32' },
  { name: 'maxTxRate', kernel: 'max_tx_rate', type: 'u32' },
]);
/** ifla_vf_spoofchk, ifla_vf_trust, ifla_vf_rss_query_en, ifla_vf_link_state share this layout. */
export const ifla_vf_setting = struct('ifla_vf_setting', [
  { name: 'vf', kernel: 'vf', type: 'u32' },
  { name: 'setting', kernel: 'setting', type: 'u32' },
]);
export const ifla_vf_guid = struct('ifla_vf_guid', [
  { name: 'vf', kernel: 'vf', type: 'u32' },
  { name: '_pad', kernel: '(padding)', type: 'bytes:4', pad: true },
  { name: 'guid', kernel: 'guid', type: 'u64' },
]);
export const ifla_vf_broadcast = struct('ifla_vf_broadcast', [
  { name: 'broadcast', kernel: 'broadcast', type: 'mac:32' },
]);

/** struct ifla_vlan_flags (IFLA_VLAN_FLAGS). */
export const ifla_vlan_flags = struct('ifla_vlan_flags', [
  { name: 'flags', kernel: 'flags', type: 'u32' },
  { name: 'mask', kernel: 'mask', type: 'u32' },
]);

/** struct ifla_vlan_qos_mapping (IFLA_VLAN_QOS_MAPPING). */
export const ifla_vlan_qos_mapping = struct('ifla_vlan_qos_mapping', [
  { name: 'from', kernel: 'from', type: 'u32' },
  { name: 'to', kernel: 'to', type: 'u32' },
]);

/** struct ifla_vxlan_port_range (network byte order). */
export const ifla_vxlan_port_range = struct('ifla_vxlan_port_range', [
  { name: 'low', kernel: 'low', type: 'be16' },
  { name: 'high', kernel: 'high', type: 'be16' },
]);
