/**
 * Helpers for the store on the kernel: temp store files (removed after each test, with their WAL
 * files), IPDBs that are closed after each test even when it failed, and a short sleep that moves
 * the clock past the current millisecond (history times are in ms).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { IPDB, type IPDBOptions } from '../../src/index.js';

export function removeStoreFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
}

export function tempStorePath(): string {
  return join(tmpdir(), `nldb-storek-${process.pid}-${randomBytes(6).toString('hex')}.sqlite`);
}

export interface Opened {
  /** A unique store path, removed after the test. */
  path(): string;
  /** IPDB.open, closed (and awaited) after the test. */
  open(options: IPDBOptions): Promise<IPDB>;
}

export function useStoreDbs(): Opened {
  const paths: string[] = [];
  const dbs: IPDB[] = [];
  afterEach(async () => {
    for (const db of dbs.splice(0)) await db.close().catch(() => undefined);
    for (const p of paths.splice(0)) removeStoreFiles(p);
  });
  return {
    path() {
      const p = tempStorePath();
      paths.push(p);
      return p;
    },
    async open(options) {
      const db = await IPDB.open(options);
      dbs.push(db);
      return db;
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
