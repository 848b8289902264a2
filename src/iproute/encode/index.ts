/** Validated specs → netlink requests (type, NLM_F_* flags, payload), ready for the transport. */
export { indexOnly, type EncodeContext, type NetlinkRequest } from './common.js';
export { encodeLink } from './link.js';
export { encodeAddress } from './address.js';
export { encodeRoute } from './route.js';
export { encodeRule } from './rule.js';
export { encodeNeighbour } from './neighbour.js';
