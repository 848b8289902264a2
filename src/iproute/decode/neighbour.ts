/** Neighbour messages → NeighbourRecord. */
import { rtnl, type NeighMessage, type Projected } from '../../messages/index.js';
import { nudName } from '../names.js';
import type { NeighbourRecord } from '../records.js';
import { ipFamily } from './common.js';
import { neighbourReader } from './readers.generated.js';

/** The attributes a NeighbourRecord is made of (see ROUTE_RECORD_ATTRS in route.ts). */
export const NEIGHBOUR_RECORD_ATTRS = ['dst', 'lladdr'] as const;

export type NeighbourRecordSource = Projected<NeighMessage, (typeof NEIGHBOUR_RECORD_ATTRS)[number]>;

const projection = rtnl.neigh.project(NEIGHBOUR_RECORD_ATTRS);

/** The record of the neighbour message whose payload is buf[start, end). */
export function neighbourRecordAt(buf: Buffer, start = 0, end = buf.length): NeighbourRecord | null {
  return neighbourRecord(projection.decode(buf, start, end));
}

/**
 * neighbourRecordAt for every message of a dump, one after the other, through the reader generated for
 * this projection (readers.generated.ts: one object literal per message instead of the generic
 * decoder's keyed stores). Records keep values, never the reader's objects.
 */
export function neighbourRecordMapper(): (buf: Buffer, start: number, end: number) => NeighbourRecord | null {
  const read = neighbourReader(projection.runtime()) as (buf: Buffer, start: number, end: number) => NeighbourRecordSource;
  return (buf, start, end) => neighbourRecord(read(buf, start, end));
}

/** IPv4/IPv6 neighbours only: AF_BRIDGE entries (the bridge FDB) come through the same dumps and are not neighbours. */
export function neighbourRecord(m: NeighbourRecordSource): NeighbourRecord | null {
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
