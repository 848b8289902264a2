/**
 * A random UUID (v4) for transaction ids, from the Web Crypto global rather than `node:crypto`:
 * importing `node:crypto` costs 3-4 ms of every process's start-up (measured on Node 20), while
 * `globalThis.crypto` is loaded by Node on first use, i.e. by the first transaction.
 */
export function randomId(): string {
  return globalThis.crypto.randomUUID();
}
