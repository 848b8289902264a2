/**
 * rxjs, loaded on first use.
 *
 * Why: under Node, `import 'rxjs'` resolves to the package's whole CommonJS bundle (its "node"
 * export condition), 40 to 90 ms of start-up on these machines: a third of what opening a big
 * database costs. Programs that never subscribe (IPRoute, most CLI commands, a database only read)
 * should not pay it. require() through createRequire returns the very module instance an
 * `import 'rxjs'` elsewhere in the process gets (same condition, same file, one module cache), so
 * what is built with it is ordinary rxjs that interoperates with every operator.
 */
import { createRequire } from 'node:module';

export type Rxjs = typeof import('rxjs');

let loaded: Rxjs | undefined;

/** The rxjs module (required on the first call; Node's module cache makes later calls cheap anyway). */
export function rxjs(): Rxjs {
  // A memo, not state: the module cache already holds the one instance.
  loaded ??= createRequire(import.meta.url)('rxjs') as Rxjs;
  return loaded;
}
