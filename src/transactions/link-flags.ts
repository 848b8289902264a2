/**
 * Link flags in transactions (the fields themselves: iproute/link-flags.ts). What a link made
 * again must be given back: the kernel applies ifi_flags under the ifi_change mask to a link it
 * creates (rtnl_configure_link), the veth peer's too (its own ifinfomsg in IFLA_VETH_PEER), so the
 * create request carries them. And how a draft's and a record's flag fields are read.
 */
import type { InterfaceRecord } from '../iproute/records.js';
import { flagOf, isLinkFlagField, LINK_FLAG_FIELDS, SETTING_FLAGS, withFlag, type LinkFlagSettings } from '../iproute/link-flags.js';

export { describeFlags, SETTING_FLAGS } from '../iproute/link-flags.js';

const IFF_MULTICAST = 0x1000;

/**
 * The settable bits of a link's flags, when a create must say them: undefined when they are
 * what a link of the kinds nldb makes starts with (multicast on, the rest off).
 */
export function flagsToRestore(flags: number): number | undefined {
  const own = flags & SETTING_FLAGS;
  return own === IFF_MULTICAST ? undefined : own;
}

/**
 * Field `field` of link record `l`, a flag field (promisc, arp, ...) read from its ifi_flags: what
 * the planner, the inverses, the conflict check and freeze() compare a link's fields by.
 */
export function linkField(l: InterfaceRecord, field: string): unknown {
  return isLinkFlagField(field) ? flagOf(l.flags, field) : (l as unknown as Record<string, unknown>)[field];
}

/**
 * `link` with the flag fields `fields` sets folded into its ifi_flags, and no field of their names
 * of its own: a record as the kernel will report it after a set.
 */
export function withFlagFields<R extends InterfaceRecord>(link: R, fields: LinkFlagSettings): R {
  let flags = link.flags;
  let any = false;
  for (const f of LINK_FLAG_FIELDS) {
    const v = fields[f];
    if (v === undefined) continue;
    flags = withFlag(flags, f, v);
    any = true;
  }
  if (!any) return link;
  const out = { ...link, flags } as R & LinkFlagSettings;
  for (const f of LINK_FLAG_FIELDS) delete out[f];
  return out;
}
