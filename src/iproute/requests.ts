/**
 * One entry point from (kind, operation, spec) to a netlink request, for callers that send many
 * changes pipelined (IPRoute.batch, a transaction's executor). Synchronous: it validates and
 * encodes; interface names and namespace names must already be resolved in `ctx` (indexOnly
 * accepts specs that name interfaces by index and namespaces by pid or fd).
 */
import { encodeAddress, encodeLink, encodeNeighbour, encodeRoute, encodeRule, indexOnly, type EncodeContext, type NetlinkRequest } from './encode/index.js';
import { describeAddress, describeLink, describeNeighbour, describeRoute, describeRule } from './labels.js';
import type { RecordKind } from './records.js';
import type { IfUse } from './resolve.js';
import type { AddressOp, AddressSpec, LinkOp, LinkSpec, NeighbourOp, NeighbourSpec, RouteOp, RouteSpec, RuleOp, RuleSpec } from './specs.js';
import { addressUses, linkNamespaces, linkUses, neighbourUses, routeUses } from './uses.js';
import {
  validateAddress, validateLink, validateNeighbour, validateRoute, validateRule, type NetnsTarget,
} from './validate/index.js';

/** A change to make: the same (kind, op, spec) triples IPRoute's methods take. */
export type Change =
  | { kind: 'interface'; op: LinkOp; spec: LinkSpec }
  | { kind: 'address'; op: AddressOp; spec: AddressSpec }
  | { kind: 'route'; op: RouteOp; spec: RouteSpec }
  | { kind: 'rule'; op: RuleOp; spec: RuleSpec }
  | { kind: 'neighbour'; op: NeighbourOp; spec: NeighbourSpec };

/** A validated change: its label, what it refers to, and how to encode it once that is resolved. */
export interface PreparedChange {
  kind: RecordKind;
  /** ip's words for it, for errors: 'route add 10.0.0.0/24 table 100'. */
  operation: string;
  interfaces: IfUse[];
  namespaces: { field: string; target: NetnsTarget }[];
  encode(ctx: EncodeContext): NetlinkRequest;
}

/** Validates a change (ValidationError on bad input) without encoding it yet. */
export function prepareChange(change: Change): PreparedChange {
  switch (change.kind) {
    case 'interface': {
      const v = validateLink(change.op, change.spec);
      return { kind: change.kind, operation: describeLink(v), interfaces: linkUses(v), namespaces: linkNamespaces(v), encode: (ctx) => encodeLink(v, ctx) };
    }
    case 'address': {
      const v = validateAddress(change.op, change.spec);
      return { kind: change.kind, operation: describeAddress(v), interfaces: addressUses(v), namespaces: [], encode: (ctx) => encodeAddress(v, ctx) };
    }
    case 'route': {
      const v = validateRoute(change.op, change.spec);
      return { kind: change.kind, operation: describeRoute(v), interfaces: routeUses(v), namespaces: [], encode: (ctx) => encodeRoute(v, ctx) };
    }
    case 'rule': {
      const v = validateRule(change.op, change.spec);
      return { kind: change.kind, operation: describeRule(v), interfaces: [], namespaces: [], encode: () => encodeRule(v) };
    }
    case 'neighbour': {
      const v = validateNeighbour(change.op, change.spec);
      return { kind: change.kind, operation: describeNeighbour(v), interfaces: neighbourUses(v), namespaces: [], encode: (ctx) => encodeNeighbour(v, ctx) };
    }
    default:
      throw new TypeError(`unknown record kind ${JSON.stringify((change as { kind: unknown }).kind)}`);
  }
}

/** Validates and encodes a change whose interfaces are named by index (and namespaces by pid or fd). */
export function encodeChange(change: Change, ctx: EncodeContext = indexOnly): NetlinkRequest & { operation: string } {
  const p = prepareChange(change);
  return { ...p.encode(ctx), operation: p.operation };
}
