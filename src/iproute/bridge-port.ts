/**
 * A bridge port's settings: the IFLA_BRPORT_* attributes a port keeps until someone changes them
 * (`ip link set dev X type bridge_slave hairpin on`, `bridge link set dev X isolated on`), as a
 * record carries them (InterfaceRecord.port) and a request sets them.
 *
 * Only settings are kept, not what the bridge works out by itself (the STP state, port and bridge
 * ids, timers, group counts) or what another subsystem owns (MRP's ring flags, a backup port or
 * nexthop, which name other objects). Why they are worth keeping: the kernel resets every one of
 * them when a link leaves its bridge or is made again, so a rollback that puts a port back must
 * set them again, or a container's port comes back without its hairpin or isolation.
 *
 * The names are the codec's (the kernel constant in camelCase: `mode` is ip's `hairpin`, `protect`
 * its `root_block`); on/off settings are booleans, the others numbers.
 */
import { join, type Checker } from './validate/check.js';

/** Each kept setting: 'flag' (an on/off u8), or the width of its number. */
export const BRIDGE_PORT_SETTINGS = {
  priority: 'u16',
  cost: 'u32',
  mode: 'flag',
  guard: 'flag',
  protect: 'flag',
  fastLeave: 'flag',
  learning: 'flag',
  unicastFlood: 'flag',
  proxyarp: 'flag',
  learningSync: 'flag',
  proxyarpWifi: 'flag',
  multicastRouter: 'u8',
  mcastFlood: 'flag',
  mcastToUcast: 'flag',
  vlanTunnel: 'flag',
  bcastFlood: 'flag',
  groupFwdMask: 'u16',
  neighSuppress: 'flag',
  isolated: 'flag',
  mcastEhtHostsLimit: 'u32',
  locked: 'flag',
  mab: 'flag',
  mcastMaxGroups: 'u32',
  neighVlanSuppress: 'flag',
} as const;

export type BridgePortSetting = keyof typeof BRIDGE_PORT_SETTINGS;

/** A bridge port's settings; a spec gives some of them, a record those the kernel reports. */
export type BridgePort = { [K in BridgePortSetting]?: (typeof BRIDGE_PORT_SETTINGS)[K] extends 'flag' ? boolean : number };

const NAMES = Object.keys(BRIDGE_PORT_SETTINGS) as BridgePortSetting[];

/** The settings of a decoded IFLA_INFO_SLAVE_DATA or IFLA_PROTINFO (brport-attrs), in table order. */
export function bridgePortOf(data: Readonly<Record<string, unknown>>): BridgePort {
  const out: Record<string, number | boolean> = {};
  for (const name of NAMES) {
    const v = data[name];
    if (typeof v !== 'number') continue;
    out[name] = BRIDGE_PORT_SETTINGS[name] === 'flag' ? v !== 0 : v;
  }
  return out as BridgePort;
}

/** `port` as the codec encodes brport-attrs (flags as 0/1). */
export function bridgePortData(port: BridgePort): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of NAMES) {
    const v = port[name];
    if (v !== undefined) out[name] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
  }
  return out;
}

/** The settings of `want` whose values `have` does not have (all of them when `have` is null). */
export function bridgePortChanges(have: BridgePort | null, want: BridgePort): BridgePort {
  const out: Record<string, unknown> = {};
  for (const name of NAMES) {
    const v = want[name];
    if (v !== undefined && (have == null || have[name] !== v)) out[name] = v;
  }
  return out as BridgePort;
}

/** Whether `have` shows every setting `want` gives. */
export function bridgePortHas(have: BridgePort | null | undefined, want: BridgePort): boolean {
  if (have == null) return false;
  for (const name of NAMES) if (want[name] !== undefined && have[name] !== want[name]) return false;
  return true;
}

/** `value` checked as (some of) a port's settings: a plain object of known names and values. */
export function checkBridgePort(c: Checker, field: string, value: unknown): BridgePort | undefined {
  const given = c.object(field, value, NAMES, 'bridge port settings');
  if (given === undefined) return undefined;
  const out: Record<string, number | boolean | undefined> = {};
  for (const name of NAMES) {
    const v = given[name];
    if (v === undefined) continue;
    const type = BRIDGE_PORT_SETTINGS[name];
    out[name] = type === 'flag' ? c.bool(join(field, name), v) : c[type](join(field, name), v, name);
  }
  return out as BridgePort;
}
