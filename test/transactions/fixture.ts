/**
 * A small but busy namespace for transaction tests, built in the simulator by a transaction:
 * lo and eth0 (devices), a veth pair v0/v1 with v1 a port of bridge br0, a macvlan on eth0,
 * IPv4 primary and secondary addresses, an IPv6 address, gateway, on-link, prefsrc and multipath
 * routes, a rule and a neighbour; plus the kernel's own prefix and local routes.
 */
import { begin, type TxEnvironment } from '../../src/transactions/transaction.js';
import type { KeyFns } from '../../src/transactions/base.js';
import type { Operation } from '../../src/transactions/ops.js';
import type { OpExecutor, OpResult } from '../../src/transactions/commit.js';
import { device, SimError, World } from './sim.js';

/** Allocates indexes 10, 11, 12, ... (deterministic, unlike the default). */
export function sequential(from = 10): (taken: (i: number) => boolean) => number {
  let next = from;
  return (taken) => {
    while (taken(next)) next++;
    return next++;
  };
}

export function applyAll(w: World, ops: readonly Operation[]): void {
  for (const op of ops) w.apply(op);
}

export function buildWorld(keys?: KeyFns): World {
  const w = new World();
  w.home.links.set(1, device(1, 'lo'));
  w.home.links.set(2, device(2, 'eth0'));
  const tx = begin(w.base(keys), { allocateIndex: sequential(10) });
  tx.interfaces.lo!.addIp('127.0.0.1/8');
  tx.interfaces.eth0!.addIp('192.168.1.10/24');
  tx.interfaces.create({ ifname: 'br0', kind: 'bridge', state: 'up' });
  const v0 = tx.interfaces.create({ ifname: 'v0', kind: 'veth', peer: 'v1', state: 'up', mtu: 1500 });
  const v1 = tx.interfaces.v1!;
  v1.master = 'br0';
  v1.state = 'up';
  tx.interfaces.create({ ifname: 'mv0', kind: 'macvlan', link: 'eth0', info: { mode: 'bridge' }, state: 'up' });
  v0.addIp('10.0.0.1/24');
  v0.addIp('10.0.0.2/24');
  v0.addIp('2001:db8::1/64');
  tx.interfaces.br0!.addIp('10.9.0.1/24');
  tx.interfaces.mv0!.addIp('10.8.0.1/24');
  tx.routes.add({ dst: 'default', gateway: '192.168.1.1', oif: 'eth0' });
  tx.routes.add({ dst: '10.1.0.0/16', gateway: '10.0.0.254', oif: 'v0', priority: 10 });
  tx.routes.add({ dst: '10.2.0.0/16', oif: 'v0', prefsrc: '10.0.0.1' });
  tx.routes.add({ dst: '10.3.0.0/16', multipath: [{ oif: 'v0' }, { oif: 'eth0', weight: 2 }] });
  tx.routes.add({ dst: '10.4.0.0/16', oif: 'br0', table: 100 });
  tx.routes.add({ dst: '2001:db8:1::/48', oif: 'v0' });
  tx.rules.add({ priority: 100, src: '10.0.0.0/24', table: 100 });
  tx.neighbours.add({ ifname: 'v0', dst: '10.0.0.9', lladdr: '02:aa:bb:cc:dd:09' });
  tx.neighbours.add({ ifname: 'br0', dst: '10.9.0.9', lladdr: '02:aa:bb:cc:dd:10' });
  applyAll(w, tx.plan());
  return w;
}

export interface ExecutorScript {
  /** Positions (0-based, within each send) whose operation fails with this error, unapplied. */
  failAt?: ReadonlyMap<number, Error>;
  /** Positions whose answer never comes (applied or not: `applyUnanswered`). */
  silentAt?: ReadonlySet<number>;
  applyUnanswered?: boolean;
  /** Never answers at all. */
  hang?: boolean;
}

/** An executor over the simulator, pipelined like the kernel: every operation is tried. */
export function simExecutor(w: World, script: ExecutorScript = {}, log: Operation[][] = []): OpExecutor {
  let calls = 0;
  return {
    async send(ops) {
      log.push([...ops]);
      const first = calls++ === 0;
      if (script.hang && first) return new Promise<OpResult[]>(() => {});
      return ops.map((op, i): OpResult => {
        const injected = first ? script.failAt?.get(i) : undefined;
        if (injected) return { status: 'error', error: injected };
        if (first && script.silentAt?.has(i)) {
          if (script.applyUnanswered) { try { w.apply(op); } catch { /* unknown to the caller */ } }
          return { status: 'unknown' };
        }
        try {
          w.apply(op);
          return { status: 'ok' };
        } catch (e) {
          if (e instanceof SimError) return { status: 'error', error: Object.assign(new Error(e.message), { code: e.code }) };
          throw e;
        }
      });
    },
  };
}

export function envFor(w: World, extra: TxEnvironment = {}, keys?: KeyFns): TxEnvironment {
  return { allocateIndex: sequential(40), current: () => w.base(keys), ...extra };
}
