/**
 * Policy-routing rule specs: validation and normalisation for `rule('add' | 'del', spec)`.
 */
import type { Family, PortRange } from '../records.js';
import type { RuleOp, RuleSpec } from '../specs.js';
import { PROTOCOLS, RULE_ACTIONS } from '../names.js';
import { Checker } from './check.js';
import { parseIp } from './ip.js';
import { checkFamily, checkIfname, checkPrefix, checkTable, type Prefix } from './values.js';

export interface ValidRule {
  op: RuleOp;
  family: Family;
  priority?: number;
  table?: number;
  /** Absent or zero-length: any source. */
  src?: Prefix;
  dst?: Prefix;
  action?: number;
  goto?: number;
  iifname?: string;
  oifname?: string;
  fwmark?: number;
  fwmask?: number;
  tos?: number;
  protocol?: number;
  invert: boolean;
  suppressPrefixlen?: number;
  suppressIfgroup?: number;
  l3mdev: boolean;
  uidRange?: PortRange;
  ipProto?: number;
  sportRange?: PortRange;
  dportRange?: PortRange;
  /** Whole FRA_* attributes, sent as they are. */
  extra?: Buffer;
}

const FIELDS = [
  'family', 'priority', 'table', 'src', 'dst', 'action', 'goto', 'iifname', 'oifname', 'fwmark', 'fwmask', 'tos', 'protocol',
  'invert', 'suppressPrefixlen', 'suppressIfgroup', 'l3mdev', 'uidRange', 'ipProto', 'sportRange', 'dportRange', 'extra',
] as const;

/** The IP protocols ip's `ipproto` is mostly given by name (/etc/protocols' numbers). */
const IP_PROTOS: Readonly<Record<string, number>> = { icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, icmpv6: 58, 'ipv6-icmp': 58, sctp: 132, udplite: 136 };
const FR_ACT_TO_TBL = 1;
const FR_ACT_GOTO = 2;

export function validateRule(op: RuleOp, spec: RuleSpec): ValidRule {
  const c = new Checker();
  const out = checkRule(c, op, spec);
  c.done();
  return out!;
}

function impliedFamily(s: Record<string, unknown>): Family {
  for (const v of [s.src, s.dst]) {
    const text = typeof v === 'string' ? v : typeof v === 'object' && v !== null ? (v as Record<string, unknown>).address : undefined;
    const ip = typeof text === 'string' ? parseIp(text.split('/')[0]!) : null;
    if (ip) return ip.family;
  }
  return 4;
}

function checkRule(c: Checker, op: RuleOp, spec: unknown): ValidRule | undefined {
  if (op !== 'add' && op !== 'del') return c.fail('op', op, 'operation', "expected 'add' or 'del'");
  const s = c.object('', spec, FIELDS, 'rule spec');
  if (!s) return undefined;
  const family = s.family !== undefined ? checkFamily(c, 'family', s.family) : impliedFamily(s);
  if (family === undefined) return undefined;
  const out: Partial<ValidRule> = { op, family, invert: false, l3mdev: false };
  if (s.priority !== undefined) out.priority = c.u32('priority', s.priority, 'priority');
  if (s.table !== undefined) out.table = checkTable(c, 'table', s.table);
  if (s.src !== undefined) out.src = checkPrefix(c, 'src', s.src, { allowDefault: true, network: true, family });
  if (s.dst !== undefined) out.dst = checkPrefix(c, 'dst', s.dst, { allowDefault: true, network: true, family });
  if (s.action !== undefined) {
    out.action = c.enumValue('action', s.action, RULE_ACTIONS, 255, 'rule action');
    if (out.action === 0 && op !== 'del') c.fail('action', s.action, 'rule action', "'unspec' only matches, it cannot be created");
  }
  if (s.goto !== undefined) {
    out.goto = c.u32('goto', s.goto, 'priority');
    if (s.action !== undefined && out.action !== FR_ACT_GOTO) c.fail('goto', s.goto, 'priority', "only a 'goto' rule has a target");
    out.action = FR_ACT_GOTO;
  } else if (out.action === FR_ACT_GOTO && op !== 'del') {
    c.fail('goto', undefined, 'priority', "missing: a 'goto' rule needs the target's priority");
  }
  if (s.table !== undefined && out.action !== undefined && out.action !== FR_ACT_TO_TBL) {
    c.fail('table', s.table, 'table', `only a lookup (to_tbl) rule has a table, not '${RULE_ACTIONS.name(out.action)}'`);
  }
  if (s.iifname !== undefined) out.iifname = checkIfname(c, 'iifname', s.iifname);
  if (s.oifname !== undefined) out.oifname = checkIfname(c, 'oifname', s.oifname);
  if (s.fwmark !== undefined) out.fwmark = c.u32('fwmark', s.fwmark, 'firewall mark');
  if (s.fwmask !== undefined) out.fwmask = c.u32('fwmask', s.fwmask, 'firewall mask');
  if (s.tos !== undefined) out.tos = c.u8('tos', s.tos, 'TOS');
  if (s.protocol !== undefined) out.protocol = c.enumValue('protocol', s.protocol, PROTOCOLS, 255, 'protocol');
  if (s.invert !== undefined) out.invert = checkBoolean(c, 'invert', s.invert);
  if (s.suppressPrefixlen != null) out.suppressPrefixlen = c.int('suppressPrefixlen', s.suppressPrefixlen, 0, 128, 'prefix length');
  if (s.suppressIfgroup != null) out.suppressIfgroup = c.int('suppressIfgroup', s.suppressIfgroup, 0, 0xfffffffe, 'interface group');
  if (s.l3mdev !== undefined) {
    out.l3mdev = checkBoolean(c, 'l3mdev', s.l3mdev);
    // (The kernel: "l3mdev and table are mutually exclusive".)
    if (out.l3mdev && s.table !== undefined) c.fail('table', s.table, 'table', 'an l3mdev rule looks up the VRF\'s table: it takes none');
  }
  if (s.uidRange != null) out.uidRange = checkRange(c, 'uidRange', s.uidRange, 0xffffffff, 'uid range');
  if (s.ipProto != null) {
    const p = typeof s.ipProto === 'string' && /^[a-z][a-z0-9-]*$/.test(s.ipProto) ? IP_PROTOS[s.ipProto] : undefined;
    out.ipProto = p !== undefined ? p : typeof s.ipProto === 'number' ? c.u8('ipProto', s.ipProto, 'IP protocol')
      : c.fail('ipProto', s.ipProto, 'IP protocol', `a number or one of ${Object.keys(IP_PROTOS).join(', ')}`);
  }
  if (s.sportRange != null) out.sportRange = checkRange(c, 'sportRange', s.sportRange, 0xffff, 'port range');
  if (s.dportRange != null) out.dportRange = checkRange(c, 'dportRange', s.dportRange, 0xffff, 'port range');
  if (s.extra != null) out.extra = checkAttrs(c, 'extra', s.extra);
  return c.ok ? (out as ValidRule) : undefined;
}

function checkBoolean(c: Checker, field: string, value: unknown): boolean {
  return typeof value === 'boolean' ? value : (c.fail(field, value, 'flag', 'expected true or false') ?? false);
}

/** One number (a range of one) or { start, end }, inclusive, start <= end <= max. */
function checkRange(c: Checker, field: string, value: unknown, max: number, what: string): PortRange | undefined {
  if (typeof value === 'number') {
    const n = c.int(field, value, 0, max, what);
    return n === undefined ? undefined : { start: n, end: n };
  }
  const r = c.object(field, value, ['start', 'end'], what);
  if (!r) return undefined;
  const start = c.int(`${field}.start`, r.start, 0, max, what);
  const end = c.int(`${field}.end`, r.end, 0, max, what);
  if (start === undefined || end === undefined) return undefined;
  if (start > end) return c.fail(field, value, what, 'start is past end');
  return { start, end };
}

/** Whole netlink attributes in hex (a record's `extra`): each one's length must fit. */
function checkAttrs(c: Checker, field: string, value: unknown): Buffer | undefined {
  if (typeof value !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(value)) return c.fail(field, value, 'attributes', 'expected hex');
  const b = Buffer.from(value, 'hex');
  for (let off = 0; off < b.length;) {
    const len = off + 4 <= b.length ? b.readUInt16LE(off) : 0;
    if (len < 4 || off + len > b.length) return c.fail(field, value, 'attributes', `not whole netlink attributes (at byte ${off})`);
    off += (len + 3) & ~3;
  }
  return b;
}
