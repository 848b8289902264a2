/**
 * Address text: strict parsing, and printing exactly as glibc's inet_ntop (the witness here is
 * Python's socket.inet_ntop, which calls it), so records equal what `ip -j` prints.
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIPv6, parseIPv4, parseIPv6, parseIp } from '../../src/iproute/validate/ip.js';

describe('parseIPv4', () => {
  it('accepts dotted quads', () => {
    expect(Array.from(parseIPv4('10.0.0.1')!)).toEqual([10, 0, 0, 1]);
    expect(Array.from(parseIPv4('255.255.255.255')!)).toEqual([255, 255, 255, 255]);
    expect(Array.from(parseIPv4('0.0.0.0')!)).toEqual([0, 0, 0, 0]);
  });
  it.each(['10.0.0.256', '10.0.0', '10.0.0.1.2', '010.0.0.1', '10.0.0.01', '1e1.0.0.1', ' 10.0.0.1', '10.0.0.1 ', '10..0.1', '', '0x10.0.0.1', '+1.0.0.1', '10.0.0.1/24'])(
    'refuses %j', (s) => expect(parseIPv4(s)).toBeNull());
});

describe('parseIPv6', () => {
  it.each([
    ['::', '::'], ['::1', '::1'], ['2001:DB8::1', '2001:db8::1'], ['2001:db8:0:0:0:0:0:1', '2001:db8::1'],
    ['::ffff:10.0.0.1', '::ffff:10.0.0.1'], ['::ffff:a00:1', '::ffff:10.0.0.1'], ['fe80::', 'fe80::'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'], ['1:0:2:0:3:0:4:0', '1:0:2:0:3:0:4:0'], ['1::2:3:4:5:6:7', '1:0:2:3:4:5:6:7'],
    ['0:0:0:0:0:0:1.2.3.4', '::1.2.3.4'], ['64:ff9b::192.0.2.1', '64:ff9b::c000:201'],
  ])('reads %j as %j', (input, canonical) => {
    const ip = parseIp(input);
    expect(ip?.family).toBe(6);
    expect(ip?.text).toBe(canonical);
  });
  it.each([':::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1::2::3', '12345::', 'g::1', 'fe80::1%eth0', '::ffff:10.0.0.256',
    '::1.2.3.4:5', '1:2:3:4:5:6:7::8', ':1::', '1:', '2001:db8::/64', '::ffff:010.0.0.1'])(
    'refuses %j', (s) => expect(parseIPv6(s)).toBeNull());
});

describe('formatIPv6', () => {
  it('prints what glibc inet_ntop prints, and reads back what it printed', () => {
    // Structured samples: zero runs of every length and position, v4-mapped and compatible forms.
    const samples = fc.sample(fc.array(fc.oneof(fc.constant(0), fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }), { numRuns: 400, seed: 42 });
    samples.push([0, 0, 0, 0, 0, 0xffff, 0x0a00, 1], [0, 0, 0, 0, 0, 0, 0x0a00, 1], [0, 0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1, 0]);
    const hex = samples.map((w) => w.map((x) => x.toString(16).padStart(4, '0')).join(''));
    const py = spawnSync('python3', ['-c', 'import sys,socket\nfor l in sys.stdin.read().split():\n print(socket.inet_ntop(socket.AF_INET6, bytes.fromhex(l)))'], { input: hex.join('\n'), encoding: 'utf8' });
    expect(py.status).toBe(0);
    const expected = py.stdout.trim().split('\n');
    hex.forEach((h, i) => {
      const bytes = Uint8Array.from(Buffer.from(h, 'hex'));
      expect(formatIPv6(bytes)).toBe(expected[i]);
      expect(Buffer.from(parseIPv6(expected[i]!)!).toString('hex')).toBe(h);
    });
  });
});
