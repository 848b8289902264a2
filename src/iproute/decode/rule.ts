/** Rule messages → RuleRecord. */
import { rtnl, type Projected, type RuleMessage } from '../../messages/index.js';
import type { RuleRecord } from '../records.js';
import { enumText, ipFamily } from './common.js';
import { ruleReader } from './readers.generated.js';

/** The attributes a RuleRecord is made of (see ROUTE_RECORD_ATTRS in route.ts). */
export const RULE_RECORD_ATTRS = ['priority', 'table', 'src', 'dst', 'goto', 'iifname', 'oifname', 'fwmark', 'fwmask', 'protocol'] as const;

export type RuleRecordSource = Projected<RuleMessage, (typeof RULE_RECORD_ATTRS)[number]>;

const projection = rtnl.rule.project(RULE_RECORD_ATTRS);

/** The record of the rule message whose payload is buf[start, end). */
export function ruleRecordAt(buf: Buffer, start = 0, end = buf.length): RuleRecord | null {
  return ruleRecord(projection.decode(buf, start, end));
}

/**
 * ruleRecordAt for every message of a dump, one after the other, through the reader generated for
 * this projection (readers.generated.ts: one object literal per message instead of the generic
 * decoder's keyed stores). Records keep values, never the reader's objects.
 */
export function ruleRecordMapper(): (buf: Buffer, start: number, end: number) => RuleRecord | null {
  const read = ruleReader(projection.runtime()) as (buf: Buffer, start: number, end: number) => RuleRecordSource;
  return (buf, start, end) => ruleRecord(read(buf, start, end));
}

export function ruleRecord(m: RuleRecordSource): RuleRecord | null {
  const family = ipFamily(m.family);
  if (family === 0) return null;
  const a = m.attrs;
  return {
    family,
    priority: a.priority ?? 0,
    table: a.table ?? m.table,
    src: a.src === undefined || m.srcLen === 0 ? null : `${a.src}/${m.srcLen}`,
    dst: a.dst === undefined || m.dstLen === 0 ? null : `${a.dst}/${m.dstLen}`,
    action: enumText(m.action),
    goto: a.goto ?? null,
    iifname: a.iifname ?? null,
    oifname: a.oifname ?? null,
    fwmark: a.fwmark ?? null,
    fwmask: a.fwmask ?? null,
    tos: m.tos,
    protocol: a.protocol === undefined ? null : enumText(a.protocol),
  };
}
