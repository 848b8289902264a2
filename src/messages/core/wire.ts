/**
 * The few facts about the bytes that the friendly objects cannot hold, kept so that
 * encode(decode(bytes)) gives back the same bytes. They hang off decoded objects under the
 * symbol WIRE, non-enumerable: JSON, Object.keys and deep-equality never see them, and a copy
 * made with spread simply re-encodes canonically. Kernel messages almost never need any.
 */
export const WIRE: unique symbol = Symbol('nldb.wire');

export interface WireMeta {
  /** Struct: bytes after the known fields (a newer kernel's longer struct, or a partial field). */
  tail?: Buffer;
  /** Struct: how many fields were present when the struct was shorter than known. */
  fields?: number;
  /** Attribute set: NLA_F_* bits differing from the table's default, by key ('mtu', 'altIfname#1'). */
  flags?: Record<string, number>;
  /** Attribute set: the exact key sequence, when object key order cannot reproduce it. */
  order?: string[];
  /** Attribute set: keys of non-repeatable attributes that came more than once (their value is an array). */
  dup?: string[];
  /** Attribute set: exact bytes of string attributes not stored as text + one NUL, by key. */
  bytes?: Record<string, Buffer>;
  /** Attribute set: bytes the region stopped short of the last attribute's alignment padding. */
  trim?: number;
  /** nested-array: every element's full nla_type, when not the expected numbering. */
  types?: number[];
}

export function getWire(o: object): WireMeta | undefined {
  return (o as { [WIRE]?: WireMeta })[WIRE];
}

export function wireOf(o: object): WireMeta {
  let m = (o as { [WIRE]?: WireMeta })[WIRE];
  if (m === undefined) {
    m = {};
    Object.defineProperty(o, WIRE, { value: m, enumerable: false, writable: true, configurable: true });
  }
  return m;
}
