/**
 * What the database needs from the kernel side, and nothing more: a stream of event batches, a
 * signal that events were lost, and dumps. The kernel wiring (IPRoute plus a multicast socket) is
 * an adapter implementing this; tests use a scripted fake. The database never imports the
 * transport.
 *
 * Contract:
 * - `events$` is hot. Each emission is one batch: the events one read of the socket delivered,
 *   in kernel order. The database subscribes to it BEFORE it dumps, so the adapter must be
 *   listening (multicast groups joined) by the time `subscribe` returns, or earlier; events that
 *   arrive while a dump runs are buffered by the database and applied after the dump.
 *   Set `nlmsgFlags` on route events (NLM_F_REPLACE matters, see route-merge.ts); set
 *   `origin: 'commit'` on the echo of our own requests when the adapter can tell.
 * - `overrun$` emits whenever notifications were lost (ENOBUFS on the socket, NLMSG_OVERRUN).
 *   The database answers with a resync (mark, dump, sweep) of every kind it keeps. Emitting too
 *   often costs time, never correctness.
 * - `dump(kind, hint)` returns every object of a kind, as 'new' events, either at once (a
 *   Promise) or in chunks as they are read (an AsyncIterable, so a 100,000-route dump is applied
 *   while it arrives). `hint` narrows the dump (family, tables) when the source can; the database
 *   filters again, so ignoring it is correct. A dump that the kernel marks interrupted
 *   (NLM_F_DUMP_INTR) must be retried by the source or rejected; the database retries a failed
 *   resync later and reports the error on `errors$`.
 * - Records handed over (in events and dumps) become the database's: it freezes them in place and
 *   keeps them in its snapshots, so the source must not reuse or mutate them afterwards.
 * - `close()` releases the sockets. The database calls it from its own `close()`: opening a
 *   database hands it the source.
 */
import type { RecordByKind, RecordEvent, RecordKind } from '../iproute/records.js';
import type { DumpHint } from './load.js';
import type { DbEvent } from './types.js';
import type { Stream } from '../util/emitter.js';

/**
 * A dumped object. `key`, when present, is its identity key exactly as keys.ts makes it
 * (keyOf(kind, record)), made by a source that could write it while decoding more cheaply than
 * the database can make it from the record afterwards (src/ipdb/keyed-route-reader.ts). Without
 * it the database keys the record itself.
 */
export type DumpEvent = RecordEvent & { readonly key?: string };

export type DumpResult = Promise<readonly DumpEvent[]> | AsyncIterable<readonly DumpEvent[]>;

export interface DbSource {
  /** An rxjs Observable or anything else with subscribe (the kernel source uses plain emitters). */
  readonly events$: Stream<readonly DbEvent[]>;
  readonly overrun$: Stream<unknown>;
  dump(kind: RecordKind, hint?: DumpHint): DumpResult;
  /**
   * Optional: the same dump handed over record by record as it is read, `key` as in DumpEvent;
   * resolves once it is over. The database loads an empty table this way when it can: no event
   * object per record, no chunk waiting in memory, each record stored while it is fresh.
   * Records come in the kernel's dump order: those of one shard group (the routes to one
   * destination, see table.ts) one after the other. `restarted` is called when a dump started over
   * (records handed over before may then come again, anywhere). Instead of a key, a source may hand
   * over `group`, the hash that chooses its shard (table.ts shardHash of keyOf(kind, record)): the
   * database then makes the key only when someone needs it (bulk.ts).
   */
  dumpEach?(
    kind: RecordKind,
    hint: DumpHint | undefined,
    visit: (record: RecordByKind[RecordKind], key: string | undefined, group?: number) => void,
    restarted?: () => void,
  ): Promise<void>;
  close(): void;
}

/** Iterates a dump result chunk by chunk, whichever form it has. */
export async function* dumpChunks(result: DumpResult): AsyncGenerator<readonly DumpEvent[]> {
  if (Symbol.asyncIterator in result) {
    for await (const chunk of result as AsyncIterable<readonly DumpEvent[]>) yield chunk;
  } else {
    yield await result;
  }
}
