/**
 * Export through the real dispatcher onto real folders: naming tokens, formats, XMP read back from the files,
 * JSON sidecars, metadata `none` really strips, collisions never overwrite, escaping templates and bad target
 * folders are refused, and a full disk (tmpfs, and ENOSPC injected through the exporter's fs seam).
 */
import * as fsp from 'node:fs/promises';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import type { ExportReport, ImportReport } from '../../src/shared/contracts/transfer';
import { ExportService, type ExportFs } from '../../src/main/services/transfer/export';
import { extractXmp } from '../../src/main/services/transfer/xmp';
import { dateToken } from '../../src/main/services/transfer/naming';
import { GOOD_IMAGES } from '../helpers/paths';
import { call, callError, folderAssets, granted, openTestApp, tempDir, waitFor } from '../helpers/app';
import { finished, listTree, mountTmpfs } from './transfer-helpers';

const PROMPT = 'A lighthouse on a cliff at dusk, 물결 and 波, watercolor & ink <soft>';

describe('export (real SQLite, real files)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let app: App;
  let projectId: string;
  let folderId: string;
  let generatedId: string;
  let imported: ImportReport;
  let out: string;

  beforeAll(() => {
    // Dates in names are local; pin the zone so the expectation is stable.
    process.env['TZ'] = 'UTC';
  });

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('atelier-export-'));
    app = await openTestApp(join(dir, 'lib'));
    projectId = (await call(app, 'folders.create', { name: 'Client: Acme', parentId: null })).id;
    folderId = (await call(app, 'folders.create', { name: 'Round 1', parentId: projectId })).id;
    const job = await call(app, 'jobs.submit', {
      folderId,
      provider: 'sandbox',
      model: 'gpt-image-2',
      prompt: PROMPT,
      params: { number_of_images: 1, aspect_ratio: '1:1', output_format: 'png' },
      references: [],
    });
    const done = await waitFor(async () => {
      const j = await call(app, 'jobs.get', { id: job.id });
      return j.state === 'completed' ? j : null;
    }, 'sandbox job');
    generatedId = done.assetIds[0]!;
    const v = await call(app, 'import.start', { folderId, paths: granted(app, [join(GOOD_IMAGES, 'rocket.jpg'), join(GOOD_IMAGES, 'chelsea.png')]), stackNearDuplicates: false }, 'electron');
    imported = (await finished(app, v)).report as ImportReport;
    out = join(dir, 'out');
    await mkdir(out);
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const preset = (p: { name: string; template: string; format: 'original' | 'png' | 'jpeg' | 'webp'; metadata: 'full' | 'prompt' | 'none'; quality?: number; longEdge?: number | null }) =>
    call(app, 'export.savePreset', { id: null, quality: 90, longEdge: null, ...p });

  const runExport = async (presetId: string, assetIds: string[], target = out): Promise<ExportReport> => {
    const v = await call(app, 'export.start', { scope: { kind: 'assets', assetIds }, presetId, targetDir: target });
    const done = await finished(app, v);
    expect(done.state).toBe('completed');
    return done.report as ExportReport;
  };

  it('names files by the template tokens and writes the full recipe as XMP inside and a JSON sidecar beside', async () => {
    const p = await preset({ name: 'Delivery', template: '{project}/{folder}/{date}_{provider}_{model}_r{rating}_{index}_{original}', format: 'jpeg', metadata: 'full', longEdge: 256 });
    const report = await runExport(p.id, [generatedId, imported.imported[0]!.assetId]);
    expect(report.failed).toEqual([]);
    const asset = await call(app, 'assets.get', { id: generatedId });
    const date = dateToken(asset.createdAt);
    const first = report.written[0]!;
    // ":" is not allowed in file names: the project "Client: Acme" becomes "Client_ Acme".
    expect(first.file).toBe(`Client_ Acme/Round 1/${date}_sandbox_gpt-image-2_r0_001_sandbox-${asset.blob.id.slice(0, 12)}.jpg`);
    expect(report.written[1]!.file).toBe(`Client_ Acme/Round 1/${date}_imported_imported_r0_002_${imported.imported[0]!.name.replace(/\.\w+$/, '')}.jpg`);
    const bytes = await readFile(join(out, first.file));
    const meta = await sharp(bytes).metadata();
    expect(meta.format).toBe('jpeg');
    expect(Math.max(meta.width!, meta.height!)).toBe(256);
    const xmp = extractXmp(bytes)!;
    expect(xmp).toContain('물결 and 波, watercolor &amp; ink &lt;soft&gt;');
    expect(xmp).toContain('<atelier:Model>gpt-image-2</atelier:Model>');
    expect(xmp).toContain('<atelier:Provider>sandbox</atelier:Provider>');
    expect(meta.xmp?.toString('utf8')).toContain('<atelier:Kind>generated</atelier:Kind>'); // libvips reads our packet too
    // The prompt is written once, as dc:description (not also as atelier:Prompt).
    expect(xmp.split('물결 and 波').length - 1).toBe(1);
    expect(xmp).not.toContain('atelier:Prompt');
    const sidecar = JSON.parse(await readFile(join(out, first.sidecar!), 'utf8')) as Record<string, unknown>;
    expect(sidecar).toMatchObject({ prompt: PROMPT, provider: 'sandbox', model: 'gpt-image-2', params: expect.objectContaining({ aspect_ratio: '1:1' }) });
    expect(sidecar['lineage']).toMatchObject({ jobId: asset.recipe!.jobId, references: [] });
    expect(sidecar['cost']).toHaveProperty('usdEstimate');
  });

  it('writes XMP into original PNG, JPEG and WebP bytes without touching their pixels, and "none" keeps the bytes', async () => {
    const webpFile = join(dir, 'cat.webp');
    await sharp(join(GOOD_IMAGES, 'chelsea.png')).webp({ quality: 80 }).toFile(webpFile);
    const v = await call(app, 'import.start', { folderId, paths: granted(app, [webpFile]), stackNearDuplicates: false }, 'electron');
    const webp = ((await finished(app, v)).report as ImportReport).imported[0]!;
    const rocket = imported.imported.find((i) => i.name === 'rocket.jpg')!.assetId;
    const ids = [generatedId, rocket, webp.assetId];
    const withXmp = await preset({ name: 'Originals + recipe', template: 'xmp/{index}', format: 'original', metadata: 'full' });
    const r1 = await runExport(withXmp.id, ids);
    expect(r1.written.map((w) => w.file)).toEqual(['xmp/001.png', 'xmp/002.jpg', 'xmp/003.webp']);
    for (const [i, w] of r1.written.entries()) {
      const bytes = await readFile(join(out, w.file));
      const xmp = extractXmp(bytes);
      expect(xmp, w.file).toContain('<atelier:Kind>');
      if (i === 0) expect(xmp).toContain(PROMPT.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;'));
      expect((await sharp(bytes).metadata()).xmp, w.file).toBeDefined();
      // Same pixels as the stored original.
      const blob = (await call(app, 'assets.get', { id: ids[i]! })).blob;
      const a = await sharp(bytes).raw().toBuffer();
      const b = await sharp(app.services.store.pathOf(blob.id)).raw().toBuffer();
      expect(a.equals(b), w.file).toBe(true);
    }
    const plain = await preset({ name: 'Plain', template: 'plain/{original}', format: 'original', metadata: 'none' });
    const r2 = await runExport(plain.id, ids);
    for (const [i, w] of r2.written.entries()) {
      const blob = (await call(app, 'assets.get', { id: ids[i]! })).blob;
      expect((await readFile(join(out, w.file))).equals(await readFile(app.services.store.pathOf(blob.id)))).toBe(true);
      expect(w.sidecar).toBeNull();
    }
  });

  it('converts to PNG and WebP with the prompt only, and metadata "none" really strips', async () => {
    const promptOnly = await preset({ name: 'Prompt', template: '{index}', format: 'webp', metadata: 'prompt', quality: 60 });
    const r1 = await runExport(promptOnly.id, [generatedId]);
    const webp = await readFile(join(out, r1.written[0]!.file));
    expect((await sharp(webp).metadata()).format).toBe('webp');
    const xmp = extractXmp(webp)!;
    expect(xmp).toContain('<dc:description>');
    expect(xmp).not.toContain('atelier:');
    expect(r1.written[0]!.sidecar).toBeNull();

    const none = await preset({ name: 'Clean', template: 'clean-{index}', format: 'png', metadata: 'none' });
    // The hubble JPEG carries EXIF; a converted export must drop it.
    const v = await call(app, 'import.start', { folderId, paths: granted(app, [join(GOOD_IMAGES, 'hubble_deep_field.jpg')]), stackNearDuplicates: false }, 'electron');
    const hubble = ((await finished(app, v)).report as ImportReport).imported[0]!;
    const r2 = await runExport(none.id, [generatedId, hubble.assetId]);
    for (const w of r2.written) {
      const bytes = await readFile(join(out, w.file));
      const meta = await sharp(bytes).metadata();
      expect(meta.format).toBe('png');
      expect(extractXmp(bytes)).toBeNull();
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(bytes.includes(Buffer.from('lighthouse'))).toBe(false);
    }
    expect(await listTree(out)).toEqual(['001.webp', 'clean-001.png', 'clean-002.png']);
  });

  it('never overwrites: a taken name gets " (2)", reported, and the existing file is left as it was', async () => {
    const p = await preset({ name: 'Same', template: 'shot', format: 'original', metadata: 'full' });
    await writeFile(join(out, 'shot.png'), 'mine, do not touch');
    const chelsea = imported.imported.find((i) => i.name === 'chelsea.png')!.assetId;
    const report = await runExport(p.id, [generatedId, generatedId, chelsea]);
    // Duplicate ids in a selection are exported once.
    expect(report.written.map((w) => w.file)).toEqual(['shot (2).png', 'shot (3).png']);
    expect(report.renamed).toEqual([
      { assetId: generatedId, wanted: 'shot.png', file: 'shot (2).png' },
      { assetId: chelsea, wanted: 'shot.png', file: 'shot (3).png' },
    ]);
    expect(await readFile(join(out, 'shot.png'), 'utf8')).toBe('mine, do not touch');
    const again = await runExport(p.id, [generatedId]);
    expect(again.written[0]!.file).toBe('shot (4).png');
    expect((await listTree(out)).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('refuses templates that would escape the folder, and target folders that are not usable', async () => {
    const bad = ['../up', '/etc/x', 'C:\\Windows\\x', '\\\\server\\share', 'a/../../b', 'CON', 'sub/nul.txt', 'COM1.{index}', 'name.', 'trail ', 'a<b', 'a|b', 'x//y', '{nope}', '{index', '', '~/x'];
    for (const template of bad) {
      const e = await callError(app, 'export.savePreset', { id: null, name: `bad ${template}`, template, format: 'original', metadata: 'none' });
      expect(e.code, template).toBe('validation');
      expect(e.params?.['field'], template).toBe('template');
    }
    expect((await call(app, 'export.presets', {})).map((p) => p.name)).toEqual(['JPEG with recipe', 'Original files']);
    const ok = await call(app, 'export.checkTemplate', { template: '{project}/{original}', assetId: imported.imported[0]!.assetId, format: 'jpeg' });
    expect(ok.example).toBe(`Client_ Acme/${imported.imported[0]!.name.replace(/\.\w+$/, '')}.jpg`);

    const p = await preset({ name: 'P', template: '{index}', format: 'original', metadata: 'none' });
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    for (const [targetDir, reason] of [
      [join(dir, 'missing'), 'missing'],
      [file, 'not_a_folder'],
      ['relative/path', 'not_absolute'],
    ] as const) {
      const e = await callError(app, 'export.start', { scope: { kind: 'assets', assetIds: [generatedId] }, presetId: p.id, targetDir });
      expect(e.params?.['reason'], targetDir).toBe(reason);
    }
    expect((await call(app, 'export.checkTarget', { path: out })).path).toBe(out);
    expect((await callError(app, 'export.pickTarget', {})).params?.['reason']).toBe('picker_unavailable');
  });

  it('exports a folder or a whole project (newest first, sub-folders after)', async () => {
    const p = await preset({ name: 'Folder', template: '{folder}/{index}', format: 'original', metadata: 'none' });
    const v = await call(app, 'export.start', { scope: { kind: 'folder', folderId: projectId, recursive: true }, presetId: p.id, targetDir: out });
    const report = (await finished(app, v)).report as ExportReport;
    expect(report.written.map((w) => w.file.replace(/\.\w+$/, ''))).toEqual(['Round 1/001', 'Round 1/002', 'Round 1/003']);
    expect(report.written.map((w) => w.assetId)).toEqual((await folderAssets(app, folderId)).items.map((a) => a.id));
  });

  it('stops cleanly when the target disk fills up: done files are whole, nothing half-written remains', async (ctx) => {
    const small = join(dir, 'small');
    await mkdir(small);
    const unmount = mountTmpfs(small, '1m');
    if (!unmount) return ctx.skip();
    try {
      // Many large originals: the astronaut PNG is 790 KB, so the second file cannot fit.
      const src = join(dir, 'src');
      await mkdir(src);
      for (let i = 0; i < 4; i++) {
        await sharp(join(GOOD_IMAGES, 'astronaut.png')).modulate({ brightness: 1 + i / 50 }).png({ compressionLevel: 0 }).toFile(join(src, `a${i}.png`));
      }
      const v = await call(app, 'import.start', { folderId, paths: granted(app, [src]), stackNearDuplicates: false }, 'electron');
      const ids = ((await finished(app, v)).report as ImportReport).imported.map((i) => i.assetId);
      const p = await preset({ name: 'Big', template: '{original}', format: 'original', metadata: 'full' });
      const report = await runExport(p.id, ids, small);
      expect(report.stoppedBy?.code).toBe('disk_full');
      expect(report.written.length).toBeLessThan(ids.length);
      const files = await listTree(small);
      expect(files.filter((f) => f.includes('.atelier-'))).toEqual([]);
      expect(files).toEqual(report.written.flatMap((w) => [w.file, w.sidecar!]).sort());
      for (const w of report.written) {
        const asset = await call(app, 'assets.get', { id: w.assetId });
        expect((await stat(join(small, w.file))).size).toBeGreaterThanOrEqual(asset.blob.bytes);
      }
    } finally {
      unmount();
    }
  });

  it('ENOSPC injected on the sidecar removes the image of that pair too (fs seam)', async () => {
    let opens = 0;
    const fs: ExportFs = {
      ...fsp,
      open: (async (...args: Parameters<typeof fsp.open>) => {
        const path = String(args[0]);
        if (path.includes('.atelier-') && !path.includes('probe') && ++opens === 4) {
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        }
        return fsp.open(...args);
      }) as typeof fsp.open,
    };
    const exporter = new ExportService({ db: app.services.db, store: app.services.store, tasks: app.services.transfer.tasks, fs });
    const p = await preset({ name: 'Pair', template: '{index}', format: 'original', metadata: 'full' });
    const v = await exporter.start({ kind: 'assets', assetIds: [generatedId, imported.imported[0]!.assetId, imported.imported[1]!.assetId] }, p.id, out);
    const report = (await finished(app, v)).report as ExportReport;
    expect(report.stoppedBy?.code).toBe('disk_full');
    expect(report.written.map((w) => w.file)).toEqual(['001.png']);
    expect(await readdir(out)).toEqual(['001.png', '001.png.json']);
  });
});
