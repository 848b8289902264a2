/** `nldb decode [FILE|-]`: netlink messages from strace output or hex, as trees or JSON. */
import { readFile } from 'node:fs/promises';
import { flag, oneOf, parseCommand, str } from '../args.js';
import { makeContext, readAll, type CliIo } from '../context.js';
import { decodeDatagrams, renderJson, renderText, type ProtocolChoice } from '../decode/decode.js';
import { InputError, readDatagrams, type InputFormat } from '../decode/input.js';
import { COMMAND_HELP } from '../help.js';
import { CliFailure, EXIT, UsageError } from '../exit.js';

const OPTIONS = {
  json: { type: 'boolean', short: 'j' },
  protocol: { type: 'string', short: 'p' },
  format: { type: 'string', short: 'f' },
} as const;

export async function decodeCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const p = parseCommand('decode', argv, OPTIONS, 1);
  const ctx = makeContext(io, p.color);
  if (p.help) { ctx.print(COMMAND_HELP.decode!); return EXIT.OK; }
  const protocol = oneOf<ProtocolChoice>(str(p, 'protocol') ?? 'route', ['route', 'generic'], '--protocol', 'decode');
  const fmt = str(p, 'format');
  const format = fmt === undefined ? undefined : oneOf<InputFormat>(fmt, ['strace', 'hexdump', 'string', 'hex'], '--format', 'decode');

  const file = p.positionals[0] ?? '-';
  if (file === '-' && io.stdin.isTTY === true) {
    throw new UsageError('decode reads FILE or standard input: give a file, or pipe the data in', 'decode');
  }
  const text = file === '-' ? await readAll(io.stdin) : await readFile(file, 'utf8');

  let summary;
  try {
    const datagrams = format === undefined ? readDatagrams(text) : readDatagrams(text, format);
    summary = decodeDatagrams(datagrams, protocol);
  } catch (err) {
    if (err instanceof InputError) throw new CliFailure(err.message, EXIT.FAILURE, { cause: err });
    throw err;
  }
  if (summary.messages === 0 && summary.problems === 0) throw new CliFailure('no netlink messages in the input');

  ctx.print(flag(p, 'json') ? renderJson(summary) : renderText(summary, ctx.out));
  if (summary.problems > 0) {
    const total = summary.messages + summary.problems;
    throw new CliFailure(`${summary.problems} of ${total} item${total === 1 ? '' : 's'} could not be decoded in full (marked '!')`);
  }
  return EXIT.OK;
}
