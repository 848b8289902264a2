/**
 * src/db: the live database core. The public IPDB class composes `Database` with the kernel
 * adapter (a DbSource); everything here is usable, and tested, without a kernel.
 */
export { Database, type DatabaseOptions, type DbUpdate, type OpenOptions } from './database.js';
export { Collection, named, type Named, type Predicate, type Query } from './collection.js';
export { DbState, type Views } from './state.js';
export { DbClosedError, DbSourceError, DbTimeoutError } from './errors.js';
export { compileLoad, type DumpHint, type KindLoad, type KindSelection, type LoadOptions } from './load.js';
export { waitFor, type WaitOptions, type Waited } from './observe.js';
export { reduce, createImmer, type ReduceOptions, type ReduceResult } from './reducer.js';
export { reconcile, Resync, type ReconcileOptions } from './reconcile.js';
export { dumpChunks, type DbSource, type DumpEvent, type DumpResult } from './source.js';
export { emptySnapshot, SHARDS } from './table.js';
export {
  addressKey,
  interfaceKey,
  keyOf,
  neighbourKey,
  nexthopsOf,
  routeKey,
  routeSlot,
  ruleKey,
} from './keys.js';
export {
  KINDS,
  PLURAL,
  type AnyChange,
  type Change,
  type DbEvent,
  type DbSnapshot,
  type Origin,
  type PlainSnapshot,
  type Table,
  type Update,
} from './types.js';
