/**
 * Aligned text tables, for people: a header row, columns padded to their widest cell, two
 * spaces between them, no trailing blanks. Colour is applied after the widths are measured, so
 * escape sequences never skew the alignment. Pure: rows in, text out.
 */
import { visibleLength, type Style } from './style.js';

export interface Column<R> {
  readonly header: string;
  /** The cell's text, uncoloured; '' or null shows as '-'. */
  readonly cell: (row: R) => string | number | null;
  /** Numbers read better right-aligned. */
  readonly align?: 'left' | 'right';
  /** Colour for a cell's text (measured before colouring). */
  readonly color?: (text: string, row: R, style: Style) => string;
}

const EMPTY = '-';

function pad(text: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - visibleLength(text)));
  return align === 'right' ? fill + text : text + fill;
}

export function renderTable<R>(rows: readonly R[], columns: readonly Column<R>[], style: Style): string {
  const cells = rows.map((r) => columns.map((c) => {
    const v = c.cell(r);
    return v === null || v === '' ? EMPTY : String(v);
  }));
  const widths = columns.map((c, i) => Math.max(visibleLength(c.header), ...cells.map((row) => visibleLength(row[i]!))));
  const lines: string[] = [];
  const last = columns.length - 1;
  const line = (texts: readonly string[], colour: (t: string, i: number) => string): string =>
    texts.map((t, i) => {
      const align = columns[i]!.align ?? 'left';
      // The last column is not padded on the right: no trailing blanks.
      const padded = i === last && align === 'left' ? t : pad(t, widths[i]!, align);
      const extra = padded.length - t.length;
      const body = colour(t, i);
      return align === 'right' ? ' '.repeat(extra) + body : body + ' '.repeat(extra);
    }).join('  ');
  lines.push(line(columns.map((c) => c.header), (t) => style.bold(t)));
  rows.forEach((r, ri) => {
    lines.push(line(cells[ri]!, (t, i) => {
      if (t === EMPTY) return style.dim(t);
      const c = columns[i]!.color;
      return c ? c(t, r, style) : t;
    }));
  });
  return lines.map((l) => l.replace(/\s+$/, '')).join('\n') + '\n';
}
