/**
 * Gives the whole run an id that every throwaway namespace name carries, and deletes any of this
 * run's namespaces that a crashed test file left behind. Namespaces of other runs (a developer's
 * parallel run) are left alone.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export default function setup(): () => void {
  const run = `${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
  process.env.NLDB_TEST_RUN = run;
  return () => {
    const out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (const line of out.split('\n')) {
      const name = line.split(' ')[0];
      if (name && name.startsWith(`nldbt-${run}-`)) {
        try { execFileSync('ip', ['netns', 'del', name]); } catch { /* already gone */ }
      }
    }
  };
}
