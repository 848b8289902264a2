/** `nldb show [WHAT] [--netns NAME] [--json]`: the state, as tables or as db.snapshot(). */
import { IPDB, type LoadOptions } from '../../index.js';
import { flag, oneOf, parseCommand, str } from '../args.js';
import { makeContext, type CliIo, type CommandContext } from '../context.js';
import { CliFailure, EXIT } from '../exit.js';
import { listNetns } from '../../transport/index.js';
import { COMMAND_HELP } from '../help.js';
import { makeProgress } from '../progress.js';
import { renderShow, SHOW_KINDS, type ShowKind } from '../show-format.js';

const OPTIONS = {
  netns: { type: 'string', short: 'n' },
  json: { type: 'boolean', short: 'j' },
} as const;

/** Singular spellings and ip's abbreviations people will type. */
const ALIASES: Readonly<Record<string, ShowKind>> = {
  interface: 'interfaces', link: 'interfaces', links: 'interfaces',
  address: 'addresses', addr: 'addresses',
  route: 'routes', rule: 'rules',
  neighbour: 'neighbours', neighbor: 'neighbours', neighbors: 'neighbours', neigh: 'neighbours',
};

/**
 * Opens the database with only what is needed: the kind asked for (and, for a table, interfaces
 * to name devices by), so `show routes` on a host with 100,000 routes does not dump neighbours.
 */
function loadFor(kind: ShowKind | null, json: boolean): LoadOptions {
  if (kind === null) return {};
  const load: Record<string, boolean> = {};
  for (const k of SHOW_KINDS) load[k] = k === kind || (!json && k === 'interfaces');
  return load as LoadOptions;
}

/** Opens IPDB, with a progress line on a terminal while the kernel is dumped. */
export async function openDb(ctx: CommandContext, netns: string | undefined, load: LoadOptions): Promise<IPDB> {
  // A plain name must be one of /run/netns's (a path names a namespace file directly).
  if (netns !== undefined && !netns.includes('/') && !listNetns().includes(netns)) throw new CliFailure(`no namespace named '${netns}'`);
  const progress = makeProgress(ctx.io.stderr);
  const started = Date.now();
  const what = Object.entries(load).filter(([, v]) => v !== false).map(([k]) => k).join(', ') || 'everything';
  const tick = setInterval(() => progress.update(`loading ${what}${netns ? ` in ${netns}` : ''}… ${((Date.now() - started) / 1000).toFixed(1)}s`), 100);
  try {
    return await IPDB.open({ ...(netns !== undefined ? { netns } : {}), load, verifyEffects: false });
  } finally {
    clearInterval(tick);
    progress.done();
  }
}

export async function showCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const p = parseCommand('show', argv, OPTIONS, 1);
  const ctx = makeContext(io, p.color);
  if (p.help) { ctx.print(COMMAND_HELP.show!); return EXIT.OK; }
  const what = p.positionals[0];
  const kind = what === undefined ? null : oneOf<ShowKind>(ALIASES[what] ?? what, SHOW_KINDS, 'WHAT', 'show');
  const json = flag(p, 'json');
  const db = await openDb(ctx, str(p, 'netns'), loadFor(kind, json));
  try {
    const snap = db.snapshot();
    if (json) {
      ctx.print(`${JSON.stringify(kind === null ? snap : snap[kind], null, 2)}\n`);
    } else {
      ctx.print(renderShow(snap, kind === null ? SHOW_KINDS : [kind], ctx.out));
    }
  } finally {
    db.close();
  }
  return EXIT.OK;
}
