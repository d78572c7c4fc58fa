/**
 * Library care on a real library folder: the integrity check finds orphan and stray files, missing files, size
 * and hash mismatches, and repairs them without deleting anything; thumbnails are rebuilt; a backup opens again
 * as a library with the same assets and bytes.
 */
import { createHash } from 'node:crypto';
import { appendFile, copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import type { BackupReport, ImportReport, IntegrityReport, ThumbnailReport } from '../../src/shared/contracts/transfer';
import { GOOD_IMAGES } from '../helpers/paths';
import { call, folderAssets, granted, openTestApp, tempDir } from '../helpers/app';
import { finished, listTree } from './transfer-helpers';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('library care (real SQLite, real files)', () => {
  let dir: string;
  let lib: string;
  let cleanup: () => Promise<void>;
  let app: App;
  let folderId: string;
  let report: ImportReport;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('atelier-care-'));
    lib = join(dir, 'lib');
    app = await openTestApp(lib);
    folderId = (await call(app, 'folders.create', { name: 'Care', parentId: null })).id;
    const v = await call(app, 'import.start', { folderId, paths: granted(app, [GOOD_IMAGES]), stackNearDuplicates: false }, 'electron');
    report = (await finished(app, v)).report as ImportReport;
    expect(report.imported).toHaveLength(6);
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const check = async (repair: boolean): Promise<IntegrityReport> => {
    const v = await call(app, 'library.checkIntegrity', { repair, verifyHashes: true });
    const done = await finished(app, v);
    expect(done.state).toBe('completed');
    return done.report as IntegrityReport;
  };
  const objectPath = (blobId: string) => app.services.store.pathOf(blobId);

  it('a healthy library has no problems', async () => {
    const r = await check(false);
    expect(r.problems).toEqual([]);
    expect(r.checkedBlobs).toBe(6);
    expect(r.checkedFiles).toBe(6);
  });

  it('finds orphan, stray, missing, resized and altered files and repairs them without losing a byte', async () => {
    const [a, b, c] = report.imported.map((i) => i.blobId);
    // An orphan: a valid image in objects/ under its hash, with no row.
    const orphanBytes = await sharp(join(GOOD_IMAGES, 'coffee.png')).resize(64).png().toBuffer();
    const orphanId = sha(orphanBytes);
    await mkdir(join(lib, 'objects', orphanId.slice(0, 2)), { recursive: true });
    await writeFile(join(lib, 'objects', orphanId.slice(0, 2), `${orphanId}.png`), orphanBytes);
    // A stray file.
    await writeFile(join(lib, 'objects', 'notes.txt'), 'who put this here');
    // A missing file whose bytes wait in lost+found (an earlier repair moved them there).
    const aBytes = await readFile(objectPath(a!));
    await mkdir(join(lib, 'lost+found'), { recursive: true });
    await copyFile(objectPath(a!), join(lib, 'lost+found', objectPath(a!).split('/').pop()!));
    await rm(objectPath(a!));
    // A file that grew, and one whose bytes changed at the same size.
    const bBytes = await readFile(objectPath(b!));
    await appendFile(objectPath(b!), 'x');
    const cBytes = await readFile(objectPath(c!));
    cBytes[cBytes.length - 10] = cBytes[cBytes.length - 10]! ^ 0xff;
    await writeFile(objectPath(c!), cBytes);

    const found = await check(false);
    const kinds = found.problems.map((p) => `${p.problem}:${p.blobId ?? p.path}`).sort();
    expect(kinds).toEqual(
      [`orphan_file:${orphanId}`, 'stray_file:objects/notes.txt', `missing_file:${a}`, `size_mismatch:${b}`, `hash_mismatch:${c}`].sort(),
    );
    expect(found.problems.every((p) => p.action === null)).toBe(true);

    const repaired = await check(true);
    const actions = Object.fromEntries(repaired.problems.map((p) => [p.blobId ?? p.path, p.action]));
    expect(actions).toEqual({
      [orphanId]: 'reregistered',
      'objects/notes.txt': 'moved_to_lost_found',
      [a!]: 'restored_from_lost_found',
      [b!]: 'moved_to_lost_found',
      [c!]: 'moved_to_lost_found',
    });
    // Nothing was deleted: the orphan is a blob now, the rest sits in lost+found.
    expect(app.services.store.get(orphanId)).not.toBeNull();
    expect((await readFile(objectPath(a!))).equals(aBytes)).toBe(true);
    const lost = await readdir(join(lib, 'lost+found'));
    expect(lost.sort()).toEqual(['notes.txt', objectPath(b!).split('/').pop()!, objectPath(c!).split('/').pop()!].sort());
    expect((await readFile(join(lib, 'lost+found', objectPath(b!).split('/').pop()!))).subarray(0, bBytes.length).equals(bBytes)).toBe(true);
    // What is left: the two files whose right bytes are nowhere, reported, rows kept.
    const after = await check(false);
    expect(after.problems.map((p) => `${p.problem}:${p.blobId}`).sort()).toEqual([`missing_file:${b}`, `missing_file:${c}`].sort());
    expect((await folderAssets(app, folderId)).total).toBe(6);
    // Putting the right bytes back into lost+found lets the next repair restore them.
    await writeFile(join(lib, 'lost+found', `${b}.${objectPath(b!).split('.').pop()}`), bBytes);
    await check(true);
    expect((await check(false)).problems.map((p) => p.blobId)).toEqual([c]);
  });

  it('counts and rebuilds missing thumbnails', async () => {
    for (const i of report.imported) await app.services.store.thumbnailPath(i.blobId);
    await rm(join(lib, 'thumbs'), { recursive: true });
    const r = await check(true);
    expect(r.missingThumbnails).toBe(6);
    expect(r.thumbnailsRebuilt).toBe(6);
    expect((await listTree(join(lib, 'thumbs'))).length).toBe(6);
    const v = await call(app, 'library.rebuildThumbnails', { missingOnly: false });
    const t = (await finished(app, v)).report as ThumbnailReport;
    expect(t).toEqual({ kind: 'thumbnails', rebuilt: 6, failed: [] });
  });

  it('backs up to a folder that opens again as the same library', async () => {
    const target = join(dir, 'backups');
    await mkdir(target);
    const v = await call(app, 'library.backup', { targetDir: target });
    const done = await finished(app, v);
    expect(done.state).toBe('completed');
    const b = done.report as BackupReport;
    expect(b.blobs).toBe(6);
    expect(b.missing).toEqual([]);
    expect(await readdir(target)).toEqual([b.path.split('/').pop()]);
    const before = await folderAssets(app, folderId);
    const copy = await openTestApp(b.path);
    try {
      const folders = await call(copy, 'folders.list', {});
      expect(folders.map((f) => f.name)).toEqual(['Care']);
      const after = await folderAssets(copy, folderId);
      expect(after.items.map((i) => [i.id, i.blob.id])).toEqual(before.items.map((i) => [i.id, i.blob.id]));
      for (const i of after.items) {
        const f = await copy.dispatcher.mediaFile(i.blob.id, 'original');
        expect(sha(await readFile(f!.path))).toBe(i.blob.id);
      }
      expect((await call(copy, 'export.presets', {})).length).toBe(2);
    } finally {
      await copy.close();
    }
  });

  it('a backup into a missing folder fails without leaving anything', async () => {
    const v = await call(app, 'library.backup', { targetDir: join(dir, 'nope') });
    const done = await finished(app, v);
    expect(done.state).toBe('failed');
    expect(done.error?.params?.['reason']).toBe('missing');
    const inside = await finished(app, await call(app, 'library.backup', { targetDir: lib }));
    expect(inside.error?.params?.['reason']).toBe('inside_library');
    expect((await readdir(lib)).some((f) => f.startsWith('Atelier backup'))).toBe(false);
  });
});
