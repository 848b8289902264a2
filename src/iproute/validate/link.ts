/**
 * Link specs: validation and normalisation for `link('add' | 'set' | 'del', spec)`.
 */
import type { LinkOp, LinkSpec } from '../specs.js';
import { bridgePortData, checkBridgePort } from '../bridge-port.js';
import { checkLinkFlags, flagRequest, LINK_FLAG_FIELDS } from '../link-flags.js';
import { ADDR_GEN_MODES, MACVLAN_MODES, VLAN_PROTOCOLS } from '../names.js';
import { Checker, join } from './check.js';
import type { ParsedIp } from './ip.js';
import { isMulticast } from './ip.js';
import {
  checkIfname, checkIfRef, checkIndex, checkIp, checkMac, checkMtu, checkNetns,
  type IfTarget, type NetnsTarget,
} from './values.js';

/**
 * Link kinds that the Linux kernel registers with rtnl_link_register() (their rtnl_link_ops
 * .kind). A kind outside this list fails validation; a kind in it that the running kernel lacks
 * (e.g. 'dummy' where CONFIG_DUMMY is off) passes and is refused by the kernel with EOPNOTSUPP
 * ("Unknown device type"), which is the kernel's call, not ours.
 */
export const LINK_KINDS: ReadonlySet<string> = new Set([
  'amt', 'bareudp', 'batadv', 'bond', 'bridge', 'can', 'dummy', 'erspan', 'geneve', 'gre', 'gretap',
  'gtp', 'hsr', 'ifb', 'ip6erspan', 'ip6gre', 'ip6gretap', 'ip6tnl', 'ip6vti', 'ipip', 'ipoib', 'ipvlan',
  'ipvtap', 'lowpan', 'macsec', 'macvlan', 'macvtap', 'netkit', 'nlmon', 'ovpn', 'pfcp', 'ppp',
  'rmnet', 'sit', 'team', 'tun', 'vcan', 'veth', 'virt_wifi', 'vlan', 'vrf', 'vti', 'vxcan', 'vxlan',
  'wireguard', 'xfrm',
]);

/** Kinds whose device sits on a lower one, so an add needs `link`. */
const NEEDS_LOWER = new Set(['macvlan', 'macvtap', 'ipvlan', 'ipvtap', 'vlan']);

export interface ValidVxlanInfo {
  id?: number; port?: number; group?: ParsedIp; local?: ParsedIp; link?: IfTarget;
  ttl?: number; tos?: number; learning?: boolean; ageing?: number;
}
export interface ValidMacvlanInfo { mode?: number }
export interface ValidBridgeInfo {
  stpState?: number; forwardDelay?: number; helloTime?: number; maxAge?: number;
  ageingTime?: number; priority?: number; vlanFiltering?: number;
}
export interface ValidVlanInfo { id?: number; protocol?: number }

export type ValidLinkInfo =
  | { kind: 'vxlan'; data: ValidVxlanInfo }
  | { kind: 'macvlan' | 'macvtap'; data: ValidMacvlanInfo }
  | { kind: 'bridge'; data: ValidBridgeInfo }
  | { kind: 'vlan'; data: ValidVlanInfo };

export interface ValidPeer {
  ifname?: string; index?: number; address?: string; mtu?: number; netns?: NetnsTarget;
  /** The settable flags given for the peer (link-flags.ts), in its own ifinfomsg. */
  flags?: { flags: number; mask: number };
}

export interface ValidLink {
  op: LinkOp;
  /** set/del: the link acted on. */
  target?: IfTarget;
  /** add: the requested index (ifi_index), if any. */
  index?: number;
  /** add: the new link's name; set: the new name (a rename). */
  ifname?: string;
  kind?: string;
  mtu?: number;
  address?: string;
  broadcast?: string;
  state?: 'up' | 'down';
  /** null: release from the master. */
  master?: IfTarget | null;
  link?: IfTarget;
  netns?: NetnsTarget;
  txqlen?: number;
  group?: number;
  /** '' removes the alias. */
  alias?: string;
  /** IN6_ADDR_GEN_MODE_* number. */
  addrGenMode?: number;
  /** Alternative names to add (RTM_NEWLINKPROP). */
  altnames?: string[];
  /** Alternative names to remove (RTM_DELLINKPROP). */
  removeAltnames?: string[];
  /** Bridge port settings as the codec encodes them (IFLA_BRPORT_*, flags 0/1). */
  port?: Record<string, number>;
  /** The settable flags given (link-flags.ts): ifi_flags bits under the ifi_change `mask`. */
  flags?: { flags: number; mask: number };
  peer?: ValidPeer;
  info?: ValidLinkInfo;
}

const LINK_FIELDS = [
  'index', 'ifname', 'kind', 'mtu', 'address', 'broadcast', 'state', 'master', 'link', 'netns', 'txqlen', 'group', 'alias', 'addrGenMode',
  'altnames', 'removeAltnames', 'port', 'peer', 'info', ...LINK_FLAG_FIELDS,
] as const;

export function validateLink(op: LinkOp, spec: LinkSpec): ValidLink {
  const c = new Checker();
  const out = checkLink(c, op, spec);
  c.done();
  return out!;
}

function checkLink(c: Checker, op: LinkOp, spec: unknown): ValidLink | undefined {
  if (op !== 'add' && op !== 'set' && op !== 'del') return c.fail('op', op, 'operation', "expected 'add', 'set' or 'del'");
  const allowed = op === 'del' ? ['index', 'ifname'] : LINK_FIELDS;
  const s = c.object('', spec, allowed, 'link spec');
  if (!s) return undefined;
  const out: ValidLink = { op };

  if (op === 'add') {
    if (s.ifname === undefined) c.fail('ifname', undefined, 'interface name', 'missing: a new link needs a name');
    else out.ifname = checkIfname(c, 'ifname', s.ifname);
    if (s.index !== undefined) out.index = checkIndex(c, 'index', s.index);
    if (s.kind === undefined) c.fail('kind', undefined, 'link kind', 'missing: a new link needs a kind');
    else out.kind = checkKind(c, s.kind);
  } else if (s.index !== undefined) {
    const index = checkIndex(c, 'index', s.index);
    if (index !== undefined) out.target = { index };
    // Naming a link by index and giving a name as well renames it.
    if (s.ifname !== undefined && op === 'set') out.ifname = checkIfname(c, 'ifname', s.ifname);
    if (s.ifname !== undefined && op === 'del') c.fail('ifname', s.ifname, 'interface', 'give index or ifname, not both');
  } else if (s.ifname !== undefined) {
    const ifname = checkIfname(c, 'ifname', s.ifname);
    if (ifname !== undefined) out.target = { ifname };
  } else {
    c.fail('index', undefined, 'interface', 'missing: give index or ifname');
  }
  if (op === 'del') return out;

  if (op === 'set' && s.kind !== undefined) {
    // A set only carries a kind to change kind-specific options; it cannot change the kind.
    if (s.info === undefined) c.fail('kind', s.kind, 'link kind', 'only allowed on set together with info');
    else out.kind = checkKind(c, s.kind);
  }
  if (s.mtu !== undefined) out.mtu = checkMtu(c, 'mtu', s.mtu);
  if (s.address !== undefined) out.address = checkMac(c, 'address', s.address);
  if (s.broadcast !== undefined) out.broadcast = checkMac(c, 'broadcast', s.broadcast);
  if (s.state !== undefined) {
    if (s.state === 'up' || s.state === 'down') out.state = s.state;
    else c.fail('state', s.state, 'state', "expected 'up' or 'down'");
  }
  if (s.master !== undefined) out.master = s.master === null ? null : checkIfRef(c, 'master', s.master);
  if (s.link !== undefined) out.link = checkIfRef(c, 'link', s.link);
  if (s.netns !== undefined) out.netns = checkNetns(c, 'netns', s.netns);
  if (s.txqlen !== undefined) out.txqlen = c.u32('txqlen', s.txqlen, 'queue length');
  if (s.group !== undefined) out.group = c.u32('group', s.group, 'group');
  if (s.alias !== undefined) {
    // (The kernel keeps up to IFALIASZ - 1 = 255 bytes.)
    if (op === 'add') c.fail('alias', s.alias, 'alias', 'the kernel ignores an alias when it creates a link: set it afterwards');
    else if (s.alias === null) out.alias = '';
    else if (typeof s.alias !== 'string' || Buffer.byteLength(s.alias) > 255 || s.alias.includes('\0')) c.fail('alias', s.alias, 'alias', 'expected a string of at most 255 bytes');
    else out.alias = s.alias;
  }
  for (const field of ['altnames', 'removeAltnames'] as const) {
    const names = s[field];
    if (names === undefined) continue;
    const what = field === 'altnames' ? 'added to an existing link only (RTM_NEWLINKPROP)' : 'removed from an existing link only (RTM_DELLINKPROP)';
    if (op !== 'set') c.fail(field, names, 'alternative names', what);
    else if (!Array.isArray(names) || names.length === 0) c.fail(field, names, 'alternative names', 'expected a non-empty array of names');
    else {
      const beside = Object.keys(s).filter((k) => s[k] !== undefined && k !== field && k !== 'index' && k !== 'ifname');
      if (beside.length > 0) c.fail(field, names, 'alternative names', `a request of their own: not beside ${beside.join(', ')}`);
      out[field] = checkAltnames(c, field, names);
    }
  }
  const flags = flagRequest(checkLinkFlags(c, s));
  if (flags.mask !== 0) out.flags = flags;
  if (s.addrGenMode != null) {
    if (op === 'add') c.fail('addrGenMode', s.addrGenMode, 'address generation mode', 'the kernel refuses it when it creates a link: set it afterwards');
    else out.addrGenMode = c.enumValue('addrGenMode', s.addrGenMode, ADDR_GEN_MODES, 255, 'address generation mode');
  }

  if (s.port !== undefined) {
    if (op !== 'set') c.fail('port', s.port, 'bridge port settings', 'a link takes port settings once it is a port of a bridge: set them afterwards');
    else {
      const port = checkBridgePort(c, 'port', s.port);
      if (port) out.port = bridgePortData(port);
    }
  }

  if (s.peer !== undefined) {
    if (op !== 'add' || out.kind !== 'veth') c.fail('peer', s.peer, 'peer', "only a veth being added has a peer");
    else out.peer = checkPeer(c, s.peer);
  }
  if (op === 'add' && out.kind !== undefined && NEEDS_LOWER.has(out.kind) && s.link === undefined) {
    c.fail('link', undefined, 'interface', `missing: a ${out.kind} needs its lower device in link`);
  }
  const kind = out.kind;
  if (s.info !== undefined && s.kind === undefined) c.fail('info', s.info, 'link options', 'needs kind: options are read by kind');
  else if (s.info !== undefined && kind !== undefined) out.info = checkInfo(c, op, kind, s.info);
  else if (op === 'add' && kind === 'vxlan') c.fail('info.id', undefined, 'VXLAN id', 'missing: a vxlan needs info.id');
  else if (op === 'add' && kind === 'vlan') c.fail('info.id', undefined, 'VLAN id', 'missing: a vlan needs info.id');
  // A vxlan's lower device is IFLA_VXLAN_LINK (ip's `dev`), among its options: the kernel ignores
  // IFLA_LINK for it, so `link` goes there.
  if (kind === 'vxlan' && out.link !== undefined && out.info?.kind === 'vxlan') {
    const d = out.info.data;
    if (d.link !== undefined && JSON.stringify(d.link) !== JSON.stringify(out.link)) {
      c.fail('link', s.link, 'interface', 'a vxlan has one lower device: give it in link or in info.link, not both');
    } else {
      d.link = out.link;
      delete out.link;
    }
  }
  return out;
}

function checkKind(c: Checker, value: unknown): string | undefined {
  if (typeof value !== 'string') return c.fail('kind', value, 'link kind', 'expected a string');
  if (!LINK_KINDS.has(value)) return c.fail('kind', value, 'link kind', 'not a link kind the kernel knows');
  return value;
}

/** Alternative names, each checked (`field[i]`): a list of them, in order. */
export function checkAltnames(c: Checker, field: string, names: readonly unknown[]): string[] {
  return names.map((n, i) => {
    // (ALTIFNAMSIZ: 128 bytes with the NUL; the same characters as a name.)
    if (typeof n !== 'string' || n === '' || Buffer.byteLength(n) > 127 || /[/:\s\0]/.test(n)) {
      c.fail(`${field}[${i}]`, n, 'alternative name', 'expected 1 to 127 bytes without \'/\', \':\', NUL or whitespace');
    }
    return n as string;
  });
}

function checkPeer(c: Checker, value: unknown): ValidPeer | undefined {
  if (typeof value === 'string') {
    const ifname = checkIfname(c, 'peer', value);
    return ifname === undefined ? undefined : { ifname };
  }
  const p = c.object('peer', value, ['ifname', 'index', 'address', 'mtu', 'netns', ...LINK_FLAG_FIELDS], 'peer');
  if (!p) return undefined;
  const out: ValidPeer = {};
  if (p.ifname !== undefined) out.ifname = checkIfname(c, 'peer.ifname', p.ifname);
  if (p.index !== undefined) out.index = checkIndex(c, 'peer.index', p.index);
  const flags = flagRequest(checkLinkFlags(c, p, 'peer.'));
  if (flags.mask !== 0) out.flags = flags;
  if (p.address !== undefined) out.address = checkMac(c, 'peer.address', p.address);
  if (p.mtu !== undefined) out.mtu = checkMtu(c, 'peer.mtu', p.mtu);
  if (p.netns !== undefined) out.netns = checkNetns(c, 'peer.netns', p.netns);
  return out;
}

/**
 * The kind options a LinkSpec's `info` takes, per kind, as a record names them (a vxlan's spec
 * may also say `remote` for a unicast group, which its record calls group). What restoring or
 * re-creating a link from its record carries over; a record holds much more (the kernel's state).
 */
export const SPEC_INFO_KEYS: Readonly<Record<string, readonly string[]>> = {
  vxlan: ['id', 'port', 'group', 'local', 'link', 'ttl', 'tos', 'learning', 'ageing'],
  macvlan: ['mode'],
  macvtap: ['mode'],
  bridge: ['stpState', 'forwardDelay', 'helloTime', 'maxAge', 'ageingTime', 'priority', 'vlanFiltering'],
  vlan: ['id', 'protocol'],
};

function checkInfo(c: Checker, op: LinkOp, kind: string, value: unknown): ValidLinkInfo | undefined {
  switch (kind) {
    case 'vxlan': {
      const i = c.object('info', value, [...SPEC_INFO_KEYS.vxlan!, 'remote'], 'vxlan options');
      if (!i) return undefined;
      const d: ValidVxlanInfo = {};
      if (i.id !== undefined) d.id = c.int('info.id', i.id, 0, 0xffffff, 'VXLAN id');
      else if (op === 'add') c.fail('info.id', undefined, 'VXLAN id', 'missing: a vxlan needs info.id');
      if (i.port !== undefined) d.port = c.u16('info.port', i.port, 'port');
      if (i.group !== undefined && i.remote !== undefined) c.fail('info.remote', i.remote, 'address', 'give group or remote, not both');
      if (i.group !== undefined) d.group = checkIp(c, 'info.group', i.group);
      if (i.remote !== undefined) {
        d.group = checkIp(c, 'info.remote', i.remote);
        if (d.group && isMulticast(d.group.family, d.group.bytes)) c.fail('info.remote', i.remote, 'address', 'a multicast address belongs in group');
      }
      if (i.local !== undefined) d.local = checkIp(c, 'info.local', i.local);
      if (d.group && d.local && d.group.family !== d.local.family) c.fail('info.local', i.local, 'address', 'local and group/remote must be of one family');
      if (i.link !== undefined) d.link = checkIfRef(c, 'info.link', i.link);
      if (i.ttl !== undefined) d.ttl = c.u8('info.ttl', i.ttl, 'TTL');
      if (i.tos !== undefined) d.tos = c.u8('info.tos', i.tos, 'TOS');
      // A record carries the kernel's u8 (0/1); a spec may say true/false.
      if (i.learning === 0 || i.learning === 1) d.learning = i.learning === 1;
      else if (i.learning !== undefined) d.learning = c.bool('info.learning', i.learning);
      if (i.ageing !== undefined) d.ageing = c.u32('info.ageing', i.ageing, 'ageing time');
      return { kind, data: d };
    }
    case 'macvlan':
    case 'macvtap': {
      const i = c.object('info', value, SPEC_INFO_KEYS[kind]!, `${kind} options`);
      if (!i) return undefined;
      const d: ValidMacvlanInfo = {};
      if (i.mode !== undefined) {
        const m = c.enumValue('info.mode', i.mode, MACVLAN_MODES, 0xffffffff, `${kind} mode`);
        if (m !== undefined && MACVLAN_MODES.name(m) === String(m)) c.fail('info.mode', i.mode, `${kind} mode`, 'not a mode the kernel knows');
        else d.mode = m;
      }
      return { kind, data: d };
    }
    case 'bridge': {
      const i = c.object('info', value, SPEC_INFO_KEYS.bridge!, 'bridge options');
      if (!i) return undefined;
      const d: ValidBridgeInfo = {};
      const flag = (k: 'stpState' | 'vlanFiltering', max: number) => {
        const v = i[k];
        if (v === undefined) return;
        d[k] = typeof v === 'boolean' ? (v ? 1 : 0) : c.int(join('info', k), v, 0, max, k);
      };
      flag('stpState', 0xffffffff);
      flag('vlanFiltering', 1);
      for (const k of ['forwardDelay', 'helloTime', 'maxAge', 'ageingTime'] as const) {
        if (i[k] !== undefined) d[k] = c.u32(join('info', k), i[k], k);
      }
      if (i.priority !== undefined) d.priority = c.u16('info.priority', i.priority, 'bridge priority');
      return { kind, data: d };
    }
    case 'vlan': {
      const i = c.object('info', value, SPEC_INFO_KEYS.vlan!, 'vlan options');
      if (!i) return undefined;
      const d: ValidVlanInfo = {};
      if (i.id !== undefined) d.id = c.int('info.id', i.id, 0, 4095, 'VLAN id');
      else if (op === 'add') c.fail('info.id', undefined, 'VLAN id', 'missing: a vlan needs info.id');
      if (i.protocol !== undefined) {
        const p = c.enumValue('info.protocol', i.protocol, VLAN_PROTOCOLS, 0xffff, 'VLAN protocol');
        if (p !== undefined && p !== 0x8100 && p !== 0x88a8) c.fail('info.protocol', i.protocol, 'VLAN protocol', "expected '802.1Q' or '802.1ad'");
        else d.protocol = p;
      }
      return { kind, data: d };
    }
    default:
      return c.fail('info', value, 'link options', `nldb has no options for kind '${kind}' yet`);
  }
}
