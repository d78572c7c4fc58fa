/**
 * A library whose full-text index was dropped for a new layout (migration 0017 empties it) is indexed again in the
 * background when it is larger than a quick one-pass rebuild: the first gallery call does not wait for a whole
 * rebuild (at 1,000,000 images about two minutes on the service thread). Meanwhile a text search is answered from
 * what is indexed so far and says so (`indexing`), never with another image's match through a row id left from the
 * dropped index; a plain listing is whole and says nothing. Closed mid-way, the rebuild resumes; at the end every
 * search is exact, the rows are in creation order and the index is merged. A real SQLite file and the real app.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import { openDatabase } from '../../src/main/services/library/db';
import { SearchService } from '../../src/main/services/library/search';
import type { CallOutput } from '../../src/shared/contract';
import { call, openTestApp, tempDir, waitFor } from '../helpers/app';
import { docOrderFlag, rowsInOrder } from '../helpers/search-index';

/** Above the one-pass limit (5,000): 80 background steps of 100. */
const N = 8000;
let dir: string;
let cleanup: () => Promise<void>;
let file: string;

/** Reads a setting from the library file. */
function setting(key: string): unknown {
  const db = openDatabase(file);
  try {
    return db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(key) ?? null;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('atelier-rebuild-'));
  file = join(dir, 'library.sqlite');
  const db = openDatabase(file);
  db.exec(`INSERT INTO folders (id, parent_id, name, position, created_at) VALUES ('p1', NULL, 'P', 0, 1);
    INSERT INTO blobs (id, ext, mime, width, height, bytes, created_at) VALUES ('${'a'.repeat(64)}', 'png', 'image/png', 8, 8, 10, 1);`);
  const put = db.prepare(`INSERT INTO assets (id, folder_id, blob_id, kind, output_index, created_at, title, deleted_at) VALUES (?, 'p1', '${'a'.repeat(64)}', 'imported', 0, ?, ?, ?)`);
  db.transaction(() => {
    for (let i = 0; i < N; i++) {
      put.run(randomUUID(), 1_700_000_000_000 + ((i * 7919) % N) * 1000, i % 3 === 0 ? 'harbour lighthouse' : 'lighthouse', i % 10 === 0 ? 5 : null);
    }
  })();
  new SearchService(db).rebuild();
  // The index dropped as migration 0017 drops it; the images keep their row ids into the old one, and those ids now
  // name rows of other images in a new index numbered the same way.
  db.exec('DELETE FROM search_fts; DELETE FROM search_docs; DELETE FROM search_dirty;');
  db.prepare("DELETE FROM settings WHERE key IN ('search.docOrder', 'search.reorder', 'search.rebuild', 'search.merge')").run();
  const ids = db.prepare('SELECT id FROM assets ORDER BY created_at, id').pluck().all() as string[];
  // Shuffle the stale ids among the images, so a join on them would pair text and image wrongly.
  const stale = db.prepare('SELECT doc_id FROM assets ORDER BY created_at, id').pluck().all() as number[];
  const setDoc = db.prepare('UPDATE assets SET doc_id = ? WHERE id = ?');
  db.transaction(() => ids.forEach((id, i) => setDoc.run(stale[(i * 4001) % stale.length], id)))();
  db.close();
});

afterAll(async () => {
  await cleanup();
});

describe('the search index rebuilt in the background', () => {
  it('answers at once from what is indexed, says so, never mismatches; resumes after a close; exact at the end', async () => {
    const want = ((): string[] => {
      const db = openDatabase(file);
      try {
        return db.prepare("SELECT id FROM assets WHERE deleted_at IS NULL AND title LIKE '%harbour%' ORDER BY created_at DESC, id DESC").pluck().all() as string[];
      } finally {
        db.close();
      }
    })();
    const live = N - N / 10;
    const harbour = async (app: App): Promise<{ ids: string[]; first: CallOutput<'assets.query'> }> => {
      const ids: string[] = [];
      let cursor: string | null = null;
      let first: CallOutput<'assets.query'> | null = null;
      do {
        const page: CallOutput<'assets.query'> = await call(app, 'assets.query', { scope: { kind: 'library' }, text: 'harbour', limit: 500, cursor });
        first ??= page;
        ids.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      return { ids, first: first! };
    };

    let app = await openTestApp(dir);
    // The first calls: a plain listing is whole and says nothing of the index; a search is a part of the answer,
    // in order, with progress, and only real matches.
    const listing = await call(app, 'assets.query', { scope: { kind: 'library' }, limit: 10 });
    expect(listing.total).toBe(live);
    expect(listing.indexing).toBeUndefined();
    const early = await harbour(app);
    expect(early.first.indexing).toMatchObject({ total: N });
    expect(early.first.indexing!.done).toBeLessThan(N);
    expect(early.ids.length).toBeLessThan(want.length);
    const wanted = new Set(want);
    expect(early.ids.filter((id) => !wanted.has(id))).toEqual([]);
    expect(early.ids).toEqual(want.filter((id) => early.ids.includes(id)));

    // Closed once under way: its place is kept.
    await waitFor(() => {
      const raw = setting('search.rebuild');
      return raw && (JSON.parse(String(raw)) as { done: number }).done > 0 ? true : null;
    }, 'the rebuild under way');
    await app.close();
    const mid = JSON.parse(String(setting('search.rebuild'))) as { done: number; total: number };
    expect(mid.total).toBe(N);
    expect(mid.done).toBeGreaterThan(0);
    expect(mid.done).toBeLessThan(N);

    // Opened again: it goes on from there to the end; then the search is exact and says nothing of the index.
    app = await openTestApp(dir);
    try {
      await waitFor(() => (setting('search.rebuild') === null ? true : null), 'the rebuild to end', 60_000, 100);
      const done = await harbour(app);
      expect(done.ids).toEqual(want);
      expect(done.first.indexing).toBeUndefined();
      expect(done.first.total).toBe(want.length);
      await waitFor(() => (setting('search.merge') === null ? true : null), 'the index merged', 60_000, 100);
      const db = openDatabase(file);
      try {
        expect(rowsInOrder(db)).toBe(true);
        expect(docOrderFlag(db)).toBe('created');
        expect(db.prepare('SELECT count(*) FROM search_docs').pluck().get()).toBe(N);
        db.prepare("INSERT INTO search_fts(search_fts) VALUES('integrity-check')").run();
      } finally {
        db.close();
      }
    } finally {
      await app.close();
    }
  });
});
