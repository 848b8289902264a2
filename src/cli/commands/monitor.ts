/** `nldb monitor [--netns NAME] [--json]`: changes as they happen, until Ctrl-C. */
import type { AnyChange, InterfaceRecord } from '../../index.js';
import { flag, parseCommand, str } from '../args.js';
import { makeContext, type CliIo } from '../context.js';
import { EXIT } from '../exit.js';
import { COMMAND_HELP } from '../help.js';
import { changeJson, formatChange, formatResync, NameBook } from '../monitor-format.js';
import { openDb } from './show.js';

const OPTIONS = {
  netns: { type: 'string', short: 'n' },
  json: { type: 'boolean', short: 'j' },
} as const;

export async function monitorCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const p = parseCommand('monitor', argv, OPTIONS, 0);
  const ctx = makeContext(io, p.color);
  if (p.help) { ctx.print(COMMAND_HELP.monitor!); return EXIT.OK; }
  const json = flag(p, 'json');
  const signal = io.interrupts();
  const db = await openDb(ctx, str(p, 'netns'), {});
  const names = new NameBook(db.snapshot().interfaces as InterfaceRecord[]);
  let inResync = false;
  const show = (changes: readonly AnyChange[]): void => {
    const at = new Date();
    for (const c of changes) {
      names.learn(c);
      if (json) { ctx.print(`${changeJson(c, at)}\n`); continue; }
      const resync = c.origin === 'resync';
      if (resync && !inResync) ctx.print(`${formatResync([...new Set(changes.filter((x) => x.origin === 'resync').map((x) => x.kind))], ctx.out, at)}\n`);
      inResync = resync;
      ctx.print(`${formatChange(c, { names: names.lookup, style: ctx.out, at })}\n`);
    }
  };
  if (!json && io.stderr.isTTY === true) ctx.note(ctx.err.dim(`watching ${str(p, 'netns') ?? 'this namespace'}; Ctrl-C to stop`));
  const done = new Promise<number>((resolve) => {
    const sub = db.updates$.subscribe({
      next: (u) => show(u.changes),
      // The database stopped (its event stream failed): say why, exit 1.
      complete: () => resolve(signal.aborted ? EXIT.INTERRUPTED : EXIT.FAILURE),
    });
    const errs = db.errors$.subscribe((e) => ctx.note(`nldb: ${e.message}`));
    signal.addEventListener('abort', () => {
      sub.unsubscribe();
      errs.unsubscribe();
      resolve(signal.reason === 'SIGTERM' ? EXIT.TERMINATED : EXIT.INTERRUPTED);
    }, { once: true });
  });
  try {
    return await done;
  } finally {
    db.close();
  }
}
