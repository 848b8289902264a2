/**
 * Command-line parsing on node:util's parseArgs: every command declares its options, and gets
 * the common ones (--help, --color, --no-color) too. Mistakes become UsageErrors (exit code 2)
 * that name the command, so the one-line message can point at its --help.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './exit.js';
import type { ColorMode } from './style.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  color: { type: 'string' },
  'no-color': { type: 'boolean' },
} as const satisfies OptionSpec;

export interface Parsed {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
  readonly help: boolean;
  readonly color: ColorMode;
}

export function colorMode(values: Readonly<Record<string, unknown>>, command: string | null): ColorMode {
  if (values['no-color'] === true) return 'never';
  const c = values.color;
  if (c === undefined) return 'auto';
  if (c === 'auto' || c === 'always' || c === 'never') return c;
  throw new UsageError(`--color takes auto, always or never, not '${String(c)}'`, command);
}

/** Parses a command's arguments; `max` positionals at most (Infinity for any number). */
export function parseCommand(command: string, argv: readonly string[], options: OptionSpec, max: number): Parsed {
  let r: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    r = parseArgs({ args: [...argv], options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    // parseArgs' messages are clear but long-winded ("... To specify a positional argument
    // starting with a '-', place it at the end of the command after '--'"): keep the first sentence.
    const text = err instanceof Error ? err.message.split('. ')[0]!.replace(/\.$/, '') : String(err);
    throw new UsageError(text, command);
  }
  const values: Record<string, string | boolean | undefined> = {};
  for (const [k, v] of Object.entries(r.values)) values[k] = Array.isArray(v) ? v[v.length - 1] : v;
  const help = values.help === true;
  if (!help && r.positionals.length > max) {
    throw new UsageError(`unexpected argument '${r.positionals[max]}'`, command);
  }
  return { values, positionals: r.positionals, help, color: colorMode(values, command) };
}

/** A string option's value, or undefined. */
export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function flag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

/** One of a fixed set of words, or a UsageError naming them. */
export function oneOf<T extends string>(value: string, allowed: readonly T[], what: string, command: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${what} must be one of ${allowed.join(', ')}, not '${value}'`, command);
}
