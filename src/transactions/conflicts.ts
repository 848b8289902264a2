/**
 * Conflicts: what the transaction changes that someone else changed after begin(). Checked at
 * commit, before anything is sent, between the snapshot the transaction began from and the
 * database's current one. Field level: for a link, only the fields the transaction sets; objects
 * the transaction does not touch never conflict, whatever happened to them.
 *
 * - a link field the tx sets differs now from what it was at begin → changed (that field)
 * - an object the tx sets, replaces or deletes is gone → gone
 * - an object the tx deletes or replaces differs now → changed (fields that churn on their own
 *   are left out: an address's flags change when IPv6 DAD ends, a neighbour's state all the time)
 * - an object (or link name, or index) the tx creates exists now → exists
 * - a link the tx puts something on (address, route, neighbour, port) is gone → gone
 */
import type { InterfaceRecord, RecordKind, RouteRecord } from '../iproute/records.js';
import { keyOf, keysOf, tableOf, type TxBase } from './base.js';
import { sameRecord, type KeyedEdit, type TxEdits } from './edits.js';
import type { Conflict } from './errors.js';
import { linkField } from './link-flags.js';
import { LINK_SET_FIELDS } from './ops.js';
import { labelOf } from './plan.js';
import { BaseIndexes, routeLinks, sameSlot } from './state.js';

type KeyedKind = Exclude<RecordKind, 'interface'>;
const TABLES: Record<KeyedKind, 'addresses' | 'routes' | 'rules' | 'neighbours'> = {
  address: 'addresses', route: 'routes', rule: 'rules', neighbour: 'neighbours',
};

/** Fields left out when comparing objects of a kind: they change without anyone asking. */
const VOLATILE: Record<KeyedKind, readonly string[]> = {
  address: ['flags'],
  route: [],
  rule: [],
  neighbour: ['state', 'flags'],
};

function stable(kind: KeyedKind, r: unknown): Record<string, unknown> {
  const out = { ...(r as Record<string, unknown>) };
  for (const f of VOLATILE[kind]) delete out[f];
  return out;
}

function link(base: TxBase, index: number): InterfaceRecord | undefined {
  return base.interfaces.get(keyOf(keysOf(base), 'interface', { index } as InterfaceRecord));
}

export function detectConflicts(atBegin: TxBase, current: TxBase, edits: TxEdits): Conflict[] {
  const out: Conflict[] = [];
  // Nothing changed since begin(): nothing to compare (a database snapshot is immutable).
  if (atBegin.source !== undefined && atBegin.source === current.source) return out;
  const gone = (kind: RecordKind, key: string, was: unknown) =>
    out.push({ kind, key, field: null, reason: 'gone', atBegin: was, now: undefined, label: labelOf(kind, was) });
  const ikey = (index: number) => keyOf(keysOf(current), 'interface', { index } as InterfaceRecord);

  // Links the transaction sets, deletes or moves.
  for (const [index, fields] of edits.links.set) {
    const b = link(atBegin, index);
    const c = link(current, index);
    if (!b) continue;
    if (!c) { gone('interface', ikey(index), b); continue; }
    for (const f of Object.keys(fields)) {
      const was = linkField(b, f);
      const is = linkField(c, f);
      if (!sameRecord(was, is)) {
        out.push({ kind: 'interface', key: ikey(index), field: f, reason: 'changed', atBegin: was, now: is, label: labelOf('interface', b) });
      }
    }
  }
  for (const index of [...edits.links.removed, ...edits.links.moved.keys()]) {
    const b = link(atBegin, index);
    const c = link(current, index);
    if (!b) continue;
    if (!c) { gone('interface', ikey(index), b); continue; }
    for (const f of LINK_SET_FIELDS) {
      const was = linkField(b, f);
      const is = linkField(c, f);
      if (!sameRecord(was, is)) {
        out.push({ kind: 'interface', key: ikey(index), field: f, reason: 'changed', atBegin: was, now: is, label: labelOf('interface', b) });
      }
    }
  }

  // Links the transaction creates: their names and indexes must still be free.
  const removed = new Set([...edits.links.removed, ...edits.links.moved.keys()]);
  const createdIndexes = new Set<number>();
  // The links now by name, made once (200 new links in a namespace of 2,000 would otherwise be
  // 400 passes over them).
  let byName: Map<string, InterfaceRecord[]> | undefined;
  for (const c of edits.links.created) {
    for (const r of c.peer ? [c.record, c.peer] : [c.record]) {
      createdIndexes.add(r.index);
      const byIndex = link(current, r.index);
      if (byIndex && !link(atBegin, r.index)) {
        out.push({ kind: 'interface', key: ikey(r.index), field: 'index', reason: 'exists', atBegin: undefined, now: byIndex, label: labelOf('interface', r) });
      }
      if (byName === undefined) {
        byName = new Map();
        for (const l of current.interfaces.values()) {
          const list = byName.get(l.ifname);
          if (list) list.push(l);
          else byName.set(l.ifname, [l]);
        }
      }
      for (const l of byName.get(r.ifname) ?? []) {
        // A link that had the name at begin is the draft's business (renamed or removed by it).
        if (removed.has(l.index) || link(atBegin, l.index)?.ifname === l.ifname) continue;
        out.push({ kind: 'interface', key: ikey(l.index), field: 'ifname', reason: 'exists', atBegin: undefined, now: l, label: labelOf('interface', r) });
      }
    }
  }

  // Keyed objects.
  const needLinks = new Set<number>();
  let nowAt: BaseIndexes | undefined;
  for (const kind of Object.keys(TABLES) as KeyedKind[]) {
    const edited = edits[TABLES[kind]] as ReadonlyMap<string, KeyedEdit<unknown>>;
    const unchanged = tableOf(atBegin, kind).source !== undefined && tableOf(atBegin, kind).source === tableOf(current, kind).source;
    for (const [key, e] of edited) {
      if (e.final !== null) {
        const f = e.final as Record<string, unknown>;
        if (kind === 'route') for (const i of routeLinks(e.final as never)) needLinks.add(i);
        else if (kind !== 'rule') needLinks.add(f.index as number);
      }
      if (unchanged) continue;
      const b = tableOf(atBegin, kind).get(key);
      const c = tableOf(current, kind).get(key);
      if (b === undefined) {
        if (c !== undefined && e.final !== null && e.intent !== 'replace') {
          out.push({ kind, key, field: null, reason: 'exists', atBegin: undefined, now: c, label: labelOf(kind, c) });
        } else if (c === undefined && kind === 'route' && e.intent === 'create' && e.final !== null) {
          // The kernel's slot (table, destination, metric, tos) takes one route an add does not
          // append to: another route there since begin() would refuse this one (EEXIST) after
          // other operations went out. (A route the transaction removes frees its slot.)
          const r = e.final as RouteRecord;
          nowAt ??= new BaseIndexes(current);
          for (const k of nowAt.routesAt(r.family, r.table, r.dst)) {
            const other = tableOf(current, 'route').get(k);
            if (!other || k === key || !sameSlot(other, r) || tableOf(atBegin, 'route').get(k) !== undefined || edited.get(k)?.final === null) continue;
            out.push({ kind, key: k, field: null, reason: 'exists', atBegin: undefined, now: other, label: labelOf(kind, other) });
          }
        }
        continue;
      }
      if (c === undefined) { gone(kind, key, b); continue; }
      if (!sameRecord(stable(kind, b), stable(kind, c))) {
        out.push({ kind, key, field: null, reason: 'changed', atBegin: b, now: c, label: labelOf(kind, b) });
      }
    }
  }
  for (const [, fields] of edits.links.set) if (typeof fields.master === 'number') needLinks.add(fields.master);
  for (const c of edits.links.created) {
    for (const r of c.peer ? [c.record, c.peer] : [c.record]) {
      if (r.master !== null) needLinks.add(r.master);
      if (r.kind !== 'veth' && r.link !== null) needLinks.add(r.link);
    }
  }
  for (const i of needLinks) {
    if (createdIndexes.has(i)) continue;
    const b = link(atBegin, i);
    if (b && !link(current, i) && !out.some((c) => c.kind === 'interface' && c.key === ikey(i) && c.reason === 'gone')) {
      gone('interface', ikey(i), b);
    }
  }
  return out;
}
