/**
 * Opens the library's SQLite database (better-sqlite3, synchronous) and brings its schema up to date.
 * WAL journal, foreign keys on, `synchronous = NORMAL` (durable at checkpoints; WAL keeps commits atomic), a 64 MiB
 * page cache and a 1 GiB memory map.
 */
import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations';

export type Db = Database.Database;

/**
 * Opens (creating if needed) the database at `file` and runs pending migrations, each in its own transaction.
 * better-sqlite3 13 loads its Node-API prebuild (`prebuilds/<platform>-<arch>.node` inside its package), which
 * Node and Electron load alike: there is no per-runtime binary to choose.
 * @param file path of the SQLite file, or ':memory:'
 * @throws Error if the database was written by a newer Atelier (its schema version is above ours)
 */
export function openDatabase(file: string, opts: { migrations?: readonly Migration[] } = {}): Db {
  const db = new Database(file);
  try {
    const migrations = opts.migrations ?? MIGRATIONS;
    // Refuse a newer library before changing anything in it (not even its journal mode).
    assertNotNewer(db, migrations);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    // A million-image library is about 2 GB: a 64 MiB page cache (SQLite's default is 2 MiB) keeps the indexes a
    // search walks in memory, and reads of the file go through a memory map (up to 1 GiB) instead of a read call
    // and a copy per page (https://www.sqlite.org/pragma.html#pragma_cache_size, https://www.sqlite.org/mmap.html).
    db.pragma('cache_size = -65536');
    db.pragma('mmap_size = 1073741824');
    migrate(db, migrations);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Current schema version (`PRAGMA user_version`). */
export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies every migration above the current `user_version`, in order, each atomically with its version bump.
 * @throws Error when the file's version is newer than the newest migration known (out-of-sync guard).
 */
function assertNotNewer(db: Db, migrations: readonly Migration[]): void {
  const current = schemaVersion(db);
  const newest = migrations.at(-1)?.version ?? 0;
  if (current > newest) {
    throw new Error(`library schema version ${current} is newer than this Atelier knows (${newest}); update Atelier`);
  }
}

export function migrate(db: Db, migrations: readonly Migration[]): void {
  assertNotNewer(db, migrations);
  const current = schemaVersion(db);
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.up);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
