/** The built `nldb` command's shell: help, exit codes, one-line errors, colour. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { colorEnabled } from '../../src/cli/style.js';
import { ensureBuilt, fixture, MAIN, nldb } from './run.js';

beforeAll(() => ensureBuilt());

const COMMANDS = ['show', 'monitor', 'decode', 'apply', 'netns', 'history', 'checkpoint'];

describe('help', () => {
  it('starts with a shebang, so the bin entry runs under node', () => {
    expect(readFileSync(MAIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(MAIN).isFile()).toBe(true);
  });

  it('--help lists every command and documents the exit codes', () => {
    const r = nldb(['--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    for (const code of ['0', '1', '2', '3', '130']) expect(r.stdout).toMatch(new RegExp(`^  ${code} +\\S`, 'm'));
  });

  it('every command has its own --help, also as `nldb help COMMAND`', () => {
    for (const c of COMMANDS) {
      const a = nldb([c, '--help']);
      expect(a.code, c).toBe(0);
      expect(a.stdout, c).toMatch(new RegExp(`^Usage: nldb ${c}\\b`));
      expect(nldb(['help', c]).stdout, c).toBe(a.stdout);
      expect(nldb([c, '-h']).stdout, c).toBe(a.stdout);
    }
  });

  it('nldb alone prints the help and exits 2', () => {
    const r = nldb([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Usage: nldb <command>');
  });

  it('--version prints package.json\'s version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(nldb(['--version'])).toEqual({ code: 0, stdout: `nldb ${pkg.version}\n`, stderr: '' });
  });
});

describe('usage errors: one line, exit code 2', () => {
  const cases: [string[], RegExp][] = [
    [['frobnicate'], /^nldb: unknown command 'frobnicate' \(see 'nldb --help'\)\n$/],
    [['--frob'], /^nldb: unknown option '--frob' \(see 'nldb --help'\)\n$/],
    [['decode', '--frob'], /^nldb: Unknown option '--frob' \(see 'nldb decode --help'\)\n$/],
    [['decode', 'a', 'b'], /^nldb: unexpected argument 'b' \(see 'nldb decode --help'\)\n$/],
    [['decode', '--protocol', 'xfrm'], /^nldb: --protocol must be one of route, generic, not 'xfrm' \(see 'nldb decode --help'\)\n$/],
    [['decode', '--color', 'sometimes'], /^nldb: --color takes auto, always or never, not 'sometimes'/],
    [['netns', 'add'], /^nldb: netns add needs a NAME \(see 'nldb netns --help'\)\n$/],
    [['netns', 'add', 'a/b'], /^nldb: invalid network namespace name "a\/b"/],
    [['netns', 'rename', 'x'], /^nldb: netns takes list, add or del, not 'rename'/],
    [['help', 'frobnicate'], /^nldb: no command 'frobnicate'/],
  ];
  for (const [args, message] of cases) {
    it(args.join(' '), () => {
      const r = nldb(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    });
  }
});

describe('colour', () => {
  const hex = fixture('link-veth').messages.map((m) => m.hex).join('\n\n');

  it('is off when piped, on with --color always, and NO_COLOR does not beat an explicit always', () => {
    expect(nldb(['decode'], { input: hex }).stdout).not.toContain('\x1b[');
    const always = nldb(['decode', '--color', 'always'], { input: hex });
    expect(always.stdout).toContain('\x1b[1mRTM_NEWLINK (16)\x1b[22m');
    expect(nldb(['--color=always', 'decode'], { input: hex }).stdout).toBe(always.stdout);
    expect(nldb(['decode', '--color', 'always'], { input: hex, env: { NO_COLOR: '1' } }).stdout).toBe(always.stdout);
    expect(nldb(['decode', '--color', 'always', '--no-color'], { input: hex }).stdout).not.toContain('\x1b[');
  });

  it('is on, on a real terminal (a pty from script(1)), unless NO_COLOR is set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nldb-cli-'));
    try {
      const file = join(dir, 'in.hex');
      writeFileSync(file, hex);
      const onTty = (env: Record<string, string | undefined>) => spawnSync('script', ['-qec', `${process.execPath} ${MAIN} decode ${file}`, '/dev/null'], {
        encoding: 'utf8', env: { ...process.env, NO_COLOR: undefined, ...env },
      }).stdout;
      expect(onTty({})).toContain('\x1b[1mRTM_NEWLINK (16)\x1b[22m');
      const plain = onTty({ NO_COLOR: '1' });
      expect(plain).toContain('RTM_NEWLINK (16)');
      expect(plain).not.toContain('\x1b[');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('auto mode: a terminal without NO_COLOR', () => {
    expect(colorEnabled('auto', true, {})).toBe(true);
    expect(colorEnabled('auto', true, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled('auto', true, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled('auto', false, {})).toBe(false);
    expect(colorEnabled('never', true, {})).toBe(false);
    expect(colorEnabled('always', false, { NO_COLOR: '1' })).toBe(true);
  });
});
