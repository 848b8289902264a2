/**
 * IPRoute: the low-level utility API. Typed dumps that return records, and typed changes that
 * take specs, over one rtnetlink socket (the transport).
 *
 * Every change goes the same way: validate the whole spec (ValidationError, nothing sent), look up
 * the interfaces and namespaces it names (NotFoundError, nothing sent), encode, send with an ACK,
 * and answer with the object as the kernel now has it (or null where there is none to show: a
 * delete, a link moved to another namespace). A refusal by the kernel is the transport's
 * KernelError (errno, its name, the kernel's extended-ack text) labelled with the operation,
 * e.g. 'link add v0'.
 */
import { checkNetnsRef, missingNetns } from './open-netns.js';
import {
  rtnl, type AddrMessage, type LinkMessage, type NeighMessage, type RawMessage, type RouteMessage, type RuleMessage,
} from '../messages/index.js';
import { KernelError } from '../transport/errors.js';
import type { NetnsRef } from '../transport/netns.js';
import { NetlinkSocket } from '../transport/socket.js';
import { isDumpRestart, type DumpVisitor, type NetlinkRequest, type NetlinkTransport } from '../transport/transport.js';
import {
  addressRecord, addressRecordMapper, interfaceRecord, interfaceRecordMapper, neighbourRecord, neighbourRecordMapper, routeRecordAt,
  routeRecordMapper, ruleRecord, ruleRecordMapper,
} from './decode/index.js';
import { encodeAddress, encodeLink, encodeNeighbour, encodeRoute, encodeRule } from './encode/index.js';
import {
  validateAddressFilter, validateLinkFilter, validateNeighbourFilter, validateRouteFilter, validateRuleFilter,
  type AddressFilter, type LinkFilter, type NeighbourFilter, type RouteFilter, type RuleFilter,
} from './filters.js';
import { describeAddress, describeLink, describeNeighbour, describeRoute, describeRule } from './labels.js';
import { PROTOCOLS, ROUTE_TYPES } from './names.js';
import { addressDump, linkDump, neighbourDump, neighbourGet, routeDump, ruleDump } from './queries.js';
import type {
  AddressRecord, InterfaceRecord, NeighbourRecord, RecordKind, RouteRecord, RuleRecord,
} from './records.js';
import { encodeContext, fetchLink, OpenedNamespaces, resolveInterfaces, type IfUse } from './resolve.js';
import type {
  AddressOp, AddressSpec, LinkOp, LinkSpec, NeighbourOp, NeighbourSpec, RouteOp, RouteSpec, RuleOp, RuleSpec,
} from './specs.js';
import { prepareChange, type Change, type PreparedChange } from './requests.js';
import { ValidationError, type ValidationIssue } from './errors.js';
import type { NetlinkError } from '../transport/errors.js';
import { addressUses, linkNamespaces, linkUses, neighbourUses, routeUses } from './uses.js';
import {
  validateAddress, validateLink, validateNeighbour, validateRoute, validateRule, type IfTarget, type ValidRoute, type ValidRule,
} from './validate/index.js';

const ENOENT = 2;

export interface IPRouteOptions {
  /** Open the socket inside this namespace (a name under /run/netns, a path, { pid } or { fd }). */
  netns?: NetnsRef;
}

/** The decoded message type of each record kind, for getMessages(). */
export interface MessageByKind {
  interface: LinkMessage;
  address: AddrMessage;
  route: RouteMessage;
  rule: RuleMessage;
  neighbour: NeighMessage;
}

/** One change's outcome in a batch; `operation` names it the way errors do. */
export type BatchOutcome =
  | { ok: true; operation: string; replies: RawMessage[] }
  | { ok: false; operation: string; error: NetlinkError };

const CODEC = { interface: rtnl.link, address: rtnl.addr, route: rtnl.route, rule: rtnl.rule, neighbour: rtnl.neigh } as const;

export class IPRoute {
  /** The socket, for advanced use (pipelined batches, raw requests). IPRoute owns it when it opened it. */
  readonly transport: NetlinkTransport;
  private readonly owned: boolean;

  /** Wraps an existing transport (which the caller keeps and closes). */
  constructor(transport: NetlinkTransport, opts: { own?: boolean } = {}) {
    this.transport = transport;
    this.owned = opts.own ?? false;
  }

  /** Opens an rtnetlink socket (strict checking and extended acks on), in `netns` if given. */
  static async open(opts: IPRouteOptions = {}): Promise<IPRoute> {
    const netns = opts.netns;
    if (netns !== undefined) checkNetnsRef(netns);
    // Dumps are read ahead on the thread pool (socket.ts, dumpReadAhead), 16 datagrams at a time.
    const socket = await NetlinkSocket.openAsync({ ...(netns !== undefined ? { netns } : {}), dumpReadAhead: 16 })
      .catch((err: unknown) => { throw netns === undefined ? err : missingNetns(netns, err); });
    return new IPRoute(socket, { own: true });
  }

  /** Closes the socket if IPRoute opened it. Idempotent. */
  close(): void {
    if (this.owned) this.transport.close();
  }

  // ---- dumps ---------------------------------------------------------------------------------

  async getLinks(filter?: LinkFilter): Promise<InterfaceRecord[]> {
    const f = validateLinkFilter(filter);
    if (f.target) {
      const m = await fetchLink(this.transport, f.target);
      const r = m && interfaceRecord(m);
      return r && (f.kind === undefined || r.kind === f.kind) && (f.master === undefined || await this.sameLink(r.master, f.master)) ? [r] : [];
    }
    const master = f.master && await this.indexOrNull(f.master);
    if (master === null) return [];
    const q = { ...(master !== undefined ? { master } : {}), ...(f.kind !== undefined ? { kind: f.kind } : {}) };
    const toRecord = interfaceRecordMapper();
    return this.collect(linkDump(q), 'link show', (buf, start, end) => {
      const r = toRecord(buf, start, end);
      return r && (master === undefined || r.master === master) && (f.kind === undefined || r.kind === f.kind) ? r : null;
    });
  }

  async getAddresses(filter?: AddressFilter): Promise<AddressRecord[]> {
    const f = validateAddressFilter(filter);
    const index = f.target && await this.indexOrNull(f.target);
    if (index === null) return [];
    const q = { ...(f.family ? { family: f.family } : {}), ...(index !== undefined ? { index } : {}) };
    const toRecord = addressRecordMapper();
    return this.collect(addressDump(q), 'address show', (buf, start, end) => {
      const r = toRecord(buf, start, end);
      return r && (f.family === undefined || r.family === f.family) && (index === undefined || r.index === index) ? r : null;
    });
  }

  /** With no filter: every route of every table, IPv4 and IPv6 (local, main and custom tables alike). */
  async getRoutes(filter?: RouteFilter): Promise<RouteRecord[]> {
    const f = validateRouteFilter(filter);
    const oif = f.oif && await this.indexOrNull(f.oif);
    if (oif === null) return [];
    const { family, table, protocol, type } = f;
    const q = { ...(family ? { family } : {}), ...(table !== undefined ? { table } : {}), ...(oif !== undefined ? { oif } : {}),
      ...(protocol !== undefined ? { protocol } : {}), ...(type !== undefined ? { type } : {}) };
    const protocolName = protocol === undefined ? undefined : PROTOCOLS.name(protocol);
    const typeName = type === undefined ? undefined : ROUTE_TYPES.name(type);
    try {
      const toRecord = routeRecordMapper();
      return await this.collect(routeDump(q), 'route show', (buf, start, end) => {
        const r = toRecord(buf, start, end);
        if (!r) return null;
        if (family !== undefined && r.family !== family) return null;
        if (table !== undefined && r.table !== table) return null;
        if (oif !== undefined && r.oif !== oif && !r.multipath?.some((nh) => nh.oif === oif)) return null;
        if (protocolName !== undefined && r.protocol !== protocolName) return null;
        if (typeName !== undefined && r.type !== typeName) return null;
        return r;
      });
    } catch (err) {
      // A one-family dump of a table that does not exist fails with ENOENT: no routes there.
      if (err instanceof KernelError && err.errno === ENOENT && table !== undefined) return [];
      throw err;
    }
  }

  async getRules(filter?: RuleFilter): Promise<RuleRecord[]> {
    const f = validateRuleFilter(filter);
    const toRecord = ruleRecordMapper();
    return this.collect(ruleDump(f.family ? { family: f.family } : {}), 'rule show', (buf, start, end) => {
      const r = toRecord(buf, start, end);
      return r && (f.family === undefined || r.family === f.family) && (f.table === undefined || r.table === f.table)
        && (f.priority === undefined || r.priority === f.priority) ? r : null;
    });
  }

  async getNeighbours(filter?: NeighbourFilter): Promise<NeighbourRecord[]> {
    const f = validateNeighbourFilter(filter);
    const index = f.target && await this.indexOrNull(f.target);
    if (index === null) return [];
    const q = { ...(f.family ? { family: f.family } : {}), ...(index !== undefined ? { index } : {}) };
    const toRecord = neighbourRecordMapper();
    return this.collect(neighbourDump(q), 'neighbour show', (buf, start, end) => {
      const r = toRecord(buf, start, end);
      return r && (f.family === undefined || r.family === f.family) && (index === undefined || r.index === index) ? r : null;
    });
  }

  /**
   * The decoded messages of a whole dump of one kind, every attribute included (records carry only
   * the common fields). Filtering is the kernel's, with the same filters as the get* methods.
   */
  async getMessages<K extends RecordKind>(kind: K, filter?: { family?: 4 | 6 | 'inet' | 'inet6' }): Promise<MessageByKind[K][]> {
    const family = kind === 'interface' ? undefined : validateAddressFilter(filter?.family !== undefined ? { family: filter.family } : {}).family;
    const q = family ? { family } : {};
    const req = kind === 'interface' ? linkDump({}) : kind === 'address' ? addressDump(q) : kind === 'route' ? routeDump(q)
      : kind === 'rule' ? ruleDump(q) : neighbourDump(q);
    const codec = CODEC[kind];
    // decode() copies what it keeps, so a view of the transport's buffer will do.
    return this.collect(req, `${kind} show`, (buf, start, end) => codec.decode(buf.subarray(start, end)) as MessageByKind[K]);
  }

  // ---- changes -------------------------------------------------------------------------------

  /**
   * add: creates a link ({ ifname, kind, ... }). set: changes one ({ index | ifname, ... }; index
   * and ifname together rename). del: deletes one. Answers with the link as it is now, or null
   * after del and after a move to another namespace.
   */
  async link(op: LinkOp, spec: LinkSpec): Promise<InterfaceRecord | null> {
    const v = validateLink(op, spec);
    const label = describeLink(v);
    const indexes = await resolveInterfaces(this.transport, linkUses(v));
    const ns = new OpenedNamespaces();
    const ctx = encodeContext(indexes, ns);
    try {
      ns.open(linkNamespaces(v));
      await this.send(encodeLink(v, ctx), label);
    } finally {
      ns.close();
    }
    if (op === 'del' || v.netns !== undefined) return null;
    const m = await fetchLink(this.transport, op === 'add' ? { ifname: v.ifname! } : { index: ctx.index(v.target!) });
    return m && interfaceRecord(m);
  }

  async addr(op: AddressOp, spec: AddressSpec): Promise<AddressRecord | null> {
    const v = validateAddress(op, spec);
    const label = describeAddress(v);
    const ctx = encodeContext(await resolveInterfaces(this.transport, addressUses(v)), new OpenedNamespaces());
    const replies = await this.send(encodeAddress(v, ctx), label);
    if (op === 'del') return null;
    const index = ctx.index(v.target);
    const match = (r: AddressRecord | null): boolean => r !== null && r.index === index && r.address === v.address.text && r.prefixlen === v.prefixlen;
    // IPv4 echoes the new address (NLM_F_ECHO); IPv6 does not, so it is looked up.
    for (const m of replies) {
      if (m.type !== rtnl.addr.types.new) continue;
      const r = addressRecord(rtnl.addr.decode(m.payload));
      if (match(r)) return r;
    }
    return (await this.getAddresses({ family: v.family, index })).find(match) ?? null;
  }

  async route(op: RouteOp, spec: RouteSpec): Promise<RouteRecord | null> {
    const v = validateRoute(op, spec);
    const label = describeRoute(v);
    const ctx = encodeContext(await resolveInterfaces(this.transport, routeUses(v)), new OpenedNamespaces());
    const replies = await this.send(encodeRoute(v, ctx), label);
    if (op === 'del') return null;
    const table = v.table ?? 254;
    const echoed = replies.filter((m) => m.type === rtnl.route.types.new).map((m) => routeRecordAt(m.payload));
    const hit = echoed.reverse().find((r) => r !== null && r.dst === v.dst.text && r.table === table);
    if (hit) return hit;
    const oif = v.oif && ctx.index(v.oif);
    return (await this.getRoutes({ family: v.family, table })).find((r) => routeMatches(r, v, oif)) ?? null;
  }

  async rule(op: RuleOp, spec: RuleSpec): Promise<RuleRecord | null> {
    const v = validateRule(op, spec);
    const replies = await this.send(encodeRule(v), describeRule(v));
    if (op === 'del') return null;
    for (const m of replies) {
      if (m.type !== rtnl.rule.types.new) continue;
      const r = ruleRecord(rtnl.rule.decode(m.payload));
      if (r && ruleMatches(r, v)) return r;
    }
    return (await this.getRules({ family: v.family })).find((r) => ruleMatches(r, v)) ?? null;
  }

  async neigh(op: NeighbourOp, spec: NeighbourSpec): Promise<NeighbourRecord | null> {
    const v = validateNeighbour(op, spec);
    const label = describeNeighbour(v);
    const ctx = encodeContext(await resolveInterfaces(this.transport, neighbourUses(v)), new OpenedNamespaces());
    await this.send(encodeNeighbour(v, ctx), label);
    if (op === 'del') return null;
    const replies = await this.transport.request(neighbourGet(v.family, ctx.index(v.target), v.dst.text), { operation: `neigh get ${v.dst.text}` });
    const reply = replies.find((m) => m.type === rtnl.neigh.types.new);
    return reply ? neighbourRecord(rtnl.neigh.decode(reply.payload)) : null;
  }

  /**
   * Many changes, pipelined (the transport's requestBatch: as many per send() as fit). Every spec
   * is validated and every interface looked up first, so a bad one stops the batch before anything
   * is sent (the ValidationError's fields are prefixed with the change's position: '[2].dst').
   * Then each change succeeds or fails on its own, as the kernel handles them one after another.
   */
  async batch(changes: readonly Change[]): Promise<BatchOutcome[]> {
    const issues: ValidationIssue[] = [];
    const prepared: PreparedChange[] = [];
    changes.forEach((change, i) => {
      try {
        prepared.push(prepareChange(change));
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        issues.push(...err.errors.map((e) => ({ ...e, field: `[${i}].${e.field}` })));
      }
    });
    if (issues.length > 0) throw new ValidationError(issues);
    const uses = prepared.flatMap((p, i) => p.interfaces.map((u) => ({ ...u, field: `[${i}].${u.field}` })));
    const ns = new OpenedNamespaces();
    try {
      ns.open(prepared.flatMap((p, i) => p.namespaces.map((n) => ({ ...n, field: `[${i}].${n.field}` }))));
      const ctx = encodeContext(await resolveInterfaces(this.transport, uses), ns);
      const requests = prepared.map((p) => p.encode(ctx));
      const results = await this.transport.requestBatch(requests, { operation: 'batch' });
      return results.map((r, i) => {
        if (r.ok) return { ok: true, operation: prepared[i]!.operation, replies: r.replies };
        if (r.error instanceof KernelError) r.error.operation = prepared[i]!.operation;
        return { ok: false, operation: prepared[i]!.operation, error: r.error };
      });
    } finally {
      ns.close();
    }
  }

  // ---- plumbing ------------------------------------------------------------------------------

  /** Sends one change; the kernel's refusal keeps its errno and text, labelled with the operation. */
  private async send(req: NetlinkRequest, operation: string): Promise<RawMessage[]> {
    try {
      return await this.transport.request(req, { operation });
    } catch (err) {
      if (err instanceof KernelError && err.operation === undefined) err.operation = operation;
      throw err;
    }
  }

  /**
   * Runs a dump to the end and maps each message (its payload, buf[start, end)), keeping what
   * `map` does not reject. A dump the kernel marks interrupted starts again (the transport's
   * restart marker): what came before goes. Messages are mapped in place, as they are read
   * (dumpEach: no copies, no intermediate message objects), where the transport can.
   */
  private async collect<T>(req: NetlinkRequest, operation: string, map: (buf: Buffer, start: number, end: number) => T | null): Promise<T[]> {
    let out: T[] = [];
    const visitor: DumpVisitor = {
      message(buf, start, end, type) {
        if (type < 16) return;
        const r = map(buf, start, end);
        if (r !== null) out.push(r);
      },
      restart() {
        out = [];
      },
    };
    if (this.transport.dumpEach) {
      await this.transport.dumpEach(req, visitor, { operation });
      return out;
    }
    for await (const item of this.transport.dump(req, { operation })) {
      if (isDumpRestart(item)) visitor.restart(item);
      else for (const raw of item) visitor.message(raw.payload, 0, raw.payload.length, raw.type, raw.flags);
    }
    return out;
  }

  /** A filter's interface as an index; null when it does not exist (the filter then matches nothing). */
  private async indexOrNull(t: IfTarget): Promise<number | null> {
    if ('index' in t) return t.index;
    const m = await fetchLink(this.transport, t);
    return m ? m.index : null;
  }

  private async sameLink(index: number | null, t: IfTarget): Promise<boolean> {
    return index !== null && index === await this.indexOrNull(t);
  }
}

function routeMatches(r: RouteRecord, v: ValidRoute, oif: number | undefined): boolean {
  if (r.dst !== v.dst.text) return false;
  if (r.src !== (v.src?.text ?? null)) return false;
  if (v.priority !== undefined && r.priority !== v.priority && !(v.family === 4 && v.priority === 0 && r.priority === null)) return false;
  if (v.gateway && r.gateway !== v.gateway.text) return false;
  if (oif !== undefined && r.oif !== oif) return false;
  return true;
}

function ruleMatches(r: RuleRecord, v: ValidRule): boolean {
  if (v.priority !== undefined && r.priority !== v.priority) return false;
  if ((r.src ?? 'default') !== (v.src?.text ?? 'default') && !(r.src === null && v.src?.prefixlen === 0)) return false;
  if ((r.dst ?? 'default') !== (v.dst?.text ?? 'default') && !(r.dst === null && v.dst?.prefixlen === 0)) return false;
  if (v.table !== undefined && r.table !== v.table) return false;
  return true;
}

export type { IfUse };
