/**
 * Migration 0010 on a populated version-9 library (issue 12 §2: a migration test on populated data for every
 * migration that moves data). 0010 backfills `jobs.posted_at`: a job that ever started a submit (`attempts > 0`) is
 * taken as sent at its submit time, else at its last update; a job that never started one keeps null (the
 * provider never saw it, so a retry cannot pay twice). Every other column and row stays as it was, and the file
 * passes the integrity and foreign-key checks; then the rest of the migrations run on it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion } from '../../src/main/services/library/db';
import { MIGRATIONS } from '../../src/main/services/library/migrations';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atelier-0010-mig-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('migration 0010 (job request body, posted_at backfill)', () => {
  it('marks jobs that started a submit as posted (at submit time, else last update) and leaves the rest null', () => {
    const file = join(dir, 'library.sqlite');
    const v9 = openDatabase(file, { migrations: MIGRATIONS.filter((m) => m.version <= 9) });
    expect(schemaVersion(v9)).toBe(9);
    v9.exec(`
      INSERT INTO folders (id, parent_id, name, position, created_at) VALUES ('p1', NULL, 'P', 0, 1);
      INSERT INTO jobs (id, folder_id, provider, model, prompt, params, state, idempotency_key, expected_count,
                        attempts, submitted_at, created_at, updated_at) VALUES
        ('never',     'p1', 'apiframe', 'gpt-image-2', 'queued, never sent',      '{}', 'queued',    'k1', 1, 0, NULL, 100, 110),
        ('submitted', 'p1', 'apiframe', 'gpt-image-2', 'accepted by the provider', '{}', 'running',   'k2', 1, 1, 200, 150, 260),
        ('lost',      'p1', 'openai',   'gpt-image-2', 'reply lost mid-request',   '{}', 'failed',    'k3', 1, 2, NULL, 300, 340),
        ('done',      'p1', 'sandbox',  'gpt-image-2', '등대 at dusk',             '{}', 'completed', 'k4', 1, 1, 400, 390, 450);
    `);
    const before = v9.prepare('SELECT * FROM jobs ORDER BY id').all() as Record<string, unknown>[];
    v9.close();

    const v10 = openDatabase(file, { migrations: MIGRATIONS.filter((m) => m.version <= 10) });
    expect(schemaVersion(v10)).toBe(10);
    const rows = v10.prepare('SELECT id, posted_at, request_body, prior_credits, prior_usd FROM jobs ORDER BY id').all();
    expect(rows).toEqual([
      { id: 'done', posted_at: 400, request_body: null, prior_credits: null, prior_usd: null },
      { id: 'lost', posted_at: 340, request_body: null, prior_credits: null, prior_usd: null },
      { id: 'never', posted_at: null, request_body: null, prior_credits: null, prior_usd: null },
      { id: 'submitted', posted_at: 200, request_body: null, prior_credits: null, prior_usd: null },
    ]);
    // Every column that was there keeps its value.
    const after = v10.prepare('SELECT * FROM jobs ORDER BY id').all() as Record<string, unknown>[];
    expect(after.map((r) => Object.fromEntries(Object.keys(before[0]!).map((k) => [k, r[k]])))).toEqual(before);
    expect(v10.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(v10.pragma('foreign_key_check')).toEqual([]);
    v10.close();

    // And the newest schema opens on top of it, rows intact.
    const latest = openDatabase(file);
    expect(schemaVersion(latest)).toBe(MIGRATIONS.length);
    expect(latest.prepare('SELECT id, posted_at FROM jobs ORDER BY id').all()).toEqual([
      { id: 'done', posted_at: 400 },
      { id: 'lost', posted_at: 340 },
      { id: 'never', posted_at: null },
      { id: 'submitted', posted_at: 200 },
    ]);
    latest.close();
  });
});
