/**
 * An rxjs Subject made on first use: the transport's notifications$ and overrun$.
 *
 * Why lazily, through createRequire: under Node, `import 'rxjs'` resolves to the package's whole
 * CommonJS bundle (its "node" export condition), which takes 40 to 90 ms to load. A program that
 * only dumps or sends requests (IPRoute, a CLI command) never subscribes, and should not pay that
 * at start-up. require() returns the very module instance an `import 'rxjs'` elsewhere in the
 * process gets (same condition, same file, one module cache), so the Observables handed out are
 * ordinary rxjs Observables that interoperate with every operator. Until someone asks for the
 * observable, nobody can be subscribed, and next() drops its value exactly as a Subject without
 * observers would.
 */
import { createRequire } from 'node:module';
import type { Observable, Subject } from 'rxjs';

type Rxjs = typeof import('rxjs');

function loadRxjs(): Rxjs {
  return createRequire(import.meta.url)('rxjs') as Rxjs;
}

export class LazySubject<T> {
  private subject: Subject<T> | undefined;
  private view: Observable<T> | undefined;
  private completed = false;

  /** The observable side (the same object every time); completes at once if complete() came first. */
  get observable(): Observable<T> {
    if (this.view === undefined) {
      const subject = new (loadRxjs().Subject)<T>();
      if (this.completed) subject.complete();
      this.subject = subject;
      this.view = subject.asObservable();
    }
    return this.view;
  }

  next(value: T): void {
    this.subject?.next(value);
  }

  complete(): void {
    this.completed = true;
    this.subject?.complete();
  }
}
