/**
 * nlctrl, the generic netlink controller (GENL_ID_CTRL): resolves a family name to its id,
 * version, operations and multicast groups (CTRL_CMD_GETFAMILY). linux/genetlink.h.
 */
import { defineEnum, defineFlags } from '../core/enums.js';
import { defineFamily, defineSchema, type MessageFamily } from '../core/message.js';
import { attrSet, type MessageOf } from '../core/spec.js';
import { defineGenlFamily, GENL_ID_CTRL, genlHeader } from './genl.js';

export const CTRL_CMD = defineEnum('CTRL_CMD', {
  unspec: 0, newfamily: 1, delfamily: 2, getfamily: 3, newops: 4, delops: 5, getops: 6,
  newmcast_grp: 7, delmcast_grp: 8, getmcast_grp: 9, getpolicy: 10,
});

/** CTRL_ATTR_OP_FLAGS bits. */
export const GENL_OP = defineFlags('GENL', {
  ADMIN_PERM: 0x01, CMD_CAP_DO: 0x02, CMD_CAP_DUMP: 0x04, CMD_CAP_HASPOL: 0x08, UNS_ADMIN_PERM: 0x10,
});

export const nlctrlSchema = defineSchema({
  'ctrl-attrs': attrSet('CTRL_ATTR', [
    { type: 1, kernel: 'CTRL_ATTR_FAMILY_ID', name: 'familyId', codec: 'u16' },
    { type: 2, kernel: 'CTRL_ATTR_FAMILY_NAME', name: 'familyName', codec: 'string' },
    { type: 3, kernel: 'CTRL_ATTR_VERSION', name: 'version', codec: 'u32' },
    { type: 4, kernel: 'CTRL_ATTR_HDRSIZE', name: 'hdrsize', codec: 'u32' },
    { type: 5, kernel: 'CTRL_ATTR_MAXATTR', name: 'maxattr', codec: 'u32' },
    // Elements numbered from 1 (ctrl_fill_info).
    { type: 6, kernel: 'CTRL_ATTR_OPS', name: 'ops', codec: 'nested-array', base: 1, item: { codec: 'nested', set: 'op-attrs' } },
    { type: 7, kernel: 'CTRL_ATTR_MCAST_GROUPS', name: 'mcastGroups', codec: 'nested-array', base: 1, item: { codec: 'nested', set: 'mcast-group-attrs' } },
    { type: 8, kernel: 'CTRL_ATTR_POLICY', name: 'policy', codec: 'binary' },
    { type: 9, kernel: 'CTRL_ATTR_OP_POLICY', name: 'opPolicy', codec: 'binary' },
    { type: 10, kernel: 'CTRL_ATTR_OP', name: 'op', codec: 'u32' },
  ]),
  'op-attrs': attrSet('CTRL_ATTR_OP', [
    { type: 1, kernel: 'CTRL_ATTR_OP_ID', name: 'id', codec: 'u32' },
    { type: 2, kernel: 'CTRL_ATTR_OP_FLAGS', name: 'flags', codec: 'u32' },
  ]),
  'mcast-group-attrs': attrSet('CTRL_ATTR_MCAST_GRP', [
    { type: 1, kernel: 'CTRL_ATTR_MCAST_GRP_NAME', name: 'name', codec: 'string' },
    { type: 2, kernel: 'CTRL_ATTR_MCAST_GRP_ID', name: 'id', codec: 'u32' },
  ]),
});

const ctrlHeader = genlHeader(CTRL_CMD);
export type CtrlMessage = MessageOf<typeof nlctrlSchema.def, typeof ctrlHeader, 'ctrl-attrs'>;
export type CtrlMessageInput = MessageOf<typeof nlctrlSchema.def, typeof ctrlHeader, 'ctrl-attrs', 'in'>;

/** What CTRL_CMD_GETFAMILY says about a family. */
export interface GenlFamilyInfo {
  id: number;
  name: string;
  version: number;
  hdrsize: number;
  maxattr: number;
  ops: { id: number; flags: number }[];
  /** Multicast group name -> group id (for NETLINK_ADD_MEMBERSHIP). */
  mcastGroups: Record<string, number>;
}

const codec = defineGenlFamily(nlctrlSchema, CTRL_CMD, 'ctrl-attrs');
const family = defineFamily('nlctrl', codec, { ctrl: GENL_ID_CTRL }, { [GENL_ID_CTRL]: 'GENL_ID_CTRL' });

export const nlctrl: MessageFamily<CtrlMessage, CtrlMessageInput> & {
  /** The payload of a CTRL_CMD_GETFAMILY request for one family, by name (send with type GENL_ID_CTRL, NLM_F_REQUEST). */
  getFamilyRequest(name: string): Buffer;
  /** The payload of a CTRL_CMD_GETFAMILY dump request (NLM_F_REQUEST | NLM_F_DUMP): every family. */
  getFamilyDumpRequest(): Buffer;
  /** The facts of a CTRL_CMD_NEWFAMILY answer. */
  familyInfo(msg: CtrlMessage): GenlFamilyInfo;
} = Object.freeze({
  ...family,
  getFamilyRequest(name: string): Buffer {
    return codec.encode({ cmd: 'getfamily', version: 1, attrs: { familyName: name } });
  },
  getFamilyDumpRequest(): Buffer {
    return codec.encode({ cmd: 'getfamily', version: 1, attrs: {} });
  },
  familyInfo(msg: CtrlMessage): GenlFamilyInfo {
    const a = msg.attrs;
    const groups: Record<string, number> = {};
    for (const g of a.mcastGroups ?? []) if (g.name !== undefined && g.id !== undefined) groups[g.name] = g.id;
    return {
      id: a.familyId ?? 0,
      name: a.familyName ?? '',
      version: a.version ?? 0,
      hdrsize: a.hdrsize ?? 0,
      maxattr: a.maxattr ?? 0,
      ops: (a.ops ?? []).map((o) => ({ id: o.id ?? 0, flags: o.flags ?? 0 })),
      mcastGroups: groups,
    };
  },
});
