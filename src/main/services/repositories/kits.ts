/**
 * Reference kits (migration 0018): `reference_kits` (a named set) and `reference_kit_items` (its images in order).
 * Reads join `job_references` and `assets` (the generations that used a kit: jobs whose references include every
 * blob of the kit, and the images they made) and `blobs` (sizes).
 */
import type { Db } from '../library/db';
import { Statements } from './statements';

/** The tables this repository owns: only it writes them. */
export const OWNS = ['reference_kits', 'reference_kit_items'] as const;

/** A kit as listed: its name, times (epoch ms), how many images it holds. */
export interface KitRow {
  id: string;
  name: string;
  created_at: number;
  updated_at: number;
  items: number;
}

/** One image of a kit, in order. */
export interface KitItemRow {
  position: number;
  blobId: string;
  name: string;
}

/** One image of a kit with its stored file's type, size (px) and bytes. */
export interface KitItemBlobRow extends KitItemRow {
  mime: 'image/png' | 'image/jpeg' | 'image/webp';
  width: number;
  height: number;
  bytes: number;
}

/** The jobs that used every blob of the kit (SQL shared by the count and the images). */
const USED_JOBS = `SELECT r.job_id FROM job_references r
  JOIN reference_kit_items k ON k.blob_id = r.blob_id AND k.kit_id = @kit
  GROUP BY r.job_id
  HAVING count(DISTINCT r.blob_id) = (SELECT count(DISTINCT blob_id) FROM reference_kit_items WHERE kit_id = @kit)`;

/** Kits and their images. */
export class KitsRepository {
  private readonly st: Statements;

  constructor(db: Db) {
    this.st = new Statements(db);
  }

  /** Inserts an empty kit. Run in the service's transaction, before its items. */
  insertKit(id: string, name: string, now: number): void {
    this.st.get('INSERT INTO reference_kits (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)').run(id, name, now, now);
  }

  /** Inserts one image of a kit. */
  insertItem(kitId: string, item: KitItemRow): void {
    this.st
      .get('INSERT INTO reference_kit_items (kit_id, position, blob_id, name) VALUES (?, ?, ?, ?)')
      .run(kitId, item.position, item.blobId, item.name);
  }

  /** Renames a kit. @returns false where no such kit exists */
  rename(id: string, name: string, now: number): boolean {
    return this.st.get('UPDATE reference_kits SET name = ?, updated_at = ? WHERE id = ?').run(name, now, id).changes > 0;
  }

  /** Deletes a kit and its items (the stored images stay). @returns false where no such kit exists */
  remove(id: string): boolean {
    return this.st.get('DELETE FROM reference_kits WHERE id = ?').run(id).changes > 0;
  }

  /** The kit, or null. */
  get(id: string): KitRow | null {
    return (
      (this.st
        .get(
          `SELECT k.id, k.name, k.created_at, k.updated_at, (SELECT count(*) FROM reference_kit_items i WHERE i.kit_id = k.id) AS items
           FROM reference_kits k WHERE k.id = ?`,
        )
        .get(id) as KitRow | undefined) ?? null
    );
  }

  /** Every kit, by name (then id). */
  list(): KitRow[] {
    return this.st
      .get(
        `SELECT k.id, k.name, k.created_at, k.updated_at, (SELECT count(*) FROM reference_kit_items i WHERE i.kit_id = k.id) AS items
         FROM reference_kits k ORDER BY k.name COLLATE NOCASE, k.id`,
      )
      .all() as KitRow[];
  }

  /** The kit's images in order, with their stored files' type, size (px) and bytes. */
  items(kitId: string): KitItemBlobRow[] {
    return this.st
      .get(
        `SELECT i.position, i.blob_id AS blobId, i.name, b.mime, b.width, b.height, b.bytes
         FROM reference_kit_items i JOIN blobs b ON b.id = i.blob_id WHERE i.kit_id = ? ORDER BY i.position`,
      )
      .all(kitId) as KitItemBlobRow[];
  }

  /** A library image's stored file and the words to name it by (title, else its job's prompt), or null. */
  assetBlob(assetId: string): { blobId: string; ext: string; title: string | null; prompt: string | null } | null {
    return (
      (this.st
        .get(
          `SELECT a.blob_id AS blobId, b.ext, a.title, j.prompt FROM assets a JOIN blobs b ON b.id = a.blob_id
           LEFT JOIN jobs j ON j.id = a.job_id WHERE a.id = ?`,
        )
        .get(assetId) as { blobId: string; ext: string; title: string | null; prompt: string | null } | undefined) ?? null
    );
  }

  /** How many jobs used every image of the kit. */
  usedCount(kitId: string): number {
    return this.st.get(`SELECT count(*) FROM (${USED_JOBS})`).pluck().get({ kit: kitId }) as number;
  }

  /** The live images (not in the trash) those jobs made, newest first, at most `limit`, with their jobs' prompts. */
  usedAssets(kitId: string, limit: number): { assetId: string; blobId: string; prompt: string | null }[] {
    return this.st
      .get(
        `SELECT a.id AS assetId, a.blob_id AS blobId, j.prompt FROM assets a JOIN jobs j ON j.id = a.job_id
         WHERE a.deleted_at IS NULL AND a.job_id IN (${USED_JOBS})
         ORDER BY a.created_at DESC, a.id DESC LIMIT @limit`,
      )
      .all({ kit: kitId, limit }) as { assetId: string; blobId: string; prompt: string | null }[];
  }

  /** Whether a blob is stored (a kit's items must be). */
  blobExists(blobId: string): boolean {
    return this.st.get('SELECT 1 FROM blobs WHERE id = ?').pluck().get(blobId) !== undefined;
  }
}
