/** Temp store files (removed after each test), a fake clock, and databases over the fake source. */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { Database } from '../../src/db/database.js';
import { Store, type StoreOptions } from '../../src/store/index.js';
import { FakeSource } from '../db/fake-source.js';

export function removeStoreFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
}

export interface StoreFiles {
  /** A unique path under the OS temp dir, removed (with its WAL files) after the test. */
  path(): string;
  /** Opens a store (at a new path by default) that is closed after the test, even a failed one. */
  open(options?: StoreOptions, path?: string): Store;
}

export function useStoreFiles(): StoreFiles {
  const made: string[] = [];
  const stores: Store[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close().catch(() => undefined);
    for (const p of made.splice(0)) removeStoreFiles(p);
  });
  const files: StoreFiles = {
    path() {
      const p = join(tmpdir(), `nldb-store-${process.pid}-${randomBytes(6).toString('hex')}.sqlite`);
      made.push(p);
      return p;
    },
    open(options = {}, path = files.path()) {
      const s = Store.open(path, options);
      stores.push(s);
      return s;
    },
  };
  return files;
}

/** A clock the test moves by hand. */
export class FakeClock {
  constructor(public t = 1_700_000_000_000) {}
  readonly now = (): number => this.t;
  advance(ms: number): number {
    this.t += ms;
    return this.t;
  }
}

/** An open database over a fresh fake source (seeded with `seed` before the load). */
export async function openDb(seed?: (s: FakeSource) => void): Promise<{ db: Database; source: FakeSource }> {
  const source = new FakeSource();
  seed?.(source);
  const db = new Database();
  await db.open(source);
  return { db, source };
}
