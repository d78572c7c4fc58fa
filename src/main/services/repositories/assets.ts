/**
 * The images of the library and their tags: `assets` (migration 0001; organising columns, denormalised job fields and
 * the trash from 0003, stacks and original names from 0004, `doc_id` from 0009), `tags` and `asset_tags` (0003).
 * Triggers of those migrations keep the search index, the denormalised job fields and the names in step; the
 * services (library/assets.ts, organise.ts, folders.ts, trash.ts, transfer/stacks.ts, import.ts, chains) decide and
 * run the transactions, this module holds the SQL. Reads join `blobs`, `jobs`, `job_references`, `folders`,
 * `collection_items` and `foreign_recipes`. Times are epoch ms.
 */
import type { AssetSummary, BlobInfo, ForeignRecipe, StagedReference } from '@shared/domain';
import type { ModelCount, TagCount } from '@shared/organise';
import type { Db } from '../library/db';
import { SUBTREE } from './folders';
import { Statements } from './statements';

/** The tables this repository owns: only it writes them. */
export const OWNS = ['assets', 'asset_tags', 'tags'] as const;

/** An asset with its blob and the job that made it, as the gallery lists it. */
export interface AssetSummaryRow {
  id: string;
  folder_id: string;
  kind: AssetSummary['kind'];
  created_at: number;
  job_id: string | null;
  output_index: number | null;
  blob_id: string;
  mime: BlobInfo['mime'];
  width: number;
  height: number;
  bytes: number;
  provider: string | null;
  model: string | null;
  prompt: string | null;
  original_name: string | null;
}

/** The identity columns of one asset. */
export interface AssetRefRow {
  id: string;
  folder_id: string;
  blob_id: string;
  job_id: string | null;
  output_index: number | null;
  created_at: number;
}

/** A new `assets` row. `jobId`/`outputIndex` only for a job's output; `originalName` for an imported file. */
export interface NewAsset {
  id: string;
  folderId: string;
  blobId: string;
  kind: AssetSummary['kind'];
  jobId: string | null;
  outputIndex: number | null;
  createdAt: number;
  originalName?: string | null;
}

/** The organising columns of one asset. */
export interface AssetMetaRow {
  id: string;
  title: string | null;
  note: string | null;
  rating: number;
  flag: -1 | 0 | 1;
  deleted_at: number | null;
}

/** Organising columns to set; absent ones are left as they are. Title/note already cleaned, rating 0–5, flag -1/0/1. */
export interface AssetMetaPatch {
  title?: string | null;
  note?: string | null;
  rating?: number;
  flag?: -1 | 0 | 1;
}

/** The job columns a recipe shows (times epoch ms, costs in credits and USD, `params`/`usage` JSON text). */
export interface RecipeJobRow {
  id: string;
  provider: string;
  model: string;
  prompt: string;
  params: string;
  remote_id: string | null;
  credits: number | null;
  cost_usd: number | null;
  credits_estimate: number | null;
  usd_estimate: number | null;
  usage: string | null;
  created_at: number;
}

/** A `foreign_recipes` row as the recipe panel shows it (migration 0014). */
export interface ForeignRecipeRow {
  tool: ForeignRecipe['tool'];
  tool_version: string | null;
  prompt: string | null;
  negative_prompt: string | null;
  model: string | null;
  seed: string | null;
  steps: number | null;
  cfg: number | null;
  sampler: string | null;
  width: number | null;
  height: number | null;
}

const SUMMARY_COLUMNS = `a.id, a.folder_id, a.kind, a.created_at, a.job_id, a.output_index,
  b.id AS blob_id, b.mime, b.width, b.height, b.bytes, j.provider, j.model, j.prompt, a.original_name`;
const SUMMARY_FROM = `assets a JOIN blobs b ON b.id = a.blob_id LEFT JOIN jobs j ON j.id = a.job_id`;

const META_COLUMNS = ['title', 'note', 'rating', 'flag'] as const;

const repos = new WeakMap<Db, AssetsRepository>();

/** Reads and writes assets, their tags and stacks. Synchronous (better-sqlite3); no method opens a transaction. */
export class AssetsRepository {
  private readonly st: Statements;

  /** @param db the library database (migrated) */
  constructor(db: Db) {
    this.st = new Statements(db);
  }

  /** The repository of `db`, made on first use (its statements are prepared once per connection). */
  static of(db: Db): AssetsRepository {
    let r = repos.get(db);
    if (!r) repos.set(db, (r = new AssetsRepository(db)));
    return r;
  }

  // ── single assets ───────────────────────────────────────────────────────────────────────────────────────────

  /** True when an asset with this id exists (in the trash or not). */
  exists(id: string): boolean {
    return this.st.get('SELECT 1 FROM assets WHERE id = ?').get(id) !== undefined;
  }

  /** The asset's identity columns, or undefined for an unknown id. */
  ref(id: string): AssetRefRow | undefined {
    return this.st.get('SELECT id, folder_id, blob_id, job_id, output_index, created_at FROM assets WHERE id = ?').get(id) as
      | AssetRefRow
      | undefined;
  }

  /** The asset with its blob and job, or undefined for an unknown id. */
  summary(id: string): AssetSummaryRow | undefined {
    return this.st.get(`SELECT ${SUMMARY_COLUMNS} FROM ${SUMMARY_FROM} WHERE a.id = ?`).get(id) as AssetSummaryRow | undefined;
  }

  /** The folder the asset is in, or undefined for an unknown id. */
  folderOf(id: string): string | undefined {
    return this.st.get('SELECT folder_id FROM assets WHERE id = ?').pluck().get(id) as string | undefined;
  }

  /** Records a new asset. */
  insert(a: NewAsset): void {
    this.st
      .get(
        `INSERT INTO assets (id, folder_id, blob_id, kind, job_id, output_index, created_at, original_name)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(a.id, a.folderId, a.blobId, a.kind, a.jobId, a.outputIndex, a.createdAt, a.originalName ?? null);
  }

  /**
   * Records a copy of asset `sourceId` in `folderId` as `copyId`: same blob, job, kind, title, note, rating, flag,
   * original name and tags; no output index (the job's own outputs stay unique). Does nothing for an unknown source.
   */
  insertCopy(copyId: string, sourceId: string, folderId: string, createdAt: number): void {
    this.st
      .get(
        `INSERT INTO assets (id, folder_id, blob_id, kind, job_id, output_index, created_at, title, note, rating, flag, original_name)
         SELECT ?, ?, blob_id, kind, job_id, NULL, ?, title, note, rating, flag, original_name FROM assets WHERE id = ?`,
      )
      .run(copyId, folderId, createdAt, sourceId);
    this.st.get('INSERT INTO asset_tags (asset_id, tag_id) SELECT ?, tag_id FROM asset_tags WHERE asset_id = ?').run(copyId, sourceId);
  }

  /** Deletes the asset's row (its tags and collection memberships go with it, through the foreign keys). */
  delete(id: string): void {
    this.st.get('DELETE FROM assets WHERE id = ?').run(id);
  }

  /** Moves the asset to another folder. */
  moveToFolder(id: string, folderId: string): void {
    this.st.get('UPDATE assets SET folder_id = ? WHERE id = ?').run(folderId, id);
  }

  // ── jobs' outputs ───────────────────────────────────────────────────────────────────────────────────────────

  /** The asset recording output `outputIndex` of job `jobId`, if there is one. */
  idForJobOutput(jobId: string, outputIndex: number): string | undefined {
    return this.st.get('SELECT id FROM assets WHERE job_id = ? AND output_index = ?').pluck().get(jobId, outputIndex) as string | undefined;
  }

  /** Ids of the assets a job produced, in output order. */
  idsForJob(jobId: string): string[] {
    return this.st.get('SELECT id FROM assets WHERE job_id = ? ORDER BY output_index').pluck().all(jobId) as string[];
  }

  /** True when a job with this id exists. */
  jobExists(jobId: string): boolean {
    return this.st.get('SELECT 1 FROM jobs WHERE id = ?').get(jobId) !== undefined;
  }

  /** The job columns of an asset's recipe, or undefined when the job is gone. */
  recipeJob(jobId: string): RecipeJobRow | undefined {
    return this.st
      .get(
        `SELECT id, provider, model, prompt, params, remote_id, credits, cost_usd, credits_estimate, usd_estimate, usage, created_at
           FROM jobs WHERE id = ?`,
      )
      .get(jobId) as RecipeJobRow | undefined;
  }

  /** A job's reference images, in order, with their blobs (dimensions in px, size in bytes). */
  recipeReferences(jobId: string): StagedReference[] {
    return this.st
      .get(
        `SELECT r.name, b.id, b.mime, b.width, b.height, b.bytes
           FROM job_references r JOIN blobs b ON b.id = r.blob_id
          WHERE r.job_id = ? ORDER BY r.position`,
      )
      .all(jobId) as StagedReference[];
  }

  /** The recipe an imported image's file carried (migration 0014), or undefined. */
  foreignRecipe(id: string): ForeignRecipeRow | undefined {
    return this.st
      .get(
        `SELECT tool, tool_version, prompt, negative_prompt, model, seed, steps, cfg, sampler, width, height
           FROM foreign_recipes WHERE asset_id = ?`,
      )
      .get(id) as ForeignRecipeRow | undefined;
  }

  // ── folders' contents ───────────────────────────────────────────────────────────────────────────────────────

  /** How many assets are directly in the folder, outside the trash. */
  countLiveInFolder(folderId: string): number {
    return this.st.get('SELECT COUNT(*) FROM assets WHERE folder_id = ? AND deleted_at IS NULL').pluck().get(folderId) as number;
  }

  /**
   * Up to `limit` assets directly in the folder, outside the trash, newest first (ties by id, descending), after the
   * keyset `after` (the last row of the previous page) when given.
   */
  liveInFolderPage(folderId: string, after: { createdAt: number; id: string } | null, limit: number): AssetSummaryRow[] {
    if (after) {
      return this.st
        .get(
          `SELECT ${SUMMARY_COLUMNS} FROM ${SUMMARY_FROM}
            WHERE a.folder_id = ? AND a.deleted_at IS NULL AND (a.created_at, a.id) < (?, ?)
            ORDER BY a.created_at DESC, a.id DESC LIMIT ?`,
        )
        .all(folderId, after.createdAt, after.id, limit) as AssetSummaryRow[];
    }
    return this.st
      .get(
        `SELECT ${SUMMARY_COLUMNS} FROM ${SUMMARY_FROM}
          WHERE a.folder_id = ? AND a.deleted_at IS NULL ORDER BY a.created_at DESC, a.id DESC LIMIT ?`,
      )
      .all(folderId, limit) as AssetSummaryRow[];
  }

  /** The assets directly in the folder, outside the trash, with their stack and their blob's perceptual hash. */
  liveInFolderWithHashes(folderId: string): { id: string; blob_id: string; stack_id: string | null; dhash: string | null }[] {
    return this.st
      .get('SELECT a.id, a.blob_id, a.stack_id, b.dhash FROM assets a JOIN blobs b ON b.id = a.blob_id WHERE a.folder_id = ? AND a.deleted_at IS NULL')
      .all(folderId) as { id: string; blob_id: string; stack_id: string | null; dhash: string | null }[];
  }

  /** Ids of the assets in folder `rootId` and every folder below it, outside the trash, oldest first. */
  liveIdsInSubtree(rootId: string): string[] {
    return this.st
      .get(`${SUBTREE} SELECT id FROM assets WHERE folder_id IN (SELECT id FROM sub) AND deleted_at IS NULL ORDER BY created_at, id`)
      .pluck()
      .all(rootId) as string[];
  }

  /** Moves every asset in folder `rootId` and below to the trash at `now`; those already there keep their time. */
  trashSubtree(rootId: string, now: number): void {
    this.st.get(`${SUBTREE} UPDATE assets SET deleted_at = ? WHERE folder_id IN (SELECT id FROM sub) AND deleted_at IS NULL`).run(rootId, now);
  }

  // ── organising ──────────────────────────────────────────────────────────────────────────────────────────────

  /** Title, note, rating, flag and trash time of one asset, or undefined for an unknown id. */
  meta(id: string): AssetMetaRow | undefined {
    return this.st.get('SELECT id, title, note, rating, flag, deleted_at FROM assets WHERE id = ?').get(id) as AssetMetaRow | undefined;
  }

  /** Sets the organising columns named in `patch` (none named: nothing happens). */
  setMeta(id: string, patch: AssetMetaPatch): void {
    const cols = META_COLUMNS.filter((c) => patch[c] !== undefined);
    if (cols.length === 0) return;
    this.st.get(`UPDATE assets SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`).run(...cols.map((c) => patch[c]), id);
  }

  /** The ids of the manual collections the asset is in, sorted. */
  collectionIdsOf(id: string): string[] {
    return this.st.get('SELECT collection_id FROM collection_items WHERE asset_id = ? ORDER BY collection_id').pluck().all(id) as string[];
  }

  /**
   * The models that made the library's live images (imported images without a model left out), most used first,
   * at most 200.
   */
  models(): ModelCount[] {
    return this.st
      .get(
        `SELECT provider, model, COUNT(*) AS count FROM assets
          WHERE deleted_at IS NULL AND model IS NOT NULL AND provider IS NOT NULL
          GROUP BY provider, model ORDER BY count DESC, provider, model LIMIT 200`,
      )
      .all() as ModelCount[];
  }

  // ── tags ────────────────────────────────────────────────────────────────────────────────────────────────────

  /** The asset's tags (display names), in key order. */
  tagNamesOf(id: string): string[] {
    return this.st.get('SELECT t.name FROM asset_tags at JOIN tags t ON t.id = at.tag_id WHERE at.asset_id = ? ORDER BY t.key').pluck().all(id) as string[];
  }

  /** The id of the tag with this key (library/search-text.ts `tagKey`), if there is one. */
  tagIdByKey(key: string): number | undefined {
    return this.st.get('SELECT id FROM tags WHERE key = ?').pluck().get(key) as number | undefined;
  }

  /** Creates a tag (display name, key, Latin-folded key) and returns its id. */
  insertTag(name: string, key: string, fold: string): number {
    return Number(this.st.get('INSERT INTO tags (name, key, fold) VALUES (?, ?, ?)').run(name, key, fold).lastInsertRowid);
  }

  /** Puts the tag on the asset (once: a tag already there stays). */
  addTag(assetId: string, tagId: number): void {
    this.st.get('INSERT OR IGNORE INTO asset_tags (asset_id, tag_id) VALUES (?, ?)').run(assetId, tagId);
  }

  /** Takes the tag off the asset. */
  removeTag(assetId: string, tagId: number): void {
    this.st.get('DELETE FROM asset_tags WHERE asset_id = ? AND tag_id = ?').run(assetId, tagId);
  }

  /** Forgets the tags no asset carries any more. */
  deleteUnusedTags(): void {
    this.st.get('DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM asset_tags)').run();
  }

  /**
   * Tags whose folded key is in [`from`, `to`), most used first (images outside the trash), then by key.
   * @param limit at most this many
   */
  tagsInFoldRange(from: string, to: string, limit: number): TagCount[] {
    return this.st
      .get(
        `SELECT t.name, (SELECT COUNT(*) FROM asset_tags at JOIN assets a ON a.id = at.asset_id
                           WHERE at.tag_id = t.id AND a.deleted_at IS NULL) AS count
           FROM tags t WHERE t.fold >= ? AND t.fold < ? ORDER BY count DESC, t.key LIMIT ?`,
      )
      .all(from, to, limit) as TagCount[];
  }

  // ── the trash ───────────────────────────────────────────────────────────────────────────────────────────────

  /** Moves the asset to the trash at `now` unless it is there already. @returns whether it moved */
  trash(id: string, now: number): boolean {
    return this.st.get('UPDATE assets SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL').run(now, id).changes > 0;
  }

  /** Takes the asset out of the trash into `folderId`, if it is in the trash. @returns whether it was restored */
  restore(id: string, folderId: string): boolean {
    return this.st.get('UPDATE assets SET deleted_at = NULL, folder_id = ? WHERE id = ? AND deleted_at IS NOT NULL').run(folderId, id).changes > 0;
  }

  /** The folder the asset was in and its trash time, or undefined for an unknown id. */
  placeOf(id: string): { folder_id: string; deleted_at: number | null } | undefined {
    return this.st.get('SELECT folder_id, deleted_at FROM assets WHERE id = ?').get(id) as { folder_id: string; deleted_at: number | null } | undefined;
  }

  /** How many assets are in the trash. */
  countTrashed(): number {
    return this.st.get('SELECT COUNT(*) FROM assets WHERE deleted_at IS NOT NULL').pluck().get() as number;
  }

  /** The blobs of the assets in the trash (each once). */
  trashedBlobIds(): string[] {
    return this.st.get('SELECT DISTINCT blob_id FROM assets WHERE deleted_at IS NOT NULL').pluck().all() as string[];
  }

  /** Deletes every asset in the trash (tags and collection memberships through the foreign keys). @returns how many */
  deleteTrashed(): number {
    return this.st.get('DELETE FROM assets WHERE deleted_at IS NOT NULL').run().changes;
  }

  // ── stacks ──────────────────────────────────────────────────────────────────────────────────────────────────

  /** The asset's stack: undefined for an unknown asset, null when it is in none, else the stack id (its cover's id). */
  stackOf(id: string): string | null | undefined {
    const row = this.st.get('SELECT stack_id FROM assets WHERE id = ?').get(id) as { stack_id: string | null } | undefined;
    return row ? row.stack_id : undefined;
  }

  /** Puts the asset into stack `stackId` (null: into none). @returns false for an unknown asset */
  setStack(id: string, stackId: string | null): boolean {
    return this.st.get('UPDATE assets SET stack_id = ? WHERE id = ?').run(stackId, id).changes > 0;
  }

  /** Takes every member out of the stack. @returns how many assets were in it */
  dissolveStack(stackId: string): number {
    return this.st.get('UPDATE assets SET stack_id = NULL WHERE stack_id = ?').run(stackId).changes;
  }

  /** Ids of the stack's members, cover first, then oldest first. */
  stackMembers(stackId: string): string[] {
    return this.st.get('SELECT id FROM assets WHERE stack_id = ? ORDER BY id = stack_id DESC, created_at, id').pluck().all(stackId) as string[];
  }

  /** How many assets are in the stack. */
  stackSize(stackId: string): number {
    return this.st.get('SELECT COUNT(*) FROM assets WHERE stack_id = ?').pluck().get(stackId) as number;
  }

  // ── the search index's document ids ─────────────────────────────────────────────────────────────────────────

  /** Sets the asset's full-text document id (migration 0009; library/search.ts numbers the documents). */
  setDocId(id: string, docId: number | null): void {
    this.st.get('UPDATE assets SET doc_id = ? WHERE id = ?').run(docId, id);
  }

  /** As {@link AssetsRepository.setDocId}, by the asset's rowid (the index rebuild walks rowids). */
  setDocIdAtRowid(rowid: number, docId: number | null): void {
    this.st.get('UPDATE assets SET doc_id = ? WHERE rowid = ?').run(docId, rowid);
  }
}
