/**
 * `nldb history --store FILE [--netns NAME] [--since T] [--until T] [--kind K] [--key KEY]
 * [--origin O] [--txid ID] [--limit N] [--json]`: the changes a store recorded, oldest first.
 * Reads the file alone (no database is opened, nothing is written).
 */
import type { HistoryEntry, HistoryFilter, InterfaceRecord, RecordKind } from '../../index.js';
import { flag, oneOf, parseCommand, str } from '../args.js';
import { makeContext, type CliIo, type CommandContext } from '../context.js';
import { EXIT, UsageError } from '../exit.js';
import { COMMAND_HELP } from '../help.js';
import { formatChange, NameBook } from '../monitor-format.js';
import { count, openRecorded, parseTime, STORE_OPTIONS, storeFile } from './store-common.js';

const OPTIONS = {
  ...STORE_OPTIONS,
  since: { type: 'string' },
  until: { type: 'string' },
  kind: { type: 'string', short: 'k' },
  key: { type: 'string' },
  origin: { type: 'string' },
  txid: { type: 'string' },
  limit: { type: 'string' },
} as const;

const KINDS: readonly RecordKind[] = ['interface', 'address', 'route', 'rule', 'neighbour'];
const KIND_ALIASES: Readonly<Record<string, RecordKind>> = {
  interfaces: 'interface', link: 'interface', links: 'interface', addresses: 'address', addr: 'address', routes: 'route',
  rules: 'rule', neighbours: 'neighbour', neighbor: 'neighbour', neighbors: 'neighbour', neigh: 'neighbour',
};

export async function historyCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const p = parseCommand('history', argv, OPTIONS, 0);
  const ctx = makeContext(io, p.color);
  if (p.help) { ctx.print(COMMAND_HELP.history!); return EXIT.OK; }
  const filter: HistoryFilter = {};
  const since = str(p, 'since');
  const until = str(p, 'until');
  if (since !== undefined) filter.since = parseTime(since, '--since', 'history');
  if (until !== undefined) filter.until = parseTime(until, '--until', 'history');
  const kinds = str(p, 'kind');
  if (kinds !== undefined) {
    filter.kind = kinds.split(',').map((k) => oneOf<RecordKind>(KIND_ALIASES[k.trim()] ?? k.trim(), KINDS, '--kind', 'history'));
  }
  const key = str(p, 'key');
  if (key !== undefined) filter.key = key;
  const origin = str(p, 'origin');
  if (origin !== undefined) filter.origin = oneOf(origin, ['kernel', 'resync', 'commit'] as const, '--origin', 'history');
  const txid = str(p, 'txid');
  if (txid !== undefined) filter.txid = txid;
  const limit = count(p, 'limit', 'history');
  // The newest N, shown oldest first like the rest.
  if (limit !== undefined) Object.assign(filter, { limit, order: 'desc' });
  if (filter.since !== undefined && filter.until !== undefined && filter.since > filter.until) {
    throw new UsageError('--since is after --until', 'history');
  }

  const { store, ns } = await openRecorded(storeFile(p, 'history', true), str(p, 'netns'));
  try {
    const entries = await ns.history(filter);
    if (limit !== undefined) entries.reverse();
    if (flag(p, 'json')) {
      ctx.print(`${JSON.stringify(entries, null, 2)}\n`);
    } else {
      const current = await ns.query<{ record: string }>('SELECT record FROM interfaces');
      printHistory(ctx, entries, current.map((r) => JSON.parse(r.record) as InterfaceRecord));
    }
  } finally {
    await store.close();
  }
  return EXIT.OK;
}

/** One line per change (as `nldb monitor` shows them), a date line whenever the day changes. */
function printHistory(ctx: CommandContext, entries: readonly HistoryEntry[], interfaces: readonly InterfaceRecord[]): void {
  if (entries.length === 0) {
    ctx.note('no recorded changes match');
    return;
  }
  const names = new NameBook(interfaces);
  let day = '';
  for (const e of entries) {
    const d = dayOf(e.time);
    if (d !== day) {
      ctx.print(`${ctx.out.bold(d)}\n`);
      day = d;
    }
    names.learn(e);
    const tx = e.txid ? `  ${ctx.out.dim(`tx ${e.txid}`)}` : '';
    ctx.print(`${formatChange(e, { names: names.lookup, style: ctx.out, at: e.time })}${tx}\n`);
  }
}

function dayOf(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}
