/**
 * The desired-state file of `nldb apply`: JSON or YAML, read and checked here before anything
 * touches the kernel. Its words are the library's own specs (RouteSpec, RuleSpec, ...), so a
 * file reads like the code that would do the same; an interface carries its addresses.
 *
 *   interfaces:
 *     - { ifname: br0, kind: bridge, state: up }
 *     - { ifname: v0, kind: veth, peer: v1, mtu: 1400, master: br0, state: up,
 *         addresses: [10.0.0.1/24, 2001:db8::1/64] }
 *     - { ifname: old0, present: false }          # delete it if it is there
 *     - { ifname: v1, addresses: [{ address: 10.0.0.9/24, present: false }] }   # an address gone
 *   # or, keyed by name (netplan's spelling, and pyroute2's `ipdb.interfaces.br0`):
 *   # interfaces: { br0: { kind: bridge, state: up }, old0: { present: false } }
 *   routes:
 *     - { dst: 10.9.0.0/24, gateway: 10.0.0.2 }
 *   rules:
 *     - { priority: 1000, src: 10.0.0.0/8, table: 100 }
 *   neighbours:
 *     - { ifname: v0, dst: 10.0.0.9, lladdr: 'aa:bb:cc:dd:ee:01' }
 *
 * Objects the file does not mention are left alone; `present: false` asks for one to be gone.
 */
import type { NeighbourSpec, RouteSpec, RuleSpec } from '../../index.js';
import { nearest } from '../../iproute/validate/check.js';
import { showValue } from '../../iproute/errors.js';
import { LINK_FLAG_FIELDS } from '../../iproute/link-flags.js';

export interface DesiredInterface {
  ifname: string;
  /** Needed to create the interface; when it exists, must match its kind. */
  kind?: string;
  state?: 'up' | 'down';
  mtu?: number;
  /** MAC address. */
  address?: string;
  /** The bridge (or bond) it is a port of; null: none. */
  master?: string | null;
  /** Addresses it must have ('10.0.0.1/24'); others it has are kept. */
  addresses?: string[];
  /** Addresses it must not have: the file's `{ address, present: false }` entries. */
  absentAddresses?: string[];
  /** veth: the peer's name, or its spec. */
  peer?: string | Record<string, unknown>;
  /** Lower device (macvlan's parent). */
  link?: string;
  /** Kind-specific options (vxlan id, ...). */
  info?: Record<string, unknown>;
  txqlen?: number;
  /** Flags that are settings, as ip names them (promisc, allmulticast, arp, multicast, dynamic). */
  promisc?: boolean;
  allmulticast?: boolean;
  arp?: boolean;
  multicast?: boolean;
  dynamic?: boolean;
  /** false: the interface must not exist. */
  present?: boolean;
}

export type Presence = { present?: boolean };

export interface DesiredState {
  interfaces: DesiredInterface[];
  routes: (RouteSpec & Presence)[];
  rules: (RuleSpec & Presence)[];
  neighbours: (NeighbourSpec & Presence)[];
}

/** A mistake in the file: where it is and what is wrong, in one line. */
export class DesiredStateError extends Error {
  override name = 'DesiredStateError';
}

const TOP = ['interfaces', 'routes', 'rules', 'neighbours'] as const;
const IFACE_KEYS = new Set(['ifname', 'kind', 'state', 'mtu', 'address', 'master', 'addresses', 'peer', 'link', 'info', 'txqlen', ...LINK_FLAG_FIELDS, 'present']);

/** Parses the text: JSON when it looks like JSON, else YAML (through the optional `yaml` package). */
export async function parseDesiredText(text: string, source: string): Promise<unknown> {
  const t = text.trim();
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      return JSON.parse(t);
    } catch (err) {
      throw new DesiredStateError(`${source}: not valid JSON: ${(err as Error).message}`);
    }
  }
  let yaml: { parse(text: string): unknown };
  try {
    // A variable specifier: `yaml` is an optional dependency, absent from some installs.
    const name = 'yaml';
    yaml = (await import(name)) as typeof yaml;
  } catch {
    throw new DesiredStateError(`${source}: reading YAML needs the 'yaml' package (npm install yaml); or give the state as JSON`);
  }
  try {
    return yaml.parse(text);
  } catch (err) {
    throw new DesiredStateError(`${source}: not valid YAML: ${((err as Error).message ?? '').split('\n')[0]}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function list(doc: Record<string, unknown>, key: string): Record<string, unknown>[] {
  const v = doc[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new DesiredStateError(`${key}: expected a list`);
  return v.map((item, i) => {
    if (!isObject(item)) throw new DesiredStateError(`${key}[${i}]: expected an object`);
    return item;
  });
}

/**
 * The interfaces section: a list of objects with their ifname, or a map from name to object (the
 * name is the key; an ifname inside, if given, must be the same; `br0:` with nothing after it
 * only names it). Each comes with where it is, for messages: `interfaces[1] (v0)` or `interfaces.v0`.
 */
function interfaceItems(doc: Record<string, unknown>): { item: Record<string, unknown>; where: string }[] {
  const v = doc.interfaces;
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) {
    return list(doc, 'interfaces').map((item, i) => ({ item, where: `interfaces[${i}]${typeof item.ifname === 'string' && item.ifname !== '' ? ` (${item.ifname})` : ''}` }));
  }
  if (!isObject(v)) throw new DesiredStateError('interfaces: expected a list, or a map of interfaces by name');
  return Object.entries(v).map(([name, item]) => {
    const where = `interfaces.${name}`;
    if (item === null) return { item: { ifname: name }, where };
    if (!isObject(item)) throw new DesiredStateError(`${where}: expected an object`);
    check(item.ifname === undefined || item.ifname === name, where, `ifname ${JSON.stringify(item.ifname)} is not its key`);
    return { item: { ...item, ifname: name }, where };
  });
}

function check(cond: boolean, where: string, what: string): void {
  if (!cond) throw new DesiredStateError(`${where}: ${what}`);
}

/** Refuses `o`'s fields outside `known`: every one at once, each with what was likely meant (as the library's checks say them). */
function checkFields(o: Record<string, unknown>, known: readonly string[], where: string): void {
  const unknown = Object.keys(o).filter((k) => !known.includes(k));
  const guess = (k: string) => { const n = nearest(k, known); return n === undefined ? '' : ` (did you mean '${n}'?)`; };
  check(unknown.length === 0, where, `unknown field${unknown.length === 1 ? '' : 's'} ${unknown.map((k) => `'${k}'${guess(k)}`).join(', ')}; known: ${known.join(', ')}`);
}

function checkInterface(o: Record<string, unknown>, w: string): DesiredInterface {
  checkFields(o, [...IFACE_KEYS], w);
  check(typeof o.ifname === 'string' && o.ifname !== '', w, 'needs an ifname');
  if (o.kind !== undefined) check(typeof o.kind === 'string', w, 'kind must be a string');
  if (o.state !== undefined) check(o.state === 'up' || o.state === 'down', w, `state must be up or down, not ${JSON.stringify(o.state)}`);
  if (o.mtu !== undefined) check(Number.isInteger(o.mtu) && (o.mtu as number) > 0, w, `mtu must be a positive integer, not ${showValue(o.mtu)}`);
  if (o.txqlen !== undefined) check(Number.isInteger(o.txqlen) && (o.txqlen as number) >= 0, w, `txqlen must be an integer of 0 or more, not ${showValue(o.txqlen)}`);
  for (const f of LINK_FLAG_FIELDS) if (o[f] !== undefined) check(typeof o[f] === 'boolean', w, `${f} must be true or false, not ${showValue(o[f])}`);
  if (o.master !== undefined) check(o.master === null || typeof o.master === 'string', w, 'master must be an interface name or null');
  if (o.link !== undefined) check(typeof o.link === 'string', w, 'link must be an interface name');
  if (o.address !== undefined) check(typeof o.address === 'string', w, 'address must be a MAC address string');
  if (o.peer !== undefined) check(typeof o.peer === 'string' || isObject(o.peer), w, 'peer must be a name or an object');
  if (o.info !== undefined) check(isObject(o.info), w, 'info must be an object');
  if (o.present !== undefined) check(typeof o.present === 'boolean', w, 'present must be true or false');
  if (o.addresses !== undefined) {
    const entry = (a: unknown): boolean => typeof a === 'string' ||
      (isObject(a) && typeof a.address === 'string' && Object.keys(a).every((k) => k === 'address' || k === 'present') && (a.present === undefined || typeof a.present === 'boolean'));
    // An entry's own mistake first, by its place and field ('addresses[0]: unknown field 'adress' (did you mean 'address'?)').
    if (Array.isArray(o.addresses)) {
      o.addresses.forEach((a, i) => {
        if (!isObject(a)) return;
        checkFields(a, ['address', 'present'], `${w} addresses[${i}]`);
        check(a.present === undefined || typeof a.present === 'boolean', `${w} addresses[${i}]`, `present must be true or false, not ${JSON.stringify(a.present)}`);
      });
    }
    check(Array.isArray(o.addresses) && o.addresses.every(entry), w,
      "addresses must be a list of strings like '10.0.0.1/24', or of { address, present: false } for one to be gone");
    // `{ address }` alone is the string; `present: false` asks for it to be gone.
    const items = o.addresses as (string | { address: string; present?: boolean })[];
    const out: DesiredInterface = { ...(o as unknown as DesiredInterface), addresses: [] };
    for (const a of items) {
      if (typeof a === 'string' || a.present !== false) out.addresses!.push(typeof a === 'string' ? a : a.address);
      else (out.absentAddresses ??= []).push(a.address);
    }
    return out;
  }
  return o as unknown as DesiredInterface;
}

/** Checks the shape of a parsed document; the values themselves are checked by the library when planning. */
export function checkDesired(doc: unknown): DesiredState {
  if (!isObject(doc)) throw new DesiredStateError('the desired state must be an object with interfaces, routes, rules or neighbours');
  for (const k of Object.keys(doc)) {
    check((TOP as readonly string[]).includes(k), 'the desired state', `unknown section '${k}' (known: ${TOP.join(', ')})`);
  }
  const interfaces = interfaceItems(doc).map(({ item, where }) => checkInterface(item, where));
  const names = new Set<string>();
  for (const i of interfaces) {
    check(!names.has(i.ifname), 'interfaces', `${i.ifname} is listed twice`);
    names.add(i.ifname);
  }
  const routes = list(doc, 'routes');
  routes.forEach((r, i) => check(typeof r.dst === 'string' || isObject(r.dst), `routes[${i}]`, "needs a dst ('default' or a prefix)"));
  // Two entries for one slot (destination, table, metric, tos) cannot both hold: apply replaces,
  // and the last would win without a word. (Spelled alike: the library reads each as it is.)
  const slots = new Map<string, number>();
  routes.forEach((r, i) => {
    if (r.present === false || typeof r.dst !== 'string') return;
    const slot = JSON.stringify([r.dst, r.family ?? null, r.table ?? 254, r.priority ?? null, r.tos ?? 0]);
    const first = slots.get(slot);
    check(first === undefined, `routes[${i}]`, `routes[${first}] is for the same destination, table and metric (${r.dst}): a table holds one route there, give its next hops as multipath`);
    slots.set(slot, i);
  });
  const rules = list(doc, 'rules');
  const neighbours = list(doc, 'neighbours');
  // (The library never sees `present`: apply takes it off. A typo there would read as present.)
  for (const [section, items] of [['routes', routes], ['rules', rules], ['neighbours', neighbours]] as const) {
    items.forEach((x, i) => {
      check(x.present === undefined || typeof x.present === 'boolean', `${section}[${i}]`, `present must be true or false, not ${JSON.stringify(x.present)}`);
      // (The library's list of fields has no `present`: a slip of it is named here.)
      const slip = Object.keys(x).find((k) => k !== 'present' && nearest(k, ['present']) !== undefined);
      check(slip === undefined, `${section}[${i}]`, `unknown field '${slip}' (did you mean 'present'?)`);
    });
  }
  neighbours.forEach((n, i) => check(typeof n.dst === 'string' && (typeof n.ifname === 'string' || typeof n.index === 'number'), `neighbours[${i}]`,
    `needs a dst and an ifname${n.dev !== undefined && n.ifname === undefined ? " (ip's dev: the file says ifname)" : ''}`));
  return {
    interfaces,
    routes: routes as unknown as DesiredState['routes'],
    rules: rules as unknown as DesiredState['rules'],
    neighbours: neighbours as unknown as DesiredState['neighbours'],
  };
}
