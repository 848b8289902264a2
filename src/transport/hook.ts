/**
 * A hook on a transport sees every message sent and every datagram received. Two uses:
 *
 * - recording fixtures: the bytes exactly as the kernel got and gave them (createRecorder);
 * - message mangling in tests: for each outgoing message a callback may forward it (possibly
 *   changed), answer it locally without the kernel, or fail it with an errno, as the kernel would.
 *
 * Outgoing decisions apply per message, also inside a pipelined batch (the other messages of the
 * batch still go to the kernel). Local answers do not pass through `incoming`: it sees only what
 * the kernel sent. A throwing `incoming` is ignored (a recorder must never break a socket); a
 * throwing `outgoing` fails that message with TransportError 'hook'.
 */
import { appendFileSync } from 'node:fs';
import { DecodeError } from '../messages/errors.js';
import type { RawMessage } from '../messages/nlmsg.js';
import type { NetlinkRequest } from './transport.js';

export type HookKind = 'request' | 'dump' | 'batch';

export interface OutgoingContext {
  readonly protocol: number;
  readonly portId: number;
  /** Which call the message belongs to. */
  readonly kind: HookKind;
  /** The whole message as it would go on the wire, header included. */
  readonly bytes: Buffer;
}

export interface IncomingContext {
  readonly protocol: number;
  readonly portId: number;
  /** The multicast group the datagram was sent to; 0 for unicast (replies, ACKs). */
  readonly group: number;
  /** The whole datagram. */
  readonly bytes: Buffer;
}

/** A message a hook answers with; the transport fills in seq and port id. */
export interface HookMessage {
  type: number;
  flags?: number;
  payload: Uint8Array;
}

export type HookDecision =
  /** Send it to the kernel; `replace` changes type, flags or payload first (seq is kept). */
  | { action: 'forward'; replace?: Partial<NetlinkRequest> }
  /**
   * Do not send it; answer with these messages, as if the kernel had: a request resolves with
   * them (the ACK is implied), a dump yields them as one batch and ends.
   */
  | { action: 'reply'; messages: HookMessage[] }
  /** Do not send it; fail it with a KernelError of this errno (and ext-ack message/offset). */
  | { action: 'fail'; errno: number; message?: string; offset?: number };

export interface NetlinkHook {
  /** Called for each message about to be sent; returning nothing means forward. */
  outgoing?(msg: RawMessage, ctx: OutgoingContext): HookDecision | void;
  /** Called for each datagram received from the kernel, with its messages. */
  incoming?(msgs: readonly RawMessage[], ctx: IncomingContext): void;
}

/**
 * Chains hooks: every `incoming` is called in order; for `outgoing`, the first hook that does
 * not simply forward decides (a forward with `replace` also ends the chain).
 */
export function composeHooks(...hooks: NetlinkHook[]): NetlinkHook {
  return {
    outgoing(msg, ctx) {
      for (const h of hooks) {
        const d = h.outgoing?.(msg, ctx);
        if (d && (d.action !== 'forward' || d.replace)) return d;
      }
      return undefined;
    },
    incoming(msgs, ctx) {
      for (const h of hooks) {
        try { h.incoming?.(msgs, ctx); } catch { /* one hook's failure must not starve the next */ }
      }
    },
  };
}

// ---- the recorder ----------------------------------------------------------------------------

/** One line of a recording. */
export interface RecordedDatagram {
  time: string;
  direction: 'send' | 'recv';
  protocol: number;
  /** Multicast group of a received datagram; 0 for unicast and for everything sent. */
  group: number;
  bytes: Buffer;
}

export interface RecorderOptions {
  /** The clock for timestamps (tests pass a fixed one). */
  now?: () => Date;
}

/**
 * A hook that writes each message sent and each datagram received as one line:
 *
 *     2025-11-22T04:40:00.123Z send 0 0 2000000012000503...
 *     <ISO time>               <dir> <protocol> <group> <hex bytes>
 *
 * Sent messages are recorded one per line as the kernel would see them (before a later hook in a
 * composeHooks chain changes them); received datagrams whole, as they came.
 */
export function createRecorder(write: (line: string) => void, opts: RecorderOptions = {}): NetlinkHook {
  const now = opts.now ?? (() => new Date());
  const line = (d: Omit<RecordedDatagram, 'time'>): string =>
    `${now().toISOString()} ${d.direction} ${d.protocol} ${d.group} ${d.bytes.toString('hex')}`;
  return {
    outgoing(_msg, ctx) {
      write(line({ direction: 'send', protocol: ctx.protocol, group: 0, bytes: ctx.bytes }));
      return undefined;
    },
    incoming(_msgs, ctx) {
      write(line({ direction: 'recv', protocol: ctx.protocol, group: ctx.group, bytes: ctx.bytes }));
    },
  };
}

/** A recorder appending lines to a file (synchronously: no thread-pool work, order kept). */
export function fileRecorder(path: string, opts: RecorderOptions = {}): NetlinkHook {
  return createRecorder((l) => appendFileSync(path, l + '\n'), opts);
}

/** Reads a recording back (DecodeError on a bad line); blank lines and lines starting with '#' are skipped. */
export function parseRecording(text: string): RecordedDatagram[] {
  const out: RecordedDatagram[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const l = raw.trim();
    if (l === '' || l.startsWith('#')) continue;
    const parts = l.split(' ');
    const [time, direction, protocol, group, hex] = parts;
    if (parts.length !== 5 || (direction !== 'send' && direction !== 'recv') || hex === undefined || !/^([0-9a-f]{2})*$/.test(hex)) {
      throw new DecodeError(`recording line ${i + 1} is not "<time> <send|recv> <protocol> <group> <hex>"`, { path: ['recording', `line ${i + 1}`] });
    }
    out.push({ time: time!, direction, protocol: Number(protocol), group: Number(group), bytes: Buffer.from(hex, 'hex') });
  }
  return out;
}
