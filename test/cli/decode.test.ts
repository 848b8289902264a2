/**
 * `nldb decode`, the built command as a child process: real kernel bytes captured from `ip`
 * (the fixtures, with the commands that made them), and fresh strace captures of `ip` in a
 * throwaway namespace, in each input form; truncated, malformed and unknown input.
 */
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { ip, ipJson, useNetns } from '../helpers/netns.js';
import { straceDump, straceX } from './strace-format.js';
import { ensureBuilt, fixture, nldb } from './run.js';

beforeAll(() => ensureBuilt());

const hexOf = (name: string): string => fixture(name).messages.map((m) => m.hex).join('\n\n');

interface JsonMessage { typeName?: string; problem?: string; decoded?: any; flagNames?: string[] }
interface JsonDatagram { label: string; messages: JsonMessage[] }

function decodeJson(input: string, ...args: string[]): { code: number | null; datagrams: JsonDatagram[]; stderr: string } {
  const r = nldb(['decode', '--json', ...args], { input });
  return { code: r.code, datagrams: r.stdout ? JSON.parse(r.stdout) : [], stderr: r.stderr };
}

describe('fixtures captured from ip', () => {
  it('shows the links `ip -d link show` was answered with, by friendly and kernel name', () => {
    const fx = fixture('link-veth');
    expect(fx.command).toBe('ip -n $NS -d link show');
    const r = nldb(['decode'], { input: hexOf('link-veth') });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    // The setup: v0/v1 veth pair, alias "first veth", altname veth-zero.
    expect(r.stdout).toContain('RTM_GETLINK (18)');
    expect(r.stdout).toContain('RTM_NEWLINK (16)');
    expect(r.stdout).toContain('ifname (IFLA_IFNAME): "v0"');
    expect(r.stdout).toContain('ifname (IFLA_IFNAME): "v1"');
    expect(r.stdout).toContain('ifalias (IFLA_IFALIAS): "first veth"');
    expect(r.stdout).toContain('altIfname[0] (IFLA_ALT_IFNAME): "veth-zero"');
    expect(r.stdout).toContain('kind (IFLA_INFO_KIND): "veth"');
    expect(r.stdout).toMatch(/flags \(ifi_flags\): 0x[0-9a-f]+ <UP,/);
    expect(r.stdout).toContain('NLMSG_DONE (3)');
    // No colour when piped.
    expect(r.stdout).not.toContain('\x1b[');
  });

  it('shows routes with their gateways, tables and nexthops', () => {
    const r = nldb(['decode'], { input: hexOf('route4') });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('gateway (RTA_GATEWAY): 10.0.0.3');
    expect(r.stdout).toContain('table (RTA_TABLE): 1000');
    expect(r.stdout).toContain('multipath (RTA_MULTIPATH):');
    expect(r.stdout).toContain('hops (rtnh_hops): 2'); // weight 3
    expect(r.stdout).toContain('type (rtm_type): blackhole (6)');
    expect(r.stdout).toContain('mtu (RTAX_MTU): 1400');
  });

  it('shows the kernel\'s error with its errno name and extended-ack message, and the request it refused', () => {
    const fx = fixture('error-gateway');
    expect(fx.command).toContain('route add 10.99.0.0/24 via 10.98.0.1');
    const r = nldb(['decode'], { input: hexOf('error-gateway') });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('NLMSG_ERROR (2)');
    expect(r.stdout).toContain('error: -101 ENETUNREACH (Network is unreachable)');
    expect(r.stdout).toContain('msg (NLMSGERR_ATTR_MSG): "Nexthop has invalid gateway"');
    expect(r.stdout).toContain('dst (RTA_DST): 10.99.0.0');
    expect(r.stdout).toContain('flags REQUEST|ACK|EXCL|CREATE');
  });

  it('decodes generic netlink with --protocol generic', () => {
    const r = nldb(['decode', '--protocol', 'generic'], { input: hexOf('genl-ctrl-get') });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('familyName (CTRL_ATTR_FAMILY_NAME): "nlctrl"');
    expect(r.stdout).toContain('cmd (cmd): getfamily');
  });

  it('decodes every fixture in full', () => {
    for (const name of ['ack', 'addr', 'error-exists', 'link-bridge-af', 'link-kinds', 'link-stats', 'neigh', 'neigh-fdb', 'route6', 'rule4', 'rule6']) {
      const { code, datagrams } = decodeJson(hexOf(name));
      expect(code, name).toBe(0);
      const messages = datagrams.flatMap((d) => d.messages);
      expect(messages.filter((m) => m.problem), name).toEqual([]);
      expect(messages.length, name).toBeGreaterThanOrEqual(fixture(name).messages.length);
    }
  });

  it('gives the same messages whatever form the bytes come in', () => {
    const bufs = fixture('addr').messages.map((m) => Buffer.from(m.hex, 'hex'));
    const asHex = decodeJson(bufs.map((b) => b.toString('hex')).join('\n\n'));
    const asStrings = decodeJson(bufs.map((b) => `"${straceX(b)}"`).join('\n'));
    const asDump = decodeJson(bufs.map((b) => straceDump(b)).join('\n'));
    const strip = (ds: JsonDatagram[]) => ds.map((d) => d.messages);
    expect(asHex.code).toBe(0);
    expect(strip(asStrings.datagrams)).toEqual(strip(asHex.datagrams));
    expect(strip(asDump.datagrams)).toEqual(strip(asHex.datagrams));
    // Bigints (u64 counters) come out as strings, addresses as text.
    const addrs = asHex.datagrams.flatMap((d) => d.messages).filter((m) => m.typeName === 'RTM_NEWADDR').map((m) => m.decoded.attrs.local ?? m.decoded.attrs.address);
    expect(addrs).toEqual(expect.arrayContaining(['10.0.0.1', '10.0.0.5', '10.1.0.1', '2001:db8::1', '10.2.0.1']));
  });

  it('prints bigints as strings in JSON', () => {
    const { datagrams } = decodeJson(hexOf('link-stats'));
    const stats = datagrams.flatMap((d) => d.messages).find((m) => m.decoded?.attrs?.stats64)!.decoded.attrs.stats64;
    expect(typeof stats.rxBytes).toBe('string');
    expect(stats.rxBytes).toMatch(/^\d+$/);
  });
});

describe('bad input is shown, not thrown', () => {
  const one = Buffer.from(fixture('link-veth').messages[2]!.hex, 'hex');

  it('a short header', () => {
    const r = nldb(['decode'], { input: one.subarray(0, 12).toString('hex') });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('! truncated: 12 bytes left, need 16 for a message header');
    expect(r.stderr).toBe("nldb: 1 of 1 item could not be decoded in full (marked '!')\n");
  });

  it('a message cut short, after one that is whole', () => {
    const whole = Buffer.from(fixture('link-veth').messages[0]!.hex, 'hex');
    const r = nldb(['decode'], { input: Buffer.concat([whole, one.subarray(0, 30)]).toString('hex') });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('RTM_NEWLINK (16) len 32');
    expect(r.stdout).toContain(`! truncated: 30 bytes left, need ${one.readUInt32LE(0)}`);
  });

  it('a malformed attribute and an unknown message type', () => {
    const bad = Buffer.from(one);
    bad.writeUInt16LE(0xfff, 32);
    const unknown = Buffer.from(one);
    unknown.writeUInt16LE(0x77, 4);
    const r = nldb(['decode'], { input: `${bad.toString('hex')}\n\n${unknown.toString('hex')}` });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/! cannot decode: .* \(at byte \d+ of the payload\)/);
    expect(r.stdout).toContain('type 119 (unknown)');
    expect(r.stdout).toContain('payload: ');
  });

  it('input with nothing to decode is one line and exit code 1', () => {
    const r = nldb(['decode'], { input: 'hello, world\n' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^nldb: nothing to decode: [^\n]*\n$/);
  });

  it('a file that does not exist', () => {
    const r = nldb(['decode', '/nonexistent/capture.txt']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^nldb: ENOENT: no such file or directory[^\n]*\n$/);
  });
});

describe('fresh strace captures of ip in a throwaway namespace', () => {
  const ns = useNetns('cli-dec');

  beforeAll(() => {
    ip(ns(), 'link', 'add', 'cliv0', 'type', 'veth', 'peer', 'name', 'cliv1');
    ip(ns(), 'link', 'add', 'clibr0', 'type', 'bridge');
    ip(ns(), 'link', 'set', 'cliv1', 'master', 'clibr0');
  });

  function strace(args: string[]): string {
    const r = spawnSync('strace', ['-f', '-x', '-s', '65535', '-e', 'trace=network', ...args], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return r.stderr;
  }

  const names = () => ipJson<{ ifname: string }>(ns(), 'link', 'show').map((l) => l.ifname);

  it('decodes `strace ip -n NS link show`, rebuilding the bytes from strace\'s own lines', () => {
    const trace = strace(['ip', '-n', ns(), 'link', 'show']);
    const r = nldb(['decode', '-'], { input: trace });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(names()).toEqual(expect.arrayContaining(['lo', 'cliv0', 'cliv1', 'clibr0']));
    for (const n of names()) expect(r.stdout).toContain(`ifname (IFLA_IFNAME): "${n}"`);
    expect(r.stdout).toContain('sent to the kernel, NETLINK_ROUTE');
    expect(r.stdout).toContain('received from the kernel, NETLINK_ROUTE');
    expect(r.stdout).toContain('master (IFLA_MASTER):');
  });

  it('uses the hex dumps of `-e read=all -e write=all` and gets the same messages', () => {
    const plain = decodeJson(strace(['ip', '-n', ns(), 'link', 'show']));
    const dumped = decodeJson(strace(['-e', 'read=all', '-e', 'write=all', 'ip', '-n', ns(), 'link', 'show']));
    expect(dumped.code).toBe(0);
    const shape = (ds: JsonDatagram[]) => ds.flatMap((d) => d.messages).map((m) => [m.typeName, m.flagNames, m.decoded?.attrs?.ifname ?? null]);
    expect(shape(dumped.datagrams)).toEqual(shape(plain.datagrams));
  });

  it('shows the kernel\'s refusal in a trace of a failing command', () => {
    const r0 = spawnSync('strace', ['-f', '-x', '-s', '65535', '-e', 'trace=network', 'ip', '-n', ns(), 'link', 'add', 'cliv0', 'type', 'veth', 'peer', 'name', 'cliv9'], { encoding: 'utf8' });
    expect(r0.status).not.toBe(0);
    const r = nldb(['decode'], { input: r0.stderr });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('error: -17 EEXIST (File exists)');
    expect(r.stdout).toContain('ifname (IFLA_IFNAME): "cliv9"');
  });

  it('marks what strace cut short (its default -s 32) and exits 1', () => {
    const r0 = spawnSync('strace', ['-f', '-e', 'trace=network', 'ip', '-n', ns(), 'link', 'show'], { encoding: 'utf8' });
    const r = nldb(['decode'], { input: r0.stderr });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/! truncated: \d+ bytes left, need \d+ \(the tracer cut the data short: raise strace -s\)/);
    expect(r.stderr).toMatch(/^nldb: \d+ of \d+ items could not be decoded in full/);
  });

  it('says so when strace decoded the messages itself (run inside the namespace)', () => {
    const r0 = spawnSync('ip', ['netns', 'exec', ns(), 'strace', '-f', '-x', '-s', '65535', '-e', 'trace=network', 'ip', 'link', 'show'], { encoding: 'utf8' });
    expect(r0.status).toBe(0);
    const r = nldb(['decode'], { input: r0.stderr });
    if (r0.stderr.includes('ifi_family=')) {
      // strace knew the protocol and decoded the payloads: their bytes are not in the trace.
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('RTM_GETLINK (18)');
      expect(r.stdout).toContain('! strace decoded this payload itself');
      expect(r.stdout).toContain('-e read=all -e write=all');
    } else {
      // strace could not tell the socket's protocol this time: the bytes are there.
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('ifname (IFLA_IFNAME): "cliv0"');
    }
  });
});
