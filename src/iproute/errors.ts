/**
 * Errors IPRoute raises itself, before anything reaches the kernel. (A refusal by the kernel is
 * the transport's KernelError, passed through with an `operation` label; it is not wrapped here.)
 *
 * A ValidationError names the spec field (a path such as 'multipath[1].gateway'), the value given
 * and why it was refused. Validation collects every problem of a spec before throwing, so one error
 * reports them all in `errors`; its own field/value/reason are those of the first.
 */

export interface ValidationIssue {
  /** Path of the field in the spec: 'address', 'peer.ifname', 'multipath[0].weight'. */
  readonly field: string;
  /** The value that was refused, as given. */
  readonly value: unknown;
  /** What the field should hold, as a noun: 'address', 'interface name', 'link kind'. */
  readonly expected: string;
  readonly reason: string;
}

/** Renders a refused value for a message: strings quoted, objects as JSON, the rest as is. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return '[function]';
  // (JSON says null for these: a message reading 'invalid MTU null' hid the NaN that was given.)
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** How an unknown field's reason lists the fields there are (validate/check.ts). */
const KNOWN = 'known fields: ';

export function describeIssue(i: ValidationIssue): string {
  // (A field no spec has: its name is the mistake, not its value.)
  if (i.expected === 'field') return `unknown field "${i.field}" (${showValue(i.value)}): ${i.reason}`;
  return `invalid ${i.expected} ${showValue(i.value)} for field "${i.field}": ${i.reason}`;
}

export class ValidationError extends Error {
  override readonly name: string = 'ValidationError';
  readonly field: string;
  readonly value: unknown;
  readonly reason: string;
  /** Every problem found in the spec, the first one being this error's own. */
  readonly errors: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[], opts: { cause?: unknown } = {}) {
    const first = issues[0];
    if (!first) throw new TypeError('ValidationError needs at least one issue');
    // (A list of known fields said once: a spec with two unknown fields would repeat it.)
    const lists = new Set<string>();
    const said = issues.map((i) => {
      const at = i.expected === 'field' ? i.reason.indexOf(KNOWN) : -1;
      if (at < 0) return describeIssue(i);
      const list = i.reason.slice(at);
      if (!lists.has(list)) { lists.add(list); return describeIssue(i); }
      return describeIssue({ ...i, reason: i.reason.slice(0, at).replace(/ $/, '') || 'not one of the fields above' });
    });
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more: ${said.slice(1).join('; ')})` : '';
    super(said[0]! + more, { cause: opts.cause });
    this.field = first.field;
    this.value = first.value;
    this.reason = first.reason;
    this.errors = issues;
  }
}

/**
 * An interface named in a spec does not exist (the name → index look-up found nothing, or an
 * index names no device). It is a ValidationError too: it is raised before the change is sent,
 * so nothing was applied.
 */
export class NotFoundError extends ValidationError {
  override readonly name: string = 'NotFoundError';
}
