/**
 * Route messages (RTM_NEWROUTE/DELROUTE/GETROUTE): struct rtmsg then RTA_* (linux/rtnetlink.h),
 * with RTA_METRICS (RTAX_*), RTA_MULTIPATH (struct rtnexthop + RTA_*), and lightweight-tunnel
 * RTA_ENCAP chosen by RTA_ENCAP_TYPE (which the kernel writes AFTER RTA_ENCAP).
 */
import { attrSet, struct } from '../core/spec.js';
import { LWTUNNEL_ENCAP, RTA_PREF, RTN, RTPROT, RT_SCOPE } from './enums.js';

export const rtmsg = struct('rtmsg', [
  { name: 'family', kernel: 'rtm_family', type: 'u8' },
  { name: 'dstLen', kernel: 'rtm_dst_len', type: 'u8' },
  { name: 'srcLen', kernel: 'rtm_src_len', type: 'u8' },
  { name: 'tos', kernel: 'rtm_tos', type: 'u8' },
  /** Low 8 bits of the table id; RTA_TABLE has the whole u32. */
  { name: 'table', kernel: 'rtm_table', type: 'u8' },
  { name: 'protocol', kernel: 'rtm_protocol', type: 'u8', enum: RTPROT },
  { name: 'scope', kernel: 'rtm_scope', type: 'u8', enum: RT_SCOPE },
  { name: 'type', kernel: 'rtm_type', type: 'u8', enum: RTN },
  { name: 'flags', kernel: 'rtm_flags', type: 'u32' },
]);

/** struct rtnexthop; its length (first field) is derived when encoding, and not shown when decoding. */
export const rtnexthop = struct('rtnexthop', [
  { name: 'len', kernel: 'rtnh_len', type: 'u16', pad: true },
  { name: 'flags', kernel: 'rtnh_flags', type: 'u8' },
  /** ip's "weight" is hops + 1. */
  { name: 'hops', kernel: 'rtnh_hops', type: 'u8' },
  { name: 'ifindex', kernel: 'rtnh_ifindex', type: 's32' },
]);

export const rta_cacheinfo = struct('rta_cacheinfo', [
  { name: 'clntref', kernel: 'rta_clntref', type: 'u32' },
  { name: 'lastuse', kernel: 'rta_lastuse', type: 'u32' },
  { name: 'expires', kernel: 'rta_expires', type: 's32' },
  { name: 'error', kernel: 'rta_error', type: 'u32' },
  { name: 'used', kernel: 'rta_used', type: 'u32' },
  { name: 'id', kernel: 'rta_id', type: 'u32' },
  { name: 'ts', kernel: 'rta_ts', type: 'u32' },
  { name: 'tsage', kernel: 'rta_tsage', type: 'u32' },
]);

export const rta_mfc_stats = struct('rta_mfc_stats', [
  { name: 'packets', kernel: 'mfcs_packets', type: 'u64' },
  { name: 'bytes', kernel: 'mfcs_bytes', type: 'u64' },
  { name: 'wrongIf', kernel: 'mfcs_wrong_if', type: 'u64' },
]);

/** An address whose form follows rtm_family: MPLS label stacks stay raw, everything else is IP text. */
const addrByFamily = { codec: 'select', by: '#family', cases: { 28: { codec: 'binary' } }, default: { codec: 'ip' } } as const;

export const routeSets = {
  'route-attrs': attrSet('RTA', [
    { type: 1, kernel: 'RTA_DST', name: 'dst', ...addrByFamily },
    { type: 2, kernel: 'RTA_SRC', name: 'src', ...addrByFamily },
    { type: 3, kernel: 'RTA_IIF', name: 'iif', codec: 'u32' },
    { type: 4, kernel: 'RTA_OIF', name: 'oif', codec: 'u32' },
    { type: 5, kernel: 'RTA_GATEWAY', name: 'gateway', codec: 'ip' },
    { type: 6, kernel: 'RTA_PRIORITY', name: 'priority', codec: 'u32' },
    { type: 7, kernel: 'RTA_PREFSRC', name: 'prefsrc', codec: 'ip' },
    { type: 8, kernel: 'RTA_METRICS', name: 'metrics', codec: 'nested', set: 'metrics-attrs' },
    { type: 9, kernel: 'RTA_MULTIPATH', name: 'multipath', codec: 'multipath', struct: rtnexthop, set: 'route-attrs' },
    { type: 10, kernel: 'RTA_PROTOINFO', name: 'protoinfo', codec: 'binary' },
    { type: 11, kernel: 'RTA_FLOW', name: 'flow', codec: 'u32' },
    { type: 12, kernel: 'RTA_CACHEINFO', name: 'cacheinfo', codec: 'struct', struct: rta_cacheinfo },
    { type: 13, kernel: 'RTA_SESSION', name: 'session', codec: 'binary' },
    { type: 14, kernel: 'RTA_MP_ALGO', name: 'mpAlgo', codec: 'u32' },
    { type: 15, kernel: 'RTA_TABLE', name: 'table', codec: 'u32' },
    { type: 16, kernel: 'RTA_MARK', name: 'mark', codec: 'u32' },
    { type: 17, kernel: 'RTA_MFC_STATS', name: 'mfcStats', codec: 'struct', struct: rta_mfc_stats },
    { type: 18, kernel: 'RTA_VIA', name: 'via', codec: 'via' },
    { type: 19, kernel: 'RTA_NEWDST', name: 'newdst', codec: 'binary' },
    { type: 20, kernel: 'RTA_PREF', name: 'pref', codec: 'u8', enum: RTA_PREF },
    { type: 21, kernel: 'RTA_ENCAP_TYPE', name: 'encapType', codec: 'u16', enum: LWTUNNEL_ENCAP },
    { type: 22, kernel: 'RTA_ENCAP', name: 'encap', codec: 'select', by: 'encapType', cases: {
      mpls: { codec: 'nested', set: 'encap-mpls-attrs' },
      ip: { codec: 'nested', set: 'encap-ip-attrs' },
      ip6: { codec: 'nested', set: 'encap-ip6-attrs' },
    } },
    { type: 23, kernel: 'RTA_EXPIRES', name: 'expires', codec: 'u64' },
    { type: 24, kernel: 'RTA_PAD', name: 'pad', codec: 'binary' },
    { type: 25, kernel: 'RTA_UID', name: 'uid', codec: 'u32' },
    { type: 26, kernel: 'RTA_TTL_PROPAGATE', name: 'ttlPropagate', codec: 'u8' },
    { type: 27, kernel: 'RTA_IP_PROTO', name: 'ipProto', codec: 'u8' },
    { type: 28, kernel: 'RTA_SPORT', name: 'sport', codec: 'be16' },
    { type: 29, kernel: 'RTA_DPORT', name: 'dport', codec: 'be16' },
    { type: 30, kernel: 'RTA_NH_ID', name: 'nhId', codec: 'u32' },
    { type: 31, kernel: 'RTA_FLOWLABEL', name: 'flowlabel', codec: 'be32' },
  ]),

  /** RTA_METRICS: one u32 per RTAX_* (RTAX_CC_ALGO is a string). */
  'metrics-attrs': attrSet('RTAX', [
    /** Bit (1 << RTAX_x) set: the metric is locked ('mtu lock 1400' sets 1 << 2). */
    { type: 1, kernel: 'RTAX_LOCK', name: 'lock', codec: 'u32' },
    { type: 2, kernel: 'RTAX_MTU', name: 'mtu', codec: 'u32' },
    { type: 3, kernel: 'RTAX_WINDOW', name: 'window', codec: 'u32' },
    { type: 4, kernel: 'RTAX_RTT', name: 'rtt', codec: 'u32' },
    { type: 5, kernel: 'RTAX_RTTVAR', name: 'rttvar', codec: 'u32' },
    { type: 6, kernel: 'RTAX_SSTHRESH', name: 'ssthresh', codec: 'u32' },
    { type: 7, kernel: 'RTAX_CWND', name: 'cwnd', codec: 'u32' },
    { type: 8, kernel: 'RTAX_ADVMSS', name: 'advmss', codec: 'u32' },
    { type: 9, kernel: 'RTAX_REORDERING', name: 'reordering', codec: 'u32' },
    { type: 10, kernel: 'RTAX_HOPLIMIT', name: 'hoplimit', codec: 'u32' },
    { type: 11, kernel: 'RTAX_INITCWND', name: 'initcwnd', codec: 'u32' },
    { type: 12, kernel: 'RTAX_FEATURES', name: 'features', codec: 'u32' },
    { type: 13, kernel: 'RTAX_RTO_MIN', name: 'rtoMin', codec: 'u32' },
    { type: 14, kernel: 'RTAX_INITRWND', name: 'initrwnd', codec: 'u32' },
    { type: 15, kernel: 'RTAX_QUICKACK', name: 'quickack', codec: 'u32' },
    { type: 16, kernel: 'RTAX_CC_ALGO', name: 'ccAlgo', codec: 'string' },
    { type: 17, kernel: 'RTAX_FASTOPEN_NO_COOKIE', name: 'fastopenNoCookie', codec: 'u32' },
  ]),

  /** LWTUNNEL_ENCAP_MPLS (linux/mpls_iptunnel.h). */
  'encap-mpls-attrs': attrSet('MPLS_IPTUNNEL', [
    { type: 1, kernel: 'MPLS_IPTUNNEL_DST', name: 'dst', codec: 'binary' },
    { type: 2, kernel: 'MPLS_IPTUNNEL_TTL', name: 'ttl', codec: 'u8' },
  ]),

  /** LWTUNNEL_ENCAP_IP (linux/lwtunnel.h). */
  'encap-ip-attrs': attrSet('LWTUNNEL_IP', [
    { type: 1, kernel: 'LWTUNNEL_IP_ID', name: 'id', codec: 'be64' },
    { type: 2, kernel: 'LWTUNNEL_IP_DST', name: 'dst', codec: 'ip' },
    { type: 3, kernel: 'LWTUNNEL_IP_SRC', name: 'src', codec: 'ip' },
    { type: 4, kernel: 'LWTUNNEL_IP_TTL', name: 'ttl', codec: 'u8' },
    { type: 5, kernel: 'LWTUNNEL_IP_TOS', name: 'tos', codec: 'u8' },
    { type: 6, kernel: 'LWTUNNEL_IP_FLAGS', name: 'flags', codec: 'u16' },
    { type: 7, kernel: 'LWTUNNEL_IP_PAD', name: 'pad', codec: 'binary' },
    { type: 8, kernel: 'LWTUNNEL_IP_OPTS', name: 'opts', codec: 'binary' },
  ]),

  /** LWTUNNEL_ENCAP_IP6 (linux/lwtunnel.h). */
  'encap-ip6-attrs': attrSet('LWTUNNEL_IP6', [
    { type: 1, kernel: 'LWTUNNEL_IP6_ID', name: 'id', codec: 'be64' },
    { type: 2, kernel: 'LWTUNNEL_IP6_DST', name: 'dst', codec: 'ip' },
    { type: 3, kernel: 'LWTUNNEL_IP6_SRC', name: 'src', codec: 'ip' },
    { type: 4, kernel: 'LWTUNNEL_IP6_HOPLIMIT', name: 'hoplimit', codec: 'u8' },
    { type: 5, kernel: 'LWTUNNEL_IP6_TC', name: 'tc', codec: 'u8' },
    { type: 6, kernel: 'LWTUNNEL_IP6_FLAGS', name: 'flags', codec: 'u16' },
    { type: 7, kernel: 'LWTUNNEL_IP6_PAD', name: 'pad', codec: 'binary' },
    { type: 8, kernel: 'LWTUNNEL_IP6_OPTS', name: 'opts', codec: 'binary' },
  ]),
} as const;
