/**
 * Every message of every captured fixture (real kernel bytes, test/fixtures/capture.sh) decodes,
 * and re-encodes to the very same bytes. Requests that ip(8) sent are included: they are the
 * encoder's side of the same tables.
 */
import { describe, expect, test } from 'vitest';
import {
  decodeMessage, getWireForTest, nlmsgdone, nlmsgerr, NLMSG_DONE, NLMSG_ERROR, Registry,
  type DecodedMessage, type RawMessage,
} from './helpers.js';
import { fixtureMessages, fixtureNames, loadFixture } from './fixture-util.js';

function registryFor(protocol: string): Registry {
  return protocol === 'NETLINK_GENERIC' ? Registry.generic() : Registry.rtnetlink();
}

function reencode(d: DecodedMessage, raw: RawMessage, reg: Registry): Buffer {
  if (raw.type === NLMSG_ERROR) return nlmsgerr.encode(d.decoded as never, raw.flags);
  if (raw.type === NLMSG_DONE) return nlmsgdone.encode(d.decoded as never, raw.flags);
  const e = reg.lookup(raw.type);
  if (!e) throw new Error(`no codec for type ${raw.type}`);
  return e.family.encode(d.decoded);
}

const names = fixtureNames();

test('the fixtures are there', () => {
  expect(names).toEqual(expect.arrayContaining(['link-veth', 'link-kinds', 'addr', 'route4', 'route6', 'rule4', 'neigh', 'genl-ctrl-list']));
});

describe.each(names)('fixture %s', (name) => {
  const fx = loadFixture(name);
  const msgs = fixtureMessages(fx);

  test('records how it was made', () => {
    expect(fx.command).toMatch(/^(ip|bridge) |genl/);
    expect(fx.capturedWith).toMatch(/strace/);
    expect(msgs.some((m) => m.dir === 'received')).toBe(true);
  });

  test('every message decodes and re-encodes byte for byte', () => {
    for (const [i, m] of msgs.entries()) {
      const reg = registryFor(m.protocol);
      const d = decodeMessage(m, reg);
      expect(d.typeName, `message ${i}`).not.toMatch(/^\d+$/); // every type is known
      const again = reencode(d, m, reg);
      expect(again.toString('hex'), `${name} message ${i} (${d.typeName})`).toBe(m.payload.toString('hex'));
    }
  });

  test('the tables match what the kernel sends: no received message needs lossless metadata', () => {
    // WIRE metadata only appears where the bytes differ from the tables' canonical form (an
    // unexpected NLA_F_NESTED bit, a repeated attribute, a string without its NUL...). The
    // kernel's messages should never need it; ip's requests may (it sends IFLA_INFO_KIND
    // without a NUL, see control.test.ts).
    for (const m of msgs.filter((x) => x.dir === 'received')) {
      const d = decodeMessage(m, registryFor(m.protocol));
      expect(getWireForTest(d.decoded), `${name} ${d.typeName}`).toEqual([]);
    }
  });
});
