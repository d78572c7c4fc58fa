/**
 * XMP sidecars at import (issue 10), through the real import service into a real SQLite library, the sidecars
 * written by exiftool as photo tools write them: `photo.xmp` (Lightroom, Bridge) and `photo.jpg.xmp` (darktable,
 * digiKam) beside their images, walked in a folder, picked on their own, and pushed by the page in batches (the
 * sidecar in an earlier batch than its image). A sidecar's property wins over the same property embedded in the
 * file; what it does not say still comes from the file. A sidecar with no image is listed as skipped with why; a
 * malformed one is skipped alone and the file's own XMP is still read. And the round trip for an image with
 * Content Credentials: its original-bytes export keeps the bytes and puts the recipe in `name.xmp`; importing the
 * pair into a fresh library brings back title, rating, tags and the recipe.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import type { ExportReport, ImportReport } from '../../src/shared/contracts/transfer';
import { call, openTestApp, tempDir } from '../helpers/app';
import { hasOpenssl, makeTestSigner, signImage } from '../helpers/c2pa-sign';
import { base } from '../helpers/foreign-fixtures';
import { GOOD_IMAGES } from '../helpers/paths';
import { finished, useTwoLibraries } from './transfer-helpers';

const run = promisify(execFile);

/** Writes an XMP sidecar with exiftool (a new .xmp file is made from the tags given). */
async function sidecar(path: string, tags: string[]): Promise<void> {
  await run('exiftool', ['-q', ...tags, path]);
}

describe('XMP sidecars come in with their images', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let app: App;
  let folderId: string;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atelier-sidecar-'));
    app = await openTestApp(join(dir, 'lib'));
    folderId = (await call(app, 'folders.create', { name: 'Sidecars', parentId: null })).id;
  });
  afterAll(async () => {
    await app?.close();
    await cleanup?.();
  });

  const importPaths = async (paths: string[]): Promise<ImportReport> => {
    const v = app.services.transfer.importer.startPaths(folderId, paths, { stackNearDuplicates: false });
    return (await finished(app, v)).report as ImportReport;
  };
  const idOf = (r: ImportReport, name: string): string => {
    const hit = r.imported.find((i) => i.name === name);
    expect(hit, `${name} in ${JSON.stringify(r.imported.map((i) => i.name))}`).toBeDefined();
    return hit!.assetId;
  };

  it('reads photo.xmp and photo.jpg.xmp beside their images in a walked folder; the sidecar wins property by property', async () => {
    const shoot = join(dir, 'shoot');
    await mkdir(shoot);
    // Embedded: title, caption, keywords and 2 stars; the sidecar says another title, 5 stars and other keywords.
    const lr = join(shoot, 'jeju.jpg');
    await writeFile(lr, await base('jpeg'));
    await run('exiftool', ['-q', '-overwrite_original', '-XMP-dc:Title=Embedded title', '-XMP-dc:Description=Basalt coast, 주상절리', '-XMP-dc:Subject=embedded', '-XMP-xmp:Rating=2', lr]);
    await sidecar(join(shoot, 'jeju.xmp'), ['-XMP-dc:Title=Sidecar 제목', '-XMP-dc:Subject=sidecar', '-XMP-dc:Subject=바다', '-XMP-xmp:Rating=5']);
    // darktable's naming, on a PNG with no XMP of its own; a reject in the sidecar.
    await writeFile(join(shoot, 'dt.png'), await base('png'));
    await sidecar(join(shoot, 'dt.png.xmp'), ['-XMP-dc:Title=From darktable', '-XMP-xmp:Rating=-1']);
    // A sidecar whose image is not there, and a malformed one beside an image with its own XMP.
    await sidecar(join(shoot, 'missing.xmp'), ['-XMP-dc:Title=Nobody']);
    const broken = join(shoot, 'broken.jpg');
    await writeFile(broken, await base('jpeg'));
    await run('exiftool', ['-q', '-overwrite_original', '-XMP-dc:Title=Kept from the file', broken]);
    await writeFile(join(shoot, 'broken.xmp'), '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF');

    const r = await importPaths([shoot]);
    expect(r.imported.map((i) => i.name).sort()).toEqual(['shoot/broken.jpg', 'shoot/dt.png', 'shoot/jeju.jpg']);
    // Sidecars are not images: only the orphan is reported, with its reason.
    expect(r.skipped).toEqual([{ name: 'shoot/missing.xmp', reason: 'sidecar_without_image', message: expect.stringContaining('no image') }]);
    expect(r.seen).toBe(7);

    const jeju = await call(app, 'assets.meta', { id: idOf(r, 'shoot/jeju.jpg') });
    expect(jeju).toMatchObject({ title: 'Sidecar 제목', rating: 5 });
    expect(jeju.tags.sort()).toEqual(['sidecar', '바다'].sort());
    // The caption is only in the file: it still comes in (found by search).
    const found = (await call(app, 'assets.query', { scope: { kind: 'library' }, text: '주상절리' })).items.map((i) => i.id);
    expect(found).toEqual([idOf(r, 'shoot/jeju.jpg')]);
    expect(r.metadata.find((m) => m.name === 'shoot/jeju.jpg')?.read.sort()).toEqual(['xmp', 'xmp-sidecar']);

    const dt = await call(app, 'assets.meta', { id: idOf(r, 'shoot/dt.png') });
    expect(dt).toMatchObject({ title: 'From darktable', flag: -1 });

    const b = await call(app, 'assets.meta', { id: idOf(r, 'shoot/broken.jpg') });
    expect(b.title).toBe('Kept from the file');
    const bm = r.metadata.find((m) => m.name === 'shoot/broken.jpg')!;
    expect(bm.read).toEqual(['xmp']);
    expect(bm.skipped).toEqual([expect.objectContaining({ source: 'xmp-sidecar', reason: 'malformed' })]);
  });

  it('finds the sidecar beside a file picked on its own', async () => {
    const single = join(dir, 'single');
    await mkdir(single);
    await writeFile(join(single, 'alone.jpg'), await base('jpeg'));
    await sidecar(join(single, 'alone.xmp'), ['-XMP-dc:Title=Picked alone', '-XMP-xmp:Rating=3']);
    const r = await importPaths([join(single, 'alone.jpg')]);
    expect(r.skipped).toEqual([]);
    expect(await call(app, 'assets.meta', { id: idOf(r, 'alone.jpg') })).toMatchObject({ title: 'Picked alone', rating: 3 });
  });

  it('gives each picked file its own sidecar when two in different folders have the same name', async () => {
    const [x, y] = [join(dir, 'twins-x'), join(dir, 'twins-y')];
    for (const d of [x, y]) await mkdir(d);
    await writeFile(join(x, 'twin.jpg'), await base('jpeg'));
    await writeFile(join(y, 'twin.jpg'), await base('jpeg'));
    await sidecar(join(x, 'twin.xmp'), ['-XMP-dc:Title=Twin X', '-XMP-xmp:Rating=2']);
    await sidecar(join(y, 'twin.xmp'), ['-XMP-dc:Title=Twin Y', '-XMP-xmp:Rating=4']);
    // Other pictures between the two, so that the first twin is done before the second is read.
    const between: string[] = [];
    for (let i = 0; i < 8; i++) {
      between.push(join(x, `between-${i}.png`));
      await writeFile(between[i]!, await base('png'));
    }
    const r = await importPaths([join(x, 'twin.jpg'), ...between, join(y, 'twin.jpg')]);
    expect(r.skipped).toEqual([]);
    expect(r.imported).toHaveLength(10);
    const twins = r.imported.filter((i) => i.name === 'twin.jpg');
    const metas = await Promise.all(twins.map((i) => call(app, 'assets.meta', { id: i.assetId })));
    expect(metas.map((m) => [m.title, m.rating]).sort()).toEqual([
      ['Twin X', 2],
      ['Twin Y', 4],
    ]);
  });

  it('pairs a sidecar pushed by the page in an earlier batch with its image in a later one', async () => {
    const x = join(dir, 'push.xmp');
    await sidecar(x, ['-XMP-dc:Title=Pushed in two batches', '-XMP-dc:Subject=웹']);
    const task = await call(app, 'import.start', { folderId, paths: null, stackNearDuplicates: false });
    await call(app, 'import.addFiles', { taskId: task.id, files: [{ name: 'push.xmp', dataBase64: (await readFile(x)).toString('base64') }], total: 2, last: false });
    await call(app, 'import.addFiles', { taskId: task.id, files: [{ name: 'push.png', dataBase64: (await base('png')).toString('base64') }], total: 2, last: true });
    const r = (await finished(app, task)).report as ImportReport;
    expect(r.skipped).toEqual([]);
    expect(r.imported.map((i) => i.name)).toEqual(['push.png']);
    expect(await call(app, 'assets.meta', { id: idOf(r, 'push.png') })).toMatchObject({ title: 'Pushed in two batches', tags: ['웹'] });
  });
});

describe.runIf(await hasOpenssl())('the round trip of an image with Content Credentials goes through its XMP sidecar', () => {
  const libs = useTwoLibraries('atelier-sidecar-trip-');

  it('exports the untouched bytes with name.xmp, and the pair imports into a fresh library with title, rating and tags', async () => {
    const { dir, a, b } = libs;
    await mkdir(join(dir, 'pki'));
    const signer = await makeTestSigner(join(dir, 'pki'));
    const signed = await signImage(await readFile(join(GOOD_IMAGES, 'chelsea.png')), 'image/png', signer, { title: 'chelsea.png' });
    await writeFile(join(dir, 'chelsea.png'), signed);
    const folderA = (await call(a, 'folders.create', { name: 'Signed', parentId: null })).id;
    const ra = (await finished(a, a.services.transfer.importer.startPaths(folderA, [join(dir, 'chelsea.png')], { stackNearDuplicates: false }))).report as ImportReport;
    const id = ra.imported[0]!.assetId;
    await call(a, 'assets.update', { ids: [id], patch: { title: 'Chelsea, signed', rating: 4 } });
    await call(a, 'assets.tag', { ids: [id], add: ['credentials', '서명'] });

    const out = join(dir, 'out');
    await mkdir(out);
    const preset = await call(a, 'export.savePreset', { id: null, name: 'Originals', template: '{index}', format: 'original', quality: 90, longEdge: null, metadata: 'full', xmpSidecar: true });
    const ex = (await finished(a, await call(a, 'export.start', { scope: { kind: 'assets', assetIds: [id] }, presetId: preset.id, targetDir: out }))).report as ExportReport;
    expect(ex.written).toHaveLength(1);
    const files = (await readdir(out)).sort();
    expect(files).toContain('001.png');
    expect(files).toContain('001.xmp');
    // The credentials' hard binding holds: the exported file is the signed file, byte for byte.
    expect((await readFile(join(out, '001.png'))).equals(signed)).toBe(true);

    const folderB = (await call(b, 'folders.create', { name: 'Back', parentId: null })).id;
    const rb = (await finished(b, b.services.transfer.importer.startPaths(folderB, [out], { stackNearDuplicates: false }))).report as ImportReport;
    expect(rb.skipped.filter((s) => s.name.endsWith('.png'))).toEqual([]);
    expect(rb.imported.map((i) => i.name)).toEqual(['out/001.png']);
    const meta = await call(b, 'assets.meta', { id: rb.imported[0]!.assetId });
    expect(meta).toMatchObject({ title: 'Chelsea, signed', rating: 4 });
    expect(meta.tags.sort()).toEqual(['credentials', '서명'].sort());
    expect(rb.metadata[0]?.read).toContain('xmp-sidecar');
  });
});
