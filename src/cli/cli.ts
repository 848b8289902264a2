/**
 * The `nldb` command: finds the subcommand, runs it, and turns whatever it throws into one line
 * on stderr and an exit code (exit.ts). Subcommands are loaded on demand, so `nldb --help` and
 * `nldb decode` do not pay for what they do not use.
 */
import { readFileSync } from 'node:fs';
import { colorMode } from './args.js';
import { makeContext, type CliIo } from './context.js';
import { describeError, EXIT, exitCodeOf, UsageError } from './exit.js';
import { COMMAND_HELP, MAIN_HELP } from './help.js';

type Runner = (argv: readonly string[], io: CliIo) => Promise<number>;

const COMMANDS: Readonly<Record<string, () => Promise<Runner>>> = {
  decode: async () => (await import('./commands/decode.js')).decodeCommand,
  netns: async () => (await import('./commands/netns.js')).netnsCommand,
  show: async () => (await import('./commands/show.js')).showCommand,
  monitor: async () => (await import('./commands/monitor.js')).monitorCommand,
  apply: async () => (await import('./commands/apply.js')).applyCommand,
  history: async () => (await import('./commands/history.js')).historyCommand,
  checkpoint: async () => (await import('./commands/checkpoint.js')).checkpointCommand,
};

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Options allowed before the command name. */
function leading(argv: readonly string[]): { globals: string[]; rest: string[] } {
  const globals: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-') || a === '-') break;
    globals.push(a);
    if (a === '--color') globals.push(argv[++i] ?? '');
  }
  return { globals, rest: argv.slice(i) };
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const { globals, rest } = leading(argv);
    const values: Record<string, string | boolean> = {};
    for (let i = 0; i < globals.length; i++) {
      const g = globals[i]!;
      if (g === '-h' || g === '--help') values.help = true;
      else if (g === '--version' || g === '-V') values.version = true;
      else if (g === '--no-color') values['no-color'] = true;
      else if (g === '--color') values.color = globals[++i]!;
      else if (g.startsWith('--color=')) values.color = g.slice('--color='.length);
      else throw new UsageError(`unknown option '${g}'`);
    }
    const mode = colorMode(values, null);
    const [name, ...args] = rest;
    if (values.version) { io.stdout.write(`nldb ${version()}\n`); return EXIT.OK; }
    if (name === undefined || values.help || name === 'help') {
      const topic = name === 'help' ? args[0] : undefined;
      if (topic !== undefined && !COMMAND_HELP[topic]) throw new UsageError(`no command '${topic}'`);
      makeContext(io, mode).print(topic ? COMMAND_HELP[topic]! : MAIN_HELP);
      // `nldb` alone is a usage mistake, though a helpful one.
      return name === undefined && !values.help ? EXIT.USAGE : EXIT.OK;
    }
    const load = COMMANDS[name];
    if (!load) throw new UsageError(`unknown command '${name}'`);
    // Options given before the command apply to it too.
    return await (await load())([...args, ...globals], io);
  } catch (err) {
    io.stderr.write(`nldb: ${describeError(err)}\n`);
    return exitCodeOf(err);
  }
}
