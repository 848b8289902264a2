/**
 * A link's flags that are settings, not state: `ip link set X promisc on allmulticast on arp off
 * multicast off dynamic on`. A request says them in ifinfomsg's ifi_flags, under the ifi_change
 * mask (do_setlink → dev_change_flags; a create applies them too, rtnl_configure_link), and the
 * kernel reports them in every link message's ifi_flags (promisc and allmulticast as asked for,
 * dev->gflags: a bridge's own promiscuity over its ports does not show).
 *
 * Specs and drafts name them as ip does, one boolean each; `arp` is the inverse of IFF_NOARP.
 */
import type { Checker } from './validate/check.js';

const IFF_NOARP = 0x80;
const IFF_PROMISC = 0x100;
const IFF_ALLMULTI = 0x200;
const IFF_MULTICAST = 0x1000;
const IFF_DYNAMIC = 0x8000;

export const LINK_FLAG_FIELDS = ['promisc', 'allmulticast', 'arp', 'multicast', 'dynamic'] as const;
export type LinkFlagField = (typeof LINK_FLAG_FIELDS)[number];
export type LinkFlagSettings = { [F in LinkFlagField]?: boolean };

const BIT: { readonly [F in LinkFlagField]: number } = {
  promisc: IFF_PROMISC, allmulticast: IFF_ALLMULTI, arp: IFF_NOARP, multicast: IFF_MULTICAST, dynamic: IFF_DYNAMIC,
};

/** Every settable bit: the ifi_change mask of a request that says them all. */
export const SETTING_FLAGS = IFF_NOARP | IFF_PROMISC | IFF_ALLMULTI | IFF_MULTICAST | IFF_DYNAMIC;

/**
 * Kinds whose links start with multicast on and the rest off (ether_setup, and nothing of these
 * bits changed after it), and kinds that start with IFF_NOARP and without multicast (ifb_setup,
 * dummy_setup; vrf_setup and wg_setup set flags to IFF_NOARP with another bit).
 */
const ETHER_KINDS: ReadonlySet<string> = new Set(['veth', 'bridge', 'vxlan', 'macvlan', 'macvtap', 'vlan', 'bond', 'geneve', 'gretap', 'ip6gretap']);
const NOARP_KINDS: ReadonlySet<string> = new Set(['ifb', 'dummy', 'vrf', 'wireguard']);

/** The settable bits a new link of `kind` has before anyone sets one, where known (undefined: not known here). */
export function kindDefaultFlags(kind: string | null): number | undefined {
  if (kind === null) return undefined;
  if (ETHER_KINDS.has(kind)) return IFF_MULTICAST;
  if (NOARP_KINDS.has(kind)) return IFF_NOARP;
  return undefined;
}

const FIELD_SET: ReadonlySet<string> = new Set(LINK_FLAG_FIELDS);

export function isLinkFlagField(name: unknown): name is LinkFlagField {
  return typeof name === 'string' && FIELD_SET.has(name);
}

/** The IFF_* bit behind a field. */
export function flagBit(field: LinkFlagField): number {
  return BIT[field];
}

/** The field's value in ifi_flags `flags`. */
export function flagOf(flags: number, field: LinkFlagField): boolean {
  const set = (flags & BIT[field]) !== 0;
  return field === 'arp' ? !set : set;
}

/** `flags` with the field's bit made to say `value`. */
export function withFlag(flags: number, field: LinkFlagField, value: boolean): number {
  const set = field === 'arp' ? !value : value;
  return set ? flags | BIT[field] : flags & ~BIT[field];
}

/** ifi_flags and ifi_change of a request that sets the fields `s` names (mask 0: none). */
export function flagRequest(s: LinkFlagSettings): { flags: number; mask: number } {
  let flags = 0;
  let mask = 0;
  for (const f of LINK_FLAG_FIELDS) {
    const v = s[f];
    if (v === undefined) continue;
    mask |= BIT[f];
    flags = withFlag(flags, f, v);
  }
  return { flags, mask };
}

/** The flag fields of `spec`, each checked to be a boolean (field named in the error). */
export function checkLinkFlags(c: Checker, spec: Readonly<Record<string, unknown>>, prefix = ''): LinkFlagSettings {
  const out: LinkFlagSettings = {};
  for (const f of LINK_FLAG_FIELDS) {
    const v = spec[f];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') c.fail(`${prefix}${f}`, v, 'on/off', 'expected true or false');
    else out[f] = v;
  }
  return out;
}

/** Settable bits as ip says them, `mask` (all by default) only: 'promisc on arp off multicast on ...'. */
export function describeFlags(flags: number, mask = SETTING_FLAGS): string {
  return LINK_FLAG_FIELDS.filter((f) => (mask & BIT[f]) !== 0).map((f) => `${f} ${flagOf(flags, f) ? 'on' : 'off'}`).join(' ');
}
