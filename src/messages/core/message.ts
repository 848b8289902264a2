/**
 * From tables to a codec: a schema (named attribute sets) is compiled once, and a message codec
 * pairs a header struct with the set its attributes use. The codec's TypeScript types come from
 * the same tables (MessageOf), so decode() returns e.g. a LinkMessage whose attrs.ifname is a
 * string, with no hand-written interface to drift.
 */
import { compileSchema, type CompiledSchema, type CSet, type CStruct } from './compile.js';
import { decodeTop } from './decode.js';
import { encodeTop } from './encode.js';
import { compileProjection, decodeProjected, projectionReader, projectionRuntime, type CompiledProjection, type ProjectionRuntime } from './project.js';
import type { MessageOf, Schema, StructDef } from './spec.js';

export interface SchemaHandle<S extends Schema = Schema> {
  readonly def: S;
  readonly compiled: CompiledSchema;
}

/** Compiles a schema (throws Error on a table mistake: unknown set, duplicate type or name). */
export function defineSchema<const S extends Schema>(def: S): SchemaHandle<S> {
  return Object.freeze({ def, compiled: compileSchema(def) });
}

/** The friendly names of a decoded message's known attributes. */
export type AttrName<T> = T extends { attrs: infer A } ? Exclude<Extract<keyof A, string>, `${string}_UNKNOWN_${number}`> : never;

/** decode()'s result restricted to the attributes K: what a projection of them returns. */
export type Projected<T, K extends string> = T extends { attrs: infer A } ? Omit<T, 'attrs'> & { attrs: Pick<A, K & keyof A> } : never;

/** A decoder of a message's header and chosen attributes only (see core/project.ts). */
export interface MessageProjection<T> {
  /** The attributes it decodes (friendly names). */
  readonly attrs: readonly string[];
  /**
   * Decodes the payload at buf[start, end) (default: all of buf), e.g. a message in place in a
   * received datagram. Throws DecodeError (offsets from `start`), nothing else.
   */
  decode(buf: Buffer, start?: number, end?: number): T;
  /**
   * A decoder for many messages one after the other that reuses one result object: each call
   * returns the same object, refilled, valid until the next call. Chosen attributes a message
   * lacks, header fields past its end and zero reserved fields read undefined. For turning each
   * message of a dump into something else at once, with no garbage but the values.
   */
  reader(): (buf: Buffer, start?: number, end?: number) => T;
  /** What a generated reader of this projection runs on (see core/reader-gen.ts). */
  runtime(): ProjectionRuntime;
  /** The compiled tables behind it, for the reader generator (core/reader-gen.ts: readerSource()). */
  readonly compiled: CompiledProjection;
}

export interface MessageCodec<T = unknown, I = T> {
  /** Decodes a message payload (the bytes after nlmsghdr). Throws DecodeError, nothing else. */
  decode(payload: Buffer): T;
  /**
   * A decoder of the header and the named attributes only, with decode()'s values and shape for
   * them, and none of its lossless bookkeeping: for hot paths that need a few fields of many
   * messages. Throws Error for a name the table does not have.
   */
  project<const K extends AttrName<T>>(names: readonly K[]): MessageProjection<Projected<T, K>>;
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
    project: <const K extends AttrName<MessageOf<S, D, N, 'out'>>>(names: readonly K[]) => {
      const p = compileProjection(cs, cset, names);
      type Out = Projected<MessageOf<S, D, N, 'out'>, K>;
      return Object.freeze({
        attrs: Object.freeze([...names]),
        decode: (buf: Buffer, start = 0, end = buf.length) => decodeProjected(p, buf, start, end) as Out,
        reader: () => {
          const read = projectionReader(p);
          return (buf: Buffer, start = 0, end = buf.length) => read(buf, start, end) as Out;
        },
        runtime: () => projectionRuntime(p),
        compiled: p,
      });
    },
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
