/** Commands whose library side is not exported yet: their help works, running them says so. */
import { parseCommand } from '../args.js';
import { makeContext, type CliIo } from '../context.js';
import { CliFailure, EXIT } from '../exit.js';
import { COMMAND_HELP } from '../help.js';

export function pending(name: string): (argv: readonly string[], io: CliIo) => Promise<number> {
  return async (argv, io) => {
    // Accept anything here: the real command will check its own options.
    const p = parseCommand(name, argv.filter((a) => a === '-h' || a === '--help' || a.startsWith('--color') || a === '--no-color'), {}, 0);
    if (p.help) { makeContext(io, p.color).print(COMMAND_HELP[name]!); return EXIT.OK; }
    throw new CliFailure(`${name} is not available in this build yet (it needs the database API, IPDB)`);
  };
}
