/**
 * Tiny hand-built payloads for the transport tests. The transport knows no message family, and
 * these tests must not lean on the message tables either: a few structs and attributes written
 * byte by byte from include/uapi/linux/{rtnetlink,if_link,if_addr,genetlink}.h.
 */
import type { RawMessage } from '../../src/messages/nlmsg.js';

export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;

export const RTNLGRP_LINK = 1;
export const RTNLGRP_IPV4_IFADDR = 5;

export const IFLA_IFNAME = 3;
export const IFLA_LINKINFO = 18;
export const IFLA_INFO_KIND = 1;
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;

export const AF_INET = 2;

export const GENL_ID_CTRL = 0x10;
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;

/** struct ifinfomsg (16 bytes): family, pad, type, index, flags, change. */
export function ifinfomsg(index = 0): Buffer {
  const b = Buffer.alloc(16);
  b.writeInt32LE(index, 4);
  return b;
}

/** struct ifaddrmsg (8 bytes): family, prefixlen, flags, scope, index. */
export function ifaddrmsg(o: { family?: number; prefixlen?: number; index?: number } = {}): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt8(o.family ?? 0, 0);
  b.writeUInt8(o.prefixlen ?? 0, 1);
  b.writeUInt32LE(o.index ?? 0, 4);
  return b;
}

/** One netlink attribute, padded to 4 bytes. */
export function attr(type: number, value: Buffer): Buffer {
  const len = 4 + value.length;
  const b = Buffer.alloc((len + 3) & ~3);
  b.writeUInt16LE(len, 0);
  b.writeUInt16LE(type, 2);
  value.copy(b, 4);
  return b;
}

export function cstr(s: string): Buffer {
  return Buffer.concat([Buffer.from(s), Buffer.alloc(1)]);
}

export function ipv4(a: string): Buffer {
  return Buffer.from(a.split('.').map(Number));
}

/** RTM_NEWADDR payload for an IPv4 address on `index`. */
export function newAddr4(index: number, address: string, prefixlen = 32): Buffer {
  return Buffer.concat([
    ifaddrmsg({ family: AF_INET, prefixlen, index }),
    attr(IFA_LOCAL, ipv4(address)),
    attr(IFA_ADDRESS, ipv4(address)),
  ]);
}

/** ifi_index of an RTM_NEWLINK message. */
export function linkIndex(msg: RawMessage): number {
  return msg.payload.readInt32LE(4);
}

/** Attributes (top level) from `off`: type -> value. */
export function attrs(buf: Buffer, off: number): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  while (off + 4 <= buf.length) {
    const len = buf.readUInt16LE(off);
    if (len < 4 || off + len > buf.length) break;
    out.set(buf.readUInt16LE(off + 2) & 0x3fff, buf.subarray(off + 4, off + len));
    off += (len + 3) & ~3;
  }
  return out;
}

/** IFLA_IFNAME of an RTM_NEWLINK message. */
export function linkName(msg: RawMessage): string | undefined {
  return attrs(msg.payload, 16).get(IFLA_IFNAME)?.toString().replace(/\0+$/, '');
}

/** IFA_LOCAL (or IFA_ADDRESS) of an IPv4 RTM_NEWADDR message, dotted. */
export function addr4(msg: RawMessage): string | undefined {
  const a = attrs(msg.payload, 8);
  const v = a.get(IFA_LOCAL) ?? a.get(IFA_ADDRESS);
  return v ? [...v].join('.') : undefined;
}

/** A generic netlink header (cmd, version) followed by attributes. */
export function genl(cmd: number, version: number, ...attributes: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from([cmd, version, 0, 0]), ...attributes]);
}
