/**
 * A scripted DbSource: a little "kernel" (records per kind) that dumps answer from, event batches
 * the test emits by hand (or drops, to simulate an overrun), and dumps the test can hold open to
 * inject events while they run.
 */
import { Subject } from 'rxjs';
import { keyOf } from '../../src/db/keys.js';
import type { DumpHint } from '../../src/db/load.js';
import type { DbSource, DumpResult } from '../../src/db/source.js';
import type { DbEvent } from '../../src/db/types.js';
import type { AnyRecord, RecordEvent, RecordKind, RouteRecord } from '../../src/iproute/records.js';

export interface DumpCall {
  kind: RecordKind;
  hint: DumpHint | undefined;
}

export class FakeSource implements DbSource {
  readonly events = new Subject<readonly DbEvent[]>();
  readonly overruns = new Subject<void>();
  readonly events$ = this.events.asObservable();
  readonly overrun$ = this.overruns.asObservable();
  readonly kernel = new Map<RecordKind, Map<string, AnyRecord>>();
  readonly dumps: DumpCall[] = [];
  closed = false;
  /** Records per chunk when dumping as an AsyncIterable; 0: dump as one Promise. */
  chunkSize = 0;
  /** Called before each chunk is handed over (await it to hold the dump open). */
  beforeChunk: ((kind: RecordKind, index: number) => Promise<void> | void) | null = null;
  /** Makes the next dumps of a kind fail, this many times. */
  failures = new Map<RecordKind, number>();

  /** Changes the kernel model and, unless `silent`, emits the event as one batch. */
  set(kind: RecordKind, record: AnyRecord, opts: { silent?: boolean } = {}): DbEvent {
    this.table(kind).set(keyOf(kind, record as never), structuredClone(record));
    const ev = { kind, op: 'new', record: structuredClone(record) } as DbEvent;
    if (!opts.silent) this.events.next([ev]);
    return ev;
  }

  remove(kind: RecordKind, record: AnyRecord, opts: { silent?: boolean } = {}): DbEvent {
    this.table(kind).delete(keyOf(kind, record as never));
    const ev = { kind, op: 'del', record: structuredClone(record) } as DbEvent;
    if (!opts.silent) this.events.next([ev]);
    return ev;
  }

  /** Emits a batch as is (no change to the model). */
  emit(...events: DbEvent[]): void {
    this.events.next(events.map((e) => structuredClone(e)));
  }

  dump(kind: RecordKind, hint?: DumpHint): DumpResult {
    this.dumps.push({ kind, hint });
    const fail = this.failures.get(kind) ?? 0;
    if (fail > 0) {
      this.failures.set(kind, fail - 1);
      return Promise.reject(new Error(`dump of ${kind} failed (scripted)`));
    }
    // The dump reads the kernel when each chunk is produced, like a real one; a dump of the routes
    // through one link gets those only (the kernel's filter by output device).
    const oif = kind === 'route' ? hint?.oif : undefined;
    const through = (r: AnyRecord): boolean => {
      const route = r as RouteRecord;
      return oif === undefined || route.oif === oif || (route.multipath ?? []).some((h) => h.oif === oif);
    };
    const read = (): RecordEvent[] => [...this.table(kind).values()].filter(through).map((r) => ({ kind, op: 'new', record: structuredClone(r) }) as RecordEvent);
    if (this.chunkSize === 0) {
      return (async () => {
        await this.beforeChunk?.(kind, 0);
        return read();
      })();
    }
    const size = this.chunkSize;
    const before = (i: number) => this.beforeChunk?.(kind, i);
    return (async function* () {
      const all = read();
      for (let i = 0, n = 0; i < all.length || n === 0; i += size, n++) {
        await before(n);
        yield all.slice(i, i + size);
      }
    })();
  }

  close(): void {
    this.closed = true;
  }

  private table(kind: RecordKind): Map<string, AnyRecord> {
    let t = this.kernel.get(kind);
    if (!t) this.kernel.set(kind, (t = new Map()));
    return t;
  }
}

/** A promise to resolve by hand. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
