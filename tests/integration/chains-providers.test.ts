/**
 * How each provider continues a chain, asserted on what reached its test server:
 * - Apiframe: the parent's own result URL reused in `input_images` while valid (no upload); uploaded once it is too
 *   old or when the parent was imported; gpt-image-1.5 edits send `input_fidelity: "high"`.
 * - EvoLink: the parent's result URL in `image_urls`; an imported parent is uploaded through the Files API first.
 * - OpenAI: `POST /images/edits` multipart with the parent as the first `image[]` and the mask, same size.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import type { JobView } from '../../src/shared/domain';
import { GOOD_IMAGES } from '../helpers/paths';
import { call, waitFor } from '../helpers/app';
import type { ApiframeTestServer } from '../servers/apiframe/server';
import type { EvolinkTestServer } from '../servers/evolink/server';
import type { OpenAiTestServer } from '../servers/openai/server';
import { startProviderWorld, type ProviderWorld } from '../helpers/provider-world';


describe('each provider continues a chain its own way', () => {
  let af: ApiframeTestServer;
  let ev: EvolinkTestServer;
  let oa: OpenAiTestServer;
  let app: App;
  let folderId: string;

  let world: ProviderWorld;
  beforeEach(async () => {
    world = await startProviderWorld('Providers', { apiframe: { queueDelayMs: 50 }, openai: { processingDelayMs: 20 } });
    ({ af, ev, oa, app, folderId } = world);
  });
  afterEach(() => world.close());

  const done = async (job: JobView): Promise<string> => {
    const j = await waitFor(async () => {
      const v = await call(app, 'jobs.get', { id: job.id });
      return ['completed', 'failed', 'canceled', 'expired'].includes(v.state) ? v : null;
    }, `job ${job.id}`);
    expect(j.state, JSON.stringify(j.error)).toBe('completed');
    return j.assetIds[0]!;
  };
  const importAstronaut = async (): Promise<string> => {
    const bytes = await readFile(join(GOOD_IMAGES, 'astronaut.png'));
    const blob = await app.services.store.put(bytes, 'astronaut.png', { maxBytes: 50e6, maxPixels: 50e6 });
    return app.services.assets.createImported({ folderId, blobId: blob.id }).assetId;
  };
  const methodOf = async (assetId: string) =>
    (await call(app, 'chains.get', { assetId })).nodes.find((n) => n.assetId === assetId)!.method;

  it('Apiframe: reuses the parent result URL while valid, uploads it otherwise; gpt-image-1.5 edits at high fidelity', async () => {
    const first = await done(
      await call(app, 'jobs.submit', { folderId, provider: 'apiframe', model: 'gpt-image-2', prompt: 'an astronaut', params: {}, references: [] }),
    );
    const firstJob = app.services.journal.get((await call(app, 'assets.get', { id: first })).recipe!.jobId)!;
    const resultUrl = (firstJob.outputs![0] as { url: string }).url;
    const uploadsBefore = af.state.requestsTo('upload').length;

    const coat = await done(
      await call(app, 'jobs.submit', {
        folderId, provider: 'apiframe', model: 'gpt-image-1.5', prompt: 'add a winter coat', params: {}, references: [], parentAssetId: first,
      }),
    );
    const gen = af.state.requestsTo('generate').at(-1)!.body as { gptImageParams: Record<string, unknown> };
    expect(gen.gptImageParams['input_images']).toEqual([resultUrl]);
    expect(gen.gptImageParams['input_fidelity']).toBe('high');
    expect(af.state.requestsTo('upload').length).toBe(uploadsBefore);
    expect(await methodOf(coat)).toBe('input_url');

    // The coat's result is 23 h old: less than the hour of margin left, so it is uploaded instead.
    const coatJobId = (await call(app, 'assets.get', { id: coat })).recipe!.jobId;
    app.services.db.prepare('UPDATE jobs SET completed_at = ? WHERE id = ?').run(Date.now() - 23.5 * 3600_000, coatJobId);
    const scarf = await done(
      await call(app, 'jobs.submit', {
        folderId, provider: 'apiframe', model: 'gpt-image-2', prompt: 'add a scarf', params: {}, references: [], parentAssetId: coat,
      }),
    );
    const gen2 = af.state.requestsTo('generate').at(-1)!.body as { gptImage2Params: Record<string, unknown> };
    const uploaded = af.state.requestsTo('upload').length - uploadsBefore;
    expect(uploaded).toBe(1);
    expect(String((gen2.gptImage2Params['input_images'] as string[])[0])).toContain('/cdn/uploads/');
    expect(gen2.gptImage2Params).not.toHaveProperty('input_fidelity'); // gpt-image-2 has no such knob
    expect(await methodOf(scarf)).toBe('input_upload');

    // An imported photo has no provider URL: uploaded, and the user's explicit fidelity is kept.
    const photo = await importAstronaut();
    await done(
      await call(app, 'jobs.submit', {
        folderId, provider: 'apiframe', model: 'gpt-image-1.5', prompt: 'add a raincoat', params: { input_fidelity: 'low' }, references: [], parentAssetId: photo,
      }),
    );
    const gen3 = af.state.requestsTo('generate').at(-1)!.body as { gptImageParams: Record<string, unknown> };
    expect(gen3.gptImageParams['input_fidelity']).toBe('low');
    expect(af.state.requestsTo('upload').length - uploadsBefore).toBe(2);
  });

  it('EvoLink: the parent result URL goes in image_urls; an imported parent is uploaded first; more inputs follow in order', async () => {
    const first = await done(
      await call(app, 'jobs.submit', { folderId, provider: 'evolink', model: 'gpt-image-2', prompt: 'an astronaut', params: { quality: 'low' }, references: [] }),
    );
    const job = app.services.journal.get((await call(app, 'assets.get', { id: first })).recipe!.jobId)!;
    const resultUrl = (job.outputs![0] as { url: string }).url;
    const coat = await done(
      await call(app, 'jobs.submit', {
        folderId, provider: 'evolink', model: 'gpt-image-2', prompt: 'add a winter coat', params: { quality: 'low' }, references: [], parentAssetId: first,
      }),
    );
    const body = ev.state.requestsTo('create').at(-1)!.body as { image_urls: string[] };
    expect(body.image_urls).toEqual([resultUrl]);
    expect(ev.state.requestsTo('upload')).toHaveLength(0);
    expect(await methodOf(coat)).toBe('input_url');

    const photo = await importAstronaut();
    const coffee = await call(app, 'references.stage', {
      source: { name: 'coffee.png', dataBase64: (await readFile(join(GOOD_IMAGES, 'coffee.png'))).toString('base64') },
      provider: 'evolink',
      model: 'gpt-image-2',
    });
    const edited = await done(
      await call(app, 'jobs.submit', {
        folderId, provider: 'evolink', model: 'gpt-image-2', prompt: 'hold a coffee', params: { quality: 'low' },
        references: [{ blobId: coffee.id, name: 'coffee.png' }], parentAssetId: photo,
      }),
    );
    const body2 = ev.state.requestsTo('create').at(-1)!.body as { image_urls: string[] };
    expect(ev.state.requestsTo('upload')).toHaveLength(2);
    expect(body2.image_urls).toHaveLength(2);
    expect(await methodOf(edited)).toBe('input_upload');
  });

  it('OpenAI: /images/edits with the parent as image[] and the mask, the same size; recorded as images_edit', async () => {
    const photo = await importAstronaut();
    const info = (await call(app, 'assets.get', { id: photo })).blob;
    // Edit the lower half (alpha 0), keep the upper half (alpha 255).
    const { width, height } = info;
    const half = Math.floor(height / 2);
    const raw = Buffer.alloc(width * height * 4);
    for (let i = 0; i < width * half; i++) raw[i * 4 + 3] = 255;
    const mask = await sharp(raw, { raw: { width, height, channels: 4 } }).png().toBuffer();
    const staged = await call(app, 'chains.stageMask', { assetId: photo, dataBase64: mask.toString('base64') });
    const coat = await done(
      await call(app, 'jobs.submit', {
        folderId, provider: 'openai', model: 'gpt-image-1.5', prompt: 'add a winter coat', params: { quality: 'low' },
        references: [], parentAssetId: photo, maskBlobId: staged.id,
      }),
    );
    const req = oa.state.requestsTo('edits').at(-1)!.body as {
      fields: Record<string, string>;
      images: { sha256: string; width: number; height: number }[];
      mask: { sha256: string; width: number; height: number } | null;
    };
    const parentSha = createHash('sha256').update(await app.services.store.read(info.id)).digest('hex');
    expect(req.images[0]!.sha256).toBe(parentSha);
    expect(req.mask).toMatchObject({ sha256: staged.id, width, height });
    expect(req.fields['input_fidelity']).toBe('high');
    const node = (await call(app, 'chains.get', { assetId: coat })).nodes.find((n) => n.assetId === coat)!;
    expect(node).toMatchObject({ method: 'images_edit', maskBlobId: staged.id, provider: 'openai' });
    expect(node.costUsd).toBeGreaterThan(0);

    // The outside-the-mask measure and the composite work on the real output.
    const report = await call(app, 'chains.outsideMask', { versionId: node.id });
    expect(report.outsidePixels).toBe(width * half);
    expect(report.heatmap.width).toBe(width);
    const composite = await call(app, 'chains.keepOriginalOutsideMask', { versionId: node.id });
    expect(composite.kind).toBe('edited');
    const chain = await call(app, 'chains.get', { assetId: composite.id });
    expect(chain.nodes.find((n) => n.assetId === composite.id)).toMatchObject({ method: 'composite', parentId: node.id });
    const compNode = chain.nodes.find((n) => n.assetId === composite.id)!;
    const again = await call(app, 'chains.outsideMask', { versionId: node.id });
    expect(again.changedPercent).toBe(report.changedPercent); // the step itself is unchanged
    // …and the composite equals the original everywhere outside the mask.
    const orig = await sharp(await app.services.store.read(info.id)).ensureAlpha().raw().toBuffer();
    const comp = await sharp(await app.services.store.read(compNode.blob!.id)).ensureAlpha().raw().toBuffer();
    expect(comp.subarray(0, width * half * 4).equals(orig.subarray(0, width * half * 4))).toBe(true);
  });
});
