/**
 * The reducer: (snapshot, events, origin) -> (snapshot', changes), pure.
 *
 * Every event of the batch is folded into one Working set and the next snapshot is made by ONE
 * immer `produce` (Working.finish). Changes are listed in the order they happened, each against
 * the state left by the events before it, so a batch in which a route comes and goes reports both;
 * an event that restates what is already stored (the kernel re-announces a lot) reports nothing.
 *
 * Order of inferred changes mirrors the kernel's: a link's dependents vanish before the link
 * (NETDEV_UNREGISTER / NETDEV_DOWN notifiers run before RTM_DELLINK / RTM_NEWLINK are sent); an
 * address's dependents after the address (rtmsg_ifa comes before the inetaddr notifier chain).
 */
import { Immer } from 'immer';
import type { RecordByKind, RecordKind } from '../iproute/records.js';
import { deepEqual } from './equal.js';
import { addressRemoved, linkDown, linkRemoved, vethAnnounced, vethGone, type EffectOptions } from './effects.js';
import { keyOf } from './keys.js';
import { applyRouteEvent } from './route-merge.js';
import { KINDS, type DbEvent, type DbSnapshot, type Origin, type Update } from './types.js';
import { Working } from './working.js';

export interface ReduceOptions {
  /** The immer instance to produce with (tests count its calls); a private one by default. */
  immer?: Immer;
  /**
   * Kinds loaded in full (no `load` filter). Side-effect rules that reason from absence, such as
   * "this was the link's last IPv4 address", run only when the kind they look at is complete.
   */
  complete?: ReadonlySet<RecordKind>;
}

export interface ReduceResult extends Update {
  /** Kinds the rules could not settle exactly: re-dump them (reconcile) to be sure. */
  readonly resync: readonly RecordKind[];
}

/** Creates the immer instance the database uses: auto-freeze on, nothing global touched. */
export function createImmer(): Immer {
  return new Immer({ autoFreeze: true });
}

const ALL_KINDS: ReadonlySet<RecordKind> = new Set(KINDS);

type EventOf<K extends RecordKind> = Extract<DbEvent, { kind: K }>;
type Handler<K extends RecordKind> = (w: Working, ev: EventOf<K>, fx: EffectOptions) => void;

/** One handler per kind: what a 'new' or 'del' of that kind does. */
const HANDLERS: { readonly [K in RecordKind]: Handler<K> } = {
  interface(w, ev, fx) {
    const r = ev.record;
    if (ev.op === 'port') {
      // Only the port settings of a link we have (its AF_UNSPEC message makes it a port first).
      const key = keyOf('interface', r);
      const before = w.get('interface', key);
      if (before !== undefined && before.master !== null && !deepEqual(before.port, r.port)) w.put('interface', { ...before, port: r.port }, fx, key);
      return;
    }
    if (ev.op === 'del') {
      linkRemoved(w, r.index, fx);
      const gone = w.remove('interface', keyOf('interface', r), fx);
      vethGone(w, gone ?? r);
      return;
    }
    const before = w.get('interface', keyOf('interface', r));
    if (before?.state === 'up' && r.state === 'down') linkDown(w, r.index, fx);
    w.put('interface', r, fx);
    vethAnnounced(w, r, before === undefined, fx);
  },
  address(w, ev, fx) {
    const r = ev.record;
    if (ev.op === 'new') {
      w.put('address', r, fx);
      return;
    }
    const gone = w.remove('address', keyOf('address', r), fx);
    // A delete for an address we never had still has its kernel effects (it existed there).
    addressRemoved(w, gone ?? r, fx);
  },
  route(w, ev) {
    applyRouteEvent(w, ev);
  },
  rule: simple('rule'),
  neighbour: simple('neighbour'),
};

function simple<K extends 'rule' | 'neighbour'>(kind: K): Handler<K> {
  return (w, ev, fx) => {
    const e = ev as unknown as { op: 'new' | 'del'; record: RecordByKind[K] };
    if (e.op === 'new') w.put(kind, e.record, fx);
    else w.remove(kind, keyOf(kind, e.record), fx);
  };
}

export function reduce(snapshot: DbSnapshot, events: Iterable<DbEvent>, origin: Origin, options: ReduceOptions = {}): ReduceResult {
  const w = new Working(snapshot, origin);
  const complete = options.complete ?? ALL_KINDS;
  // One EffectOptions per origin, not per event (a batch holds thousands of events of one or two).
  let fx: EffectOptions = { complete, origin: undefined };
  for (const ev of events) {
    if (fx.origin !== ev.origin) fx = { complete, origin: ev.origin };
    (HANDLERS[ev.kind] as Handler<RecordKind>)(w, ev as EventOf<RecordKind>, fx);
  }
  return { snapshot: w.finish(options.immer ?? createImmer()), changes: w.changes, resync: [...w.resync] };
}
