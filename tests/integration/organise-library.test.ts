import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import type { AnyEvent } from '../../src/shared/contract';
import { GOOD_IMAGES } from '../helpers/paths';
import { call, callError, folderAssets, openTestApp, tempDir, waitFor } from '../helpers/app';

const PROMPTS = {
  cafe: 'A Café at dawn, watercolour on rough paper',
  cat: '고양이가 창가에서 자고 있다, 따뜻한 오후 햇살',
  sea: '夕焼けの海と富士山、浮世絵風',
  neon: 'Neon city street at night in the rain',
} as const;

function countFiles(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const sub of readdirSync(dir)) n += readdirSync(join(dir, sub)).length;
  return n;
}

describe('organise and find (real SQLite, real image store, sandbox jobs)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let app: App;
  let project: string;
  let folder: string;
  let other: string;
  const ids: Record<keyof typeof PROMPTS, string> = { cafe: '', cat: '', sea: '', neon: '' };
  let refBlob: string;
  const events: AnyEvent[] = [];

  const q = (text: string, extra: Record<string, unknown> = {}) =>
    call(app, 'assets.query', { scope: { kind: 'library' }, text, ...extra });
  const found = async (text: string, extra: Record<string, unknown> = {}) => (await q(text, extra)).items.map((i) => i.id).sort();

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    app = await openTestApp(dir);
    app.dispatcher.subscribe((e) => events.push(e));
    project = (await call(app, 'folders.create', { name: 'Project', parentId: null })).id;
    folder = (await call(app, 'folders.create', { name: 'Sub', parentId: project })).id;
    other = (await call(app, 'folders.create', { name: 'Other', parentId: null })).id;
    const ref = await call(app, 'references.stage', {
      source: { name: 'astronaut.png', dataBase64: (await readFile(join(GOOD_IMAGES, 'astronaut.png'))).toString('base64') },
      provider: 'sandbox',
      model: 'gpt-image-2',
    });
    refBlob = ref.id;
    for (const [key, prompt] of Object.entries(PROMPTS) as [keyof typeof PROMPTS, string][]) {
      const job = await call(app, 'jobs.submit', {
        folderId: key === 'neon' ? folder : project,
        provider: 'sandbox',
        model: 'gpt-image-2',
        prompt,
        params: { number_of_images: 1 },
        references: key === 'cat' ? [{ blobId: ref.id, name: ref.name }] : [],
      });
      const done = await waitFor(async () => {
        const j = await call(app, 'jobs.get', { id: job.id });
        return j.state === 'completed' ? j : null;
      }, `job ${key}`);
      ids[key] = done.assetIds[0]!;
    }
  });
  afterAll(async () => {
    await app.close();
    await cleanup();
  });

  it('finds prompts by Korean 2-character, Japanese, accent- and case-insensitive and prefix queries', async () => {
    expect(await found('고양')).toEqual([ids.cat]);
    expect(await found('창가')).toEqual([ids.cat]);
    expect(await found('고양이')).toEqual([ids.cat]);
    expect(await found('夕焼')).toEqual([ids.sea]);
    expect(await found('富士山')).toEqual([ids.sea]);
    expect(await found('海')).toEqual([ids.sea]);
    expect(await found('CAFE')).toEqual([ids.cafe]);
    expect(await found('café')).toEqual([ids.cafe]);
    expect(await found('wat')).toEqual([ids.cafe]);
    expect(await found('neon rain')).toEqual([ids.neon]);
    expect(await found('neon cafe')).toEqual([]);
    expect((await q('')).total).toBe(4);
    expect((await q('  ,, ')).total).toBe(4);
    expect((await q('"(*')).total).toBe(4); // FTS syntax in the box is text, not an error
  });

  it('tags many images at once, merges spellings, autocompletes and finds by Korean and Japanese tags', async () => {
    await call(app, 'assets.tag', { ids: [ids.cafe, ids.neon], add: ['바다', '桜', 'Sunset'] });
    await call(app, 'assets.tag', { ids: [ids.sea], add: ['SUNSET', 'Ｓｕｎｓｅｔ ', 'Étude'] });
    expect((await call(app, 'assets.meta', { id: ids.sea })).tags).toEqual(['Sunset', 'Étude']);
    expect(await call(app, 'tags.suggest', { prefix: 'sun' })).toEqual([{ name: 'Sunset', count: 3 }]);
    expect(await call(app, 'tags.suggest', { prefix: 'ETU' })).toEqual([{ name: 'Étude', count: 1 }]);
    expect(await call(app, 'tags.suggest', { prefix: '바' })).toEqual([{ name: '바다', count: 2 }]);
    expect(await found('바다')).toEqual([ids.cafe, ids.neon].sort());
    expect(await found('桜')).toEqual([ids.cafe, ids.neon].sort());
    expect(await found('etude')).toEqual([ids.sea]);
    expect(await found('', { filters: { tags: ['sunset', '바다'] } })).toEqual([ids.cafe, ids.neon].sort());
    await call(app, 'assets.tag', { ids: [ids.neon], remove: ['桜'] });
    expect(await found('桜')).toEqual([ids.cafe]);
  });

  it('refuses bad input naming the field, and changes nothing', async () => {
    const before = await call(app, 'assets.meta', { id: ids.cafe });
    const e1 = await callError(app, 'assets.update', { ids: [ids.cafe], patch: { rating: 6 } });
    expect(e1.code).toBe('validation');
    expect(e1.params?.['field']).toBe('patch.rating');
    const e2 = await callError(app, 'assets.tag', { ids: [ids.cafe], add: ['ok', '   '] });
    expect([e2.code, e2.params?.['field'], e2.params?.['reason']]).toEqual(['validation', 'add', 'empty']);
    const e3 = await callError(app, 'assets.tag', { ids: [ids.cafe, 'nope'], add: ['new-tag'] });
    expect(e3.code).toBe('not_found');
    const e4 = await callError(app, 'assets.query', { scope: { kind: 'library' }, filters: { minRating: 4, maxRating: 2 } });
    expect(e4.params?.['field']).toBe('filters.minRating');
    const e5 = await callError(app, 'assets.query', { scope: { kind: 'library' }, cursor: 'garbage' });
    expect(e5.params?.['field']).toBe('cursor');
    const e6 = await callError(app, 'assets.update', { ids: [ids.cafe], patch: { title: 'x'.repeat(201) } });
    expect(e6.params?.['field']).toBe('patch.title');
    expect(await call(app, 'assets.meta', { id: ids.cafe })).toEqual(before);
    expect(await call(app, 'tags.suggest', { prefix: 'new-tag' })).toEqual([]);
  });

  it('rates, flags, titles and notes; filters and sorts; walks pages with a cursor', async () => {
    await call(app, 'assets.update', { ids: [ids.cafe], patch: { rating: 5, flag: 1, title: 'Morning café', note: 'Client liked the grain' } });
    await call(app, 'assets.update', { ids: [ids.cat, ids.sea], patch: { rating: 3 } });
    await call(app, 'assets.update', { ids: [ids.neon], patch: { flag: -1 } });
    expect(events.some((e) => e.name === 'library.changed' && e.payload.reason === 'meta')).toBe(true);
    expect(await found('grain')).toEqual([ids.cafe]);
    expect(await found('morning')).toEqual([ids.cafe]);
    expect(await found('', { filters: { minRating: 3 } })).toEqual([ids.cafe, ids.cat, ids.sea].sort());
    expect(await found('', { filters: { flags: [1] } })).toEqual([ids.cafe]);
    expect(await found('', { filters: { flags: [-1] } })).toEqual([ids.neon]);
    expect(await found('', { filters: { hasReferences: true } })).toEqual([ids.cat]);
    expect(await found('', { filters: { providers: ['sandbox'], kinds: ['generated'] } })).toHaveLength(4);
    expect(await found('', { filters: { kinds: ['imported'] } })).toEqual([]);
    expect(await found('', { filters: { models: ['gpt-image-2'] } })).toHaveLength(4);
    expect(await found('', { filters: { from: Date.now() + 60_000 } })).toEqual([]);
    expect(await found('', { filters: { maxCostUsd: 1 } })).toEqual([]); // the sandbox costs nothing known
    const byRating = await q('', { sort: 'rating', dir: 'desc' });
    expect(byRating.items[0]!.id).toBe(ids.cafe);
    expect(byRating.items.at(-1)!.id).toBe(ids.neon);
    const byName = await q('', { sort: 'name', dir: 'asc' });
    // Titled 'Morning café' (its title wins over the prompt), then 'Neon…', then by code point the Han (夕 U+5915) and Hangul (고 U+ACE0) prompts.
    expect(byName.items.map((i) => i.id)).toEqual([ids.cafe, ids.neon, ids.sea, ids.cat]);
    for (const sort of ['date', 'rating', 'cost', 'name'] as const) {
      for (const dirn of ['asc', 'desc'] as const) {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page: Awaited<ReturnType<typeof q>> = await q('', { sort, dir: dirn, limit: 1, cursor });
          seen.push(...page.items.map((i) => i.id));
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen).toEqual((await q('', { sort, dir: dirn })).items.map((i) => i.id));
        expect(new Set(seen).size).toBe(4);
      }
    }
    const other = await callError(app, 'assets.query', { scope: { kind: 'library' }, sort: 'rating', cursor: (await q('', { limit: 1 })).nextCursor });
    expect(other.params?.['reason']).toBe('other_sort');
    // folder scope: direct, or with sub-folders
    expect((await q('', { scope: { kind: 'folder', folderId: project, recursive: false } })).total).toBe(3);
    expect((await q('', { scope: { kind: 'folder', folderId: project, recursive: true } })).total).toBe(4);
    expect((await call(app, 'assets.ids', { scope: { kind: 'library' }, sort: 'rating' })).ids[0]).toBe(ids.cafe);
  });

  it('keeps one image in several collections and copies without duplicating bytes; smart collections stay live', async () => {
    const blobsBefore = app.services.db.prepare('SELECT COUNT(*) FROM blobs').pluck().get();
    const filesBefore = countFiles(join(dir, 'objects'));
    const a = await call(app, 'collections.create', { name: 'Client picks', assetIds: [ids.cafe, ids.sea] });
    const b = await call(app, 'collections.create', { name: 'Portfolio', assetIds: [ids.cafe] });
    expect([a.count, b.count]).toEqual([2, 1]);
    expect((await call(app, 'assets.meta', { id: ids.cafe })).collectionIds.sort()).toEqual([a.id, b.id].sort());
    expect(await found('', { scope: { kind: 'collection', collectionId: a.id } })).toEqual([ids.cafe, ids.sea].sort());

    const { assetIds } = await call(app, 'assets.copy', { ids: [ids.cafe], folderId: other });
    const copy = await call(app, 'assets.get', { id: assetIds[0]! });
    const orig = await call(app, 'assets.get', { id: ids.cafe });
    expect(copy.blob.id).toBe(orig.blob.id);
    expect(copy.folderId).toBe(other);
    expect(copy.recipe?.prompt).toBe(PROMPTS.cafe);
    expect((await call(app, 'assets.meta', { id: copy.id })).tags).toEqual((await call(app, 'assets.meta', { id: ids.cafe })).tags);
    expect(app.services.db.prepare('SELECT COUNT(*) FROM blobs').pluck().get()).toBe(blobsBefore);
    expect(countFiles(join(dir, 'objects'))).toBe(filesBefore);

    const smart = await call(app, 'collections.create', { name: '바다 ★3+', query: { text: '바다', filters: { minRating: 3 } } });
    expect(smart.count).toBe(2); // the café and its copy
    await call(app, 'assets.update', { ids: [ids.neon], patch: { rating: 4 } });
    const listed = await call(app, 'collections.list', {});
    expect(listed.collections.find((c) => c.id === smart.id)?.count).toBe(3);
    await call(app, 'assets.move', { ids: [copy.id], folderId: project });
    expect((await call(app, 'assets.get', { id: copy.id })).folderId).toBe(project);
    const inSmart = await found('', { scope: { kind: 'collection', collectionId: smart.id } });
    expect(inSmart).toEqual([ids.cafe, ids.neon, copy.id].sort());
    const bad = await callError(app, 'collections.add', { id: smart.id, assetIds: [ids.cat] });
    expect([bad.code, bad.params?.['reason']]).toEqual(['validation', 'smart']);
    await call(app, 'assets.trash', { ids: [copy.id] });
    await call(app, 'assets.trash', { ids: [copy.id] }); // twice is harmless
    expect((await call(app, 'collections.list', {})).collections.find((c) => c.id === smart.id)?.count).toBe(2);
    await call(app, 'assets.restore', { ids: [copy.id] });
    expect((await call(app, 'collections.list', {})).collections.find((c) => c.id === smart.id)?.count).toBe(3);
    expect(events.some((e) => e.name === 'collections.changed')).toBe(true);
  });

  it('trashes, restores, and empties the trash deleting only files nothing refers to', async () => {
    // The cat image's job used the astronaut as a reference; trash the cafe original and keep its copy.
    const cafe = await call(app, 'assets.get', { id: ids.cafe });
    const copies = app.services.db.prepare('SELECT id FROM assets WHERE blob_id = ? AND id <> ?').pluck().all(cafe.blob.id, ids.cafe) as string[];
    expect(copies).toHaveLength(1);
    const cat = await call(app, 'assets.get', { id: ids.cat });
    await call(app, 'assets.trash', { ids: [ids.cafe, ids.cat] });
    expect((await folderAssets(app, project)).items.map((i) => i.id)).not.toContain(ids.cafe);
    expect((await call(app, 'folders.list', {})).find((f) => f.id === project)?.assetCount).toBe(2); // sea + moved copy
    expect(await found('', { scope: { kind: 'trash' } })).toEqual([ids.cafe, ids.cat].sort());
    expect((await call(app, 'collections.list', {})).trashCount).toBe(2);
    await call(app, 'assets.restore', { ids: [ids.cat] });
    expect(await found('고양')).toEqual([ids.cat]);
    await call(app, 'assets.trash', { ids: [ids.cat] });

    const cafePath = (await app.dispatcher.mediaFile(cafe.blob.id, 'original'))!.path;
    const catFile = (await app.dispatcher.mediaFile(cat.blob.id, 'original'))!.path;
    await app.dispatcher.mediaFile(cat.blob.id, 'thumb');
    const r = await call(app, 'trash.empty', {});
    expect(r.deletedAssets).toBe(2);
    expect(r.deletedFiles).toBe(1); // the cat image; the cafe bytes are still used by the copy
    expect(r.freedBytes).toBe(cat.blob.bytes);
    expect(existsSync(cafePath)).toBe(true);
    expect(existsSync(catFile)).toBe(false);
    expect(existsSync(join(dir, 'thumbs', cat.blob.id.slice(0, 2), `${cat.blob.id}.webp`))).toBe(false);
    // The reference the cat job used is still referred to by that job, so its file stays.
    expect(app.services.store.exists(refBlob)).toBe(true);
    expect((await callError(app, 'assets.get', { id: ids.cat })).code).toBe('not_found');
    expect(await found('고양')).toEqual([]);
    expect(await found('', { scope: { kind: 'collection', collectionId: (await call(app, 'collections.list', {})).collections[0]!.id } })).toEqual([ids.sea]);

    // Now the copy goes too: its bytes are no longer referred to by anything.
    await call(app, 'assets.trash', { ids: copies });
    expect((await call(app, 'trash.empty', {})).deletedFiles).toBe(1);
    expect(existsSync(cafePath)).toBe(false);
  });
});
