/**
 * Confirmation by the database's own view: an ACK says the kernel took a request; the commit is
 * confirmed once the database (fed by the kernel's notifications, src/db) shows what the plan
 * leads to. Without it, a commit could return before `db.interfaces.v0.mtu` reads the new value.
 *
 * What is expected, per object the plan names (the last operation on it wins):
 * - created, replaced, appended: present under its identity key; a link set: those field values;
 * - deleted, or moved to another namespace: absent.
 * Objects the kernel takes away or changes on its own as a side effect of a later operation (its
 * victims, which the planner lists as the restorations in that operation's inverse) are not
 * checked: their fate is the kernel's, not the plan's. Records the database does not keep (its
 * load options) are not waited for either.
 *
 * Keys are the database's (src/db/keys.ts), so a record the planner normalised differently from
 * what the kernel reports would never be seen: that is why normalise.ts fills every default the
 * way the kernel reports it.
 */
import { bridgePortHas } from '../iproute/bridge-port.js';
import { flagOf, isLinkFlagField } from '../iproute/link-flags.js';
import type { BridgePort, InterfaceRecord, RecordByKind, RecordKind, RouteRecord } from '../iproute/records.js';
import { keyOf } from '../db/keys.js';
import type { DbState } from '../db/state.js';
import { DbTimeoutError } from '../db/errors.js';
import { routeKeysTo, tableGet } from '../db/table.js';
import { routeMetric } from './normalise.js';
import type { Table } from '../db/types.js';
import type { WaitOptions, Waited } from '../db/observe.js';
import type { ConfirmFn } from './commit.js';
import { sameRecord } from './edits.js';
import type { Operation } from './ops.js';
import { claimable } from './echo-claim.js';

export interface Expectation {
  kind: RecordKind;
  key: string;
  present: boolean;
  /**
   * For a link that stays: the fields the plan sets, with their final values (alternative names:
   * those it adds, and those it removes).
   */
  fields?: Partial<InterfaceRecord> & { removeAltnames?: readonly string[] };
  /** What the plan said about it, for errors (filled in when it is reported: see labelOf). */
  label?: string;
  /** The operation that decided it. */
  op?: Operation;
  /**
   * An IPv6 route appended (route append): the kernel takes it into the route already in its slot
   * as further next hops, and announces one multipath route, under another key. Shown when a
   * route of the slot has every next hop of this one.
   */
  hops?: RouteRecord;
}

const linkKey = (index: number) => keyOf('interface', { index } as InterfaceRecord);

/**
 * The object an operation acts on, by the database's identity key. Plans made over a database
 * snapshot (baseFromSnapshot) carry the database's keys already; others are keyed here.
 */
export function targetOf(op: Operation, dbKeys = false): { kind: RecordKind; key: string } {
  if (op.kind === 'interface') return { kind: 'interface', key: linkKey(op.spec.index) };
  return { kind: op.kind, key: dbKeys && op.key ? op.key : keyOf(op.kind, op.spec as never) };
}

/**
 * The final state the plan promises for each object it names, in the database's keys (`dbKeys`:
 * the operations' own keys are the database's).
 */
export function expectations(ops: readonly Operation[], dbKeys = false): Expectation[] {
  // One map per kind, by key: a plan of 10,000 routes makes no composite strings.
  const out = new Map<RecordKind, Map<string, Expectation>>();
  const of = (kind: RecordKind) => {
    let m = out.get(kind);
    if (!m) out.set(kind, (m = new Map()));
    return m;
  };
  const put = (e: Expectation) => of(e.kind).set(e.key, e);
  // The map of the kind of the last operation, kept while the kind repeats (10,000 routes).
  let kindNow: RecordKind | undefined;
  let mapNow: Map<string, Expectation> | undefined;
  for (const op of ops) {
    if (op.kind === 'interface') {
      const key = linkKey(op.spec.index);
      if (op.intent === 'create') {
        put({ kind: 'interface', key, present: true, fields: { ifname: op.spec.ifname }, op });
        if (op.spec.peer) put({ kind: 'interface', key: linkKey(op.spec.peer.index), present: true, fields: { ifname: op.spec.peer.ifname }, op });
      } else if (op.intent === 'delete' || op.spec.netns !== undefined) {
        put({ kind: 'interface', key, present: false, op });
      } else {
        const { index: _i, netns: _n, ...fields } = op.spec;
        const was = of('interface').get(key);
        const before = was?.present ? was.fields : undefined;
        const merged: Expectation['fields'] = { ...before, ...fields };
        // (Port settings are set a few at a time: the link shows all that were set.)
        if (before?.port && fields.port) merged.port = { ...before.port, ...fields.port };
        put({ kind: 'interface', key, present: true, fields: merged, op });
      }
    } else {
      if (op.kind !== kindNow) mapNow = of((kindNow = op.kind));
      const key = dbKeys && op.key ? op.key : keyOf(op.kind, op.spec as never);
      const appended = op.kind === 'route' && op.intent === 'append' && op.spec.family === 6;
      mapNow!.set(key, appended ? { kind: op.kind, key, present: true, op, hops: op.spec } : { kind: op.kind, key, present: op.intent !== 'delete', op });
    }
    const inverse = op.inverse;
    for (let i = 0; i < inverse.length; i++) {
      const inv = inverse[i]!;
      if (inv.role !== 'restore') continue;
      const t = targetOf(inv, dbKeys);
      out.get(t.kind)?.delete(t.key);
    }
  }
  const all: Expectation[] = [];
  out.forEach((m) => m.forEach((e) => { all.push(e); }));
  return all;
}

/** What the plan said about an expected object, for errors: '3: address create'. */
function labelOf(e: Expectation): string {
  return (e.label ??= e.op ? `${e.op.id}: ${e.op.kind} ${e.op.intent}` : `${e.kind} ${e.key}`);
}

/** Does `state` show `e`? */
export function holds(state: DbState, e: Expectation): boolean {
  if (e.hops !== undefined) return hopsHeld(state, e.hops);
  const r = tableGet(e.kind, state.snapshot.tables[e.kind] as Table<unknown>, e.key) as Record<string, unknown> | undefined;
  if (!e.present) return r === undefined;
  if (r === undefined) return false;
  if (e.fields === undefined) return true;
  // (for-in, not Object.entries: no pair per field, in code a fresh process runs unoptimized.)
  const fields = e.fields as Record<string, unknown>;
  for (const f in fields) {
    const v = fields[f];
    if (v !== undefined && !fieldHolds(r, f, v)) return false;
  }
  return true;
}

/** Does a route in the slot of IPv6 route `want` have every next hop of it (gateway and device)? */
function hopsHeld(state: DbState, want: RouteRecord): boolean {
  const table = state.snapshot.tables.route as Table<RouteRecord>;
  const hopsOf = (r: RouteRecord) => r.multipath ?? [{ gateway: r.gateway, oif: r.oif }];
  const wanted = hopsOf(want);
  for (const key of routeKeysTo(table, 6, want.table, want.dst)) {
    const r = tableGet('route', table, key);
    if (r === undefined || routeMetric(r) !== routeMetric(want) || (r.src ?? null) !== (want.src ?? null)) continue;
    const have = hopsOf(r);
    if (wanted.every((w) => have.some((h) => h.gateway === w.gateway && h.oif === w.oif))) return true;
  }
  return false;
}

/** Does record `r` show field `f` as the plan left it (`v`)? */
function fieldHolds(r: Record<string, unknown>, f: string, v: unknown): boolean {
  if (isLinkFlagField(f)) return flagOf(r.flags as number, f) === v;
  const have = r[f];
  if (f === 'port') return bridgePortHas(have as BridgePort | null, v as BridgePort);
  // Alternative names added are among the link's, those removed are not (their order is the kernel's).
  if (f === 'altnames' || f === 'removeAltnames') {
    const names = (r.altnames ?? []) as readonly string[];
    return !(v as readonly string[]).some((n) => names.includes(n) !== (f === 'altnames'));
  }
  return f === 'address' && typeof v === 'string' && typeof have === 'string' ? have.toLowerCase() === v.toLowerCase() : sameRecord(have, v);
}

/** The slice of the database confirmation needs. */
export interface ConfirmView {
  readonly state: DbState;
  wait<T>(predicate: (state: DbState) => T, options?: WaitOptions): Promise<Waited<T>>;
  /**
   * Resolves once the database has applied every notification the kernel sent before the call
   * (IPDB.sync: a barrier on the event socket). With it, a plan is confirmed by one check after
   * the barrier rather than by a check of every state the database goes through.
   */
  sync?(): Promise<void>;
}

export interface ConfirmOptions {
  /** The operations are keyed with the database's own identity keys (plans over its snapshots). */
  dbKeys?: boolean;
  /**
   * Which operations of `ops` the database learnt of from their own echo (KernelExecutor.echoed):
   * their notifications were their requests byte for byte, and the database applies their own
   * records from them.
   */
  echoed?: (ops: readonly Operation[]) => Uint8Array | undefined;
  /** Whether the database keeps this record (its load options); kept by default. */
  keeps?: <K extends RecordKind>(kind: K, record: RecordByKind[K]) => boolean;
}

function describeMissing(e: Expectation, state: DbState): string {
  const r = tableGet(e.kind, state.snapshot.tables[e.kind] as Table<unknown>, e.key) as Record<string, unknown> | undefined;
  if (!e.present) return `${e.kind} ${e.key} still there (${labelOf(e)})`;
  if (!r) return `${e.kind} ${e.key} not there (${labelOf(e)})`;
  const diff = Object.entries(e.fields ?? {}).filter(([f, v]) => v !== undefined && !fieldHolds(r, f, v))
    .map(([f, v]) => (f === 'altnames' || f === 'removeAltnames'
      ? `alternative names ${JSON.stringify(r.altnames)}, ${f === 'altnames' ? 'to have' : 'not to have'} ${JSON.stringify(v)}`
      : `${f} ${JSON.stringify(isLinkFlagField(f) ? flagOf(r.flags as number, f) : r[f])} instead of ${JSON.stringify(v)}`));
  return `${e.kind} ${e.key}: ${diff.join(', ')} (${labelOf(e)})`;
}

/**
 * A ConfirmFn over the database: resolves once the database shows every expectation of the plan,
 * rejects at the commit's deadline with what it did not show.
 *
 * The kernel sends the notifications of a request while it handles it, before its ACK: once every
 * operation is acknowledged, a barrier on the event socket (ConfirmView.sync) is behind all of
 * them, and one check of the database's state after it confirms the whole plan. What that check
 * does not find yet (a notification the kernel sends later, from a work queue) is then waited for,
 * state by state, until the deadline.
 */
export function databaseConfirm(db: ConfirmView, opts: ConfirmOptions = {}): ConfirmFn {
  const keeps = opts.keeps;
  const dbKeys = opts.dbKeys ?? false;
  const expect = (ops: readonly Operation[]): Expectation[] => {
    const all = expectations(ops, dbKeys);
    return keeps ? all.filter((e) => e.kind === 'interface' || !e.op || keeps(e.op.kind, e.op.spec as never)) : all;
  };
  /** What prepare() worked out, by plan (taken by the confirmation of that plan). */
  const ahead = new WeakMap<readonly Operation[], Expectation[]>();
  const confirm: ConfirmFn = async (ops, ctx) => {
    // A failed barrier (an overrun's resync is queued) leaves it to the waiting below.
    const sync = (): Promise<boolean> => db.sync!().then(() => true, () => false);
    let synced = false;
    const echoed = opts.echoed?.(ops);
    if (echoed !== undefined && db.sync) {
      synced = await sync();
      // Every operation's notification was its own request, byte for byte (10,000 routes), and
      // the database has applied them all: it shows the plan, in the order the kernel carried it
      // out. Neither the expectations nor a look-up of each are needed.
      if (synced && allEchoed(echoed, ops.length)) return;
    }
    const all = ahead.get(ops) ?? expect(ops);
    ahead.delete(ops);
    if (all.length === 0) return;
    let left = all;
    if (db.sync) {
      if (!synced) await sync();
      const state = db.state;
      left = all.filter((e) => !holds(state, e));
      if (left.length === 0) return;
    }
    // Each new state checks only what is still missing; once nothing is, the whole list once more
    // on that state (a later change may have undone an earlier one).
    const seen = (state: DbState): boolean => {
      left = left.filter((e) => !holds(state, e));
      if (left.length > 0) return false;
      left = all.filter((e) => !holds(state, e));
      return left.length === 0;
    };
    try {
      await db.wait(seen, { timeout: Math.max(0, ctx.deadline - Date.now()) });
    } catch (err) {
      if (!(err instanceof DbTimeoutError)) throw err;
      const state = db.state;
      const missing = all.filter((e) => !holds(state, e));
      throw new Error(`the database did not show ${missing.length} of ${all.length} expected changes before the deadline: ` +
        `${missing.slice(0, 5).map((e) => describeMissing(e, state)).join('; ')}${missing.length > 5 ? '; ...' : ''}`, { cause: err });
    }
  };
  // (A plan whose notifications may all be its own requests' bytes is worked out only if some
  // are not: see above.)
  confirm.prepare = (ops) => { if (!opts.echoed || !ops.every(claimable)) ahead.set(ops, expect(ops)); };
  return confirm;
}

/** Whether `echoed` marks all of `n` operations. */
function allEchoed(echoed: Uint8Array | undefined, n: number): boolean {
  if (echoed === undefined || echoed.length !== n) return false;
  for (let i = 0; i < n; i++) if (echoed[i] !== 1) return false;
  return true;
}
