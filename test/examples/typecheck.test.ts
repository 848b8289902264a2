/**
 * The examples are plain JavaScript with `// @ts-check`: type-checked here against the BUILT
 * package's declarations (examples/tsconfig.json), so a change of the public API that breaks
 * an example fails this test, not a user.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from './run.js';

beforeAll(() => ensureBuilt());

it('the examples type-check against the package as built', () => {
  const tsc = join(ROOT, 'node_modules/.bin/tsc');
  const r = spawnSync(tsc, ['-p', join(ROOT, 'examples/tsconfig.json')], { cwd: ROOT, encoding: 'utf8' });
  expect(r.error).toBeUndefined();
  expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
  expect(r.status).toBe(0);
});
