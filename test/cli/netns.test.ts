/**
 * `nldb netns list|add|del`, checked against `ip netns list` as the witness. Every name is
 * unique to this run and deleted afterwards, also when a test fails.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deleteNetns, uniqueNetnsName } from '../helpers/netns.js';
import { ensureBuilt, nldb } from './run.js';

beforeAll(() => ensureBuilt());

const made: string[] = [];
afterEach(() => {
  for (const n of made.splice(0)) deleteNetns(n);
});

function ipNetnsList(): string[] {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  return out.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n !== '');
}

describe('nldb netns', () => {
  it('add makes a namespace ip sees and can use; del removes it', () => {
    const name = uniqueNetnsName('cli-ns');
    made.push(name);
    const add = nldb(['netns', 'add', name]);
    expect(add).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(ipNetnsList()).toContain(name);
    // A real network namespace: ip can work inside it, and it starts with only lo.
    const links = spawnSync('ip', ['-n', name, '-j', 'link', 'show'], { encoding: 'utf8' });
    expect(links.status).toBe(0);
    expect((JSON.parse(links.stdout) as { ifname: string }[]).map((l) => l.ifname)).toEqual(['lo']);

    const del = nldb(['netns', 'del', name]);
    expect(del).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(ipNetnsList()).not.toContain(name);
  });

  it('list shows what ip netns list shows, as lines or JSON', () => {
    const a = uniqueNetnsName('cli-ls');
    const b = uniqueNetnsName('cli-ls');
    made.push(a, b);
    expect(spawnSync('ip', ['netns', 'add', a]).status).toBe(0);
    expect(nldb(['netns', 'add', b]).code).toBe(0);
    const list = nldb(['netns', 'list']);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    // Other test files make and delete namespaces meanwhile: compare what is ours, and the form.
    expect(lines).toEqual(expect.arrayContaining([a, b]));
    expect(ipNetnsList()).toEqual(expect.arrayContaining([a, b]));
    expect(lines).toEqual([...new Set(lines)].sort());
    const json = JSON.parse(nldb(['netns', 'list', '--json']).stdout) as string[];
    expect(json).toEqual(expect.arrayContaining([a, b]));
    expect(json).toEqual([...json].sort());
    // `nldb netns` alone lists too.
    expect(nldb(['netns']).stdout.split('\n')).toEqual(expect.arrayContaining([a, b]));
  });

  it('refuses to add a name that exists, or delete one that does not, in one line with exit code 1', () => {
    const name = uniqueNetnsName('cli-dup');
    made.push(name);
    expect(nldb(['netns', 'add', name]).code).toBe(0);
    const again = nldb(['netns', 'add', name]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`nldb: namespace '${name}' already exists\n`);
    expect(ipNetnsList().filter((n) => n === name)).toHaveLength(1);

    const missing = uniqueNetnsName('cli-none');
    const del = nldb(['netns', 'del', missing]);
    expect(del.code).toBe(1);
    expect(del.stderr).toBe(`nldb: no namespace named '${missing}'\n`);
  });
});
