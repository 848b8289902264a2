/**
 * The `load` option: which kinds (and which records of a kind) the database keeps.
 *
 * `{ routes: false }` keeps no routes; `{ routes: { tables: [254] } }` only the main table;
 * `{ neighbours: (n) => n.family === 4 }` any predicate. A kind that is not kept is not dumped and
 * its events are dropped before the reducer. The side-effect rules that reason from absence need
 * the kind they look at in full (see ReduceOptions.complete); and a link's routes can only be
 * swept when its link events arrive, so dropping interfaces leaves such cleanup to resyncs.
 */
import type { Family, RecordByKind, RecordKind } from '../iproute/records.js';
import { KINDS, PLURAL } from './types.js';

/** A selection by family and, for routes and rules, routing table. */
export interface KindSelection {
  families?: readonly Family[];
  /** Routes and rules only. */
  tables?: readonly number[];
}

export type KindLoad<R> = boolean | KindSelection | ((record: R) => boolean);

export type LoadOptions = { [K in RecordKind as (typeof PLURAL)[K]]?: KindLoad<RecordByKind[K]> };

/** What the source may use to narrow a dump (it may ignore it: the database filters anyway). */
export interface DumpHint {
  families?: readonly Family[];
  tables?: readonly number[];
  /** Routes only: those through this link (the kernel filters by output device). */
  oif?: number;
}

export interface CompiledLoad {
  /** The kinds kept at all, in dependency order. */
  readonly kinds: readonly RecordKind[];
  /** The kinds kept without a filter. */
  readonly complete: ReadonlySet<RecordKind>;
  keep(kind: RecordKind, record: RecordByKind[RecordKind]): boolean;
  hint(kind: RecordKind): DumpHint | undefined;
}

export function compileLoad(load: LoadOptions = {}): CompiledLoad {
  const preds = new Map<RecordKind, ((r: never) => boolean) | null>();
  const hints = new Map<RecordKind, DumpHint>();
  for (const kind of KINDS) {
    const spec = (load as Record<string, KindLoad<never> | undefined>)[PLURAL[kind]];
    if (spec === false) continue;
    if (spec === undefined || spec === true) {
      preds.set(kind, null);
    } else if (typeof spec === 'function') {
      preds.set(kind, spec);
    } else {
      const { families, tables } = spec;
      hints.set(kind, spec);
      preds.set(kind, (r: never) => {
        const rec = r as { family?: Family; table?: number };
        if (families && rec.family !== undefined && !families.includes(rec.family)) return false;
        if (tables && rec.table !== undefined && !tables.includes(rec.table)) return false;
        return true;
      });
    }
  }
  return {
    kinds: KINDS.filter((k) => preds.has(k)),
    complete: new Set([...preds].filter(([, p]) => p === null).map(([k]) => k)),
    keep(kind, record) {
      if (!preds.has(kind)) return false;
      const p = preds.get(kind);
      return !p || p(record as never);
    },
    hint: (kind) => hints.get(kind),
  };
}
