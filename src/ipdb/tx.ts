/**
 * Transactions on an IPDB: what `db.begin()`, `db.transaction()`, `db.interfaces.freeze()` and
 * the journal recovery of `IPDB.open({ store })` are made of. IPDB's methods delegate here.
 *
 *   const tx = db.begin();                    // a draft over the current snapshot
 *   tx.interfaces.v0.mtu = 9000;
 *   await tx.commit({ timeout: 5000 });
 *   await db.transaction((tx) => { tx.routes.add({ dst: '10.1.0.0/16', gateway: '10.0.0.1' }); });
 *
 * Wiring (src/transactions does the rest):
 * - executor: a request socket of its own (KernelExecutor), opened on the first commit: a batch's
 *   ACKs (one datagram each, 10,000 for 10,000 operations) are read in few turns of the event
 *   loop, not 48 at a time between the database's slices of work, and never wait behind a dump.
 *   The kernel's notifications of our routes, addresses and rules carry its port id, those of
 *   links and IPv6 addresses name what the commit changes: both reach changes$ as origin 'commit';
 * - confirm: the database must show the plan's outcome (confirm.ts), within the commit deadline;
 * - a commit queue: commits of one database run one after another, each checked for conflicts
 *   and planned against the state at its own turn (after a sync with the kernel);
 * - the journal: with a store file, every plan and inverse is written to it before sending, and
 *   opening the store undoes what a killed process left half done (`db.recovered` says what).
 */
import { existsSync } from 'node:fs';
import type { Database } from '../db/database.js';
import { compileLoad, type LoadOptions } from '../db/load.js';
import { KINDS } from '../db/types.js';
import type { Views } from '../db/state.js';
import { NotFoundError } from '../iproute/errors.js';
import { IPRoute } from '../iproute/iproute.js';
import { NetlinkSocket } from '../transport/socket.js';
import type { EchoClaim, NetlinkTransport } from '../transport/transport.js';
import type { InterfaceRecord, RecordByKind, RecordKind } from '../iproute/records.js';
import type { IfRef, NetnsSpec } from '../iproute/specs.js';
import { netnsPath, type NetnsRef } from '../transport/netns.js';
import { snapshotBases } from '../transactions/db-base.js';
import { keyOf } from '../db/keys.js';
import type { DbEvent } from '../db/types.js';
import type { OpExecutor } from '../transactions/commit.js';
import { databaseConfirm, targetOf } from '../transactions/confirm.js';
import type { InterfaceDraft } from '../transactions/draft.js';
import { Freezer, type FreezeOptions } from '../transactions/freeze.js';
import type { Journal } from '../transactions/journal.js';
import { KernelExecutor } from '../transactions/kernel-executor.js';
import type { RecoveredTx, ScopedExecutor } from '../transactions/recovery.js';
import { begin, runTransaction, type Transaction, type TxCommitOptions, type TxEnvironment } from '../transactions/transaction.js';
import { randomId } from '../util/random-id.js';
import { renamesUpLinks } from './kernel-release.js';

/** What the transaction layer needs of its IPDB. */
export interface TxHost {
  readonly database: Database;
  readonly ipr: IPRoute;
  readonly netns: NetnsRef | undefined;
  sync(): Promise<void>;
  /**
   * Resolves once every notification sent before the call is applied, without waiting for a
   * safety-net re-dump (IPDB.applied); sync() when absent. What commits settle and confirm with.
   */
  applied?(): Promise<void>;
}

export interface TxLayerOptions {
  /** The database's load options: records it does not keep are not waited for. */
  load?: LoadOptions;
  freeze?: FreezeOptions;
  /** Pauses the database's event socket until the returned function is called (KernelExecutorOptions.quiet). */
  pauseEvents?: () => () => void;
  /** Puts a claim on the database's event socket (NetlinkTransport.claimEchoes); returns what removes it. */
  claimEchoes?: (claim: EchoClaim) => () => void;
}

/** `db.interfaces` with freeze() and unfreeze(). */
export interface FreezeApi {
  /** Keeps the interface as it is now, reverting other programs' changes to it, until unfreeze(). */
  freeze(ref: IfRef): void;
  /** Stops keeping it; true when it was frozen. */
  unfreeze(ref: IfRef): boolean;
  /**
   * One interface edited as a transaction of its own, pyroute2's `with ipdb.interfaces.eth0 as i:`:
   * `fn` gets the interface's draft (as `tx.interfaces.get(ref)` gives it), and the change is
   * committed when `fn` returns, with `options`, and dropped when it throws; resolves with what
   * `fn` returned. An interface the database does not have is a NotFoundError, nothing sent.
   */
  edit<T>(ref: IfRef, fn: (link: InterfaceDraft) => T | Promise<T>, options?: TxCommitOptions): Promise<T>;
}

/** A namespace reference as a label the journal and inverses can name it by. */
export function netnsLabel(ref: NetnsRef | undefined): string | null {
  if (ref === undefined) return null;
  if (typeof ref === 'string') return ref;
  if ('name' in ref) return ref.name;
  if ('path' in ref) return ref.path;
  if ('pid' in ref) return `/proc/${ref.pid}/ns/net`;
  return `/proc/${process.pid}/fd/${ref.fd}`;
}

export class TxLayer {
  /** What the recovery at open undid (empty when nothing was left unfinished). */
  recovered: readonly RecoveredTx[] = [];
  readonly freezer: Freezer;
  private journal: Journal | null = null;
  private readonly executor: KernelExecutor;
  /** The commit socket, once opened (a promise while it opens). */
  private socket: Promise<NetlinkSocket> | null = null;
  private socketPort = 0;
  private closed = false;
  private readonly label: string | null;
  private readonly home: NetnsSpec;
  private readonly env: TxEnvironment;
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;
  /** `kind:key` of what the running commit (or its rollback) changes. */
  private readonly inflight = new Set<string>();
  /** The links the running commit (or its rollback) changes, by index (inflight's, for links). */
  private readonly inflightLinks = new Set<number>();
  /** The veth pairs the running commit (or its rollback) creates: each end's index -> its name and its peer's index. */
  private readonly pairs = new Map<number, { ifname: string; peer: number }>();
  /** What removes the echo claims of the running commit's batches (TxLayerOptions.claimEchoes). */
  private readonly claims: (() => void)[] = [];
  /** The id of the transaction whose operations (or rollback) are being sent: txidOf(). */
  private sending: string | null = null;
  private frozenView: unknown;
  /** The transactions' view of a database snapshot, one per snapshot. */
  private readonly baseOf: ReturnType<typeof snapshotBases>;

  constructor(private readonly host: TxHost, opts: TxLayerOptions = {}) {
    this.label = netnsLabel(host.netns);
    this.baseOf = snapshotBases(this.label);
    this.home = this.label ?? { pid: process.pid };
    const claimEchoes = opts.claimEchoes;
    this.executor = new KernelExecutor(() => this.commitSocket(), {
      home: this.home,
      ...(opts.pauseEvents ? { quiet: opts.pauseEvents } : {}),
      // The event socket hands the database the records of the commit's own routes as it reads
      // their notifications (echo-claim.ts); the claims end with the commit.
      ...(claimEchoes ? { claimEchoes: (claim: EchoClaim) => { this.claims.push(claimEchoes(claim)); } } : {}),
    });
    const load = compileLoad(opts.load);
    const db = host.database;
    // Commits wait for the kernel's notifications, not for the safety net's re-dump (TxHost.applied).
    const applied = (): Promise<void> => this.applied();
    this.env = {
      executor: this.marking(this.executor),
      // tx.compile(): the batch as bytes, sent by nobody (KernelExecutor.compile).
      compile: (ops) => this.executor.compile(ops),
      confirm: databaseConfirm({
        get state() { return db.state; },
        wait: (predicate, options) => db.wait(predicate, options),
        sync: applied,
      }, {
        dbKeys: true,
        echoed: (ops) => this.executor.echoed(ops),
        // (Only when the load options leave something out: 10,000 routes need not be asked about one by one.)
        ...(load.complete.size < KINDS.length ? { keeps: <K extends RecordKind>(kind: K, r: RecordByKind[K]) => load.keep(kind, r) } : {}),
      }),
      current: () => this.baseOf(db.state.snapshot),
      serialize: (run) => this.serialize(async () => {
        try {
          return await run();
        } finally {
          // The notifications of a rollback may still be on their way: let them in while the
          // objects are still marked as ours, then forget the marks.
          await applied().catch(() => undefined);
          this.dropClaims();
          this.inflight.clear();
          this.inflightLinks.clear();
          this.pairs.clear();
          this.sending = null;
        }
      }),
      settle: applied,
      committed: (report) => this.freezer.adopt(report),
      renameUp: renamesUpLinks(),
      namespaceExists: (name) => existsSync(netnsPath(name)!),
    };
    this.freezer = new Freezer({
      state: () => db.state,
      // A getter: read only when something is frozen (changes$ loads rxjs, see src/util/emitter.ts).
      get changes$() { return db.changes$; },
      begin: () => this.begin(),
      idle: () => this.idle(),
      sync: () => host.sync(),
      error: (err) => this.reportError(err),
    }, opts.freeze);
  }

  /**
   * The executor, marking what each batch changes as ours: the kernel announces links and IPv6
   * addresses without the requester's port id, so the event source asks isOwnEcho(). Routes,
   * IPv4 addresses and rules are announced with it (rtmsg_fib, rtmsg_ifa, notify_rule_change pass
   * the requester's portid): those need no mark.
   */
  private marking(inner: OpExecutor, txid: string | null = null): OpExecutor {
    return {
      prepare: (ops) => inner.prepare?.(ops),
      send: (ops, ctx) => {
        if (txid !== null) this.sending = txid;
        let quietly = false;
        for (const op of ops) {
          if (op.ns || op.kind === 'route' || op.kind === 'rule' || (op.kind === 'address' && op.spec.family === 4)) continue;
          if (op.kind === 'interface' && op.intent === 'set' && (op.spec.port !== undefined || op.spec.altnames !== undefined || op.spec.removeAltnames !== undefined)) quietly = true;
          if (op.kind === 'interface') {
            this.inflightLinks.add(op.spec.index);
          } else {
            const t = targetOf(op, true);
            this.inflight.add(`${t.kind}:${t.key}`);
          }
          if (op.kind === 'interface' && op.intent === 'create' && op.spec.peer) {
            const { index, ifname, peer } = op.spec;
            this.inflightLinks.add(peer.index);
            if (op.spec.kind === 'veth') {
              this.pairs.set(index, { ifname, peer: peer.index });
              this.pairs.set(peer.index, { ifname: peer.ifname, peer: index });
            }
          }
        }
        if (!quietly) return inner.send(ops, ctx);
        // A bridge port's new settings, and a link's alternative names added or removed, are
        // announced only while the link is up (netdev_state_change; br_port_slave_changelink and
        // rtnl_linkprop say nothing themselves): the database reads the links again after such a
        // batch, so confirming sees them either way.
        // (After the notifications the batch caused, which would otherwise land on top of it.)
        return inner.send(ops, ctx).finally(async () => {
          await this.applied().catch(() => undefined);
          await this.host.database.resync(['interface']).catch(() => undefined);
        });
      },
    };
  }

  /** Resolves once the notifications sent so far are applied (TxHost.applied). */
  private applied(): Promise<void> {
    return this.host.applied ? this.host.applied() : this.host.sync();
  }

  /**
   * Whether an event is about something the running commit changes (origin 'commit'). Asked for
   * every event the kernel source reads, before the database sees it: it also completes what the
   * kernel leaves out of the announcement of a veth the commit creates (completeVeth).
   */
  isOwnEcho(ev: DbEvent, pid = 0): boolean {
    if (this.pairs.size > 0 && ev.kind === 'interface' && ev.op === 'new') this.completeVeth(ev.record);
    if (pid !== 0 && pid === this.socketPort) return true;
    // (Links by index: no key string for each of a commit's 400 link notifications.)
    if (ev.kind === 'interface') return this.inflightLinks.has(ev.record.index);
    if (this.inflight.size === 0) return false;
    return this.inflight.has(`${ev.kind}:${keyOf(ev.kind, ev.record as never)}`);
  }

  /**
   * A veth pair is made by one request; the kernel registers the peer first and joins the two
   * ends only once both are registered, so every announcement of the peer says it has no link
   * (IFLA_LINK 0), and no later one says otherwise (src/db/effects.ts, vethAnnounced). The
   * database would ask for a re-dump of every interface to learn the link, and the commit would
   * wait for it. The commit knows the pair it asked for: an announcement of one of its ends, by
   * index and name, without a link, gets its peer's index, which is what that re-dump would find
   * (both ends are created in this namespace). `record` is the event's own, not yet stored.
   */
  private completeVeth(record: InterfaceRecord): void {
    const p = this.pairs.get(record.index);
    if (p === undefined || record.kind !== 'veth' || record.ifname !== p.ifname || record.link !== null || record.linkNetnsid !== null) return;
    record.link = p.peer;
  }

  /**
   * ACK datagrams read per turn of the event loop (the transport's default is 48): a commit's ACKs
   * are small and all wanted at once; between two turns the database applies a slice of the
   * commit's own notifications, which would hold the rest of the ACKs back.
   */
  private static readonly ACKS_PER_SLICE = 1 << 16;

  /**
   * The commit socket's receive buffer (the kernel doubles it): a batch is cut into chunks whose
   * ACKs fit half of it, and each chunk waits for the previous one's answers. 10,000 routes fit
   * one chunk with 64 MiB (about 2 KiB is counted per ACK); the memory is used only while ACKs
   * wait to be read, and they are read as they come.
   */
  private static readonly ACK_RCVBUF = 64 << 20;

  /** The request socket commits go out on (opened on first use). */
  commitSocket(): Promise<NetlinkTransport> {
    if (this.closed) return Promise.reject(new Error('the database is closed'));
    this.socket ??= NetlinkSocket.openAsync({
      ...(this.host.netns !== undefined ? { netns: this.host.netns } : {}),
      datagramsPerSlice: TxLayer.ACKS_PER_SLICE,
      rcvbuf: TxLayer.ACK_RCVBUF,
      // ACKs are read 64 per system call (recvmmsg); an error's ACK echoes its request, a few
      // hundred bytes: 32 KiB slots.
      receiveSlots: 64,
      recvBufferSize: 32 * 1024,
    }).then((s) => {
      if (this.closed) { s.close(); throw new Error('the database is closed'); }
      this.socketPort = s.portId;
      return s;
    });
    return this.socket;
  }

  /** Errors of background work (freeze reverts): the last ones, newest last. */
  readonly errors: Error[] = [];

  /** Keeps a background failure, and reports it on the database's errors$ (db.errors$). */
  private reportError(err: Error): void {
    this.errors.push(err);
    if (this.errors.length > 20) this.errors.shift();
    this.host.database.report(err);
  }

  /** Runs commits one after another. */
  serialize<T>(run: () => Promise<T>): Promise<T> {
    this.queued++;
    const p = this.tail.then(run);
    this.tail = p.then(() => undefined, () => undefined).finally(() => { this.queued--; });
    return p;
  }

  /** Resolves once no commit is queued or running. */
  async idle(): Promise<void> {
    while (this.queued > 0) await this.tail;
  }

  /** Ends the echo claims of the batches sent so far (what they did not take goes the usual way). */
  private dropClaims(): void {
    for (const drop of this.claims.splice(0)) drop();
  }

  /** A new transaction over the database's current state. */
  begin(): Transaction {
    // The commit's socket (opened once, in the database's namespace: 0.4 ms) opens while the
    // transaction is drafted, not when it commits. (A failure is the commit's to report.)
    if (this.socket === null && !this.closed) this.commitSocket().catch(() => undefined);
    // The id is chosen here so that the executor knows which transaction is sending (txidOf()).
    const id = randomId();
    return begin(this.baseOf(this.host.database.state.snapshot), {
      ...this.env, id, journal: this.journal, executor: this.marking(this.executor, id),
    });
  }

  /**
   * The transaction a change of origin 'commit' belongs to (for the store's history): commits run
   * one at a time, and their echoes are let in before the next one starts (serialize()).
   */
  txidOf(change: { readonly origin: string }): string | null {
    return change.origin === 'commit' ? this.sending : null;
  }

  /** Runs `fn` on a new transaction: commits when it returns, drops it when it throws. */
  transaction<T>(fn: (tx: Transaction) => T | Promise<T>, opts: TxCommitOptions = {}): Promise<T> {
    return runTransaction(() => this.begin(), fn, opts);
  }

  /**
   * Opens (or creates) the journal in the store file and undoes what an earlier process left
   * unfinished in it; resolves with what it undid, also kept in `recovered`.
   */
  async openJournal(path: string): Promise<readonly RecoveredTx[]> {
    // SQLite is loaded only by those who ask for a store.
    const [{ Journal }, { recoverUnfinished }] = await Promise.all([import('../transactions/journal.js'), import('../transactions/recovery.js')]);
    this.journal = Journal.open(path);
    const executorFor = async (ns: string | null): Promise<ScopedExecutor> => {
      if (ns === this.label) return { executor: this.executor, release: () => undefined };
      const ipr = await IPRoute.open(ns === null ? {} : { netns: ns });
      return { executor: new KernelExecutor(ipr.transport, { home: ns ?? { pid: process.pid } }), release: () => ipr.close() };
    };
    this.recovered = await this.serialize(async () => {
      try {
        return await recoverUnfinished(this.journal!, executorFor);
      } finally {
        this.dropClaims();
      }
    });
    if (this.recovered.length > 0) await this.host.sync();
    return this.recovered;
  }

  /** `interfaces` with freeze()/unfreeze() added (the same collection otherwise). */
  interfaces(view: Views['interfaces']): Views['interfaces'] & FreezeApi {
    if (!this.frozenView) {
      const api: FreezeApi = {
        freeze: (ref) => { this.freezer.freeze(ref); },
        unfreeze: (ref) => this.freezer.unfreeze(ref),
        edit: (ref, fn, options) => this.transaction((tx) => {
          const link = tx.interfaces.get(ref);
          if (link === undefined) throw new NotFoundError([{ field: 'interface', value: ref, expected: 'interface', reason: 'no such link in the database' }]);
          return fn(link);
        }, options),
      };
      this.frozenView = new Proxy(view, {
        get(target, prop) {
          if (prop === 'freeze' || prop === 'unfreeze' || prop === 'edit') return api[prop];
          return Reflect.get(target, prop);
        },
      });
    }
    return this.frozenView as Views['interfaces'] & FreezeApi;
  }

  close(): void {
    this.closed = true;
    void this.socket?.then((s) => s.close(), () => undefined);
    this.freezer.close();
    this.journal?.close();
    this.journal = null;
  }
}
