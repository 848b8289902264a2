/** Address messages → AddressRecord. */
import { rtnl, type AddrMessage, type Projected } from '../../messages/index.js';
import type { AddressRecord } from '../records.js';
import { enumText, ipFamily } from './common.js';
import { addressReader } from './readers.generated.js';

/** The attributes an AddressRecord is made of (see ROUTE_RECORD_ATTRS in route.ts). */
export const ADDRESS_RECORD_ATTRS = ['local', 'address', 'broadcast', 'label', 'flags', 'rtPriority'] as const;

export type AddressRecordSource = Projected<AddrMessage, (typeof ADDRESS_RECORD_ATTRS)[number]>;

const projection = rtnl.addr.project(ADDRESS_RECORD_ATTRS);

/** The record of the address message whose payload is buf[start, end). */
export function addressRecordAt(buf: Buffer, start = 0, end = buf.length): AddressRecord | null {
  return addressRecord(projection.decode(buf, start, end));
}

/**
 * addressRecordAt for every message of a dump, one after the other, through the reader generated for
 * this projection (readers.generated.ts: one object literal per message instead of the generic
 * decoder's keyed stores). Records keep values, never the reader's objects.
 */
export function addressRecordMapper(): (buf: Buffer, start: number, end: number) => AddressRecord | null {
  const read = addressReader(projection.runtime()) as (buf: Buffer, start: number, end: number) => AddressRecordSource;
  return (buf, start, end) => addressRecord(read(buf, start, end));
}

export function addressRecord(m: AddressRecordSource): AddressRecord | null {
  const family = ipFamily(m.family);
  if (family === 0) return null;
  const a = m.attrs;
  // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the same, or the peer of a
  // point-to-point address. IPv6 sends IFA_ADDRESS alone unless there is a peer.
  const local = a.local ?? a.address;
  if (local === undefined) return null;
  return {
    index: m.index,
    family,
    address: local,
    prefixlen: m.prefixlen,
    peer: a.local !== undefined && a.address !== undefined && a.address !== a.local ? a.address : null,
    broadcast: a.broadcast ?? null,
    label: a.label ?? null,
    scope: enumText(m.scope),
    flags: a.flags ?? m.flags,
    metric: a.rtPriority ? a.rtPriority : null,
  };
}
