/**
 * Address specs: validation and normalisation for `addr('add' | 'del' | 'replace', spec)`.
 */
import type { Family } from '../records.js';
import type { AddressOp, AddressSpec } from '../specs.js';
import { SCOPES } from '../names.js';
import { Checker } from './check.js';
import type { ParsedIp } from './ip.js';
import { checkIp, checkLabel, checkPrefix, checkTarget, type IfTarget } from './values.js';

export interface ValidAddress {
  op: AddressOp;
  target: IfTarget;
  family: Family;
  /** The local address (IFA_LOCAL). */
  address: ParsedIp;
  prefixlen: number;
  /** Point-to-point peer (IFA_ADDRESS); when absent IFA_ADDRESS repeats the local address. */
  peer?: ParsedIp;
  broadcast?: ParsedIp;
  label?: string;
  scope?: number;
  flags?: number;
  /** IFA_RT_PRIORITY, when not 0. */
  metric?: number;
}

const FIELDS = ['index', 'ifname', 'address', 'prefixlen', 'peer', 'broadcast', 'label', 'scope', 'flags', 'metric'] as const;

export function validateAddress(op: AddressOp, spec: AddressSpec): ValidAddress {
  const c = new Checker();
  const out = checkAddress(c, op, spec);
  c.done();
  return out!;
}

function checkAddress(c: Checker, op: AddressOp, spec: unknown): ValidAddress | undefined {
  if (op !== 'add' && op !== 'del' && op !== 'replace') return c.fail('op', op, 'operation', "expected 'add', 'del' or 'replace'");
  const s = c.object('', spec, FIELDS, 'address spec');
  if (!s) return undefined;
  const target = checkTarget(c, s);
  let prefix;
  if (s.address === undefined) c.fail('address', undefined, 'address', 'missing');
  else prefix = checkPrefix(c, 'address', s.address, { prefixlen: s.prefixlen });
  const family = prefix?.family;
  const out: Partial<ValidAddress> = { op, target };
  if (prefix) {
    out.family = prefix.family;
    out.address = { family: prefix.family, bytes: prefix.bytes, text: prefix.text.slice(0, prefix.text.indexOf('/')) };
    out.prefixlen = prefix.prefixlen;
  }
  if (s.peer !== undefined) out.peer = checkIp(c, 'peer', s.peer, family);
  if (s.broadcast !== undefined) {
    if (family === 6) c.fail('broadcast', s.broadcast, 'address', 'IPv6 has no broadcast addresses');
    else out.broadcast = checkIp(c, 'broadcast', s.broadcast, 4);
  }
  if (s.label !== undefined) {
    // IFA_LABEL exists for IPv4 only; the IPv6 code does not read it.
    if (family === 6) c.fail('label', s.label, 'label', 'IPv6 addresses have no labels');
    else out.label = checkLabel(c, 'label', s.label);
  }
  if (s.scope !== undefined) out.scope = c.enumValue('scope', s.scope, SCOPES, 255, 'scope');
  if (s.flags !== undefined) out.flags = c.u32('flags', s.flags, 'address flags');
  if (s.metric != null) {
    const m = c.u32('metric', s.metric, 'metric');
    if (m) out.metric = m;
  }
  return c.ok ? (out as ValidAddress) : undefined;
}
