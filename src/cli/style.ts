/**
 * Colour for people, none for programs: ANSI styles when stdout is a terminal and NO_COLOR is
 * unset (https://no-color.org), or when --color=always says so. A Style is a plain object passed
 * down explicitly; with colour off every function returns its text unchanged.
 */

export type ColorMode = 'auto' | 'always' | 'never';

export interface Style {
  readonly enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  underline(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  cyan(s: string): string;
  magenta(s: string): string;
}

const wrap = (open: number, close: number) => (s: string): string => (s === '' ? s : `\x1b[${open}m${s}\x1b[${close}m`);

export function makeStyle(enabled: boolean): Style {
  if (!enabled) {
    const id = (s: string): string => s;
    return { enabled, bold: id, dim: id, underline: id, red: id, green: id, yellow: id, blue: id, cyan: id, magenta: id };
  }
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    underline: wrap(4, 24),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    blue: wrap(34, 39),
    cyan: wrap(36, 39),
    magenta: wrap(35, 39),
  };
}

/** Whether to colour: --color wins; in auto mode, a terminal and no NO_COLOR (a non-empty one). */
export function colorEnabled(mode: ColorMode, isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  const noColor = env.NO_COLOR;
  return isTTY && (noColor === undefined || noColor === '');
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** The width a string takes on a terminal, escape sequences aside. */
export function visibleLength(s: string): number {
  return [...s.replace(ANSI, '')].length;
}

export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}
