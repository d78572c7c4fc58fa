/**
 * The `blobs` table (migration 0001: one row per stored image file, named by the SHA-256 of its bytes; `dhash`
 * from 0004) and `blob_credentials` (0015: each blob's C2PA Content Credentials, read once). The files themselves
 * are the BlobStore's (library/store.ts); this module holds only their rows.
 */
import type { BlobInfo } from '@shared/domain';
import type { Db } from '../library/db';
import { Statements } from './statements';

/** The tables this repository owns: only it writes them. */
export const OWNS = ['blobs', 'blob_credentials'] as const;

/** A `blobs` row: dimensions in px, size in bytes. */
export interface BlobRow {
  /** SHA-256 of the bytes, 64 hex digits. */
  id: string;
  ext: 'png' | 'jpg' | 'webp';
  mime: BlobInfo['mime'];
  width: number;
  height: number;
  bytes: number;
}

/** A reference to blobs: `sql` selects a row when the blob id bound to its one `?` is referred to. */
export interface BlobReferenceCheck {
  /** For error messages and tests, e.g. `assets.blob_id` or `versions.inputs`. */
  name: string;
  sql: string;
}

const repos = new WeakMap<Db, BlobsRepository>();

/** Rows of stored blobs and their Content Credentials. Synchronous (better-sqlite3). */
export class BlobsRepository {
  private readonly st: Statements;

  /** @param db the library database (migrated) */
  constructor(private readonly db: Db) {
    this.st = new Statements(db);
  }

  /** The repository of `db`, made on first use (its statements are prepared once per connection). */
  static of(db: Db): BlobsRepository {
    let r = repos.get(db);
    if (!r) repos.set(db, (r = new BlobsRepository(db)));
    return r;
  }

  /** The blob's row, or undefined for an unknown id. */
  get(id: string): BlobRow | undefined {
    return this.st.get('SELECT id, ext, mime, width, height, bytes FROM blobs WHERE id = ?').get(id) as BlobRow | undefined;
  }

  /** `<id>.<ext>` of every blob: the file names objects/ should hold. */
  fileNames(): Set<string> {
    const rows = this.st.get('SELECT id, ext FROM blobs').all() as { id: string; ext: string }[];
    return new Set(rows.map((r) => `${r.id}.${r.ext}`));
  }

  /** Records a stored file's blob; a blob already recorded (the same bytes) is left as it is. `createdAt` epoch ms. */
  insertIfMissing(row: BlobRow & { createdAt: number }): void {
    this.st
      .get(
        `INSERT OR IGNORE INTO blobs (id, ext, mime, width, height, bytes, created_at)
         VALUES (@id, @ext, @mime, @width, @height, @bytes, @createdAt)`,
      )
      .run(row);
  }

  /**
   * The blob's perceptual hash (16 hex digits, see transfer/import.ts `dhash`).
   * @returns undefined for an unknown blob, null for one not hashed yet
   */
  dhashOf(id: string): string | null | undefined {
    const row = this.st.get('SELECT dhash FROM blobs WHERE id = ?').get(id) as { dhash: string | null } | undefined;
    return row ? row.dhash : undefined;
  }

  /** Stores the blob's perceptual hash unless it has one already. */
  setDhashIfMissing(id: string, dhash: string): void {
    this.st.get('UPDATE blobs SET dhash = ? WHERE id = ? AND dhash IS NULL').run(dhash, id);
  }

  /**
   * Deletes the blob's row. Its Content Credentials row stays (migration 0015: it still describes those bytes, should
   * they come back). The file is the caller's.
   */
  delete(id: string): void {
    this.st.get('DELETE FROM blobs WHERE id = ?').run(id);
  }

  // ── who refers to a blob ────────────────────────────────────────────────────────────────────────────────────

  /**
   * One check per foreign key to `blobs(id)` in the schema (`PRAGMA foreign_key_list` of every table), so a table a
   * later migration adds with `REFERENCES blobs(id)` is seen without a change here.
   */
  foreignKeyChecks(): BlobReferenceCheck[] {
    const tables = this.st
      .get("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .pluck()
      .all() as string[];
    const fkList = this.st.get('SELECT "table", "from" FROM pragma_foreign_key_list(?)');
    const checks: BlobReferenceCheck[] = [];
    for (const t of tables) {
      for (const fk of fkList.all(t) as { table: string; from: string }[]) {
        if (fk.table !== 'blobs') continue;
        checks.push({ name: `${t}.${fk.from}`, sql: `SELECT 1 FROM "${t}" WHERE "${fk.from}" = ? LIMIT 1` });
      }
    }
    return checks;
  }

  /** Whether `check.sql` compiles against this library's schema (its tables exist). */
  compiles(check: BlobReferenceCheck): boolean {
    try {
      this.st.get(check.sql);
      return true;
    } catch {
      return false;
    }
  }

  /** True when any of `checks` finds `blobId` referred to. */
  isReferenced(blobId: string, checks: readonly BlobReferenceCheck[]): boolean {
    return checks.some((c) => this.st.get(c.sql).get(blobId) !== undefined);
  }

  // ── Content Credentials ─────────────────────────────────────────────────────────────────────────────────────

  /** True once the blob's Content Credentials were read (whatever they said). */
  hasCredentials(blobId: string): boolean {
    return this.st.get('SELECT 1 FROM blob_credentials WHERE blob_id = ?').get(blobId) !== undefined;
  }

  /**
   * Records what the blob's Content Credentials read: `state` (`valid`, `untrusted`, `invalid` or `none`) and the
   * summary as JSON (null for none), `readAt` epoch ms. A blob already recorded keeps its row.
   */
  recordCredentials(blobId: string, state: string, summaryJson: string | null, readAt: number): void {
    this.st
      .get('INSERT OR IGNORE INTO blob_credentials (blob_id, state, summary, read_at) VALUES (?, ?, ?, ?)')
      .run(blobId, state, summaryJson, readAt);
  }

  /** The stored summary JSON of the blob's Content Credentials; null when it has none or was never read. */
  credentialsSummary(blobId: string): string | null {
    const row = this.st.get('SELECT summary FROM blob_credentials WHERE blob_id = ?').get(blobId) as { summary: string | null } | undefined;
    return row?.summary ?? null;
  }

  /** Up to 64 blobs whose Content Credentials were never read (a library from before migration 0015). */
  withoutCredentials(): { id: string; mime: string }[] {
    return this.st
      .get('SELECT b.id, b.mime FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM blob_credentials c WHERE c.blob_id = b.id) LIMIT 64')
      .all() as { id: string; mime: string }[];
  }
}
