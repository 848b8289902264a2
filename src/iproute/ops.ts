/**
 * Which message type and which NLM_F_* flags each operation sends: one table, read by the encoders.
 *
 * - add     = NEW + CREATE|EXCL     (fails with EEXIST if the object is there)
 * - replace = NEW + CREATE|REPLACE  (creates, or replaces the object with the same identity)
 * - append  = NEW + CREATE|APPEND   (routes: adds another route with the same key)
 * - set     = RTM_NEWLINK without CREATE: changes an existing link (ENODEV if there is none).
 *             RTM_SETLINK would do for plain attributes but ignores IFLA_LINKINFO, so kind
 *             options could not be changed through it.
 * - del     = DEL
 * Every request asks for an ACK (the transport adds it), so success is confirmed and a refusal
 * carries the kernel's errno.
 */
import { NLM_F, rtnl } from '../messages/index.js';
import type { RecordKind } from './records.js';

export type Op = 'add' | 'replace' | 'append' | 'set' | 'del';

/** rtnetlink message types (RTM_NEW*, RTM_DEL*, RTM_GET*) by record kind. */
export const RTM = {
  interface: rtnl.link.types,
  address: rtnl.addr.types,
  route: rtnl.route.types,
  neighbour: rtnl.neigh.types,
  rule: rtnl.rule.types,
} as const satisfies Record<RecordKind, { new: number; del: number; get: number }>;

// NLM_F_REQUEST and NLM_F_ACK are the transport's to add: every request gets them.
const OP_FLAGS: Record<Op, number> = {
  add: NLM_F.CREATE | NLM_F.EXCL,
  replace: NLM_F.CREATE | NLM_F.REPLACE,
  append: NLM_F.CREATE | NLM_F.APPEND,
  set: 0,
  del: 0,
};

export interface RequestHead {
  type: number;
  flags: number;
}

/**
 * The header of a change request. `echo` asks the kernel to send the resulting object back to us
 * (NLM_F_ECHO) where it does so: routes, IPv4 addresses, rules, link creation.
 */
export function requestHead(kind: RecordKind, op: Op, echo = false): RequestHead {
  const types = RTM[kind];
  const type = op === 'del' ? types.del : types.new;
  return { type, flags: OP_FLAGS[op] | (echo ? NLM_F.ECHO : 0) };
}
