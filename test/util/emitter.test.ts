/**
 * Emitter: Subject semantics without rxjs, and a real rxjs Observable on demand.
 */
import { firstValueFrom, map, toArray } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Emitter } from '../../src/util/emitter.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('Emitter', () => {
  it('delivers to the listeners subscribed at the time, in order, and stops on unsubscribe', () => {
    const e = new Emitter<number>();
    const got: string[] = [];
    e.next(0); // nobody listens: dropped, as with a Subject
    const a = e.subscribe((v) => got.push(`a${v}`));
    e.subscribe({ next: (v) => got.push(`b${v}`) });
    expect(e.observed).toBe(true);
    e.next(1);
    a.unsubscribe();
    e.next(2);
    expect(got).toEqual(['a1', 'b1', 'b2']);
  });

  it('lets a listener unsubscribe or subscribe others while a value is delivered', () => {
    const e = new Emitter<number>();
    const got: string[] = [];
    const a = e.subscribe((v) => {
      got.push(`a${v}`);
      a.unsubscribe();
      e.subscribe((w) => got.push(`late${w}`));
    });
    e.subscribe((v) => got.push(`b${v}`));
    e.next(1); // 'late' was not there when 1 started
    e.next(2);
    expect(got).toEqual(['a1', 'b1', 'b2', 'late2']);
  });

  it('completes listeners once, and completes (or errors) late subscribers at once', () => {
    const done = new Emitter<number>();
    const completes: string[] = [];
    done.subscribe({ complete: () => completes.push('early') });
    done.complete();
    done.complete();
    done.next(5);
    done.subscribe({ next: () => completes.push('value!'), complete: () => completes.push('late') });
    expect(completes).toEqual(['early', 'late']);
    expect(done.observed).toBe(false);

    const failed = new Emitter<number>();
    const boom = new Error('boom');
    const errors: unknown[] = [];
    failed.subscribe({ error: (e) => errors.push(e) });
    failed.error(boom);
    failed.subscribe({ error: (e) => errors.push(e) });
    expect(errors).toEqual([boom, boom]);
  });

  it('keeps delivering to the others when one listener throws, and reports the error later', () => {
    vi.useFakeTimers();
    const e = new Emitter<number>();
    const got: number[] = [];
    e.subscribe(() => {
      throw new Error('listener failed');
    });
    e.subscribe((v) => got.push(v));
    e.next(1);
    expect(got).toEqual([1]);
    expect(() => vi.runAllTimers()).toThrow('listener failed');
  });

  it('is an ordinary rxjs Observable through .observable (the same object each time)', async () => {
    const e = new Emitter<number>();
    expect(e.observable).toBe(e.observable);
    const all = firstValueFrom(e.observable.pipe(map((v) => v * 10), toArray()));
    e.next(1);
    e.next(2);
    e.complete();
    expect(await all).toEqual([10, 20]);
    // Unsubscribing through rxjs removes the listener.
    const e2 = new Emitter<number>();
    const sub = e2.observable.subscribe(() => undefined);
    expect(e2.observed).toBe(true);
    sub.unsubscribe();
    expect(e2.observed).toBe(false);
  });
});
