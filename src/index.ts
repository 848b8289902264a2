/**
 * nldb: a live, transactional database of a Linux machine's network state, over netlink.
 *
 *   import { IPDB, NetNS } from 'nldb';
 *   const db = await IPDB.open({ netns: 'blue' });
 *   db.interfaces.eth0?.mtu;
 *   db.changes$.subscribe((c) => console.log(c.op, c.kind, c.key));
 *   db.close();
 *
 * The low-level layers have entry points of their own: 'nldb/messages' (codecs) and
 * 'nldb/transport' (sockets).
 */

// ---- the database and namespaces -------------------------------------------------------------
export { IPDB, type IPDBOptions } from './ipdb/ipdb.js';
export { NetNS } from './ipdb/netns.js';
export { KernelSource, type KernelSourceOptions } from './ipdb/kernel-source.js';
export { EffectsCheck, type EffectsCheckOptions } from './ipdb/effects-check.js';
export { StoreUnavailableError, type AttachStore, type StoreAttachment, type StoreHookOptions } from './ipdb/store-hook.js';

// ---- the database core: states, collections, changes -----------------------------------------
export {
  Database, DbState, Collection, compileLoad, keyOf, interfaceKey, addressKey, routeKey, ruleKey, neighbourKey,
  type DatabaseOptions, type DbUpdate, type OpenOptions, type Views, type Named, type Predicate, type Query,
  type LoadOptions, type KindLoad, type KindSelection, type DumpHint, type WaitOptions, type Waited,
  type DbSource, type DumpResult, type Change, type AnyChange, type Origin, type DbEvent, type DbSnapshot,
  type PlainSnapshot, type Table, type Update,
} from './db/index.js';

// ---- the low-level API and the records -------------------------------------------------------
export { IPRoute, type IPRouteOptions, type BatchOutcome, type MessageByKind } from './iproute/iproute.js';
export type {
  Family, RecordKind, InterfaceRecord, AddressRecord, RouteRecord, RuleRecord, NeighbourRecord, NextHop, RouteEncap, RecordByKind,
  AnyRecord, RecordEvent,
} from './iproute/records.js';
export type {
  IfRef, FamilySpec, PrefixSpec, NetnsSpec, LinkSpec, AddressSpec, RouteSpec, RuleSpec, NeighbourSpec, NextHopSpec, EncapSpec,
  VethPeerSpec, VxlanInfoSpec, MacvlanInfoSpec, BridgeInfoSpec, VlanInfoSpec, LinkOp, AddressOp, RouteOp, RuleOp, NeighbourOp,
} from './iproute/specs.js';
export type { AddressFilter, LinkFilter, NeighbourFilter, RouteFilter, RuleFilter } from './iproute/filters.js';
/** A change request for IPRoute.batch(): (kind, op, spec). Not to be confused with an observed `Change`. */
export type { Change as ChangeRequest } from './iproute/requests.js';
export type { NetnsRef } from './transport/netns.js';

// ---- transactions (db.begin(), db.transaction(), db.interfaces.freeze()) -------------------------
export { Transaction, type TxCommitOptions, type TxStatus } from './transactions/transaction.js';
export type { Operation, Intent } from './transactions/ops.js';
export type { CommitReport, CommitOptions, VerifyContext } from './transactions/commit.js';
export type { InterfaceDraft, InterfacesDraft, AddressesDraft, RoutesDraft, RulesDraft, NeighboursDraft } from './transactions/draft.js';
export type { RecoveredTx } from './transactions/recovery.js';
export type { FreezeApi } from './ipdb/tx.js';

// ---- the store (IPDB.open({ store }): db.history(), db.at(), db.checkpoint(), db.diff(), db.restore(), db.query()) ----
export { openStore, NoStoreError } from './ipdb/store-api.js';
export { isEmptyDiff } from './store/checkpoints.js';
export { RestoreError } from './ipdb/restore.js';
export type {
  Store, NamespaceStore, DiffSide, RestorePlan, CheckpointOptions, StoreOptions, RetentionOptions, RecorderStats, HistoryEntry,
  HistoryFilter, TimeLike, CheckpointInfo, SnapshotDiff, KindDiff, ObjectChange, FieldChange, QueryParams,
} from './store/index.js';
export {
  StoreError, StoreClosedError, StoreWriteError, StoreReadOnlyError, StoreQueryError, CheckpointNotFoundError,
  CheckpointExistsError, HistoryRangeError,
} from './store/errors.js';
export { SchemaError } from './store/migrate.js';

// ---- errors ----------------------------------------------------------------------------------
export { ValidationError, NotFoundError, type ValidationIssue } from './iproute/errors.js';
export {
  NetlinkError, KernelError, TransportError, DumpInterruptedError, OverrunError, Errno, errnoName,
} from './transport/errors.js';
export { DecodeError, EncodeError } from './messages/errors.js';
export { DbTimeoutError, DbClosedError, DbSourceError } from './db/errors.js';
export { CommitError, ConflictError, DeadlineError, type Conflict, type OpFailure, type CommitPhase } from './transactions/errors.js';
