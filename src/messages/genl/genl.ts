/**
 * Generic netlink: struct genlmsghdr, and a helper that builds a family codec from a schema the
 * way the rtnetlink families are built — proof that the framework is not rtnetlink-specific.
 * (linux/genetlink.h)
 */
import type { EnumDef } from '../core/enums.js';
import { defineMessage, type MessageCodecOf, type SchemaHandle } from '../core/message.js';
import { struct, type Schema } from '../core/spec.js';

export const GENL_ID_CTRL = 0x10;
export const GENL_HDRLEN = 4;

export const genlmsghdr = struct('genlmsghdr', [
  { name: 'cmd', kernel: 'cmd', type: 'u8' },
  { name: 'version', kernel: 'version', type: 'u8' },
  { name: '_reserved', kernel: 'reserved', type: 'u16', pad: true },
]);

/** A genlmsghdr whose cmd is shown by the family's command names. */
export function genlHeader<E extends EnumDef>(commands: E) {
  return struct('genlmsghdr', [
    { name: 'cmd', kernel: 'cmd', type: 'u8', enum: commands },
    { name: 'version', kernel: 'version', type: 'u8' },
    { name: '_reserved', kernel: 'reserved', type: 'u16', pad: true },
  ] as const satisfies readonly { name: string; kernel: string; type: 'u8' | 'u16'; enum?: EnumDef; pad?: boolean }[]);
}

/**
 * A generic netlink family's codec: genlmsghdr (cmd by name) then the root attribute set.
 * Its nlmsg type is the family id the kernel assigned (resolve it with nlctrl), given to
 * Registry.register when the family is registered.
 */
export function defineGenlFamily<S extends Schema, E extends EnumDef, N extends keyof S & string>(
  schema: SchemaHandle<S>, commands: E, root: N,
): MessageCodecOf<S, ReturnType<typeof genlHeader<E>>, N> {
  return defineMessage(schema, genlHeader(commands), root);
}

/** The generic netlink framework in one object: its header, the controller's id, and the family builder. */
export const genl = Object.freeze({
  header: genlmsghdr,
  GENL_ID_CTRL,
  GENL_HDRLEN,
  headerFor: genlHeader,
  defineFamily: defineGenlFamily,
});
