/**
 * Timing behaviour of the observable helpers, on a virtual clock (RxJS TestScheduler marbles):
 * waitFor (behind Database.wait) and Collection.watch.
 */
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { Collection } from '../../src/db/collection.js';
import { DbClosedError, DbTimeoutError } from '../../src/db/errors.js';
import { waitFor } from '../../src/db/observe.js';
import { reduce } from '../../src/db/reducer.js';
import { DbState } from '../../src/db/state.js';
import { emptySnapshot } from '../../src/db/table.js';
import type { DbEvent } from '../../src/db/types.js';
import { iface, nu, route4 } from './fixtures.js';

function states(...steps: DbEvent[][]): [DbState, DbState, DbState, DbState] {
  let s = emptySnapshot();
  return steps.map((events) => new DbState((s = reduce(s, events, 'kernel').snapshot))) as [DbState, DbState, DbState, DbState];
}

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('waitFor', () => {
  const [a, b, c] = states([nu('interface', iface(2, 'eth0'))], [nu('route', route4('10.0.0.0/8'))], [nu('interface', iface(3, 'eth1'))]);

  it('emits at once when the current state satisfies the predicate', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const s$ = cold('a-b-c', { a, b, c });
      expectObservable(waitFor(s$, (s) => s.interfaces.get('eth0'))).toBe('(x|)', { x: a.interfaces.get('eth0') });
    });
  });

  it('emits the predicate\'s value from the first state that satisfies it, then completes', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const s$ = cold('a-b-c', { a, b, c });
      expectObservable(waitFor(s$, (s) => s.interfaces.get('eth1'), { timeout: 10 })).toBe('----(x|)', { x: c.interfaces.get('eth1') });
    });
  });

  it('emits the state itself for a boolean predicate', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const s$ = cold('a-b-c', { a, b, c });
      expectObservable(waitFor(s$, (s) => s.routes.size > 0)).toBe('--(x|)', { x: b });
    });
  });

  it('errors with DbTimeoutError when the deadline passes first', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const s$ = cold('a-b-c', { a, b, c });
      expectObservable(waitFor(s$, (s) => s.interfaces.get('eth1'), { timeout: 3 })).toBe('---#', undefined, new DbTimeoutError(3));
    });
  });

  it('errors with DbClosedError when the states end first', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const s$ = cold('a-b|', { a, b });
      expectObservable(waitFor(s$, (s) => s.interfaces.get('eth1'))).toBe('---#', undefined, new DbClosedError('database closed before the condition was met'));
    });
  });
});

describe('Collection.watch', () => {
  it('emits when the watched record becomes another object, not on unrelated updates', () => {
    const [a, b, c, d] = states(
      [nu('interface', iface(2, 'eth0'))],
      [nu('route', route4('10.0.0.0/8'))], // unrelated
      [nu('interface', iface(2, 'eth0', { mtu: 9000 }))],
      [nu('interface', iface(2, 'eth0', { mtu: 9000 }))], // re-announced: the same state object
    );
    scheduler().run(({ cold, expectObservable }) => {
      const tables$ = cold('a-b-c-d', { a: a.snapshot.tables.interface, b: b.snapshot.tables.interface, c: c.snapshot.tables.interface, d: d.snapshot.tables.interface });
      const coll = new Collection('interface', () => a.snapshot.tables.interface, () => tables$);
      expectObservable(coll.watch('eth0')).toBe('a---c--', { a: a.interfaces.get(2), c: c.interfaces.get(2) });
    });
  });

  it('emits undefined while nothing answers to the name', () => {
    const [a, b] = states([nu('interface', iface(2, 'eth0'))], [nu('interface', iface(2, 'wan0'))]);
    scheduler().run(({ cold, expectObservable }) => {
      const tables$ = cold('a-b', { a: a.snapshot.tables.interface, b: b.snapshot.tables.interface });
      const coll = new Collection('interface', () => a.snapshot.tables.interface, () => tables$);
      expectObservable(coll.watch('eth0')).toBe('a-b', { a: a.interfaces.get(2), b: undefined });
    });
  });
});
