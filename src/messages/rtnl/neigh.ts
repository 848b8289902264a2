/** Neighbours (RTM_NEWNEIGH/DELNEIGH/GETNEIGH): struct ndmsg then NDA_* (linux/neighbour.h). */
import { attrSet, struct } from '../core/spec.js';
import { RTN, RTPROT } from './enums.js';

export const ndmsg = struct('ndmsg', [
  { name: 'family', kernel: 'ndm_family', type: 'u8' },
  { name: '_pad1', kernel: 'ndm_pad1', type: 'u8', pad: true },
  { name: '_pad2', kernel: 'ndm_pad2', type: 'u16', pad: true },
  { name: 'ifindex', kernel: 'ndm_ifindex', type: 's32' },
  /** NUD_* bits (a bit set; NUD.format renders it). */
  { name: 'state', kernel: 'ndm_state', type: 'u16' },
  /** NTF_* bits. */
  { name: 'flags', kernel: 'ndm_flags', type: 'u8' },
  { name: 'type', kernel: 'ndm_type', type: 'u8', enum: RTN },
]);

export const nda_cacheinfo = struct('nda_cacheinfo', [
  { name: 'confirmed', kernel: 'ndm_confirmed', type: 'u32' },
  { name: 'used', kernel: 'ndm_used', type: 'u32' },
  { name: 'updated', kernel: 'ndm_updated', type: 'u32' },
  { name: 'refcnt', kernel: 'ndm_refcnt', type: 'u32' },
]);

export const neighSets = {
  'neigh-attrs': attrSet('NDA', [
    { type: 1, kernel: 'NDA_DST', name: 'dst', codec: 'ip' },
    { type: 2, kernel: 'NDA_LLADDR', name: 'lladdr', codec: 'mac' },
    { type: 3, kernel: 'NDA_CACHEINFO', name: 'cacheinfo', codec: 'struct', struct: nda_cacheinfo },
    { type: 4, kernel: 'NDA_PROBES', name: 'probes', codec: 'u32' },
    { type: 5, kernel: 'NDA_VLAN', name: 'vlan', codec: 'u16' },
    { type: 6, kernel: 'NDA_PORT', name: 'port', codec: 'be16' },
    { type: 7, kernel: 'NDA_VNI', name: 'vni', codec: 'u32' },
    { type: 8, kernel: 'NDA_IFINDEX', name: 'ifindex', codec: 'u32' },
    { type: 9, kernel: 'NDA_MASTER', name: 'master', codec: 'u32' },
    { type: 10, kernel: 'NDA_LINK_NETNSID', name: 'linkNetnsid', codec: 's32' },
    { type: 11, kernel: 'NDA_SRC_VNI', name: 'srcVni', codec: 'u32' },
    { type: 12, kernel: 'NDA_PROTOCOL', name: 'protocol', codec: 'u8', enum: RTPROT },
    { type: 13, kernel: 'NDA_NH_ID', name: 'nhId', codec: 'u32' },
    { type: 14, kernel: 'NDA_FDB_EXT_ATTRS', name: 'fdbExtAttrs', codec: 'binary' },
    { type: 15, kernel: 'NDA_FLAGS_EXT', name: 'flagsExt', codec: 'u32' },
    { type: 16, kernel: 'NDA_NDM_STATE_MASK', name: 'ndmStateMask', codec: 'u16' },
    { type: 17, kernel: 'NDA_NDM_FLAGS_MASK', name: 'ndmFlagsMask', codec: 'u8' },
  ]),
} as const;
