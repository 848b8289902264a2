/**
 * `nldb show`, the built command, in a throwaway namespace, with `ip -j` as the witness: the
 * JSON is the database's snapshot, and it agrees with what ip sees; the tables name what is there.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ip, ipJson, useNetns } from '../helpers/netns.js';
import { ensureBuilt, nldb } from './run.js';

beforeAll(() => ensureBuilt());

const ns = useNetns('cli-show');

beforeAll(() => {
  const n = ns();
  ip(n, 'link', 'add', 'sv0', 'type', 'veth', 'peer', 'name', 'sv1');
  ip(n, 'link', 'add', 'sbr0', 'type', 'bridge');
  ip(n, 'link', 'set', 'sv1', 'master', 'sbr0');
  for (const l of ['sv0', 'sv1', 'sbr0']) ip(n, 'link', 'set', l, 'up');
  ip(n, 'link', 'set', 'sv0', 'mtu', '1400');
  ip(n, 'addr', 'add', '10.20.0.1/24', 'dev', 'sv0');
  ip(n, 'addr', 'add', '2001:db8:20::1/64', 'dev', 'sv0', 'nodad');
  ip(n, 'route', 'add', '10.21.0.0/24', 'via', '10.20.0.2');
  ip(n, 'route', 'add', '10.22.0.0/24', 'nexthop', 'via', '10.20.0.3', 'weight', '1', 'nexthop', 'via', '10.20.0.4', 'weight', '3');
  ip(n, 'route', 'add', '10.23.0.0/16', 'via', '10.20.0.5', 'table', '100');
  ip(n, 'rule', 'add', 'from', '10.24.0.0/16', 'table', '100', 'pref', '1000');
  ip(n, 'neigh', 'add', '10.20.0.9', 'lladdr', 'aa:bb:cc:dd:ee:09', 'dev', 'sv0', 'nud', 'permanent');
  settle(n);
});

/**
 * Links that come up get their IPv6 link-local addresses and routes a moment later: wait until
 * no address is tentative and the routes have stayed the same for a while, so that every reading
 * below (ours and ip's) sees one state.
 */
function settle(n: string): void {
  const deadline = Date.now() + 20_000;
  const read = () => `${ip(n, '-6', 'addr', 'show')}${ip(n, '-6', 'route', 'show', 'table', 'all')}${ip(n, 'route', 'show', 'table', 'all')}`;
  let last = read();
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    const now = read();
    if (now !== last) { last = now; stableSince = Date.now(); continue; }
    if (!now.includes('tentative') && now.includes('fe80::/64') && Date.now() - stableSince >= 1000) return;
  }
  throw new Error(`namespace ${n} did not settle`);
}

interface Snapshot {
  interfaces: { index: number; ifname: string; mtu: number; address: string | null; state: string; operstate: string; master: number | null; kind: string | null }[];
  addresses: { index: number; family: number; address: string; prefixlen: number }[];
  routes: { family: number; table: number; dst: string; gateway: string | null; oif: number | null; multipath: { gateway: string | null; weight: number }[] | null }[];
  rules: { family: number; priority: number; table: number; src: string | null }[];
  neighbours: { index: number; dst: string; lladdr: string | null; state: string }[];
}

/**
 * Runs `check` until it passes (at most five times): the namespace is live, and a reading of ours
 * and one of ip's are two moments; a loaded machine can put a change (an operstate, a
 * link-local route) between them.
 */
function eventually(check: () => void): void {
  for (let i = 0; ; i++) {
    try {
      check();
      return;
    } catch (err) {
      if (i >= 4) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
    }
  }
}

function showJson<T = Snapshot>(...args: string[]): T {
  const r = nldb(['show', '--json', '--netns', ns(), ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as T;
}

const TABLES: Record<string, number> = { main: 254, local: 255, default: 253 };
const tableId = (t: string | undefined): number => (t === undefined ? 254 : TABLES[t] ?? Number(t));
const withLen = (dst: string, family: number): string => (dst === 'default' || dst.includes('/') ? dst : `${dst}/${family === 4 ? 32 : 128}`);

describe('nldb show --json', () => {
  it('is the snapshot, and agrees with ip -j about interfaces', () => {
    eventually(() => {
      const snap = showJson();
      expect(Object.keys(snap).sort()).toEqual(['addresses', 'interfaces', 'neighbours', 'routes', 'rules']);
      const links = ipJson<{ ifindex: number; ifname: string; mtu: number; address: string; flags: string[]; operstate: string; master?: string }>(ns(), 'link', 'show');
      const byIndex = new Map(snap.interfaces.map((i) => [i.index, i]));
      expect(snap.interfaces).toHaveLength(links.length);
      for (const l of links) {
        const i = byIndex.get(l.ifindex)!;
        expect(i, l.ifname).toBeDefined();
        expect({ ifname: i.ifname, mtu: i.mtu, address: i.address, state: i.state, operstate: i.operstate })
          .toEqual({ ifname: l.ifname, mtu: l.mtu, address: l.address, state: l.flags.includes('UP') ? 'up' : 'down', operstate: l.operstate });
        expect(i.master === null ? undefined : byIndex.get(i.master)?.ifname).toBe(l.master);
      }
      expect(snap.interfaces.find((i) => i.ifname === 'sv0')).toMatchObject({ kind: 'veth', mtu: 1400 });
    });
  });

  it('agrees with ip -j about addresses, routes, rules and neighbours', () => {
    eventually(() => {
      const snap = showJson();
      const addrs = ipJson<{ ifindex: number; addr_info: { family: string; local: string; prefixlen: number }[] }>(ns(), 'addr', 'show')
        .flatMap((l) => l.addr_info.map((a) => `${l.ifindex} ${a.local}/${a.prefixlen}`));
      expect(snap.addresses.map((a) => `${a.index} ${a.address}/${a.prefixlen}`).sort()).toEqual(addrs.sort());

      const ipRoutes = [4, 6].flatMap((f) => ipJson<{ dst: string; table?: string; gateway?: string; nexthops?: { gateway: string; weight: number }[] }>(ns(), `-${f}`, 'route', 'show', 'table', 'all')
        .map((r) => `${f} ${tableId(r.table)} ${withLen(r.dst, f)} ${r.gateway ?? (r.nexthops ? r.nexthops.map((h) => `${h.gateway}*${h.weight}`).join(',') : '-')}`));
      const ours = snap.routes.map((r) => `${r.family} ${r.table} ${r.dst} ${r.gateway ?? (r.multipath ? r.multipath.map((h) => `${h.gateway}*${h.weight}`).join(',') : '-')}`);
      expect(ours.sort()).toEqual(ipRoutes.sort());
      expect(ours).toContain('4 254 10.22.0.0/24 10.20.0.3*1,10.20.0.4*3');
      expect(ours).toContain('4 100 10.23.0.0/16 10.20.0.5');

      const ipRules = [4, 6].flatMap((f) => ipJson<{ priority: number; table: string; src: string; srclen?: number }>(ns(), `-${f}`, 'rule', 'show')
        .map((r) => `${f} ${r.priority} ${tableId(r.table)} ${r.src === 'all' ? 'all' : `${r.src}/${r.srclen}`}`));
      expect(snap.rules.map((r) => `${r.family} ${r.priority} ${r.table} ${r.src ?? 'all'}`).sort()).toEqual(ipRules.sort());

      const neigh = ipJson<{ dst: string; lladdr?: string }>(ns(), 'neigh', 'show').map((n) => `${n.dst} ${n.lladdr ?? '-'}`);
      expect(snap.neighbours.map((n) => `${n.dst} ${n.lladdr ?? '-'}`).sort()).toEqual(neigh.sort());
    });
  });

  it('with WHAT prints that array of the snapshot alone', () => {
    eventually(() => {
      const snap = showJson();
      expect(showJson('routes')).toEqual(snap.routes);
      // (A bridge's info carries running timers: compare what does not tick.)
      const still = (is: Snapshot['interfaces']) => is.map(({ index, ifname, mtu, kind, address }) => ({ index, ifname, mtu, kind, address }));
      expect(still(showJson<Snapshot['interfaces']>('interfaces'))).toEqual(still(snap.interfaces));
      // ip's words are accepted too.
      expect(showJson('neigh')).toEqual(snap.neighbours);
    });
  });
});

describe('nldb show (tables)', () => {
  it('prints aligned tables naming devices, without colour when piped', () => {
    eventually(() => {
      const r = nldb(['show', '--netns', ns()]);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain('\x1b[');
      for (const title of ['Interfaces', 'Addresses', 'Routes', 'Rules', 'Neighbours']) expect(r.stdout).toMatch(new RegExp(`^${title}$`, 'm'));
      const lines = r.stdout.split('\n');
      const header = lines.find((l) => l.startsWith('INDEX'))!;
      const sv0 = lines.find((l) => /^\s*\d+\s+sv0\s/.test(l))!;
      // Columns line up with the header: MTU is right-aligned under its title.
      const mtuEnd = header.indexOf('MTU') + 3;
      expect(sv0.slice(mtuEnd - 4, mtuEnd)).toBe('1400');
      expect(sv0).toMatch(/\bveth\b.*\bup\b/);
      expect(lines.find((l) => /^\s*\d+\s+sv1\s/.test(l))).toMatch(/\bsbr0\b/); // its master, by name
      expect(r.stdout).toMatch(/^sv0\s+inet\s+10\.20\.0\.1\/24\s/m);
      expect(r.stdout).toMatch(/^main\s+10\.21\.0\.0\/24\s+unicast\s+10\.20\.0\.2\s+sv0\s/m);
      expect(r.stdout).toMatch(/^\s*1000\s+inet\s+10\.24\.0\.0\/16\s.*lookup 100\b/m);
      expect(r.stdout).toMatch(/^sv0\s+10\.20\.0\.9\s+aa:bb:cc:dd:ee:09\s+PERMANENT/m);
      expect(lines.every((l) => !/\s$/.test(l))).toBe(true);
    });
  });

  it('one kind alone, without a title', () => {
    const r = nldb(['show', 'rules', '--netns', ns()]);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(' PRIO')).toBe(true);
  });
});

describe('nldb show: errors', () => {
  it('an unknown namespace is one line and exit code 1', () => {
    const r = nldb(['show', '--netns', 'nldbt-no-such-namespace']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: "nldb: no namespace named 'nldbt-no-such-namespace'\n" });
  });

  it('an unknown kind is a usage error', () => {
    const r = nldb(['show', 'bananas', '--netns', ns()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^nldb: WHAT must be one of interfaces, addresses, routes, rules, neighbours, not 'bananas'/);
  });
});
