/**
 * The tools the bench relies on besides node: iproute2 (`ip`, required), GNU time for peak memory,
 * and Debian's python3 with pyroute2 0.7.2 for the anchors.
 *
 * Policy (documented in bench/README.md): the bench already has to run as root (it makes network
 * namespaces), so when GNU time or pyroute2 is missing it installs the Debian packages itself
 * (`apt-get install time python3-pyroute2`), exactly as .ci/run installs iproute2; --no-install
 * turns that off. Without them it still runs: memory shows as unknown, and the pyroute2 contenders
 * are reported unavailable with the command that would install them.
 *
 * The anchors use /usr/bin/python3 by its full path: `python3` on the PATH may be another
 * interpreter (pyenv here) that has no pyroute2.
 */
import { spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';
const GNU_TIME = '/usr/bin/time';

export interface Tools {
  gnuTime: string | null;
  /** null when the pyroute2 anchors can run; otherwise why not. */
  pyroute2Missing: string | null;
  versions: Record<string, string>;
}

export function checkTools(opts: { install: boolean; log: (line: string) => void }): Tools {
  const ipVersion = firstLine(spawnSync('ip', ['-V'], { encoding: 'utf8' }).stdout);
  if (!ipVersion) throw new Error('iproute2 (`ip`) is required: apt-get install iproute2');
  const root = process.getuid?.() === 0;
  if (!root) throw new Error('the bench makes network namespaces and must run as root');

  let timeVersion = gnuTimeVersion();
  let pyroute2 = pyroute2Version();
  const missing = [timeVersion ? null : 'time', pyroute2.version ? null : 'python3-pyroute2'].filter((p): p is string => p !== null);
  if (missing.length && opts.install) {
    opts.log(`bench: installing missing Debian packages: ${missing.join(' ')} (use --no-install to prevent this)`);
    aptInstall(missing, opts.log);
    timeVersion = gnuTimeVersion();
    pyroute2 = pyroute2Version();
  }
  const versions: Record<string, string> = { node: process.version, ip: ipVersion };
  if (timeVersion) versions.time = timeVersion;
  else opts.log(`bench: GNU time not found at ${GNU_TIME}: peak memory will be unknown (apt-get install time)`);
  if (pyroute2.version) versions.pyroute2 = pyroute2.version;
  if (pyroute2.python) versions.python = pyroute2.python;
  return {
    gnuTime: timeVersion ? GNU_TIME : null,
    pyroute2Missing: pyroute2.version ? null : `${pyroute2.error}; install it with: apt-get install python3-pyroute2`,
    versions,
  };
}

function gnuTimeVersion(): string | null {
  const r = spawnSync(GNU_TIME, ['--version'], { encoding: 'utf8' });
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  return r.status === 0 && text.includes('GNU') ? firstLine(text) : null;
}

function pyroute2Version(): { version: string | null; python: string | null; error: string } {
  const r = spawnSync(PYTHON, ['-c', 'import sys, importlib.metadata as m, pyroute2; print(m.version("pyroute2")); print(sys.version.split()[0])'], { encoding: 'utf8' });
  if (r.error) return { version: null, python: null, error: `${PYTHON} not found` };
  if (r.status !== 0) return { version: null, python: null, error: `${PYTHON} cannot import pyroute2` };
  const [version, python] = r.stdout.trim().split('\n');
  return { version: version ?? null, python: python ?? null, error: '' };
}

function aptInstall(packages: string[], log: (line: string) => void): void {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '-q', ...packages], { env, encoding: 'utf8' });
  let r = install();
  if (r.status !== 0) {
    // A fresh machine may have no package lists yet.
    spawnSync('apt-get', ['update', '-q'], { env, encoding: 'utf8' });
    r = install();
  }
  if (r.status !== 0) log(`bench: apt-get install ${packages.join(' ')} failed: ${firstLine(r.stderr ?? '') || `exit ${r.status}`}`);
}

function firstLine(text: string | null | undefined): string {
  return (text ?? '').split('\n')[0]?.trim() ?? '';
}
