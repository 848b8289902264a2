/**
 * Small RxJS operators over a stream of states: waiting for a condition. Kept apart from the
 * Database so they can be tested with marbles on a virtual clock.
 */
import type { Observable, SchedulerLike } from 'rxjs';
import { rxjs } from '../util/lazy-rxjs.js';
import { DbClosedError, DbTimeoutError } from './errors.js';
import type { DbState } from './state.js';

export interface WaitOptions {
  /** Milliseconds before rejecting with DbTimeoutError; none by default. */
  timeout?: number;
  /** The clock for the timeout (a TestScheduler in tests). */
  scheduler?: SchedulerLike;
}

/**
 * What a wait yields: the state itself when the predicate returns `true`, otherwise the truthy
 * value it returned (`wait(s => s.interfaces.get('eth0'))` yields the record).
 */
export type Waited<T> = [T] extends [boolean] ? DbState : Exclude<T, false | null | undefined>;

/**
 * The first state (the current one included: `states$` replays it) for which `predicate` returns
 * something truthy, mapped as `Waited` describes; errors with DbTimeoutError after `timeout` ms,
 * with DbClosedError if the states end first.
 */
export function waitFor<T>(states$: Observable<DbState>, predicate: (state: DbState) => T, options: WaitOptions = {}): Observable<Waited<T>> {
  const ms = options.timeout;
  const { asyncScheduler, filter, identity, map, take, throwError, throwIfEmpty, timeout } = rxjs();
  return states$.pipe(
    map((state) => [state, predicate(state)] as const),
    filter(([, v]) => Boolean(v)),
    take(1),
    map(([state, v]) => (v === true ? state : v) as Waited<T>),
    ms === undefined
      ? identity
      : timeout({ first: ms, scheduler: options.scheduler ?? asyncScheduler, with: () => throwError(() => new DbTimeoutError(ms)) }),
    throwIfEmpty(() => new DbClosedError('database closed before the condition was met')),
  );
}
