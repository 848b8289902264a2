/**
 * What a command gets to talk to the world: its streams, the environment, colour, and a way to
 * learn about Ctrl-C. Passed in explicitly, so commands run the same under tests.
 */
import { colorEnabled, makeStyle, type ColorMode, type Style } from './style.js';

export interface OutStream {
  write(chunk: string): boolean;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface CliIo {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Starts listening for SIGINT/SIGTERM and returns a signal aborted on the first one (its
   * reason is the signal's name). Commands that run until stopped call it; the others let the
   * signal end the process as usual.
   */
  interrupts(): AbortSignal;
}

export interface CommandContext {
  readonly io: CliIo;
  /** Styles for stdout and stderr, each coloured only if that stream may be. */
  readonly out: Style;
  readonly err: Style;
  print(text: string): void;
  /** A warning or progress note on stderr (not an error: the command goes on). */
  note(text: string): void;
}

export function makeContext(io: CliIo, mode: ColorMode): CommandContext {
  const out = makeStyle(colorEnabled(mode, io.stdout.isTTY === true, io.env));
  const err = makeStyle(colorEnabled(mode, io.stderr.isTTY === true, io.env));
  return {
    io, out, err,
    print: (text) => { io.stdout.write(text); },
    note: (text) => { io.stderr.write(`${text}\n`); },
  };
}

/** Reads a whole stream as UTF-8 text. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
