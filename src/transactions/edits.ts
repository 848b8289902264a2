/**
 * TxEdits: what a draft records, as intended final values rather than as a history of calls.
 * The planner turns edits into operations against a base; because edits say where things should
 * end up, the same edits can be planned against a newer base than the one the transaction began
 * from (commit with { overwrite: true }), and setting a value back to what it was plans nothing.
 */
import type { InterfaceRecord, RecordByKind } from '../iproute/records.js';
import type { TxTable } from './base.js';
import type { LinkSetField } from './ops.js';

/** The draft's intent for one keyed object: where it should end up, and with which request. */
export interface KeyedEdit<R> {
  /** The object as it should be after commit, or null to delete it. */
  final: R | null;
  /** create: it must not exist yet; replace: create or overwrite; append: add beside (routes). */
  intent: 'create' | 'replace' | 'append' | 'delete';
  /** A route deleted because the route under this key replaces it (NLM_F_REPLACE does both). */
  displacedBy?: string;
  /**
   * The object the draft's base had under this key when the edit was made (null: none), so that
   * a plan against that same base (TxEdits.base) need not look it up again; absent: not known.
   */
  was?: R | null;
}

export interface CreatedLink {
  /** The new link as it should be after commit (its index is chosen before sending). */
  record: InterfaceRecord;
  /** A veth's other end, created by the same request. */
  peer: InterfaceRecord | null;
  /** The settable flag bits the draft set on the link (and its peer): its record's flags say them. */
  flagMask?: number;
  peerFlagMask?: number;
}

/** Fields of a link the draft changes: its record's, and the flag fields read from its ifi_flags (booleans). */
export type LinkFieldEdits = { -readonly [F in LinkSetField]?: F extends keyof InterfaceRecord ? InterfaceRecord[F] : boolean };

export interface TxEdits {
  readonly links: {
    /** In creation order. */
    readonly created: readonly CreatedLink[];
    /** Existing links: the fields to set and their final values. */
    readonly set: ReadonlyMap<number, LinkFieldEdits>;
    /** Existing links to delete, in the order the draft removed them. */
    readonly removed: readonly number[];
    /** Existing links to move to another namespace (by name). */
    readonly moved: ReadonlyMap<number, string>;
  };
  readonly addresses: ReadonlyMap<string, KeyedEdit<RecordByKind['address']>>;
  readonly routes: ReadonlyMap<string, KeyedEdit<RecordByKind['route']>>;
  readonly rules: ReadonlyMap<string, KeyedEdit<RecordByKind['rule']>>;
  readonly neighbours: ReadonlyMap<string, KeyedEdit<RecordByKind['neighbour']>>;
  /** The base the edits' `was` values are from (the draft's). */
  readonly base?: object;
}

export function emptyEdits(): TxEdits {
  return {
    links: { created: [], set: new Map(), removed: [], moved: new Map() },
    addresses: new Map(), routes: new Map(), rules: new Map(), neighbours: new Map(),
  };
}

/** Whether two lists of a link's alternative names hold the same names (their order is the kernel's). */
export function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((n) => b.includes(n));
}

/** Deep equality for plain JSON-shaped records (what records.ts promises). */
export function sameRecord(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => sameRecord(x, bb[i]));
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameRecord((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const NO_KEYS: readonly string[] = Object.freeze([]);

/**
 * The edits of one keyed table (addresses, routes, rules, neighbours) over its base table. Adding
 * then removing the same object cancels out; removing then re-adding it unchanged does too.
 */
export class KeyedEdits<R> {
  readonly map = new Map<string, KeyedEdit<R>>();
  /**
   * Keys of the objects the edits put, by `indexer` (a route's destination), to find them without
   * a scan: the one key with that value, or a set of several (most values have one).
   */
  private readonly index = new Map<string, string | Set<string>>();

  constructor(private readonly base: TxTable<R>, private readonly indexer?: (r: R) => string) {}

  /**
   * `prev`: the edit under `key` now, when the caller has looked it up (null: none); `at`: the
   * indexer's value for `e.final`, when the caller has it.
   */
  private set(key: string, e: KeyedEdit<R>, prev?: KeyedEdit<R> | null, at?: string): void {
    if (prev === undefined) this.unset(key);
    else if (prev !== null) this.unsetEdit(key, prev);
    this.map.set(key, e);
    if (this.indexer && e.final !== null) {
      const v = at ?? this.indexer(e.final);
      const keys = this.index.get(v);
      if (keys === undefined) this.index.set(v, key);
      else if (typeof keys !== 'string') keys.add(key);
      else if (keys !== key) this.index.set(v, new Set([keys, key]));
    }
  }

  private unset(key: string): void {
    const e = this.map.get(key);
    if (e) this.unsetEdit(key, e);
  }

  /** Takes out `e`, the edit under `key`. */
  private unsetEdit(key: string, e: KeyedEdit<R>): void {
    this.map.delete(key);
    if (this.indexer && e.final !== null) {
      const v = this.indexer(e.final);
      const keys = this.index.get(v);
      if (typeof keys === 'string') {
        if (keys === key) this.index.delete(v);
      } else {
        keys?.delete(key);
      }
    }
  }

  /** Whether the edits put an object whose indexer value is `value`. */
  hasPutsAt(value: string): boolean {
    return this.index.has(value);
  }

  /** Keys of the objects the edits put whose indexer value is `value`. */
  putsAt(value: string): Iterable<string> {
    const keys = this.index.get(value);
    return keys === undefined ? NO_KEYS : typeof keys === 'string' ? [keys] : keys;
  }

  /** The object under `key` as the draft now sees it. */
  current(key: string): R | undefined {
    const e = this.map.get(key);
    if (e) return e.final ?? undefined;
    return this.base.get(key);
  }

  /** The base's object under `key` (what the draft began with there). */
  baseGet(key: string): R | undefined {
    return this.base.get(key);
  }

  /**
   * Puts `record` under `key`; the caller has checked whether `create` may. `was` is the base's
   * object under the key (undefined: none), when the caller has looked it up already.
   */
  put(key: string, record: R, intent: 'create' | 'replace' | 'append', known?: { was: R | undefined }): void {
    // (Not a default parameter: `undefined`, the usual answer, would look the key up again.)
    this.putKnown(key, record, intent, known !== undefined ? known.was : this.base.get(key));
  }

  /**
   * put() with the base's object under `key` known (`was`; undefined: none), and, when the caller
   * has them, the edit under `key` now (`prev`; null: none) and the indexer's value for `record`
   * (`at`): what drafting 10,000 routes would otherwise look up or build twice each.
   */
  putKnown(key: string, record: R, intent: 'create' | 'replace' | 'append', was: R | undefined, prev?: KeyedEdit<R> | null, at?: string): void {
    if (was !== undefined && sameRecord(was, record)) {
      this.unset(key);
      return;
    }
    this.set(key, { final: record, intent: was !== undefined && intent === 'create' ? 'replace' : intent, was: was ?? null }, prev, at);
  }

  /**
   * Creates `record` under `key` when the caller knows the base has nothing there, and the edits
   * have nothing there nor at its indexer value `at` either: true. What put() would do then, without
   * its look-ups (a new destination of a batch of 10,000 routes). False, changing nothing, otherwise.
   */
  putNew(key: string, record: R, at: string): boolean {
    if (this.indexer === undefined || this.map.has(key) || this.index.has(at)) return false;
    this.map.set(key, { final: record, intent: 'create', was: null });
    this.index.set(at, key);
    return true;
  }

  remove(key: string, displacedBy?: string): void {
    if (this.base.get(key) !== undefined) {
      this.set(key, { final: null, intent: 'delete', ...(displacedBy !== undefined ? { displacedBy } : {}) });
    } else {
      this.unset(key);
    }
  }

  /** Drops every edit that puts an object matching `test` (objects on a link removed in the draft). */
  cancelPuts(test: (r: R) => boolean): void {
    for (const [k, e] of [...this.map]) if (e.final !== null && test(e.final)) this.unset(k);
  }

  /** How many objects the transaction adds or changes that pass `test`. */
  countPuts(test: (r: R) => boolean): number {
    let n = 0;
    for (const e of this.map.values()) if (e.final !== null && test(e.final)) n++;
    return n;
  }
}
