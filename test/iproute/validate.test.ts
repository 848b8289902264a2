/**
 * Spec validation, with no kernel: every kind of bad input is refused with a ValidationError that
 * names the field and the value, and good input comes out normalised.
 */
import { describe, expect, it } from 'vitest';
import { encodeLink } from '../../src/iproute/encode/link.js';
import { ValidationError } from '../../src/iproute/errors.js';
import { rtnl } from '../../src/messages/index.js';
import { RTM_DELLINKPROP } from '../../src/messages/rtnl/constants.js';
import {
  validateAddress, validateLink, validateNeighbour, validateRoute, validateRule,
} from '../../src/iproute/validate/index.js';

/** Runs `fn`, expecting a ValidationError whose first problem is at `field` with `value`. */
function refused(fn: () => unknown, field: string, value: unknown): ValidationError {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  expect(err, `expected a ValidationError for ${field}`).toBeInstanceOf(ValidationError);
  const v = err as ValidationError;
  expect(v.field).toBe(field);
  expect(v.value).toEqual(value);
  // ('invalid ... for field "x"', or for a field no spec has, 'unknown field "x"'.)
  expect(v.message).toContain(`field "${field}"`);
  return v;
}

describe('link specs', () => {
  it('normalises a veth add', () => {
    const v = validateLink('add', { ifname: 'v0', kind: 'veth', peer: 'v1', address: 'AA:BB:CC:DD:EE:0F', mtu: 1400, state: 'up' });
    expect(v).toEqual({ op: 'add', ifname: 'v0', kind: 'veth', peer: { ifname: 'v1' }, address: 'aa:bb:cc:dd:ee:0f', mtu: 1400, state: 'up' });
  });
  it('accepts a peer object, a master by name or null, a netns by name, pid or fd', () => {
    expect(validateLink('add', { ifname: 'v0', kind: 'veth', peer: { ifname: 'v1', netns: 'other', address: 'aa-bb-cc-dd-ee-ff' } }).peer)
      .toEqual({ ifname: 'v1', netns: { name: 'other' }, address: 'aa:bb:cc:dd:ee:ff' });
    expect(validateLink('set', { ifname: 'v0', master: 'br0' }).master).toEqual({ ifname: 'br0' });
    expect(validateLink('set', { index: 3, master: null }).master).toBeNull();
    expect(validateLink('set', { index: 3, netns: { pid: 1 } }).netns).toEqual({ pid: 1 });
    expect(validateLink('set', { index: 3, netns: { fd: 7 } }).netns).toEqual({ fd: 7 });
    expect(validateLink('set', { index: 3, netns: '/proc/1/ns/net' }).netns).toEqual({ path: '/proc/1/ns/net' });
  });
  it('reads index + ifname on set as a rename, ifname alone as the target', () => {
    expect(validateLink('set', { index: 3, ifname: 'new0' })).toMatchObject({ target: { index: 3 }, ifname: 'new0' });
    expect(validateLink('set', { ifname: 'old0', mtu: 1300 })).toMatchObject({ target: { ifname: 'old0' }, mtu: 1300 });
    expect(validateLink('set', { ifname: 'old0' }).ifname).toBeUndefined();
  });
  it('normalises kind options', () => {
    expect(validateLink('add', { ifname: 'vx0', kind: 'vxlan', info: { id: 42, port: 4789, remote: '10.0.0.2', local: '10.0.0.1', link: 'v0', ttl: 5, learning: false } }).info)
      .toMatchObject({ kind: 'vxlan', data: { id: 42, port: 4789, group: { family: 4, text: '10.0.0.2' }, local: { text: '10.0.0.1' }, link: { ifname: 'v0' }, ttl: 5, learning: false } });
    expect(validateLink('add', { ifname: 'mv0', kind: 'macvlan', link: 'v0', info: { mode: 'bridge' } }).info).toEqual({ kind: 'macvlan', data: { mode: 4 } });
    // A vxlan's lower device is one of its options (the kernel ignores IFLA_LINK for a vxlan).
    const vx = validateLink('add', { ifname: 'vx0', kind: 'vxlan', link: 'v0', info: { id: 42 } });
    expect([vx.link, vx.info]).toEqual([undefined, { kind: 'vxlan', data: { id: 42, link: { ifname: 'v0' } } }]);
    expect(() => validateLink('add', { ifname: 'vx0', kind: 'vxlan', link: 'v0', info: { id: 42, link: 'v1' } })).toThrow(/one lower device/);
    expect(validateLink('add', { ifname: 'br0', kind: 'bridge', info: { stpState: true, forwardDelay: 400 } }).info).toEqual({ kind: 'bridge', data: { stpState: 1, forwardDelay: 400 } });
    expect(validateLink('add', { ifname: 'vl0', kind: 'vlan', link: 2, info: { id: 10, protocol: '802.1ad' } }).info).toEqual({ kind: 'vlan', data: { id: 10, protocol: 0x88a8 } });
  });
  it('lets a real kernel kind pass even where this kernel lacks it (the kernel refuses it)', () => {
    expect(validateLink('add', { ifname: 'd0', kind: 'dummy' }).kind).toBe('dummy');
  });

  it.each([
    ['an unknown kind', 'add', { ifname: 'x0', kind: 'bogus' }, 'kind', 'bogus'],
    ['a missing kind', 'add', { ifname: 'x0' }, 'kind', undefined],
    ['an empty name', 'add', { ifname: '', kind: 'veth' }, 'ifname', ''],
    ['a 16-byte name', 'add', { ifname: 'abcdefghijklmnop', kind: 'veth' }, 'ifname', 'abcdefghijklmnop'],
    ['a name of 15 bytes in 8 characters', 'add', { ifname: 'ééééééééé', kind: 'veth' }, 'ifname', 'ééééééééé'],
    ['a name with a slash', 'add', { ifname: 'a/b', kind: 'veth' }, 'ifname', 'a/b'],
    ['a name with a space', 'add', { ifname: 'a b', kind: 'veth' }, 'ifname', 'a b'],
    ['a name with a colon', 'add', { ifname: 'eth0:1', kind: 'veth' }, 'ifname', 'eth0:1'],
    ['the name "."', 'add', { ifname: '.', kind: 'veth' }, 'ifname', '.'],
    ['the name ".."', 'set', { ifname: '..' }, 'ifname', '..'],
    ['a name that is not a string', 'add', { ifname: 7, kind: 'veth' }, 'ifname', 7],
    ['a missing name', 'add', { kind: 'veth' }, 'ifname', undefined],
    ['no target on set', 'set', { mtu: 1400 }, 'index', undefined],
    ['a zero index', 'set', { index: 0, mtu: 1400 }, 'index', 0],
    ['a fractional index', 'del', { index: 1.5 }, 'index', 1.5],
    ['a negative mtu', 'set', { index: 2, mtu: -1 }, 'mtu', -1],
    ['an mtu beyond int32', 'set', { index: 2, mtu: 2 ** 31 }, 'mtu', 2 ** 31],
    ['an mtu as a string', 'set', { index: 2, mtu: '1500' }, 'mtu', '1500'],
    ['a short MAC', 'set', { index: 2, address: 'aa:bb:cc:dd:ee' }, 'address', 'aa:bb:cc:dd:ee'],
    ['a MAC with a bad digit', 'set', { index: 2, address: 'aa:bb:cc:dd:ee:gg' }, 'address', 'aa:bb:cc:dd:ee:gg'],
    ['a MAC with mixed separators', 'set', { index: 2, address: 'aa:bb-cc:dd:ee:ff' }, 'address', 'aa:bb-cc:dd:ee:ff'],
    ['a bad state', 'set', { index: 2, state: 'UP' }, 'state', 'UP'],
    ['a bad master', 'set', { index: 2, master: 'bad name' }, 'master', 'bad name'],
    ['a namespace name with a slash', 'set', { index: 2, netns: 'a/b' }, 'netns', 'a/b'],
    ['a negative pid', 'set', { index: 2, netns: { pid: -4 } }, 'netns.pid', -4],
    ['an unknown field', 'set', { index: 2, mtuu: 1400 }, 'mtuu', 1400],
    ['a change on del', 'del', { index: 2, mtu: 1400 }, 'mtu', 1400],
    ['a peer on a bridge', 'add', { ifname: 'br0', kind: 'bridge', peer: 'x' }, 'peer', 'x'],
    ['a bad peer name', 'add', { ifname: 'v0', kind: 'veth', peer: { ifname: 'waytoolongname000' } }, 'peer.ifname', 'waytoolongname000'],
    ['a vxlan without id', 'add', { ifname: 'vx0', kind: 'vxlan', info: { port: 4789 } }, 'info.id', undefined],
    ['a vxlan id past 24 bits', 'add', { ifname: 'vx0', kind: 'vxlan', info: { id: 1 << 24 } }, 'info.id', 1 << 24],
    ['a vxlan port past 16 bits', 'add', { ifname: 'vx0', kind: 'vxlan', info: { id: 1, port: 70000 } }, 'info.port', 70000],
    ['a malformed vxlan group', 'add', { ifname: 'vx0', kind: 'vxlan', info: { id: 1, group: '239.1.1' } }, 'info.group', '239.1.1'],
    ['a multicast remote', 'add', { ifname: 'vx0', kind: 'vxlan', info: { id: 1, remote: '239.1.1.1' } }, 'info.remote', '239.1.1.1'],
    ['an unknown vxlan option', 'add', { ifname: 'vx0', kind: 'vxlan', info: { id: 1, dstport: 4789 } }, 'info.dstport', 4789],
    ['a macvlan without lower device', 'add', { ifname: 'mv0', kind: 'macvlan', info: { mode: 'bridge' } }, 'link', undefined],
    ['a bad macvlan mode', 'add', { ifname: 'mv0', kind: 'macvlan', link: 'v0', info: { mode: 'bridged' } }, 'info.mode', 'bridged'],
    ['a macvlan mode number with no name', 'add', { ifname: 'mv0', kind: 'macvlan', link: 'v0', info: { mode: 3 } }, 'info.mode', 3],
    ['options on set without a kind', 'set', { index: 2, info: { stpState: 1 } }, 'info', { stpState: 1 }],
    ['options for a kind nldb has no table for', 'add', { ifname: 'i0', kind: 'ifb', info: { x: 1 } }, 'info', { x: 1 }],
    ['a spec that is not an object', 'add', null, '', null],
  ] as const)('refuses %s', (_what, op, spec, field, value) => {
    refused(() => validateLink(op, spec as never), field, value);
  });

  it('reports every problem of a spec in errors[]', () => {
    const e = refused(() => validateLink('add', { ifname: 'x'.repeat(16), kind: 'bogus', mtu: -5 } as never), 'ifname', 'x'.repeat(16));
    expect(e.errors.map((i) => i.field)).toEqual(['ifname', 'kind', 'mtu']);
    expect(e.message).toContain('and 2 more');
  });
  it('refuses an unknown operation', () => {
    refused(() => validateLink('create' as never, { ifname: 'v0', kind: 'veth' }), 'op', 'create');
  });
  it('says NaN and Infinity as they are in its message (JSON would say null)', () => {
    expect(refused(() => validateLink('set', { ifname: 'v0', mtu: Number.NaN }), 'mtu', Number.NaN).message).toMatch(/^invalid MTU NaN for field "mtu"/);
    expect(refused(() => validateRoute('add', { dst: '10.0.0.0/8', priority: -Infinity }), 'priority', -Infinity).message).toMatch(/-Infinity for field "priority"/);
  });
});

describe('unknown fields', () => {
  it("name the field, guess what was meant (ip's words, a prefix, a slip), and list the fields once", () => {
    const e = refused(() => validateRoute('add', { dst: '10.1.0.0/16', via: '10.0.0.2', dev: 'v0', prio: 5, tabel: 100, colour: 'red' } as never), 'via', '10.0.0.2');
    expect(e.errors.map((i) => i.reason.split('?')[0])).toEqual([
      "did you mean 'gateway'", "did you mean 'oif'", "did you mean 'priority'", "did you mean 'table'", expect.stringMatching(/^known fields: family, dst, /),
    ]);
    expect(e.message).toMatch(/^unknown field "via" \("10\.0\.0\.2"\): did you mean 'gateway'\? known fields: family, dst, table, gateway, oif, /);
    // The list of fields once, not after every unknown field.
    expect(e.message.split('known fields:')).toHaveLength(2);
    expect(e.message).toContain(`unknown field "dev" ("v0"): did you mean 'oif'?;`);
    expect(e.message).toMatch(/unknown field "colour" \("red"\): not one of the fields above\)$/);
  });

  it('suggest nothing far from every field', () => {
    const e = refused(() => validateRule('add', { priority: 5, table: 100, zzz: 1 } as never), 'zzz', 1);
    expect(e.reason).toMatch(/^known fields: family, priority, /);
  });
});

describe('address specs', () => {
  it('says what, which field and why in the message', () => {
    const e = refused(() => validateAddress('add', { index: 3, address: '10.0.0.256', prefixlen: 24 }), 'address', '10.0.0.256');
    expect(e.message).toMatch(/^invalid address "10\.0\.0\.256" for field "address": /);
    expect(e.reason).toBe('not a valid IPv4 or IPv6 address');
  });
  it('accepts a CIDR, a separate prefix length, or an object', () => {
    const a = validateAddress('add', { ifname: 'v0', address: '10.0.0.1/24' });
    expect(a).toMatchObject({ target: { ifname: 'v0' }, family: 4, prefixlen: 24, address: { text: '10.0.0.1' } });
    expect(validateAddress('add', { index: 3, address: '10.0.0.1', prefixlen: 24 }).prefixlen).toBe(24);
    expect(validateAddress('add', { index: 3, address: { address: '2001:DB8::1', prefixlen: 64 } })).toMatchObject({ family: 6, prefixlen: 64, address: { text: '2001:db8::1' } });
    expect(validateAddress('del', { index: 3, address: '10.0.0.1' }).prefixlen).toBe(32);
    expect(validateAddress('add', { index: 3, address: 'fe80::1' }).prefixlen).toBe(128);
    expect(validateAddress('add', { index: 3, address: '::ffff:10.0.0.1/96' }).address.text).toBe('::ffff:10.0.0.1');
  });
  it('keeps peer, broadcast, label, scope and flags', () => {
    expect(validateAddress('add', { index: 3, address: '10.9.0.1/32', peer: '10.9.0.2', broadcast: '10.9.0.255', label: 'v0:x', scope: 'link', flags: 0x200 }))
      .toMatchObject({ peer: { text: '10.9.0.2' }, broadcast: { text: '10.9.0.255' }, label: 'v0:x', scope: 253, flags: 0x200 });
  });
  it.each([
    ['a malformed address', { index: 3, address: '10.0.0.256/24' }, 'address', '10.0.0.256/24'],
    ['a prefix of 33', { index: 3, address: '10.0.0.1/33' }, 'address', '10.0.0.1/33'],
    ['a prefix of 129', { index: 3, address: '2001:db8::1/129' }, 'address', '2001:db8::1/129'],
    ['an object prefix of 33', { index: 3, address: { address: '10.0.0.1', prefixlen: 33 } }, 'address.prefixlen', 33],
    ['a separate prefix of 33', { index: 3, address: '10.0.0.1', prefixlen: 33 }, 'prefixlen', 33],
    ['a prefix that disagrees', { index: 3, address: '10.0.0.1/24', prefixlen: 16 }, 'prefixlen', 16],
    ['a prefix with a sign', { index: 3, address: '10.0.0.1/+4' }, 'address', '10.0.0.1/+4'],
    ['a prefix with leading zero', { index: 3, address: '10.0.0.1/024' }, 'address', '10.0.0.1/024'],
    ['a missing address', { index: 3 }, 'address', undefined],
    ['default as an address', { index: 3, address: 'default' }, 'address', 'default'],
    ['no interface', { address: '10.0.0.1/24' }, 'index', undefined],
    ['both index and ifname', { index: 3, ifname: 'v0', address: '10.0.0.1/24' }, 'ifname', 'v0'],
    ['a too-long interface name', { ifname: 'abcdefghijklmnop', address: '10.0.0.1/24' }, 'ifname', 'abcdefghijklmnop'],
    ['a peer of the other family', { index: 3, address: '10.0.0.1/24', peer: 'fe80::1' }, 'peer', 'fe80::1'],
    ['an IPv6 broadcast', { index: 3, address: '2001:db8::1/64', broadcast: '2001:db8::ffff' }, 'broadcast', '2001:db8::ffff'],
    ['an IPv6 label', { index: 3, address: '2001:db8::1/64', label: 'x' }, 'label', 'x'],
    ['a too-long label', { index: 3, address: '10.0.0.1/24', label: 'v0:abcdefghijklm' }, 'label', 'v0:abcdefghijklm'],
    ['an unknown scope', { index: 3, address: '10.0.0.1/24', scope: 'galaxy' }, 'scope', 'galaxy'],
    ['a scope past 255', { index: 3, address: '10.0.0.1/24', scope: 256 }, 'scope', 256],
  ] as const)('refuses %s', (_what, spec, field, value) => {
    refused(() => validateAddress('add', spec as never), field, value);
  });
});

describe('route specs', () => {
  it('normalises dst, gateway, table names and enums', () => {
    const r = validateRoute('add', { dst: '10.1.0.0/16', gateway: '10.0.0.1', table: 'main', protocol: 'static', scope: 'global', type: 'unicast', priority: 7 });
    expect(r).toMatchObject({ family: 4, dst: { text: '10.1.0.0/16', prefixlen: 16 }, gateway: { text: '10.0.0.1' }, table: 254, protocol: 4, scope: 0, type: 1, priority: 7 });
    expect(validateRoute('add', { dst: '10.3.0.1' }).dst.text).toBe('10.3.0.1/32');
    expect(validateRoute('add', { dst: 'default', gateway: 'fe80::1', oif: 'v0' })).toMatchObject({ family: 6, dst: { text: 'default', prefixlen: 0 }, oif: { ifname: 'v0' } });
    expect(validateRoute('add', { dst: 'default', family: 'inet6', type: 'unreachable' }).family).toBe(6);
    expect(validateRoute('add', { dst: '0.0.0.0/0', gateway: '10.0.0.1' }).dst.text).toBe('default');
    expect(validateRoute('add', { dst: '2001:db8::/32', table: 4294967295 }).table).toBe(4294967295);
    expect(validateRoute('add', { dst: '10.2.0.0/16', multipath: [{ gateway: '10.0.0.2', weight: 2 }, { oif: 3 }] }).multipath)
      .toMatchObject([{ gateway: { text: '10.0.0.2' }, weight: 2 }, { oif: { index: 3 }, weight: 1 }]);
    expect(validateRoute('add', { dst: '10.0.0.0/8', metrics: { mtu: 1400, advmss: 1360 } }).metrics).toEqual(new Map([[2, 1400], [8, 1360]]));
    expect(validateRoute('add', { dst: '2001:db8::/64', pref: 'high' }).pref).toBe(1);
  });
  it.each([
    ['a missing dst', { gateway: '10.0.0.1' }, 'dst', undefined],
    ['a prefix of 33', { dst: '10.0.0.0/33' }, 'dst', '10.0.0.0/33'],
    ['host bits past the prefix', { dst: '10.0.0.1/24' }, 'dst', '10.0.0.1/24'],
    ['a malformed dst', { dst: '10.0.0/24' }, 'dst', '10.0.0/24'],
    ['a malformed gateway', { dst: '10.0.0.0/24', gateway: '10.0.0.999' }, 'gateway', '10.0.0.999'],
    ['an IPv4 gateway of an IPv6 route (no RTA_VIA for IPv6)', { dst: '2001:db8::/32', gateway: '10.0.0.1' }, 'gateway', '10.0.0.1'],
    ['onlink without an oif', { dst: '10.5.0.0/24', gateway: '192.0.2.1', onlink: true }, 'onlink', true],
    ['onlink without a gateway', { dst: '10.5.0.0/24', oif: 2, onlink: true }, 'onlink', true],
    ['onlink that is not a boolean', { dst: '10.5.0.0/24', gateway: '192.0.2.1', oif: 2, onlink: 'yes' }, 'onlink', 'yes'],
    ['onlink beside multipath', { dst: '10.5.0.0/24', onlink: true, multipath: [{ gateway: '192.0.2.1', oif: 2 }] }, 'onlink', true],
    ['an onlink next hop without an oif', { dst: '10.5.0.0/24', multipath: [{ gateway: '192.0.2.1', onlink: true }] }, 'multipath[0].onlink', true],
    ['a congestion control that is not a name', { dst: 'default', metrics: { ccAlgo: 'cu bic' } }, 'metrics.ccAlgo', 'cu bic'],
    ['a congestion control given as a number', { dst: 'default', metrics: { ccAlgo: 3 } }, 'metrics.ccAlgo', 3],
    ['realms of an IPv6 route', { dst: '2001:db8::/32', oif: 2, realms: 5 }, 'realms', 5],
    ['realms past 32 bits', { dst: '10.5.0.0/24', oif: 2, realms: 2 ** 32 }, 'realms', 2 ** 32],
    ['an encapsulation of an unknown type', { dst: '10.5.0.0/24', oif: 2, encap: { type: 'gre', data: '' } }, 'encap.type', 'gre'],
    ["an encapsulation of type 'none'", { dst: '10.5.0.0/24', oif: 2, encap: { type: 'none', data: '' } }, 'encap.type', 'none'],
    ['an encapsulation whose data is not hex', { dst: '10.5.0.0/24', oif: 2, encap: { type: 'ip', data: '0g' } }, 'encap.data', '0g'],
    ['an encapsulation with an odd number of hex digits', { dst: '10.5.0.0/24', oif: 2, encap: { type: 'ip', data: 'abc' } }, 'encap.data', 'abc'],
    ['an encapsulation with an unknown field', { dst: '10.5.0.0/24', oif: 2, encap: { type: 'ip', data: '', id: 5 } }, 'encap.id', 5],
    ['an encapsulation beside multipath', { dst: '10.5.0.0/24', encap: { type: 'ip', data: '' }, multipath: [{ oif: 2 }] }, 'encap', { type: 'ip', data: '' }],
    ['a next hop\'s realms of an IPv6 route', { dst: '2001:db8::/32', multipath: [{ oif: 2, realms: 1 }] }, 'multipath[0].realms', 1],
    ['an IPv4 next hop of an IPv6 route', { dst: '2001:db8::/32', multipath: [{ gateway: 'fe80::1', oif: 2 }, { gateway: '10.0.0.1', oif: 2 }] }, 'multipath[1].gateway', '10.0.0.1'],
    ['a family that disagrees with dst', { family: 4, dst: '2001:db8::/32' }, 'dst', '2001:db8::/32'],
    ['a bad family', { family: 5, dst: 'default' }, 'family', 5],
    ['a table past 32 bits', { dst: 'default', table: 2 ** 32 }, 'table', 2 ** 32],
    ['an unknown table name', { dst: 'default', table: 'mian' }, 'table', 'mian'],
    ['a negative metric', { dst: 'default', priority: -1 }, 'priority', -1],
    ['an unknown protocol', { dst: 'default', protocol: 'carrier-pigeon' }, 'protocol', 'carrier-pigeon'],
    ['an unknown type', { dst: 'default', type: 'sideways' }, 'type', 'sideways'],
    ['a bad oif', { dst: 'default', oif: -3 }, 'oif', -3],
    ['an empty multipath', { dst: 'default', multipath: [] }, 'multipath', []],
    ['a gateway beside multipath', { dst: 'default', gateway: '10.0.0.1', multipath: [{ gateway: '10.0.0.2' }] }, 'gateway', '10.0.0.1'],
    ['a weight of 0', { dst: 'default', multipath: [{ gateway: '10.0.0.2', weight: 0 }] }, 'multipath[0].weight', 0],
    ['a weight of 257', { dst: 'default', multipath: [{ gateway: '10.0.0.2' }, { gateway: '10.0.0.3', weight: 257 }] }, 'multipath[1].weight', 257],
    ['an empty next hop', { dst: 'default', multipath: [{}] }, 'multipath[0].gateway', undefined],
    ['an unknown metric', { dst: 'default', metrics: { mtuu: 1 } }, 'metrics.mtuu', 1],
    ['a metric past 32 bits', { dst: 'default', metrics: { mtu: 2 ** 32 } }, 'metrics.mtu', 2 ** 32],
    ['an IPv4 preference', { dst: 'default', pref: 'high' }, 'pref', 'high'],
    ['a bad prefsrc', { dst: 'default', prefsrc: 'me' }, 'prefsrc', 'me'],
    ['a tos past 8 bits', { dst: 'default', tos: 256 }, 'tos', 256],
    ['an IPv4 source prefix', { dst: '10.5.0.0/24', src: '10.1.0.0/16' }, 'src', '10.1.0.0/16'],
    ['a source prefix of the other family', { dst: '2001:db8:5::/64', src: '10.1.0.0/16' }, 'src', '10.1.0.0/16'],
    ['host bits past the source prefix', { dst: '2001:db8:5::/64', src: '2001:db8:1::1/48' }, 'src', '2001:db8:1::1/48'],
  ] as const)('refuses %s', (_what, spec, field, value) => {
    refused(() => validateRoute('add', spec as never), field, value);
  });

  it('takes onlink with a gateway and an oif, per next hop too; false is the same as leaving it out', () => {
    expect(validateRoute('add', { dst: '10.5.0.0/24', gateway: '192.0.2.1', oif: 2, onlink: true }).onlink).toBe(true);
    expect(validateRoute('add', { dst: '10.5.0.0/24', oif: 2, onlink: false }).onlink).toBe(false);
    expect(validateRoute('add', { dst: '10.5.0.0/24', oif: 2 }).onlink).toBe(false);
    expect(validateRoute('add', { dst: '10.5.0.0/24', multipath: [{ gateway: '192.0.2.1', oif: 2, onlink: true }, { gateway: '10.0.0.2' }] }).multipath?.map((h) => h.onlink))
      .toEqual([true, false]);
  });

  it('takes a congestion control by name among the metrics (ip\'s congctl)', () => {
    expect(validateRoute('add', { dst: 'default', gateway: '10.0.0.1', metrics: { ccAlgo: 'bbr', mtu: 1400 } }).metrics).toEqual(new Map<number, number | string>([[16, 'bbr'], [2, 1400]]));
  });

  it('takes an encapsulation (a name or number, its attributes in hex) and IPv4 realms, per next hop too; null is none', () => {
    expect(validateRoute('add', { dst: '10.5.0.0/24', oif: 2, encap: { type: 'seg6', data: 'AB01' }, realms: 7 }))
      .toMatchObject({ encap: { type: 5, data: Buffer.from([0xab, 1]) }, realms: 7 });
    expect(validateRoute('add', { dst: '10.5.0.0/24', oif: 2, encap: { type: 99, data: '' } }).encap?.type).toBe(99);
    expect(validateRoute('add', { dst: '10.5.0.0/24', oif: 2, encap: null, realms: null })).not.toHaveProperty('encap');
    expect(validateRoute('add', { dst: '10.5.0.0/24', multipath: [{ oif: 2, encap: { type: 'ip', data: '' }, realms: 3 }] }).multipath)
      .toMatchObject([{ encap: { type: 2 }, realms: 3 }]);
  });

  it('takes an IPv6 gateway of an IPv4 route (RFC 5549: RTA_VIA), which names no family of its own', () => {
    expect(validateRoute('add', { dst: '10.6.0.0/24', gateway: 'FE80::1', oif: 2 })).toMatchObject({ family: 4, gateway: { family: 6, text: 'fe80::1' } });
    expect(validateRoute('add', { dst: '10.6.0.0/24', multipath: [{ gateway: 'fe80::1', oif: 2 }, { gateway: '10.0.0.2' }] }).multipath)
      .toMatchObject([{ gateway: { family: 6 } }, { gateway: { family: 4 } }]);
    // With dst 'default', the gateway is what says the family, unless the family is given.
    expect(validateRoute('add', { dst: 'default', gateway: 'fe80::1', oif: 2 }).family).toBe(6);
    expect(validateRoute('add', { family: 4, dst: 'default', gateway: 'fe80::1', oif: 2 }).family).toBe(4);
  });

  it('keeps an IPv6 source prefix, takes the family from it, and drops a /0 (no source)', () => {
    expect(validateRoute('add', { dst: '2001:db8:5::/64', src: '2001:db8:1::/48' }).src).toMatchObject({ prefixlen: 48, text: '2001:db8:1::/48' });
    expect(validateRoute('add', { dst: 'default', src: '2001:db8:1::/48' })).toMatchObject({ family: 6, src: { text: '2001:db8:1::/48' } });
    expect(validateRoute('add', { dst: '2001:db8:5::/64', src: 'default' }).src).toBeUndefined();
    expect(validateRoute('add', { dst: '10.5.0.0/24', src: 'default' }).src).toBeUndefined();
  });
});

describe('rule specs', () => {
  it('normalises', () => {
    expect(validateRule('add', { family: 4, priority: 100, src: '10.0.0.0/24', table: 100 }))
      .toMatchObject({ family: 4, priority: 100, src: { text: '10.0.0.0/24' }, table: 100 });
    expect(validateRule('add', { dst: '2001:db8::/32', action: 'goto', goto: 200, iifname: 'v0', fwmark: 0x10, fwmask: 0xff }))
      .toMatchObject({ family: 6, action: 2, goto: 200, iifname: 'v0', fwmark: 0x10, fwmask: 0xff });
    expect(validateRule('add', { priority: 5, action: 'blackhole' }).action).toBe(6);
    expect(validateRule('add', { priority: 5, goto: 9 }).action).toBe(2);
  });
  it.each([
    ['a prefix of 33', { src: '10.0.0.0/33' }, 'src', '10.0.0.0/33'],
    ['host bits set', { src: '10.0.0.1/24' }, 'src', '10.0.0.1/24'],
    ['families that disagree', { family: 6, src: '10.0.0.0/24' }, 'src', '10.0.0.0/24'],
    ['an unknown action', { action: 'jump' }, 'action', 'jump'],
    ['a goto without target', { action: 'goto' }, 'goto', undefined],
    ['a table on a blackhole rule', { action: 'blackhole', table: 5 }, 'table', 5],
    ['a too-long iifname', { iifname: 'abcdefghijklmnop' }, 'iifname', 'abcdefghijklmnop'],
    ['a fwmark past 32 bits', { fwmark: 2 ** 32 }, 'fwmark', 2 ** 32],
    ['a negative priority', { priority: -1 }, 'priority', -1],
  ] as const)('refuses %s', (_what, spec, field, value) => {
    refused(() => validateRule('add', spec as never), field, value);
  });
});

describe('neighbour specs', () => {
  it('normalises', () => {
    expect(validateNeighbour('add', { ifname: 'v0', dst: '10.0.0.9', lladdr: 'AA:BB:CC:DD:EE:FF', state: 'permanent' }))
      .toMatchObject({ target: { ifname: 'v0' }, family: 4, dst: { text: '10.0.0.9' }, lladdr: 'aa:bb:cc:dd:ee:ff', state: 0x80 });
    expect(validateNeighbour('del', { index: 3, dst: 'FE80::1' })).toMatchObject({ family: 6, dst: { text: 'fe80::1' } });
    expect(validateNeighbour('add', { index: 3, dst: '10.0.0.9', state: 'NOARP' }).state).toBe(0x40);
  });
  it.each([
    ['a malformed dst', { index: 3, dst: '10.0.0.9/32' }, 'dst', '10.0.0.9/32'],
    ['a missing dst', { index: 3 }, 'dst', undefined],
    ['a malformed lladdr', { index: 3, dst: '10.0.0.9', lladdr: 'aabbccddeeff' }, 'lladdr', 'aabbccddeeff'],
    ['an unknown state', { index: 3, dst: '10.0.0.9', state: 'forever' }, 'state', 'forever'],
    ['no interface', { dst: '10.0.0.9' }, 'index', undefined],
    ['flags past 8 bits', { index: 3, dst: '10.0.0.9', flags: 256 }, 'flags', 256],
  ] as const)('refuses %s', (_what, spec, field, value) => {
    refused(() => validateNeighbour('add', spec as never), field, value);
  });
});

describe('link alternative names', () => {
  it('are added to an existing link alone, as valid names', () => {
    expect(validateLink('set', { ifname: 'v0', altnames: ['uplink-0', 'a-rather-long-alternative-name'] }).altnames).toEqual(['uplink-0', 'a-rather-long-alternative-name']);
    refused(() => validateLink('add', { ifname: 'v0', kind: 'veth', altnames: ['x'] } as never), 'altnames', ['x']);
    refused(() => validateLink('set', { ifname: 'v0', mtu: 1400, altnames: ['x'] }), 'altnames', ['x']);
    refused(() => validateLink('set', { ifname: 'v0', altnames: ['has space'] }), 'altnames[0]', 'has space');
    refused(() => validateLink('set', { ifname: 'v0', altnames: [] }), 'altnames', []);
  });

  it('are removed from an existing link alone, as valid names, in a request of their own (RTM_DELLINKPROP)', () => {
    const v = validateLink('set', { index: 4, removeAltnames: ['uplink-0'] });
    expect(v.removeAltnames).toEqual(['uplink-0']);
    const req = encodeLink(v, { index: (t) => ('index' in t ? t.index : 0), netns: () => ({ netNsPid: 1 }) });
    expect(req.type).toBe(RTM_DELLINKPROP);
    expect(rtnl.link.decode(Buffer.from(req.payload))).toMatchObject({ index: 4, attrs: { propList: { altIfname: ['uplink-0'] } } });
    refused(() => validateLink('add', { ifname: 'v0', kind: 'veth', removeAltnames: ['x'] } as never), 'removeAltnames', ['x']);
    refused(() => validateLink('set', { ifname: 'v0', altnames: ['y'], removeAltnames: ['x'] }), 'altnames', ['y']);
    refused(() => validateLink('set', { ifname: 'v0', removeAltnames: ['a/b'] }), 'removeAltnames[0]', 'a/b');
    refused(() => validateLink('set', { ifname: 'v0', removeAltnames: 'x' as never }), 'removeAltnames', 'x');
  });
});
