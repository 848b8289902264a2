/**
 * Printing results: an aligned text table per case for the terminal, and markdown tables (one
 * per benchmark) for README.md, both from the same CaseResult data that goes to latest.json.
 */
import type { CaseResult, ContenderResult } from './contender.js';
import { formatCounts } from './protocol.js';
import type { Summary } from './stats.js';

export function seconds(ms: number): string {
  const s = ms / 1000;
  if (s < 1) return s.toFixed(3);
  if (s < 10) return s.toFixed(2);
  return s.toFixed(1);
}

export function ratio(r: number | null): string {
  if (r === null) return '';
  if (r < 10) return `${r.toFixed(2)}×`;
  return `${r.toFixed(0)}×`;
}

function megabytes(kb: Summary | null): string {
  return kb ? (kb.median / 1024).toFixed(1) : '';
}

function wallCell(c: ContenderResult): string {
  if (!c.wallMs) return '';
  const w = c.wallMs;
  return w.n > 1 ? `${seconds(w.median)} [${seconds(w.min)}–${seconds(w.max)}] n=${w.n}` : `${seconds(w.median)} n=1`;
}

/** ok / COUNT MISMATCH ... / the failure, in words. */
function statusCell(c: ContenderResult): string {
  switch (c.status) {
    case 'ok':
      return c.countsMismatch.length ? `COUNT MISMATCH: ${c.countsMismatch.join('; ')}` : 'counts ok';
    case 'timeout':
      return `timeout (${c.note})`;
    default:
      return `n/a (${c.status}: ${c.note})`;
  }
}

export function textReport(cases: readonly CaseResult[]): string {
  const out: string[] = [];
  for (const r of cases) {
    out.push('', `${r.id} — ${r.title}`);
    if (r.error) {
      out.push(`  CASE FAILED: ${r.error}`);
      continue;
    }
    if (r.expected) out.push(`  expected: ${formatCounts(r.expected)}${r.setupMs >= 1 ? `   (set-up ${seconds(r.setupMs)} s)` : ''}`);
    const rows = [['contender', 'wall s: median [min–max]', '× ip', 'peak RSS MB', `${r.workKey} s`, 'result']];
    for (const c of r.contenders) {
      rows.push([c.label, wallCell(c), ratio(c.ratio), megabytes(c.maxRssKb), c.workS ? seconds(c.workS.median * 1000) : '', statusCell(c)]);
    }
    out.push(...alignRows(rows).map((l) => `  ${l}`));
  }
  const flags = mismatchLines(cases);
  if (flags.length) out.push('', '!!! COUNT MISMATCHES (contenders disagree with the kernel as `ip -j` shows it):', ...flags.map((l) => `!!!   ${l}`));
  return out.join('\n');
}

export function mismatchLines(cases: readonly CaseResult[]): string[] {
  return cases.flatMap((r) => r.contenders.filter((c) => c.countsMismatch.length).map((c) => `${r.id} / ${c.label}: ${c.countsMismatch.join('; ')}`));
}

function alignRows(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** One markdown table per benchmark group, to paste into README.md. */
export function markdownReport(cases: readonly CaseResult[], meta: { date: string; machine: string; runs: string }): string {
  const out: string[] = [`Measured ${meta.date} on ${meta.machine}; ${meta.runs}. Wall time is the whole process (start-up included), median of the runs; peak RSS is the largest process's high-water mark.`];
  const groups = [...new Set(cases.map((c) => c.group))];
  for (const g of groups) {
    const inGroup = cases.filter((c) => c.group === g);
    const workKey = inGroup[0]?.workKey ?? 'work';
    out.push('', `**${g}**`, '', `| case | contender | wall (s) | × iproute2 | peak RSS (MB) | ${workKey} in-process (s) | notes |`, '|---|---|---:|---:|---:|---:|---|');
    for (const r of inGroup) {
      if (r.error) {
        out.push(`| ${escape(r.title)} | — | | | | | case failed: ${escape(r.error)} |`);
        continue;
      }
      r.contenders.forEach((c, i) => {
        const wall = c.wallMs ? seconds(c.wallMs.median) : '';
        const work = c.workS ? seconds(c.workS.median * 1000) : '';
        const notes = c.status === 'ok' ? (c.countsMismatch.length ? `counts differ: ${c.countsMismatch.join('; ')}` : '') : statusCell(c);
        // The case's title only on its first row: the table stays readable.
        out.push(`| ${i === 0 ? escape(r.title) : ''} | ${escape(c.label)} | ${wall} | ${ratio(c.ratio)} | ${megabytes(c.maxRssKb)} | ${work} | ${escape(notes)} |`);
      });
    }
  }
  return out.join('\n');
}

function escape(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
