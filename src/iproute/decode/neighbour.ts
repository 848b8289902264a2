/** Neighbour messages → NeighbourRecord. */
import type { NeighMessage } from '../../messages/index.js';
import { nudName } from '../names.js';
import type { NeighbourRecord } from '../records.js';
import { ipFamily } from './common.js';

/** IPv4/IPv6 neighbours only: AF_BRIDGE entries (the bridge FDB) come through the same dumps and are not neighbours. */
export function neighbourRecord(m: NeighMessage): NeighbourRecord | null {
  const family = ipFamily(m.family);
  if (family === 0 || m.attrs.dst === undefined) return null;
  return {
    index: m.ifindex,
    family,
    dst: m.attrs.dst,
    lladdr: m.attrs.lladdr ? m.attrs.lladdr : null,
    state: nudName(m.state),
    flags: m.flags,
  };
}
