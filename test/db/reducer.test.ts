/**
 * The reducer, fed event streams written to match what the kernel sends for a sequence of `ip`
 * commands (as `ip monitor` shows it; IPv6 autoconfiguration left out for brevity).
 */
import { describe, expect, it } from 'vitest';
import { routeKey } from '../../src/db/keys.js';
import { reduce } from '../../src/db/reducer.js';
import { DbState } from '../../src/db/state.js';
import { emptySnapshot } from '../../src/db/table.js';
import type { DbSnapshot } from '../../src/db/types.js';
import type { InterfaceRecord } from '../../src/iproute/records.js';
import { addr4, del, fresh, iface, neigh, nu, route4, rule } from './fixtures.js';
import { asMaps, replay, summary } from './helpers.js';

const V0 = 2;
const V1 = 3;
const local = () => route4('10.0.0.1/32', { table: 255, type: 'local', scope: 'host', protocol: 'kernel', prefsrc: '10.0.0.1', oif: V0 });
const prefix = () => route4('10.0.0.0/24', { protocol: 'kernel', scope: 'link', prefsrc: '10.0.0.1', oif: V0 });
const bcast = () => route4('10.0.0.255/32', { table: 255, type: 'broadcast', scope: 'link', protocol: 'kernel', prefsrc: '10.0.0.1', oif: V0 });

/**
 * ip link add v0 type veth peer name v1
 * ip addr add 10.0.0.1/24 dev v0        (the local route is added even while v0 is down)
 * ip link set v0 up; ip link set v1 up  (fib_add_ifaddr adds the prefix and broadcast routes)
 */
function bringUp(): DbSnapshot {
  const events = [
    nu('interface', iface(V1, 'v1', { state: 'down', operstate: 'DOWN', link: V0 })),
    nu('interface', iface(V0, 'v0', { state: 'down', operstate: 'DOWN', link: V1 })),
    nu('address', addr4(V0, '10.0.0.1/24', { broadcast: '10.0.0.255', label: 'v0' })),
    nu('route', local()),
    nu('interface', iface(V0, 'v0', { state: 'up', operstate: 'LOWERLAYERDOWN', link: V1 })),
    nu('route', prefix()),
    nu('route', bcast()),
    nu('interface', iface(V1, 'v1', { state: 'up', operstate: 'UP', link: V0 })),
    nu('interface', iface(V0, 'v0', { state: 'up', operstate: 'UP', link: V1 })),
  ];
  const r = reduce(emptySnapshot(), events, 'kernel');
  expect(summary(r.changes)).toEqual([
    'add interface', 'add interface', 'add address', 'add route', 'change interface',
    'add route', 'add route', 'change interface', 'change interface',
  ]);
  return r.snapshot;
}

describe('reducer on recorded streams', () => {
  it('builds the state of a veth pair with an address', () => {
    const s = new DbState(bringUp());
    expect(s.interfaces.size).toBe(2);
    expect(s.interfaces.get('v0')?.operstate).toBe('UP');
    expect(s.addresses.get('10.0.0.1/24')?.index).toBe(V0);
    expect(s.routes.size).toBe(3);
    expect(s.routes.get('10.0.0.0/24')?.prefsrc).toBe('10.0.0.1');
  });

  it('ip link set v0 down: the kernel sends only RTM_NEWLINK; the link routes vanish, the local one stays', () => {
    const before = bringUp();
    const r = reduce(before, [nu('interface', iface(V0, 'v0', { state: 'down', operstate: 'DOWN', link: V1 }))], 'kernel');
    expect(summary(r.changes)).toEqual(['remove route (link-down)', 'remove route (link-down)', 'change interface']);
    const s = new DbState(r.snapshot);
    expect(s.routes.toArray().map((x) => x.type)).toEqual(['local']);
    expect(s.addresses.size).toBe(1); // IPv4 addresses stay on a down link
  });

  it('ip link del v0: addresses, routes, neighbours and both links go; late notifications are no-ops', () => {
    const base = reduce(bringUp(), [nu('neighbour', neigh(V0, '10.0.0.2')), nu('rule', rule(100, { table: 100 }))], 'kernel').snapshot;
    const events = [
      // unregister: NETDEV_DOWN first (IPv4 flushes silently), then the address goes (announced),
      // then fib_del_ifaddr's own RTM_DELROUTE for the local route, then the links.
      nu('interface', iface(V0, 'v0', { state: 'down', operstate: 'DOWN', link: V1 })),
      del('address', addr4(V0, '10.0.0.1/24', { broadcast: '10.0.0.255', label: 'v0' })),
      del('route', local()),
      del('neighbour', neigh(V0, '10.0.0.2')),
      del('interface', iface(V0, 'v0', { state: 'down', operstate: 'DOWN', link: V1 })),
      del('interface', iface(V1, 'v1', { state: 'down', operstate: 'DOWN', link: V0 })),
    ];
    const r = reduce(base, events, 'kernel');
    expect(summary(r.changes)).toEqual([
      'remove route (link-down)', 'remove route (link-down)', 'remove neighbour (link-down)', 'change interface',
      'remove address',
      'remove route (last-ipv4-address-removed)',
      'remove interface', 'remove interface',
    ]);
    const s = new DbState(r.snapshot);
    expect([s.interfaces.size, s.addresses.size, s.routes.size, s.neighbours.size, s.rules.size]).toEqual([0, 0, 0, 0, 1]);
  });

  it('a re-announced object with identical fields is no change, and the snapshot stays the same object', () => {
    const before = bringUp();
    const again = [nu('interface', iface(V0, 'v0', { state: 'up', operstate: 'UP', link: V1 })), nu('route', prefix()), nu('address', addr4(V0, '10.0.0.1/24', { broadcast: '10.0.0.255', label: 'v0' }))];
    const r = reduce(before, again, 'kernel');
    expect(r.changes).toEqual([]);
    expect(r.snapshot).toBe(before);
  });

  it('a real change is reported once, with the fields that changed; unchanged records keep their identity', () => {
    const before = bringUp();
    const v1Before = new DbState(before).interfaces.get(V1);
    const r = reduce(before, [nu('interface', iface(V0, 'v0', { state: 'up', operstate: 'UP', link: V1, mtu: 9000 })), nu('interface', iface(V0, 'v0', { state: 'up', operstate: 'UP', link: V1, mtu: 9000 }))], 'kernel');
    expect(r.changes).toHaveLength(1);
    expect(r.changes[0]).toMatchObject({ op: 'change', kind: 'interface', key: String(V0), fields: ['mtu'], origin: 'kernel' });
    expect((r.changes[0]!.before as InterfaceRecord).mtu).toBe(1500);
    expect(new DbState(r.snapshot).interfaces.get(V1)).toBe(v1Before);
    expect(r.snapshot.tables.route).toBe(before.tables.route);
  });

  it('a delete for something never seen is a no-op', () => {
    const before = bringUp();
    const r = reduce(before, [del('route', route4('192.168.0.0/16', { oif: V0 })), del('neighbour', neigh(V0, '10.0.0.77')), del('rule', rule(5))], 'kernel');
    expect(r.changes).toEqual([]);
    expect(r.snapshot).toBe(before);
  });

  it('a route that comes and goes within one batch is reported twice and leaves the snapshot as it was', () => {
    const before = bringUp();
    const x = route4('172.16.0.0/12', { oif: V0, gateway: '10.0.0.2' });
    const r = reduce(before, [nu('route', x), del('route', fresh(x))], 'kernel');
    expect(summary(r.changes)).toEqual(['add route', 'remove route']);
    expect(r.snapshot).toBe(before);
  });

  it('replaying the changes over the old snapshot gives the new one', () => {
    const before = bringUp();
    const events = [
      nu('interface', iface(V0, 'v0', { state: 'down', operstate: 'DOWN', link: V1 })),
      nu('route', route4('10.5.0.0/16', { oif: V1, gateway: '10.0.0.9', priority: 10 })),
      nu('interface', iface(V0, 'v0', { state: 'up', operstate: 'UP', link: V1 })),
      nu('route', prefix()),
      nu('neighbour', neigh(V1, '10.0.0.9')),
      del('interface', iface(V1, 'v1', { state: 'up', operstate: 'UP', link: V0 })),
    ];
    const r = reduce(before, events, 'kernel');
    expect(replay(before, r.changes)).toEqual(asMaps(r.snapshot));
  });

  it('an event may carry its own origin (the echo of our own commit)', () => {
    const r = reduce(bringUp(), [nu('route', route4('10.7.0.0/16', { oif: V0 }), { origin: 'commit' }), nu('rule', rule(10))], 'kernel');
    expect(r.changes.map((c) => c.origin)).toEqual(['commit', 'kernel']);
  });

  it('stored records are frozen', () => {
    const s = new DbState(bringUp());
    const r = s.routes.get('10.0.0.0/24')!;
    expect(Object.isFrozen(r)).toBe(true);
    expect(() => {
      (r as { oif: number | null }).oif = 9;
    }).toThrow();
    expect(Object.isFrozen(s.snapshot.tables.route.shards)).toBe(true);
  });

  it('the key in a change is the identity key of its record', () => {
    const r = reduce(emptySnapshot(), [nu('route', prefix())], 'kernel');
    expect(r.changes[0]!.key).toBe(routeKey(prefix()));
  });
});
