/** Which nlmsg type and NLM_F_* flags each operation sends, and the defaults an add gets (no kernel). */
import { describe, expect, it } from 'vitest';
import { NLM_F, rtnl } from '../../src/messages/index.js';
import { encodeChange } from '../../src/iproute/requests.js';
import { requestHead } from '../../src/iproute/ops.js';

describe('request heads', () => {
  it.each([
    ['route', 'add', 24, NLM_F.CREATE | NLM_F.EXCL],
    ['route', 'replace', 24, NLM_F.CREATE | NLM_F.REPLACE],
    ['route', 'append', 24, NLM_F.CREATE | NLM_F.APPEND],
    ['route', 'del', 25, 0],
    ['interface', 'set', 16, 0],
    ['interface', 'del', 17, 0],
    ['address', 'add', 20, NLM_F.CREATE | NLM_F.EXCL],
    ['neighbour', 'replace', 28, NLM_F.CREATE | NLM_F.REPLACE],
    ['rule', 'del', 33, 0],
  ] as const)('%s %s → type %i flags %i', (kind, op, type, flags) => {
    expect(requestHead(kind, op)).toEqual({ type, flags });
    expect(requestHead(kind, op, true).flags).toBe(flags | NLM_F.ECHO);
  });
});

describe('defaults', () => {
  it('an IPv4 route add gets protocol boot, type unicast, main table, link scope without a gateway', () => {
    const req = encodeChange({ kind: 'route', op: 'add', spec: { dst: '10.0.0.0/8', oif: 2 } });
    const m = rtnl.route.decode(Buffer.from(req.payload));
    expect(m).toMatchObject({ family: 2, dstLen: 8, table: 254, protocol: 'boot', type: 'unicast', scope: 'link' });
    expect(m.attrs).toMatchObject({ dst: '10.0.0.0', oif: 2, table: 254 });
  });

  it('a route delete matches on what it is given: wildcard protocol, type and scope', () => {
    const m = rtnl.route.decode(Buffer.from(encodeChange({ kind: 'route', op: 'del', spec: { dst: '10.0.0.0/8', table: 1000 } }).payload));
    expect(m).toMatchObject({ table: 0, protocol: 'unspec', type: 'unspec', scope: 'nowhere' });
    expect(m.attrs.table).toBe(1000);
  });

  it('a rule add is a lookup in main; a neighbour add is permanent; a loopback address is host-scoped', () => {
    const rule = rtnl.rule.decode(Buffer.from(encodeChange({ kind: 'rule', op: 'add', spec: { src: '10.0.0.0/8' } }).payload));
    expect(rule).toMatchObject({ family: 2, srcLen: 8, action: 'to_tbl', table: 254 });
    const neigh = rtnl.neigh.decode(Buffer.from(encodeChange({ kind: 'neighbour', op: 'add', spec: { index: 2, dst: '10.0.0.9' } }).payload));
    expect(neigh.state).toBe(0x80);
    const addr = rtnl.addr.decode(Buffer.from(encodeChange({ kind: 'address', op: 'add', spec: { index: 1, address: '127.0.0.2/8' } }).payload));
    expect(addr.scope).toBe('host');
  });

  it('a link set carries IFF_UP in flags and change only when state is given', () => {
    const up = rtnl.link.decode(Buffer.from(encodeChange({ kind: 'interface', op: 'set', spec: { index: 5, state: 'up' } }).payload));
    expect(up).toMatchObject({ index: 5, flags: 1, change: 1 });
    const mtu = rtnl.link.decode(Buffer.from(encodeChange({ kind: 'interface', op: 'set', spec: { index: 5, mtu: 1400 } }).payload));
    expect(mtu).toMatchObject({ flags: 0, change: 0 });
    expect(mtu.attrs.mtu).toBe(1400);
  });
});
