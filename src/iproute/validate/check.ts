/**
 * The checker every spec validator uses: it collects problems instead of throwing at the first,
 * so a spec's mistakes are reported together, and each primitive check returns the normalised
 * value (or undefined after recording why it was refused).
 */
import { ValidationError, type ValidationIssue } from '../errors.js';
import type { EnumTable } from '../names.js';

/** What ip (and pyroute2) call fields the specs name otherwise: `ip route add ... via X dev Y metric Z`. */
const IP_WORDS: Readonly<Record<string, string>> = {
  via: 'gateway', gw: 'gateway', dev: 'oif', metric: 'priority', preference: 'priority', pref: 'priority', proto: 'protocol',
  lookup: 'table', name: 'ifname', vni: 'id', nud: 'state', txqueuelen: 'txqlen', dstport: 'port',
};

/**
 * The allowed name `key` is most likely meant as: ip's word for it ('via', 'dev'), one it begins
 * ('prio'), or one a typing slip away ('tabel': two edits; one for names of four letters or less);
 * undefined when none is.
 */
export function nearest(key: string, allowed: readonly string[]): string | undefined {
  const k = key.toLowerCase();
  const word = IP_WORDS[k];
  if (word !== undefined && allowed.includes(word)) return word;
  let best: string | undefined;
  let bestCost = k.length <= 4 ? 2 : 3;
  for (const name of allowed) {
    const n = name.toLowerCase();
    const cost = k.length >= 3 && n.startsWith(k) ? 1 : editDistance(k, n);
    if (cost < bestCost) { best = name; bestCost = cost; }
  }
  return best;
}

/** Edits from `a` to `b`, two letters swapped counting as one ('mut' is one from mtu). Short names: the plain table. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

export class Checker {
  readonly issues: ValidationIssue[] = [];

  fail(field: string, value: unknown, expected: string, reason: string): undefined {
    this.issues.push({ field, value, expected, reason });
    return undefined;
  }

  get ok(): boolean {
    return this.issues.length === 0;
  }

  /** Throws one ValidationError holding every problem recorded, if any. */
  done(): void {
    if (this.issues.length > 0) throw new ValidationError(this.issues);
  }

  /** Refuses a spec that is not a plain object, and keys it does not know (typos must not pass silently). */
  object(field: string, value: unknown, allowed: readonly string[], what = 'spec'): Record<string, unknown> | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return this.fail(field, value, what, 'expected an object');
    }
    const obj = value as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      if (obj[key] === undefined) continue;
      if (!allowed.includes(key)) {
        const near = nearest(key, allowed);
        this.fail(join(field, key), obj[key], 'field', `${near !== undefined ? `did you mean '${near}'? ` : ''}known fields: ${allowed.join(', ')}`);
      }
    }
    return obj;
  }

  /** An integer in [min, max] (inclusive). */
  int(field: string, value: unknown, min: number, max: number, what = 'number'): number | undefined {
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      return this.fail(field, value, what, 'expected an integer');
    }
    if (value < min || value > max) return this.fail(field, value, what, `out of range ${min}..${max}`);
    return value;
  }

  u8(field: string, value: unknown, what?: string): number | undefined { return this.int(field, value, 0, 0xff, what); }
  u16(field: string, value: unknown, what?: string): number | undefined { return this.int(field, value, 0, 0xffff, what); }
  u32(field: string, value: unknown, what?: string): number | undefined { return this.int(field, value, 0, 0xffffffff, what); }

  bool(field: string, value: unknown): boolean | undefined {
    if (typeof value !== 'boolean') return this.fail(field, value, 'boolean', 'expected true or false');
    return value;
  }

  /** A name from `table`, or a number in [0, max]. */
  enumValue(field: string, value: unknown, table: EnumTable, max: number, what: string): number | undefined {
    if (typeof value === 'number') return this.int(field, value, 0, max, what);
    if (typeof value === 'string') {
      const v = table.value(value);
      if (v !== undefined) return v;
      if (/^(?:0|[1-9][0-9]*)$/.test(value)) return this.int(field, Number(value), 0, max, what);
      return this.fail(field, value, what, `unknown name; expected one of ${table.names.join(', ')} or a number 0..${max}`);
    }
    return this.fail(field, value, what, 'expected a name or a number');
  }

  string(field: string, value: unknown, what: string): string | undefined {
    if (typeof value !== 'string') return this.fail(field, value, what, 'expected a string');
    return value;
  }
}

/** 'a' + 'b' → 'a.b'; '' + 'b' → 'b'. */
export const join = (prefix: string, key: string): string => (prefix === '' ? key : `${prefix}.${key}`);
