import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { App } from '../../src/main/app';
import { BAD_FILES, GOOD_IMAGES } from '../helpers/paths';
import { call, callError, folderAssets, granted, openTestApp, tempDir, waitFor } from '../helpers/app';

const PROMPT = 'Edit this portrait to add a winter coat and scarf, keeping the face and background unchanged';

describe('jobs through the sandbox provider (real SQLite, real image store)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let app: App;
  let folderId: string;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    app = await openTestApp(dir);
    folderId = (await call(app, 'folders.create', { name: 'Portraits', parentId: null })).id;
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const stageAstronaut = async () =>
    call(app, 'references.stage', {
      source: { name: 'astronaut.png', dataBase64: (await readFile(join(GOOD_IMAGES, 'astronaut.png'))).toString('base64') },
      provider: 'sandbox',
      model: 'gpt-image-2',
    });

  it('runs a job to completion and stores every output with its recipe', async () => {
    const ref = await stageAstronaut();
    expect(ref).toMatchObject({ name: 'astronaut.png', width: 512, height: 512, mime: 'image/png' });
    const states: string[] = [];
    const off = app.dispatcher.subscribe((e) => {
      if (e.name === 'job.updated') states.push(e.payload.state);
    });
    const job = await call(app, 'jobs.submit', {
      folderId,
      provider: 'sandbox',
      model: 'gpt-image-2',
      prompt: PROMPT,
      params: { number_of_images: 2, aspect_ratio: '3:2', output_format: 'png' },
      references: [{ blobId: ref.id, name: ref.name }],
    });
    expect(job.state).toBe('queued');
    const done = await waitFor(async () => {
      const j = await call(app, 'jobs.get', { id: job.id });
      return j.state === 'completed' ? j : null;
    }, 'job completed');
    off();
    expect(done.assetIds).toHaveLength(2);
    expect(states).toEqual(expect.arrayContaining(['submitting', 'running', 'downloading', 'completed']));

    const page = await folderAssets(app, folderId);
    expect(page.total).toBe(2);
    const detail = await call(app, 'assets.get', { id: done.assetIds[0]! });
    expect(detail.recipe).toMatchObject({
      provider: 'sandbox',
      model: 'gpt-image-2',
      prompt: PROMPT,
      jobId: job.id,
      outputIndex: 0,
      params: expect.objectContaining({ aspect_ratio: '3:2', number_of_images: 2 }),
    });
    expect(detail.recipe!.references.map((r) => r.id)).toEqual([ref.id]);
    expect(detail.recipe!.durationMs).toBeGreaterThan(0);
    // The stored bytes are a real 3:2 PNG.
    const file = await app.dispatcher.mediaFile(detail.blob.id, 'original');
    const meta = await sharp(file!.path).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 768, 512]);
    const thumb = await app.dispatcher.mediaFile(detail.blob.id, 'thumb');
    expect((await sharp(thumb!.path).metadata()).format).toBe('webp');
  });

  it('resumes an in-flight job after a restart and stores each output once', async () => {
    const job = await call(app, 'jobs.submit', {
      folderId,
      provider: 'sandbox',
      model: 'gpt-image-2',
      prompt: 'a lighthouse at dusk',
      params: { number_of_images: 3 },
      references: [],
    });
    await waitFor(async () => (await call(app, 'jobs.get', { id: job.id })).state === 'running', 'running');
    await app.close();
    app = await openTestApp(dir);
    const done = await waitFor(async () => {
      const j = await call(app, 'jobs.get', { id: job.id });
      return j.state === 'completed' ? j : null;
    }, 'completed after restart');
    expect(done.assetIds).toHaveLength(3);
    expect(new Set(done.assetIds).size).toBe(3);
    expect((await folderAssets(app, folderId)).total).toBe(3);
  });

  it('refuses a prompt over the limit with its length, and changes nothing', async () => {
    const err = await callError(app, 'jobs.submit', {
      folderId, provider: 'sandbox', model: 'gpt-image-2', prompt: 'x'.repeat(2001), params: {}, references: [],
    });
    expect(err.code).toBe('prompt_too_long');
    expect(err.params).toMatchObject({ length: 2001, max: 2000 });
    expect(await call(app, 'jobs.list', { folderId })).toHaveLength(0);
    // Counted in UTF-16 units as Apiframe's validator does: 2000 CJK characters pass, 1001 emoji do not.
    const ok = await call(app, 'jobs.submit', {
      folderId, provider: 'sandbox', model: 'gpt-image-2', prompt: '雪'.repeat(2000), params: {}, references: [],
    });
    expect(ok.state).toBe('queued');
    const emoji = await callError(app, 'jobs.submit', {
      folderId, provider: 'sandbox', model: 'gpt-image-2', prompt: '🎨'.repeat(1001), params: {}, references: [],
    });
    expect(emoji.params).toMatchObject({ length: 2002, max: 2000 });
  });

  it('refuses parameters the model does not take, naming the field', async () => {
    const err = await callError(app, 'jobs.submit', {
      folderId, provider: 'sandbox', model: 'gpt-image-2', prompt: 'p', params: { background: 'transparent' }, references: [],
    });
    expect(err.code).toBe('validation');
    expect(err.params?.['field']).toBe('background');
    const err2 = await callError(app, 'jobs.submit', {
      folderId, provider: 'sandbox', model: 'gpt-image-2', prompt: 'p', params: { input_fidelity: 'high' }, references: [],
    });
    expect(err2.code).toBe('validation');
    expect(await call(app, 'jobs.list', { folderId })).toHaveLength(0);
  });

  it('refuses an Apiframe job when no key is set', async () => {
    const err = await callError(app, 'jobs.submit', {
      folderId, provider: 'apiframe', model: 'gpt-image-2', prompt: 'p', params: {}, references: [],
    });
    expect(err.code).toBe('no_api_key');
  });

  it('refuses a raw file path from the web transport', async () => {
    const err = await callError(app, 'references.stage', {
      source: { path: join(GOOD_IMAGES, 'astronaut.png') }, provider: 'sandbox', model: 'gpt-image-2',
    });
    expect(err.code).toBe('validation');
    const ok = await call(app, 'references.stage', {
      source: { path: granted(app, [join(GOOD_IMAGES, 'astronaut.png')])[0]! }, provider: 'sandbox', model: 'gpt-image-2',
    }, 'electron');
    expect(ok.name).toBe('astronaut.png');
  });

  it('refuses every hostile file as a reference, naming it, and stores nothing', async () => {
    const bad = await readdir(BAD_FILES);
    expect(bad.length).toBeGreaterThanOrEqual(7);
    for (const name of bad) {
      const data = await readFile(join(BAD_FILES, name));
      for (const source of [{ name, dataBase64: data.toString('base64') }, { path: granted(app, [join(BAD_FILES, name)])[0]! }]) {
        const err = await callError(app, 'references.stage', { source, provider: 'sandbox', model: 'gpt-image-2' }, 'electron');
        expect(err.code, name).toBe('bad_file');
        expect(err.params?.['name']).toBe(name);
        expect(err.message).toContain(name);
      }
    }
    const blobs = app.services.db.prepare('SELECT count(*) AS n FROM blobs').get() as { n: number };
    expect(blobs.n).toBe(0);
    const objects = await readdir(join(dir, 'objects')).catch(() => []);
    expect(objects).toHaveLength(0);
  });

  it('refuses a file over the 25 MB upload limit before reading it', async () => {
    const big = Buffer.alloc(25 * 1024 * 1024 + 10, 0);
    const err = await callError(app, 'references.stage', {
      source: { name: 'huge.png', dataBase64: big.toString('base64') }, provider: 'apiframe', model: 'gpt-image-2',
    });
    expect(err.code).toBe('bad_file');
    expect(err.params).toMatchObject({ name: 'huge.png', reason: 'too_large' });
  });

  it('refuses at submit a reference larger than the chosen model takes, though it was staged for another', async () => {
    // A real 30 MB PNG (noise does not compress): within EvoLink's 50 MB, over Apiframe's 25 MB upload limit.
    const side = 3200;
    const noise = Buffer.alloc(side * side * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    const png = await sharp(noise, { raw: { width: side, height: side, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
    expect(png.length).toBeGreaterThan(25 * 1024 * 1024);
    const ref = await call(app, 'references.stage', {
      source: { name: 'noise.png', dataBase64: png.toString('base64') },
      provider: 'evolink',
      model: 'gpt-image-2',
    });
    const err = await callError(app, 'jobs.submit', {
      folderId, provider: 'sandbox', model: 'gpt-image-2', prompt: 'p', params: {}, references: [{ blobId: ref.id, name: ref.name }],
    });
    expect(err.code).toBe('bad_file');
    expect(err.params).toMatchObject({ name: 'noise.png', reason: 'too_large', maxBytes: 25 * 1024 * 1024 });
    expect(await call(app, 'jobs.list', { folderId })).toHaveLength(0);
  });
});
