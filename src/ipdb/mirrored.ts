/**
 * What the database mirrors of the kernel, beyond the `load` option: objects the kernel makes by
 * itself and never announces are left out, because no event could ever keep them right.
 *
 * Neighbour entries for multicast and broadcast destinations (lladdr 33:33:..., 01:00:5e:...,
 * ff:ff:ff:ff:ff:ff, state NOARP) are computed from the address whenever the host sends to a
 * group (an MLD report, an IGMP join, a router solicitation). arp_constructor and
 * ndisc_constructor create them in NUD_NOARP directly, with no neigh_update and therefore no
 * RTM_NEWNEIGH (checked: after `ip link set X up` they appear in `ip neigh show nud all` and no
 * notification comes). A dump would show them, later events could not, so the database would be
 * right only until the next packet: they are not mirrored at all. They carry no information
 * (the link-layer address is a function of the destination). `ip neigh show` hides them too.
 */
import type { NeighbourRecord, RecordEvent } from '../iproute/records.js';

/** True for an Ethernet group address (the I/G bit, the low bit of the first octet). */
function isGroupMac(mac: string): boolean {
  return (Number.parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

/** A neighbour entry the kernel made silently for a multicast or broadcast destination. */
export function isSilentNeighbour(r: NeighbourRecord): boolean {
  return r.state === 'NOARP' && r.lladdr !== null && isGroupMac(r.lladdr);
}

/** Whether the database keeps this event's object at all. */
export function isMirrored(ev: RecordEvent): boolean {
  return ev.kind !== 'neighbour' || !isSilentNeighbour(ev.record);
}
