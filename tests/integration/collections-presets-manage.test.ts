/**
 * The contract calls the window now offers (issue 12 §2): `collections.update` (rename), `collections.remove` (take
 * images out of a manual collection) and `export.deletePreset`, through the dispatcher on a real library: what each
 * changes, the event it sends, and bad input refused with the field and reason, changing nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import type { AnyEvent } from '../../src/shared/contract';
import { call, callError, openTestApp, tempDir, waitFor } from '../helpers/app';

describe('collections.update, collections.remove, export.deletePreset (real SQLite, sandbox images)', () => {
  let cleanup: () => Promise<void>;
  let dir: string;
  let app: App;
  let folderId: string;
  let images: string[];
  const events: AnyEvent[] = [];

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    app = await openTestApp(dir);
    app.dispatcher.subscribe((e) => events.push(e));
    folderId = (await call(app, 'folders.create', { name: 'Shoot', parentId: null })).id;
    const job = await call(app, 'jobs.submit', {
      folderId,
      provider: 'sandbox',
      model: 'gpt-image-2',
      prompt: 'Three pears on a blue cloth',
      params: { number_of_images: 3 },
      references: [],
    });
    images = (
      await waitFor(async () => {
        const j = await call(app, 'jobs.get', { id: job.id });
        return j.state === 'completed' ? j : null;
      }, 'sandbox job')
    ).assetIds;
    expect(images).toHaveLength(3);
  });
  afterAll(async () => {
    await app.close();
    await cleanup();
  });

  const changed = () => events.filter((e) => e.name === 'collections.changed').length;

  it('renames a collection (NFC, trimmed) and refuses an empty name, a search for a manual one, an unknown id', async () => {
    const c = await call(app, 'collections.create', { name: 'Picks', query: null, assetIds: images });
    const before = changed();
    const renamed = await call(app, 'collections.update', { id: c.id, name: '  Cafe\u0301 picks ' });
    expect(renamed).toMatchObject({ id: c.id, name: 'Café picks', query: null, count: 3 });
    expect(changed()).toBe(before + 1);
    expect((await call(app, 'collections.list', {})).collections.map((x) => x.name)).toEqual(['Café picks']);

    const empty = await callError(app, 'collections.update', { id: c.id, name: '   ' });
    expect(empty).toMatchObject({ code: 'validation' });
    const search = { scope: { kind: 'library' as const }, text: 'pears', filters: {}, sort: 'date' as const, dir: 'desc' as const };
    const notSmart = await callError(app, 'collections.update', { id: c.id, query: search });
    expect(notSmart).toMatchObject({ code: 'validation', params: { field: 'query', reason: 'not_smart' } });
    expect(await callError(app, 'collections.update', { id: 'no-such-collection', name: 'X' })).toMatchObject({ code: 'not_found' });
    expect((await call(app, 'collections.list', {})).collections).toMatchObject([{ id: c.id, name: 'Café picks', count: 3 }]);
    await call(app, 'collections.delete', { id: c.id });
  });

  it('takes images out of a manual collection (they stay in the library) and refuses a smart one', async () => {
    const c = await call(app, 'collections.create', { name: 'Out', query: null, assetIds: images });
    const before = changed();
    const after = await call(app, 'collections.remove', { id: c.id, assetIds: [images[0]!, images[1]!] });
    expect(after.count).toBe(1);
    expect(changed()).toBe(before + 1);
    const inIt = await call(app, 'assets.query', { scope: { kind: 'collection', collectionId: c.id }, text: '', filters: {}, sort: 'date', dir: 'desc' });
    expect(inIt.items.map((i) => i.id)).toEqual([images[2]]);
    const inFolder = await call(app, 'assets.query', { scope: { kind: 'folder', folderId, recursive: false }, text: '', filters: {}, sort: 'date', dir: 'desc' });
    expect(inFolder.total).toBe(3);
    // An image not in it: nothing happens.
    expect((await call(app, 'collections.remove', { id: c.id, assetIds: [images[0]!] })).count).toBe(1);

    const smart = await call(app, 'collections.create', {
      name: 'Pears',
      query: { scope: { kind: 'library' }, text: 'pears', filters: {}, sort: 'date', dir: 'desc' },
    });
    expect(smart.count).toBe(3);
    expect(await callError(app, 'collections.remove', { id: smart.id, assetIds: [images[0]!] })).toMatchObject({
      code: 'validation',
      params: { field: 'id', reason: 'smart' },
    });
    expect((await call(app, 'collections.list', {})).collections.find((x) => x.id === smart.id)?.count).toBe(3);
    expect(await callError(app, 'collections.remove', { id: 'no-such-collection', assetIds: [images[0]!] })).toMatchObject({ code: 'not_found' });
  });

  it('deletes an export preset: gone from the list, refused by an export, and an unknown id is not found', async () => {
    const ids = (await call(app, 'export.presets', {})).map((p) => p.id);
    expect(ids).toEqual(expect.arrayContaining(['preset-originals', 'preset-jpeg-recipe']));
    expect(await call(app, 'export.deletePreset', { id: 'preset-originals' })).toEqual({ ok: true });
    expect((await call(app, 'export.presets', {})).map((p) => p.id)).toEqual(ids.filter((id) => id !== 'preset-originals'));
    expect(await callError(app, 'export.deletePreset', { id: 'preset-originals' })).toMatchObject({ code: 'not_found' });
    const refused = await callError(app, 'export.start', { scope: { kind: 'folder', folderId, recursive: false }, presetId: 'preset-originals', targetDir: dir });
    expect(refused).toMatchObject({ code: 'not_found', params: { id: 'preset-originals' } });
  });
});
