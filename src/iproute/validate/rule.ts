/**
 * Policy-routing rule specs: validation and normalisation for `rule('add' | 'del', spec)`.
 */
import type { Family } from '../records.js';
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
}

const FIELDS = ['family', 'priority', 'table', 'src', 'dst', 'action', 'goto', 'iifname', 'oifname', 'fwmark', 'fwmask', 'tos', 'protocol'] as const;
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
  const out: Partial<ValidRule> = { op, family };
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
  return c.ok ? (out as ValidRule) : undefined;
}
