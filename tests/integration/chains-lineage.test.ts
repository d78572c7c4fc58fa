/**
 * Edit chains through the whole app on the sandbox provider: continue, branch, replay, the chosen mark, deleting a
 * version without orphaning its children, refusals before anything is stored or sent, and the lineage surviving an
 * export (lineageOf) and re-import (restoreLineage) into a fresh library.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import type { JobView } from '../../src/shared/domain';
import { GOOD_IMAGES } from '../helpers/paths';
import { call, callError, openTestApp, tempDir, waitFor } from '../helpers/app';

describe('edit chains (sandbox)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let app: App;
  let folderId: string;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    app = await openTestApp(dir);
    folderId = (await call(app, 'folders.create', { name: 'Chains', parentId: null })).id;
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const done = async (job: JobView): Promise<string> => {
    const j = await waitFor(async () => {
      const v = await call(app, 'jobs.get', { id: job.id });
      return v.state === 'completed' ? v : ['failed', 'canceled', 'expired'].includes(v.state) ? v : null;
    }, `job ${job.id}`);
    expect(j.state, JSON.stringify(j.error)).toBe('completed');
    return j.assetIds[0]!;
  };
  const importAstronaut = async (a: App = app, folder = folderId): Promise<string> => {
    const bytes = await readFile(join(GOOD_IMAGES, 'astronaut.png'));
    const blob = await a.services.store.put(bytes, 'astronaut.png', { maxBytes: 50e6, maxPixels: 50e6 });
    return a.services.assets.createImported({ folderId: folder, blobId: blob.id }).assetId;
  };
  const edit = (parentAssetId: string, prompt: string, extra: Record<string, unknown> = {}) =>
    call(app, 'jobs.submit', {
      folderId, provider: 'sandbox', model: 'gpt-image-2', prompt, params: {}, references: [], parentAssetId, ...extra,
    });

  it('continues, branches and replays; the tree has the right shape and each node its step', async () => {
    const photo = await importAstronaut();
    const coat = await done(await edit(photo, 'add a winter coat'));
    const scarf = await done(await edit(coat, 'add a scarf'));
    const rain = await done(await edit(coat, 'make it a raincoat'));

    const chain = await call(app, 'chains.get', { assetId: scarf });
    expect(chain.nodes).toHaveLength(4);
    expect(chain.straight).toBe(false);
    const by = Object.fromEntries(chain.nodes.map((n) => [n.prompt ?? 'root', n]));
    const root = chain.nodes[0]!;
    expect(root).toMatchObject({ method: 'root', assetId: photo, parentId: null, depth: 0 });
    expect(by['add a winter coat']).toMatchObject({ parentId: root.id, assetId: coat, method: 'sandbox_reference', depth: 1 });
    expect(by['add a scarf']).toMatchObject({ parentId: by['add a winter coat']!.id, depth: 2, provider: 'sandbox', model: 'gpt-image-2' });
    expect(by['make it a raincoat']).toMatchObject({ parentId: by['add a winter coat']!.id, assetId: rain, depth: 2 });
    // Two children under the coat: a branch. Inputs keep the parent's bytes.
    const coatBlob = (await call(app, 'assets.get', { id: coat })).blob.id;
    expect(by['add a scarf']!.inputs[0]).toMatchObject({ blobId: coatBlob, assetId: coat });
    expect(by['add a scarf']!.durationMs).toBeGreaterThan(0);
    expect((await call(app, 'assets.get', { id: scarf })).kind).toBe('edited');
    // The edit's job carried the parent as its first reference (what the sandbox composites).
    const scarfJob = await call(app, 'jobs.get', { id: by['add a scarf']!.jobId! });
    expect(scarfJob.referenceCount).toBe(1);

    // Replay the scarf step on gpt-image-1.5: a sibling under the coat, marked as a replay.
    const replay = await call(app, 'chains.replay', { versionId: by['add a scarf']!.id, provider: 'sandbox', model: 'gpt-image-1.5' });
    expect(replay.prompt).toBe('add a scarf');
    expect(replay.params['input_fidelity']).toBe('high'); // an edit on a model with input_fidelity
    const replayAsset = await done(replay);
    const after = await call(app, 'chains.get', { assetId: replayAsset });
    const rNode = after.nodes.find((n) => n.assetId === replayAsset)!;
    expect(rNode).toMatchObject({ parentId: by['add a winter coat']!.id, replayOf: by['add a scarf']!.id, model: 'gpt-image-1.5' });

    // The chosen mark.
    const chosen = await call(app, 'chains.choose', { versionId: by['make it a raincoat']!.id, chosen: true });
    expect(chosen.chosenVersionId).toBe(by['make it a raincoat']!.id);
    expect((await call(app, 'chains.choose', { versionId: by['make it a raincoat']!.id, chosen: false })).chosenVersionId).toBeNull();
  });

  it('deleting a version never orphans its children; they keep their inputs and can still be continued', async () => {
    const photo = await importAstronaut();
    const coat = await done(await edit(photo, 'add a winter coat'));
    const scarf = await done(await edit(coat, 'add a scarf'));
    const chain = await call(app, 'chains.get', { assetId: scarf });
    const coatNode = chain.nodes.find((n) => n.assetId === coat)!;
    const coatBlob = coatNode.blob!.id;

    const after = await call(app, 'chains.deleteVersion', { versionId: coatNode.id });
    await callError(app, 'assets.get', { id: coat });
    expect(after.nodes).toHaveLength(3);
    const ghost = after.nodes.find((n) => n.id === coatNode.id)!;
    expect(ghost.assetId).toBeNull();
    const child = after.nodes.find((n) => n.assetId === scarf)!;
    expect(child.parentId).toBe(coatNode.id);
    expect(child.inputs[0]!.blobId).toBe(coatBlob);
    // The child's lineage still reaches the root through the deleted version.
    const lin = app.services.chains.lineageOf(scarf)!;
    expect(lin.path.map((s) => s.method)).toEqual(['root', 'sandbox_reference', 'sandbox_reference']);
    expect(lin.path[1]!.assetId).toBeNull();
    // The child can be continued; the deleted step can even be replayed (its parent is still there).
    await done(await edit(scarf, 'add a hat'));
    const replay = await call(app, 'chains.replay', { versionId: coatNode.id, provider: 'sandbox', model: 'gpt-image-2' });
    await done(replay);
    expect((await call(app, 'chains.get', { assetId: scarf })).nodes).toHaveLength(5);
  });

  it('refuses bad input with the reason before anything is stored or sent', async () => {
    const photo = await importAstronaut();
    const jobsBefore = (await call(app, 'jobs.list', {})).length;
    // A mask on a model that takes none (Apiframe and EvoLink have no mask; the sandbox takes one as OpenAI does).
    const { width, height } = (await call(app, 'assets.get', { id: photo })).blob;
    const goodMask = await sharp({ create: { width, height, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 1 } } }).png().toBuffer();
    const mask = await call(app, 'chains.stageMask', { assetId: photo, dataBase64: goodMask.toString('base64') });
    let err = await callError(app, 'jobs.submit', {
      folderId, provider: 'evolink', model: 'gpt-image-2', prompt: 'p', params: {}, references: [], parentAssetId: photo, maskBlobId: mask.id,
    });
    expect(err.code).toBe('validation');
    expect(err.params).toMatchObject({ field: 'mask', reason: 'unsupported' });

    // A mask whose size differs from the image.
    const small = await sharp({ create: { width: 64, height: 64, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    err = await callError(app, 'chains.stageMask', { assetId: photo, dataBase64: small.toString('base64') });
    expect(err.params).toMatchObject({ field: 'mask', reason: 'size_mismatch', expected: `${width}x${height}`, actual: '64x64' });
    // …and a PNG without alpha, and something that is not a PNG.
    const opaque = await sharp({ create: { width, height, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toBuffer();
    expect((await callError(app, 'chains.stageMask', { assetId: photo, dataBase64: opaque.toString('base64') })).params?.['reason']).toBe('no_alpha');
    const jpeg = await sharp(goodMask).jpeg().toBuffer();
    expect((await callError(app, 'chains.stageMask', { assetId: photo, dataBase64: jpeg.toString('base64') })).params?.['reason']).toBe('not_png');

    // A chain step whose parent file is missing from disk.
    const blobId = (await call(app, 'assets.get', { id: photo })).blob.id;
    await rm(app.services.store.pathOf(blobId));
    err = await callError(app, 'jobs.submit', {
      folderId, provider: 'sandbox', model: 'gpt-image-2', prompt: 'p', params: {}, references: [], parentAssetId: photo,
    });
    expect(err.code).toBe('bad_file');
    expect(err.params).toMatchObject({ reason: 'unreadable' });
    // Nothing was created.
    expect((await call(app, 'jobs.list', {})).length).toBe(jobsBefore);
  });

  it('more than one input: the parent first, then the others in order, up to the model limit', async () => {
    const photo = await importAstronaut();
    const other = await readFile(join(GOOD_IMAGES, 'coffee.png'));
    const ref = await call(app, 'references.stage', { source: { name: 'coffee.png', dataBase64: other.toString('base64') }, provider: 'sandbox', model: 'gpt-image-2' });
    const job = await edit(photo, 'put the coffee in a gloved hand', { references: [{ blobId: ref.id, name: 'coffee.png' }] });
    const refs = app.services.journal.references(job.id);
    const photoBlob = (await call(app, 'assets.get', { id: photo })).blob.id;
    expect(refs.map((r) => r.blobId)).toEqual([photoBlob, ref.id]);
    const tooMany = Array.from({ length: 16 }, () => ({ blobId: ref.id, name: 'coffee.png' }));
    const err = await callError(app, 'jobs.submit', {
      folderId, provider: 'sandbox', model: 'gpt-image-2', prompt: 'p', params: {}, references: tooMany, parentAssetId: photo,
    });
    expect(err.params).toMatchObject({ field: 'references', reason: 'too_many', max: 16 });
  });

  it('the lineage survives export (lineageOf) and re-import (restoreLineage) into a fresh library', async () => {
    const photo = await importAstronaut();
    const coat = await done(await edit(photo, 'add a winter coat'));
    const scarf = await done(await edit(coat, 'add a scarf'));
    const rain = await done(await edit(coat, 'make it a raincoat'));
    const chain = await call(app, 'chains.get', { assetId: scarf });
    await call(app, 'chains.choose', { versionId: chain.nodes.find((n) => n.assetId === rain)!.id, chosen: true });
    const lineages = [scarf, rain].map((a) => app.services.chains.lineageOf(a)!);
    expect(lineages[0]!.schema).toBe('atelier.lineage/1');
    // The recipe JSON is plain data.
    const exported = JSON.parse(JSON.stringify(lineages)) as typeof lineages;
    const files = new Map<string, Buffer>();
    for (const l of exported) for (const s of l.path) files.set(s.blobId, await app.services.store.read(s.blobId));

    // A fresh library: re-import the images, then the lineage.
    const other = await tempDir();
    const app2 = await openTestApp(other.dir);
    try {
      const folder2 = (await call(app2, 'folders.create', { name: 'Imported', parentId: null })).id;
      const idMap = new Map<string, string>();
      for (const l of exported) {
        for (const s of l.path) {
          if (!s.assetId || idMap.has(s.assetId)) continue;
          const blob = await app2.services.store.put(files.get(s.blobId)!, 'x.png', { maxBytes: 50e6, maxPixels: 50e6 });
          idMap.set(s.assetId, app2.services.assets.createImported({ folderId: folder2, blobId: blob.id }).assetId);
        }
      }
      app2.services.chains.restoreLineage(exported, (id) => idMap.get(id) ?? null);
      const restored = await call(app2, 'chains.get', { assetId: idMap.get(scarf)! });
      const original = await call(app, 'chains.get', { assetId: scarf });
      const shape = (c: typeof original) => c.nodes.map((n) => [n.id, n.parentId, n.prompt, n.method, n.blob?.id]);
      expect(shape(restored)).toEqual(shape(original));
      expect(restored.chosenVersionId).toBe(original.chosenVersionId);
    } finally {
      await app2.close();
      await other.cleanup();
    }
  });
});
