/**
 * Migration 0009 on a populated version-8 library: every image already in the full-text index gets its
 * `assets.doc_id` from `search_docs` (the backfill), an image not yet indexed keeps null until the search service
 * indexes it, and text search through the service finds every image afterwards (it joins matches on `doc_id`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion } from '../../src/main/services/library/db';
import { MIGRATIONS } from '../../src/main/services/library/migrations';
import { SearchService } from '../../src/main/services/library/search';
import { searchDocument } from '../../src/main/services/library/search-text';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atelier-docid-mig-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('migration 0009 (search doc id)', () => {
  it('backfills doc_id from the index, leaves unindexed images for the service, and search finds them all', () => {
    const file = join(dir, 'library.sqlite');
    const v8 = openDatabase(file, { migrations: MIGRATIONS.filter((m) => m.version <= 8) });
    const blob = (c: string) => c.repeat(64);
    v8.exec(`
      INSERT INTO folders (id, parent_id, name, position, created_at) VALUES ('p1', NULL, 'P', 0, 1);
      INSERT INTO blobs (id, ext, mime, width, height, bytes, created_at) VALUES
        ('${blob('a')}', 'png', 'image/png', 8, 8, 10, 1);
      INSERT INTO jobs (id, folder_id, provider, model, prompt, params, state, idempotency_key, expected_count,
                        created_at, updated_at) VALUES
        ('j1', 'p1', 'sandbox', 'gpt-image-2', 'lighthouse at dusk', '{}', 'completed', 'k1', 1, 1, 1),
        ('j2', 'p1', 'sandbox', 'gpt-image-2', '등대와 灯台', '{}', 'completed', 'k2', 1, 1, 1),
        ('j3', 'p1', 'sandbox', 'gpt-image-2', 'harbour lights', '{}', 'completed', 'k3', 1, 1, 1);
      INSERT INTO assets (id, folder_id, blob_id, kind, job_id, output_index, created_at) VALUES
        ('a1', 'p1', '${blob('a')}', 'generated', 'j1', 0, 10),
        ('a2', 'p1', '${blob('a')}', 'generated', 'j2', 0, 20),
        ('a3', 'p1', '${blob('a')}', 'generated', 'j3', 0, 30);
    `);
    // A version-8 Atelier had indexed a1 and a2 (search_docs + search_fts, as its search service wrote them, with
    // doc ids that do not follow the asset order), not yet a3 (still queued in search_dirty).
    const ins = v8.prepare('INSERT INTO search_docs (doc_id, asset_id) VALUES (?, ?)');
    const fts = v8.prepare('INSERT INTO search_fts (rowid, body) VALUES (?, ?)');
    ins.run(41, 'a2');
    fts.run(41, searchDocument(['등대와 灯台']));
    ins.run(57, 'a1');
    fts.run(57, searchDocument(['lighthouse at dusk']));
    v8.exec(`DELETE FROM search_dirty WHERE asset_id IN ('a1', 'a2')`);
    const indexed = [
      { asset_id: 'a1', doc_id: 57 },
      { asset_id: 'a2', doc_id: 41 },
    ];
    v8.close();

    const db = openDatabase(file);
    try {
      expect(schemaVersion(db)).toBe(MIGRATIONS.at(-1)!.version);
      const rows = db.prepare('SELECT id, doc_id FROM assets ORDER BY id').all() as { id: string; doc_id: number | null }[];
      const docOf = new Map(indexed.map((r) => [r.asset_id, r.doc_id]));
      expect(rows.find((r) => r.id === 'a1')!.doc_id).toBe(docOf.get('a1'));
      expect(rows.find((r) => r.id === 'a2')!.doc_id).toBe(docOf.get('a2'));
      expect(rows.find((r) => r.id === 'a3')!.doc_id).toBeNull();
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');

      const search = new SearchService(db);
      const find = (text: string) =>
        search.query({ scope: { kind: 'library' }, text, filters: {}, sort: 'date', dir: 'desc' }, 10, null).items.map((i) => i.id);
      expect(find('light')).toEqual(['a3', 'a1']);
      expect(find('등대')).toEqual(['a2']);
      expect(find('灯台')).toEqual(['a2']);
      // Indexing a3 gave it its doc id.
      expect(db.prepare("SELECT doc_id FROM assets WHERE id = 'a3'").pluck().get()).not.toBeNull();
    } finally {
      db.close();
    }
  });
});
