/**
 * What `nldb history` and `nldb checkpoint` share: the --store and --netns options, opening the
 * store file alone (reading what was recorded) or a database recording into it (saving, comparing
 * with now, restoring), and reading times given on the command line.
 */
import { existsSync } from 'node:fs';
import { IPDB, openStore, type NamespaceStore, type Store } from '../../index.js';
import { listNetns } from '../../transport/index.js';
import type { Parsed } from '../args.js';
import { str } from '../args.js';
import type { CommandContext } from '../context.js';
import { CliFailure, UsageError } from '../exit.js';
import { makeProgress } from '../progress.js';

export const STORE_OPTIONS = {
  store: { type: 'string', short: 's' },
  netns: { type: 'string', short: 'n' },
  json: { type: 'boolean', short: 'j' },
} as const;

/** The store file named by --store (required), which must exist when only read. */
export function storeFile(p: Parsed, command: string, mustExist: boolean): string {
  const file = str(p, 'store');
  if (file === undefined) throw new UsageError(`${command} needs --store FILE (the SQLite file IPDB.open({ store }) records into)`, command);
  if (mustExist && !existsSync(file)) throw new CliFailure(`no store file '${file}'`);
  return file;
}

/**
 * `open`, with a failure of SQLite's own ('file is not a database') said with the file it was
 * about: the message alone does not say which of the command's files it means.
 */
async function inStore<T>(file: string, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (err) {
    if (err instanceof Error && err.name === 'SqliteError') throw new CliFailure(`store '${file}': ${err.message}`, undefined, { cause: err });
    throw err;
  }
}

/** The label the store files a namespace under: its name, 'default' for this process's own. */
export function labelOf(netns: string | undefined): string {
  return netns ?? 'default';
}

/** The store file opened alone, and the handle of one namespace's data in it (which must exist). */
export async function openRecorded(file: string, netns: string | undefined): Promise<{ store: Store; ns: NamespaceStore }> {
  const store = await inStore(file, () => openStore(file));
  const label = labelOf(netns);
  const known = store.namespaces();
  if (!known.includes(label)) {
    await store.close();
    const have = known.length === 0 ? 'it records no namespace yet' : `it records ${known.map((k) => `'${k}'`).join(', ')}`;
    throw new CliFailure(`the store '${file}' has nothing for namespace '${label}': ${have}${netns === undefined ? ' (use --netns NAME)' : ''}`);
  }
  return { store, ns: store.namespace(label) };
}

/** A database of the namespace recording into the store file (created if missing). */
export async function openLive(ctx: CommandContext, file: string, netns: string | undefined): Promise<IPDB> {
  if (netns !== undefined && !netns.includes('/') && !listNetns().includes(netns)) throw new CliFailure(`no namespace named '${netns}'`);
  const progress = makeProgress(ctx.io.stderr);
  const started = Date.now();
  const tick = setInterval(() => progress.update(`loading${netns ? ` ${netns}` : ''}… ${((Date.now() - started) / 1000).toFixed(1)}s`), 100);
  try {
    return await inStore(file, () => IPDB.open({ ...(netns !== undefined ? { netns } : {}), store: file }));
  } finally {
    clearInterval(tick);
    progress.done();
  }
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A moment given on the command line: an age ('30s', '10m', '2h', '1d': that long ago), epoch
 * milliseconds, or anything Date understands ('2024-05-01T12:00', '2024-05-01 12:00:00Z').
 */
export function parseTime(text: string, option: string, command: string, now = Date.now()): number {
  const age = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text);
  if (age) return now - Number(age[1]) * UNITS[age[2]!]!;
  if (/^\d{10,}$/.test(text)) return Number(text);
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new UsageError(`${option} takes a time ('10m' ago, an ISO date, epoch ms), not '${text}'`, command);
  return t;
}

/** The positive whole number of an option, or undefined. */
export function count(p: Parsed, name: string, command: string): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} takes a whole number >= 1, not '${v}'`, command);
  return n;
}
