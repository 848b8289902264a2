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

/** A collection of an open IPDB (db.interfaces, db.addresses, db.routes, ...). */
export interface NldbCollection {
  readonly size: number;
}

export interface NldbIPDB {
  readonly interfaces: NldbCollection;
  readonly addresses: NldbCollection;
  readonly routes: NldbCollection;
  /** Resolves once every change the kernel announced before the call is in the database. */
  sync(): Promise<void>;
  transaction<T>(body: (tx: unknown) => Promise<T>): Promise<T>;
  close(): Promise<void> | void;
}

export interface NldbModule {
  IPRoute: { open(options: { netns: string }): Promise<NldbIPRoute> };
  IPDB: { open(options: { netns: string }): Promise<NldbIPDB> };
}

/** The built package's directory (build/bench/nldb/api.js -> the repository root is three levels up). */
function distPath(...parts: string[]): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', ...parts);
}

/**
 * The low-level API alone (dist/iproute/index.js), for the benchmarks of IPRoute: a program that
 * only dumps imports this module, not the whole package with the database (rxjs, immer), the
 * way pyroute2's IPRoute is measured without NDB.
 */
export async function loadIPRoute(): Promise<Pick<NldbModule, 'IPRoute'>> {
  const dist = distPath('iproute', 'index.js');
  if (!existsSync(dist)) throw new Error(`nldb is not built: ${dist} is missing (npm run build)`);
  const mod = (await import(pathToFileURL(dist).href)) as Partial<NldbModule>;
  if (typeof mod.IPRoute?.open !== 'function') throw new Error(`${dist} does not export IPRoute.open`);
  return mod as Pick<NldbModule, 'IPRoute'>;
}

export async function loadNldb(): Promise<NldbModule> {
  const dist = distPath('index.js');
  if (!existsSync(dist)) throw new Error(`nldb is not built: ${dist} is missing (npm run build)`);
  const mod = (await import(pathToFileURL(dist).href)) as Partial<NldbModule>;
  if (typeof mod.IPRoute?.open !== 'function' || typeof mod.IPDB?.open !== 'function') {
    const missing = [typeof mod.IPRoute?.open !== 'function' ? 'IPRoute.open' : null, typeof mod.IPDB?.open !== 'function' ? 'IPDB.open' : null];
    throw new Error(`dist/index.js does not export ${missing.filter(Boolean).join(' and ')} yet`);
  }
  return mod as NldbModule;
}

/** How many links, addresses and routes an open IPDB holds (each collection's size: no copy, no sort). */
export function ipdbSizes(db: NldbIPDB): { links: number; addresses: number; routes: number } {
  return { links: db.interfaces.size, addresses: db.addresses.size, routes: db.routes.size };
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
