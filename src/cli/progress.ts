/**
 * Progress for long work, on a terminal only: one line on stderr, rewritten in place
 * ("loading routes… 40000"), erased when done. When stderr is not a terminal nothing is written,
 * so logs and pipes stay clean. Updates are throttled: a redraw per event would cost more than
 * the work on a 100,000-route load.
 */
import type { OutStream } from './context.js';

export interface Progress {
  update(text: string): void;
  /** Erases the line. */
  done(): void;
}

export function makeProgress(stream: OutStream, opts: { enabled?: boolean; intervalMs?: number; now?: () => number } = {}): Progress {
  const enabled = opts.enabled ?? stream.isTTY === true;
  if (!enabled) return { update: () => {}, done: () => {} };
  const interval = opts.intervalMs ?? 80;
  const now = opts.now ?? Date.now;
  let last = -Infinity;
  let shown = false;
  return {
    update(text) {
      const t = now();
      if (t - last < interval) return;
      last = t;
      const width = (stream.columns ?? 80) - 1;
      stream.write(`\r\x1b[2K${text.length > width ? text.slice(0, width) : text}`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
