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
import { FramedRequests } from '../transport/framed.js';
import type { BatchResult, EchoClaim, NetlinkTransport } from '../transport/transport.js';
import type { OpExecutor, OpResult, SendContext } from './commit.js';
import { changeOf, encodeOp, FrameMemo, frameOp, prepareOp, type PreparedOp } from './encode-op.js';
import { routeEchoClaim } from './echo-claim.js';
import { describeOne, type Operation } from './ops.js';

export interface KernelExecutorOptions {
  /**
   * The namespace a link goes back to when an operation run elsewhere says `netns: null`: the
   * transaction's own (a name, an absolute path, or { pid }). Default: this process's namespace.
   */
  home?: NetnsSpec;
  /** Opens an IPRoute in another namespace, by label (default IPRoute.open({ netns: label })). */
  openNamespace?: (label: string) => Promise<IPRoute>;
  /**
   * Quiets the process's other netlink readers (the database's event socket) while a batch with
   * link changes is in the kernel's hands; returns what ends the quiet (BatchOptions.quiet).
   */
  quiet?: () => () => void;
  /**
   * Takes a claim on the notifications of a batch's route requests (echo-claim.ts), made just
   * before the batch is sent; whoever takes it drops it once those notifications are in.
   */
  claimEchoes?: (claim: EchoClaim) => void;
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

/** Turns the transport's answers into results: answer j is that of ops[at(j)]. */
function answer(ops: readonly Operation[], answers: readonly BatchResult[], at: (j: number) => number, results: (OpResult | undefined)[]): void {
  for (let j = 0; j < answers.length; j++) {
    const a = answers[j]!;
    const i = at(j);
    if (a.ok) results[i] = OK;
    else if (a.error instanceof KernelError) {
      a.error.operation = describeOne(ops[i]!);
      results[i] = { status: 'error', error: a.error };
    } else {
      results[i] = { status: 'unknown', error: a.error };
    }
  }
}

/**
 * The requests of the operations of the transaction's own namespace, encoded: written into one
 * buffer as they would be sent (transport/framed.ts, `framed`) as long as every operation can be,
 * else each one's own request or prepared change by position (`ready`: a link change naming another
 * namespace is encoded at send time, once the namespace is open, and then so is the rest). Throws a
 * ValidationError naming every operation that is bad input (nothing is sent).
 */
function encodePlan(ops: readonly Operation[], home: NetnsSpec): { framed: FramedRequests | null; ready: (Ready | undefined)[] } {
  const issues: ValidationError['errors'][number][] = [];
  let framed: FramedRequests | null = ops.some((op) => op.ns) ? null : new FramedRequests(ops.length * 64);
  const memo = new FrameMemo();
  // (Made only for what is not framed: usually nothing.)
  let ready: (Ready | undefined)[] = [];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.ns) continue;
    try {
      if (framed !== null) {
        if (frameOp(framed, op, home, memo)) continue;
        framed = null;
      }
      if (ready.length === 0) ready = new Array<Ready | undefined>(ops.length);
      const r = encodeOp(op, home) ?? prepareOp(op, home);
      // A link moved to a namespace that is not there would fail at its turn, after the
      // operations before it went out: found here, with nothing sent.
      if (!isRequest(r) && r.namespaces.length > 0) canOpen(r.namespaces);
      ready[i] = r;
    } catch (err) {
      const where = `[${op.id} ${describeOne(op)}]`;
      // The codec's own refusals (a value out of its range) are bad input too: nothing is sent.
      if (!(err instanceof ValidationError)) issues.push({ field: where, value: op.spec, expected: 'operation', reason: (err as Error).message });
      else issues.push(...err.errors.map((e) => ({ ...e, field: `${where}.${e.field}` })));
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return { framed, ready };
}

/** Opens and closes `namespaces` (NotFoundError naming the field when one is not there). */
function canOpen(namespaces: PreparedOp['namespaces']): void {
  const opened = new OpenedNamespaces();
  try {
    opened.open(namespaces);
  } finally {
    opened.close();
  }
}

/**
 * The batch's answers, with the commit's own remaining work (SendContext.started: filling the
 * inverses, working out what confirming will look for) done beside the kernel's only where that
 * costs the kernel nothing: for addresses and routes, while it works; for a batch with link
 * changes (a quiet send), once the answers are in. Work in this process while the kernel creates
 * links slows its grace periods (see sendHome): 200 veth pairs took the kernel 30-34 ms with the
 * inverses filled meanwhile, 28-31 with them filled just before the send (V8 still compiling and
 * collecting on its own threads, presumably), and 24-25 with them filled after it; the commits'
 * medians were 62, 60 and 54 ms (8 fresh processes each, a stage timeline outside the suite).
 */
async function beside(answering: Promise<BatchResult[]>, quiet: boolean, ctx: SendContext): Promise<BatchResult[]> {
  if (!quiet) ctx.started?.();
  const answers = await answering;
  if (quiet) ctx.started?.();
  return answers;
}

export class KernelExecutor implements OpExecutor {
  private readonly home: NetnsSpec;
  private readonly prepared = new WeakMap<Operation, Ready>();
  /**
   * The last plan prepare() saw, encoded: its requests written into one buffer in plan order
   * (`framed`, when every operation could be: none names another namespace), else each one's own
   * request by position (`ready`). send() of the same array takes them from here.
   */
  private plan: { ops: readonly Operation[]; framed: FramedRequests | null; ready: (Ready | undefined)[] } | null = null;
  /** Which operations of a plan sent with an echo claim had their notification claimed (echoed()). */
  private readonly echoes = new WeakMap<readonly Operation[], Uint8Array>();

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

  /** The request of ops[i], encoded by prepare() when `ops` is the plan it saw. */
  private readyAt(ops: readonly Operation[], i: number): Ready {
    const plan = this.plan;
    const known = plan !== null && plan.ops === ops ? plan.ready[i] : undefined;
    return known ?? this.prepareOne(ops[i]!);
  }

  /**
   * Validates every operation of the transaction's own namespace (ValidationError naming the
   * operation, nothing sent), encoding them on the way. Called before the journal is written.
   */
  prepare(ops: readonly Operation[]): void {
    if (this.plan?.ops === ops) return;
    this.plan = { ops, ...encodePlan(ops, this.home) };
  }

  /**
   * The bytes send() would put on the wire for `ops`, without sending anything (`tx.compile()`,
   * pyroute2's IPBatch): every request behind its nlmsghdr (NLM_F_REQUEST | NLM_F_ACK and its own
   * flags), in plan order, numbered 1 to n (a transport numbers them afresh when it sends them),
   * port id 0. Validated as a commit is (ValidationError, naming the operation). An operation
   * that needs another namespace opened when it is sent (a link moved there: its request carries
   * a descriptor of the namespace; or one acting inside it, which goes to a socket there) cannot
   * be written ahead: a ValidationError names each. Leaves the executor as it was.
   */
  compile(ops: readonly Operation[]): Buffer {
    const refused: ValidationError['errors'][number][] = [];
    const refuse = (op: Operation, reason: string): void => {
      refused.push({ field: `[${op.id} ${describeOne(op)}]`, value: op.spec, expected: 'an operation of this namespace', reason });
    };
    for (const op of ops) if (op.ns) refuse(op, `it acts in namespace ${op.ns}: its request goes to a socket there, not into this batch`);
    if (refused.length > 0) throw new ValidationError(refused);
    const { framed, ready } = encodePlan(ops, this.home);
    let out = framed;
    if (out === null) {
      out = new FramedRequests(ops.length * 64);
      for (let i = 0; i < ops.length; i++) {
        // (Those framed before the first that could not be are not in `ready`: encoded here.)
        const r = ready[i] ?? encodeOp(ops[i]!, this.home) ?? prepareOp(ops[i]!, this.home);
        if (isRequest(r)) out.addPayload(r.type, r.flags ?? 0, r.payload);
        else refuse(ops[i]!, 'it names another namespace (a link moved there): its request carries a descriptor of that namespace, opened when it is sent');
      }
      if (refused.length > 0) throw new ValidationError(refused);
    }
    const bytes = Buffer.from(out.bytes.subarray(0, out.length));
    out.starts.forEach((at, i) => bytes.writeUInt32LE(i + 1, at + 8));
    return bytes;
  }

  async send(ops: readonly Operation[], ctx: SendContext): Promise<OpResult[]> {
    const results: OpResult[] = new Array<OpResult>(ops.length);
    try {
      let start = 0;
      while (start < ops.length) {
        const ns = ops[start]!.ns ?? null;
        let end = start + 1;
        while (end < ops.length && (ops[end]!.ns ?? null) === ns) end++;
        const from = start;
        const out = ctx.signal.aborted
          ? ops.slice(start, end).map((): OpResult => ({ status: 'unknown', error: ctx.signal.reason }))
          : ns === null ? await this.sendHome(ops, start, end, ctx) : await this.sendElsewhere(ns, ops.slice(start, end));
        // (The whole plan in one run, as a big one is: its results are the results.)
        if (from === 0 && end === ops.length) return out;
        for (let i = 0; i < out.length; i++) results[from + i] = out[i]!;
        start = end;
      }
    } finally {
      // The plan's requests are not needed once it is sent (a rollback has operations of its own).
      if (this.plan?.ops === ops) this.plan = null;
    }
    return results;
  }

  /** Sends ops[from, to), all of the transaction's own namespace; one result each. */
  private async sendHome(all: readonly Operation[], from: number, to: number, ctx: SendContext): Promise<OpResult[]> {
    const ops = from === 0 && to === all.length ? all : all.slice(from, to);
    // From a thread-pool thread. Addresses and routes: the kernel's work overlaps with reading
    // the answers and the database's notifications (5,000 address additions: about 0.26 s in the
    // kernel, 0.1 s for the notifications). Links: quietly, nothing read meanwhile. Creating a
    // device waits in the kernel for the other CPUs (each veth end: veth_init_queues lowers its
    // real tx queue count to 1, and netif_set_real_num_tx_queues waits for an expedited RCU grace
    // period, which interrupts a busy CPU and reschedules its thread; perf, sched_switch): 200 veth
    // pairs took the kernel 42-56 ms sent by this thread right after drafting, and 31-38 ms from
    // the pool with this thread idle; from the pool with this thread reading meanwhile, the
    // commit took as long as when this thread sent them.
    const links = ops.some((op) => op.kind === 'interface');
    const batchOpts = { signal: ctx.signal, operation: 'transaction', offThread: true, ...(links ? { quiet: this.opts.quiet ?? true } : {}) };
    const framed = this.plan !== null && this.plan.ops === all ? this.plan.framed : null;
    if (framed !== null && framed.count === ops.length) {
      // The whole plan, encoded by prepare() into one buffer, message j for operation j.
      const transport = await this.transportNow();
      if (this.opts.claimEchoes !== undefined) {
        const echoed = new Uint8Array(ops.length);
        const claim = routeEchoClaim(transport.portId, ops, framed, echoed);
        if (claim !== null) {
          this.opts.claimEchoes(claim);
          this.echoes.set(all, echoed);
        }
      }
      const answering = transport.requestFramed ? transport.requestFramed(framed, batchOpts) : transport.requestBatch(framed.requests(), batchOpts);
      const answers = await beside(answering, links, ctx);
      const results = new Array<OpResult>(ops.length);
      answer(ops, answers, (j) => j, results);
      return results;
    }
    const opened = new OpenedNamespaces();
    try {
      const results: (OpResult | undefined)[] = new Array(ops.length);
      const requests: NetlinkRequest[] = [];
      const sentAt: number[] = [];
      const encodeCtx = indexOnly(opened);
      ops.forEach((op, i) => {
        try {
          const p = this.readyAt(all, from + i);
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
        const transport = await this.transportNow();
        const answers = await beside(transport.requestBatch(requests, batchOpts), links, ctx);
        answer(ops, answers, (j) => sentAt[j]!, results);
      }
      return results as OpResult[];
    } finally {
      opened.close();
    }
  }

  /**
   * For a plan this executor sent with an echo claim: echoed[i] is 1 once operation i's
   * notification was claimed (echo-claim.ts), so that the database applies exactly that
   * operation's record from it. Undefined for any other plan.
   */
  echoed(ops: readonly Operation[]): Uint8Array | undefined {
    return this.echoes.get(ops);
  }

  private async transportNow(): Promise<NetlinkTransport> {
    return typeof this.transport === 'function' ? this.transport() : this.transport;
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
