/**
 * The library database's migrations, on real SQLite files in a fresh temp folder per test: a fresh file reaches the
 * newest version; a populated version-1 file keeps every row and stays consistent; a file from a newer Atelier is
 * refused and left alone; a failing migration leaves nothing behind.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion, type Db } from '../../src/main/services/library/db';
import { MIGRATIONS, type Migration } from '../../src/main/services/library/migrations';

const NEWEST = MIGRATIONS.at(-1)!.version;
const TABLES = ['assets', 'blobs', 'folders', 'job_references', 'jobs', 'settings'];

let dir: string;
const open: Db[] = [];
const track = (db: Db): Db => (open.push(db), db);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atelier-migrations-'));
});
afterEach(async () => {
  for (const db of open.splice(0)) if (db.open) db.close();
  await rm(dir, { recursive: true, force: true });
});

const tables = (db: Db): string[] =>
  (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as {
      name: string;
    }[]
  ).map((r) => r.name);

const sha256 = async (file: string): Promise<string> => createHash('sha256').update(await readFile(file)).digest('hex');

/** Rows of every kind, written with raw SQL as a version-1 Atelier would have. */
function populateV1(db: Db): void {
  const blob = (c: string) => c.repeat(64);
  db.exec(`
    INSERT INTO folders (id, parent_id, name, position, created_at) VALUES
      ('p1', NULL, 'Project one', 0, 1000),
      ('f1', 'p1', 'Sketches', 0, 1001),
      ('f2', 'f1', 'Nested', 0, 1002),
      ('p2', NULL, 'Project two', 1, 1003);
    INSERT INTO blobs (id, ext, mime, width, height, bytes, created_at) VALUES
      ('${blob('a')}', 'png', 'image/png', 512, 512, 1234, 2000),
      ('${blob('b')}', 'jpg', 'image/jpeg', 640, 427, 5678, 2001),
      ('${blob('c')}', 'webp', 'image/webp', 100, 50, 99, 2002);
    INSERT INTO jobs (id, folder_id, provider, model, prompt, params, state, progress, idempotency_key, remote_id,
                      uploads, outputs, expected_count, credits, error, attempts, next_attempt_at, created_at,
                      submitted_at, completed_at, updated_at) VALUES
      ('j1', 'f1', 'sandbox', 'gpt-image-2', 'a cat', '{"n":2}', 'completed', 100, 'k1', 'r1', NULL, '[]', 2, 3.5,
       NULL, 1, NULL, 3000, 3001, 3500, 3500),
      ('j2', 'p2', 'apiframe', 'gpt-image-1.5', 'a dog', '{}', 'queued', NULL, 'k2', NULL, NULL, NULL, 1, NULL,
       NULL, 0, NULL, 4000, NULL, NULL, 4000);
    INSERT INTO job_references (job_id, position, blob_id, name) VALUES ('j1', 0, '${blob('c')}', 'ref.webp');
    INSERT INTO assets (id, folder_id, blob_id, kind, job_id, output_index, created_at) VALUES
      ('a1', 'f1', '${blob('a')}', 'generated', 'j1', 0, 3400),
      ('a2', 'f1', '${blob('b')}', 'generated', 'j1', 1, 3450),
      ('a3', 'f2', '${blob('b')}', 'imported', NULL, NULL, 5000);
    INSERT INTO settings (key, value) VALUES ('locale', '"en"');
  `);
}

const dump = (db: Db): Record<string, unknown[]> =>
  Object.fromEntries(TABLES.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()]));

describe('library migrations', () => {
  it('migrations are numbered 1, 2, … without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('a fresh file is migrated to the newest version with every table', () => {
    const file = join(dir, 'library.sqlite');
    const db = track(openDatabase(file));
    expect(schemaVersion(db)).toBe(NEWEST);
    expect(tables(db)).toEqual(expect.arrayContaining(TABLES));
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();

    // Opening again is a no-op.
    const again = track(openDatabase(file));
    expect(schemaVersion(again)).toBe(NEWEST);
  });

  it('a populated version-1 database keeps every row and passes the integrity and foreign-key checks', () => {
    const file = join(dir, 'library.sqlite');
    const v1 = track(openDatabase(file, { migrations: MIGRATIONS.slice(0, 1) }));
    expect(schemaVersion(v1)).toBe(1);
    populateV1(v1);
    const before = dump(v1);
    v1.close();

    const db = track(openDatabase(file));
    expect(schemaVersion(db)).toBe(NEWEST);
    const after = dump(db);
    for (const t of TABLES) {
      // Later migrations may add columns; every column a version-1 row had keeps its value.
      expect(after[t], t).toHaveLength(before[t]!.length);
      after[t]!.forEach((row, i) => expect(row, `${t}[${i}]`).toMatchObject(before[t]![i] as object));
    }
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');

    // The foreign keys still act: deleting a project takes its folders, jobs, references and assets with it.
    db.prepare("DELETE FROM folders WHERE id = 'p1'").run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM folders').get()).toEqual({ n: 1 });
    expect(db.prepare('SELECT id FROM jobs').all()).toEqual([{ id: 'j2' }]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM job_references').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM assets').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM blobs').get()).toEqual({ n: 3 });
  });

  it('a file from a newer Atelier is refused with a clear error and left unchanged', async () => {
    const file = join(dir, 'library.sqlite');
    const db = openDatabase(file);
    db.prepare("INSERT INTO settings (key, value) VALUES ('marker', 'kept')").run();
    db.pragma(`user_version = ${NEWEST + 1}`);
    db.close();
    const hash = await sha256(file);

    expect(() => openDatabase(file)).toThrow(/newer than this Atelier knows.*update Atelier/);

    expect(await sha256(file)).toBe(hash);
    const raw = track(new Database(file, { readonly: true }));
    expect(raw.pragma('user_version', { simple: true })).toBe(NEWEST + 1);
    expect(raw.prepare("SELECT value FROM settings WHERE key = 'marker'").get()).toEqual({ value: 'kept' });
  });

  it('a failing migration rolls back entirely (its earlier statements and the version bump)', () => {
    const file = join(dir, 'library.sqlite');
    const db = openDatabase(file);
    populateV1(db);
    const before = dump(db);
    db.close();

    const broken: Migration = {
      version: NEWEST + 1,
      name: `${String(NEWEST + 1).padStart(4, '0')}-broken`,
      up: `
        CREATE TABLE half_done (x INTEGER) STRICT;
        INSERT INTO half_done VALUES (1);
        UPDATE folders SET name = 'renamed by a broken migration';
        DELETE FROM assets;
        INSERT INTO no_such_table VALUES (1);
      `,
    };
    expect(() => openDatabase(file, { migrations: [...MIGRATIONS, broken] })).toThrow(/no_such_table/);

    const after = track(openDatabase(file));
    expect(schemaVersion(after)).toBe(NEWEST);
    expect(tables(after)).not.toContain('half_done');
    expect(dump(after)).toEqual(before);
    expect(after.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('on a fresh file, migrations before the broken one stay applied and the broken one leaves no trace', () => {
    const file = join(dir, 'library.sqlite');
    const broken: Migration = { version: NEWEST + 1, name: 'broken', up: 'CREATE TABLE t (a); SELECT * FROM nope;' };
    expect(() => openDatabase(file, { migrations: [...MIGRATIONS, broken] })).toThrow();
    const raw = track(new Database(file, { readonly: true }));
    expect(raw.pragma('user_version', { simple: true })).toBe(NEWEST);
    expect(tables(raw)).not.toContain('t');
  });
});
