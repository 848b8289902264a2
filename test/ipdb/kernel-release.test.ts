/** The kernel release read as a version, and what it says of renaming links that are up. */
import { release } from 'node:os';
import { expect, it } from 'vitest';
import { releaseVersion, renamesUpLinks } from '../../src/ipdb/kernel-release.js';

it('reads major and minor from a release, and renames links that are up from 6.2 on', () => {
  expect(releaseVersion('6.18.44-fc-v657')).toEqual([6, 18]);
  expect(releaseVersion('5.15.0-91-generic')).toEqual([5, 15]);
  expect(releaseVersion('not a release')).toBeNull();
  expect(['5.15.0-91-generic', '6.1.0-13-amd64', '6.2.0', '6.18.44-fc-v657', '7.0.1', 'x'].map((r) => renamesUpLinks(r)))
    .toEqual([false, false, true, true, true, false]);
  // The machine's own, as the database plans with it.
  expect(renamesUpLinks()).toBe(renamesUpLinks(release()));
});
