/**
 * The slice of nldb's public API the contender scripts use, loaded from the BUILT package
 * (dist/index.js), so the bench measures what users get. It is imported dynamically and described
 * by the minimal interfaces below rather than by `import type` from src/: that keeps the bench
 * compiling (and `npm run typecheck` passing) while the library is being written. When nldb's
 * real API differs, adjust these interfaces and the small adapters here, nothing else.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface NldbIPRoute {
  getLinks(): Promise<readonly unknown[]>;
  getAddresses(): Promise<readonly unknown[]>;
  getRoutes(): Promise<readonly unknown[]>;
  close(): Promise<void> | void;
}

export interface NldbIPDB {
  transaction<T>(body: (tx: unknown) => Promise<T>): Promise<T>;
  close(): Promise<void> | void;
}

export interface NldbModule {
  IPRoute: { open(options: { netns: string }): Promise<NldbIPRoute> };
  IPDB: { open(options: { netns: string }): Promise<NldbIPDB> };
}

export async function loadNldb(): Promise<NldbModule> {
  // build/bench/nldb/api.js -> the repository root is three levels up.
  const dist = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', 'index.js');
  if (!existsSync(dist)) throw new Error(`nldb is not built: ${dist} is missing (npm run build)`);
  const mod = (await import(pathToFileURL(dist).href)) as Partial<NldbModule>;
  if (typeof mod.IPRoute?.open !== 'function' || typeof mod.IPDB?.open !== 'function') {
    const missing = [typeof mod.IPRoute?.open !== 'function' ? 'IPRoute.open' : null, typeof mod.IPDB?.open !== 'function' ? 'IPDB.open' : null];
    throw new Error(`dist/index.js does not export ${missing.filter(Boolean).join(' and ')} yet`);
  }
  return mod as NldbModule;
}

/**
 * How many links, addresses and routes an open IPDB holds. Adapter: written before the IPDB API
 * exists, it accepts a `snapshot()` method or `interfaces`/`addresses`/`routes` members holding
 * arrays, Maps or anything with a numeric `size`/`length`. Fix it here once the API is settled.
 */
export function ipdbSizes(db: NldbIPDB): { links: number; addresses: number; routes: number } {
  const holder = db as unknown as Record<string, unknown>;
  const source = typeof holder.snapshot === 'function' ? (holder.snapshot as () => Record<string, unknown>).call(db) : holder;
  const size = (name: string, ...aliases: string[]): number => {
    for (const key of [name, ...aliases]) {
      const v = source[key] as { size?: unknown; length?: unknown } | undefined;
      if (v && typeof v.size === 'number') return v.size;
      if (v && typeof v.length === 'number') return v.length;
    }
    throw new Error(`cannot read the number of ${name} from nldb's IPDB: adjust ipdbSizes() in bench/nldb/api.ts`);
  };
  return { links: size('interfaces', 'links'), addresses: size('addresses'), routes: size('routes') };
}

export function emitCounts(counts: Record<string, number>): void {
  process.stdout.write(`COUNTS ${JSON.stringify(counts)}\n`);
}

export function emitWork(seconds: Record<string, number>): void {
  const rounded = Object.fromEntries(Object.entries(seconds).map(([k, v]) => [k, Math.round(v * 1e6) / 1e6]));
  process.stdout.write(`WORK ${JSON.stringify(rounded)}\n`);
}

/** Seconds since `from` (a performance.now() reading). */
export function since(from: number): number {
  return Math.round(performance.now() - from) / 1000;
}
