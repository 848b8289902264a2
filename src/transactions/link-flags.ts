/**
 * Link flags in transactions (the fields themselves: iproute/link-flags.ts). What a link made
 * again must be given back: the kernel applies ifi_flags under the ifi_change mask to a link it
 * creates (rtnl_configure_link), the veth peer's too (its own ifinfomsg in IFLA_VETH_PEER), so the
 * create request carries them. And how a draft's and a record's flag fields are read.
 */
import type { InterfaceRecord } from '../iproute/records.js';
import { flagOf, isLinkFlagField, kindDefaultFlags, LINK_FLAG_FIELDS, SETTING_FLAGS, withFlag, type LinkFlagSettings } from '../iproute/link-flags.js';

export { describeFlags, SETTING_FLAGS } from '../iproute/link-flags.js';

/**
 * The settable bits of a link's flags, when a create must say them: undefined when they are what
 * a new link of its kind starts with (kindDefaultFlags); always for a kind not known there. (An
 * ifb starts with arp and multicast off: one that had them on came back without them when only
 * "multicast on, the rest off" was taken for every kind's start.)
 */
export function flagsToRestore(flags: number, kind: string | null): number | undefined {
  const own = flags & SETTING_FLAGS;
  return own === kindDefaultFlags(kind) ? undefined : own;
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
