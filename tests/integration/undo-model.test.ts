/**
 * Issue 11, undo and redo: a model-based test of every organising action and its undo against a real library.
 *
 * fast-check runs random sequences of the renderer's own undoable operations (src/renderer/src/store/undo-ops.ts,
 * the functions the grid, inspector, dialogs, folder tree and stack dialog call) — rate, flag, title, note, tag and
 * untag, move, copy, trash, restore, new folder/project, rename, move and delete folder, stack, unstack — mixed with
 * Undo and Redo, over the real dispatcher, app services and SQLite file (a temp folder; images made by the sandbox).
 * After each sequence:
 * - undoing every step returns the library to its state before the sequence: every image's folder, title, note,
 *   rating, flag, tags, trash state and stack; the live folders (ids, names, parents, order, counts); the tags in use
 *   with their counts. The one difference allowed, and required, is that copies made during the sequence are in the
 *   trash (an undone copy is trashed, never deleted: undo never destroys);
 * - redoing the steps then replays them: the library is exactly as the sequence left it (copies restored);
 * - no undo or redo failed.
 * It prints `undo-model runs=… commands=… steps=… undos=… redos=… refused=… undo_failures=0 mismatches=0 seed=…`;
 * `UNDO_MODEL_SEED` (and `UNDO_MODEL_RUNS`) replays a run.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import { AppError } from '../../src/shared/errors';
import type { Transport } from '../../src/renderer/src/transport/types';
import { setTransport } from '../../src/renderer/src/transport';
import { undoStore, useUndo } from '../../src/renderer/src/store/undo';
import * as ops from '../../src/renderer/src/store/undo-ops';
import { call, openTestApp, tempDir, waitFor } from '../helpers/app';

const SEED = Number(process.env['UNDO_MODEL_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env['UNDO_MODEL_RUNS'] ?? 30);

const totals = { runs: 0, commands: 0, steps: 0, undos: 0, redos: 0, refused: 0, undoFailures: 0, mismatches: 0 };

let app: App;
let cleanup: () => Promise<void>;
/** Folder names are unique for the whole test (a restore reuses a live folder of the same name: not exercised). */
let nameSeq = 0;
const freshName = (prefix: string): string => `${prefix}${++nameSeq}`;

// ── the library's state ──────────────────────────────────────────────────────────────────────────────────────────

interface AssetState {
  folderId: string;
  title: string | null;
  note: string | null;
  rating: number;
  flag: number;
  tags: string[];
  trashed: boolean;
  stackId: string | null;
}
interface Snapshot {
  assets: Map<string, AssetState>;
  /** Live folders in tree order with their image counts. */
  folders: unknown[];
  /** Tags carried by live images, with their counts. */
  tags: { name: string; count: number }[];
}

const liveIds = async (): Promise<string[]> => (await call(app, 'assets.ids', { scope: { kind: 'library' } })).ids;
const trashIds = async (): Promise<string[]> => (await call(app, 'assets.ids', { scope: { kind: 'trash' } })).ids;

async function snapshot(): Promise<Snapshot> {
  const ids = [...new Set([...(await liveIds()), ...(await trashIds())])].sort();
  const assets = new Map<string, AssetState>();
  if (ids.length > 0) {
    for (const a of (await call(app, 'assets.undoState', { ids })).assets) {
      assets.set(a.id, {
        folderId: a.folderId,
        title: a.title,
        note: a.note,
        rating: a.rating,
        flag: a.flag,
        tags: a.tags,
        trashed: a.deletedAt !== null,
        stackId: a.stackId,
      });
    }
  }
  const folders = await call(app, 'folders.list', {});
  const tags = (await call(app, 'tags.suggest', { prefix: '', limit: 50 })).filter((t) => t.count > 0);
  return { assets, folders, tags };
}

/** Differences between `want` and `got`; `copies` (made during the sequence) must be in the trash in `got`. */
function diff(want: Snapshot, got: Snapshot, copies: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  for (const [id, a] of want.assets) {
    const b = got.assets.get(id);
    if (!b) out.push(`image ${id} is gone`);
    else if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`image ${id}: want ${JSON.stringify(a)}, got ${JSON.stringify(b)}`);
  }
  for (const [id, b] of got.assets) {
    if (want.assets.has(id)) continue;
    if (!copies.has(id)) out.push(`image ${id} is new and not a copy`);
    else if (!b.trashed) out.push(`copy ${id} is not in the trash`);
  }
  if (JSON.stringify(want.folders) !== JSON.stringify(got.folders)) {
    out.push(`folders: want ${JSON.stringify(want.folders)}, got ${JSON.stringify(got.folders)}`);
  }
  if (JSON.stringify(want.tags) !== JSON.stringify(got.tags)) out.push(`tags: want ${JSON.stringify(want.tags)}, got ${JSON.stringify(got.tags)}`);
  return out;
}

// ── commands ─────────────────────────────────────────────────────────────────────────────────────────────────────

interface Real {
  /** Copies made during the sequence. */
  copies: Set<string>;
}
type Cmd = fc.AsyncCommand<object, Real>;

/** Distinct items of `list` at `picks` (modulo its length). */
const pickFrom = <T,>(list: readonly T[], picks: readonly number[]): T[] =>
  list.length === 0 ? [] : [...new Set(picks.map((p) => list[p % list.length]!))];

/** Runs an organising action; a refusal by the library (e.g. a folder moved into itself) is counted, not a failure. */
async function act(fn: () => Promise<unknown>): Promise<void> {
  const before = useUndo.getState().past.length;
  try {
    await fn();
    if (useUndo.getState().past.length > before || before === 100) totals.steps++;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    totals.refused++;
  }
}

abstract class Base implements Cmd {
  check(): boolean {
    return true;
  }
  abstract run(m: object, r: Real): Promise<void>;
  abstract toString(): string;
}

class OnImages extends Base {
  constructor(
    readonly what: string,
    readonly picks: number[],
    readonly fn: (ids: string[], r: Real) => Promise<unknown>,
    readonly fromTrash = false,
  ) {
    super();
  }
  async run(_m: object, r: Real): Promise<void> {
    const ids = pickFrom(this.fromTrash ? await trashIds() : await liveIds(), this.picks);
    if (ids.length === 0) return;
    await act(() => this.fn(ids, r));
  }
  toString(): string {
    return `${this.what}(${this.picks.join(',')})`;
  }
}

class OnFolder extends Base {
  constructor(
    readonly what: string,
    readonly pick: number,
    readonly other: number | null,
    readonly fn: (folder: Awaited<ReturnType<typeof folderList>>[number], other: string | null) => Promise<unknown>,
  ) {
    super();
  }
  async run(): Promise<void> {
    const folders = await folderList();
    if (folders.length === 0) return;
    const folder = folders[this.pick % folders.length]!;
    const other = this.other === null ? null : folders[this.other % folders.length]!.id;
    await act(() => this.fn(folder, other));
  }
  toString(): string {
    return `${this.what}(${this.pick},${this.other ?? '-'})`;
  }
}

const folderList = () => call(app, 'folders.list', {});

class History extends Base {
  constructor(readonly kind: 'undo' | 'redo') {
    super();
  }
  async run(): Promise<void> {
    const can = this.kind === 'undo' ? undoStore.canUndo() : undoStore.canRedo();
    const label = await undoStore[this.kind]();
    if (can && label === null) totals.undoFailures++;
    if (label) totals[this.kind === 'undo' ? 'undos' : 'redos']++;
  }
  toString(): string {
    return this.kind;
  }
}

const picks = fc.array(fc.nat(40), { minLength: 1, maxLength: 4 });
const TAGS = ['sky', 'Sea', 'night', 'café', 'Café'];
const tagList = fc.subarray(TAGS, { maxLength: 2 });
const text = fc.option(fc.constantFrom('Dawn', 'café au lait', '밤바다', '  spaced  '), { nil: null });

const commands = [
  fc.tuple(picks, fc.integer({ min: 0, max: 5 })).map(([p, rating]) => new OnImages(`rate${rating}`, p, (ids) => ops.updateAssets(ids, { rating }))),
  fc.tuple(picks, fc.constantFrom<-1 | 0 | 1>(-1, 0, 1)).map(([p, flag]) => new OnImages(`flag${flag}`, p, (ids) => ops.updateAssets(ids, { flag }))),
  fc.tuple(picks, text).map(([p, title]) => new OnImages('title', p, (ids) => ops.updateAssets(ids, { title }))),
  fc.tuple(picks, text, text).map(([p, title, note]) => new OnImages('titleNote', p, (ids) => ops.updateAssets(ids, { title, note }))),
  fc.tuple(picks, tagList, tagList).map(
    ([p, add, remove]) => new OnImages(`tag+${add.join('|')}-${remove.join('|')}`, p, (ids) => ops.tagAssets(ids, add, remove.filter((t) => !add.includes(t)))),
  ),
  fc.tuple(picks, fc.nat(20)).map(
    ([p, f]) =>
      new OnImages(`move→${f}`, p, async (ids) => {
        const folders = await folderList();
        return ops.moveAssets(ids, folders[f % folders.length]!.id);
      }),
  ),
  fc.tuple(picks, fc.nat(20)).map(
    ([p, f]) =>
      new OnImages(`copy→${f}`, p, async (ids, r) => {
        const folders = await folderList();
        for (const id of await ops.copyAssets(ids, folders[f % folders.length]!.id)) r.copies.add(id);
      }),
  ),
  picks.map((p) => new OnImages('trash', p, (ids) => ops.trashAssets(ids))),
  picks.map((p) => new OnImages('restore', p, (ids) => ops.restoreAssets(ids), true)),
  fc.tuple(picks, fc.nat(5)).map(([p, c]) => new OnImages(`stack^${c}`, p, (ids) => (ids.length < 2 ? Promise.resolve() : ops.stackAssets(ids, ids[c % ids.length]!)))),
  picks.map(
    (p) =>
      new OnImages('unstack', p, async (ids) => {
        const stacked = (await call(app, 'assets.undoState', { ids })).assets.find((a) => a.stackId !== null);
        if (stacked) await ops.unstack(stacked.stackId!);
      }),
  ),
  fc.option(fc.nat(20), { nil: null }).map(
    (parent) =>
      new OnFolder('newFolder', parent ?? 0, parent, (_f, parentId) => ops.createFolder(freshName(parentId ? 'Folder ' : 'Project '), parentId)),
  ),
  fc.nat(20).map((f) => new OnFolder('rename', f, null, (folder) => ops.renameFolder(folder, freshName('Renamed ')))),
  fc.tuple(fc.nat(20), fc.option(fc.nat(20), { nil: null })).map(([f, to]) => new OnFolder('moveFolder', f, to, (folder, parentId) => ops.moveFolder(folder, parentId))),
  fc.nat(20).map(
    (f) =>
      new OnFolder('deleteFolder', f, null, async (folder) => {
        if ((await folderList()).length > 1) await ops.deleteFolder(folder);
      }),
  ),
  // Undo and redo come up often, so that later actions also run after an undo (clearing the redo list) and redo
  // replays steps in the middle of a sequence.
  fc.constant(new History('undo')),
  fc.constant(new History('undo')),
  fc.constant(new History('undo')),
  fc.constant(new History('redo')),
  fc.constant(new History('redo')),
];

async function runOnce(cmds: Iterable<Cmd>): Promise<void> {
  totals.runs++;
  undoStore.clear();
  const list = [...cmds];
  totals.commands += list.length;
  const start = await snapshot();
  const real: Real = { copies: new Set() };
  await fc.asyncModelRun(() => ({ model: {}, real }), list);
  const end = await snapshot();
  const steps = useUndo.getState().past.length;

  const problems: string[] = [];
  const all = async (kind: 'undo' | 'redo', n = Infinity): Promise<void> => {
    for (let i = 0; i < n && (kind === 'undo' ? undoStore.canUndo() : undoStore.canRedo()); i++) {
      if ((await undoStore[kind]()) === null) {
        totals.undoFailures++;
        problems.push(`${kind} failed`);
      }
    }
  };
  await all('undo');
  problems.push(...diff(start, await snapshot(), real.copies).map((p) => `after undoing all: ${p}`));
  await all('redo', steps);
  problems.push(...diff(end, await snapshot()).map((p) => `after redoing: ${p}`));
  await all('undo');
  problems.push(...diff(start, await snapshot(), real.copies).map((p) => `after undoing again: ${p}`));
  undoStore.clear();
  if (problems.length > 0) {
    totals.mismatches += problems.length;
    throw new Error(`run ${totals.runs} (seed ${SEED}):\n  ${problems.slice(0, 12).join('\n  ')}\ncommands: ${list.map(String).join(' · ')}`);
  }
}

describe('undo and redo of every organising action (model-based, real SQLite library)', () => {
  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir());
    app = await openTestApp(dir);
    const transport: Transport = {
      kind: 'web',
      async call(name, input) {
        const r = await app.dispatcher.call(name, input, { transport: 'web' });
        if (!r.ok) throw AppError.fromShape(r.error);
        return r.value as never;
      },
      subscribe: () => () => {},
      onReconnect: () => () => {},
      mediaUrl: () => '',
      fileSource: () => Promise.reject(new Error('no files in this test')),
    };
    setTransport(transport);
    undoStore.setToasts(false);
    const project = await call(app, 'folders.create', { name: freshName('Project '), parentId: null });
    const sub = await call(app, 'folders.create', { name: freshName('Folder '), parentId: project.id });
    await call(app, 'folders.create', { name: freshName('Project '), parentId: null });
    for (const [folderId, n] of [
      [project.id, 5],
      [sub.id, 3],
    ] as const) {
      const job = await call(app, 'jobs.submit', {
        folderId,
        provider: 'sandbox',
        model: 'gpt-image-2',
        prompt: `undo model ${n}`,
        params: { number_of_images: n },
        references: [],
      });
      await waitFor(async () => (await call(app, 'jobs.get', { id: job.id })).state === 'completed', `sandbox job of ${n}`);
    }
    // A starting point with some of everything: tags, a rating, a title, a stack, an image in the trash.
    const ids = await liveIds();
    await call(app, 'assets.tag', { ids: ids.slice(0, 3), add: ['sky'], remove: [] });
    await call(app, 'assets.update', { ids: ids.slice(2, 4), patch: { rating: 3, title: 'Start' } });
    await call(app, 'stacks.create', { assetIds: ids.slice(4, 6), coverId: ids[4]! });
    await call(app, 'assets.trash', { ids: [ids[7]!] });
  }, 60_000);

  afterAll(async () => {
    undoStore.setToasts(true);
    await app?.close();
    await cleanup?.();
    console.log(
      `undo-model runs=${totals.runs} commands=${totals.commands} steps=${totals.steps} undos=${totals.undos} redos=${totals.redos} ` +
        `refused=${totals.refused} undo_failures=${totals.undoFailures} mismatches=${totals.mismatches} seed=${SEED}`,
    );
  });

  it('undoing everything returns the library to its start; redoing replays it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 24, size: 'medium' }), (cmds) => runOnce(cmds)),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    expect(totals.undoFailures).toBe(0);
    expect(totals.steps).toBeGreaterThan(RUNS);
  }, 240_000);
});
