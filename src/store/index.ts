/**
 * src/store: the SQLite store behind `IPDB.open({ store })`: history of every change, `at(time)`,
 * checkpoints with diff and restore plans, and read-only SQL over the current state and the
 * history. The schema is documented in SCHEMA.md.
 */
export { Store, NamespaceStore, DEFAULT_LABEL, type DiffSide, type RestorePlan, type CheckpointOptions } from './store.js';
export type { StoreOptions, RetentionOptions } from './core.js';
export type { Recordable, AttachOptions, RecorderStats } from './recorder.js';
export type { HistoryEntry, HistoryFilter, TimeLike } from './history.js';
export type { CheckpointInfo, SnapshotDiff, KindDiff, ObjectChange, FieldChange } from './checkpoints.js';
export { isEmptyDiff } from './checkpoints.js';
export type { QueryParams } from './query.js';
export {
  StoreError, StoreClosedError, StoreWriteError, StoreReadOnlyError, StoreQueryError, CheckpointNotFoundError,
  CheckpointExistsError, HistoryRangeError,
} from './errors.js';
export { migrate, schemaVersion, SchemaError, type Migration } from './migrate.js';
export { STORE_COMPONENT, STORE_MIGRATIONS } from './schema.js';
export { STATE_TABLES } from './state-tables.js';
