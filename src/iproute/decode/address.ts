/** Address messages → AddressRecord. */
import type { AddrMessage } from '../../messages/index.js';
import type { AddressRecord } from '../records.js';
import { enumText, ipFamily } from './common.js';

export function addressRecord(m: AddrMessage): AddressRecord | null {
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
  };
}
