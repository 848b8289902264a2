/**
 * Streaming dumps for the database: one kind, narrowed by the load hint where the kernel can
 * filter, decoded into record events and handed over in chunks of a few thousand records.
 *
 * Why chunks of thousands and not one chunk per datagram: in a resync the database folds each
 * chunk into one update, and a chunk of routes touches most of the table's shards; a 32 KiB
 * datagram holds about 250 routes, so per-datagram chunks would copy every shard 400 times for
 * 100,000 routes. (On open, into empty tables, chunks only bound how much waits in memory.)
 *
 * Interrupted dumps (NLM_F_DUMP_INTR: the table changed while being read) start again from the
 * beginning, and records of the abandoned attempt have already been handed over. That is fine for
 * mark, dump, sweep: the final attempt is consistent, so everything that exists is marked; a
 * record seen only by the abandoned attempt was deleted during the dump, and its deletion is
 * among the events the database queued meanwhile (it subscribes before it dumps), so it goes
 * when they are applied. The restart marker is therefore simply skipped.
 */
import type { DumpHint } from '../db/load.js';
import type { DbSource } from '../db/source.js';
import { addressRecordMapper } from '../iproute/decode/address.js';
import { interfaceRecordMapper } from '../iproute/decode/link.js';
import { neighbourRecordMapper } from '../iproute/decode/neighbour.js';
import { routeRecordMapper } from '../iproute/decode/route.js';
import { ruleRecordMapper } from '../iproute/decode/rule.js';
import { addressDump, linkDump, neighbourDump, routeDump, ruleDump } from '../iproute/queries.js';
import type { DumpEvent } from '../db/source.js';
import type { Family, RecordByKind, RecordKind } from '../iproute/records.js';
import { RTM_NEWADDR, RTM_NEWLINK, RTM_NEWNEIGH, RTM_NEWROUTE, RTM_NEWRULE } from '../messages/rtnl/constants.js';
import { Errno } from '../transport/errno.js';
import { KernelError } from '../transport/errors.js';
import { isDumpRestart, type NetlinkRequest, type NetlinkTransport } from '../transport/transport.js';
import { isMirrored } from './mirrored.js';
import { KeyedRouteReader } from './keyed-route-reader.js';

/** Records per chunk handed to the database (IPDB applies each as one slice, see its dumpSliceSize). */
export const DUMP_CHUNK = 20_000;
/** Interrupted dumps are retried this many times (link and address dumps during link churn). */
export const DUMP_RETRIES = 50;

interface Planned {
  req: NetlinkRequest;
  /** A dump of one named table: the kernel answers ENOENT when the table does not exist yet. */
  table?: number;
  /** A dump of the routes through one link: the kernel answers ENODEV when the link is gone. */
  oif?: number;
}

/** The dump requests that together cover `kind` as narrowed by `hint`. */
export function planDumps(kind: RecordKind, hint: DumpHint | undefined): Planned[] {
  // One AF_UNSPEC dump covers both families; a hint with one family asks the kernel for it alone.
  const families: (Family | undefined)[] = hint?.families && hint.families.length === 1 ? [hint.families[0]] : [undefined];
  const fam = (f: Family | undefined) => (f !== undefined ? { family: f } : {});
  switch (kind) {
    case 'interface':
      return [{ req: linkDump({}) }];
    case 'address':
      return families.map((f) => ({ req: addressDump(fam(f)) }));
    case 'rule':
      return families.map((f) => ({ req: ruleDump(fam(f)) }));
    case 'neighbour':
      return families.map((f) => ({ req: neighbourDump(fam(f)) }));
    case 'route': {
      const tables = hint?.tables;
      const oif = hint?.oif !== undefined ? { oif: hint.oif } : {};
      if (!tables || tables.length === 0) return families.map((f) => ({ req: routeDump({ ...fam(f), ...oif }), ...oif }));
      return families.flatMap((f) => [...new Set(tables)].map((table) => ({ req: routeDump({ ...fam(f), table, ...oif }), table, ...oif })));
    }
  }
}

/**
 * Each kind's "new" message type and a maker of its in-place decoder (payload = buf[start, end)):
 * the generated readers (one object literal per message, strings shared across one dump), made
 * afresh per dump so the shared strings live no longer than the dump.
 */
const DECODE: { readonly [K in RecordKind]: { type: number; mapper: () => (buf: Buffer, start: number, end: number) => RecordByKind[K] | null } } = {
  interface: { type: RTM_NEWLINK, mapper: interfaceRecordMapper },
  address: { type: RTM_NEWADDR, mapper: addressRecordMapper },
  route: { type: RTM_NEWROUTE, mapper: routeRecordMapper },
  rule: { type: RTM_NEWRULE, mapper: ruleRecordMapper },
  neighbour: { type: RTM_NEWNEIGH, mapper: neighbourRecordMapper },
};

/**
 * What a dump hands over per record: the record, and its key when the reader made it, or else,
 * when the reader left the key to be made later, the hash that chooses its shard (shardHash of the key).
 */
export type DumpVisitor<K extends RecordKind = RecordKind> = (record: RecordByKind[K], key: string | undefined, group?: number) => void;

/**
 * A decoder of one kind's "new" messages for a visitor (payload = buf[start, end); other message
 * types are skipped, and objects the database does not mirror are left out).
 */
function messageTaker(kind: RecordKind, visit: DumpVisitor, makeKeys = true): (buf: Buffer, start: number, end: number, msgType: number) => void {
  const { type, mapper } = DECODE[kind];
  if (kind === 'route') {
    // Routes are most of a big dump: records and their keys (or the keys' group hashes) are made
    // in one pass (keyed-route-reader.ts).
    const reader = new KeyedRouteReader(Infinity, makeKeys);
    return (buf, start, end, msgType) => {
      if (msgType !== type) return;
      const record = reader.read(buf, start, end);
      if (record !== null) visit(record, reader.key, reader.group);
    };
  }
  const at = mapper();
  return (buf, start, end, msgType) => {
    if (msgType !== type) return;
    const record = at(buf, start, end);
    if (record !== null && isMirrored({ kind, op: 'new', record } as DumpEvent)) visit(record, undefined);
  };
}

/**
 * Runs the dumps of one kind, handing each record to `visit` as it is read (synchronously, in
 * dump order, with no event object or chunk in between); resolves when the last dump is over.
 * Routes come with their group's hash rather than their key (DbSource.dumpEach).
 */
export async function dumpKindEach(
  transport: NetlinkTransport,
  kind: RecordKind,
  hint: DumpHint | undefined,
  visit: DumpVisitor,
  restarted?: () => void,
): Promise<void> {
  const take = messageTaker(kind, visit, false);
  for (const planned of planDumps(kind, hint)) await runDump(transport, kind, planned, take, undefined, restarted);
}

/** Runs the dumps of one kind and yields its records as 'new' events, in chunks. */
export async function* dumpKind(
  transport: NetlinkTransport,
  kind: RecordKind,
  hint: DumpHint | undefined,
  chunk = DUMP_CHUNK,
): AsyncGenerator<readonly DumpEvent[]> {
  const chunks = new ChunkQueue(chunk);
  const take = messageTaker(kind, (record, key) => {
    chunks.push(key === undefined ? { kind, op: 'new', record } as DumpEvent : { kind, op: 'new', record, key } as DumpEvent);
  });
  for (const planned of planDumps(kind, hint)) {
    const finished = runDump(transport, kind, planned, take, () => chunks.wake()).then(() => chunks.end(), (err: unknown) => chunks.end(err));
    for (;;) {
      const next = await chunks.next();
      if (next === null) break;
      yield next;
    }
    await finished;
  }
  const rest = chunks.flush();
  if (rest) yield rest;
}

/** One planned dump, its messages to `take`; a missing table, or link, is an empty one. */
async function runDump(
  transport: NetlinkTransport,
  kind: RecordKind,
  { req, table, oif }: Planned,
  take: (buf: Buffer, start: number, end: number, msgType: number) => void,
  wake?: () => void,
  restarted?: () => void,
): Promise<void> {
  const opts = { maxRetries: DUMP_RETRIES, operation: `dump ${kind}` };
  try {
    // A restart is skipped (see the header comment): what came before it stays handed over, and
    // the caller is told (a load into an empty table may then get a record twice).
    if (transport.dumpEach) {
      await transport.dumpEach(req, { message: take, restart: () => restarted?.() }, opts);
      return;
    }
    for await (const item of transport.dump(req, opts)) {
      if (isDumpRestart(item)) {
        restarted?.();
        continue;
      }
      for (const raw of item) take(raw.payload, 0, raw.payload.length, raw.type);
      wake?.();
    }
  } catch (err) {
    // A table that does not exist has no routes (it appears with its first route, announced);
    // nor has a link that does not exist (any more) routes through it.
    if (table !== undefined && err instanceof KernelError && err.errno === Errno.ENOENT) return;
    if (oif !== undefined && err instanceof KernelError && err.errno === Errno.ENODEV) return;
    throw err;
  }
}

/**
 * Records decoded as the transport reads them (its visitor cannot wait), picked up by the
 * generator in chunks. Nothing is awaited per record: the generator wakes per full chunk and at
 * the end of each dump.
 */
class ChunkQueue {
  private readonly ready: DumpEvent[][] = [];
  private current: DumpEvent[] = [];
  private ended = false;
  private failure: { error: unknown } | undefined;
  private waiter: (() => void) | undefined;

  constructor(private readonly size: number) {}

  push(ev: DumpEvent): void {
    this.current.push(ev);
    if (this.current.length >= this.size) {
      this.ready.push(this.current);
      this.current = [];
      this.wake();
    }
  }

  wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** This dump is over (with an error, or not); the partial chunk stays for the next dump. */
  end(error?: unknown): void {
    this.ended = true;
    if (error !== undefined) this.failure = { error };
    this.wake();
  }

  /** The next full chunk, or null once this dump has ended (rearming for the next dump). */
  async next(): Promise<DumpEvent[] | null> {
    for (;;) {
      const full = this.ready.shift();
      if (full) return full;
      if (this.ended) {
        this.ended = false;
        const f = this.failure;
        this.failure = undefined;
        if (f) throw f.error;
        return null;
      }
      await new Promise<void>((resolve) => { this.waiter = resolve; });
    }
  }

  /** Whatever is left after the last dump. */
  flush(): DumpEvent[] | null {
    const rest = this.current;
    this.current = [];
    return rest.length > 0 ? rest : null;
  }
}

/** The DbSource `dump` of a transport. */
export function dumper(transport: NetlinkTransport, chunk = DUMP_CHUNK): DbSource['dump'] {
  return (kind, hint) => dumpKind(transport, kind, hint, chunk);
}
