/**
 * Writes a desired state into a transaction's draft: what is missing is created, what differs is
 * set, what is marked `present: false` is removed, and everything else is left as it is. The
 * draft does the rest (the planner orders operations by dependency and pairs each with its undo).
 */
import type {
  AddressRecord, LinkSpec, NeighbourRecord, NeighbourSpec, RouteRecord, RouteSpec, RuleRecord, RuleSpec,
} from '../../index.js';
import { DesiredStateError, type DesiredInterface, type DesiredState } from './desired.js';
import { LINK_FLAG_FIELDS } from '../../iproute/link-flags.js';

/** The part of a transaction `apply` writes to (a Transaction's draft API). */
export interface DraftLike {
  readonly interfaces: {
    get(ref: string | number): InterfaceLike | undefined;
    create(spec: LinkSpec): InterfaceLike;
    remove(ref: string | number): void;
  };
  readonly routes: { find(spec: RouteSpec): RouteRecord[]; replace(spec: RouteSpec): RouteRecord; remove(spec: RouteSpec | RouteRecord): RouteRecord };
  readonly rules: { find(spec: RuleSpec): RuleRecord[]; add(spec: RuleSpec): RuleRecord; remove(spec: RuleSpec | RuleRecord): RuleRecord };
  readonly neighbours: { list(): NeighbourRecord[]; replace(spec: NeighbourSpec): NeighbourRecord; remove(spec: NeighbourSpec | NeighbourRecord): NeighbourRecord };
}

export interface InterfaceLike {
  readonly index: number;
  readonly kind: string | null;
  /** The lower device (IFLA_LINK), and the kind's options as the kernel reports them. */
  readonly link: number | null;
  readonly info: Readonly<Record<string, unknown>> | null;
  mtu: number;
  state: 'up' | 'down';
  address: string | null;
  txqlen: number | null;
  promisc: boolean;
  allmulticast: boolean;
  arp: boolean;
  multicast: boolean;
  dynamic: boolean;
  get master(): number | null;
  set master(v: string | number | null);
  readonly addresses: readonly AddressRecord[];
  addIp(spec: string): AddressRecord;
  delIp(spec: string): AddressRecord;
}

function hasAddress(i: InterfaceLike, cidr: string): boolean {
  const [addr, len] = cidr.split('/');
  const want = (addr ?? '').toLowerCase();
  return i.addresses.some((a) => a.address === want && (len === undefined || a.prefixlen === Number(len)));
}

/**
 * What the file says of an existing link's lower device and kind options that the link does not
 * have, in words, or null. A transaction cannot change them (the kernel takes them when the link
 * is made), and an apply that passed over them would say the state matches when it does not.
 */
function unchangeable(tx: DraftLike, i: InterfaceLike, d: DesiredInterface): string | null {
  const indexOf = (v: unknown): unknown => (typeof v === 'string' ? tx.interfaces.get(v)?.index ?? v : v);
  const plain = (v: unknown): unknown => (typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'string' ? v.toLowerCase() : v);
  if (d.link !== undefined) {
    const want = indexOf(d.link);
    const have = i.kind === 'vxlan' ? i.info?.link ?? null : i.link;
    if (want !== have) return `link ${d.link}, where it has ${have === null ? 'none' : `#${String(have)}`}`;
  }
  for (const [k, v] of Object.entries(d.info ?? {})) {
    // (Specs say `remote` for a vxlan's unicast group; records say group.)
    const key = i.kind === 'vxlan' && k === 'remote' ? 'group' : k;
    const want = plain(key === 'link' ? indexOf(v) : v);
    const have = plain(i.info?.[key]);
    if (JSON.stringify(want) !== JSON.stringify(have)) return `info.${k} ${JSON.stringify(v)}, where it has ${have === undefined ? 'none' : JSON.stringify(have)}`;
  }
  return null;
}

function createSpec(d: DesiredInterface): LinkSpec {
  const spec: LinkSpec = { ifname: d.ifname, kind: d.kind! };
  if (d.mtu !== undefined) spec.mtu = d.mtu;
  if (d.state !== undefined) spec.state = d.state;
  if (d.address !== undefined) spec.address = d.address;
  if (d.txqlen !== undefined) spec.txqlen = d.txqlen;
  for (const f of LINK_FLAG_FIELDS) if (d[f] !== undefined) spec[f] = d[f];
  if (d.link !== undefined) spec.link = d.link;
  if (d.info !== undefined) spec.info = d.info;
  if (d.peer !== undefined) spec.peer = (typeof d.peer === 'string' ? { ifname: d.peer } : d.peer) as LinkSpec['peer'];
  return spec;
}

/**
 * Runs the draft's part for one entry of the file: what the draft refuses (a ValidationError, which
 * names the field but not the entry) is said with where it is in the file, as the file's own
 * mistakes are ('routes[3]: invalid address "foo" for field "gateway"').
 */
function at<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof Error && err.name === 'ValidationError') throw new DesiredStateError(`${where}: ${err.message}`, { cause: err });
    throw err;
  }
}

export function draftDesired(tx: DraftLike, want: DesiredState): void {
  // Removals first, so a name can be freed and reused in the same file.
  for (const d of want.interfaces) if (d.present === false && tx.interfaces.get(d.ifname)) at(`interfaces.${d.ifname}`, () => tx.interfaces.remove(d.ifname));

  const present = want.interfaces.filter((d) => d.present !== false);
  // Creations and settings, then masters: a port may be listed before its bridge.
  for (const d of present) at(`interfaces.${d.ifname}`, () => {
    let i = tx.interfaces.get(d.ifname);
    if (!i) {
      if (d.kind === undefined) throw new DesiredStateError(`interface ${d.ifname} does not exist, and has no kind to create it with`);
      i = tx.interfaces.create(createSpec(d));
    } else {
      if (d.kind !== undefined && i.kind !== d.kind) {
        throw new DesiredStateError(`interface ${d.ifname} is ${i.kind === null ? 'a plain device' : `a ${i.kind}`}, not a ${d.kind} (a kind cannot be changed: remove it first with present: false)`);
      }
      const fixed = unchangeable(tx, i, d);
      if (fixed !== null) {
        throw new DesiredStateError(`interface ${d.ifname}: the file says ${fixed}: a link's lower device and kind options are set when it is made (remove it with present: false, and make it again in another apply)`);
      }
      if (d.mtu !== undefined && i.mtu !== d.mtu) i.mtu = d.mtu;
      if (d.address !== undefined && i.address !== d.address.toLowerCase()) i.address = d.address.toLowerCase();
      if (d.txqlen !== undefined && i.txqlen !== d.txqlen) i.txqlen = d.txqlen;
      for (const f of LINK_FLAG_FIELDS) if (d[f] !== undefined && i[f] !== d[f]) i[f] = d[f];
    }
    for (const a of d.addresses ?? []) if (!hasAddress(i, a)) i.addIp(a);
    for (const a of d.absentAddresses ?? []) if (hasAddress(i, a)) i.delIp(a);
  });
  for (const d of present) at(`interfaces.${d.ifname}`, () => {
    const i = tx.interfaces.get(d.ifname)!;
    if (d.master !== undefined) {
      const target = d.master === null ? null : tx.interfaces.get(d.master);
      if (d.master !== null && !target) {
        // (A master the file itself removes is not "missing": say which it is.)
        const removed = want.interfaces.some((o) => o.ifname === d.master && o.present === false);
        throw new DesiredStateError(`interface ${d.ifname}: its master ${d.master} ${removed ? 'is removed by the file (present: false)' : 'does not exist and is not in the file'}`);
      }
      if (i.master !== (target ? target.index : null)) i.master = d.master;
    }
    // Up last, once it has its master and addresses (as ip users do it).
    if (d.state !== undefined && i.state !== d.state) i.state = d.state;
  });

  want.routes.forEach((r, k) => at(`routes[${k}]`, () => {
    const { present: p, ...spec } = r;
    const hits = tx.routes.find(spec);
    if (p === false) for (const h of hits) tx.routes.remove(h);
    else if (hits.length === 0) tx.routes.replace(spec);
  }));
  want.rules.forEach((r, k) => at(`rules[${k}]`, () => {
    const { present: p, ...spec } = r;
    const hits = tx.rules.find(spec);
    if (p === false) for (const h of hits) tx.rules.remove(h);
    else if (hits.length === 0) tx.rules.add(spec);
  }));
  want.neighbours.forEach((n, k) => at(`neighbours[${k}]`, () => {
    const { present: p, ...spec } = n;
    const index = spec.index ?? (spec.ifname !== undefined ? tx.interfaces.get(spec.ifname)?.index : undefined);
    const dst = spec.dst.toLowerCase();
    const had = tx.neighbours.list().find((x) => x.index === index && x.dst === dst);
    if (p === false) {
      if (had) tx.neighbours.remove(had);
    } else if (!had || (spec.lladdr !== undefined && had.lladdr !== spec.lladdr.toLowerCase()) ||
      (typeof spec.state === 'string' && had.state !== spec.state.toUpperCase())) {
      tx.neighbours.replace(spec);
    }
  }));
}
