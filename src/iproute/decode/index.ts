/** Decoded rtnetlink messages → records (records.ts). */
export { interfaceRecord } from './link.js';
export { addressRecord } from './address.js';
export { routeRecord } from './route.js';
export { ruleRecord } from './rule.js';
export { neighbourRecord } from './neighbour.js';
export { toRecordEvent } from './event.js';
