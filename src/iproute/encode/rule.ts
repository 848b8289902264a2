/** Rule specs → RTM_NEWRULE / RTM_DELRULE requests. */
import { rtnl, type RuleMessageInput } from '../../messages/index.js';
import { RT_TABLE_MAIN } from '../names.js';
import { requestHead } from '../ops.js';
import type { ValidRule } from '../validate/index.js';
import { afOf, type NetlinkRequest } from './common.js';

const FR_ACT_TO_TBL = 1;
const FIB_RULE_INVERT = 0x2;

export function encodeRule(v: ValidRule): NetlinkRequest {
  const del = v.op === 'del';
  const head = requestHead('rule', v.op, !del);
  // An add is a lookup in main unless it says otherwise (ip's defaults); a delete matches on
  // what it is given only (the kernel treats an absent or zero field as a wildcard).
  const action = v.action ?? (del ? 0 : FR_ACT_TO_TBL);
  // (An l3mdev rule looks up the VRF's table and takes none.)
  const table = v.table ?? (!del && action === FR_ACT_TO_TBL && !v.l3mdev ? RT_TABLE_MAIN : undefined);
  const attrs: RuleMessageInput['attrs'] = {};
  if (v.priority !== undefined) attrs.priority = v.priority;
  if (table !== undefined) attrs.table = table;
  if (v.src && v.src.prefixlen > 0) attrs.src = v.src.text.slice(0, v.src.text.indexOf('/'));
  if (v.dst && v.dst.prefixlen > 0) attrs.dst = v.dst.text.slice(0, v.dst.text.indexOf('/'));
  if (v.iifname !== undefined) attrs.iifname = v.iifname;
  if (v.oifname !== undefined) attrs.oifname = v.oifname;
  if (v.fwmark !== undefined) attrs.fwmark = v.fwmark;
  if (v.fwmask !== undefined) attrs.fwmask = v.fwmask;
  if (v.goto !== undefined) attrs.goto = v.goto;
  if (v.protocol !== undefined) attrs.protocol = v.protocol;
  if (v.suppressPrefixlen !== undefined) attrs.suppressPrefixlen = v.suppressPrefixlen;
  if (v.suppressIfgroup !== undefined) attrs.suppressIfgroup = v.suppressIfgroup;
  if (v.l3mdev) attrs.l3mdev = 1;
  if (v.uidRange !== undefined) attrs.uidRange = v.uidRange;
  if (v.ipProto !== undefined) attrs.ipProto = v.ipProto;
  if (v.sportRange !== undefined) attrs.sportRange = v.sportRange;
  if (v.dportRange !== undefined) attrs.dportRange = v.dportRange;
  const msg: RuleMessageInput = {
    family: afOf(v.family),
    dstLen: v.dst?.prefixlen ?? 0,
    srcLen: v.src?.prefixlen ?? 0,
    tos: v.tos ?? 0,
    table: table !== undefined && table < 256 ? table : 0,
    action,
    flags: v.invert ? FIB_RULE_INVERT : 0,
    attrs,
  };
  const payload = rtnl.rule.encode(msg);
  // A record's other attributes, whole, after the ones the codec wrote (rules are read in any order).
  return { ...head, payload: v.extra !== undefined && v.extra.length > 0 ? Buffer.concat([payload, v.extra]) : payload };
}
