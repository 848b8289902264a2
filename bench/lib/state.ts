/**
 * The big namespace of the "dump" and "ipdb-open" benchmarks: P veth pairs (both ends up, one
 * IPv4 address on each first end) and R IPv4 /32 routes in table main, spread over the first
 * ends with a gateway each. Built with two `ip -batch` runs (about 1.7 s at full size), then
 * counted by `ip -j` once the kernel has settled; those counts are what every contender must see.
 */
import { type Counts } from './protocol.js';
import { type NetnsPool, ipJson } from './netns.js';

export interface StateSize {
  pairs: number;
  routes: number;
}

export interface BuiltState {
  ns: string;
  size: StateSize;
  counts: Counts;
  buildMs: number;
}

const linkAddr = (i: number) => `10.${i >> 8}.${i & 255}`;
const hostRoute = (k: number) => `172.${16 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}/32`;

export function stateBatches(size: StateSize): { links: string[]; config: string[] } {
  if (size.pairs < 1 || size.pairs > 65_536) throw new RangeError(`pairs out of range: ${size.pairs}`);
  if (size.routes < 0 || size.routes > 1 << 20) throw new RangeError(`routes out of range: ${size.routes}`);
  const links: string[] = [];
  const config: string[] = [];
  for (let i = 0; i < size.pairs; i++) {
    links.push(`link add va${i} type veth peer name vb${i}`);
    config.push(`link set va${i} up`, `link set vb${i} up`, `addr add ${linkAddr(i)}.1/24 dev va${i}`);
  }
  for (let k = 0; k < size.routes; k++) {
    const i = k % size.pairs;
    config.push(`route add ${hostRoute(k)} via ${linkAddr(i)}.2 dev va${i}`);
  }
  return { links, config };
}

/** The `route add` lines of stateBatches for the routes through va<i> (those its going down flushes). */
export function routeLinesVia(size: StateSize, i: number): string[] {
  const out: string[] = [];
  for (let k = i; k < size.routes; k += size.pairs) out.push(`route add ${hostRoute(k)} via ${linkAddr(i)}.2 dev va${i}`);
  return out;
}

export async function buildState(pool: NetnsPool, size: StateSize, tag: string): Promise<BuiltState> {
  const started = Date.now();
  const { links, config } = stateBatches(size);
  const ns = pool.create(tag);
  try {
    pool.batch(ns, links, 'links');
    pool.batch(ns, config, 'config');
    const counts = await settledCounts(ns);
    return { ns, size, counts, buildMs: Date.now() - started };
  } catch (err) {
    pool.delete(ns);
    throw err;
  }
}

interface IpAddrEntry {
  addr_info?: unknown[];
}

/** What `ip -j` shows: links, addresses (all families) and routes of every table and family. */
export function countState(ns: string): Counts {
  return {
    links: ipJson(ns, 'link', 'show').length,
    addresses: ipJson<IpAddrEntry>(ns, 'addr', 'show').reduce((n, l) => n + (l.addr_info?.length ?? 0), 0),
    routes: ipJson(ns, 'route', 'show', 'table', 'all').length,
  };
}

/** Counts again until two readings 300 ms apart agree (IPv6 set-up after link-up is asynchronous). */
export async function settledCounts(ns: string, maxMs = 30_000): Promise<Counts> {
  const started = Date.now();
  let previous = countState(ns);
  for (;;) {
    await new Promise((r) => setTimeout(r, 300));
    const current = countState(ns);
    if (JSON.stringify(current) === JSON.stringify(previous)) return current;
    if (Date.now() - started > maxMs) throw new Error(`namespace ${ns} did not settle within ${maxMs} ms`);
    previous = current;
  }
}

/**
 * The big namespace, built on first use and shared by the cases that read it ("dump" and
 * "ipdb-open" only read, so one build serves both); run.ts releases it when they are done.
 */
export class SharedState {
  private built: Promise<BuiltState> | null = null;

  constructor(
    private readonly pool: NetnsPool,
    readonly size: StateSize,
    private readonly log: (line: string) => void,
  ) {}

  get(): Promise<BuiltState> {
    if (!this.built) {
      this.log(`   building namespace: ${this.size.pairs} veth pairs, ${this.size.routes} routes (ip -batch)`);
      this.built = buildState(this.pool, this.size, 'state');
      this.built.then(
        (s) => this.log(`   built ${s.ns} in ${(s.buildMs / 1000).toFixed(1)} s`),
        () => undefined,
      );
    }
    return this.built;
  }

  async release(): Promise<void> {
    const built = this.built;
    this.built = null;
    if (!built) return;
    const state = await built.catch(() => null);
    if (state) this.pool.delete(state.ns);
  }
}
