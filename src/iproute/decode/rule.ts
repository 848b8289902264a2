/** Rule messages → RuleRecord. */
import type { RuleMessage } from '../../messages/index.js';
import type { RuleRecord } from '../records.js';
import { enumText, ipFamily } from './common.js';

export function ruleRecord(m: RuleMessage): RuleRecord | null {
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
