/**
 * What the running kernel's release says it can do, where the answer changes what a transaction
 * may plan. Read from uname(2) (os.release()), not probed: a probe would have to change a link.
 */
import { release } from 'node:os';

/** [major, minor] of a release such as '6.18.44-fc-v657', or null when it does not read as one. */
export function releaseVersion(text: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/**
 * Whether the kernel renames a link that is up: Linux 6.2 and later (net: allow to rename
 * interface when it's up, bd039b5ea2a9); before, dev_change_name() refused it (EBUSY). A release
 * that does not read as a version counts as an old kernel (a rename then asks for the link down).
 */
export function renamesUpLinks(text: string = release()): boolean {
  const v = releaseVersion(text);
  return v !== null && (v[0] > 6 || (v[0] === 6 && v[1] >= 2));
}
