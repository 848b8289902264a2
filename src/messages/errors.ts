/**
 * The codec's one error type. Every decoder failure, whatever the input, is a DecodeError
 * (fuzz tests hold the decoders to that), carrying where in the bytes and in the attribute
 * tree it happened, so a bad message can be found without a debugger.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  /** Attribute path from the message root, e.g. ['RTA_MULTIPATH', '[1]', 'RTA_GATEWAY']. */
  readonly path: readonly string[];
  /** Byte offset of the failing element within the buffer given to the top-level decoder. */
  readonly offset: number;

  constructor(message: string, opts: { path?: readonly string[]; offset?: number; cause?: unknown } = {}) {
    const path = opts.path ?? [];
    super(path.length > 0 ? `${path.join(' > ')}: ${message}` : message, { cause: opts.cause });
    this.path = path;
    this.offset = opts.offset ?? 0;
  }
}

/** Raised when a value given to an encoder cannot be written (wrong type, out of range). */
export class EncodeError extends Error {
  override readonly name = 'EncodeError';
  readonly path: readonly string[];
  constructor(message: string, opts: { path?: readonly string[]; cause?: unknown } = {}) {
    const path = opts.path ?? [];
    super(path.length > 0 ? `${path.join(' > ')}: ${message}` : message, { cause: opts.cause });
    this.path = path;
  }
}
