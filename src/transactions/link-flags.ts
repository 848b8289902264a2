/**
 * A link's flags that are settings (`ip link set X promisc on allmulticast on arp off multicast
 * off dynamic on`), not state: what a link made again must be given back. The kernel applies
 * ifi_flags under the ifi_change mask to a link it creates (rtnl_configure_link), the veth peer's
 * too (its own ifinfomsg in IFLA_VETH_PEER), so the create request carries them.
 */
const IFF_NOARP = 0x80;
const IFF_PROMISC = 0x100;
const IFF_ALLMULTI = 0x200;
const IFF_MULTICAST = 0x1000;
const IFF_DYNAMIC = 0x8000;

/** The settable bits: the ifi_change mask of a create that restores them. */
export const SETTING_FLAGS = IFF_NOARP | IFF_PROMISC | IFF_ALLMULTI | IFF_MULTICAST | IFF_DYNAMIC;

/**
 * The settable bits of a link's flags, when a create must say them: undefined when they are
 * what a link of the kinds nldb makes starts with (multicast on, the rest off).
 */
export function flagsToRestore(flags: number): number | undefined {
  const own = flags & SETTING_FLAGS;
  return own === IFF_MULTICAST ? undefined : own;
}

/** Settable bits as ip sets them, each said whichever way it goes: 'promisc on arp off multicast on ...'. */
export function describeFlags(flags: number): string {
  const on = (bit: number) => ((flags & bit) !== 0 ? 'on' : 'off');
  return `promisc ${on(IFF_PROMISC)} allmulticast ${on(IFF_ALLMULTI)} arp ${(flags & IFF_NOARP) !== 0 ? 'off' : 'on'} ` +
    `multicast ${on(IFF_MULTICAST)} dynamic ${on(IFF_DYNAMIC)}`;
}
