/**
 * Neighbour specs: validation and normalisation for `neigh('add' | 'del' | 'replace', spec)`.
 */
import type { Family } from '../records.js';
import type { NeighbourOp, NeighbourSpec } from '../specs.js';
import { nudValue } from '../names.js';
import { Checker } from './check.js';
import type { ParsedIp } from './ip.js';
import { checkIp, checkMac, checkTarget, type IfTarget } from './values.js';

export interface ValidNeighbour {
  op: NeighbourOp;
  target: IfTarget;
  family: Family;
  dst: ParsedIp;
  lladdr?: string;
  /** NUD_* bits. */
  state?: number;
  flags?: number;
}

const FIELDS = ['index', 'ifname', 'dst', 'lladdr', 'state', 'flags'] as const;

export function validateNeighbour(op: NeighbourOp, spec: NeighbourSpec): ValidNeighbour {
  const c = new Checker();
  const out = checkNeighbour(c, op, spec);
  c.done();
  return out!;
}

function checkNeighbour(c: Checker, op: NeighbourOp, spec: unknown): ValidNeighbour | undefined {
  if (op !== 'add' && op !== 'del' && op !== 'replace') return c.fail('op', op, 'operation', "expected 'add', 'del' or 'replace'");
  const s = c.object('', spec, FIELDS, 'neighbour spec');
  if (!s) return undefined;
  const out: Partial<ValidNeighbour> = { op, target: checkTarget(c, s) };
  if (s.dst === undefined) c.fail('dst', undefined, 'address', 'missing');
  else {
    out.dst = checkIp(c, 'dst', s.dst);
    out.family = out.dst?.family;
  }
  if (s.lladdr !== undefined) out.lladdr = checkMac(c, 'lladdr', s.lladdr);
  if (s.state !== undefined) {
    const v = typeof s.state === 'string' ? nudValue(s.state) : undefined;
    if (v === undefined) {
      c.fail('state', s.state, 'neighbour state', "expected a NUD state: 'permanent', 'reachable', 'stale', 'noarp', 'delay', 'probe', 'failed', 'incomplete' or 'none'");
    } else out.state = v;
  }
  if (s.flags !== undefined) out.flags = c.u8('flags', s.flags, 'neighbour flags');
  return c.ok ? (out as ValidNeighbour) : undefined;
}
