/** Decoded rtnetlink messages → records (records.ts). */
export { interfaceRecord, interfaceRecordAt, interfaceRecordMapper, INTERFACE_RECORD_ATTRS, type InterfaceRecordSource } from './link.js';
export { addressRecord, addressRecordAt, addressRecordMapper, ADDRESS_RECORD_ATTRS, type AddressRecordSource } from './address.js';
export { routeRecord, routeRecordAt, routeRecordMapper, ROUTE_RECORD_ATTRS, type RouteRecordSource } from './route.js';
export { ruleRecord, ruleRecordAt, ruleRecordMapper, RULE_RECORD_ATTRS, type RuleRecordSource } from './rule.js';
export { neighbourRecord, neighbourRecordAt, neighbourRecordMapper, NEIGHBOUR_RECORD_ATTRS, type NeighbourRecordSource } from './neighbour.js';
export { toRecordEvent } from './event.js';
