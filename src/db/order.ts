/**
 * Per-kind reading conventions: the stable order records are listed in, and the friendly names a
 * collection's `get` accepts besides the identity key (pyroute2 spellings: `interfaces.eth0`,
 * `routes['10.0.0.0/24']`, `addresses['10.0.0.1/24']`).
 */
import type { RecordByKind, RecordKind, RouteRecord } from '../iproute/records.js';

type Rec<K extends RecordKind> = RecordByKind[K];
type Cmp<R> = (a: R, b: R) => number;

const num = (a: number | null, b: number | null): number => (a ?? -1) - (b ?? -1);
const str = (a: string | null, b: string | null): number => ((a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0);

/** 'default' first, as `ip route` lists it. */
const dstOrder = (dst: string): string => (dst === 'default' ? '' : dst);

/** Stable list order per kind; ties are broken by key by the caller. */
export const ORDER: { readonly [K in RecordKind]: Cmp<Rec<K>> } = {
  interface: (a, b) => a.index - b.index,
  address: (a, b) => a.index - b.index || a.family - b.family || str(a.address, b.address) || a.prefixlen - b.prefixlen,
  route: (a, b) => a.family - b.family || a.table - b.table || str(dstOrder(a.dst), dstOrder(b.dst)) || num(a.priority, b.priority),
  rule: (a, b) => a.family - b.family || a.priority - b.priority,
  neighbour: (a, b) => a.index - b.index || a.family - b.family || str(a.dst, b.dst),
};

/** Spells a destination the way records do: 'default' or a CIDR with its length. */
export function normaliseDst(dst: string): string {
  if (dst === 'default' || dst === '0.0.0.0/0' || dst === '::/0') return 'default';
  if (dst.includes('/')) return dst;
  return dst.includes(':') ? `${dst}/128` : `${dst}/32`;
}

/** Which of two routes a bare destination means: the main table, then the lowest metric. */
function preferRoute(a: RouteRecord, b: RouteRecord): boolean {
  const main = (r: RouteRecord): number => (r.table === 254 ? 0 : 1);
  return main(a) - main(b) < 0 || (main(a) === main(b) && (a.family - b.family < 0 || (a.family === b.family && num(a.priority, b.priority) < 0)));
}

/**
 * Names each record answers to besides its key. Primary names win over secondary ones (an
 * interface called "2" over the interface whose index is 2); between records, the earlier in list
 * order keeps a name unless `better` says the later one should take it.
 */
export interface Aliases<R> {
  /** Look a string up as a name before trying it as a key (interfaces: their key is the index). */
  namesFirst?: boolean;
  primary(record: R): readonly string[];
  secondary?(record: R): readonly string[];
  normalise?(query: string): string;
  better?(candidate: R, current: R): boolean;
}

export const ALIASES: { readonly [K in RecordKind]: Aliases<Rec<K>> } = {
  interface: { namesFirst: true, primary: (r) => [r.ifname, ...r.altnames], secondary: (r) => [String(r.index)] },
  address: { primary: (r) => [`${r.address}/${r.prefixlen}`], secondary: (r) => [r.address] },
  route: { primary: (r) => [r.dst], normalise: normaliseDst, better: preferRoute },
  rule: { primary: (r) => [String(r.priority)] },
  neighbour: { primary: (r) => [r.dst] },
};
