/**
 * Issue 11, bug 11: every searchable field — prompt, title, note, tags, original file name — is found with and
 * without its accents and in any case, right after it is edited (no restart, no reindex by hand). A real SQLite
 * library, the search service behind `assets.query`, sandbox jobs and a real import.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import { GOOD_IMAGES } from '../helpers/paths';
import { call, openTestApp, tempDir, waitFor } from '../helpers/app';
import { finishedViaCalls } from './transfer-helpers';

/** The spellings every field's word must be found by: accents and case each way, and a prefix. */
const SPELLINGS = (word: 'café' | 'crème' | 'noël' | 'señor' | 'ångström') => {
  const bare = word.normalize('NFD').replace(/\p{Mn}/gu, '');
  return [word, bare, word.toUpperCase(), bare.toUpperCase(), word.normalize('NFD'), bare.slice(0, 3)];
};

describe('search: every field, with and without accents and case, right after an edit', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let app: App;
  let folder: string;
  let plain: string; // a generated image whose prompt has no accented word
  let other: string; // a second one, never edited, which must never be found

  const found = async (text: string): Promise<string[]> =>
    (await call(app, 'assets.query', { scope: { kind: 'library' }, text })).items.map((i) => i.id).sort();
  const expectFoundBy = async (word: Parameters<typeof SPELLINGS>[0], id: string): Promise<void> => {
    for (const text of SPELLINGS(word)) expect(await found(text), `"${text}"`).toEqual([id]);
  };

  const generate = async (prompt: string): Promise<string> => {
    const job = await call(app, 'jobs.submit', {
      folderId: folder,
      provider: 'sandbox',
      model: 'gpt-image-2',
      prompt,
      params: { number_of_images: 1 },
      references: [],
    });
    const done = await waitFor(async () => {
      const j = await call(app, 'jobs.get', { id: job.id });
      return j.state === 'completed' ? j : null;
    }, `job ${prompt}`);
    return done.assetIds[0]!;
  };

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    app = await openTestApp(dir);
    folder = (await call(app, 'folders.create', { name: 'Paris', parentId: null })).id;
    plain = await generate('A quiet street at dawn');
    other = await generate('Mountains under snow');
  });
  afterAll(async () => {
    await app.close();
    await cleanup();
  });

  it('prompt', async () => {
    const id = await generate('Un Café au lait on a zinc counter');
    await expectFoundBy('café', id);
    expect(await found('zinc')).toEqual([id]);
  });

  it('title, right after it is set and again after it is changed', async () => {
    await call(app, 'assets.update', { ids: [plain], patch: { title: 'Crème Señor…' } });
    await expectFoundBy('crème', plain);
    await expectFoundBy('señor', plain);
    await call(app, 'assets.update', { ids: [plain], patch: { title: 'Noël' } });
    await expectFoundBy('noël', plain);
    expect(await found('crème')).toEqual([]); // the old title is gone from the index
    await call(app, 'assets.update', { ids: [plain], patch: { title: null } });
    expect(await found('noël')).toEqual([]);
    // The issue's own case: a "Café…" title on an image whose prompt has no café.
    const study = await generate('An untitled study in ochre');
    await call(app, 'assets.update', { ids: [study], patch: { title: 'Café…' } });
    for (const text of ['cafe', 'café', 'CAFÉ', 'Cafe\u0301']) expect(await found(text), text).toContain(study);
  });

  it('note', async () => {
    await call(app, 'assets.update', { ids: [plain], patch: { note: 'Measured in Ångström, client said NOËL' } });
    await expectFoundBy('ångström', plain);
    await expectFoundBy('noël', plain);
    await call(app, 'assets.update', { ids: [plain], patch: { note: null } });
    expect(await found('ångström')).toEqual([]);
  });

  it('tags, right after they are added and after one is removed', async () => {
    await call(app, 'assets.tag', { ids: [plain], add: ['Crème brûlée', 'SEÑOR'], remove: [] });
    await expectFoundBy('crème', plain);
    await expectFoundBy('señor', plain);
    await call(app, 'assets.tag', { ids: [plain], add: [], remove: ['señor'] });
    expect(await found('senor')).toEqual([]);
    await expectFoundBy('crème', plain);
  });

  it('original file name of an imported image', async () => {
    const view = await call(app, 'import.start', { folderId: folder, paths: null, stackNearDuplicates: false });
    const bytes = (await readFile(join(GOOD_IMAGES, 'coffee.png'))).toString('base64');
    await call(app, 'import.addFiles', { taskId: view.id, files: [{ name: 'shoot/Ångström_Señor-01.png', dataBase64: bytes }], total: 1, last: true });
    const done = await finishedViaCalls(app, view.id);
    expect(done.state).toBe('completed');
    const listed = await call(app, 'assets.query', { scope: { kind: 'library' }, text: '' });
    const imported = listed.items.find((i) => i.originalName !== null && i.originalName !== undefined)!;
    expect(imported.originalName).toContain('Ångström_Señor-01');
    await expectFoundBy('ångström', imported.id);
    await expectFoundBy('señor', imported.id);
    // A copy in another folder keeps the name, and is found by it as soon as it exists.
    const elsewhere = (await call(app, 'folders.create', { name: 'Élysée', parentId: null })).id;
    const copy = (await call(app, 'assets.copy', { ids: [imported.id], folderId: elsewhere })).assetIds[0]!;
    expect(await found('angstrom')).toEqual([imported.id, copy].sort());
    expect(await found('SEÑOR')).toEqual([imported.id, copy].sort());
    // The untouched image never matched anything.
    for (const w of ['cafe', 'creme', 'senor', 'noel', 'angstrom']) expect(await found(w)).not.toContain(other);
  });

  it('a library indexed before file names were searched finds its imported images by name after reopening', async () => {
    const imported = (await call(app, 'assets.query', { scope: { kind: 'library' }, text: 'angstrom' })).items.map((i) => i.id);
    expect(imported).toHaveLength(2);
    await app.close();
    // What such a library holds: documents without the file name, and no document version.
    const db = new Database(join(dir, 'library.sqlite'));
    db.prepare("DELETE FROM settings WHERE key = 'search.documentVersion'").run();
    for (const id of imported) {
      db.prepare("UPDATE search_fts SET body = 'stale' WHERE rowid = (SELECT doc_id FROM search_docs WHERE asset_id = ?)").run(id);
    }
    db.close();
    app = await openTestApp(dir);
    expect(await found('stale')).toEqual([]);
    expect(await found('ÅNGSTRÖM')).toEqual([...imported].sort());
  });
});
