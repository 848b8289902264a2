/**
 * nldb's low-level utility API: IPRoute (typed dumps returning records, typed changes taking
 * specs), the record and spec shapes, validation, and the message ↔ record mapping that the
 * database uses for dumps and notifications alike.
 */
export { IPRoute, type IPRouteOptions, type BatchOutcome, type MessageByKind } from './iproute.js';
export type { AddressFilter, LinkFilter, NeighbourFilter, RouteFilter, RuleFilter } from './filters.js';
export * from './records.js';
export type * from './specs.js';
export { ValidationError, NotFoundError, type ValidationIssue } from './errors.js';
export {
  toRecordEvent, interfaceRecord, addressRecord, routeRecord, ruleRecord, neighbourRecord,
  interfaceRecordAt, addressRecordAt, routeRecordAt, ruleRecordAt, neighbourRecordAt,
  interfaceRecordMapper, addressRecordMapper, routeRecordMapper, ruleRecordMapper, neighbourRecordMapper,
  INTERFACE_RECORD_ATTRS, ADDRESS_RECORD_ATTRS, ROUTE_RECORD_ATTRS, RULE_RECORD_ATTRS, NEIGHBOUR_RECORD_ATTRS,
  type InterfaceRecordSource, type AddressRecordSource, type RouteRecordSource, type RuleRecordSource, type NeighbourRecordSource,
} from './decode/index.js';
export { prepareChange, encodeChange, type Change, type PreparedChange } from './requests.js';
export { indexOnly, type EncodeContext } from './encode/index.js';
export { requestHead, RTM, type Op } from './ops.js';
export {
  validateLink, validateAddress, validateRoute, validateRule, validateNeighbour, LINK_KINDS,
  type ValidLink, type ValidAddress, type ValidRoute, type ValidRule, type ValidNeighbour,
} from './validate/index.js';
