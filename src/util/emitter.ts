/**
 * A hot, multicast stream without rxjs: what rxjs's Subject does for our own producers, and an
 * rxjs Observable of it made only when someone asks (lazy-rxjs.ts says why).
 *
 * The library's internal consumers (the database listening to the kernel source, the source to
 * the transport, the effects check to the changes) subscribe here directly; users get
 * `.observable`, an ordinary rxjs Observable. Semantics follow Subject: values reach the listeners
 * subscribed at the time, in subscription order; after complete() or error() nothing more is
 * delivered, and a late subscriber is completed (or errored) at once.
 */
import type { Observable } from 'rxjs';
import { rxjs } from './lazy-rxjs.js';

export interface Listener<T> {
  next?(value: T): void;
  error?(err: unknown): void;
  complete?(): void;
}

export interface Unsubscribable {
  unsubscribe(): void;
}

/** Anything one can subscribe to with a function or a listener: an Emitter or an rxjs Observable. */
export interface Stream<T> {
  subscribe(listener: Partial<Listener<T>> | ((value: T) => void)): Unsubscribable;
}

type Ended = { error: unknown } | { complete: true };

export class Emitter<T> implements Stream<T> {
  // Replaced, never mutated: next() iterates the array it started with, so listeners may
  // subscribe or unsubscribe from inside a callback (as with Subject).
  private listeners: readonly Listener<T>[] = [];
  private ended: Ended | null = null;
  private view: Observable<T> | undefined;

  /** True while someone listens (Subject.observed). */
  get observed(): boolean {
    return this.listeners.length > 0;
  }

  subscribe(listener: Partial<Listener<T>> | ((value: T) => void)): Unsubscribable {
    const l: Listener<T> = typeof listener === 'function' ? { next: listener } : listener;
    if (this.ended !== null) {
      if ('error' in this.ended) l.error?.(this.ended.error);
      else l.complete?.();
      return { unsubscribe: () => undefined };
    }
    this.listeners = [...this.listeners, l];
    return {
      unsubscribe: () => {
        this.listeners = this.listeners.filter((x) => x !== l);
      },
    };
  }

  next(value: T): void {
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) {
      try {
        ls[i]!.next?.(value);
      } catch (err) {
        // As rxjs does: one listener's failure must not stop the others or the producer.
        reportLater(err);
      }
    }
  }

  error(err: unknown): void {
    if (this.ended !== null) return;
    this.ended = { error: err };
    const ls = this.listeners;
    this.listeners = [];
    for (const l of ls) {
      try {
        l.error?.(err);
      } catch (e) {
        reportLater(e);
      }
    }
  }

  complete(): void {
    if (this.ended !== null) return;
    this.ended = { complete: true };
    const ls = this.listeners;
    this.listeners = [];
    for (const l of ls) {
      try {
        l.complete?.();
      } catch (e) {
        reportLater(e);
      }
    }
  }

  /** This stream as an rxjs Observable (the same object every time; rxjs is loaded on the first call). */
  get observable(): Observable<T> {
    this.view ??= new (rxjs().Observable)<T>((subscriber) => {
      const sub = this.subscribe(subscriber);
      return () => sub.unsubscribe();
    });
    return this.view;
  }
}

/** Throws `err` outside the emitting call stack, where the process reports it (rxjs does the same). */
function reportLater(err: unknown): void {
  setTimeout(() => {
    throw err;
  });
}
