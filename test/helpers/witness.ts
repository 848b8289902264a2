/**
 * `ip -j` as an independent witness of a namespace's whole state, in the database's record shapes.
 *
 * kernelState(ns) reads `ip -j -d link`, `ip -j addr`, `ip -j -d -4/-6 route show table all`,
 * `ip -j -4/-6 rule` and `ip -j neigh show nud all` and converts them, following ip's own printing
 * rules (host routes printed without /32 or /128, table names, 'all' for any source, names for
 * interface indexes), without any of the library's decoding. projectSnapshot(db.snapshot()) keeps
 * the same fields of the database's records. diffStates() compares the two field by field:
 *
 *   interface   index ifname kind mtu address state operstate master link
 *   address     index family address prefixlen
 *   route       family table dst src gateway oif priority protocol scope type multipath onlink
 *               encap (its type) realms nhid
 *   rule        family priority table src dst action
 *   neighbour   index family dst lladdr state
 *
 * One thing is left out on purpose on both sides: NOARP neighbour entries for multicast and
 * broadcast link-layer addresses, which the kernel makes without announcing them (the database
 * does not mirror them, see src/ipdb/mirrored.ts).
 *
 * settle(db, ns) waits until they agree (db.sync(), compare, retry briefly: the kernel keeps
 * making some objects by itself, such as NOARP multicast neighbours, between two readings).
 */
import { spawnSync } from 'node:child_process';

/** `ip -n NS -j args...` parsed; a large output buffer, since a namespace may hold 100,000 routes. */
function ipJson<T = any>(ns: string, ...args: string[]): T[] {
  const r = spawnSync('ip', ['-n', ns, '-j', ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`ip -n ${ns} -j ${args.join(' ')}: ${r.stderr?.trim() ?? r.error}`);
  const out = r.stdout.trim();
  return out === '' ? [] : (JSON.parse(out) as T[]);
}

export interface WInterface { index: number; ifname: string; kind: string | null; mtu: number; address: string | null; state: 'up' | 'down'; operstate: string; master: number | null; link: number | null }
export interface WAddress { index: number; family: 4 | 6; address: string; prefixlen: number }
export interface WNextHop { gateway: string | null; oif: number | null; weight: number; onlink: boolean; encap: string | null; realms: number | null }
export interface WRoute { family: 4 | 6; table: number; dst: string; src: string | null; gateway: string | null; oif: number | null; priority: number | null; protocol: string; scope: string; type: string; multipath: WNextHop[] | null; onlink: boolean; encap: string | null; realms: number | null; nhid: number | null }
export interface WRule { family: 4 | 6; priority: number; table: number; src: string | null; dst: string | null; action: string }
export interface WNeighbour { index: number; family: 4 | 6; dst: string; lladdr: string | null; state: string }

export interface WState {
  interfaces: WInterface[];
  addresses: WAddress[];
  routes: WRoute[];
  rules: WRule[];
  neighbours: WNeighbour[];
}

const TABLES: Record<string, number> = { unspec: 0, default: 253, main: 254, local: 255 };

function table(t: unknown): number {
  if (t === undefined || t === null) return 254;
  if (typeof t === 'number') return t;
  const s = String(t);
  return TABLES[s] ?? Number(s);
}

/** ip prints an interface it cannot name as "ifN". */
function indexOf(names: Map<string, number>, name: unknown): number | null {
  if (name === undefined || name === null) return null;
  const s = String(name);
  const known = names.get(s);
  if (known !== undefined) return known;
  const m = /^if(\d+)$/.exec(s);
  if (m) return Number(m[1]);
  throw new Error(`witness: unknown interface name ${s}`);
}

/** ip's "flow" of a route (or next hop), { from?, to } realms, as RTA_FLOW's number. */
export function realmsIn(x: { flow?: { from?: string; to?: string } }): number | null {
  if (x.flow === undefined) return null;
  return ((Number(x.flow.from ?? 0) << 16) | Number(x.flow.to ?? 0)) >>> 0;
}

/** Whether ip's flags of a route (or next hop) include "onlink". */
function onlinkIn(x: { flags?: string[] }): boolean {
  return (x.flags ?? []).includes('onlink');
}

function fullPrefix(dst: string, family: 4 | 6): string {
  if (dst === 'default') return 'default';
  return dst.includes('/') ? dst : `${dst}/${family === 4 ? 32 : 128}`;
}

function withLen(addr: unknown, len: unknown, family: 4 | 6): string | null {
  if (addr === undefined || addr === 'all') return null;
  return `${String(addr)}/${len === undefined ? (family === 4 ? 32 : 128) : Number(len)}`;
}

/** The namespace's state as `ip -j` shows it, in record shapes. */
export function kernelState(ns: string): WState {
  const links = ipJson<any>(ns, '-d', 'link', 'show');
  const names = new Map<string, number>(links.map((l) => [l.ifname as string, l.ifindex as number]));
  const interfaces: WInterface[] = links.map((l) => ({
    index: l.ifindex,
    ifname: l.ifname,
    kind: l.linkinfo?.info_kind ?? null,
    mtu: l.mtu,
    address: l.address ?? null,
    state: (l.flags as string[]).includes('UP') ? 'up' : 'down',
    operstate: l.operstate,
    master: indexOf(names, l.master),
    // With the peer in another namespace ip prints link_index (and link_netnsid).
    link: l.link_index ?? indexOf(names, l.link),
  }));

  const addresses: WAddress[] = [];
  for (const l of ipJson<any>(ns, 'addr', 'show')) {
    for (const a of l.addr_info ?? []) {
      if (a.family !== 'inet' && a.family !== 'inet6') continue;
      addresses.push({ index: l.ifindex, family: a.family === 'inet' ? 4 : 6, address: a.local, prefixlen: a.prefixlen });
    }
  }

  const routes: WRoute[] = [];
  for (const family of [4, 6] as const) {
    for (const r of ipJson<any>(ns, `-${family}`, '-d', 'route', 'show', 'table', 'all')) {
      routes.push({
        family,
        table: table(r.table),
        dst: fullPrefix(r.dst, family),
        // A source-specific IPv6 route's source prefix ("from"; ip leaves it out when there is none).
        src: r.from !== undefined ? fullPrefix(r.from, family) : null,
        // An IPv6 next hop of an IPv4 route is shown as "via": { family: "inet6", host }.
        gateway: r.gateway ?? r.via?.host ?? null,
        oif: indexOf(names, r.dev),
        priority: r.metric ?? null,
        protocol: String(r.protocol),
        scope: String(r.scope),
        type: String(r.type),
        multipath: r.nexthops
          ? r.nexthops.map((h: any) => ({
            gateway: h.gateway ?? h.via?.host ?? null, oif: indexOf(names, h.dev), weight: h.weight ?? 1, onlink: onlinkIn(h), encap: h.encap ?? null, realms: realmsIn(h),
          }))
          : null,
        onlink: onlinkIn(r),
        // The encapsulation's type only. (ip -j prints an `encap ip` route's tunnel destination
        // under "dst", the route's own key: such routes do not go through this witness.)
        encap: r.encap ?? null,
        realms: realmsIn(r),
        nhid: r.nhid ?? null,
      });
    }
  }

  const rules: WRule[] = [];
  for (const family of [4, 6] as const) {
    for (const r of ipJson<any>(ns, `-${family}`, 'rule', 'show')) {
      const action = r.goto !== undefined ? 'goto' : 'nop' in r ? 'nop' : r.action !== undefined ? String(r.action) : 'to_tbl';
      rules.push({
        family,
        priority: r.priority,
        table: r.table === undefined ? 0 : table(r.table),
        src: withLen(r.src, r.srclen, family),
        dst: withLen(r.dst, r.dstlen, family),
        action,
      });
    }
  }

  // Left out, as the database leaves them out (src/ipdb/mirrored.ts): NOARP entries for group
  // link-layer addresses (multicast and broadcast), which the kernel makes without announcing.
  const silent = (n: any): boolean => n.lladdr !== undefined && (parseInt(String(n.lladdr).slice(0, 2), 16) & 1) === 1
    && (n.state as string[]).length === 1 && n.state[0] === 'NOARP';
  const neighbours: WNeighbour[] = ipJson<any>(ns, 'neigh', 'show', 'nud', 'all').filter((n) => !silent(n)).map((n) => ({
    index: indexOf(names, n.dev)!,
    family: String(n.dst).includes(':') ? 6 : 4,
    dst: n.dst,
    lladdr: n.lladdr ?? null,
    state: (n.state as string[]).join('|'),
  }));

  return { interfaces, addresses, routes, rules, neighbours };
}

/** The same fields of the database's records (anything with the snapshot's five arrays). */
export function projectSnapshot(s: { interfaces: readonly any[]; addresses: readonly any[]; routes: readonly any[]; rules: readonly any[]; neighbours: readonly any[] }): WState {
  return {
    interfaces: s.interfaces.map((r) => ({
      index: r.index, ifname: r.ifname, kind: r.kind, mtu: r.mtu, address: r.address, state: r.state, operstate: r.operstate,
      master: r.master, link: r.link,
    })),
    addresses: s.addresses.map((r) => ({ index: r.index, family: r.family, address: r.address, prefixlen: r.prefixlen })),
    routes: s.routes.map((r) => ({
      family: r.family, table: r.table, dst: r.dst, src: r.src, gateway: r.gateway, oif: r.oif, priority: r.priority, protocol: r.protocol,
      scope: r.scope, type: r.type,
      multipath: r.multipath ? r.multipath.map((h: any) => ({ gateway: h.gateway, oif: h.oif, weight: h.weight, onlink: h.onlink, encap: h.encap?.type ?? null, realms: h.realms })) : null,
      onlink: r.onlink,
      encap: r.encap?.type ?? null,
      realms: r.realms,
      nhid: r.nhid,
    })),
    rules: s.rules.map((r) => ({ family: r.family, priority: r.priority, table: r.table, src: r.src, dst: r.dst, action: r.action })),
    neighbours: s.neighbours.map((r) => ({ index: r.index, family: r.family, dst: r.dst, lladdr: r.lladdr, state: r.state })),
  };
}

/** How records of a kind are matched before their fields are compared (the rest must be equal). */
const MATCH: { [K in keyof WState]: (r: WState[K][number]) => string } = {
  interfaces: (r) => String(r.index),
  addresses: (r) => JSON.stringify(r),
  routes: (r) => JSON.stringify(r),
  rules: (r) => JSON.stringify(r),
  neighbours: (r) => `${r.family}|${r.index}|${r.dst}`,
};

/**
 * Every difference, as lines: 'routes: only in db {...}', 'interfaces 3 mtu: db 1500, ip 9000'.
 * Lists compare as multisets (a duplicate on one side is a difference).
 */
export function diffStates(db: WState, ip: WState): string[] {
  const out: string[] = [];
  for (const kind of Object.keys(MATCH) as (keyof WState)[]) {
    const key = MATCH[kind] as (r: unknown) => string;
    const left = group(db[kind], key);
    const right = group(ip[kind], key);
    for (const [k, a] of left) {
      const b = right.get(k) ?? [];
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        const x = a[i];
        const y = b[i];
        if (y === undefined) out.push(`${kind}: only in db ${JSON.stringify(x)}`);
        else if (x === undefined) out.push(`${kind}: only in ip ${JSON.stringify(y)}`);
        else {
          for (const f of Object.keys(y as object)) {
            const xv = JSON.stringify((x as any)[f]);
            const yv = JSON.stringify((y as any)[f]);
            if (xv !== yv) out.push(`${kind} ${k} ${f}: db ${xv}, ip ${yv}`);
          }
        }
      }
    }
    for (const [k, b] of right) if (!left.has(k)) for (const y of b) out.push(`${kind}: only in ip ${JSON.stringify(y)}`);
  }
  return out;
}

function group<T>(list: readonly T[], key: (r: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of list) {
    const k = key(r);
    const g = m.get(k);
    if (g) g.push(r);
    else m.set(k, [r]);
  }
  return m;
}

export interface Synced {
  sync(): Promise<void>;
  snapshot(): Parameters<typeof projectSnapshot>[0];
}

/** Differences between the database (after sync) and `ip -j` now. */
export async function compareNow(db: Synced, ns: string): Promise<string[]> {
  await db.sync();
  return diffStates(projectSnapshot(db.snapshot()), kernelState(ns));
}

/**
 * Waits until the database agrees with `ip -j` in every listed field, or throws with the
 * differences. Retries only briefly: the database must already be right once synced, but the
 * kernel changes some objects by itself between the two readings.
 */
export async function settle(db: Synced, ns: string, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const diffs = await compareNow(db, ns);
    if (diffs.length === 0) return;
    if (Date.now() > end) throw new Error(`database and ip -j differ in ${ns}:\n  ${diffs.slice(0, 40).join('\n  ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** IPv6 duplicate address detection off in the namespace: addresses and their routes appear at once. */
export function noDad(ns: string): void {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sysctl in ${ns}: ${r.stderr}`);
}
