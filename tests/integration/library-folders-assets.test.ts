/**
 * FolderService and AssetService on a real SQLite file (fresh temp folder per test): the folder tree (create,
 * rename, move, delete, validation, cycle refusal, and a model-based property test), asset paging, recipes and
 * idempotent job outputs.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AssetDetail, AssetSummary, FolderNode } from '../../src/shared/domain';
import { AssetService } from '../../src/main/services/library/assets';
import { openDatabase, type Db } from '../../src/main/services/library/db';
import { FolderService, MAX_FOLDER_NAME_LENGTH } from '../../src/main/services/library/folders';
import { DEFAULT_MAX_PIXELS } from '../../src/main/services/library/inspect';
import { BlobStore } from '../../src/main/services/library/store';

import { FIXTURES } from '../helpers/paths';
const image = (name: string): Buffer => readFileSync(join(FIXTURES, 'images', name));
const LIMITS = { maxBytes: 50 * 1024 * 1024, maxPixels: DEFAULT_MAX_PIXELS };

let dir: string;
let db: Db;
let clock: number;
let folders: FolderService;
let assets: AssetService;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atelier-folders-'));
  db = openDatabase(join(dir, 'library.sqlite'));
  clock = 1_700_000_000_000;
  folders = new FolderService(db, { now: () => clock });
  assets = new AssetService(db, { now: () => clock });
});
afterEach(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

// ---- helpers -------------------------------------------------------------------------------------------------

/** A blob row without a file (enough for the asset tables). */
function fakeBlob(n: number): string {
  const id = n.toString(16).padStart(64, '0');
  db.prepare(
    "INSERT OR IGNORE INTO blobs (id, ext, mime, width, height, bytes, created_at) VALUES (?, 'png', 'image/png', 64, 32, 100, 0)",
  ).run(id);
  return id;
}

/** A job row as the journal would write it. */
function insertJob(j: {
  id: string;
  folderId: string;
  provider?: string;
  model?: string;
  prompt?: string;
  params?: string;
  remoteId?: string | null;
  credits?: number | null;
  createdAt?: number;
  references?: { blobId: string; name: string }[];
}): void {
  db.prepare(
    `INSERT INTO jobs (id, folder_id, provider, model, prompt, params, state, idempotency_key, remote_id,
                       expected_count, credits, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 'completed', ?, ?, 1, ?, ?, ?)`,
  ).run(
    j.id,
    j.folderId,
    j.provider ?? 'sandbox',
    j.model ?? 'gpt-image-2',
    j.prompt ?? 'a prompt',
    j.params ?? '{}',
    `key-${j.id}`,
    j.remoteId ?? null,
    j.credits ?? null,
    j.createdAt ?? clock,
    j.createdAt ?? clock,
  );
  (j.references ?? []).forEach((r, position) =>
    db.prepare('INSERT INTO job_references (job_id, position, blob_id, name) VALUES (?, ?, ?, ?)').run(j.id, position, r.blobId, r.name),
  );
}

const byId = (list: FolderNode[]): Map<string, FolderNode> => new Map(list.map((f) => [f.id, f]));

// ---------------------------------------------------------------------------------------------------------------

describe('FolderService: create, list, rename', () => {
  it('creates projects and nested folders, appended at the end of their siblings', () => {
    const p1 = folders.create('  Project one ', null);
    clock += 1;
    const p2 = folders.create('Project two', null);
    const a = folders.create('Sketches', p1.id);
    const b = folders.create('Finals', p1.id);
    const c = folders.create('Deep', a.id);

    expect(FolderNode.parse(p1)).toEqual({ id: p1.id, parentId: null, name: 'Project one', position: 0, createdAt: clock - 1, assetCount: 0 });
    expect([p1.position, p2.position]).toEqual([0, 1]);
    expect([a.position, b.position, c.position]).toEqual([0, 1, 0]);
    expect(b.parentId).toBe(p1.id);
    expect(p1.id).toMatch(/^[0-9a-f-]{36}$/);

    const list = folders.list();
    expect(list.map((f) => f.name)).toEqual(['Project one', 'Project two', expect.any(String), expect.any(String), expect.any(String)]);
    expect(byId(list).get(c.id)).toEqual(c);
    expect(list.filter((f) => f.parentId === p1.id).map((f) => f.name)).toEqual(['Sketches', 'Finals']);
    expect(folders.exists(c.id)).toBe(true);
    expect(folders.exists('nope')).toBe(false);
  });

  it('counts the assets directly in each folder', () => {
    const p = folders.create('P', null);
    const f = folders.create('F', p.id);
    const blob = fakeBlob(1);
    for (let i = 0; i < 3; i++) assets.createImported({ folderId: f.id, blobId: blob });
    assets.createImported({ folderId: p.id, blobId: blob });
    const list = byId(folders.list());
    expect(list.get(f.id)!.assetCount).toBe(3);
    expect(list.get(p.id)!.assetCount).toBe(1);
    expect(folders.get(f.id).assetCount).toBe(3);
  });

  it('refuses bad names with a validation error naming the field and the reason', () => {
    const p = folders.create('P', null);
    const cases: [string, string][] = [
      ['', 'empty'],
      ['   \t ', 'empty'],
      ['tab\there', 'control_characters'],
      ['  ', 'empty'],
      ['line\nbreak', 'control_characters'],
      ['bell\u0007', 'control_characters'],
      ['del\u007f', 'control_characters'],
      ['x'.repeat(MAX_FOLDER_NAME_LENGTH + 1), 'too_long'],
    ];
    for (const [name, reason] of cases) {
      for (const op of [() => folders.create(name, null), () => folders.rename(p.id, name)]) {
        expect(op, JSON.stringify(name)).toThrow(
          expect.objectContaining({ code: 'validation', params: expect.objectContaining({ field: 'name', reason }) }),
        );
      }
    }
    expect(folders.list()).toHaveLength(1);
    expect(folders.get(p.id).name).toBe('P');
  });

  it('accepts 200 characters, counting code points (200 emoji are 400 UTF-16 units)', () => {
    expect(folders.create('x'.repeat(200), null).name).toHaveLength(200);
    const emoji = '🎨'.repeat(200);
    expect(folders.create(`  ${emoji}  `, null).name).toBe(emoji);
  });

  it('renames (trimmed), keeping the position; not_found for an unknown id', () => {
    const p = folders.create('P', null);
    folders.create('Q', null);
    const r = folders.rename(p.id, '  Renamed  ');
    expect(r).toMatchObject({ id: p.id, name: 'Renamed', position: 0 });
    expect(() => folders.rename('missing', 'x')).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(() => folders.create('x', 'missing')).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(() => folders.get('missing')).toThrow(expect.objectContaining({ code: 'not_found' }));
  });
});

describe('FolderService: move', () => {
  it('moves to the end of the new parent, to the top level with null, and not at all to the same parent', () => {
    const p = folders.create('P', null);
    const q = folders.create('Q', null);
    const a = folders.create('A', p.id);
    const b = folders.create('B', p.id);
    folders.create('Q1', q.id);
    folders.create('Q2', q.id);

    expect(folders.move(a.id, q.id)).toMatchObject({ id: a.id, parentId: q.id, position: 2 });
    expect(folders.move(b.id, null)).toMatchObject({ parentId: null, position: 2 });
    expect(folders.move(b.id, null)).toMatchObject({ parentId: null, position: 2 });
    expect(folders.move(p.id, q.id)).toMatchObject({ parentId: q.id, position: 3 });
  });

  it('refuses to move a folder into itself or any of its descendants (conflict), changing nothing', () => {
    const p = folders.create('P', null);
    const a = folders.create('A', p.id);
    const b = folders.create('B', a.id);
    const c = folders.create('C', b.id);
    const before = folders.list();
    for (const [id, target] of [
      [p.id, p.id],
      [p.id, a.id],
      [p.id, c.id],
      [a.id, b.id],
      [b.id, c.id],
      [c.id, c.id],
    ] as const) {
      expect(() => folders.move(id, target)).toThrow(
        expect.objectContaining({ code: 'conflict', params: expect.objectContaining({ reason: 'cycle' }) }),
      );
    }
    expect(folders.list()).toEqual(before);
    // Moving up or sideways is fine.
    expect(folders.move(c.id, p.id).parentId).toBe(p.id);
  });

  it('not_found for an unknown folder or parent', () => {
    const p = folders.create('P', null);
    expect(() => folders.move('missing', null)).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(() => folders.move(p.id, 'missing')).toThrow(expect.objectContaining({ code: 'not_found' }));
  });
});

describe('FolderService: delete', () => {
  it('deletes the subtree, moves its images to the trash (never deleting one), keeps its jobs, and reports the counts', () => {
    const p = folders.create('P', null);
    const a = folders.create('A', p.id);
    const b = folders.create('B', a.id);
    const other = folders.create('Other', null);
    const blob = fakeBlob(1);
    insertJob({ id: 'job-in-b', folderId: b.id, references: [{ blobId: fakeBlob(2), name: 'ref.png' }] });
    insertJob({ id: 'job-in-a', folderId: a.id });
    assets.createForJobOutput({ jobId: 'job-in-b', folderId: b.id, blobId: blob, outputIndex: 0, kind: 'generated' });
    assets.createForJobOutput({ jobId: 'job-in-b', folderId: b.id, blobId: blob, outputIndex: 1, kind: 'generated' });
    // An output of a job in A that was filed in Other: untouched, recipe and all.
    const kept = assets.createForJobOutput({ jobId: 'job-in-a', folderId: other.id, blobId: blob, outputIndex: 0, kind: 'generated' });
    assets.createImported({ folderId: p.id, blobId: blob });
    assets.createImported({ folderId: other.id, blobId: blob });
    const trashed = () => db.prepare('SELECT COUNT(*) AS n FROM assets WHERE deleted_at IS NOT NULL').get();

    const r = folders.delete(a.id);
    expect({ folders: r.deletedFolders, images: r.trashedAssetIds.length }).toEqual({ folders: 2, images: 2 });
    expect(folders.list().map((f) => f.name).sort()).toEqual(['Other', 'P']);
    expect(trashed()).toEqual({ n: 2 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM assets').get()).toEqual({ n: 5 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM jobs').get()).toEqual({ n: 2 });
    expect(assets.get(kept.assetId)).toMatchObject({ folderId: other.id, recipe: expect.objectContaining({ jobId: 'job-in-a' }) });
    // A deleted folder is gone for every call that names it.
    expect(folders.exists(b.id)).toBe(false);
    expect(() => folders.get(b.id)).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(() => folders.create('C', b.id)).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(() => folders.move(other.id, a.id)).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(() => folders.delete(a.id)).toThrow(expect.objectContaining({ code: 'not_found' }));

    expect(folders.delete(p.id).trashedAssetIds).toHaveLength(1);
    expect(trashed()).toEqual({ n: 3 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM blobs').get()).toEqual({ n: 2 }); // bytes stay in the store
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(() => folders.delete(p.id)).toThrow(expect.objectContaining({ code: 'not_found' }));
  });
});

describe('FolderService: property', () => {
  type Cmd =
    | { op: 'create'; parent: number | null }
    | { op: 'move'; node: number; parent: number | null }
    | { op: 'delete'; node: number };
  const pick = fc.option(fc.nat(), { nil: null });
  const cmd: fc.Arbitrary<Cmd> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant('create' as const), parent: pick }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('move' as const), node: fc.nat(), parent: pick }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), node: fc.nat() }) },
  );

  it('random create/move/delete sequences never make a cycle or an orphan, and agree with a model', () => {
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 40 }), (cmds) => {
        db.exec('DELETE FROM folders');
        const model = new Map<string, string | null>(); // id → parent
        const ids = (): string[] => [...model.keys()];
        const at = (i: number | null): string | null => (i === null || model.size === 0 ? null : ids()[i % model.size]!);
        const isUnder = (node: string, ancestor: string): boolean => {
          for (let cur: string | null = node; cur !== null; cur = model.get(cur) ?? null) if (cur === ancestor) return true;
          return false;
        };

        for (const c of cmds) {
          if (c.op === 'create') {
            const parent = at(c.parent);
            model.set(folders.create('f', parent).id, parent);
          } else if (model.size > 0 && c.op === 'move') {
            const node = at(c.node)!;
            const parent = at(c.parent);
            if (parent !== null && isUnder(parent, node)) {
              expect(() => folders.move(node, parent)).toThrow(expect.objectContaining({ code: 'conflict' }));
            } else {
              folders.move(node, parent);
              model.set(node, parent);
            }
          } else if (model.size > 0 && c.op === 'delete') {
            const node = at(c.node)!;
            const doomed = ids().filter((id) => isUnder(id, node));
            expect(folders.delete(node).deletedFolders).toBe(doomed.length);
            for (const id of doomed) model.delete(id);
          }

          const list = folders.list();
          const real = byId(list);
          expect(new Map(list.map((f) => [f.id, f.parentId]))).toEqual(model);
          for (const f of list) {
            // No orphan: every parent exists. No cycle: walking up ends at a project within `size` steps.
            let cur: FolderNode | undefined = f;
            for (let steps = 0; cur?.parentId; steps++) {
              expect(steps).toBeLessThan(list.length);
              cur = real.get(cur.parentId);
              expect(cur).toBeDefined();
            }
          }
          // Siblings have distinct positions.
          const seen = new Set(list.map((f) => `${f.parentId}:${f.position}`));
          expect(seen.size).toBe(list.length);
        }
        expect(db.pragma('foreign_key_check')).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});

describe('AssetService: paging', () => {
  it('walks 250 assets page by page, each exactly once, newest first (ties broken by id)', () => {
    const f = folders.create('F', null);
    const other = folders.create('Other', null);
    const blob = fakeBlob(1);
    const base = clock;
    for (let i = 0; i < 250; i++) {
      clock = base + Math.floor(i / 7) * 1000; // runs of 7 assets share a timestamp
      assets.createImported({ folderId: f.id, blobId: blob });
    }
    assets.createImported({ folderId: other.id, blobId: blob });
    const expected = (
      db.prepare('SELECT id FROM assets WHERE folder_id = ? ORDER BY created_at DESC, id DESC').all(f.id) as { id: string }[]
    ).map((r) => r.id);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = assets.list({ folderId: f.id, limit: 17, cursor });
      expect(page.total).toBe(pages < 3 ? 250 : 255); // counts what is there now
      expect(page.items.length).toBeLessThanOrEqual(17);
      for (const item of page.items) expect(AssetSummary.parse(item)).toEqual(item);
      seen.push(...page.items.map((a) => a.id));
      cursor = page.nextCursor;
      pages++;
      if (pages === 3) {
        // Images arriving mid-walk (newer than everything) shift no page.
        clock = base + 10_000_000;
        for (let i = 0; i < 5; i++) assets.createImported({ folderId: f.id, blobId: blob });
        clock = base;
      }
    } while (cursor !== null && pages < 100);

    expect(pages).toBe(Math.ceil(250 / 17));
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(250);
  });

  it('returns one page with a null cursor when everything fits; the default limit is 200', () => {
    const f = folders.create('F', null);
    const blob = fakeBlob(1);
    for (let i = 0; i < 3; i++) assets.createImported({ folderId: f.id, blobId: blob });
    expect(assets.list({ folderId: f.id, limit: 3 })).toMatchObject({ nextCursor: null, total: 3 });
    expect(assets.list({ folderId: f.id }).items).toHaveLength(3);
    const empty = folders.create('Empty', null);
    expect(assets.list({ folderId: empty.id, limit: 10 })).toEqual({ items: [], nextCursor: null, total: 0 });
  });

  it('refuses a bad limit, a forged cursor and an unknown folder', () => {
    const f = folders.create('F', null);
    for (const limit of [0, -1, 1.5, 1001]) {
      expect(() => assets.list({ folderId: f.id, limit })).toThrow(
        expect.objectContaining({ code: 'validation', params: expect.objectContaining({ field: 'limit' }) }),
      );
    }
    for (const cursor of ['garbage!', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('["x","y"]').toString('base64url')]) {
      expect(() => assets.list({ folderId: f.id, limit: 10, cursor })).toThrow(
        expect.objectContaining({ code: 'validation', params: { field: 'cursor', reason: 'invalid' } }),
      );
    }
    expect(() => assets.list({ folderId: 'missing', limit: 10 })).toThrow(expect.objectContaining({ code: 'not_found' }));
  });
});

describe('AssetService: recipes and job outputs', () => {
  it('builds the recipe from the job and its references, with real blobs', async () => {
    const store = new BlobStore({ db, dataDir: join(dir, 'data'), now: () => clock });
    const ref1 = await store.put(image('coffee.png'), 'coffee.png', LIMITS);
    const ref2 = await store.put(image('rocket.jpg'), 'rocket.jpg', LIMITS);
    const out = await store.put(image('chelsea.png'), 'out.png', LIMITS);
    const f = folders.create('F', null);
    const jobCreated = clock;
    insertJob({
      id: 'job-1',
      folderId: f.id,
      provider: 'apiframe',
      model: 'gpt-image-1.5',
      prompt: 'a cat on a coffee cup',
      params: JSON.stringify({ size: '1024x1024', quality: 'high', n: 2 }),
      remoteId: 'remote-42',
      credits: 12.5,
      createdAt: jobCreated,
      references: [
        { blobId: ref1.id, name: 'coffee.png' },
        { blobId: ref2.id, name: 'rocket launch.jpg' },
      ],
    });
    clock = jobCreated + 4321;
    const { assetId, created } = assets.createForJobOutput({ jobId: 'job-1', folderId: f.id, blobId: out.id, outputIndex: 1, kind: 'edited' });
    expect(created).toBe(true);

    const detail = assets.get(assetId);
    expect(AssetDetail.parse(detail)).toEqual(detail);
    expect(detail).toEqual({
      id: assetId,
      folderId: f.id,
      kind: 'edited',
      // Made by Atelier: no other tool's recipe read from the file.
      foreignRecipe: null,
      blob: out,
      provider: 'apiframe',
      model: 'gpt-image-1.5',
      prompt: 'a cat on a coffee cup',
      createdAt: jobCreated + 4321,
      originalName: null,
      recipe: {
        jobId: 'job-1',
        provider: 'apiframe',
        model: 'gpt-image-1.5',
        prompt: 'a cat on a coffee cup',
        params: { size: '1024x1024', quality: 'high', n: 2 },
        references: [
          { ...ref1, name: 'coffee.png' },
          { ...ref2, name: 'rocket launch.jpg' },
        ],
        remoteJobId: 'remote-42',
        credits: 12.5,
        costUsd: null,
        // Only EvoLink's charge is derived from its credits.
        costUsdDerived: null,
        creditsEstimate: null,
        usdEstimate: null,
        durationMs: 4321,
        outputIndex: 1,
      },
    });
    expect(assets.list({ folderId: f.id, limit: 10 }).items).toEqual([
      {
        id: assetId,
        folderId: f.id,
        kind: 'edited',
        blob: out,
        provider: 'apiframe',
        model: 'gpt-image-1.5',
        prompt: 'a cat on a coffee cup',
        createdAt: jobCreated + 4321,
        originalName: null,
      },
    ]);
  });

  it('an imported image has no recipe', () => {
    const f = folders.create('F', null);
    const { assetId } = assets.createImported({ folderId: f.id, blobId: fakeBlob(7) });
    expect(assets.get(assetId)).toMatchObject({ kind: 'imported', provider: null, model: null, prompt: null, recipe: null });
  });

  it('createForJobOutput is idempotent on (job, output index); assetIdsForJob is in output order', () => {
    const f = folders.create('F', null);
    insertJob({ id: 'job-1', folderId: f.id });
    const blobs = [fakeBlob(1), fakeBlob(2), fakeBlob(3)];
    const mk = (i: number) => assets.createForJobOutput({ jobId: 'job-1', folderId: f.id, blobId: blobs[i]!, outputIndex: i, kind: 'generated' });

    const third = mk(2);
    const first = mk(0);
    const second = mk(1);
    expect([first.created, second.created, third.created]).toEqual([true, true, true]);
    expect(mk(0)).toEqual({ assetId: first.assetId, created: false });
    expect(mk(2)).toEqual({ assetId: third.assetId, created: false });
    expect(assets.assetIdsForJob('job-1')).toEqual([first.assetId, second.assetId, third.assetId]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM assets').get()).toEqual({ n: 3 });
    expect(assets.get(second.assetId).recipe?.outputIndex).toBe(1);

    insertJob({ id: 'job-empty', folderId: f.id });
    expect(assets.assetIdsForJob('job-empty')).toEqual([]);
  });

  it('not_found for unknown ids; validation for a bad output index', () => {
    const f = folders.create('F', null);
    insertJob({ id: 'job-1', folderId: f.id });
    const blob = fakeBlob(1);
    const base = { jobId: 'job-1', folderId: f.id, blobId: blob, outputIndex: 0, kind: 'generated' as const };
    const notFound = expect.objectContaining({ code: 'not_found' });
    expect(() => assets.get('missing')).toThrow(notFound);
    expect(() => assets.assetIdsForJob('missing')).toThrow(notFound);
    expect(() => assets.createForJobOutput({ ...base, jobId: 'missing' })).toThrow(notFound);
    expect(() => assets.createForJobOutput({ ...base, folderId: 'missing' })).toThrow(notFound);
    expect(() => assets.createForJobOutput({ ...base, blobId: 'e'.repeat(64) })).toThrow(notFound);
    expect(() => assets.createImported({ folderId: 'missing', blobId: blob })).toThrow(notFound);
    expect(() => assets.createForJobOutput({ ...base, outputIndex: -1 })).toThrow(
      expect.objectContaining({ code: 'validation', params: expect.objectContaining({ field: 'outputIndex' }) }),
    );
    expect(db.prepare('SELECT COUNT(*) AS n FROM assets').get()).toEqual({ n: 0 });
  });
});
