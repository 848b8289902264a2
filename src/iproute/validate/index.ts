/** Spec validation: every input IPRoute takes is checked here before anything is sent. */
export { Checker } from './check.js';
export { parseIp, parseIPv4, parseIPv6, formatIp, formatIPv4, formatIPv6, type ParsedIp, type IpFamily } from './ip.js';
export {
  checkIfname, checkIfRef, checkIndex, checkIp, checkMac, checkPrefix, checkFamily, checkTable, checkMtu, checkNetns,
  macBytes, IFNAMSIZ, type IfTarget, type Prefix, type NetnsTarget,
} from './values.js';
export { validateLink, LINK_KINDS, SPEC_INFO_KEYS, type ValidLink, type ValidLinkInfo, type ValidPeer } from './link.js';
export { validateAddress, type ValidAddress } from './address.js';
export { validateRoute, type ValidEncap, type ValidRoute, type ValidNextHop } from './route.js';
export { validateRule, type ValidRule } from './rule.js';
export { validateNeighbour, type ValidNeighbour } from './neighbour.js';
