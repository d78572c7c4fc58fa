/**
 * Export presets (migrations 0004 and 0011): `export_presets` holds each preset's naming template, format, quality,
 * long-edge resize (px), metadata level and whether it writes an `.xmp` sidecar. Also the reads an export makes of
 * the library: the images a scope names, each image's row with its blob and job, its recipe's references, lineage
 * and tags, and the folder tree for names (joins of `assets`, `blobs`, `jobs`, `job_references`, `versions`,
 * `tags`, `asset_tags` and `folders`, which this module never writes).
 */
import type { ExportPreset } from '@shared/contracts/transfer';
import type { Db } from '../library/db';
import { Statements } from './statements';

/** The tables this repository owns: only it writes them. */
export const OWNS = ['export_presets'] as const;

/** An `export_presets` row (`long_edge` px or null; `xmp_sidecar` 0/1; `created_at` epoch ms). */
export interface PresetRow {
  id: string;
  name: string;
  template: string;
  format: ExportPreset['format'];
  quality: number;
  long_edge: number | null;
  metadata: ExportPreset['metadata'];
  xmp_sidecar: number;
  created_at: number;
}

/** A preset's stored fields, as {@link ExportPresetsRepository.insert} and `update` take them. */
export interface PresetFields {
  name: string;
  template: string;
  format: ExportPreset['format'];
  quality: number;
  /** px, or null for no resize. */
  longEdge: number | null;
  metadata: ExportPreset['metadata'];
  xmpSidecar: boolean;
}

/** An image to export: its asset, blob (size px) and the job that made it (costs in credits and USD), if any. */
export interface ExportAssetRow {
  id: string;
  folder_id: string;
  kind: 'generated' | 'edited' | 'imported';
  created_at: number;
  original_name: string | null;
  blob_id: string;
  ext: string;
  mime: string;
  width: number;
  height: number;
  job_id: string | null;
  provider: string | null;
  model: string | null;
  prompt: string | null;
  params: string | null;
  credits: number | null;
  cost_usd: number | null;
  usd_estimate: number | null;
  rating: number;
  flag: number;
  title: string | null;
}

/** Presets, and the library reads of an export. */
export class ExportPresetsRepository {
  private readonly st: Statements;

  constructor(db: Db) {
    this.st = new Statements(db);
  }

  // --- presets -----------------------------------------------------------------------------------------------------

  /** Every preset, by name (case-insensitive). */
  list(): PresetRow[] {
    return this.st.get('SELECT * FROM export_presets ORDER BY name COLLATE NOCASE').all() as PresetRow[];
  }

  /** One preset's row, or null. */
  byId(id: string): PresetRow | null {
    return (this.st.get('SELECT * FROM export_presets WHERE id = ?').get(id) as PresetRow | undefined) ?? null;
  }

  /** The id of a preset named `name` other than `exceptId` (null: any), or null where there is none. */
  idNamed(name: string, exceptId: string | null): string | null {
    const row = this.st.get('SELECT id FROM export_presets WHERE name = ? AND id IS NOT ?').get(name, exceptId) as { id: string } | undefined;
    return row?.id ?? null;
  }

  /** Inserts a preset created at `createdAt` (epoch ms). */
  insert(id: string, p: PresetFields, createdAt: number): void {
    this.st
      .get(
        `INSERT INTO export_presets (id, name, template, format, quality, long_edge, metadata, xmp_sidecar, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, p.name, p.template, p.format, p.quality, p.longEdge, p.metadata, p.xmpSidecar ? 1 : 0, createdAt);
  }

  /** Replaces a preset's fields. @returns false when there is no such preset */
  update(id: string, p: PresetFields): boolean {
    return (
      this.st
        .get('UPDATE export_presets SET name = ?, template = ?, format = ?, quality = ?, long_edge = ?, metadata = ?, xmp_sidecar = ? WHERE id = ?')
        .run(p.name, p.template, p.format, p.quality, p.longEdge, p.metadata, p.xmpSidecar ? 1 : 0, id).changes > 0
    );
  }

  /** Deletes a preset. @returns false when there was none */
  delete(id: string): boolean {
    return this.st.get('DELETE FROM export_presets WHERE id = ?').run(id).changes > 0;
  }

  // --- what an export reads ----------------------------------------------------------------------------------------

  /** Whether a folder with this id exists outside the trash. */
  folderIsLive(folderId: string): boolean {
    return this.st.get('SELECT 1 FROM folders WHERE id = ? AND deleted_at IS NULL').get(folderId) !== undefined;
  }

  /**
   * Ids of the folder's images outside the trash, newest first; with `recursive`, its sub-folders' after it
   * (by depth, then folder).
   */
  liveAssetIdsIn(folderId: string, recursive: boolean): string[] {
    const sql = recursive
      ? `WITH RECURSIVE sub(id, depth) AS (SELECT ?, 0 UNION ALL SELECT f.id, sub.depth + 1 FROM folders f JOIN sub ON f.parent_id = sub.id)
         SELECT a.id FROM assets a JOIN sub ON sub.id = a.folder_id WHERE a.deleted_at IS NULL
          ORDER BY sub.depth, a.folder_id, a.created_at DESC, a.id DESC`
      : `SELECT a.id FROM assets a WHERE a.folder_id = ? AND a.deleted_at IS NULL ORDER BY a.created_at DESC, a.id DESC`;
    return (this.st.get(sql).all(folderId) as { id: string }[]).map((r) => r.id);
  }

  /** Every folder (trashed ones too): its name and parent. */
  folders(): { id: string; parent_id: string | null; name: string }[] {
    return this.st.get('SELECT id, parent_id, name FROM folders').all() as { id: string; parent_id: string | null; name: string }[];
  }

  /** The image's export row, or null for an unknown id. */
  asset(id: string): ExportAssetRow | null {
    return (
      (this.st
        .get(
          `SELECT a.id, a.folder_id, a.kind, a.created_at, a.original_name, a.blob_id, b.ext, b.mime, b.width, b.height,
                  a.job_id, j.provider, j.model, j.prompt, j.params, j.credits, j.cost_usd, j.usd_estimate, a.rating AS rating,
                  a.flag AS flag, a.title AS title
             FROM assets a JOIN blobs b ON b.id = a.blob_id LEFT JOIN jobs j ON j.id = a.job_id WHERE a.id = ?`,
        )
        .get(id) as ExportAssetRow | undefined) ?? null
    );
  }

  /** The job's reference images (name, blob id) in submit order. */
  jobReferences(jobId: string): { name: string; blobId: string }[] {
    return this.st.get('SELECT name, blob_id AS blobId FROM job_references WHERE job_id = ? ORDER BY position').all(jobId) as {
      name: string;
      blobId: string;
    }[];
  }

  /** The asset of the version the image's version was made from, or null (no version, a root, or no asset). */
  parentAssetId(assetId: string): string | null {
    const p = this.st
      .get('SELECT pv.asset_id AS id FROM versions v JOIN versions pv ON pv.id = v.parent_id WHERE v.asset_id = ?')
      .get(assetId) as { id: string | null } | undefined;
    return p?.id ?? null;
  }

  /**
   * The root of the image's edit chain: its job id and its asset's kind (null where the root has no asset), or null
   * when the image is in no chain.
   */
  chainRoot(assetId: string): { jobId: string | null; kind: string | null } | null {
    return (
      (this.st
        .get(
          `WITH RECURSIVE up(id, parent_id, job_id, depth) AS (
             SELECT id, parent_id, job_id, 0 FROM versions WHERE asset_id = ?
             UNION ALL SELECT v.id, v.parent_id, v.job_id, up.depth + 1 FROM versions v JOIN up ON v.id = up.parent_id WHERE up.depth < 10000)
           SELECT up.job_id AS jobId, a.kind AS kind FROM up LEFT JOIN assets a ON a.id = (SELECT asset_id FROM versions WHERE id = up.id)
           WHERE up.parent_id IS NULL`,
        )
        .get(assetId) as { jobId: string | null; kind: string | null } | undefined) ?? null
    );
  }

  /** The image's tag names, by name. */
  tagNames(assetId: string): string[] {
    return (
      this.st.get('SELECT t.name FROM asset_tags x JOIN tags t ON t.id = x.tag_id WHERE x.asset_id = ? ORDER BY t.name').all(assetId) as {
        name: string;
      }[]
    ).map((t) => t.name);
  }
}
