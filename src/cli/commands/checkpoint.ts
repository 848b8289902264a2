/**
 * `nldb checkpoint save|list|diff|restore|delete ...`: named states in a store file.
 *
 *   save NAME [--replace]        the namespace's state now, under NAME
 *   list [--all]                 the checkpoints (--all: the store's own baselines too)
 *   diff NAME [OTHER]            from checkpoint NAME to OTHER (another checkpoint), or to now
 *   restore NAME [--dry-run]     one transaction back to NAME (--dry-run: its review only)
 *   delete NAME
 *
 * save, restore and diff-to-now open the namespace's database recording into the file; list,
 * delete and diff between two checkpoints read the file alone.
 */
import type {
  AnyRecord, CheckpointInfo, InterfaceRecord, KindDiff, NamespaceStore, RecordKind, SnapshotDiff, Transaction,
} from '../../index.js';
import { existsSync } from 'node:fs';
import { CheckpointExistsError } from '../../index.js';
import { flag, oneOf, parseCommand, str } from '../args.js';
import { makeContext, type CliIo, type CommandContext } from '../context.js';
import { CliFailure, EXIT, UsageError } from '../exit.js';
import { COMMAND_HELP } from '../help.js';
import { describeRecord, fieldChanges, NameBook } from '../monitor-format.js';
import { makeProgress } from '../progress.js';
import { renderTable } from '../table.js';
import { commitFailure } from './apply.js';
import { labelOf, openLive, openRecorded, STORE_OPTIONS, storeFile } from './store-common.js';

const OPTIONS = {
  ...STORE_OPTIONS,
  replace: { type: 'boolean' },
  all: { type: 'boolean', short: 'a' },
  'dry-run': { type: 'boolean' },
} as const;

const ACTIONS = ['save', 'list', 'diff', 'restore', 'delete'] as const;
type Action = (typeof ACTIONS)[number];

/** Positionals each action takes (after the action itself): at least, at most. */
const ARITY: Readonly<Record<Action, readonly [number, number]>> = { save: [1, 1], list: [0, 0], diff: [1, 2], restore: [1, 1], delete: [1, 1] };

const KINDS: readonly [RecordKind, keyof SnapshotDiff][] = [
  ['interface', 'interfaces'], ['address', 'addresses'], ['route', 'routes'], ['rule', 'rules'], ['neighbour', 'neighbours'],
];

export async function checkpointCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const p = parseCommand('checkpoint', argv, OPTIONS, 3);
  const ctx = makeContext(io, p.color);
  if (p.help) { ctx.print(COMMAND_HELP.checkpoint!); return EXIT.OK; }
  const [word, ...names] = p.positionals;
  if (word === undefined) throw new UsageError(`checkpoint needs an action: ${ACTIONS.join(', ')}`, 'checkpoint');
  const action = oneOf<Action>(word, ACTIONS, 'the action', 'checkpoint');
  const [min, max] = ARITY[action];
  if (names.length < min) throw new UsageError(`checkpoint ${action} needs a checkpoint NAME`, 'checkpoint');
  if (names.length > max) throw new UsageError(`unexpected argument '${names[max]}'`, 'checkpoint');
  const netns = str(p, 'netns');
  const json = flag(p, 'json');
  const name = names[0]!;

  switch (action) {
    case 'save': {
      if (name.trim() === '') throw new UsageError('checkpoint save needs a NAME that is not empty', 'checkpoint');
      const file = storeFile(p, 'checkpoint', false);
      // (The library's message speaks of { replace: true }.)
      const exists = (ns: string) => `checkpoint '${name}' already exists in namespace '${ns}': --replace overwrites it`;
      // Refused before the database attaches to the store, which writes a baseline of its own.
      const taken = flag(p, 'replace') ? null : await savedAlready(file, netns, name);
      if (taken !== null) throw new CliFailure(exists(taken));
      const db = await openLive(ctx, file, netns);
      try {
        const info = await db.checkpoint(name, { replace: flag(p, 'replace') }).catch((err: unknown) => {
          if (err instanceof CheckpointExistsError) throw new CliFailure(exists(err.ns), undefined, { cause: err });
          throw err;
        });
        ctx.print(json ? `${JSON.stringify(info, null, 2)}\n` : `saved checkpoint ${name}: ${info.objects} objects at ${info.time.toISOString()}\n`);
      } finally {
        await db.close();
      }
      return EXIT.OK;
    }
    case 'list':
      return readOnly(p, netns, async (ns) => {
        const all = await ns.checkpoints();
        const shown = flag(p, 'all') ? all : all.filter((c) => !c.auto);
        if (json) ctx.print(`${JSON.stringify(shown, null, 2)}\n`);
        else if (shown.length === 0) ctx.note(`no checkpoints${all.length > 0 ? ' (--all shows the store\'s own baselines)' : ''}`);
        else ctx.print(listTable(ctx, shown));
        return EXIT.OK;
      });
    case 'delete':
      return readOnly(p, netns, async (ns) => {
        if (!(await ns.deleteCheckpoint(name))) throw new CliFailure(`no checkpoint '${name}'`);
        if (!json) ctx.print(`deleted checkpoint ${name}\n`);
        return EXIT.OK;
      });
    case 'diff': {
      const other = names[1];
      if (other !== undefined && other !== 'now') {
        return readOnly(p, netns, async (ns) => {
          const names2 = new NameBook((await ns.query<{ record: string }>('SELECT record FROM interfaces')).map((r) => JSON.parse(r.record) as InterfaceRecord));
          printDiff(ctx, await ns.diff(name, other), json, names2);
          return EXIT.OK;
        });
      }
      const file = storeFile(p, 'checkpoint', true);
      await mustBeSaved(file, netns, name);
      const db = await openLive(ctx, file, netns);
      try {
        printDiff(ctx, await db.diff(name, 'now'), json, new NameBook(db.snapshot().interfaces as InterfaceRecord[]));
      } finally {
        await db.close();
      }
      return EXIT.OK;
    }
    case 'restore': {
      const file = storeFile(p, 'checkpoint', true);
      await mustBeSaved(file, netns, name);
      const db = await openLive(ctx, file, netns);
      try {
        return await restore(ctx, await db.restore(name), name, flag(p, 'dry-run'), json);
      } finally {
        await db.close();
      }
    }
  }
}

/**
 * Refuses a checkpoint the store does not have before the namespace's database attaches to the
 * store (which writes a baseline of its own: a refused restore or diff left one behind).
 */
async function mustBeSaved(file: string, netns: string | undefined, name: string): Promise<void> {
  if ((await savedAlready(file, netns, name)) === null) throw new CliFailure(`no checkpoint '${name}' in namespace '${labelOf(netns)}'`);
}

/** The namespace's label when the store file already has checkpoint `name` for it, else null. */
async function savedAlready(file: string, netns: string | undefined, name: string): Promise<string | null> {
  if (!existsSync(file)) return null;
  let opened: Awaited<ReturnType<typeof openRecorded>>;
  try {
    opened = await openRecorded(file, netns);
  } catch (err) {
    // Nothing recorded for the namespace yet: nothing saved under any name.
    if (err instanceof CliFailure) return null;
    throw err;
  }
  try {
    return (await opened.ns.checkpoints()).some((c) => c.name === name) ? opened.ns.label : null;
  } finally {
    await opened.store.close();
  }
}

async function readOnly(p: Parameters<typeof storeFile>[0], netns: string | undefined, run: (ns: NamespaceStore) => Promise<number>): Promise<number> {
  const { store, ns } = await openRecorded(storeFile(p, 'checkpoint', true), netns);
  try {
    return await run(ns);
  } finally {
    await store.close();
  }
}

async function restore(ctx: CommandContext, tx: Transaction, name: string, dryRun: boolean, json: boolean): Promise<number> {
  const ops = tx.plan();
  if (ops.length === 0) {
    tx.drop();
    if (json) ctx.print('[]\n');
    else ctx.note(`nothing to do: the namespace matches checkpoint ${name}`);
    return EXIT.OK;
  }
  const review = `${tx.review().trimEnd()}\n`;
  if (dryRun) {
    tx.drop();
    ctx.print(json ? `${JSON.stringify(ops, null, 2)}\n` : review);
    return EXIT.OK;
  }
  const progress = makeProgress(ctx.io.stderr);
  progress.update(`restoring ${name}: ${ops.length} operation${ops.length === 1 ? '' : 's'}…`);
  try {
    await tx.commit();
  } catch (err) {
    throw commitFailure(err) ?? err;
  } finally {
    progress.done();
  }
  ctx.print(json ? `${JSON.stringify(ops, null, 2)}\n` : review);
  return EXIT.OK;
}

function listTable(ctx: CommandContext, rows: readonly CheckpointInfo[]): string {
  return renderTable(rows, [
    { header: 'name', cell: (c) => c.name },
    { header: 'time', cell: (c) => c.time.toISOString() },
    { header: 'objects', cell: (c) => c.objects, align: 'right' },
    { header: 'kind', cell: (c) => (c.auto ? 'baseline' : 'saved') },
  ], ctx.out);
}

/** '+' in the second state only, '-' in the first only, '~' changed (its fields, first → second). */
function printDiff(ctx: CommandContext, diff: SnapshotDiff, json: boolean, names: NameBook): void {
  if (json) {
    ctx.print(`${JSON.stringify(diff, null, 2)}\n`);
    return;
  }
  const s = ctx.out;
  let lines = 0;
  for (const [kind, plural] of KINDS) {
    const d = diff[plural] as KindDiff<AnyRecord>;
    for (const { record } of d.added) {
      ctx.print(`${s.green('+')} ${s.green(`${kind} ${describeRecord(kind, record, names.lookup)}`)}\n`);
      lines++;
    }
    for (const { record } of d.removed) {
      ctx.print(`${s.red('-')} ${s.red(`${kind} ${describeRecord(kind, record, names.lookup)}`)}\n`);
      lines++;
    }
    for (const c of d.changed) {
      const fields = Object.entries(c.fields).flatMap(([f, v]) => fieldChanges(kind, f, v.before, v.after, names.lookup, s));
      ctx.print(`${s.yellow('~')} ${s.yellow(`${kind} ${describeRecord(kind, c.after, names.lookup)}`)}: ${fields.join(', ')}\n`);
      lines++;
    }
  }
  if (lines === 0) ctx.note('no differences');
}
