/** src/ipdb: the composing layer: the kernel as a DbSource, the IPDB class, the NetNS API. */
export { IPDB, type IPDBOptions } from './ipdb.js';
export { NetNS } from './netns.js';
export { KernelSource, GROUPS_OF, groupsFor, type KernelSourceOptions } from './kernel-source.js';
export { EventQueue, type EventQueueOptions, type EventQueueSink } from './event-queue.js';
export { dumpKind, planDumps, DUMP_CHUNK, DUMP_RETRIES } from './dumps.js';
export { EffectsCheck, triggersRouteFlush, type EffectsCheckOptions } from './effects-check.js';
export { StoreUnavailableError, type AttachStore, type StoreAttachment } from './store-hook.js';
