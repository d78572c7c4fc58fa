/**
 * Other tools' archives come in with their prompts (issue 10): images written the way AUTOMATIC1111/Forge
 * (PNG `parameters`, JPEG and WebP EXIF UserComment), ComfyUI (`prompt` API graph, `workflow`), InvokeAI,
 * NovelAI, Fooocus and SwarmUI write them, and XMP as Lightroom, Bridge and digiKam write it (through exiftool),
 * imported through the real import service into a real SQLite library: the recipe is stored, shown by
 * `assets.get`, and found by search (with and without accents, Korean by two characters); XMP title, caption,
 * tags, rating and reject are applied. Hostile metadata (oversized, deeply nested, malformed, a deflate bomb)
 * is skipped with its reason while the image still comes in. And the round trip: images exported by Atelier
 * with their full recipe come back into a fresh library with prompt, tags, rating, title and lineage.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import type { ExportReport, ImportReport } from '../../src/shared/contracts/transfer';
import type { AssetDetail, JobView } from '../../src/shared/domain';
import { call, openTestApp, tempDir, waitFor } from '../helpers/app';
import { base, FOOOCUS, INVOKE, NOVEL_COMMENT, SWARM, withText, writeFixtures } from '../helpers/foreign-fixtures';
import { finished, useTwoLibraries } from './transfer-helpers';

// ── the tests ──────────────────────────────────────────────────────────────────────────────────────────────

describe('import reads what other tools wrote', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let app: App;
  let folderId: string;
  let files: Record<string, string>;
  let report: ImportReport;
  const ids: Record<string, string> = {};

  const importDir = async (a: App, folder: string, path: string): Promise<ImportReport> => {
    const v = a.services.transfer.importer.startPaths(folder, [path], { stackNearDuplicates: false });
    return (await finished(a, v)).report as ImportReport;
  };
  const detail = (id: string): Promise<AssetDetail> => call(app, 'assets.get', { id });
  const search = async (text: string): Promise<string[]> => (await call(app, 'assets.query', { scope: { kind: 'library' }, text })).items.map((i) => i.id);

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atelier-foreign-'));
    app = await openTestApp(join(dir, 'lib'));
    folderId = (await call(app, 'folders.create', { name: 'Archives', parentId: null })).id;
    files = await writeFixtures(join(dir, 'in'));
    report = await importDir(app, folderId, join(dir, 'in'));
    for (const [role, name] of Object.entries(files)) {
      const hit = report.imported.find((i) => i.name === `in/${name}`);
      expect(hit, name).toBeDefined();
      ids[role] = hit!.assetId;
    }
  });
  afterAll(async () => {
    await app?.close();
    await cleanup?.();
  });

  it('imports every fixture, and says per image which tool and which sources were read', () => {
    expect(report.skipped).toEqual([]);
    expect(report.imported).toHaveLength(Object.keys(files).length);
    const by = new Map(report.metadata.map((m) => [m.assetId, m]));
    expect(by.get(ids['a1111itxt']!)).toMatchObject({ tool: 'a1111', read: ['png:parameters'], skipped: [] });
    expect(by.get(ids['a1111jpeg']!)).toMatchObject({ tool: 'a1111', read: ['exif:UserComment'] });
    expect(by.get(ids['comfy']!)).toMatchObject({ tool: 'comfyui', read: ['png:prompt'] });
    expect(by.get(ids['lightroom']!)).toMatchObject({ tool: null, read: ['xmp'] });
  });

  it('AUTOMATIC1111 / Forge: PNG parameters (iTXt) with prompt, negative prompt and every field', async () => {
    const r = (await detail(ids['a1111itxt']!)).foreignRecipe!;
    expect(r).toEqual({
      tool: 'a1111',
      toolVersion: 'Forge f2.0.1v1.10.1-previous-313',
      prompt: 'masterpiece, Café crème brûlée on a marble table, 고양이 한 마리\nsoft window light',
      negativePrompt: 'blurry, lowres,\nwatermark',
      model: 'juggernautXL_v9',
      seed: '1234567890',
      steps: 28,
      cfg: 6.5,
      sampler: 'DPM++ 2M · Karras',
      width: 832,
      height: 1216,
    });
    // UTF-8 in a tEXt chunk reads the same.
    expect((await detail(ids['a1111']!)).foreignRecipe).toEqual(r);
  });

  it('AUTOMATIC1111 in JPEG and WebP EXIF UserComment (UNICODE and ASCII)', async () => {
    const j = (await detail(ids['a1111jpeg']!)).foreignRecipe!;
    expect(j).toMatchObject({ tool: 'a1111', model: 'ponyDiffusionV6XL', seed: '1234567890', steps: 28, cfg: 6.5, width: 832, height: 1216 });
    expect(j.prompt).toContain('고양이 한 마리');
    const w = (await detail(ids['a1111webp']!)).foreignRecipe!;
    expect(w).toMatchObject({ tool: 'a1111', prompt: 'a quiet harbour at dawn', negativePrompt: 'fog', model: 'sdxl_turbo', seed: '99', steps: 12, cfg: 3, sampler: 'Euler a', width: 640, height: 480 });
  });

  it('ComfyUI: prompts from the encoders wired to the sampler (through a combiner), the checkpoint behind a LoRA, the sampler settings', async () => {
    const r = (await detail(ids['comfy']!)).foreignRecipe!;
    expect(r).toEqual({
      tool: 'comfyui',
      toolVersion: null,
      prompt: 'a lighthouse at dusk over the sea, 등대\ngolden hour glow',
      negativePrompt: 'watermark, text, signature',
      model: 'sd_xl_base_1.0.safetensors',
      seed: '156680208700286',
      steps: 24,
      cfg: 7.5,
      sampler: 'dpmpp_2m · karras',
      width: 1024,
      height: 768,
    });
    const w = (await detail(ids['comfyWorkflow']!)).foreignRecipe!;
    expect(w).toMatchObject({ tool: 'comfyui', prompt: 'a red fox in fresh snow, 여우', negativePrompt: 'bad anatomy', model: 'dreamshaper_8.safetensors', seed: '42', steps: 30, cfg: 5.5 });
  });

  it('InvokeAI, NovelAI, Fooocus and SwarmUI', async () => {
    expect((await detail(ids['invoke']!)).foreignRecipe).toEqual({
      tool: 'invokeai', toolVersion: '5.6.0', prompt: INVOKE.positive_prompt, negativePrompt: 'low quality', model: 'Juggernaut XL v9',
      seed: '3141592', steps: 35, cfg: 4.5, sampler: 'dpmpp_3m_k', width: 896, height: 1152,
    });
    expect((await detail(ids['novel']!)).foreignRecipe).toEqual({
      tool: 'novelai', toolVersion: null, prompt: 'a witch riding a broom over a harvest moon', negativePrompt: NOVEL_COMMENT.uc,
      model: 'NovelAI Diffusion V4.5 4BDE2A90', seed: '2718281828', steps: 28, cfg: 5, sampler: 'k_euler_ancestral', width: 832, height: 1216,
    });
    expect((await detail(ids['fooocus']!)).foreignRecipe).toEqual({
      tool: 'fooocus', toolVersion: 'Fooocus v2.5.5', prompt: FOOOCUS.prompt, negativePrompt: FOOOCUS.negative_prompt, model: FOOOCUS.base_model,
      seed: '8675309', steps: 30, cfg: 4, sampler: 'dpmpp_2m_sde_gpu · karras', width: 1152, height: 896,
    });
    expect((await detail(ids['swarm']!)).foreignRecipe).toEqual({
      tool: 'swarmui', toolVersion: '0.9.4.0', prompt: SWARM.sui_image_params.prompt, negativePrompt: 'people', model: 'flux1-dev-fp8',
      seed: '1717', steps: 20, cfg: 1, sampler: 'euler · simple', width: 1344, height: 768,
    });
    // The raw source is kept for the record.
    const raw = app.services.db.prepare('SELECT raw FROM foreign_recipes WHERE asset_id = ?').pluck().get(ids['swarm']!) as string;
    expect(JSON.parse(raw)).toMatchObject({ parameters: { sui_extra_data: { prep_time: '1 sec' } } });
  });

  it('XMP from Lightroom and digiKam: title, caption as note, keywords and hierarchical keywords as tags, stars, reject', async () => {
    const lr = await call(app, 'assets.meta', { id: ids['lightroom']! });
    expect(lr).toMatchObject({ title: 'Jeju coast at noon', note: 'Basalt columns at Jusangjeolli, 주상절리', rating: 4, flag: 0 });
    expect(lr.tags).toEqual(['coast', 'Jeju', 'Korea', 'Places']);
    expect((await detail(ids['lightroom']!)).foreignRecipe ?? null).toBeNull();
    const dk = await call(app, 'assets.meta', { id: ids['digikam']! });
    expect(dk).toMatchObject({ title: 'Reject me', rating: 0, flag: -1 });
    expect(dk.tags).toEqual(['Family', 'Grandma', 'People']);
  });

  it('search finds images by a word of their prompt, negative prompt or model, with and without accents, Korean by two characters', async () => {
    expect((await search('brulee')).sort()).toEqual([ids['a1111']!, ids['a1111itxt']!, ids['a1111jpeg']!].sort());
    expect(await search('brûlée')).toEqual(expect.arrayContaining([ids['a1111itxt']!, ids['a1111jpeg']!]));
    expect(await search('CAFE creme')).toEqual(expect.arrayContaining([ids['a1111itxt']!]));
    expect(await search('고양')).toEqual(expect.arrayContaining([ids['a1111itxt']!, ids['a1111jpeg']!]));
    expect(await search('lighthouse')).toEqual([ids['comfy']!]);
    expect(await search('등대')).toEqual([ids['comfy']!]);
    expect(await search('signature')).toEqual([ids['comfy']!]); // negative prompt
    expect(await search('sd_xl_base')).toEqual([ids['comfy']!]); // model
    expect(await search('decoy')).toEqual([]); // an encoder wired to nothing is not the prompt
    expect(await search('京都')).toEqual([ids['invoke']!]);
    expect(await search('witch')).toEqual([ids['novel']!]);
    expect(await search('terrarium')).toEqual([ids['fooocus']!]);
    expect(await search('brutalist')).toEqual([ids['swarm']!]);
    expect(await search('fox snow')).toEqual([ids['comfyWorkflow']!]);
    expect(await search('주상절리')).toEqual([ids['lightroom']!]); // the caption, as a note
  });
});

describe('hostile metadata is skipped with its reason, and the image still comes in', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let app: App;
  let folderId: string;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atelier-foreign-bad-'));
    app = await openTestApp(join(dir, 'lib'));
    folderId = (await call(app, 'folders.create', { name: 'Bad', parentId: null })).id;
  });
  afterAll(async () => {
    await app?.close();
    await cleanup?.();
  });

  it('oversized, deeply nested, malformed, a deflate bomb, broken XMP, a 100,000-character prompt', async () => {
    const inDir = join(dir, 'in');
    await mkdir(inDir);
    const cases: Record<string, Buffer> = {
      'huge.png': withText(await base('png'), [{ type: 'tEXt', key: 'parameters', text: `${'x'.repeat(1_200_000)}\nSteps: 1` }]),
      'deep.png': withText(await base('png'), [{ type: 'tEXt', key: 'prompt', text: '['.repeat(50_000) + ']'.repeat(50_000) }]),
      'broken.png': withText(await base('png'), [{ type: 'tEXt', key: 'invokeai_metadata', text: '{"positive_prompt": "never closed' }]),
      'bomb.png': withText(await base('png'), [{ type: 'iTXt', key: 'parameters', text: Buffer.alloc(64 * 1024 * 1024, 0x41), compressed: true }]),
      'badxmp.png': withText(await base('png'), [
        { type: 'iTXt', key: 'XML:com.adobe.xmp', text: '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><!DOCTYPE x><rdf:Description/>' },
        { type: 'tEXt', key: 'parameters', text: 'still read\nSteps: 3, Seed: 7' },
      ]),
      'long.png': withText(await base('png'), [{ type: 'iTXt', key: 'parameters', text: `${'물'.repeat(100_000)}\nSteps: 5, Seed: 1` }]),
      'notagraph.png': withText(await base('png'), [{ type: 'tEXt', key: 'prompt', text: '{"1": 5, "2": [1, 2]}' }]),
    };
    for (const [name, bytes] of Object.entries(cases)) await writeFile(join(inDir, name), bytes);
    const t0 = performance.now();
    const v = app.services.transfer.importer.startPaths(folderId, [inDir], { stackNearDuplicates: false });
    const report = (await finished(app, v)).report as ImportReport;
    const ms = performance.now() - t0;
    expect(report.skipped).toEqual([]);
    expect(report.imported.map((i) => i.name).sort()).toEqual(Object.keys(cases).map((n) => `in/${n}`).sort());
    const meta = new Map(report.metadata.map((m) => [m.name.replace('in/', ''), m]));
    const reasons = (n: string) => meta.get(n)?.skipped.map((s) => `${s.source} ${s.reason}`) ?? [];
    expect(reasons('huge.png')).toEqual(['png:parameters too_large']);
    expect(reasons('deep.png')).toEqual(['png:prompt too_deep']);
    expect(reasons('broken.png')).toEqual(['png:invokeai_metadata malformed']);
    expect(reasons('bomb.png')).toEqual(['png:parameters too_large']);
    expect(reasons('badxmp.png')).toEqual(['xmp malformed']);
    expect(meta.get('badxmp.png')).toMatchObject({ tool: 'a1111', read: ['png:parameters'] });
    expect(meta.get('huge.png')?.skipped[0]?.message).toMatch(/over the limit of 1048576/);
    const id = (n: string) => report.imported.find((i) => i.name === `in/${n}`)!.assetId;
    for (const n of ['huge.png', 'deep.png', 'broken.png', 'bomb.png', 'notagraph.png']) {
      expect((await call(app, 'assets.get', { id: id(n) })).foreignRecipe ?? null, n).toBeNull();
    }
    expect((await call(app, 'assets.get', { id: id('badxmp.png') })).foreignRecipe).toMatchObject({ prompt: 'still read', seed: '7', steps: 3 });
    const long = (await call(app, 'assets.get', { id: id('long.png') })).foreignRecipe!;
    expect(long.prompt!.length).toBe(64_000);
    console.log(`foreign hostile import: ${Object.keys(cases).length} files in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(15_000);
  });
});

describe('the Atelier round trip: export with the full recipe, import into a fresh library', () => {
  const libs = useTwoLibraries('atelier-foreign-trip-');

  const done = async (app: App, job: JobView): Promise<string> => {
    const j = await waitFor(async () => {
      const v = await call(app, 'jobs.get', { id: job.id });
      return ['completed', 'failed', 'canceled', 'expired'].includes(v.state) ? v : null;
    }, `job ${job.id}`);
    expect(j.state, JSON.stringify(j.error)).toBe('completed');
    return j.assetIds[0]!;
  };

  it('comes back with prompt, tags, rating, title, pick, and its lineage once the parent is there', async () => {
    const { dir, a, b } = libs;
    const folderId = (await call(a, 'folders.create', { name: 'Trip', parentId: null })).id;
    const prompt = 'A paper crane on a windowsill, 종이학, 折り鶴';
    const parent = await done(a, await call(a, 'jobs.submit', { folderId, provider: 'sandbox', model: 'gpt-image-2', prompt, params: {}, references: [] }));
    const child = await done(
      a,
      await call(a, 'jobs.submit', { folderId, provider: 'sandbox', model: 'gpt-image-2', prompt: 'make the crane red', params: {}, references: [], parentAssetId: parent }),
    );
    await call(a, 'assets.update', { ids: [parent], patch: { title: 'Crane 학', rating: 4, flag: 1 } });
    await call(a, 'assets.update', { ids: [child], patch: { title: 'Red crane', rating: 2 } });
    await call(a, 'assets.tag', { ids: [parent], add: ['origami', '종이'] });
    await call(a, 'assets.tag', { ids: [child], add: ['red'] });
    const out = join(dir, 'out');
    await mkdir(out);
    const preset = await call(a, 'export.savePreset', { id: null, name: 'Full', template: '{index}', format: 'png', quality: 90, longEdge: null, metadata: 'full' });
    const v = await call(a, 'export.start', { scope: { kind: 'assets', assetIds: [child, parent] }, presetId: preset.id, targetDir: out });
    const ex = (await finished(a, v)).report as ExportReport;
    expect(ex.written.map((w) => w.embedded.state)).toEqual(['written', 'written']);
    const [childFile, parentFile] = ex.written.map((w) => join(out, w.file));

    const folderB = (await call(b, 'folders.create', { name: 'Back', parentId: null })).id;
    const importOne = async (file: string): Promise<string> => {
      const t = b.services.transfer.importer.startPaths(folderB, [file], { stackNearDuplicates: false });
      const r = (await finished(b, t)).report as ImportReport;
      expect(r.skipped).toEqual([]);
      expect(r.metadata[0]).toMatchObject({ tool: 'atelier', skipped: [] });
      return r.imported[0]!.assetId;
    };
    // The child first: its parent is not in the library yet, so it waits.
    const childB = await importOne(childFile!);
    expect((await call(b, 'chains.get', { assetId: childB })).nodes).toHaveLength(1);
    const parentB = await importOne(parentFile!);

    const pm = await call(b, 'assets.meta', { id: parentB });
    expect(pm).toMatchObject({ title: 'Crane 학', rating: 4, flag: 1 });
    expect(pm.tags.sort()).toEqual(['origami', '종이'].sort());
    const cm = await call(b, 'assets.meta', { id: childB });
    expect(cm).toMatchObject({ title: 'Red crane', rating: 2, flag: 0, tags: ['red'] });
    const pd = await call(b, 'assets.get', { id: parentB });
    expect(pd.foreignRecipe).toMatchObject({ tool: 'atelier', prompt, model: 'gpt-image-2' });
    const found = (await call(b, 'assets.query', { scope: { kind: 'library' }, text: '折り鶴' })).items.map((i) => i.id);
    expect(found).toEqual([parentB]);

    const chain = await call(b, 'chains.get', { assetId: childB });
    expect(chain.nodes.map((n) => n.assetId)).toEqual([parentB, childB]);
    expect(chain.nodes[1]).toMatchObject({ parentId: chain.nodes[0]!.id, provider: 'sandbox', model: 'gpt-image-2', prompt: 'make the crane red' });
    expect(b.services.db.prepare('SELECT COUNT(*) FROM foreign_recipes WHERE parent_source_id IS NOT NULL').pluck().get()).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['001.png', '001.png.json', '002.png', '002.png.json']);
  });
});
