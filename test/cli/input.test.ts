/**
 * The decode command's input side, in-process: strace's value syntax, C-string escapes, whole
 * strace lines (rebuilt from their arguments, or taken from hex dumps), plain hex, and the
 * tolerant splitting into messages. Real kernel bytes come from the capture fixtures.
 */
import { describe, expect, it } from 'vitest';
import { decodeBytes, decodeDatagrams } from '../../src/cli/decode/decode.js';
import { detectFormat, readDatagrams } from '../../src/cli/decode/input.js';
import { rebuild } from '../../src/cli/decode/rebuild.js';
import { parseCall, parseStraceValue, unescapeC } from '../../src/cli/decode/strace-value.js';
import { Registry } from '../../src/messages/index.js';
import { fixture } from './run.js';
import { straceDump, straceOctal, straceX } from './strace-format.js';

const linkVeth = fixture('link-veth');
const received = linkVeth.messages.filter((m) => m.dir === 'received').map((m) => Buffer.from(m.hex, 'hex'));
const sent = linkVeth.messages.filter((m) => m.dir === 'sent').map((m) => Buffer.from(m.hex, 'hex'));

describe('C string escapes', () => {
  it('reads \\x, octal, named escapes and printable bytes', () => {
    expect([...unescapeC('\\x1c\\x00ab\\0\\37\\177\\n\\t\\"\\\\')]).toEqual([0x1c, 0, 0x61, 0x62, 0, 31, 127, 10, 9, 0x22, 0x5c]);
    // strace pads octal to three digits before a digit: "\0001" is NUL then '1'.
    expect([...unescapeC('\\0001')]).toEqual([0, 0x31]);
  });

  it('inverts both of strace escaping styles on real kernel bytes', () => {
    for (const b of received) {
      expect(unescapeC(straceX(b)).equals(b)).toBe(true);
      expect(unescapeC(straceOctal(b)).equals(b)).toBe(true);
    }
  });
});

describe('strace value syntax', () => {
  it('parses structs, arrays, strings, truncation marks, comments and calls', () => {
    const v = parseStraceValue('[{nlmsg_len=52, nlmsg_type=0x10 /* NLMSG_??? */, nlmsg_flags=NLM_F_REQUEST|0x300, idx=if_nametoindex("v0")}, "ab"...]');
    expect(v).toEqual({
      kind: 'array',
      items: [
        { kind: 'struct', entries: [
          { key: 'nlmsg_len', value: { kind: 'atom', text: '52' } },
          { key: 'nlmsg_type', value: { kind: 'atom', text: '0x10' } },
          { key: 'nlmsg_flags', value: { kind: 'atom', text: 'NLM_F_REQUEST|0x300' } },
          { key: 'idx', value: { kind: 'atom', text: 'if_nametoindex("v0")' } },
        ] },
        { kind: 'string', bytes: Buffer.from('ab'), truncated: true },
      ],
    });
  });

  it('parses a call with its return value', () => {
    const c = parseCall('sendto(3, "\\x01", 1, 0, NULL, 0) = 1', 42);
    expect(c.name).toBe('sendto');
    expect(c.pid).toBe(42);
    expect(c.args).toHaveLength(6);
    expect(c.ret).toBe('1');
  });
});

describe('rebuilding bytes from strace\'s rendering', () => {
  it('puts header and payload back together exactly, for every received datagram', () => {
    for (const b of received) {
      // Render each message as strace does for a socket whose protocol it cannot see.
      const parts: string[] = [];
      let off = 0;
      while (off + 16 <= b.length) {
        const len = b.readUInt32LE(off);
        const type = b.readUInt16LE(off + 4);
        const hdr = `{nlmsg_len=${len}, nlmsg_type=${type === 3 ? 'NLMSG_DONE' : `0x${type.toString(16)} /* NLMSG_??? */`}, nlmsg_flags=${b.readUInt16LE(off + 6) === 2 ? 'NLM_F_MULTI' : '0'}, nlmsg_seq=${b.readUInt32LE(off + 8)}, nlmsg_pid=${b.readInt32LE(off + 12)}}`;
        const payload = b.subarray(off + 16, off + len);
        parts.push(type === 3 ? `[${hdr}, ${payload.readInt32LE(0)}]` : `[${hdr}, "${straceX(payload)}"]`);
        off += (len + 3) & ~3;
      }
      const text = parts.length === 1 ? parts[0]! : `[${parts.join(', ')}]`;
      const pieces = rebuild(parseStraceValue(text));
      const bytes = Buffer.concat(pieces.map((p) => (p.kind === 'bytes' ? p.bytes : Buffer.alloc(0))));
      expect(bytes.equals(b)).toBe(true);
    }
  });

  it('rebuilds an error with its echoed request and extended ack', () => {
    const fx = fixture('error-gateway');
    const err = Buffer.from(fx.messages.find((m) => m.dir === 'received')!.hex, 'hex');
    const req = err.subarray(20, 20 + err.readUInt32LE(20));
    const extack = err.subarray(20 + ((req.length + 3) & ~3));
    const msgLen = extack.readUInt16LE(0);
    const text = extack.subarray(4, msgLen).toString('latin1').replace(/\0+$/, '');
    const line = `[{nlmsg_len=${err.readUInt32LE(0)}, nlmsg_type=NLMSG_ERROR, nlmsg_flags=NLM_F_ACK_TLVS, nlmsg_seq=${err.readUInt32LE(8)}, nlmsg_pid=${err.readUInt32LE(12)}}, `
      + `[{error=-ENETUNREACH, msg=[{nlmsg_len=${req.length}, nlmsg_type=0x18 /* NLMSG_??? */, nlmsg_flags=NLM_F_REQUEST|NLM_F_ACK|NLM_F_EXCL|NLM_F_CREATE, nlmsg_seq=${req.readUInt32LE(8)}, nlmsg_pid=0}, "${straceX(req.subarray(16))}"]}, `
      + `[{nla_len=${msgLen}, nla_type=NLMSGERR_ATTR_MSG}, "${text}"]]]`;
    const pieces = rebuild(parseStraceValue(line));
    expect(pieces).toHaveLength(1);
    expect(pieces[0]!.kind === 'bytes' && pieces[0]!.bytes.equals(err)).toBe(true);
  });

  it('reports a payload strace decoded itself, keeping the header', () => {
    const pieces = rebuild(parseStraceValue('[{nlmsg_len=32, nlmsg_type=RTM_NEWLINK, nlmsg_flags=NLM_F_REQUEST|NLM_F_ACK, nlmsg_seq=0, nlmsg_pid=0}, {ifi_family=AF_UNSPEC, ifi_type=ARPHRD_NETROM, ifi_index=0, ifi_flags=0, ifi_change=0}]'));
    expect(pieces).toHaveLength(1);
    const p = pieces[0]!;
    expect(p.kind).toBe('opaque');
    if (p.kind === 'opaque') {
      expect(p.header).toEqual({ len: 32, type: 16, flags: 5, seq: 0, pid: 0 });
      expect(p.reason).toMatch(/read=all/);
    }
  });
});

describe('whole inputs', () => {
  it('recognises the formats', () => {
    expect(detectFormat('sendto(3, "\\x00", 1, 0, NULL, 0) = 1')).toBe('strace');
    expect(detectFormat('12345 recvmsg(3, {msg_iov=[]}, 0) = 0')).toBe('strace');
    expect(detectFormat(straceDump(sent[0]!))).toBe('hexdump');
    expect(detectFormat(`"${straceX(sent[0]!)}"`)).toBe('string');
    expect(detectFormat('1c 00 00 00\n10 00')).toBe('hex');
    expect(detectFormat('hello there')).toBeNull();
  });

  it('takes the exact bytes from hex dumps under strace lines, and joins unfinished calls', () => {
    const b = received[1]!;
    const text = [
      'socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE) = 3',
      '[pid  7] recvmsg(3,  <unfinished ...>',
      '[pid  8] --- SIGCHLD {si_signo=SIGCHLD} ---',
      `[pid  7] <... recvmsg resumed>{msg_name={sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}, msg_namelen=12, msg_iov=[{iov_base="garbage that the dump overrides", iov_len=32768}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, 0) = ${b.length}`,
      ` * ${b.length} bytes in buffer 0`,
      straceDump(b),
      '[pid  7] +++ exited with 0 +++',
    ].join('\n');
    const d = readDatagrams(text);
    expect(d).toHaveLength(1);
    expect(d[0]!.direction).toBe('received');
    expect(d[0]!.protocol).toBe('NETLINK_ROUTE');
    expect(d[0]!.pieces).toEqual([{ kind: 'bytes', bytes: b, cut: false }]);
  });

  it('skips sockets that are not netlink, failed calls and size peeks', () => {
    const text = [
      'socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 4',
      'sendto(4, "GET / HTTP/1.1\\r\\n", 16, 0, NULL, 0) = 16',
      'socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) = 3',
      'recvmsg(3, {msg_iov=[{iov_base=NULL, iov_len=0}], msg_flags=MSG_TRUNC}, MSG_PEEK|MSG_TRUNC) = 20',
      'recvmsg(3, 0x7ffd, 0) = -1 EAGAIN (Resource temporarily unavailable)',
      `sendto(3, "${straceX(sent[0]!)}", ${sent[0]!.length}, 0, NULL, 0) = ${sent[0]!.length}`,
    ].join('\n');
    const d = readDatagrams(text);
    expect(d).toHaveLength(1);
    expect(d[0]!.direction).toBe('sent');
    expect(d[0]!.pieces).toEqual([{ kind: 'bytes', bytes: sent[0], cut: false }]);
  });

  it('reads plain hex with any spacing, a blank line between datagrams', () => {
    const a = sent[0]!.toString('hex').replace(/(..)/g, '$1 ');
    const b = received[0]!.toString('hex').replace(/(.{32})/g, '$1\n');
    const d = readDatagrams(`${a}\n\n${b}`);
    expect(d.map((x) => x.pieces[0])).toEqual([
      { kind: 'bytes', bytes: sent[0], cut: false },
      { kind: 'bytes', bytes: received[0], cut: false },
    ]);
  });

  it('reads one datagram per quoted string, and per line without quotes', () => {
    const quoted = readDatagrams(`"${straceX(sent[0]!)}"\n"${straceOctal(received[0]!)}"`);
    expect(quoted.map((x) => x.pieces[0])).toEqual([
      { kind: 'bytes', bytes: sent[0], cut: false },
      { kind: 'bytes', bytes: received[0], cut: false },
    ]);
    const bare = readDatagrams(`${[...sent[0]!].map((c) => `\\x${c.toString(16).padStart(2, '0')}`).join('')}\n`);
    expect(bare.map((x) => x.pieces[0])).toEqual([{ kind: 'bytes', bytes: sent[0], cut: false }]);
  });
});

describe('tolerant splitting', () => {
  const registry = Registry.rtnetlink();

  it('decodes every message of a real dump', () => {
    const items = received.flatMap((b) => decodeBytes(b, registry, false));
    expect(items.every((i) => i.kind === 'message')).toBe(true);
    const names = items.flatMap((i) => (i.kind === 'message' ? [(i.message.decoded as { attrs?: { ifname?: string } }).attrs?.ifname] : []));
    expect(names).toEqual(expect.arrayContaining(['lo', 'v0', 'v1']));
  });

  it('says how much is missing when input stops short of a header or of a message', () => {
    const b = received[1]!;
    expect(decodeBytes(b.subarray(0, 12), registry, false)).toEqual([
      expect.objectContaining({ kind: 'problem', offset: 0, problem: 'truncated: 12 bytes left, need 16 for a message header' }),
    ]);
    const len = b.readUInt32LE(0);
    const cut = decodeBytes(b.subarray(0, 40), registry, true);
    expect(cut).toHaveLength(1);
    expect(cut[0]).toMatchObject({ kind: 'broken', problem: expect.stringContaining(`40 bytes left, need ${len}`) });
  });

  it('keeps going after a malformed message and after an unknown type', () => {
    const good = sent.find((b) => b.length > 32)!;
    const bad = Buffer.from(good);
    bad.writeUInt16LE(0xff, 32); // an attribute length past the end of the message
    const unknown = Buffer.from(good);
    unknown.writeUInt16LE(0x99, 4);
    const items = decodeBytes(Buffer.concat([bad, unknown, good]), registry, false);
    expect(items.map((i) => i.kind)).toEqual(['broken', 'message', 'message']);
    expect(items[0]).toMatchObject({ problem: expect.stringMatching(/^cannot decode: /) });
    expect(items[1]).toMatchObject({ message: { typeName: '153', decoded: unknown.subarray(16) } });
  });

  it('counts messages and problems over datagrams', () => {
    const s = decodeDatagrams([
      { label: 'a', direction: null, protocol: null, pieces: [{ kind: 'bytes', bytes: received[0]!, cut: false }] },
      { label: 'b', direction: null, protocol: null, pieces: [{ kind: 'bytes', bytes: received[1]!.subarray(0, 10), cut: false }] },
    ]);
    expect(s.messages).toBe(decodeBytes(received[0]!, registry, false).length);
    expect(s.problems).toBe(1);
  });
});
