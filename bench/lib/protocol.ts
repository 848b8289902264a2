/**
 * What contenders print, and how it is read. Every contender script (python anchor or nldb) ends
 * with one line `COUNTS {"links": N, ...}` (the objects it saw or made) and may print
 * `WORK {"dump": seconds, ...}` with in-process timings. `ip` prints neither: its cases count
 * its JSON output instead.
 */

export type Counts = Record<string, number>;

export function parseTagged(stdout: string, tag: 'COUNTS' | 'WORK'): Record<string, number> | null {
  const prefix = `${tag} `;
  const line = stdout
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .pop();
  if (!line) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.slice(prefix.length));
  } catch (err) {
    throw new Error(`unreadable ${tag} line: ${line}`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${tag} line is not an object: ${line}`);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v === 'number') out[k] = v;
  }
  return out;
}

/** Differences between expected and observed counts, as "routes 109004 → 108506" strings. */
export function countDifferences(expected: Counts, observed: Counts): string[] {
  const diffs: string[] = [];
  for (const key of Object.keys(expected)) {
    const want = expected[key];
    const got = observed[key];
    if (got !== want) diffs.push(`${key} ${want} → ${got ?? 'missing'}`);
  }
  return diffs;
}

export function formatCounts(c: Counts): string {
  return Object.entries(c)
    .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
    .join(', ');
}
