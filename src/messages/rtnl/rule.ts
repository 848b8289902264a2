/** Policy routing rules (RTM_NEWRULE/DELRULE/GETRULE): struct fib_rule_hdr then FRA_* (linux/fib_rules.h). */
import { attrSet, struct } from '../core/spec.js';
import { FR_ACT, RTPROT } from './enums.js';

export const fib_rule_hdr = struct('fib_rule_hdr', [
  { name: 'family', kernel: 'family', type: 'u8' },
  { name: 'dstLen', kernel: 'dst_len', type: 'u8' },
  { name: 'srcLen', kernel: 'src_len', type: 'u8' },
  { name: 'tos', kernel: 'tos', type: 'u8' },
  { name: 'table', kernel: 'table', type: 'u8' },
  { name: '_res1', kernel: 'res1', type: 'u8', pad: true },
  { name: '_res2', kernel: 'res2', type: 'u8', pad: true },
  { name: 'action', kernel: 'action', type: 'u8', enum: FR_ACT },
  { name: 'flags', kernel: 'flags', type: 'u32' },
]);

export const fib_rule_uid_range = struct('fib_rule_uid_range', [
  { name: 'start', kernel: 'start', type: 'u32' },
  { name: 'end', kernel: 'end', type: 'u32' },
]);

export const fib_rule_port_range = struct('fib_rule_port_range', [
  { name: 'start', kernel: 'start', type: 'u16' },
  { name: 'end', kernel: 'end', type: 'u16' },
]);

export const ruleSets = {
  'rule-attrs': attrSet('FRA', [
    { type: 1, kernel: 'FRA_DST', name: 'dst', codec: 'ip' },
    { type: 2, kernel: 'FRA_SRC', name: 'src', codec: 'ip' },
    { type: 3, kernel: 'FRA_IIFNAME', name: 'iifname', codec: 'string' },
    { type: 4, kernel: 'FRA_GOTO', name: 'goto', codec: 'u32' },
    { type: 6, kernel: 'FRA_PRIORITY', name: 'priority', codec: 'u32' },
    { type: 10, kernel: 'FRA_FWMARK', name: 'fwmark', codec: 'u32' },
    { type: 11, kernel: 'FRA_FLOW', name: 'flow', codec: 'u32' },
    { type: 12, kernel: 'FRA_TUN_ID', name: 'tunId', codec: 'be64' },
    { type: 13, kernel: 'FRA_SUPPRESS_IFGROUP', name: 'suppressIfgroup', codec: 'u32' },
    { type: 14, kernel: 'FRA_SUPPRESS_PREFIXLEN', name: 'suppressPrefixlen', codec: 'u32' },
    { type: 15, kernel: 'FRA_TABLE', name: 'table', codec: 'u32' },
    { type: 16, kernel: 'FRA_FWMASK', name: 'fwmask', codec: 'u32' },
    { type: 17, kernel: 'FRA_OIFNAME', name: 'oifname', codec: 'string' },
    { type: 18, kernel: 'FRA_PAD', name: 'pad', codec: 'binary' },
    { type: 19, kernel: 'FRA_L3MDEV', name: 'l3mdev', codec: 'u8' },
    { type: 20, kernel: 'FRA_UID_RANGE', name: 'uidRange', codec: 'struct', struct: fib_rule_uid_range },
    { type: 21, kernel: 'FRA_PROTOCOL', name: 'protocol', codec: 'u8', enum: RTPROT },
    { type: 22, kernel: 'FRA_IP_PROTO', name: 'ipProto', codec: 'u8' },
    { type: 23, kernel: 'FRA_SPORT_RANGE', name: 'sportRange', codec: 'struct', struct: fib_rule_port_range },
    { type: 24, kernel: 'FRA_DPORT_RANGE', name: 'dportRange', codec: 'struct', struct: fib_rule_port_range },
    { type: 25, kernel: 'FRA_DSCP', name: 'dscp', codec: 'u8' },
    { type: 26, kernel: 'FRA_FLOWLABEL', name: 'flowlabel', codec: 'be32' },
    { type: 27, kernel: 'FRA_FLOWLABEL_MASK', name: 'flowlabelMask', codec: 'be32' },
    { type: 28, kernel: 'FRA_SPORT_MASK', name: 'sportMask', codec: 'u16' },
    { type: 29, kernel: 'FRA_DPORT_MASK', name: 'dportMask', codec: 'u16' },
    { type: 30, kernel: 'FRA_DSCP_MASK', name: 'dscpMask', codec: 'u8' },
  ]),
} as const;
