/**
 * Migration 0017 (filters inside the full-text index) on a populated library: a version-16 library, indexed as a
 * version-16 Atelier indexed it (one `body` column), opens with its index dropped and made again with the `meta`
 * column; the first query rebuilds it in creation order, and text, tag, rating, trash and stack filters find what
 * they found before. Then a rating, a tag, a move and a trip to the trash made through plain SQL (as any service
 * writes) are seen by the next query (migration 0017's triggers). A real SQLite file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion } from '../../src/main/services/library/db';
import { MIGRATIONS } from '../../src/main/services/library/migrations';
import { SearchService, type ParsedQuery } from '../../src/main/services/library/search';
import { searchDocument } from '../../src/main/services/library/search-text';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atelier-search-meta-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('migration 0017 (search meta)', () => {
  it('rebuilds a version-16 index with filter tokens on first use, and keeps it current after edits', () => {
    const file = join(dir, 'library.sqlite');
    const v16 = openDatabase(file, { migrations: MIGRATIONS.filter((m) => m.version <= 16) });
    const blob = 'a'.repeat(64);
    v16.exec(`
      INSERT INTO folders (id, parent_id, name, position, created_at) VALUES ('p1', NULL, 'P', 0, 1), ('p2', NULL, 'Q', 1, 1);
      INSERT INTO blobs (id, ext, mime, width, height, bytes, created_at) VALUES ('${blob}', 'png', 'image/png', 8, 8, 10, 1);
      INSERT INTO jobs (id, folder_id, provider, model, prompt, params, state, idempotency_key, expected_count, created_at, updated_at) VALUES
        ('j1', 'p1', 'openai', 'gpt-image-2', 'lighthouse at dusk', '{}', 'completed', 'k1', 1, 1, 1),
        ('j2', 'p1', 'sandbox', 'gpt-image-2', '등대 lighthouse', '{}', 'completed', 'k2', 1, 1, 1),
        ('j3', 'p2', 'openai', 'gpt-image-1.5', 'harbour lights', '{}', 'completed', 'k3', 1, 1, 1);
      INSERT INTO assets (id, folder_id, blob_id, kind, job_id, output_index, created_at, rating, flag, deleted_at, stack_id) VALUES
        ('a1', 'p1', '${blob}', 'generated', 'j1', 0, 10, 5, 1, NULL, 'a1'),
        ('a2', 'p1', '${blob}', 'generated', 'j2', 0, 20, 2, 0, NULL, 'a1'),
        ('a3', 'p2', '${blob}', 'generated', 'j3', 0, 30, 4, 0, NULL, NULL),
        ('a4', 'p2', '${blob}', 'imported', NULL, NULL, 40, 0, -1, 99, NULL);
      INSERT INTO tags (id, name, key, fold) VALUES (1, 'Night', 'night', 'night');
      INSERT INTO asset_tags (asset_id, tag_id) VALUES ('a1', 1), ('a3', 1);
    `);
    // As a version-16 search service left it: every image indexed in one body column, the queue empty.
    const ins = v16.prepare('INSERT INTO search_docs (doc_id, asset_id) VALUES (?, ?)');
    const fts = v16.prepare('INSERT INTO search_fts (rowid, body) VALUES (?, ?)');
    const prompts: Record<string, string> = { a1: 'lighthouse at dusk night', a2: '등대 lighthouse', a3: 'harbour lights night', a4: '' };
    Object.entries(prompts).forEach(([id, text], i) => {
      ins.run(i + 1, id);
      fts.run(i + 1, searchDocument([text]));
      v16.prepare('UPDATE assets SET doc_id = ? WHERE id = ?').run(i + 1, id);
    });
    v16.exec('DELETE FROM search_dirty');
    v16.close();

    const db = openDatabase(file);
    try {
      expect(schemaVersion(db)).toBe(MIGRATIONS.at(-1)!.version);
      const columns = db.prepare("SELECT name FROM pragma_table_info('search_fts')").pluck().all();
      expect(columns).toEqual(['body', 'meta']);
      expect(db.prepare('SELECT COUNT(*) FROM search_docs').pluck().get()).toBe(0);
      const search = new SearchService(db);
      expect(search.needsRebuild()).toBe(true);
      const find = (over: Partial<ParsedQuery>): string[] =>
        search
          .query({ scope: { kind: 'library' }, text: '', filters: {}, sort: 'date', dir: 'desc', ...over } as ParsedQuery, 50, null)
          .items.map((i) => i.id);
      expect(find({ text: 'light' })).toEqual(['a3', 'a2', 'a1']);
      expect(search.needsRebuild()).toBe(false);
      expect(db.prepare('SELECT COUNT(*) FROM search_docs').pluck().get()).toBe(4);
      expect(find({ text: '등대' })).toEqual(['a2']);
      expect(find({ filters: { tags: ['night'] } })).toEqual(['a3', 'a1']);
      expect(find({ text: 'light', filters: { minRating: 4 } })).toEqual(['a3', 'a1']);
      expect(find({ filters: { flags: [-1] } })).toEqual([]);
      expect(find({ scope: { kind: 'trash' }, filters: { flags: [-1] } })).toEqual(['a4']);
      expect(find({ scope: { kind: 'folder', folderId: 'p1', recursive: false }, filters: { providers: ['openai'] } })).toEqual(['a1']);
      expect(find({ text: 'lighthouse', collapseStacks: true })).toEqual(['a1']);
      expect(find({ text: 'light', sort: 'rating', dir: 'desc' })).toEqual(['a1', 'a3', 'a2']);

      // Edits by plain SQL, as any service makes them: the triggers queue the images, the next query sees them.
      db.exec(`
        UPDATE assets SET rating = 1 WHERE id = 'a1';
        INSERT INTO asset_tags (asset_id, tag_id) VALUES ('a2', 1);
        UPDATE assets SET folder_id = 'p2' WHERE id = 'a2';
        UPDATE assets SET deleted_at = 100 WHERE id = 'a3';
      `);
      expect(find({ text: 'light', filters: { minRating: 4 } })).toEqual([]);
      expect(find({ filters: { tags: ['night'] } })).toEqual(['a2', 'a1']);
      expect(find({ scope: { kind: 'folder', folderId: 'p2', recursive: false }, text: 'light' })).toEqual(['a2']);
      // The cover went to the trash: its member is shown again in a collapsed listing.
      db.exec(`UPDATE assets SET deleted_at = 101 WHERE id = 'a1'`);
      expect(find({ text: 'lighthouse', collapseStacks: true })).toEqual(['a2']);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });
});
