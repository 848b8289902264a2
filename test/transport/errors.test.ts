/** The transport's error classes and errno table. */
import { describe, expect, it } from 'vitest';
import {
  DecodeError, DumpInterruptedError, errnoMessage, errnoName, errnoNumber, KernelError, NetlinkError, OverrunError, TransportError,
} from '../../src/transport/index.js';

describe('errno table (x86_64 Linux)', () => {
  it('maps numbers to names and messages, and back', () => {
    expect([errnoName(17), errnoMessage(17)]).toEqual(['EEXIST', 'File exists']);
    expect([errnoName(19), errnoName(95), errnoName(105), errnoName(11)]).toEqual(['ENODEV', 'EOPNOTSUPP', 'ENOBUFS', 'EAGAIN']);
    expect(errnoName(524)).toBe('ENOTSUPP');
    expect(errnoNumber('EWOULDBLOCK')).toBe(11);
    expect(errnoNumber('ENOTSUP')).toBe(95);
    expect(errnoNumber('EEXIST')).toBe(17);
    expect(errnoNumber('ENOPE')).toBeUndefined();
    expect([errnoName(4242), errnoMessage(4242)]).toEqual(['E4242', 'Unknown error 4242']);
    for (let n = 1; n <= 133; n++) {
      if (n === 41 || n === 58) continue; // unassigned on Linux
      expect(errnoNumber(errnoName(n)), `errno ${n}`).toBe(n);
    }
  });
});

describe('error classes', () => {
  it('KernelError: errno, name, ext-ack, request, and an operation label that rewrites the message', () => {
    const e = new KernelError({ errno: 19, extAck: { message: 'Device not found', offset: 20 }, requestType: 20, seq: 7, portId: 99 });
    expect(e).toBeInstanceOf(NetlinkError);
    expect(e).toBeInstanceOf(Error);
    expect([e.name, e.code, e.kernelMessage, e.retryable, e.local]).toEqual(['KernelError', 'ENODEV', 'Device not found', false, false]);
    expect(e.message).toBe('netlink request type 20 seq 7: ENODEV (No such device): Device not found [at byte 20]');
    e.operation = 'add address 10.0.0.1/24 to eth9';
    expect(e.message).toBe('add address 10.0.0.1/24 to eth9: ENODEV (No such device): Device not found [at byte 20]');
    expect(new KernelError({ errno: 1, requestType: 16, seq: 1 }).message).toBe('netlink request type 16 seq 1: EPERM (Operation not permitted)');
  });

  it('TransportError keeps syscall, errno and cause', () => {
    const cause = new Error('underlying');
    const e = new TransportError({ syscall: 'send', reason: 'syscall', errno: 90, detail: '9 MB', cause });
    expect([e.name, e.syscall, e.code, e.reason, e.cause]).toEqual(['TransportError', 'send', 'EMSGSIZE', 'syscall', cause]);
    expect(e.message).toBe('send failed: EMSGSIZE (Message too long) (9 MB)');
    expect(TransportError.fromErrno('bind', 98).message).toBe('bind failed: EADDRINUSE (Address already in use)');
    expect(new TransportError({ syscall: 'request', reason: 'timeout' }).message).toBe('request: timeout');
  });

  it('DumpInterruptedError and OverrunError are retryable', () => {
    const d = new DumpInterruptedError({ requestType: 18, seq: 3, attempts: 6 });
    expect([d.retryable, d.attempts, d.requestType]).toEqual([true, 6, 18]);
    const o = new OverrunError({ reason: 'enobufs', lostRequests: 2 });
    expect([o.retryable, o.reason, o.lostRequests, o.seq]).toEqual([true, 'enobufs', 2, undefined]);
    expect(new OverrunError({ reason: 'enobufs', seq: 5, requestType: 20 }).message).toMatch(/seq 5 was lost, its outcome is unknown/);
    expect(new DecodeError('x')).not.toBeInstanceOf(NetlinkError);
  });
});
