/**
 * Checks for the values specs are made of: addresses, prefixes, interface names and references,
 * MACs, namespaces, families, tables. Each returns the normalised value or records the problem on
 * the Checker and returns undefined.
 */
import type { Family } from '../records.js';
import type { IfRef, NetnsSpec, PrefixSpec } from '../specs.js';
import { TABLES } from '../names.js';
import type { Checker } from './check.js';
import { familyBits, formatIp, hostBitsSet, parseIp, type ParsedIp } from './ip.js';

/** IFNAMSIZ: names are at most 15 bytes plus the terminating NUL. */
export const IFNAMSIZ = 16;

/** An interface the spec points at, before its name is resolved to an index. */
export type IfTarget = { index: number } | { ifname: string };

export interface Prefix {
  family: Family;
  /** The address bytes as given (4 or 16), for a host prefix or an interface address. */
  bytes: Uint8Array;
  prefixlen: number;
  /** 'default' for a zero-length prefix, else canonical 'a.b.c.d/n'. */
  text: string;
}

export type NetnsTarget = { name: string } | { path: string } | { pid: number } | { fd: number };

/**
 * The kernel's dev_valid_name(): 1..15 bytes, not '.' or '..', no '/', ':' or whitespace.
 * (':' is refused by the kernel because it separated IPv4 alias labels in old ifconfig.)
 */
export function checkIfname(c: Checker, field: string, value: unknown): string | undefined {
  if (typeof value !== 'string') return c.fail(field, value, 'interface name', 'expected a string');
  if (value === '') return c.fail(field, value, 'interface name', 'empty');
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes >= IFNAMSIZ) return c.fail(field, value, 'interface name', `${bytes} bytes long; at most ${IFNAMSIZ - 1} bytes (IFNAMSIZ)`);
  if (value === '.' || value === '..') return c.fail(field, value, 'interface name', "'.' and '..' are not allowed");
  if (/[/:\s\0]/.test(value)) return c.fail(field, value, 'interface name', "must not contain '/', ':', NUL or whitespace");
  return value;
}

/** An address label (IFA_LABEL): at most 15 bytes, like an interface name. */
export function checkLabel(c: Checker, field: string, value: unknown): string | undefined {
  if (typeof value !== 'string') return c.fail(field, value, 'label', 'expected a string');
  if (value === '') return c.fail(field, value, 'label', 'empty');
  if (Buffer.byteLength(value, 'utf8') >= IFNAMSIZ) return c.fail(field, value, 'label', `at most ${IFNAMSIZ - 1} bytes (IFNAMSIZ)`);
  if (/[\0]/.test(value)) return c.fail(field, value, 'label', 'must not contain NUL');
  return value;
}

/** ifindex: a positive int32. */
export function checkIndex(c: Checker, field: string, value: unknown): number | undefined {
  return c.int(field, value, 1, 0x7fffffff, 'interface index');
}

/** A field that refers to an interface by index or by name. */
export function checkIfRef(c: Checker, field: string, value: unknown): IfTarget | undefined {
  if (typeof value === 'number') {
    const index = checkIndex(c, field, value);
    return index === undefined ? undefined : { index };
  }
  if (typeof value === 'string') {
    const ifname = checkIfname(c, field, value);
    return ifname === undefined ? undefined : { ifname };
  }
  return c.fail(field, value, 'interface', 'expected an interface index (number) or name (string)');
}

/**
 * The object of an address/neighbour spec: `index` or `ifname`, exactly one. (Link specs handle
 * both at once themselves: there, index + ifname means a rename.)
 */
export function checkTarget(c: Checker, spec: Record<string, unknown>, prefix = ''): IfTarget | undefined {
  const at = (k: string) => (prefix === '' ? k : `${prefix}.${k}`);
  const hasIndex = spec.index !== undefined;
  const hasName = spec.ifname !== undefined;
  if (hasIndex && hasName) {
    return c.fail(at('ifname'), spec.ifname, 'interface', 'give index or ifname, not both');
  }
  if (hasIndex) {
    const index = checkIndex(c, at('index'), spec.index);
    return index === undefined ? undefined : { index };
  }
  if (hasName) {
    const ifname = checkIfname(c, at('ifname'), spec.ifname);
    return ifname === undefined ? undefined : { ifname };
  }
  return c.fail(at('index'), undefined, 'interface', 'missing: give index or ifname');
}

/** A MAC (EUI-48): six hex octets separated by ':' or '-', any case; returned lower case with ':'. */
export function checkMac(c: Checker, field: string, value: unknown): string | undefined {
  if (typeof value !== 'string') return c.fail(field, value, 'MAC address', 'expected a string');
  if (!/^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(?:\1[0-9a-fA-F]{2}){4}$/.test(value)) {
    return c.fail(field, value, 'MAC address', "expected six hex octets like 'aa:bb:cc:dd:ee:ff'");
  }
  return value.toLowerCase().replaceAll('-', ':');
}

export function macBytes(mac: string): Uint8Array {
  return Uint8Array.from(mac.split(':'), (h) => parseInt(h, 16));
}

/** An IP address of either family, or of `family` when given. */
export function checkIp(c: Checker, field: string, value: unknown, family?: Family): ParsedIp | undefined {
  if (typeof value !== 'string') return c.fail(field, value, 'address', 'expected a string');
  const ip = parseIp(value);
  if (!ip) {
    return c.fail(field, value, 'address', value.includes('/')
      ? 'expected an address without a prefix length'
      : 'not a valid IPv4 or IPv6 address');
  }
  if (family !== undefined && ip.family !== family) {
    return c.fail(field, value, 'address', `an IPv${ip.family} address where IPv${family} is needed`);
  }
  return ip;
}

export interface PrefixOptions {
  /** Accept 'default' (a zero-length prefix of `family`, or of IPv4 when unknown). */
  allowDefault?: boolean;
  /** Refuse bits set past the prefix length (route and rule prefixes, not interface addresses). */
  network?: boolean;
  family?: Family;
  /** A separate prefix length given beside a bare address (address specs' `prefixlen`). */
  prefixlen?: unknown;
  prefixlenField?: string;
}

/** '10.0.0.0/24', '10.0.0.1' (host), 'default', or { address, prefixlen }. */
export function checkPrefix(c: Checker, field: string, value: unknown, opts: PrefixOptions = {}): Prefix | undefined {
  let addrText: string;
  let lenText: unknown;
  let lenField = field;
  if (typeof value === 'string') {
    if (value === 'default' || value === 'all' || value === 'any') {
      if (!opts.allowDefault) return c.fail(field, value, 'prefix', "'default' is not allowed here");
      const family = opts.family ?? 4;
      return { family, bytes: new Uint8Array(family === 4 ? 4 : 16), prefixlen: 0, text: 'default' };
    }
    const slash = value.indexOf('/');
    addrText = slash < 0 ? value : value.slice(0, slash);
    if (slash >= 0) {
      const t = value.slice(slash + 1);
      if (!/^(?:0|[1-9][0-9]{0,2})$/.test(t)) return c.fail(field, value, 'prefix', 'the prefix length must be a decimal number');
      lenText = Number(t);
    }
  } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const o = c.object(field, value, ['address', 'prefixlen'], 'prefix');
    if (!o) return undefined;
    if (typeof o.address !== 'string') return c.fail(`${field}.address`, o.address, 'address', 'expected a string');
    addrText = o.address;
    lenText = o.prefixlen;
    lenField = `${field}.prefixlen`;
    if (lenText === undefined) return c.fail(lenField, lenText, 'prefix length', 'missing');
  } else {
    return c.fail(field, value, 'prefix', "expected 'a.b.c.d/n', 'default' or { address, prefixlen }");
  }
  if (opts.prefixlen !== undefined) {
    const sep = opts.prefixlenField ?? 'prefixlen';
    if (lenText !== undefined && lenText !== opts.prefixlen) {
      return c.fail(sep, opts.prefixlen, 'prefix length', `disagrees with the length in ${field} (${String(lenText)})`);
    }
    lenText = opts.prefixlen;
    lenField = sep;
  }
  const ip = parseIp(addrText);
  if (!ip) return c.fail(field, value, 'address', 'not a valid IPv4 or IPv6 address');
  if (opts.family !== undefined && ip.family !== opts.family) {
    return c.fail(field, value, 'address', `an IPv${ip.family} prefix where IPv${opts.family} is needed`);
  }
  const bits = familyBits(ip.family);
  let prefixlen: number | undefined = bits;
  if (lenText !== undefined && lenField === field) {
    // The length was written inside the string: report the string as given.
    prefixlen = lenText as number;
    if (prefixlen > bits) return c.fail(field, value, 'prefix', `prefix length /${prefixlen} out of range 0..${bits} for IPv${ip.family}`);
  } else if (lenText !== undefined) {
    prefixlen = c.int(lenField, lenText, 0, bits, 'prefix length');
  }
  if (prefixlen === undefined) return undefined;
  if (opts.network && hostBitsSet(ip.bytes, prefixlen)) {
    const masked = Uint8Array.from(ip.bytes);
    for (let bit = prefixlen; bit < bits; bit++) masked[bit >> 3]! &= ~(0x80 >> (bit & 7));
    return c.fail(field, value, 'prefix', `host bits set past /${prefixlen} (did you mean ${formatIp(ip.family, masked)}/${prefixlen}?)`);
  }
  const text = prefixlen === 0 && opts.allowDefault ? 'default' : `${ip.text}/${prefixlen}`;
  return { family: ip.family, bytes: ip.bytes, prefixlen, text };
}

export function checkFamily(c: Checker, field: string, value: unknown): Family | undefined {
  if (value === 4 || value === 'inet') return 4;
  if (value === 6 || value === 'inet6') return 6;
  return c.fail(field, value, 'family', "expected 4, 6, 'inet' or 'inet6'");
}

/** A routing table: 0..2^32-1 (RTA_TABLE is 32 bits), or 'main', 'local', 'default'. */
export function checkTable(c: Checker, field: string, value: unknown): number | undefined {
  return c.enumValue(field, value, TABLES, 0xffffffff, 'table');
}

/**
 * MTU. The kernel decides per device (min_mtu..max_mtu: 68..65535 for a veth, 1280 needed for
 * IPv6): validation only refuses what no device could take, a non-integer or one beyond int32,
 * and leaves the per-device answer (EINVAL with the kernel's own message) to the kernel.
 */
export function checkMtu(c: Checker, field: string, value: unknown): number | undefined {
  return c.int(field, value, 0, 0x7fffffff, 'MTU');
}

/** A namespace: a name under /run/netns, an absolute path, { pid } or { fd }. */
export function checkNetns(c: Checker, field: string, value: unknown): NetnsTarget | undefined {
  if (typeof value === 'string') {
    if (value.startsWith('/')) return { path: value };
    if (value === '' || value === '.' || value === '..' || value.includes('/') || value.includes('\0')) {
      return c.fail(field, value, 'namespace', "expected a namespace name (no '/'), an absolute path, { pid } or { fd }");
    }
    return { name: value };
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined);
    if (keys.length === 1 && keys[0] === 'pid') {
      const pid = c.int(`${field}.pid`, o.pid, 1, 0x7fffffff, 'process id');
      return pid === undefined ? undefined : { pid };
    }
    if (keys.length === 1 && keys[0] === 'fd') {
      const fd = c.int(`${field}.fd`, o.fd, 0, 0x7fffffff, 'file descriptor');
      return fd === undefined ? undefined : { fd };
    }
  }
  return c.fail(field, value, 'namespace', 'expected a name, an absolute path, { pid } or { fd }');
}

export type { IfRef, NetnsSpec, PrefixSpec };
