import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import { call, callError, openTestApp, tempDir, waitFor } from '../helpers/app';

/** The filter panel's tag filter (any of the chosen tags) and model filter (models present in the library). */
describe('filters by tag and by model (real SQLite, sandbox jobs)', () => {
  let cleanup: () => Promise<void>;
  let app: App;
  const ids: Record<'a' | 'b' | 'c' | 'd', string> = { a: '', b: '', c: '', d: '' };

  const found = async (filters: Record<string, unknown>, text = '') =>
    (await call(app, 'assets.query', { scope: { kind: 'library' }, text, filters })).items.map((i) => i.id).sort();

  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir());
    app = await openTestApp(dir);
    const folderId = (await call(app, 'folders.create', { name: 'Filters', parentId: null })).id;
    const models = { a: 'gpt-image-2', b: 'gpt-image-2', c: 'gpt-image-1.5', d: 'gpt-image-1.5' } as const;
    const jobs = await Promise.all(
      (Object.keys(models) as (keyof typeof models)[]).map(async (k) => ({
        k,
        job: await call(app, 'jobs.submit', {
          folderId,
          provider: 'sandbox',
          model: models[k],
          prompt: `image ${k}`,
          params: { number_of_images: 1 },
          references: [],
        }),
      })),
    );
    for (const { k, job } of jobs) {
      const done = await waitFor(async () => {
        const j = await call(app, 'jobs.get', { id: job.id });
        return j.state === 'completed' ? j : null;
      }, `job ${k}`);
      ids[k] = done.assetIds[0]!;
    }
    await call(app, 'assets.tag', { ids: [ids.a, ids.b], add: ['Café'] });
    await call(app, 'assets.tag', { ids: [ids.c], add: ['夜景'] });
    await call(app, 'assets.tag', { ids: [ids.b], add: ['바다'] });
  });
  afterAll(async () => {
    await app.close();
    await cleanup();
  });

  it('anyTags finds images with at least one of the tags, matched without accents, case or width', async () => {
    expect(await found({ anyTags: ['cafe'] })).toEqual([ids.a, ids.b].sort());
    expect(await found({ anyTags: ['ＣＡＦＥ', '夜景'] })).toEqual([ids.a, ids.b, ids.c].sort());
    expect(await found({ anyTags: ['바다', '夜景'] })).toEqual([ids.b, ids.c].sort());
    expect(await found({ anyTags: ['nothing'] })).toEqual([]);
    // Every-tag (tags) and any-tag (anyTags) combine: both hold.
    expect(await found({ tags: ['바다'], anyTags: ['café', '夜景'] })).toEqual([ids.b]);
    // With text: the filter narrows the text's matches.
    expect(await found({ anyTags: ['café'] }, 'image')).toEqual([ids.a, ids.b].sort());
    const page = await call(app, 'assets.query', { scope: { kind: 'library' }, filters: { anyTags: ['Café', '夜景'] } });
    expect(page.total).toBe(3);
  });

  it('a tag removed or an image trashed leaves the tag filter at once', async () => {
    await call(app, 'assets.tag', { ids: [ids.a], remove: ['café'] });
    expect(await found({ anyTags: ['café'] })).toEqual([ids.b]);
    await call(app, 'assets.trash', { ids: [ids.b] });
    expect(await found({ anyTags: ['café'] })).toEqual([]);
    await call(app, 'assets.restore', { ids: [ids.b] });
    await call(app, 'assets.tag', { ids: [ids.a], add: ['Café'] });
    expect(await found({ anyTags: ['café'] })).toEqual([ids.a, ids.b].sort());
  });

  it('assets.models lists the models present, with live counts, and the model filter finds their images', async () => {
    expect(await call(app, 'assets.models', {})).toEqual([
      { provider: 'sandbox', model: 'gpt-image-1.5', count: 2 },
      { provider: 'sandbox', model: 'gpt-image-2', count: 2 },
    ]);
    expect(await found({ models: ['gpt-image-1.5'] })).toEqual([ids.c, ids.d].sort());
    expect(await found({ models: ['gpt-image-2'], anyTags: ['바다'] })).toEqual([ids.b]);
    await call(app, 'assets.trash', { ids: [ids.c, ids.d] });
    expect(await call(app, 'assets.models', {})).toEqual([{ provider: 'sandbox', model: 'gpt-image-2', count: 2 }]);
    expect(await found({ models: ['gpt-image-1.5'] })).toEqual([]);
  });

  it('refuses a bad tag filter naming the field, and an unknown key', async () => {
    const e1 = await callError(app, 'assets.query', { scope: { kind: 'library' }, filters: { anyTags: [''] } });
    expect(e1.code).toBe('validation');
    expect(String(e1.params?.['field'])).toContain('anyTags');
    const e2 = await callError(app, 'assets.models', { all: true } as never);
    expect(e2.code).toBe('validation');
  });
});
