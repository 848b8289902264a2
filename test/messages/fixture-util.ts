/** Loads the captured kernel fixtures (test/fixtures/*.json, made by test/fixtures/capture.sh). */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitMessages, type RawMessage } from '../../src/messages/index.js';

export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export interface Fixture {
  name: string;
  command: string;
  setup: string[];
  capturedWith: string;
  kernel: string;
  messages: { dir: 'sent' | 'received'; fd: number; protocol: string; hex: string }[];
}

export function fixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

export function loadFixture(name: string): Fixture {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, `${name}.json`), 'utf8')) as Fixture;
}

export interface FixtureMessage extends RawMessage {
  dir: 'sent' | 'received';
  protocol: string;
}

/** Every netlink message of a fixture, datagrams split, in capture order. */
export function fixtureMessages(fx: Fixture, dir?: 'sent' | 'received'): FixtureMessage[] {
  const out: FixtureMessage[] = [];
  for (const d of fx.messages) {
    if (dir && d.dir !== dir) continue;
    let buf = Buffer.from(d.hex, 'hex');
    // ip sends some requests from a fixed-size buffer: zeros after the last message, which
    // the kernel ignores (netlink_rcv_skb stops at an nlmsg_len below the header size).
    if (d.dir === 'sent') buf = buf.subarray(0, usedLength(buf));
    for (const m of splitMessages(buf)) out.push({ ...m, dir: d.dir, protocol: d.protocol });
  }
  return out;
}

function usedLength(buf: Buffer): number {
  let off = 0;
  while (off + 16 <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len < 16 || off + len > buf.length) break;
    off += (len + 3) & ~3;
  }
  return Math.min(off, buf.length);
}

/** The decoded messages of one family (by its nlmsg types) in a fixture. */
export function decodedOf<T>(name: string, family: { types: Readonly<Record<string, number>>; decode(p: Buffer): T }, dir: 'sent' | 'received' = 'received'): T[] {
  const types = new Set(Object.values(family.types));
  return fixtureMessages(loadFixture(name), dir).filter((m) => types.has(m.type)).map((m) => family.decode(m.payload));
}
