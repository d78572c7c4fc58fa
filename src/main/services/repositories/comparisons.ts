/**
 * Comparison sets (migration 0006): `comparison_sets` (a fan-out of one prompt, or images picked in the gallery;
 * its blind-order seed), `comparison_items` (2–4 per set: a run's job or a picked asset) and `comparison_verdicts`
 * (one per set: the ranking, best first, and the candidates it was made among). Reads also join `folders`, `assets`,
 * `jobs`, `tags` and `asset_tags` (a set's project, its images, the tags the win rates are counted per).
 */
import type { Db } from '../library/db';
import { Statements } from './statements';

/** The tables this repository owns: only it writes them. */
export const OWNS = ['comparison_sets', 'comparison_items', 'comparison_verdicts'] as const;

/** A `comparison_sets` row (`blind` 0/1, `created_at` epoch ms). */
export interface CompareSetRow {
  id: string;
  folder_id: string;
  kind: 'runs' | 'picked';
  prompt: string | null;
  seed: number;
  blind: number;
  created_at: number;
}

/** A `comparison_items` row: a run (`job_id`) or a picked image (`asset_id`, with the job that made it if any). */
export interface CompareItemRow {
  id: string;
  position: number;
  job_id: string | null;
  asset_id: string | null;
  provider: string | null;
  model: string | null;
}

/** A `comparison_verdicts` row (`ranking` and `candidates` JSON arrays of item ids; `blind` 0/1). */
export interface CompareVerdictRow {
  ranking: string;
  candidates: string;
  blind: number;
  created_at: number;
}

/** A set in a folder's list (`decided` 0/1). */
export interface CompareSetSummaryRow {
  id: string;
  kind: 'runs' | 'picked';
  prompt: string | null;
  createdAt: number;
  itemCount: number;
  decided: number;
}

/** A verdict with its set's project (the top-level folder), for win rates. */
export interface VerdictStatRow {
  setId: string;
  ranking: string;
  candidates: string;
  blind: number;
  project: string;
  projectName: string;
}

/**
 * An item of a decided set with one tag of the image it shows (a picked item: its asset; a run: its job's first
 * output); `tagId`/`tagName` null where that image has no tag or there is no image. Tag ids as text.
 */
export interface VerdictItemTagRow {
  setId: string;
  itemId: string;
  provider: string | null;
  model: string | null;
  tagId: string | null;
  tagName: string | null;
}

/** An image a comparison item shows: its asset id, blob, creation time (epoch ms), and whether it is in the trash. */
export interface CompareAssetRow {
  id: string;
  blobId: string;
  createdAt: number;
  trashed: boolean;
}

type CompareAssetSql = Omit<CompareAssetRow, 'trashed'> & { trashed: 0 | 1 };
const assetRow = (r: CompareAssetSql | undefined): CompareAssetRow | null => (r ? { ...r, trashed: r.trashed === 1 } : null);

/** Comparison sets, their items and verdicts. */
export class ComparisonsRepository {
  private readonly st: Statements;

  constructor(db: Db) {
    this.st = new Statements(db);
  }

  /** Whether a folder with this id exists outside the trash. */
  folderIsLive(folderId: string): boolean {
    return this.st.get('SELECT 1 FROM folders WHERE id = ? AND deleted_at IS NULL').get(folderId) !== undefined;
  }

  /** Inserts a set (`blind` 0/1; `createdAt` epoch ms). */
  insertSet(s: CompareSetRow): void {
    this.st
      .get('INSERT INTO comparison_sets (id, folder_id, kind, prompt, seed, blind, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(s.id, s.folder_id, s.kind, s.prompt, s.seed, s.blind, s.created_at);
  }

  /** Inserts one item of a set at `position` (0-based). */
  insertItem(setId: string, item: CompareItemRow): void {
    this.st
      .get('INSERT INTO comparison_items (id, set_id, position, job_id, asset_id, provider, model) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(item.id, setId, item.position, item.job_id, item.asset_id, item.provider, item.model);
  }

  /** The set's row, or null. */
  set(id: string): CompareSetRow | null {
    return (this.st.get('SELECT * FROM comparison_sets WHERE id = ?').get(id) as CompareSetRow | undefined) ?? null;
  }

  /** Turns a set's blind mode on or off. */
  setBlind(id: string, blind: boolean): void {
    this.st.get('UPDATE comparison_sets SET blind = ? WHERE id = ?').run(blind ? 1 : 0, id);
  }

  /** A folder's sets, newest first, at most 200. */
  setsOfFolder(folderId: string): CompareSetSummaryRow[] {
    return this.st
      .get(
        `SELECT s.id, s.kind, s.prompt, s.created_at AS createdAt,
                (SELECT count(*) FROM comparison_items i WHERE i.set_id = s.id) AS itemCount,
                EXISTS (SELECT 1 FROM comparison_verdicts v WHERE v.set_id = s.id) AS decided
           FROM comparison_sets s WHERE s.folder_id = ? ORDER BY s.created_at DESC, s.id DESC LIMIT 200`,
      )
      .all(folderId) as CompareSetSummaryRow[];
  }

  /** The set's items in position order. */
  items(setId: string): CompareItemRow[] {
    return this.st
      .get('SELECT id, position, job_id, asset_id, provider, model FROM comparison_items WHERE set_id = ? ORDER BY position')
      .all(setId) as CompareItemRow[];
  }

  /** The set's verdict, or null while undecided. */
  verdict(setId: string): CompareVerdictRow | null {
    return (this.st.get('SELECT * FROM comparison_verdicts WHERE set_id = ?').get(setId) as CompareVerdictRow | undefined) ?? null;
  }

  /** Stores the set's verdict, replacing an earlier one (`ranking`, `candidates` JSON text; `blind` 0/1). */
  putVerdict(setId: string, v: CompareVerdictRow): void {
    this.st
      .get(
        `INSERT INTO comparison_verdicts (set_id, ranking, candidates, blind, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (set_id) DO UPDATE SET ranking = excluded.ranking, candidates = excluded.candidates,
           blind = excluded.blind, created_at = excluded.created_at`,
      )
      .run(setId, v.ranking, v.candidates, v.blind, v.created_at);
  }

  /** Every verdict with its set's project (id and name). */
  verdictsWithProject(): VerdictStatRow[] {
    return this.st
      .get(
        `WITH RECURSIVE anc(id, root) AS (
           SELECT id, id FROM folders WHERE parent_id IS NULL
           UNION ALL SELECT f.id, anc.root FROM folders f JOIN anc ON f.parent_id = anc.id
         )
         SELECT v.set_id AS setId, v.ranking, v.candidates, v.blind, anc.root AS project, p.name AS projectName
           FROM comparison_verdicts v
           JOIN comparison_sets s ON s.id = v.set_id
           JOIN anc ON anc.id = s.folder_id
           JOIN folders p ON p.id = anc.root`,
      )
      .all() as VerdictStatRow[];
  }

  /**
   * Every item of every decided set, one row per tag of the image it shows (see {@link VerdictItemTagRow}): the
   * win rates' items and tags in one read.
   */
  verdictItemTags(): VerdictItemTagRow[] {
    const rows = this.st
      .get(
        `WITH img AS (
           SELECT i.set_id AS setId, i.id AS itemId, i.provider, i.model,
                  CASE WHEN i.asset_id IS NOT NULL THEN i.asset_id
                       WHEN s.kind = 'runs' AND i.job_id IS NOT NULL
                         THEN (SELECT a.id FROM assets a WHERE a.job_id = i.job_id ORDER BY a.output_index LIMIT 1)
                  END AS assetId
             FROM comparison_items i
             JOIN comparison_verdicts v ON v.set_id = i.set_id
             JOIN comparison_sets s ON s.id = i.set_id
         )
         SELECT img.setId, img.itemId, img.provider, img.model, t.id AS tagId, t.name AS tagName
           FROM img LEFT JOIN asset_tags at ON at.asset_id = img.assetId LEFT JOIN tags t ON t.id = at.tag_id
          ORDER BY img.setId, img.itemId, t.name`,
      )
      .all() as (Omit<VerdictItemTagRow, 'tagId'> & { tagId: string | number | null })[];
    return rows.map((r) => ({ ...r, tagId: r.tagId === null ? null : String(r.tagId) }));
  }

  /** A picked image with the job that made it (provider and model null for an imported image), or null. */
  pickedAsset(assetId: string): { id: string; folderId: string; jobId: string | null; provider: string | null; model: string | null } | null {
    return (
      (this.st
        .get(
          `SELECT a.id, a.folder_id AS folderId, a.job_id AS jobId, j.provider, j.model
             FROM assets a LEFT JOIN jobs j ON j.id = a.job_id WHERE a.id = ?`,
        )
        .get(assetId) as { id: string; folderId: string; jobId: string | null; provider: string | null; model: string | null } | undefined) ?? null
    );
  }

  /** The image with this asset id (in the trash or not), or null once it is deleted for good. */
  asset(assetId: string): CompareAssetRow | null {
    return assetRow(
      this.st
        .get('SELECT id, blob_id AS blobId, created_at AS createdAt, deleted_at IS NOT NULL AS trashed FROM assets WHERE id = ?')
        .get(assetId) as CompareAssetSql | undefined,
    );
  }

  /**
   * The job's first stored output outside the trash (lowest output index); where every output is in the trash, the
   * first of those (`trashed` true); null while it has none.
   */
  firstOutputOf(jobId: string): CompareAssetRow | null {
    return assetRow(
      this.st
        .get(
          `SELECT id, blob_id AS blobId, created_at AS createdAt, deleted_at IS NOT NULL AS trashed FROM assets
           WHERE job_id = ? ORDER BY deleted_at IS NOT NULL, output_index LIMIT 1`,
        )
        .get(jobId) as CompareAssetSql | undefined,
    );
  }
}
