/**
 * The pure parts of the command's output: aligned tables, `show`'s tables, `monitor`'s change
 * lines, the progress line, and the one-line errors with their exit codes.
 */
import { describe, expect, it } from 'vitest';
import { CliFailure, describeError, EXIT, exitCodeOf, UsageError } from '../../src/cli/exit.js';
import {
  changedFields, changeJson, clock, fieldChanges, formatChange, formatResync, NameBook,
} from '../../src/cli/monitor-format.js';
import { makeProgress } from '../../src/cli/progress.js';
import { ifNames, renderShow, ruleAction, tableName } from '../../src/cli/show-format.js';
import { makeStyle, stripAnsi, visibleLength } from '../../src/cli/style.js';
import { renderTable } from '../../src/cli/table.js';
import type { AnyChange, InterfaceRecord, RouteRecord, RuleRecord } from '../../src/index.js';
import { KernelError } from '../../src/transport/index.js';
import { RULE_SELECTORS_UNSET } from '../db/fixtures.js';

const plain = makeStyle(false);
const colour = makeStyle(true);

function iface(over: Partial<InterfaceRecord>): InterfaceRecord {
  return {
    index: 1, ifname: 'lo', kind: null, mtu: 65536, address: '00:00:00:00:00:00', state: 'up', operstate: 'UNKNOWN',
    master: null, link: null, linkNetnsid: null, flags: 0x49, broadcast: null, txqlen: 1000, group: 0, qdisc: 'noqueue',
    altnames: [], info: null, slaveKind: null, alias: null, addrGenMode: 'eui64', port: null, ...over,
  };
}

function route(over: Partial<RouteRecord>): RouteRecord {
  return {
    family: 4, table: 254, dst: '10.0.0.0/24', src: null, gateway: null, oif: 2, priority: null, protocol: 'boot', scope: 'global',
    type: 'unicast', multipath: null, prefsrc: null, tos: 0, metrics: null, pref: null, onlink: false, encap: null, realms: null, nhid: null, ...over,
  };
}

function rule(over: Partial<RuleRecord>): RuleRecord {
  return {
    family: 4, priority: 1000, table: 100, src: '10.0.0.0/8', dst: null, action: 'to_tbl', goto: null, iifname: null, oifname: null,
    fwmark: null, fwmask: null, tos: 0, protocol: 'boot', ...RULE_SELECTORS_UNSET, ...over,
  };
}

describe('renderTable', () => {
  const rows = [{ n: 'lo', m: 65536 }, { n: 'a-much-longer-name', m: 1500 }, { n: '', m: 9 }];
  const cols = [
    { header: 'NAME', cell: (r: typeof rows[number]) => r.n, color: (t: string, _r: unknown, s: typeof colour) => s.cyan(t) },
    { header: 'MTU', cell: (r: typeof rows[number]) => r.m, align: 'right' as const },
  ];

  it('pads every column to its widest cell, right-aligns numbers, shows empty cells as -', () => {
    expect(renderTable(rows, cols, plain)).toBe([
      'NAME                  MTU',
      'lo                  65536',
      'a-much-longer-name   1500',
      '-                       9',
      '',
    ].join('\n'));
  });

  it('colours after measuring, so the columns still line up', () => {
    const out = renderTable(rows, cols, colour);
    expect(out).toContain('\x1b[36mlo\x1b[39m');
    expect(stripAnsi(out)).toBe(renderTable(rows, cols, plain));
    const widths = out.trimEnd().split('\n').map(visibleLength);
    expect(new Set(widths).size).toBe(1);
  });

  it('leaves no trailing blanks in a left-aligned last column', () => {
    const out = renderTable([{ a: 'x', b: 'short' }, { a: 'y', b: 'much longer' }], [
      { header: 'A', cell: (r: { a: string }) => r.a }, { header: 'B', cell: (r: { b: string }) => r.b },
    ], plain);
    expect(out.split('\n').some((l) => / $/.test(l))).toBe(false);
  });
});

describe('show tables', () => {
  const interfaces = [iface({}), iface({ index: 2, ifname: 'br0', kind: 'bridge', mtu: 1500, address: 'aa:bb:cc:00:00:01' }),
    iface({ index: 3, ifname: 'v0', kind: 'veth', mtu: 1500, state: 'down', operstate: 'DOWN', master: 2, link: 4, address: 'aa:bb:cc:00:00:02' })];

  it('names devices by index, and tables by name', () => {
    const names = ifNames(interfaces);
    expect(names(3)).toBe('v0');
    expect(names(99)).toBe('#99');
    expect(names(null)).toBeNull();
    expect(tableName(254)).toBe('main');
    expect(tableName(255)).toBe('local');
    expect(tableName(100)).toBe('100');
    expect(ruleAction(rule({}))).toBe('lookup 100');
    expect(ruleAction(rule({ action: 'goto', goto: 2000 }))).toBe('goto 2000');
    expect(ruleAction(rule({ action: 'blackhole' }))).toBe('blackhole');
  });

  it('one titled table per kind asked for', () => {
    const out = renderShow({
      interfaces,
      routes: [route({ oif: 3, gateway: '10.0.0.2' }), route({ dst: '10.1.0.0/24', oif: null, multipath: [{ gateway: '10.0.0.3', oif: 3, weight: 1, onlink: false, encap: null, realms: null }, { gateway: '10.0.0.4', oif: 2, weight: 3, onlink: false, encap: null, realms: null }] })],
      rules: [rule({}), rule({ priority: 303, src: null, tos: 16 })],
      neighbours: [],
    }, ['interfaces', 'routes', 'rules', 'neighbours'], plain);
    expect(out).toMatch(/^Interfaces\nINDEX +NAME +KIND/);
    expect(out).toMatch(/^ +3 +v0 +veth +down +DOWN +1500 +aa:bb:cc:00:00:02 +br0 +#4 +-$/m);
    expect(out).toMatch(/^main +10\.0\.0\.0\/24 +unicast +10\.0\.0\.2 +v0 /m);
    expect(out).toContain('via 10.0.0.3 dev v0 weight 1; via 10.0.0.4 dev br0 weight 3');
    expect(out).toMatch(/^ *1000 +inet +10\.0\.0\.0\/8 .*lookup 100/m);
    // A rule's tos is among its extras, as ip prints it.
    expect(out).toMatch(/^ *303 +inet +all .*lookup 100 +boot +tos 0x10$/m);
    expect(out).toContain('Neighbours\n(no neighbours)');
  });
});

describe('monitor lines', () => {
  const at = new Date(2026, 0, 2, 3, 4, 5, 67);
  const book = new NameBook([iface({ index: 2, ifname: 'br0' }), iface({ index: 3, ifname: 'v0', kind: 'veth' })]);
  const o = { names: book.lookup, style: plain, at };
  const v0 = iface({ index: 3, ifname: 'v0', kind: 'veth', mtu: 1500, state: 'down', operstate: 'DOWN', flags: 0x1002 });

  it('+ for an object that appeared, with a few facts', () => {
    const c: AnyChange = { op: 'add', kind: 'interface', key: '3', before: undefined, after: v0, origin: 'kernel' };
    expect(formatChange(c, o)).toBe('03:04:05.067  + interface v0 #3: veth, down, mtu 1500, 00:00:00:00:00:00');
  });

  it('~ with only the fields that differ, before → after, bits and indexes by name', () => {
    const after = { ...v0, mtu: 1400, state: 'up' as const, flags: 0x1003, master: 2 };
    const c: AnyChange = { op: 'change', kind: 'interface', key: '3', before: v0, after, origin: 'kernel' };
    expect(changedFields(v0, after)).toEqual(['mtu', 'state', 'master', 'flags']);
    expect(formatChange(c, o)).toBe('03:04:05.067  ~ interface v0 #3: mtu 1500 → 1400, state down → up, master none → br0, flags broadcast,multicast → up,broadcast,multicast');
    // The database's own list of fields wins.
    expect(formatChange({ ...c, fields: ['mtu'] }, o)).toBe('03:04:05.067  ~ interface v0 #3: mtu 1500 → 1400');
  });

  it('no bit set reads none, as an absent value does', () => {
    const before = { index: 3, family: 4, address: '10.0.0.1', prefixlen: 24, peer: null, broadcast: null, label: null, scope: 'global', flags: 0x80, metric: null };
    const c: AnyChange = { op: 'change', kind: 'address', key: 'a', before, after: { ...before, flags: 0 }, origin: 'kernel' } as AnyChange;
    expect(formatChange(c, o)).toMatch(/: flags permanent → none$/);
  });

  it('~ inside an object field (info, port, metrics): only the keys that differ, by dotted name', () => {
    const before = { ...v0, kind: 'vxlan', info: { id: 42, port: 4789, ttl: 10, group: '239.1.1.1', local: '10.0.0.1' } };
    const after = { ...before, mtu: 1450, info: { id: 42, port: 4789, ttl: 20, local: '10.0.0.1', learning: 0 } };
    const c: AnyChange = { op: 'change', kind: 'interface', key: '3', before, after, origin: 'kernel', fields: ['mtu', 'info'] };
    expect(formatChange(c, o)).toBe('03:04:05.067  ~ interface v0 #3: mtu 1500 → 1450, info.ttl 10 → 20, info.group 239.1.1.1 → none, info.learning none → 0');
    // An object that appears or goes whole is shown whole.
    const r = route({ metrics: null });
    const m: AnyChange = { op: 'change', kind: 'route', key: 'k', before: r, after: { ...r, metrics: { mtu: 1400 } }, origin: 'kernel', fields: ['metrics'] };
    expect(formatChange(m, { ...o, at: undefined })).toBe('~ route 10.0.0.0/24 dev br0 table main: metrics none → {"mtu":1400}');
    // An IPv4 route whose metrics change is another route: its lines say them, or '-' and '+' read alike.
    const gone: AnyChange = { op: 'remove', kind: 'route', key: 'k', before: { ...r, metrics: { mtu: 1400 } }, after: undefined, origin: 'kernel' };
    expect(formatChange(gone, { ...o, at: undefined })).toBe('- route 10.0.0.0/24 dev br0 table main mtu 1400');
  });

  it("fieldChanges (checkpoint diff's parts too): an object field by its keys, others by their words", () => {
    expect(fieldChanges('interface', 'port', { cost: 2, learning: true, priority: 32 }, { cost: 7, learning: false, priority: 32 }, o.names, plain))
      .toEqual(['port.cost 2 → 7', 'port.learning true → false']);
    expect(fieldChanges('interface', 'master', null, 2, o.names, plain)).toEqual(['master none → br0']);
    expect(fieldChanges('interface', 'port', null, { cost: 2 }, o.names, plain)).toEqual(['port none → {"cost":2}']);
  });

  it('a rule by every selector it has: a rule shown without one reads as another rule', () => {
    const line = (over: Partial<RuleRecord>) => formatChange({ op: 'add', kind: 'rule', key: 'k', before: undefined, after: rule(over), origin: 'kernel' }, { ...o, at: undefined });
    expect(line({ priority: 302, src: '10.0.0.0/8', invert: true })).toBe('+ rule 302: not from 10.0.0.0/8 lookup 100');
    expect(line({ priority: 300, src: null, ipProto: 17, sportRange: { start: 53, end: 53 }, uidRange: { start: 5, end: 10 }, tos: 16 }))
      .toBe('+ rule 300: from all tos 16 uidrange 5-10 ipproto 17 sport 53-53 lookup 100');
    expect(line({ priority: 211, src: null, fwmark: 16, fwmask: 255 })).toBe('+ rule 211: from all fwmark 0x10/0xff lookup 100');
    expect(line({ priority: 212, src: null, fwmark: 16, fwmask: 0xffffffff })).toBe('+ rule 212: from all fwmark 0x10 lookup 100');
    expect(line({ priority: 304, src: null, oifname: 'br3', l3mdev: true, table: 0 })).toBe('+ rule 304: from all oif br3 lookup [l3mdev-table]');
    expect(line({ priority: 10, src: null, suppressPrefixlen: 0, table: 254 })).toBe('+ rule 10: from all lookup main suppress_prefixlength 0');
  });

  it('- for an object that went; the reason and a resync origin are marked', () => {
    const r = route({ oif: 3, gateway: '10.0.0.2', priority: 100 });
    const c: AnyChange = { op: 'remove', kind: 'route', key: 'k', before: r, after: undefined, origin: 'resync', reason: 'link-down' };
    expect(formatChange(c, o)).toBe('03:04:05.067  - route 10.0.0.0/24 via 10.0.0.2 dev v0 table main metric 100  (link-down) [resync]');
    expect(formatChange({ ...c, origin: 'kernel' }, { ...o, at: undefined })).toBe('- route 10.0.0.0/24 via 10.0.0.2 dev v0 table main metric 100  (link-down)');
    expect(formatResync(['route'], plain, at)).toMatch(/^03:04:05\.067  = resync of route: /);
  });

  it('colours the sign and the object', () => {
    const c: AnyChange = { op: 'add', kind: 'interface', key: '3', before: undefined, after: v0, origin: 'kernel' };
    const line = formatChange(c, { ...o, style: colour });
    expect(line).toContain('\x1b[32m+\x1b[39m');
    expect(stripAnsi(line)).toBe(formatChange(c, o));
  });

  it('keeps names of interfaces that come and go', () => {
    const b = new NameBook();
    expect(b.lookup(7)).toBe('#7');
    const x = iface({ index: 7, ifname: 'x7' });
    b.learn({ op: 'add', kind: 'interface', key: '7', before: undefined, after: x, origin: 'kernel' });
    expect(b.lookup(7)).toBe('x7');
    b.learn({ op: 'remove', kind: 'interface', key: '7', before: x, after: undefined, origin: 'kernel' });
    expect(b.lookup(7)).toBe('x7');
  });

  it('JSON: the change itself, with a time', () => {
    const c: AnyChange = { op: 'add', kind: 'interface', key: '3', before: undefined, after: v0, origin: 'kernel' };
    expect(JSON.parse(changeJson(c, at))).toEqual({ time: at.toISOString(), op: 'add', kind: 'interface', key: '3', after: v0, origin: 'kernel' });
    expect(clock(at)).toBe('03:04:05.067');
  });
});

describe('progress', () => {
  it('draws on a terminal only, throttled, and erases itself', () => {
    const written: string[] = [];
    let t = 0;
    const tty = { isTTY: true, columns: 20, write: (s: string) => { written.push(s); return true; } };
    const p = makeProgress(tty, { now: () => t, intervalMs: 100 });
    p.update('loading routes… 1');
    t = 50;
    p.update('loading routes… 2');
    t = 150;
    p.update('loading a very long list of everything');
    p.done();
    expect(written).toEqual(['\r\x1b[2Kloading routes… 1', '\r\x1b[2Kloading a very long', '\r\x1b[2K']);
    const pipe = { isTTY: false, write: (s: string) => { written.push(s); return true; } };
    written.length = 0;
    const q = makeProgress(pipe);
    q.update('x');
    q.done();
    expect(written).toEqual([]);
  });
});

describe('errors', () => {
  it('a kernel error: the errno name, its text and the kernel\'s own words, on one line', () => {
    const e = new KernelError({ errno: 101, requestType: 24, seq: 7, extAck: { message: 'Nexthop has invalid gateway' }, operation: 'route add 10.99.0.0/24 via 10.98.0.1' });
    expect(describeError(e)).toBe('route add 10.99.0.0/24 via 10.98.0.1: ENETUNREACH (Network is unreachable): Nexthop has invalid gateway');
    expect(exitCodeOf(e)).toBe(EXIT.FAILURE);
  });

  it('usage errors point at the help and exit 2; failures carry their code; causes are kept on one line', () => {
    expect(describeError(new UsageError('bad', 'show'))).toBe("bad (see 'nldb show --help')");
    expect(exitCodeOf(new UsageError('bad'))).toBe(2);
    expect(exitCodeOf(new CliFailure('half done', EXIT.ROLLBACK_FAILED))).toBe(3);
    expect(describeError(new Error('outer\nwith lines', { cause: new Error('inner') }))).toBe('outer with lines: inner');
    expect(describeError('a string')).toBe('a string');
  });
});
