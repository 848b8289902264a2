/** `nldb netns list|add|del NAME`: named network namespaces, the files under /run/netns. */
import { createNetns, listNetns, removeNetns, TransportError, validateNetnsName } from '../../transport/index.js';
import { flag, parseCommand } from '../args.js';
import { makeContext, type CliIo } from '../context.js';
import { CliFailure, EXIT, UsageError } from '../exit.js';
import { COMMAND_HELP } from '../help.js';

const OPTIONS = { json: { type: 'boolean', short: 'j' } } as const;

function checkedName(name: string | undefined, verb: string): string {
  if (name === undefined) throw new UsageError(`netns ${verb} needs a NAME`, 'netns');
  try {
    validateNetnsName(name);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), 'netns');
  }
  return name;
}

export async function netnsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const p = parseCommand('netns', argv, OPTIONS, 2);
  const ctx = makeContext(io, p.color);
  if (p.help) { ctx.print(COMMAND_HELP.netns!); return EXIT.OK; }
  const [verb = 'list', name] = p.positionals;
  switch (verb) {
    case 'list':
    case 'ls':
    case 'show': {
      if (name !== undefined) throw new UsageError(`netns ${verb} takes no NAME`, 'netns');
      const names = listNetns();
      ctx.print(flag(p, 'json') ? `${JSON.stringify(names)}\n` : names.map((n) => `${n}\n`).join(''));
      return EXIT.OK;
    }
    case 'add': {
      const n = checkedName(name, verb);
      try {
        await createNetns(n);
      } catch (err) {
        if (err instanceof TransportError && err.code === 'EEXIST') throw new CliFailure(`namespace '${n}' already exists`, EXIT.FAILURE, { cause: err });
        throw err;
      }
      return EXIT.OK;
    }
    case 'del':
    case 'delete': {
      const n = checkedName(name, verb);
      if (!listNetns().includes(n)) throw new CliFailure(`no namespace named '${n}'`);
      removeNetns(n);
      return EXIT.OK;
    }
    default:
      throw new UsageError(`netns takes list, add or del, not '${verb}'`, 'netns');
  }
}
