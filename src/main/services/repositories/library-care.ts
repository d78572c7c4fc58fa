/**
 * The reads of library care (transfer/integrity.ts): every blob row to check against its file, and the rows that
 * point at a blob with no row (`assets`, `job_references`). It writes nothing, so it owns no table: a repair that
 * registers a file again goes through the blob store.
 */
import type { Db } from '../library/db';
import { Statements } from './statements';

/** The tables this repository owns: none (it only reads). */
export const OWNS = [] as const;

/** A blob row as the check needs it: id (SHA-256 hex), file extension, size in bytes. */
export interface CareBlobRow {
  id: string;
  ext: string;
  bytes: number;
}

/** Read-only queries of the integrity check and the thumbnail rebuild. */
export class LibraryCareRepository {
  private readonly st: Statements;

  constructor(db: Db) {
    this.st = new Statements(db);
  }

  /** Every blob, ordered by id. */
  blobs(): CareBlobRow[] {
    return this.st.get('SELECT id, ext, bytes FROM blobs ORDER BY id').all() as CareBlobRow[];
  }

  /** Every blob id, ordered. */
  blobIds(): string[] {
    return (this.st.get('SELECT id FROM blobs ORDER BY id').all() as { id: string }[]).map((r) => r.id);
  }

  /** Blob ids that assets or job references name but no blob row has (possible only if foreign keys were ever off). */
  danglingBlobIds(): string[] {
    return (
      this.st
        .get(
          `SELECT blob_id FROM assets WHERE blob_id NOT IN (SELECT id FROM blobs)
           UNION SELECT blob_id FROM job_references WHERE blob_id NOT IN (SELECT id FROM blobs)`,
        )
        .all() as { blob_id: string }[]
    ).map((r) => r.blob_id);
  }
}
