/**
 * Import through the real dispatcher, real SQLite and real files: a folder with the good and the bad fixtures,
 * exact and near duplicates, stacks, the web host's push import, cancel mid-way, and a full disk (tmpfs).
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import type { ImportReport, IntegrityReport } from '../../src/shared/contracts/transfer';
import { dhash, hammingDistance } from '../../src/main/services/transfer/import';
import { GOOD_IMAGES } from '../helpers/paths';
import { call, callError, folderAssets, granted, openTestApp, tempDir } from '../helpers/app';
import { finished, finishedViaCalls, fixtureFolder, mountTmpfs, noiseImages } from './transfer-helpers';

const EXPECTED_SKIPS: Record<string, string> = {
  'truncated.jpg': 'truncated',
  'no_time_for_that_tiny.gif': 'animated',
  'bomb_30000x30000.png': 'too_many_pixels',
  'bad_crc.png': 'corrupt',
  'not_an_image.png': 'not_an_image',
  'empty.png': 'empty',
  'script.svg': 'unsupported_format',
};

describe('import (real SQLite, real files)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let app: App;
  let folderId: string;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('atelier-import-'));
    app = await openTestApp(join(dir, 'lib'));
    folderId = (await call(app, 'folders.create', { name: 'Imports', parentId: null })).id;
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const importPaths = async (paths: string[], stack = false): Promise<ImportReport> => {
    const view = await call(app, 'import.start', { folderId, paths: granted(app, paths), stackNearDuplicates: stack }, 'electron');
    const done = await finished(app, view);
    expect(done.state).toBe('completed');
    return done.report as ImportReport;
  };

  const integrity = async (): Promise<IntegrityReport> => {
    const v = await call(app, 'library.checkIntegrity', { repair: false, verifyHashes: true });
    return (await finished(app, v)).report as IntegrityReport;
  };

  it('imports the six good fixtures of a folder and skips the seven bad ones, each with its reason', async () => {
    const root = await fixtureFolder(dir);
    const report = await importPaths([root]);
    expect(report.imported).toHaveLength(6);
    expect(report.imported.map((i) => i.name).sort()).toEqual((await readdir(GOOD_IMAGES)).map((f) => `shoot/${f}`).sort());
    expect(report.skipped).toHaveLength(7);
    for (const s of report.skipped) {
      const file = s.name.split('/').pop()!;
      expect(s.name).toBe(`shoot/bad/${file}`);
      expect(s.reason, file).toBe(EXPECTED_SKIPS[file]);
      expect(s.message).toContain(file);
    }
    expect(report.stoppedBy).toBeNull();
    const page = await folderAssets(app, folderId);
    expect(page.total).toBe(6);
    expect(page.items.every((a) => a.kind === 'imported')).toBe(true);
    // Stored bytes are the files' bytes.
    const astronaut = report.imported.find((i) => i.name.endsWith('astronaut.png'))!;
    const stored = await readFile(app.services.store.pathOf(astronaut.blobId));
    expect(stored.equals(await readFile(join(GOOD_IMAGES, 'astronaut.png')))).toBe(true);
    // Nothing of the refused files entered the store.
    expect((await integrity()).problems).toEqual([]);
    const blobs = (app.services.db.prepare('SELECT COUNT(*) AS n FROM blobs').get() as { n: number }).n;
    expect(blobs).toBe(6);
  });

  it('recognises exact duplicates: same bytes are stored once and never twice in one folder', async () => {
    const root = await fixtureFolder(dir);
    // A copy under another name in the same import.
    await writeFile(join(root, 'copy of rocket.jpg'), await readFile(join(GOOD_IMAGES, 'rocket.jpg')));
    const first = await importPaths([root]);
    expect(first.imported).toHaveLength(6);
    expect(first.duplicates).toHaveLength(1);
    expect(first.duplicates[0]!.name).toMatch(/rocket\.jpg$/);
    const again = await importPaths([root]);
    expect(again.imported).toHaveLength(0);
    expect(again.duplicates).toHaveLength(7);
    expect((await folderAssets(app, folderId)).total).toBe(6);
    // Into another folder: a new asset that shares the stored bytes.
    const other = (await call(app, 'folders.create', { name: 'Other', parentId: null })).id;
    const v = await call(app, 'import.start', { folderId: other, paths: granted(app, [join(GOOD_IMAGES, 'rocket.jpg')]), stackNearDuplicates: false }, 'electron');
    const r = (await finished(app, v)).report as ImportReport;
    expect(r.imported).toHaveLength(1);
    expect(r.imported[0]!.blobId).toBe(first.imported.find((i) => i.name.endsWith('rocket.jpg'))!.blobId);
    expect((app.services.db.prepare('SELECT COUNT(*) AS n FROM blobs').get() as { n: number }).n).toBe(6);
  });

  it('flags a resized copy as a near-duplicate and stacks it when asked', async () => {
    const src = join(dir, 'near');
    await mkdir(src);
    await writeFile(join(src, 'astronaut.png'), await readFile(join(GOOD_IMAGES, 'astronaut.png')));
    await writeFile(join(src, 'chelsea.png'), await readFile(join(GOOD_IMAGES, 'chelsea.png')));
    const first = await importPaths([src]);
    expect(first.nearDuplicates).toEqual([]);
    const small = join(dir, 'astronaut-small.jpg');
    await sharp(join(GOOD_IMAGES, 'astronaut.png')).resize(200).jpeg({ quality: 70 }).toFile(small);
    const second = await importPaths([small], true);
    expect(second.imported).toHaveLength(1);
    const astro = first.imported.find((i) => i.name.endsWith('astronaut.png'))!;
    expect(second.nearDuplicates).toEqual([
      expect.objectContaining({ name: 'astronaut-small.jpg', assetId: second.imported[0]!.assetId, similarTo: astro.assetId, stacked: true }),
    ]);
    expect(second.nearDuplicates[0]!.distance).toBeLessThanOrEqual(8);
    // The stack: the original is the cover.
    expect(await call(app, 'stacks.members', { stackId: astro.assetId })).toEqual([astro.assetId, second.imported[0]!.assetId]);
    // The dHash is stored per blob.
    const row = app.services.db.prepare('SELECT dhash FROM blobs WHERE id = ?').get(astro.blobId) as { dhash: string };
    expect(row.dhash).toMatch(/^[0-9a-f]{16}$/);
    // Different photos are far apart.
    const d = hammingDistance(
      await dhash(await readFile(join(GOOD_IMAGES, 'astronaut.png'))),
      await dhash(await readFile(join(GOOD_IMAGES, 'chelsea.png'))),
    );
    expect(d).toBeGreaterThan(16);
    await call(app, 'stacks.dissolve', { stackId: astro.assetId });
    expect((await callError(app, 'stacks.members', { stackId: astro.assetId })).code).toBe('not_found');
  });

  it('takes bytes in batches from the web host, and refuses raw paths from a browser page', async () => {
    const refused = await callError(app, 'import.start', { folderId, paths: ['/etc'], stackNearDuplicates: false }, 'web');
    expect(refused.code).toBe('validation');
    expect(refused.params?.['reason']).toBe('path_not_allowed');

    const view = await call(app, 'import.start', { folderId, paths: null, stackNearDuplicates: false });
    const files = await readdir(GOOD_IMAGES);
    const b64 = async (f: string) => ({ name: `photos/${f}`, dataBase64: (await readFile(join(GOOD_IMAGES, f))).toString('base64') });
    await call(app, 'import.addFiles', { taskId: view.id, files: await Promise.all(files.slice(0, 3).map(b64)), total: 7, last: false });
    await call(app, 'import.addFiles', {
      taskId: view.id,
      files: [...(await Promise.all(files.slice(3).map(b64))), { name: 'photos/empty.png', dataBase64: '' }],
      total: 7,
      last: true,
    });
    const done = await finishedViaCalls(app, view.id);
    expect(done.state).toBe('completed');
    const report = done.report as ImportReport;
    expect(report.imported).toHaveLength(6);
    expect(report.skipped).toEqual([expect.objectContaining({ name: 'photos/empty.png', reason: 'empty' })]);
    expect(done.done).toBe(7);
    expect(done.total).toBe(7);
    const late = await callError(app, 'import.addFiles', { taskId: view.id, files: [], total: null, last: true });
    expect(late.code).toBe('conflict');
  });

  it('cancel mid-import keeps what was imported, whole, and leaves a consistent library', async () => {
    const src = join(dir, 'many');
    await noiseImages(src, 40, 128);
    const events: string[] = [];
    const off = app.dispatcher.subscribe((e) => {
      if (e.name === 'task.updated') events.push(`${e.payload.state}:${e.payload.done}`);
    });
    const view = await call(app, 'import.start', { folderId, paths: granted(app, [src]), stackNearDuplicates: false }, 'electron');
    // Cancel once a few files are in.
    for (let i = 0; i < 400; i++) {
      const n = (app.services.db.prepare('SELECT COUNT(*) AS n FROM assets').get() as { n: number }).n;
      if (n >= 3) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    await call(app, 'tasks.cancel', { id: view.id });
    const done = await finished(app, view);
    off();
    expect(done.state).toBe('canceled');
    const report = done.report as ImportReport;
    expect(report.imported.length).toBeGreaterThanOrEqual(3);
    expect(report.imported.length).toBeLessThan(40);
    expect((await folderAssets(app, folderId)).total).toBe(report.imported.length);
    expect(events.at(-1)).toMatch(/^canceled:/);
    expect(events.some((e) => e.startsWith('running:'))).toBe(true);
    const check = await integrity();
    expect(check.problems).toEqual([]);
    expect(await readdir(join(dir, 'lib', 'tmp')).catch(() => [])).toEqual([]);
  });

  it('stops cleanly on a full disk: what was imported is reported, nothing half-written is left', async (ctx) => {
    const small = join(dir, 'small');
    await mkdir(small);
    const unmount = mountTmpfs(small, '3m');
    if (!unmount) return ctx.skip();
    try {
      await app.close();
      app = await openTestApp(small);
      folderId = (await call(app, 'folders.create', { name: 'Imports', parentId: null })).id;
      const src = join(dir, 'noise');
      await noiseImages(src, 20, 400); // ~480 KB each, ~9.6 MB in all
      const view = await call(app, 'import.start', { folderId, paths: granted(app, [src]), stackNearDuplicates: false }, 'electron');
      const done = await finished(app, view);
      expect(done.state).toBe('completed');
      const report = done.report as ImportReport;
      expect(report.stoppedBy?.code).toBe('disk_full');
      expect(report.imported.length).toBeGreaterThan(0);
      expect(report.imported.length).toBeLessThan(20);
      // Every stored object is whole and has its row; every imported asset is there.
      const objects = app.services.db.prepare('SELECT id, ext FROM blobs').all() as { id: string; ext: string }[];
      for (const o of objects) {
        const bytes = await readFile(join(small, 'objects', o.id.slice(0, 2), `${o.id}.${o.ext}`));
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(o.id);
      }
      expect(await readdir(join(small, 'tmp'))).toEqual([]);
      expect((await folderAssets(app, folderId)).total).toBe(report.imported.length);
      const check = await integrity();
      expect(check.problems).toEqual([]);
    } finally {
      await app.close();
      app = await openTestApp(join(dir, 'lib2'));
      unmount();
    }
  });
});
