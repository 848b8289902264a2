/**
 * What the get* methods accept, and their validation: the same checks and the same
 * ValidationError as specs, so a mistyped filter fails loudly instead of matching nothing.
 */
import type { FamilySpec, IfRef } from './specs.js';
import type { Family } from './records.js';
import { PROTOCOLS, ROUTE_TYPES } from './names.js';
import { Checker } from './validate/check.js';
import { checkFamily, checkIfRef, checkIfname, checkIndex, checkTable, type IfTarget } from './validate/values.js';

export interface LinkFilter {
  index?: number;
  ifname?: string;
  /** Links of this kind ('veth', 'bridge', ...). */
  kind?: string;
  /** Ports of this master (index or name). */
  master?: IfRef;
}

export interface AddressFilter {
  family?: FamilySpec;
  index?: number;
  ifname?: string;
}

export interface RouteFilter {
  family?: FamilySpec;
  /** A table id or name; every table when absent. */
  table?: number | string;
  oif?: IfRef;
  protocol?: string | number;
  type?: string | number;
}

export interface RuleFilter {
  family?: FamilySpec;
  table?: number | string;
  priority?: number;
}

export interface NeighbourFilter {
  family?: FamilySpec;
  index?: number;
  ifname?: string;
}

export interface ValidLinkFilter { target?: IfTarget; kind?: string; master?: IfTarget }
export interface ValidAddressFilter { family?: Family; target?: IfTarget }
export interface ValidRouteFilter { family?: Family; table?: number; oif?: IfTarget; protocol?: number; type?: number }
export interface ValidRuleFilter { family?: Family; table?: number; priority?: number }
export interface ValidNeighbourFilter { family?: Family; target?: IfTarget }

function start(c: Checker, filter: unknown, keys: readonly string[]): Record<string, unknown> {
  if (filter === undefined) return {};
  return c.object('', filter, keys, 'filter') ?? {};
}

/** index or ifname, at most one (a filter may also give neither). */
function optionalTarget(c: Checker, f: Record<string, unknown>): IfTarget | undefined {
  if (f.index !== undefined && f.ifname !== undefined) return c.fail('ifname', f.ifname, 'interface', 'give index or ifname, not both');
  if (f.index !== undefined) {
    const index = checkIndex(c, 'index', f.index);
    return index === undefined ? undefined : { index };
  }
  if (f.ifname !== undefined) {
    const ifname = checkIfname(c, 'ifname', f.ifname);
    return ifname === undefined ? undefined : { ifname };
  }
  return undefined;
}

export function validateLinkFilter(filter?: LinkFilter): ValidLinkFilter {
  const c = new Checker();
  const f = start(c, filter, ['index', 'ifname', 'kind', 'master']);
  const out: ValidLinkFilter = {};
  const target = optionalTarget(c, f);
  if (target) out.target = target;
  if (f.kind !== undefined) out.kind = c.string('kind', f.kind, 'link kind');
  if (f.master !== undefined) out.master = checkIfRef(c, 'master', f.master);
  c.done();
  return out;
}

export function validateAddressFilter(filter?: AddressFilter): ValidAddressFilter {
  const c = new Checker();
  const f = start(c, filter, ['family', 'index', 'ifname']);
  const out: ValidAddressFilter = {};
  if (f.family !== undefined) out.family = checkFamily(c, 'family', f.family);
  const target = optionalTarget(c, f);
  if (target) out.target = target;
  c.done();
  return out;
}

export function validateRouteFilter(filter?: RouteFilter): ValidRouteFilter {
  const c = new Checker();
  const f = start(c, filter, ['family', 'table', 'oif', 'protocol', 'type']);
  const out: ValidRouteFilter = {};
  if (f.family !== undefined) out.family = checkFamily(c, 'family', f.family);
  if (f.table !== undefined) out.table = checkTable(c, 'table', f.table);
  if (f.oif !== undefined) out.oif = checkIfRef(c, 'oif', f.oif);
  if (f.protocol !== undefined) out.protocol = c.enumValue('protocol', f.protocol, PROTOCOLS, 255, 'protocol');
  if (f.type !== undefined) out.type = c.enumValue('type', f.type, ROUTE_TYPES, 255, 'route type');
  c.done();
  return out;
}

export function validateRuleFilter(filter?: RuleFilter): ValidRuleFilter {
  const c = new Checker();
  const f = start(c, filter, ['family', 'table', 'priority']);
  const out: ValidRuleFilter = {};
  if (f.family !== undefined) out.family = checkFamily(c, 'family', f.family);
  if (f.table !== undefined) out.table = checkTable(c, 'table', f.table);
  if (f.priority !== undefined) out.priority = c.u32('priority', f.priority, 'priority');
  c.done();
  return out;
}

export function validateNeighbourFilter(filter?: NeighbourFilter): ValidNeighbourFilter {
  const c = new Checker();
  const f = start(c, filter, ['family', 'index', 'ifname']);
  const out: ValidNeighbourFilter = {};
  if (f.family !== undefined) out.family = checkFamily(c, 'family', f.family);
  const target = optionalTarget(c, f);
  if (target) out.target = target;
  c.done();
  return out;
}
