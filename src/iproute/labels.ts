/**
 * Operation labels for errors, in ip's words: 'link add v0', 'addr add 10.0.0.1/24 dev v0',
 * 'route replace 10.1.0.0/16 table 100'. They name what was asked, so a KernelError says which
 * of many requests the kernel refused.
 */
import type { IfTarget, ValidAddress, ValidLink, ValidNeighbour, ValidRoute, ValidRule } from './validate/index.js';

const dev = (t: IfTarget | undefined): string => (t === undefined ? '?' : 'index' in t ? `index ${t.index}` : t.ifname);

export function describeLink(v: ValidLink): string {
  if (v.op === 'add') return `link add ${v.ifname ?? '?'}${v.kind ? ` type ${v.kind}` : ''}`;
  return `link ${v.op} ${dev(v.target)}`;
}

export function describeAddress(v: ValidAddress): string {
  return `addr ${v.op} ${v.address.text}/${v.prefixlen} dev ${dev(v.target)}`;
}

export function describeRoute(v: ValidRoute): string {
  let s = `route ${v.op} ${v.dst.text}`;
  if (v.family === 6 && v.dst.prefixlen === 0) s = `route ${v.op} -6 default`;
  if (v.table !== undefined) s += ` table ${v.table}`;
  return s;
}

export function describeRule(v: ValidRule): string {
  let s = `rule ${v.op}`;
  if (v.family === 6) s += ' -6';
  if (v.priority !== undefined) s += ` pref ${v.priority}`;
  if (v.src) s += ` from ${v.src.text}`;
  if (v.dst) s += ` to ${v.dst.text}`;
  return s;
}

export function describeNeighbour(v: ValidNeighbour): string {
  return `neigh ${v.op} ${v.dst.text} dev ${dev(v.target)}`;
}
