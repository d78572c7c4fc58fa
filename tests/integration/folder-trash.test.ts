/**
 * Deleting a folder never destroys an image (issue 9 item 5), through the real dispatcher on a real SQLite file and
 * a real image store: a nested folder's images (imported and generated) go to the trash with their bytes still in
 * objects/; restoring brings the folders back at the same path (same names, same nesting, also when a folder of
 * that name was made again meanwhile or the whole project was deleted); only emptying the trash deletes bytes,
 * and it leaves no orphan row (folders, jobs, references, blobs, tags).
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import { blobReferenceChecks, isBlobReferenced } from '../../src/main/services/library/trash';
import type { ImportReport } from '../../src/shared/contracts/transfer';
import type { FolderNode } from '../../src/shared/domain';
import { GOOD_IMAGES } from '../helpers/paths';
import { call, folderAssets, openTestApp, tempDir, waitFor } from '../helpers/app';
import { finished } from './transfer-helpers';

/** Every live folder as its path from the project, e.g. `Shoots/March/Day 1`. */
function paths(list: FolderNode[]): string[] {
  const byId = new Map(list.map((f) => [f.id, f]));
  const pathOf = (f: FolderNode): string => (f.parentId ? `${pathOf(byId.get(f.parentId)!)}/${f.name}` : f.name);
  return list.map(pathOf).sort();
}

/** Imports fixture files the way the web page does (push import: bytes, no path), and waits for the report. */
async function importFiles(app: App, folderId: string, names: string[]): Promise<ImportReport> {
  const task = await call(app, 'import.start', { folderId, paths: null, stackNearDuplicates: false });
  const files = await Promise.all(names.map(async (name) => ({ name, dataBase64: (await readFile(join(GOOD_IMAGES, name))).toString('base64') })));
  await call(app, 'import.addFiles', { taskId: task.id, files, total: files.length, last: true });
  return (await finished(app, task)).report as ImportReport;
}

describe('deleting a folder sends its images to the trash (real SQLite, real store)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let app: App;
  let shoots: string;
  let march: string;
  let day1: string;
  let keep: string;
  /** Asset ids in March (2 imported), in Day 1 (2 imported + 1 generated), and Keep (1 sharing a March blob). */
  let inMarch: string[];
  let inDay1: string[];

  const importInto = (folderId: string, files: string[]): Promise<ImportReport> => importFiles(app, folderId, files);
  const folderPaths = async () => paths(await call(app, 'folders.list', {}));
  const idsIn = async (folderId: string) => (await folderAssets(app, folderId)).items.map((i) => i.id).sort();
  const trashIds = async () => (await call(app, 'assets.query', { scope: { kind: 'trash' } })).items.map((i) => i.id).sort();
  const blobOf = async (assetId: string) => (await call(app, 'assets.get', { id: assetId })).blob.id;
  const count = (sql: string): number => app.services.db.prepare(sql).pluck().get() as number;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('atelier-folder-trash-'));
    app = await openTestApp(join(dir, 'lib'));
    shoots = (await call(app, 'folders.create', { name: 'Shoots', parentId: null })).id;
    march = (await call(app, 'folders.create', { name: 'March', parentId: shoots })).id;
    day1 = (await call(app, 'folders.create', { name: 'Day 1', parentId: march })).id;
    keep = (await call(app, 'folders.create', { name: 'Keep', parentId: null })).id;
    inMarch = (await importInto(march, ['coffee.png', 'astronaut.png'])).imported.map((i) => i.assetId);
    inDay1 = (await importInto(day1, readdirSync(GOOD_IMAGES).filter((f) => f !== 'coffee.png' && f !== 'astronaut.png').slice(0, 2))).imported.map((i) => i.assetId);
    expect([inMarch.length, inDay1.length]).toEqual([2, 2]);
    // A generated image in Day 1, with its job (and a reference image) in the journal.
    const ref = await call(app, 'references.stage', {
      source: { name: 'astronaut.png', dataBase64: (await readFile(join(GOOD_IMAGES, 'astronaut.png'))).toString('base64') },
      provider: 'sandbox',
      model: 'gpt-image-2',
    });
    const job = await call(app, 'jobs.submit', {
      folderId: day1,
      provider: 'sandbox',
      model: 'gpt-image-2',
      prompt: 'the astronaut at a café',
      params: { number_of_images: 1, aspect_ratio: '1:1', output_format: 'png' },
      references: [{ blobId: ref.id, name: ref.name }],
    });
    const done = await waitFor(async () => {
      const j = await call(app, 'jobs.get', { id: job.id });
      return j.state === 'completed' ? j : null;
    }, 'job completed');
    inDay1.push(done.assetIds[0]!);
    // The same bytes as a March image, filed in Keep: they must outlive the trash.
    await call(app, 'assets.copy', { ids: [inMarch[0]!], folderId: keep });
    await call(app, 'assets.tag', { ids: [...inMarch, ...inDay1], add: ['night'] });
    for (const id of [...inMarch, ...inDay1]) await app.dispatcher.mediaFile(await blobOf(id), 'thumb');
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  it('delete → all in the trash with bytes kept; restore → same folders; empty → bytes gone, no orphan rows', async () => {
    const all = [...inMarch, ...inDay1].sort();
    const files = await Promise.all(all.map(async (id) => app.services.store.pathOf(await blobOf(id))));

    const deleted = await call(app, 'folders.delete', { id: march });
    // What it deleted and trashed, for an undo (folders.undelete): the folder first, then its sub-folder.
    expect(deleted).toEqual({ deletedFolders: 2, trashedAssets: 5, folderIds: [march, day1], trashedAssetIds: expect.any(Array) });
    expect([...deleted.trashedAssetIds].sort()).toEqual(all);
    expect(await folderPaths()).toEqual(['Keep', 'Shoots']);
    expect(await trashIds()).toEqual(all);
    expect((await call(app, 'collections.list', {})).trashCount).toBe(5);
    for (const f of files) expect(existsSync(f)).toBe(true);
    // The deleted folder takes nothing new: no import, move, copy or job into it.
    await expect(call(app, 'assets.move', { ids: [inMarch[0]!], folderId: day1 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(call(app, 'folders.create', { name: 'Day 2', parentId: march })).rejects.toMatchObject({ code: 'not_found' });

    // Restore: the folders come back at the same path, each image in its own folder, tags kept.
    expect(await call(app, 'assets.restore', { ids: all })).toEqual({ restored: 5 });
    expect(await folderPaths()).toEqual(['Keep', 'Shoots', 'Shoots/March', 'Shoots/March/Day 1']);
    expect(await idsIn(march)).toEqual([...inMarch].sort());
    expect(await idsIn(day1)).toEqual([...inDay1].sort());
    expect((await call(app, 'assets.meta', { id: inDay1[0]! })).tags).toEqual(['night']);
    expect(await trashIds()).toEqual([]);

    // Delete again and empty the trash: only now do bytes go, and nothing is left pointing nowhere.
    await call(app, 'folders.delete', { id: march });
    const keptBlob = await blobOf(inMarch[0]!);
    const emptied = await call(app, 'trash.empty', {});
    expect(emptied.deletedAssets).toBe(5);
    for (const [i, id] of all.entries()) {
      // The blob shared with Keep stays; the rest are gone from objects/ (and their thumbnails from thumbs/).
      const shared = files[i] === app.services.store.pathOf(keptBlob);
      expect([id, existsSync(files[i]!)]).toEqual([id, shared]);
    }
    expect(count('SELECT COUNT(*) FROM folders WHERE deleted_at IS NOT NULL')).toBe(0);
    expect(count('SELECT COUNT(*) FROM folders')).toBe(2);
    expect(count('SELECT COUNT(*) FROM jobs')).toBe(0);
    expect(count('SELECT COUNT(*) FROM job_references')).toBe(0);
    expect(count('SELECT COUNT(*) FROM assets')).toBe(1);
    expect(count('SELECT COUNT(*) FROM asset_tags WHERE asset_id NOT IN (SELECT id FROM assets)')).toBe(0);
    const checks = blobReferenceChecks(app.services.db);
    const blobs = app.services.db.prepare('SELECT id FROM blobs').pluck().all() as string[];
    expect(blobs.filter((b) => !isBlobReferenced(app.services.db, b, checks))).toEqual([]);
    expect(blobs).toEqual([keptBlob]);
    expect(app.services.db.pragma('foreign_key_check')).toEqual([]);
    expect(app.services.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('restores into a folder of the same name made meanwhile, and brings back a whole deleted project', async () => {
    await call(app, 'folders.delete', { id: march });
    const march2 = (await call(app, 'folders.create', { name: 'March', parentId: shoots })).id;
    // One image from Day 1: it lands in the new March, under Day 1 brought back inside it.
    expect(await call(app, 'assets.restore', { ids: [inDay1[0]!] })).toEqual({ restored: 1 });
    expect(await folderPaths()).toEqual(['Keep', 'Shoots', 'Shoots/March', 'Shoots/March/Day 1']);
    expect((await call(app, 'folders.list', {})).find((f) => f.name === 'Day 1')!.parentId).toBe(march2);
    expect(await idsIn(day1)).toEqual([inDay1[0]!]);
    // March's own images join the March that is there now (no second "March").
    await call(app, 'assets.restore', { ids: inMarch });
    expect(await idsIn(march2)).toEqual([...inMarch].sort());
    expect(await folderPaths()).toEqual(['Keep', 'Shoots', 'Shoots/March', 'Shoots/March/Day 1']);

    // The whole project: an image deep inside brings back every folder on its path.
    expect(await call(app, 'folders.delete', { id: shoots })).toMatchObject({ deletedFolders: 3 });
    expect(await folderPaths()).toEqual(['Keep']);
    await call(app, 'assets.restore', { ids: [inDay1[0]!] });
    expect(await folderPaths()).toEqual(['Keep', 'Shoots', 'Shoots/March', 'Shoots/March/Day 1']);
    expect(await idsIn(day1)).toEqual([inDay1[0]!]);
    expect(await idsIn(march2)).toEqual([]);
  });
});
