/**
 * `ip -j -d` output read into record shapes, so kernel tests can compare IPRoute's records with an
 * independent witness field by field. Only what ip prints is compared; the conversions here
 * follow ip's printing rules (host routes without /32, 'all' for any source, table names,
 * hex fwmarks) and nothing of the library's own code is used.
 */
import { spawnSync } from 'node:child_process';
import { ipJson } from '../helpers/netns.js';
import { realmsIn } from '../helpers/witness.js';

const TABLE_NAMES: Record<string, number> = { unspec: 0, default: 253, main: 254, local: 255 };

export function tableNumber(t: string | number | undefined): number {
  if (t === undefined) return 254;
  if (typeof t === 'number') return t;
  return TABLE_NAMES[t] ?? Number(t);
}

/** name → index for the namespace's links. */
export function ifindexes(ns: string): Map<string, number> {
  return new Map(ipJson<{ ifname: string; ifindex: number }>(ns, 'link', 'show').map((l) => [l.ifname, l.ifindex]));
}

/** ip prints a host route's dst without its length; records always carry it. */
function prefix(dst: string, family: 4 | 6): string {
  if (dst === 'default') return 'default';
  return dst.includes('/') ? dst : `${dst}/${family === 4 ? 32 : 128}`;
}

export interface WitnessRoute {
  family: 4 | 6; table: number; dst: string; gateway: string | null; oif: number | null; priority: number | null;
  protocol: string; scope: string; type: string; prefsrc: string | null; pref: string | null;
  multipath: { gateway: string | null; oif: number | null; weight: number; onlink: boolean; encap: { type: string } | null; realms: number | null }[] | null;
  metrics: Record<string, number> | null;
  onlink: boolean;
  realms: number | null;
}

export function witnessRoutes(ns: string, family: 4 | 6): WitnessRoute[] {
  const idx = ifindexes(ns);
  const dev = (d: string | undefined) => (d === undefined ? null : idx.get(d) ?? -1);
  return ipJson<any>(ns, `-${family}`, '-d', 'route', 'show', 'table', 'all').map((r) => ({
    family,
    table: tableNumber(r.table),
    dst: prefix(r.dst, family),
    gateway: r.gateway ?? null,
    oif: dev(r.dev),
    priority: r.metric ?? null,
    protocol: String(r.protocol),
    scope: String(r.scope),
    type: String(r.type),
    prefsrc: r.prefsrc ?? null,
    pref: r.pref ?? null,
    multipath: r.nexthops
      ? r.nexthops.map((nh: any) => ({
        gateway: nh.gateway ?? null, oif: dev(nh.dev), weight: nh.weight ?? 1, onlink: (nh.flags ?? []).includes('onlink'),
        // (ip shows an encapsulation's attributes its own way: only its type is compared.)
        encap: nh.encap === undefined ? null : { type: String(nh.encap) }, realms: realmsIn(nh),
      }))
      : null,
    metrics: r.metrics ? Object.assign({}, ...r.metrics) : null,
    onlink: (r.flags ?? []).includes('onlink'),
    realms: realmsIn(r),
  }));
}

export interface WitnessAddress { index: number; family: 4 | 6; address: string; prefixlen: number; peer: string | null; broadcast: string | null; label: string | null; scope: string }

export function witnessAddresses(ns: string): WitnessAddress[] {
  const out: WitnessAddress[] = [];
  for (const link of ipJson<any>(ns, 'addr', 'show')) {
    for (const a of link.addr_info ?? []) {
      if (a.family !== 'inet' && a.family !== 'inet6') continue;
      out.push({
        index: link.ifindex,
        family: a.family === 'inet' ? 4 : 6,
        address: a.local,
        prefixlen: a.prefixlen,
        peer: a.address ?? null,
        broadcast: a.broadcast ?? null,
        label: a.label ?? null,
        scope: a.scope,
      });
    }
  }
  return out;
}

export interface WitnessRule {
  family: 4 | 6; priority: number; table: number; src: string | null; dst: string | null; action: string;
  goto: number | null; iifname: string | null; oifname: string | null; fwmark: number | null; fwmask: number | null; protocol: string | null;
}

export function witnessRules(ns: string, family: 4 | 6): WitnessRule[] {
  return ipJson<any>(ns, `-${family}`, '-d', 'rule', 'show').map((r) => {
    const action = r.goto !== undefined ? 'goto' : r.action !== undefined ? String(r.action) : 'to_tbl';
    return {
      family,
      priority: r.priority,
      table: action === 'to_tbl' ? tableNumber(r.table) : 0,
      src: r.src === 'all' || r.src === undefined ? null : `${r.src}/${r.srclen ?? (family === 4 ? 32 : 128)}`,
      dst: r.dst === undefined || r.dst === 'all' ? null : `${r.dst}/${r.dstlen ?? (family === 4 ? 32 : 128)}`,
      action,
      goto: r.goto ?? null,
      iifname: r.iif ?? null,
      oifname: r.oif ?? null,
      fwmark: r.fwmark !== undefined ? Number(r.fwmark) : null,
      fwmask: r.fwmask !== undefined ? Number(r.fwmask) : null,
      protocol: r.protocol ?? null,
    };
  });
}

export interface WitnessNeighbour { index: number; dst: string; lladdr: string | null; state: string }

export function witnessNeighbours(ns: string): WitnessNeighbour[] {
  const idx = ifindexes(ns);
  // ip hides NOARP entries unless asked for every state.
  return ipJson<any>(ns, 'neigh', 'show', 'nud', 'all').map((n) => ({
    index: idx.get(n.dev) ?? -1,
    dst: n.dst,
    lladdr: n.lladdr ?? null,
    state: (n.state as string[]).join('|'),
  }));
}

/** Sorts by a JSON rendering, so two lists of records compare as sets. */
export function sorted<T>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
}

/** The fields of `r` named in `keys`, for comparing a record with a witness that prints fewer fields. */
export function pick<T extends object, K extends keyof T>(r: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) out[k] = r[k];
  return out;
}

/**
 * Turns IPv6 duplicate address detection off inside the (throwaway) namespace, so addresses and
 * their local routes exist at once instead of a second later, and two snapshots taken a moment
 * apart agree.
 */
export function noDad(ns: string): void {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sysctl in ${ns}: ${r.stderr}`);
}
