/**
 * DbState: one snapshot with read views. This is what `state$` emits and `wait` predicates get:
 * `state.interfaces.get('eth0')`, `state.routes.filter({ table: 254 })`, `state.toJSON()`.
 * It never changes: to see later states, subscribe again or use the database's live views.
 */
import { rxjs } from '../util/lazy-rxjs.js';
import type { RecordByKind, RecordKind } from '../iproute/records.js';
import { Collection, named, type Named, type ViewCache } from './collection.js';
import { KINDS, PLURAL, type DbSnapshot, type PlainSnapshot } from './types.js';

export type Views = { readonly [K in RecordKind as (typeof PLURAL)[K]]: Named<Collection<K>, RecordByKind[K]> };

/** Builds the five named collections over a table getter. */
export function makeViews(
  tableOf: <K extends RecordKind>(kind: K) => DbSnapshot['tables'][K],
  tables$: <K extends RecordKind>(kind: K) => import('rxjs').Observable<DbSnapshot['tables'][K]>,
  cache: ViewCache,
): Views {
  const views = {} as Record<string, unknown>;
  for (const kind of KINDS) {
    views[PLURAL[kind]] = named(new Collection(kind, () => tableOf(kind) as never, (() => tables$(kind)) as never, cache) as never);
  }
  return views as Views;
}

export function plainOf(views: Views): PlainSnapshot {
  return {
    interfaces: views.interfaces.toArray(),
    addresses: views.addresses.toArray(),
    routes: views.routes.toArray(),
    rules: views.rules.toArray(),
    neighbours: views.neighbours.toArray(),
  };
}

export class DbState implements Views {
  readonly interfaces!: Views['interfaces'];
  readonly addresses!: Views['addresses'];
  readonly routes!: Views['routes'];
  readonly rules!: Views['rules'];
  readonly neighbours!: Views['neighbours'];

  constructor(readonly snapshot: DbSnapshot, cache: ViewCache = new WeakMap()) {
    Object.assign(this, makeViews((k) => snapshot.tables[k], (k) => rxjs().of(snapshot.tables[k]), cache));
  }

  get version(): number {
    return this.snapshot.version;
  }

  /** Plain arrays in stable order: what `JSON.stringify(state)` writes. */
  toJSON(): PlainSnapshot {
    return plainOf(this);
  }
}
