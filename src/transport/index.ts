/**
 * nldb's netlink transport: sockets over koffi for any netlink protocol, requests and dumps
 * matched by sequence number, pipelined batches, notifications and overruns as observables,
 * network namespaces, a hook for recording and mangling, and a scripted fake.
 */
export { NetlinkSocket, type SocketOptions } from './socket.js';
export { FakeTransport, type FakeAnswer, type FakeHandler, type FakeRequestInfo, type FakeTransportOptions } from './fake.js';
export type { BatchBudget, TransportStats } from './ops.js';
export {
  isDumpRestart,
  type BatchOptions, type BatchResult, type DumpItem, type DumpOptions, type DumpRestart, type DumpVisitor, type EchoClaim, type NetlinkRequest,
  type NetlinkTransport, type Notification, type RequestOptions,
} from './transport.js';
export { collectDump } from './dump.js';
export { FramedRequests } from './framed.js';
export {
  DumpInterruptedError, Errno, errnoMessage, errnoName, errnoNumber, KernelError, NetlinkError, OverrunError, TransportError,
  type KernelErrorInit, type OverrunReason, type TransportErrorInit, type TransportFailure,
} from './errors.js';
export { DecodeError } from '../messages/errors.js';
export {
  composeHooks, createRecorder, fileRecorder, parseRecording,
  type HookDecision, type HookKind, type HookMessage, type IncomingContext, type NetlinkHook, type OutgoingContext,
  type RecordedDatagram, type RecorderOptions,
} from './hook.js';
export {
  createNetns, ensurePoolStarted, isPoolStarted, listNetns, NETNS_RUN_DIR, netnsPath, removeNetns, validateNetnsName, withNetns,
  type NetnsRef,
} from './netns.js';
