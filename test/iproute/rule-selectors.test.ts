/**
 * Rules' later selectors (invert, suppress_*, l3mdev, uid and port ranges, ip protocol) and the
 * attributes kept whole (`extra`), on the kernel's own bytes: test/fixtures/rule4-selectors.json
 * (`ip rule show` of rules made by ip, see capture.sh). Each decodes to what ip was told, and the
 * request made from its record decodes to the same record.
 */
import { describe, expect, it } from 'vitest';
import { encodeRule } from '../../src/iproute/encode/rule.js';
import { ruleRecordAt } from '../../src/iproute/decode/rule.js';
import type { RuleRecord } from '../../src/iproute/records.js';
import { validateRule } from '../../src/iproute/validate/index.js';
import { ruleSpec } from '../../src/transactions/encode-op.js';
import { fixtureMessages, loadFixture } from '../messages/fixture-util.js';

const RTM_NEWRULE = 32;

const records = (): RuleRecord[] =>
  fixtureMessages(loadFixture('rule4-selectors'), 'received').filter((m) => m.type === RTM_NEWRULE).map((m) => ruleRecordAt(m.payload)!)
    .filter((r) => r.priority >= 1010 && r.priority < 1100);

describe('rule selectors from the kernel', () => {
  it('decode to what ip was told', () => {
    const at = new Map(records().map((r) => [r.priority, r]));
    expect([...at.keys()].sort()).toEqual([1010, 1011, 1012, 1013, 1014, 1015, 1016, 1017]);
    expect(at.get(1010)).toMatchObject({ invert: true, fwmark: 0xca6c, table: 51820, extra: null });
    expect(at.get(1011)).toMatchObject({ invert: false, suppressPrefixlen: 0, table: 254, extra: null });
    // (This kernel adds FRA_DPORT_MASK 0xffff to a one-port range: not kept, see impliedMask.)
    expect(at.get(1012)).toMatchObject({ ipProto: 6, dportRange: { start: 443, end: 443 }, sportRange: { start: 1000, end: 2000 }, extra: null });
    expect(at.get(1013)).toMatchObject({ uidRange: { start: 1000, end: 2000 }, table: 8 });
    expect(at.get(1014)).toMatchObject({ l3mdev: true, table: 0 });
    expect(at.get(1015)).toMatchObject({ suppressIfgroup: 3, suppressPrefixlen: null });
    // FRA_FLOW (3 << 16 | 5) and FRA_TUN_ID (5, big-endian) whole; FRA_PAD is not kept.
    expect(at.get(1016)!.extra).toBe('08000b0005000300');
    expect(at.get(1017)!.extra).toBe('0c000c000000000000000005');
  });

  it('make requests that decode to the same records', () => {
    for (const r of records()) {
      const req = encodeRule(validateRule('add', ruleSpec(r)));
      expect({ ...ruleRecordAt(Buffer.from(req.payload))!, protocol: r.protocol }, `rule ${r.priority}`).toEqual(r);
    }
  });
});
