/**
 * Migration 0003 on a populated version-2 library (raw SQL as a version-2 Atelier wrote it): every asset gets its
 * job's provider, model, cost share, reference flag and sort name, and is found by the search service.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion } from '../../src/main/services/library/db';
import { MIGRATIONS } from '../../src/main/services/library/migrations';
import { SearchService } from '../../src/main/services/library/search';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atelier-organise-mig-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('migration 0003 (organise and search)', () => {
  it('fills the new columns of existing assets and indexes them for search', () => {
    const file = join(dir, 'library.sqlite');
    const v2 = openDatabase(file, { migrations: MIGRATIONS.filter((m) => m.version <= 2) });
    const blob = (c: string) => c.repeat(64);
    v2.exec(`
      INSERT INTO folders (id, parent_id, name, position, created_at) VALUES ('p1', NULL, 'P', 0, 1);
      INSERT INTO blobs (id, ext, mime, width, height, bytes, created_at) VALUES
        ('${blob('a')}', 'png', 'image/png', 8, 8, 10, 1), ('${blob('c')}', 'png', 'image/png', 8, 8, 10, 1);
      INSERT INTO jobs (id, folder_id, provider, model, prompt, params, state, idempotency_key, expected_count,
                        created_at, updated_at, cost_usd) VALUES
        ('j1', 'p1', 'openai', 'gpt-image-1.5', '고양이와 夕焼け, a Café', '{}', 'completed', 'k1', 2, 1, 1, 0.08);
      INSERT INTO job_references (job_id, position, blob_id, name) VALUES ('j1', 0, '${blob('c')}', 'r.png');
      INSERT INTO assets (id, folder_id, blob_id, kind, job_id, output_index, created_at) VALUES
        ('a1', 'p1', '${blob('a')}', 'generated', 'j1', 0, 10),
        ('a2', 'p1', '${blob('a')}', 'imported', NULL, NULL, 20);
    `);
    v2.close();

    const db = openDatabase(file);
    try {
      expect(schemaVersion(db)).toBe(MIGRATIONS.at(-1)!.version);
      const rows = db.prepare('SELECT id, provider, model, cost_usd, has_refs, sort_name, rating, flag, deleted_at FROM assets ORDER BY id').all();
      expect(rows).toEqual([
        { id: 'a1', provider: 'openai', model: 'gpt-image-1.5', cost_usd: 0.04, has_refs: 1, sort_name: '고양이와 夕焼け, a Café', rating: 0, flag: 0, deleted_at: null },
        { id: 'a2', provider: null, model: null, cost_usd: null, has_refs: 0, sort_name: '', rating: 0, flag: 0, deleted_at: null },
      ]);
      const search = new SearchService(db);
      const find = (text: string) =>
        search.query({ scope: { kind: 'library' }, text, filters: {}, sort: 'date', dir: 'desc' }, 10, null).items.map((i) => i.id);
      expect(find('고양')).toEqual(['a1']);
      expect(find('夕焼')).toEqual(['a1']);
      expect(find('cafe')).toEqual(['a1']);
      expect(find('')).toEqual(['a2', 'a1']);
      // A cost arriving later reaches the asset through the trigger.
      db.prepare('UPDATE jobs SET cost_usd = 0.2 WHERE id = ?').run('j1');
      expect(db.prepare("SELECT cost_usd FROM assets WHERE id = 'a1'").pluck().get()).toBe(0.1);
    } finally {
      db.close();
    }
  });
});
