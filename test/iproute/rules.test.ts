/**
 * Policy rules against the kernel, in a throwaway namespace, with `ip -j rule` as the witness.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPRoute } from '../../src/iproute/iproute.js';
import type { RuleRecord } from '../../src/iproute/records.js';
import { KernelError } from '../../src/transport/errors.js';
import { useNetns } from '../helpers/netns.js';
import { pick, sorted, witnessRules } from './witness.js';

const ns = useNetns('ru');
let ipr: IPRoute;
beforeAll(async () => { ipr = await IPRoute.open({ netns: ns() }); });
afterAll(() => ipr?.close());

const FIELDS = ['family', 'priority', 'table', 'src', 'dst', 'action', 'goto', 'iifname', 'oifname', 'fwmark', 'fwmask', 'protocol'] as const;
const view = (rs: readonly RuleRecord[]) => sorted(rs.map((r) => pick(r, FIELDS)));

describe('rules', () => {
  it('adds an IPv4 lookup rule from a source prefix', async () => {
    const r = await ipr.rule('add', { family: 4, priority: 100, src: '10.0.0.0/24', table: 100 });
    expect(r).toMatchObject({ family: 4, priority: 100, src: '10.0.0.0/24', dst: null, table: 100, action: 'to_tbl' });
    expect(witnessRules(ns(), 4).filter((w) => w.priority === 100)).toEqual([pick(r!, FIELDS)]);
  });

  it('adds a goto rule with a destination, an input interface and a firewall mark', async () => {
    const r = await ipr.rule('add', { priority: 50, dst: '10.5.0.0/16', iifname: 'v0', fwmark: 0x10, fwmask: 0xff, goto: 100 });
    expect(r).toMatchObject({ action: 'goto', goto: 100, dst: '10.5.0.0/16', iifname: 'v0', fwmark: 16, fwmask: 255 });
    expect(witnessRules(ns(), 4).filter((w) => w.priority === 50)).toEqual([pick(r!, FIELDS)]);
  });

  it('adds IPv6 rules, one with an output interface and one blackhole', async () => {
    const r = await ipr.rule('add', { priority: 200, dst: '2001:db8::/32', oifname: 'v9', table: 'main' });
    expect(r).toMatchObject({ family: 6, table: 254, dst: '2001:db8::/32', oifname: 'v9' });
    const b = await ipr.rule('add', { priority: 300, src: '2001:db8:bad::/48', action: 'blackhole' });
    expect(b).toMatchObject({ family: 6, action: 'blackhole' });
    expect(witnessRules(ns(), 6).filter((w) => w.priority === 200 || w.priority === 300)).toEqual(sorted([pick(r!, FIELDS), pick(b!, FIELDS)]));
  });

  it('getRules returns what ip shows, and filters', async () => {
    expect(view(await ipr.getRules())).toEqual(sorted([...witnessRules(ns(), 4), ...witnessRules(ns(), 6)]));
    expect((await ipr.getRules({ family: 6, priority: 200 })).map((r) => r.dst)).toEqual(['2001:db8::/32']);
    expect((await ipr.getRules({ table: 100 })).map((r) => r.priority)).toEqual([100]);
  });

  it('refuses a duplicate with EEXIST, and deletes', async () => {
    const err = await ipr.rule('add', { family: 4, priority: 100, src: '10.0.0.0/24', table: 100 }).catch((e) => e);
    expect(err).toBeInstanceOf(KernelError);
    expect(err.code).toBe('EEXIST');
    expect(await ipr.rule('del', { priority: 100, src: '10.0.0.0/24', table: 100 })).toBeNull();
    expect(await ipr.rule('del', { family: 6, priority: 200 })).toBeNull();
    expect(witnessRules(ns(), 4).some((w) => w.priority === 100)).toBe(false);
    expect(witnessRules(ns(), 6).some((w) => w.priority === 200)).toBe(false);
    const gone = await ipr.rule('del', { priority: 100, src: '10.0.0.0/24', table: 100 }).catch((e) => e);
    expect(gone).toBeInstanceOf(KernelError);
    expect(gone.code).toBe('ENOENT');
  });
});
