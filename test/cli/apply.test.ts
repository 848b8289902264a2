/**
 * `nldb apply`'s desired-state side: the file's checks, and how a desired state becomes a
 * transaction draft, planned against the real state of a throwaway namespace (read with the
 * built `nldb show --json`) by the library's own planner.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkDesired, DesiredStateError, parseDesiredText, type DesiredState } from '../../src/cli/apply/desired.js';
import { draftDesired, type DraftLike } from '../../src/cli/apply/draft.js';
import { baseFromArrays, begin, type Operation, type SnapshotArrays } from '../../src/transactions/index.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitFailure } from '../../src/cli/commands/apply.js';
import { ip, ipJson, useNetns, useNetnsEach } from '../helpers/netns.js';
import { ensureBuilt, nldb } from './run.js';

beforeAll(() => ensureBuilt());

describe('the desired-state file', () => {
  it('reads JSON', async () => {
    expect(await parseDesiredText('{"interfaces": [{"ifname": "v0", "mtu": 1400}]}', 'f')).toEqual({ interfaces: [{ ifname: 'v0', mtu: 1400 }] });
    await expect(parseDesiredText('{"interfaces": [', 'state.json')).rejects.toThrow(/^state\.json: not valid JSON: /);
  });

  const bad: [unknown, RegExp][] = [
    [[], /must be an object/],
    [{ links: [] }, /unknown section 'links'/],
    [{ interfaces: 'br0' }, /^interfaces: expected a list, or a map of interfaces by name$/],
    [{ interfaces: { br0: 'bridge' } }, /^interfaces\.br0: expected an object$/],
    [{ interfaces: { br0: { ifname: 'br1', kind: 'bridge' } } }, /^interfaces\.br0: ifname "br1" is not its key$/],
    [{ interfaces: { v0: { state: 'UP' } } }, /^interfaces\.v0: state must be up or down, not "UP"$/],
    [{ interfaces: { v0: { colour: 'red' } } }, /^interfaces\.v0: unknown field 'colour'/],
    [{ interfaces: [{ mtu: 1 }] }, /^interfaces\[0\]: needs an ifname$/],
    [{ interfaces: [{ ifname: 'v0', state: 'UP' }] }, /^interfaces\[0\] \(v0\): state must be up or down, not "UP"$/],
    [{ interfaces: [{ ifname: 'v0', mtu: -5 }] }, /mtu must be a positive integer, not -5$/],
    [{ interfaces: [{ ifname: 'v0', mtu: '1400' }] }, /mtu must be a positive integer, not "1400"$/],
    [{ interfaces: [{ ifname: 'v0', txqlen: -3 }] }, /txqlen must be an integer of 0 or more, not -3$/],
    [{ interfaces: [{ ifname: 'v0', colour: 'red' }] }, /unknown field 'colour'/],
    [{ interfaces: [{ ifname: 'v0', mut: 1400, sate: 'up' }] }, /^interfaces\[0\] \(v0\): unknown fields 'mut' \(did you mean 'mtu'\?\), 'sate' \(did you mean 'state'\?\); known: ifname, /],
    [{ interfaces: [{ ifname: 'v0', addresses: [{ adress: '10.0.0.9/24', present: false }] }] }, /^interfaces\[0\] \(v0\) addresses\[0\]: unknown field 'adress' \(did you mean 'address'\?\); known: address, present$/],
    [{ interfaces: [{ ifname: 'v0', addresses: ['10.0.0.1/24', { address: '10.0.0.9/24', present: 'no' }] }] }, /^interfaces\[0\] \(v0\) addresses\[1\]: present must be true or false, not "no"$/],
    [{ neighbours: [{ dev: 'v0', dst: '10.0.0.5' }] }, /^neighbours\[0\]: needs a dst and an ifname \(ip's dev: the file says ifname\)$/],
    [{ interfaces: [{ ifname: 'v0', addresses: '10.0.0.1/24' }] }, /addresses must be a list/],
    [{ interfaces: [{ ifname: 'v0' }, { ifname: 'v0' }] }, /v0 is listed twice/],
    [{ routes: [{ gateway: '10.0.0.1' }] }, /^routes\[0\]: needs a dst/],
    [{ routes: [{ dst: '10.1.0.0/16', present: 'flase' }] }, /^routes\[0\]: present must be true or false, not "flase"$/],
    [{ routes: [{ dst: '10.1.0.0/16', presnt: false }] }, /^routes\[0\]: unknown field 'presnt' \(did you mean 'present'\?\)$/],
    [{ rules: [{ priority: 5, table: 100, present: 'no' }] }, /^rules\[0\]: present must be true or false, not "no"$/],
    [{ neighbours: [{ ifname: 'v0', dst: '10.0.0.5', present: 0 }] }, /^neighbours\[0\]: present must be true or false, not 0$/],
    [{ routes: [{ dst: '10.1.0.0/16', gateway: '10.0.0.2' }, { dst: '10.1.0.0/16', gateway: '10.0.0.3' }] }, /^routes\[1\]: routes\[0\] is for the same destination, table and metric \(10\.1\.0\.0\/16\)/],
    [{ neighbours: [{ dst: '10.0.0.9' }] }, /^neighbours\[0\]: needs a dst and an ifname/],
  ];
  it('takes one destination in two tables, or at two metrics, or once removed', () => {
    expect(checkDesired({ routes: [{ dst: '10.1.0.0/16', gateway: '10.0.0.2' }, { dst: '10.1.0.0/16', gateway: '10.0.0.3', table: 100 }] }).routes).toHaveLength(2);
    expect(checkDesired({ routes: [{ dst: '10.1.0.0/16', gateway: '10.0.0.2' }, { dst: '10.1.0.0/16', gateway: '10.0.0.3', priority: 20 }] }).routes).toHaveLength(2);
    expect(checkDesired({ routes: [{ dst: '10.1.0.0/16', gateway: '10.0.0.2', present: false }, { dst: '10.1.0.0/16', gateway: '10.0.0.3' }] }).routes).toHaveLength(2);
  });
  for (const [doc, message] of bad) {
    it(`refuses ${JSON.stringify(doc)}`, () => {
      expect(() => checkDesired(doc)).toThrow(DesiredStateError);
      expect(() => checkDesired(doc)).toThrow(message);
    });
  }

  it('reads interfaces keyed by name as it reads the list', () => {
    const list = checkDesired({ interfaces: [{ ifname: 'br0', kind: 'bridge', state: 'up' }, { ifname: 'v0', mtu: 1400 }, { ifname: 'old0', present: false }, { ifname: 'lo' }] });
    const map = checkDesired({ interfaces: { br0: { kind: 'bridge', state: 'up' }, v0: { ifname: 'v0', mtu: 1400 }, old0: { present: false }, lo: null } });
    expect(map).toEqual(list);
    expect(map.interfaces.map((i) => i.ifname)).toEqual(['br0', 'v0', 'old0', 'lo']);
    expect(checkDesired({ interfaces: {} }).interfaces).toEqual([]);
  });

  it('reads the map from YAML', async () => {
    const doc = await parseDesiredText('interfaces:\n  br0: { kind: bridge }\n  v0:\n    mtu: 1400\n    master: br0\n  lo:\n', 'state.yaml');
    expect(checkDesired(doc).interfaces).toEqual([{ ifname: 'br0', kind: 'bridge' }, { ifname: 'v0', mtu: 1400, master: 'br0' }, { ifname: 'lo' }]);
  });

  it('fills absent sections with empty lists', () => {
    expect(checkDesired({ routes: [{ dst: '10.0.0.0/24', oif: 'v0' }] })).toEqual({ interfaces: [], routes: [{ dst: '10.0.0.0/24', oif: 'v0' }], rules: [], neighbours: [] });
  });
});

describe('a desired state as a transaction draft', () => {
  const ns = useNetns('cli-apply');

  beforeAll(() => {
    ip(ns(), 'link', 'add', 'av0', 'type', 'veth', 'peer', 'name', 'av1');
    ip(ns(), 'link', 'set', 'av0', 'up');
    ip(ns(), 'addr', 'add', '10.40.0.1/24', 'dev', 'av0');
    ip(ns(), 'route', 'add', '10.41.0.0/24', 'via', '10.40.0.2');
    ip(ns(), 'link', 'add', 'abr', 'type', 'bridge', 'forward_delay', '400');
    ip(ns(), 'neigh', 'add', '10.40.0.9', 'lladdr', '02:00:00:00:00:09', 'dev', 'av0', 'nud', 'stale');
  });

  function plan(want: DesiredState): { ops: Operation[]; review: string } {
    const r = nldb(['show', '--json', '--netns', ns()]);
    expect(r.code).toBe(0);
    const tx = begin(baseFromArrays(JSON.parse(r.stdout) as SnapshotArrays));
    draftDesired(tx as unknown as DraftLike, want);
    return { ops: tx.plan(), review: tx.review() };
  }

  const desired = (doc: unknown) => checkDesired(doc);

  it('plans nothing when the state already matches', () => {
    const { ops, review } = plan(desired({
      interfaces: [{ ifname: 'av0', kind: 'veth', state: 'up', addresses: ['10.40.0.1/24'] }],
      routes: [{ dst: '10.41.0.0/24', gateway: '10.40.0.2' }],
    }));
    expect(ops).toEqual([]);
    expect(review).toBe('(nothing to do)');
  });

  it('creates what is missing: a bridge, a veth pair enslaved to it, addresses, a route, a rule', () => {
    const { ops } = plan(desired({
      interfaces: [
        // The port comes before its bridge in the file: masters are set after every creation.
        { ifname: 'aw0', kind: 'veth', peer: 'aw1', mtu: 1400, master: 'abr0', state: 'up', addresses: ['10.42.0.1/24'] },
        { ifname: 'abr0', kind: 'bridge', state: 'up' },
        { ifname: 'av0', mtu: 1450 },
      ],
      routes: [{ dst: '10.43.0.0/24', gateway: '10.42.0.2' }],
      rules: [{ priority: 1500, src: '10.44.0.0/16', table: 100 }],
    }));
    const what = ops.map((o) => `${o.kind} ${o.intent}`);
    expect(what).toEqual(expect.arrayContaining(['interface create', 'interface set', 'address create', 'route replace', 'rule create']));
    const creates = ops.filter((o) => o.kind === 'interface' && o.intent === 'create').map((o) => (o.spec as { ifname: string }).ifname);
    expect(creates.sort()).toEqual(['abr0', 'aw0']);
    // Links before what hangs off them; every operation has its undo.
    const firstAddress = ops.findIndex((o) => o.kind === 'address');
    expect(ops.slice(firstAddress).some((o) => o.kind === 'interface' && o.intent === 'create')).toBe(false);
    expect(ops.every((o) => o.inverse.length > 0)).toBe(true);
    const av0 = ops.find((o) => o.kind === 'interface' && o.intent === 'set' && o.dev === 'av0');
    expect(av0?.spec).toMatchObject({ mtu: 1450 });
  });

  it('removes what is marked present: false, and nothing it does not mention', () => {
    const route = plan(desired({ routes: [{ dst: '10.41.0.0/24', gateway: '10.40.0.2', present: false }] })).ops;
    expect(route.map((o) => `${o.kind} ${o.intent} ${(o.spec as { dst?: string }).dst}`)).toEqual(['route delete 10.41.0.0/24']);
    // Deleting one end of a veth pair deletes both, and with them what hung off them: the
    // planner knows, so one operation does it all.
    const link = plan(desired({ interfaces: [{ ifname: 'av1', present: false }], routes: [{ dst: '10.41.0.0/24', gateway: '10.40.0.2', present: false }] })).ops;
    expect(link.map((o) => `${o.kind} ${o.intent} ${o.dev}`)).toEqual(['interface delete av1']);
    // Already absent: nothing to do.
    expect(plan(desired({ interfaces: [{ ifname: 'never0', present: false }], rules: [{ priority: 4321, table: 7, present: false }] })).ops).toEqual([]);
  });

  it('refuses, before anything is planned, to create without a kind or to change a kind', () => {
    expect(() => plan(desired({ interfaces: [{ ifname: 'nope0', mtu: 1400 }] }))).toThrow(/interface nope0 does not exist, and has no kind to create it with/);
    expect(() => plan(desired({ interfaces: [{ ifname: 'av0', kind: 'bridge' }] }))).toThrow(/interface av0 is a veth, not a bridge/);
    expect(() => plan(desired({ interfaces: [{ ifname: 'av0', master: 'nobr' }] }))).toThrow(/its master nobr does not exist/);
    // A master the file removes is said to be that, not missing.
    expect(() => plan(desired({ interfaces: [{ ifname: 'abr0', present: false }, { ifname: 'av0', master: 'abr0' }] })))
      .toThrow(/its master abr0 is removed by the file \(present: false\)/);
    // An address asked to be gone goes; one that is not there is nothing to do.
    expect(plan(desired({ interfaces: [{ ifname: 'av0', addresses: [{ address: '10.40.0.1/24', present: false }] }] })).ops.map((o) => `${o.intent} ${o.kind}`))
      .toContain('delete address');
    expect(plan(desired({ interfaces: [{ ifname: 'av0', addresses: ['10.40.0.1/24', { address: '10.40.0.77/24', present: false }] }] })).ops).toEqual([]);
    expect(() => checkDesired({ interfaces: [{ ifname: 'av0', addresses: [{ address: '10.40.0.1/24', gone: true }] }] })).toThrow(/addresses\[0\]: unknown field 'gone'; known: address, present$/);
    // What a transaction cannot change on an existing link is refused, not passed over.
    expect(plan(desired({ interfaces: [{ ifname: 'abr', kind: 'bridge', info: { forwardDelay: 400, stpState: false } }] })).ops).toEqual([]);
    expect(() => plan(desired({ interfaces: [{ ifname: 'abr', info: { stpState: 1 } }] }))).toThrow(/^interface abr: the file says info\.stpState 1, where it has 0: a link's lower device and kind options are set when it is made/);
    expect(() => plan(desired({ interfaces: [{ ifname: 'abr', info: { stp_state: 1 } }] }))).toThrow(/info\.stp_state 1, where it has none/);
    expect(() => plan(desired({ interfaces: [{ ifname: 'av0', link: 'abr' }] }))).toThrow(/the file says link abr, where it has #\d+/);
    // A neighbour's state counts: one in another state is replaced, a state that is none refused.
    expect(plan(desired({ neighbours: [{ ifname: 'av0', dst: '10.40.0.9', lladdr: '02:00:00:00:00:09', state: 'permanent' }] })).ops.map((o) => `${o.intent} ${o.kind}`)).toEqual(['replace neighbour']);
    expect(plan(desired({ neighbours: [{ ifname: 'av0', dst: '10.40.0.9', lladdr: '02:00:00:00:00:09', state: 'stale' }] })).ops).toEqual([]);
    expect(() => plan(desired({ neighbours: [{ ifname: 'av0', dst: '10.40.0.9', state: 'bogus' }] }))).toThrow(/^neighbours\[0\]: .*state/);
    // What the draft refuses is said with the entry it is in.
    expect(() => plan(desired({ routes: [{ dst: '10.42.0.0/24', gateway: '10.40.0.2' }, { dst: '10.43.0.0/24', gateway: 'foo' }] })))
      .toThrow(/^routes\[1\]: invalid address "foo" for field "gateway"/);
    expect(() => plan(desired({ interfaces: [{ ifname: 'av0', mtu: 99999999999 }] }))).toThrow(/^interfaces\.av0: invalid MTU/);
    expect(() => plan(desired({ neighbours: [{ ifname: 'av0', dst: '10.40.0.19' }] }))).toThrow(/^neighbours\[0\]: .*lladdr/);
  });
});

describe('nldb apply, against the kernel of a throwaway namespace', () => {
  const ns = useNetnsEach('cli-app');
  const state = {
    interfaces: [
      { ifname: 'pv0', kind: 'veth', peer: 'pv1', mtu: 1400, master: 'pbr0', state: 'up', addresses: ['10.50.0.1/24'] },
      { ifname: 'pbr0', kind: 'bridge', state: 'up' },
    ],
    routes: [{ dst: '10.51.0.0/24', gateway: '10.50.0.2' }],
    rules: [{ priority: 1500, src: '10.52.0.0/16', table: 100 }],
  };
  const links = () => ipJson<{ ifname: string; mtu: number; master?: string; flags: string[] }>(ns(), 'link', 'show');

  it('--dry-run prints the review and changes nothing', () => {
    const before = links();
    const r = nldb(['apply', '-', '--netns', ns(), '--dry-run'], { input: JSON.stringify(state) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ +1 +link add pv0 .*type veth peer pv1/m);
    expect(r.stdout).toMatch(/undo [\d.]+: link del pv0/);
    expect(r.stdout).toMatch(/route replace 10\.51\.0\.0\/24 via 10\.50\.0\.2/);
    expect(r.stdout).toMatch(/rule add from 10\.52\.0\.0\/16 priority 1500 lookup 100/);
    expect(links()).toEqual(before);
    const json = nldb(['apply', '-', '--netns', ns(), '--dry-run', '--json'], { input: JSON.stringify(state) });
    const ops = JSON.parse(json.stdout) as { kind: string; intent: string }[];
    expect(ops.map((o) => `${o.kind} ${o.intent}`)).toEqual(expect.arrayContaining(['interface create', 'address create', 'route replace', 'rule create']));
  });

  it('applies the state in one transaction; applying it again does nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nldb-apply-'));
    try {
      const file = join(dir, 'state.json');
      writeFileSync(file, JSON.stringify(state));
      const r = nldb(['apply', file, '--netns', ns()]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('link add pv0');
      const byName = new Map(links().map((l) => [l.ifname, l]));
      expect(byName.get('pv0')).toMatchObject({ mtu: 1400, master: 'pbr0' });
      expect(byName.get('pv0')!.flags).toContain('UP');
      expect(byName.get('pbr0')!.flags).toContain('UP');
      expect(ipJson<{ addr_info: { local: string; prefixlen: number }[] }>(ns(), 'addr', 'show', 'dev', 'pv0')[0]!.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toContain('10.50.0.1/24');
      expect(ipJson<{ dst: string; gateway?: string }>(ns(), 'route', 'show', '10.51.0.0/24')).toEqual([expect.objectContaining({ dst: '10.51.0.0/24', gateway: '10.50.0.2' })]);
      expect(ipJson<{ priority: number; table: string }>(ns(), 'rule', 'show').find((x) => x.priority === 1500)).toMatchObject({ table: '100' });

      const again = nldb(['apply', file, '--netns', ns()]);
      expect(again).toEqual({ code: 0, stdout: '', stderr: 'nothing to do: the state already matches\n' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('changes a route whose metrics the file says otherwise; then there is nothing to do', () => {
    ip(ns(), 'link', 'add', 'mv0', 'type', 'veth', 'peer', 'name', 'mv1');
    ip(ns(), 'link', 'set', 'mv0', 'up');
    ip(ns(), 'addr', 'add', '10.53.0.1/24', 'dev', 'mv0');
    ip(ns(), 'route', 'add', '10.54.0.0/16', 'via', '10.53.0.2');
    const want = JSON.stringify({ routes: [{ dst: '10.54.0.0/16', gateway: '10.53.0.2', metrics: { mtu: 1300 } }] });
    const r = nldb(['apply', '-', '--netns', ns()], { input: want });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/route replace 10\.54\.0\.0\/16 via 10\.53\.0\.2 .*mtu 1300/);
    expect(ipJson<{ dst: string; metrics?: { mtu?: number }[] }>(ns(), 'route', 'show', '10.54.0.0/16')).toEqual([
      expect.objectContaining({ dst: '10.54.0.0/16', metrics: [{ mtu: 1300 }] }),
    ]);
    expect(nldb(['apply', '-', '--netns', ns()], { input: want })).toEqual({ code: 0, stdout: '', stderr: 'nothing to do: the state already matches\n' });
  });

  it('takes metrics as the kernel keeps them: a 0 is none, a hop limit past 255 is 255', () => {
    ip(ns(), 'link', 'add', 'mv0', 'type', 'veth', 'peer', 'name', 'mv1');
    ip(ns(), 'link', 'set', 'mv0', 'up');
    ip(ns(), 'addr', 'add', '10.53.0.1/24', 'dev', 'mv0');
    ip(ns(), 'route', 'add', '10.55.0.0/16', 'via', '10.53.0.2');
    ip(ns(), 'route', 'add', '10.56.0.0/16', 'via', '10.53.0.2');
    const want = JSON.stringify({ routes: [
      { dst: '10.55.0.0/16', gateway: '10.53.0.2', metrics: { mtu: 0 } },
      { dst: '10.56.0.0/16', gateway: '10.53.0.2', metrics: { hoplimit: 300 } },
    ] });
    const r = nldb(['apply', '-', '--netns', ns()], { input: want });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).not.toContain('10.55.0.0/16');
    expect(ipJson<{ metrics?: unknown[] }>(ns(), 'route', 'show', '10.55.0.0/16')).toEqual([expect.not.objectContaining({ metrics: expect.anything() })]);
    expect(ipJson<{ metrics?: unknown[] }>(ns(), 'route', 'show', '10.56.0.0/16')).toEqual([expect.objectContaining({ metrics: [{ hoplimit: 255 }] })]);
    expect(nldb(['apply', '-', '--netns', ns()], { input: want })).toEqual({ code: 0, stdout: '', stderr: 'nothing to do: the state already matches\n' });
  });

  it('sets flags that are settings (promisc, arp, ...) on links it keeps and links it makes; refuses one not true or false', () => {
    ip(ns(), 'link', 'add', 'fl0', 'type', 'veth', 'peer', 'name', 'fl1');
    const want = JSON.stringify({ interfaces: { fl0: { promisc: true, arp: false }, fl2: { kind: 'veth', peer: 'fl3', multicast: false, allmulticast: true } } });
    const r = nldb(['apply', '-', '--netns', ns()], { input: want });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('link set fl0 promisc on');
    const flagsOf = (dev: string) => (ipJson<{ flags: string[] }>(ns(), 'link', 'show', 'dev', dev)[0]!.flags)
      .filter((f) => ['PROMISC', 'NOARP', 'ALLMULTI', 'MULTICAST'].includes(f)).sort();
    expect(flagsOf('fl0')).toEqual(['MULTICAST', 'NOARP', 'PROMISC']);
    expect(flagsOf('fl2')).toEqual(['ALLMULTI']);
    expect(nldb(['apply', '-', '--netns', ns()], { input: want })).toEqual({ code: 0, stdout: '', stderr: 'nothing to do: the state already matches\n' });
    const bad = nldb(['apply', '-', '--netns', ns()], { input: JSON.stringify({ interfaces: { fl0: { promisc: 'yes' } } }) });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/promisc must be true or false, not "yes"/);
  });

  it('applies interfaces keyed by name (YAML) as it applies the list', () => {
    const yaml = [
      'interfaces:',
      '  mbr0: { kind: bridge, state: up }',
      '  mv0: { kind: veth, peer: mv1, mtu: 1300, master: mbr0, state: up, addresses: [10.55.0.1/24] }',
      'routes:',
      '  - { dst: 10.56.0.0/24, gateway: 10.55.0.2 }',
    ].join('\n');
    const r = nldb(['apply', '-', '--netns', ns()], { input: yaml });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const byName = new Map(links().map((l) => [l.ifname, l]));
    expect(byName.get('mv0')).toMatchObject({ mtu: 1300, master: 'mbr0' });
    expect(byName.get('mv0')!.flags).toContain('UP');
    expect(byName.get('mbr0')!.flags).toContain('UP');
    expect(byName.has('mv1')).toBe(true);
    expect(ipJson<{ addr_info: { local: string; prefixlen: number }[] }>(ns(), 'addr', 'show', 'dev', 'mv0')[0]!.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toContain('10.55.0.1/24');
    expect(ipJson<{ dst: string; gateway?: string }>(ns(), 'route', 'show', '10.56.0.0/24')).toEqual([expect.objectContaining({ dst: '10.56.0.0/24', gateway: '10.55.0.2' })]);
    expect(nldb(['apply', '-', '--netns', ns()], { input: yaml })).toEqual({ code: 0, stdout: '', stderr: 'nothing to do: the state already matches\n' });
    // One of its addresses asked to be gone: gone, the interface kept.
    const drop = nldb(['apply', '-', '--netns', ns()], { input: 'interfaces:\n  mv0: { addresses: [{ address: 10.55.0.1/24, present: false }] }\n' });
    expect([drop.code, drop.stderr]).toEqual([0, '']);
    expect(ipJson<{ addr_info: { local: string }[] }>(ns(), 'addr', 'show', 'dev', 'mv0')[0]!.addr_info.map((a) => a.local)).not.toContain('10.55.0.1');
    expect(links().map((l) => l.ifname)).toContain('mv0');
  });

  it('a step the kernel refuses rolls everything back: exit 1, the kernel\'s message, nothing left', () => {
    const bad = {
      interfaces: [{ ifname: 'qv0', kind: 'veth', peer: 'qv1', state: 'up', addresses: ['10.60.0.1/24'] }],
      routes: [{ dst: '10.61.0.0/24', gateway: '10.98.0.1' }],
    };
    const before = links();
    const r = nldb(['apply', '-', '--netns', ns()], { input: JSON.stringify(bad) });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^nldb: .*ENETUNREACH \(Network is unreachable\): Nexthop has invalid gateway; rolled back\n$/);
    expect(links()).toEqual(before);

    // With --json, the failure as data on standard output too (the same line on standard error).
    const j = nldb(['apply', '-', '--netns', ns(), '--json'], { input: JSON.stringify(bad) });
    const sameLine = (line: string) => line.replace(/transaction [0-9a-f-]+/, 'transaction T');
    expect([j.code, sameLine(j.stderr)]).toEqual([1, sameLine(r.stderr)]);
    expect(JSON.parse(j.stdout)).toEqual({
      error: 'CommitError', message: expect.stringMatching(/ENETUNREACH.*rolled back$/), phase: 'send',
      failed: expect.stringMatching(/^route replace 10\.61\.0\.0\/24 via 10\.98\.0\.1 /), errno: 'ENETUNREACH',
      kernelMessage: 'Nexthop has invalid gateway', rolledBack: true, rollbackErrors: [],
    });
    expect(links()).toEqual(before);
    // A file's own mistake, too; a usage mistake keeps to standard error.
    const file = nldb(['apply', '-', '--netns', ns(), '--json'], { input: JSON.stringify({ interfaces: [{ ifname: 'qv0', promisc: 'yes' }] }) });
    expect(file.code).toBe(1);
    expect(JSON.parse(file.stdout)).toEqual({ error: 'DesiredStateError', message: expect.stringContaining('promisc must be true or false') });
    expect(nldb(['apply', '--json'])).toMatchObject({ code: 2, stdout: '' });
  });
});

describe('a failed commit\'s exit code', () => {
  it('1 when rolled back, 3 when the rollback failed too; anything else is not a commit failure', () => {
    const e = (rolledBack: boolean) => Object.assign(new Error('transaction t: failed'), { name: 'CommitError', rolledBack });
    expect(commitFailure(e(true))?.code).toBe(1);
    expect(commitFailure(e(false))?.code).toBe(3);
    expect(commitFailure(new Error('other'))).toBeNull();
  });
});

describe('nldb apply (the command)', () => {
  it('needs a FILE', () => {
    const r = nldb(['apply']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("nldb: apply needs a FILE with the desired state (see 'nldb apply --help')\n");
  });

  it('a bad file is one line naming the mistake, exit code 1, before the kernel is asked anything', () => {
    const r = nldb(['apply', '-', '--netns', 'nldbt-not-there'], { input: '{"interfaces": [{"ifname": "v0", "state": "sideways"}]}' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('nldb: interfaces[0] (v0): state must be up or down, not "sideways"\n');
  });
});
