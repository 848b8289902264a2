/**
 * The change sets of the "commit" benchmark, written to a JSON file that every contender reads
 * (bench/anchors/_spec.py, bench/nldb/commit.ts), so all of them make exactly the same changes;
 * `ip -batch` gets the same set as batch lines. The namespace each run starts from is tiny: lo and
 * one veth pair va0/vb0, up, with 10.0.0.1/24 on va0 (the routes' gateway 10.0.0.2 is on it); for
 * a removal, the routes to remove as well (startLines).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type NetnsPool, ipJson } from './netns.js';

export type ChangeKind = 'addresses' | 'routes' | 'veths' | 'routes-remove';

export interface AddressItem { address: string; prefixlen: number }
export interface RouteItem { dst: string; gateway: string; ifname: string }
export interface VethItem { ifname: string; peer: string }

export interface LinkItem { ifname: string }

export type CommitSpec =
  | { kind: 'addresses'; ifname: string; items: AddressItem[] }
  | { kind: 'routes'; items: RouteItem[] }
  /** Routes removed by destination (each run's namespace has them: startLines). */
  | { kind: 'routes-remove'; items: RouteItem[] }
  | { kind: 'veths'; items: VethItem[] }
  /** Links set down (the kernel then flushes the routes through them, without a word). */
  | { kind: 'links-down'; items: LinkItem[] };

const IFNAME = 'va0';
const GATEWAY = '10.0.0.2';

/**
 * The change set of `n` changes of `kind`. Routes go to 172.16.0.0/12 (one /32 each), or, with
 * `routesTo: 'benchmarking'`, to 198.18.0.0/15, outside the big namespace's own 172.16/12 routes
 * (the case that adds a few routes to it: commitBigCase).
 */
export function makeSpec(kind: ChangeKind, n: number, opts: { routesTo?: 'private' | 'benchmarking' } = {}): CommitSpec {
  if (n < 1 || n > (opts.routesTo === 'benchmarking' ? 1 << 17 : 1 << 20)) throw new RangeError(`change count out of range: ${n}`);
  const seq = Array.from({ length: n }, (_, k) => k);
  const quad = (k: number) => `${(k >> 8) & 255}.${k & 255}`;
  switch (kind) {
    case 'addresses':
      return { kind, ifname: IFNAME, items: seq.map((k) => ({ address: `10.${100 + (k >> 16)}.${quad(k)}`, prefixlen: 32 })) };
    case 'routes':
    case 'routes-remove': {
      const dst = opts.routesTo === 'benchmarking' ? (k: number) => `198.${18 + (k >> 16)}.${quad(k)}/32` : (k: number) => `172.${16 + (k >> 16)}.${quad(k)}/32`;
      return { kind, items: seq.map((k) => ({ dst: dst(k), gateway: GATEWAY, ifname: IFNAME })) };
    }
    case 'veths':
      return { kind, items: seq.map((k) => ({ ifname: `cv${k}`, peer: `cp${k}` })) };
  }
}

export function writeSpec(spec: CommitSpec, scratch: string, label: string): string {
  const file = join(scratch, `${label}.json`);
  writeFileSync(file, JSON.stringify(spec));
  return file;
}

export function specBatch(spec: CommitSpec): string[] {
  switch (spec.kind) {
    case 'addresses':
      return spec.items.map((a) => `addr add ${a.address}/${a.prefixlen} dev ${spec.ifname}`);
    case 'routes':
      return spec.items.map((r) => `route add ${r.dst} via ${r.gateway} dev ${r.ifname}`);
    case 'routes-remove':
      return spec.items.map((r) => `route del ${r.dst} via ${r.gateway} dev ${r.ifname}`);
    case 'veths':
      return spec.items.map((v) => `link add ${v.ifname} type veth peer name ${v.peer}`);
    case 'links-down':
      return spec.items.map((l) => `link set ${l.ifname} down`);
  }
}

/** What a run's namespace holds before the change set, beyond commitNamespace's: a removal's routes. */
export function startLines(spec: CommitSpec): string[] {
  return spec.kind === 'routes-remove' ? spec.items.map((r) => `route add ${r.dst} via ${r.gateway} dev ${r.ifname}`) : [];
}

/**
 * A fresh namespace in the starting state of every commit run, and then `start` (startLines: what
 * the run's change set needs there first), untimed.
 */
export function commitNamespace(pool: NetnsPool, tag: string, start: readonly string[] = []): string {
  const ns = pool.create(tag);
  pool.batch(ns, [
    `link add ${IFNAME} type veth peer name vb0`,
    `link set ${IFNAME} up`,
    'link set vb0 up',
    `addr add 10.0.0.1/24 dev ${IFNAME}`,
  ], 'commit-base');
  if (start.length > 0) pool.batch(ns, start, 'commit-start');
  return ns;
}

interface IpAddr { addr_info?: { local?: string; prefixlen?: number }[] }
interface IpRoute { dst?: string }
interface IpLink { ifname?: string }

/** How many of the spec's changes the kernel shows (read with `ip -j`, after the run, untimed). */
export function countApplied(ns: string, spec: CommitSpec): number {
  switch (spec.kind) {
    case 'addresses': {
      const want = new Set(spec.items.map((a) => `${a.address}/${a.prefixlen}`));
      const have = ipJson<IpAddr>(ns, '-4', 'addr', 'show', 'dev', spec.ifname).flatMap((l) => l.addr_info ?? []);
      return have.filter((a) => want.has(`${a.local}/${a.prefixlen}`)).length;
    }
    case 'routes':
    case 'routes-remove': {
      // ip prints a host route's dst without its /32.
      const want = new Set(spec.items.map((r) => r.dst.replace(/\/32$/, '')));
      const there = ipJson<IpRoute>(ns, '-4', 'route', 'show', 'table', 'main').filter((r) => r.dst !== undefined && want.has(r.dst)).length;
      // (A removal's changes are the routes no longer there.)
      return spec.kind === 'routes' ? there : spec.items.length - there;
    }
    case 'veths': {
      const names = new Set(ipJson<IpLink>(ns, 'link', 'show').map((l) => l.ifname));
      return spec.items.filter((v) => names.has(v.ifname) && names.has(v.peer)).length;
    }
    case 'links-down': {
      const down = new Set(ipJson<IpLink & { flags?: string[] }>(ns, 'link', 'show').filter((l) => !(l.flags ?? []).includes('UP')).map((l) => l.ifname));
      return spec.items.filter((l) => down.has(l.ifname)).length;
    }
  }
}
