/**
 * One call to make sense of any netlink message: the control types (ERROR/ACK, DONE, NOOP,
 * OVERRUN) and every type a registry knows. For the CLI's decoder and for debugging; hot paths
 * call a family's decode directly.
 */
import { nlmsgdone, nlmsgerr } from './control.js';
import { NLM_F, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN, type RawMessage } from './nlmsg.js';
import { Registry } from './registry.js';

export interface DecodedMessage {
  type: number;
  /** 'RTM_NEWROUTE', 'NLMSG_ERROR', 'NLMSG_DONE', ... or the number as text when unknown. */
  typeName: string;
  flags: number;
  /** nlmsg_flags by name; the overloaded high bits are named for the kind of message (GET: ROOT/MATCH, NEW: REPLACE/EXCL/CREATE/APPEND, ...). */
  flagNames: string[];
  seq: number;
  pid: number;
  /** The family that decoded it ('route', 'nlctrl'), absent for control and unknown types. */
  family?: string;
  /** Its operation ('new', 'del', 'get', ...). */
  op?: string;
  /** The decoded payload (an ErrorMessage for NLMSG_ERROR, a DoneMessage for NLMSG_DONE), or the raw payload (a copy) when the type is unknown. */
  decoded: unknown;
}

const LOW: [string, number][] = [['REQUEST', NLM_F.REQUEST], ['MULTI', NLM_F.MULTI], ['ACK', NLM_F.ACK], ['ECHO', NLM_F.ECHO], ['DUMP_INTR', NLM_F.DUMP_INTR], ['DUMP_FILTERED', NLM_F.DUMP_FILTERED]];
const HIGH: Record<string, [string, number][]> = {
  get: [['ROOT', NLM_F.ROOT], ['MATCH', NLM_F.MATCH], ['ATOMIC', NLM_F.ATOMIC]],
  new: [['REPLACE', NLM_F.REPLACE], ['EXCL', NLM_F.EXCL], ['CREATE', NLM_F.CREATE], ['APPEND', NLM_F.APPEND]],
  set: [['REPLACE', NLM_F.REPLACE], ['EXCL', NLM_F.EXCL], ['CREATE', NLM_F.CREATE], ['APPEND', NLM_F.APPEND]],
  del: [['NONREC', NLM_F.NONREC], ['BULK', NLM_F.BULK]],
  ack: [['CAPPED', NLM_F.CAPPED], ['ACK_TLVS', NLM_F.ACK_TLVS]],
};

export function nlmsgFlagNames(flags: number, kind?: string): string[] {
  const out: string[] = [];
  let rest = flags;
  for (const table of [LOW, (kind !== undefined ? HIGH[kind] : undefined) ?? []]) {
    for (const [n, b] of table) if ((rest & b) === b) { out.push(n); rest &= ~b; }
  }
  for (let b = 0; rest !== 0 && b < 16; b++) if (rest & (1 << b)) { out.push(`0x${(1 << b).toString(16)}`); rest &= ~(1 << b); }
  return out;
}

/**
 * Which overloaded meaning nlmsg_flags' high bits have. rtnetlink says it by message type; a
 * generic netlink family has one type for every command, so its command's name decides
 * ('getfamily' is a GET).
 */
function flagKind(op: string, decoded: unknown): string {
  if (HIGH[op]) return op;
  const cmd = (decoded as { cmd?: unknown } | null)?.cmd;
  if (typeof cmd === 'string') {
    for (const k of ['get', 'new', 'del', 'set']) if (cmd.startsWith(k)) return k;
  }
  return op;
}

/** Decodes one message. Throws DecodeError for a malformed payload of a known type. */
export function decodeMessage(raw: RawMessage, registry: Registry = Registry.rtnetlink()): DecodedMessage {
  const base = { type: raw.type, flags: raw.flags, seq: raw.seq, pid: raw.pid };
  switch (raw.type) {
    case NLMSG_ERROR: {
      const decoded = nlmsgerr.decode(raw.payload, raw.flags);
      return { ...base, typeName: 'NLMSG_ERROR', flagNames: nlmsgFlagNames(raw.flags, 'ack'), decoded };
    }
    case NLMSG_DONE:
      return { ...base, typeName: 'NLMSG_DONE', flagNames: nlmsgFlagNames(raw.flags, 'ack'), decoded: nlmsgdone.decode(raw.payload, raw.flags) };
    case NLMSG_NOOP:
      return { ...base, typeName: 'NLMSG_NOOP', flagNames: nlmsgFlagNames(raw.flags), decoded: {} };
    case NLMSG_OVERRUN:
      return { ...base, typeName: 'NLMSG_OVERRUN', flagNames: nlmsgFlagNames(raw.flags), decoded: Buffer.from(raw.payload) };
    default: {
      const e = registry.lookup(raw.type);
      if (!e) return { ...base, typeName: String(raw.type), flagNames: nlmsgFlagNames(raw.flags), decoded: Buffer.from(raw.payload) };
      const decoded = e.family.decode(raw.payload);
      return {
        ...base,
        typeName: e.typeName,
        flagNames: nlmsgFlagNames(raw.flags, flagKind(e.op, decoded)),
        family: e.family.name,
        op: e.op,
        decoded,
      };
    }
  }
}
