/**
 * The namespace an IPRoute or IPDB is opened in, checked before anything is opened: a
 * ValidationError naming `netns` and the value for one that cannot name a namespace, and a
 * NotFoundError for a name with no namespace behind it (opening it failed with ENOENT). The
 * transport below says neither in those words (a TypeError, a TransportError).
 */
import { isNetnsName, NETNS_RUN_DIR, type NetnsRef } from '../transport/netns.js';
import { NotFoundError, ValidationError } from './errors.js';

const SHAPES = "a name (no '/'), { name }, { path }, { pid } or { fd }";

/** Throws a ValidationError unless `value` is a NetnsRef the transport takes. */
export function checkNetnsRef(value: unknown): asserts value is NetnsRef {
  let ok = isNetnsName(value);
  if (!ok && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined);
    if (keys.length === 1) {
      const [k] = keys as [string];
      const v = o[k];
      ok = (k === 'name' && isNetnsName(v)) || (k === 'path' && typeof v === 'string' && v.startsWith('/'))
        || (k === 'pid' && Number.isInteger(v) && (v as number) > 0) || (k === 'fd' && Number.isInteger(v) && (v as number) >= 0);
    }
  }
  if (!ok) throw new ValidationError([{ field: 'netns', value, expected: 'namespace', reason: `expected ${SHAPES}` }]);
}

/** `err` as a NotFoundError when it is the ENOENT of opening named namespace `ref`; else `err` itself. */
export function missingNetns(ref: NetnsRef, err: unknown): unknown {
  const name = typeof ref === 'string' ? ref : 'name' in ref ? ref.name : undefined;
  const e = err as { errno?: unknown; code?: unknown } | null;
  if (name === undefined || !(e?.errno === 2 || e?.code === 'ENOENT')) return err;
  return new NotFoundError([{ field: 'netns', value: ref, expected: 'namespace', reason: `no namespace of that name (${NETNS_RUN_DIR}/${name})` }], { cause: err });
}
