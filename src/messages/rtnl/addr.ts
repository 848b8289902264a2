/** Address messages (RTM_NEWADDR/DELADDR/GETADDR): struct ifaddrmsg then IFA_* (linux/if_addr.h). */
import { attrSet, struct } from '../core/spec.js';
import { IFA_PROT, RT_SCOPE } from './enums.js';

export const ifaddrmsg = struct('ifaddrmsg', [
  { name: 'family', kernel: 'ifa_family', type: 'u8' },
  { name: 'prefixlen', kernel: 'ifa_prefixlen', type: 'u8' },
  /** The low 8 IFA_F_* bits; IFA_FLAGS carries all 32. */
  { name: 'flags', kernel: 'ifa_flags', type: 'u8' },
  { name: 'scope', kernel: 'ifa_scope', type: 'u8', enum: RT_SCOPE },
  { name: 'index', kernel: 'ifa_index', type: 'u32' },
]);

export const ifa_cacheinfo = struct('ifa_cacheinfo', [
  { name: 'preferred', kernel: 'ifa_prefered', type: 'u32' },
  { name: 'valid', kernel: 'ifa_valid', type: 'u32' },
  { name: 'cstamp', kernel: 'cstamp', type: 'u32' },
  { name: 'tstamp', kernel: 'tstamp', type: 'u32' },
]);

export const addrSets = {
  'addr-attrs': attrSet('IFA', [
    { type: 1, kernel: 'IFA_ADDRESS', name: 'address', codec: 'ip' },
    { type: 2, kernel: 'IFA_LOCAL', name: 'local', codec: 'ip' },
    { type: 3, kernel: 'IFA_LABEL', name: 'label', codec: 'string' },
    { type: 4, kernel: 'IFA_BROADCAST', name: 'broadcast', codec: 'ip' },
    { type: 5, kernel: 'IFA_ANYCAST', name: 'anycast', codec: 'ip' },
    { type: 6, kernel: 'IFA_CACHEINFO', name: 'cacheinfo', codec: 'struct', struct: ifa_cacheinfo },
    { type: 7, kernel: 'IFA_MULTICAST', name: 'multicast', codec: 'ip' },
    { type: 8, kernel: 'IFA_FLAGS', name: 'flags', codec: 'u32' },
    { type: 9, kernel: 'IFA_RT_PRIORITY', name: 'rtPriority', codec: 'u32' },
    { type: 10, kernel: 'IFA_TARGET_NETNSID', name: 'targetNetnsid', codec: 's32' },
    { type: 11, kernel: 'IFA_PROTO', name: 'proto', codec: 'u8', enum: IFA_PROT },
  ]),
} as const;
