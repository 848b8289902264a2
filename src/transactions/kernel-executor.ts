/**
 * The OpExecutor that talks to the kernel: operations are encoded (encode-op.ts) and sent as one
 * pipelined batch on a request socket (the transport's requestBatch: many messages per send(),
 * each with its own sequence number and ACK, cut into chunks whose ACKs fit the receive buffer).
 *
 * Results, one per operation:
 * - ACK → ok;
 * - the kernel's refusal (KernelError, whose .code the tolerate lists name) → error;
 * - no answer (an overrun lost it, the deadline aborted the batch, the socket closed) → unknown:
 *   it may have taken effect, and a rollback undoes it tolerantly.
 *
 * Operations carrying `ns` run in that namespace: an IPRoute is opened there for them (only the
 * undo of a move to another namespace does this: the link is asked back by name, since its index
 * over there is not the one it had here). Consecutive operations of one namespace form one batch;
 * batches run in plan order.
 */
import { IPRoute } from '../iproute/iproute.js';
import { NotFoundError, ValidationError } from '../iproute/errors.js';
import { OpenedNamespaces } from '../iproute/resolve.js';
import type { EncodeContext, NetlinkRequest } from '../iproute/encode/index.js';
import type { NetnsSpec } from '../iproute/specs.js';
import { NLM_F } from '../messages/index.js';
import { KernelError } from '../transport/errors.js';
import type { NetlinkTransport } from '../transport/transport.js';
import type { OpExecutor, OpResult, SendContext } from './commit.js';
import { changeOf, encodeOp, prepareOp, type PreparedOp } from './encode-op.js';
import { describeOne, type Operation } from './ops.js';

export interface KernelExecutorOptions {
  /**
   * The namespace a link goes back to when an operation run elsewhere says `netns: null`: the
   * transaction's own (a name, an absolute path, or { pid }). Default: this process's namespace.
   */
  home?: NetnsSpec;
  /** Opens an IPRoute in another namespace, by label (default IPRoute.open({ netns: label })). */
  openNamespace?: (label: string) => Promise<IPRoute>;
}

/** A refusal that is not the kernel's (a link not found by name over there), with an errno name. */
class LocalRefusal extends Error {
  override readonly name = 'LocalRefusal';
  constructor(readonly code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const indexOnly = (ns: OpenedNamespaces): EncodeContext => ({
  index(t) {
    if ('index' in t) return t.index;
    throw new Error(`interface '${t.ifname}' was not resolved to an index before encoding`);
  },
  netns: (t) => ns.attr(t),
});

/** An operation ready to send: its request, or (naming a namespace to open first) how to encode it. */
type Ready = NetlinkRequest | PreparedOp;

const isRequest = (r: Ready): r is NetlinkRequest => 'payload' in r;

/** One answer for every acknowledged operation (results are read, never changed). */
const OK: OpResult = Object.freeze({ status: 'ok' });

export class KernelExecutor implements OpExecutor {
  private readonly home: NetnsSpec;
  private readonly prepared = new WeakMap<Operation, Ready>();

  /**
   * @param transport the request socket, or how to get it when the first batch goes out (a
   *   socket opened on first use)
   */
  constructor(private readonly transport: NetlinkTransport | (() => Promise<NetlinkTransport>), private readonly opts: KernelExecutorOptions = {}) {
    this.home = opts.home ?? { pid: process.pid };
  }

  /**
   * Encodes an operation once (its request is kept for send()). Most are encoded here, straight
   * from their records; a link change naming another namespace is validated here and encoded at
   * send time, once the namespace is open.
   */
  private prepareOne(op: Operation): Ready {
    let p = this.prepared.get(op);
    if (!p) {
      p = encodeOp(op, this.home) ?? prepareOp(op, this.home);
      this.prepared.set(op, p);
    }
    return p;
  }

  /**
   * Validates every operation of the transaction's own namespace (ValidationError naming the
   * operation, nothing sent). Called before the journal is written.
   */
  prepare(ops: readonly Operation[]): void {
    const issues: ValidationError['errors'][number][] = [];
    for (const op of ops) {
      if (op.ns) continue;
      try {
        this.prepareOne(op);
      } catch (err) {
        const where = `[${op.id} ${describeOne(op)}]`;
        // The codec's own refusals (a value out of its range) are bad input too: nothing is sent.
        if (!(err instanceof ValidationError)) issues.push({ field: where, value: op.spec, expected: 'operation', reason: (err as Error).message });
        else issues.push(...err.errors.map((e) => ({ ...e, field: `${where}.${e.field}` })));
      }
    }
    if (issues.length > 0) throw new ValidationError(issues);
  }

  async send(ops: readonly Operation[], ctx: SendContext): Promise<OpResult[]> {
    const results: OpResult[] = new Array<OpResult>(ops.length);
    let start = 0;
    while (start < ops.length) {
      const ns = ops[start]!.ns ?? null;
      let end = start + 1;
      while (end < ops.length && (ops[end]!.ns ?? null) === ns) end++;
      const run = ops.slice(start, end);
      const out = ctx.signal.aborted
        ? run.map((): OpResult => ({ status: 'unknown', error: ctx.signal.reason }))
        : ns === null ? await this.sendHome(run, ctx) : await this.sendElsewhere(ns, run);
      out.forEach((r, i) => { results[start + i] = r; });
      start = end;
    }
    return results;
  }

  private async sendHome(ops: readonly Operation[], ctx: SendContext): Promise<OpResult[]> {
    const opened = new OpenedNamespaces();
    try {
      const results: (OpResult | undefined)[] = new Array(ops.length);
      const requests: NetlinkRequest[] = [];
      const sentAt: number[] = [];
      const encodeCtx = indexOnly(opened);
      ops.forEach((op, i) => {
        try {
          const p = this.prepareOne(op);
          let req: NetlinkRequest;
          if (isRequest(p)) {
            req = p;
          } else {
            if (p.namespaces.length > 0) opened.open(p.namespaces);
            req = p.encode(encodeCtx);
          }
          // No NLM_F_ECHO: the database learns of the change from its own event socket, and the
          // echoes would double what a large batch brings back.
          requests.push(req.flags !== undefined && (req.flags & NLM_F.ECHO) !== 0 ? { ...req, flags: req.flags & ~NLM_F.ECHO } : req);
          sentAt.push(i);
        } catch (err) {
          // An inverse the encoders refuse (a record the kernel could never take back) fails alone.
          results[i] = { status: 'error', error: err };
        }
      });
      if (requests.length > 0) {
        const transport = typeof this.transport === 'function' ? await this.transport() : this.transport;
        // The kernel's work overlaps with reading the answers and the database's notifications
        // (5,000 address additions: about 0.26 s in the kernel, 0.1 s for the notifications).
        // Not for links: creating devices alongside a busy thread measured slower.
        const offThread = !ops.some((op) => op.kind === 'interface');
        const answering = transport.requestBatch(requests, { signal: ctx.signal, operation: 'transaction', offThread });
        ctx.started?.();
        const answers = await answering;
        answers.forEach((a, j) => {
          const op = ops[sentAt[j]!]!;
          if (a.ok) results[sentAt[j]!] = OK;
          else if (a.error instanceof KernelError) {
            a.error.operation = describeOne(op);
            results[sentAt[j]!] = { status: 'error', error: a.error };
          } else {
            results[sentAt[j]!] = { status: 'unknown', error: a.error };
          }
        });
      }
      return results as OpResult[];
    } finally {
      opened.close();
    }
  }

  /** Link changes asked for in another namespace, by name (IPRoute.batch looks the names up there). */
  private async sendElsewhere(label: string, ops: readonly Operation[]): Promise<OpResult[]> {
    let ipr: IPRoute;
    try {
      ipr = await (this.opts.openNamespace ?? ((netns: string) => IPRoute.open({ netns })))(label);
    } catch (err) {
      // The namespace is gone (or cannot be entered): nothing can be undone over there.
      return ops.map(() => ({ status: 'error', error: new LocalRefusal('ENOENT', `namespace ${label}: ${(err as Error).message}`, { cause: err }) }));
    }
    try {
      const changes = ops.map((op) => changeOf(op, this.home, true));
      if (changes.some((c) => c === null)) {
        return ops.map(() => ({ status: 'error', error: new Error('only link changes can run in another namespace') }));
      }
      let outcomes;
      try {
        outcomes = await ipr.batch(changes as NonNullable<(typeof changes)[number]>[]);
      } catch (err) {
        // A link named there is not there: for an undo, "nothing to bring back".
        const e = err instanceof NotFoundError ? new LocalRefusal('ENODEV', err.message, { cause: err }) : err;
        return ops.map(() => ({ status: err instanceof ValidationError ? 'error' : 'unknown', error: e }) as OpResult);
      }
      return outcomes.map((o) => (o.ok ? { status: 'ok' } : o.error instanceof KernelError ? { status: 'error', error: o.error } : { status: 'unknown', error: o.error }));
    } finally {
      ipr.close();
    }
  }
}
