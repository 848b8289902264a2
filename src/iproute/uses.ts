/**
 * The interfaces and namespaces a validated spec refers to, with the spec field each comes from,
 * so they can be looked up (and reported by field) before the change is encoded.
 */
import type { IfUse } from './resolve.js';
import type {
  NetnsTarget, ValidAddress, ValidLink, ValidNeighbour, ValidRoute,
} from './validate/index.js';

export function linkUses(v: ValidLink): IfUse[] {
  const out: IfUse[] = [];
  if (v.target) out.push({ field: 'index' in v.target ? 'index' : 'ifname', target: v.target });
  if (v.master) out.push({ field: 'master', target: v.master });
  if (v.link) out.push({ field: 'link', target: v.link });
  if (v.info?.kind === 'vxlan' && v.info.data.link) out.push({ field: 'info.link', target: v.info.data.link });
  return out;
}

export function linkNamespaces(v: ValidLink): { field: string; target: NetnsTarget }[] {
  const out: { field: string; target: NetnsTarget }[] = [];
  if (v.netns) out.push({ field: 'netns', target: v.netns });
  if (v.peer?.netns) out.push({ field: 'peer.netns', target: v.peer.netns });
  return out;
}

export function addressUses(v: ValidAddress): IfUse[] {
  return [{ field: 'index' in v.target ? 'index' : 'ifname', target: v.target }];
}

export function routeUses(v: ValidRoute): IfUse[] {
  const out: IfUse[] = [];
  if (v.oif) out.push({ field: 'oif', target: v.oif });
  v.multipath?.forEach((nh, i) => { if (nh.oif) out.push({ field: `multipath[${i}].oif`, target: nh.oif }); });
  return out;
}

export function neighbourUses(v: ValidNeighbour): IfUse[] {
  return [{ field: 'index' in v.target ? 'index' : 'ifname', target: v.target }];
}
