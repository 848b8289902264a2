/**
 * nldb/messages: netlink codecs, pure (bytes in, typed objects out, and back).
 * See README.md in this folder for the shapes and the lossless representation.
 */
export * from './nlmsg.js';
export { DecodeError, EncodeError } from './errors.js';

// The framework: tables, derived types, codecs.
export { defineEnum, defineFlags, type EnumDef, type EnumValue, type FlagsDef } from './core/enums.js';
export {
  attrSet, struct,
  type AttrSetDef, type AttrSpec, type AttrsOf, type CodecSpec, type FieldSpec, type FieldType, type MessageOf,
  type Mode, type RawAttr, type Schema, type SelectCases, type StructDef, type StructValue, type ValueOf, type Via,
} from './core/spec.js';
export {
  defineSchema, defineMessage, defineFamily,
  type AttrName, type MessageCodec, type MessageCodecOf, type MessageFamily, type MessageProjection, type Projected, type SchemaHandle,
} from './core/message.js';
export type { ProjectionRuntime } from './core/project.js';
export { WIRE, getWire, type WireMeta } from './core/wire.js';
export { formatIp, formatMac, parseIp, parseMac } from './core/addr.js';

// rtnetlink
export { rtnl, rtnlSchema } from './rtnl/schema.js';
export type {
  AddrMessage, AddrMessageInput, LinkAttrs, LinkInfo, LinkInfoDataByKind, LinkInfoSlaveDataByKind, LinkMessage,
  LinkMessageInput, NeighMessage, NeighMessageInput, NextHopEntry, RouteAttrs, RouteMessage, RouteMessageInput,
  RouteMetrics, RuleMessage, RuleMessageInput,
} from './rtnl/schema.js';
export * from './rtnl/constants.js';
export * from './rtnl/enums.js';
export { ifinfomsg, rtnl_link_stats64 } from './rtnl/link-structs.js';
export { ifaddrmsg, ifa_cacheinfo } from './rtnl/addr.js';
export { rtmsg, rtnexthop, rta_cacheinfo } from './rtnl/route.js';
export { fib_rule_hdr } from './rtnl/rule.js';
export { ndmsg, nda_cacheinfo } from './rtnl/neigh.js';

// generic netlink
export { genl, genlmsghdr, genlHeader, defineGenlFamily, GENL_ID_CTRL, GENL_HDRLEN } from './genl/genl.js';
export { nlctrl, nlctrlSchema, CTRL_CMD, GENL_OP, type CtrlMessage, type CtrlMessageInput, type GenlFamilyInfo } from './genl/nlctrl.js';

// control messages, dispatch
export { nlmsgerr, nlmsgdone, type ErrorMessage, type DoneMessage, type ExtAckAttrs } from './control.js';
export { Registry, type RegistryEntry } from './registry.js';
export { decodeMessage, nlmsgFlagNames, type DecodedMessage } from './decode-message.js';
