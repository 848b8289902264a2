/** Transactions: drafts, plans with inverses, conflicts, the journal, and committing. */
export { baseFromArrays, baseToArrays, keyOf, type KeyFns, type TxBase, type TxTable, type TxLookups, type SnapshotArrays } from './base.js';
export {
  describe, describeOne, review, undoSequence, retryLater, UNDO_TOLERATE, LINK_SET_FIELDS, KIND_RANK,
  type Operation, type Intent, type OpRole, type LinkCreateSpec, type LinkSetSpec, type LinkDeleteSpec, type LinkSetField,
} from './ops.js';
export { plan, forwardOps, type PlanOptions } from './plan.js';
export { withInverses, rollbackOps } from './inverse.js';
export { baseFromSnapshot } from './db-base.js';
export { sideEffects, applyOp, type Victim } from './effects.js';
export { TxState } from './state.js';
export { detectConflicts } from './conflicts.js';
export { emptyEdits, type TxEdits, type KeyedEdit, type CreatedLink } from './edits.js';
export {
  TxDraft, type InterfaceDraft, type InterfacesDraft, type AddressesDraft, type RoutesDraft, type RulesDraft,
  type NeighboursDraft, type DraftOptions,
} from './draft.js';
export { Journal, recoveryPlan, JOURNAL_MIGRATIONS, JOURNAL_COMPONENT, type UnfinishedTx, type JournalOp, type JournalOutcome } from './journal.js';
export {
  commitPlan, DEFAULT_TIMEOUT, type OpExecutor, type OpResult, type SendContext, type ConfirmFn, type CommitOptions,
  type CommitDeps, type CommitReport, type VerifyContext,
} from './commit.js';
export { Transaction, begin, runTransaction, type TxEnvironment, type TxStatus, type TxCommitOptions } from './transaction.js';
export {
  ValidationError, ConflictError, CommitError, DeadlineError, errnoName, describeConflict,
  type Conflict, type OpFailure, type CommitPhase,
} from './errors.js';
// ---- wiring to the kernel and the database --------------------------------------------------
export { sendUndo } from './commit.js';
export { KernelExecutor, type KernelExecutorOptions } from './kernel-executor.js';
export { encodeLinkCreate, prepareOp, changeOf, addressSpec, routeSpec, ruleSpec, neighbourSpec, type PreparedOp } from './encode-op.js';
export { databaseConfirm, expectations, holds, targetOf, type Expectation, type ConfirmView, type ConfirmOptions } from './confirm.js';
export { recoverUnfinished, type RecoveredTx, type RecoveryOptions, type ScopedExecutor } from './recovery.js';
export { Freezer, type FreezeHost, type FreezeOptions } from './freeze.js';
export { gatewayLink, isConnected, type OnLinkView } from './onlink.js';
