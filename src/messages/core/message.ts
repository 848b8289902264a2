/**
 * From tables to a codec: a schema (named attribute sets) is compiled once, and a message codec
 * pairs a header struct with the set its attributes use. The codec's TypeScript types come from
 * the same tables (MessageOf), so decode() returns e.g. a LinkMessage whose attrs.ifname is a
 * string, with no hand-written interface to drift.
 */
import { compileSchema, type CompiledSchema, type CSet, type CStruct } from './compile.js';
import { decodeTop } from './decode.js';
import { encodeTop } from './encode.js';
import type { MessageOf, Schema, StructDef } from './spec.js';

export interface SchemaHandle<S extends Schema = Schema> {
  readonly def: S;
  readonly compiled: CompiledSchema;
}

/** Compiles a schema (throws Error on a table mistake: unknown set, duplicate type or name). */
export function defineSchema<const S extends Schema>(def: S): SchemaHandle<S> {
  return Object.freeze({ def, compiled: compileSchema(def) });
}

export interface MessageCodec<T = unknown, I = T> {
  /** Decodes a message payload (the bytes after nlmsghdr). Throws DecodeError, nothing else. */
  decode(payload: Buffer): T;
  /** Encodes a message payload (without nlmsghdr; frame it with buildMessage). Throws EncodeError. */
  encode(msg: I): Buffer;
  /** The fixed header (ifinfomsg, rtmsg, genlmsghdr...). */
  readonly header: StructDef;
  /** The attribute set at the message's top level. */
  readonly set: string;
}

export type MessageCodecOf<S extends Schema, D extends StructDef, N extends string> =
  MessageCodec<MessageOf<S, D, N, 'out'>, MessageOf<S, D, N, 'in'>>;

export function defineMessage<S extends Schema, D extends StructDef, N extends keyof S & string>(
  schema: SchemaHandle<S>, header: D, set: N,
): MessageCodecOf<S, D, N> {
  const cs: CStruct = schema.compiled.struct(header);
  const cset: CSet = schema.compiled.set(set);
  return Object.freeze({
    header,
    set,
    decode: (payload: Buffer) => decodeTop(cs, cset, payload) as MessageOf<S, D, N, 'out'>,
    encode: (msg: MessageOf<S, D, N, 'in'>) => encodeTop(cs, cset, msg as Record<string, unknown>),
  });
}

/**
 * A message family: a codec plus the nlmsg types it serves. rtnetlink families have fixed
 * numbers ({ new: RTM_NEWLINK, del: RTM_DELLINK, get: RTM_GETLINK }); a generic netlink family's
 * number is its resolved id, given when it is registered.
 */
export interface MessageFamily<T = unknown, I = T> extends MessageCodec<T, I> {
  /** Short name ('link', 'route', 'nlctrl'). */
  readonly name: string;
  /** Operation -> nlmsg type. */
  readonly types: Readonly<Record<string, number>>;
  /** nlmsg type -> kernel constant name ('RTM_NEWLINK'). */
  readonly typeNames: Readonly<Record<number, string>>;
}

export function defineFamily<T, I, const Ty extends Record<string, number>>(
  name: string, codec: MessageCodec<T, I>, types: Ty, typeNames: Record<number, string>,
): MessageFamily<T, I> & { readonly types: Ty } {
  return Object.freeze({ ...codec, name, types: Object.freeze({ ...types }), typeNames: Object.freeze({ ...typeNames }) });
}
