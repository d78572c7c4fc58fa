/**
 * Assets: the images in the library's folders. An asset points at a blob (its bytes) and, when a job made it, at
 * that job, which holds its recipe (provider, model, prompt, parameters, reference images).
 *
 * The gallery pages with a keyset on (created_at DESC, id DESC), served by the index `assets_by_folder_created`,
 * so a page costs the same at image 100 000 as at image 1, and rows added meanwhile never shift a page.
 */
import { randomUUID } from 'node:crypto';
import { MODEL_IDS, PROVIDER_IDS, type ModelId, type ProviderId } from '@shared/capabilities';
import type { AssetDetail, AssetSummary, ForeignRecipe, Recipe } from '@shared/domain';
import { AppError } from '@shared/errors';
import { evolinkDerivedUsd } from '@shared/providers/evolink';
import { AssetsRepository, type AssetSummaryRow } from '../repositories/assets';
import { BlobsRepository } from '../repositories/blobs';
import { FoldersRepository } from '../repositories/folders';
import type { Db } from './db';

/** Largest page {@link AssetService.list} returns. */
export const MAX_PAGE_SIZE = 1000;
/** Page size when none is given. */
export const DEFAULT_PAGE_SIZE = 200;

/** One page of a folder's assets, newest first. `total` counts every asset in the folder. */
export interface AssetPage {
  items: AssetSummary[];
  /** Opaque; pass it back to get the next page. Null on the last page. */
  nextCursor: string | null;
  total: number;
}

/** Construction options of {@link AssetService}. */
export interface AssetServiceOptions {
  /** Clock for `assets.created_at`, epoch ms. Defaults to `Date.now`. */
  now?: () => number;
}

/** A job's stored usage JSON, or null when absent or unreadable. */
function usageOf(text: string | null): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : null;
  } catch {
    return null;
  }
}

/** Lists, reads and creates assets. All methods are synchronous (better-sqlite3). */
export class AssetService {
  private readonly db: Db;
  private readonly assets: AssetsRepository;
  private readonly folders: FoldersRepository;
  private readonly blobs: BlobsRepository;
  private readonly now: () => number;

  /** @param db the library database (already migrated) */
  constructor(db: Db, opts: AssetServiceOptions = {}) {
    this.db = db;
    this.assets = AssetsRepository.of(db);
    this.folders = FoldersRepository.of(db);
    this.blobs = BlobsRepository.of(db);
    this.now = opts.now ?? Date.now;
  }

  /**
   * One page of a folder's assets (only those directly in it, not in the trash), newest first; ties on `createdAt` broken by id,
   * descending. Each asset appears exactly once across the pages of one walk.
   * @param q.limit page size, 1–{@link MAX_PAGE_SIZE} (default {@link DEFAULT_PAGE_SIZE})
   * @param q.cursor `nextCursor` of the previous page, or null/absent for the first
   * @throws AppError `not_found` for an unknown folder; `validation` (`field` `limit` or `cursor`) for a bad
   *   limit or a cursor this service did not make
   */
  list(q: { folderId: string; limit?: number; cursor?: string | null }): AssetPage {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw new AppError('validation', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`, {
        params: { field: 'limit', reason: 'out_of_range' },
      });
    }
    const after = q.cursor ? decodeCursor(q.cursor) : null;
    return this.db.transaction(() => {
      if (!this.folders.isLive(q.folderId)) {
        throw new AppError('not_found', `no folder with id ${q.folderId}`, { params: { id: q.folderId } });
      }
      const total = this.assets.countLiveInFolder(q.folderId);
      const rows = this.assets.liveInFolderPage(q.folderId, after, limit + 1);
      const more = rows.length > limit;
      const page = more ? rows.slice(0, limit) : rows;
      const last = page.at(-1);
      return {
        items: page.map(toSummary),
        nextCursor: more && last ? encodeCursor(last.created_at, last.id) : null,
        total,
      };
    })();
  }

  /**
   * One asset with its recipe: the job's provider, model, prompt, parameters and reference images (in order),
   * remote id, credits, and `durationMs` = asset created − job created (ms). `recipe` is null for an imported
   * image, or when the job that made it is gone.
   * @throws AppError `not_found` for an unknown id
   */
  get(id: string): AssetDetail {
    const row = this.assets.summary(id);
    if (!row) throw new AppError('not_found', `no asset with id ${id}`, { params: { id } });
    return { ...toSummary(row), recipe: row.job_id ? this.recipe(row.job_id, row) : null, foreignRecipe: this.foreignRecipe(id) };
  }

  /**
   * The recipe an imported image's file carried (migration 0014), or null: none, or an Atelier export of a photo
   * (nothing made it but a camera).
   */
  private foreignRecipe(id: string): ForeignRecipe | null {
    const r = this.assets.foreignRecipe(id);
    if (!r || (r.tool === 'atelier' && r.prompt === null && r.model === null)) return null;
    return {
      tool: r.tool,
      toolVersion: r.tool_version,
      prompt: r.prompt,
      negativePrompt: r.negative_prompt,
      model: r.model,
      seed: r.seed,
      steps: r.steps,
      cfg: r.cfg,
      sampler: r.sampler,
      width: r.width,
      height: r.height,
    };
  }

  /**
   * Records output number `outputIndex` of a job as an asset. Idempotent on (jobId, outputIndex): a repeated
   * call (a resumed download after a crash) returns the existing asset with `created: false`, whatever its other
   * arguments.
   * @param input.outputIndex 0-based position among the job's outputs
   * @returns the asset id and whether this call created it
   * @throws AppError `not_found` for an unknown job, folder or blob; `validation` (`field: 'outputIndex'`) for a
   *   negative or fractional index
   */
  createForJobOutput(input: {
    jobId: string;
    folderId: string;
    blobId: string;
    outputIndex: number;
    kind: 'generated' | 'edited';
  }): { assetId: string; created: boolean } {
    const { jobId, folderId, blobId, outputIndex, kind } = input;
    if (!Number.isInteger(outputIndex) || outputIndex < 0) {
      throw new AppError('validation', 'outputIndex must be a non-negative integer', {
        params: { field: 'outputIndex', reason: 'out_of_range' },
      });
    }
    return this.db.transaction(() => {
      const existing = this.assets.idForJobOutput(jobId, outputIndex);
      if (existing) return { assetId: existing, created: false };
      this.requireRow('jobs', 'job', jobId);
      this.requireRow('folders', 'folder', folderId);
      this.requireRow('blobs', 'image', blobId);
      const assetId = randomUUID();
      this.assets.insert({ id: assetId, folderId, blobId, kind, jobId, outputIndex, createdAt: this.now() });
      return { assetId, created: true };
    })();
  }

  /**
   * Records an imported image (no job, no recipe) in a folder. Not idempotent: importing the same file twice
   * gives two assets sharing one blob.
   * @throws AppError `not_found` for an unknown folder or blob
   */
  createImported(input: { folderId: string; blobId: string }): { assetId: string } {
    return this.db.transaction(() => {
      this.requireRow('folders', 'folder', input.folderId);
      this.requireRow('blobs', 'image', input.blobId);
      const assetId = randomUUID();
      this.assets.insert({ id: assetId, folderId: input.folderId, blobId: input.blobId, kind: 'imported', jobId: null, outputIndex: null, createdAt: this.now() });
      return { assetId };
    })();
  }

  /**
   * Ids of the assets a job produced, in output order.
   * @throws AppError `not_found` for an unknown job
   */
  assetIdsForJob(jobId: string): string[] {
    this.requireRow('jobs', 'job', jobId);
    return this.assets.idsForJob(jobId);
  }

  // -------------------------------------------------------------------------------------------------------------

  private recipe(jobId: string, asset: AssetSummaryRow): Recipe | null {
    const job = this.assets.recipeJob(jobId);
    if (!job) return null;
    const references = this.assets.recipeReferences(jobId);
    return {
      jobId: job.id,
      // The job service only writes known ids; a row from a provider since removed still shows its recipe.
      provider: job.provider as ProviderId,
      model: job.model as ModelId,
      prompt: job.prompt,
      params: parseParams(job.params),
      references: references.map((r) => ({
        id: r.id,
        mime: r.mime,
        width: r.width,
        height: r.height,
        bytes: r.bytes,
        name: r.name,
      })),
      remoteJobId: job.remote_id,
      credits: job.credits,
      costUsd: job.cost_usd,
      costUsdDerived: evolinkDerivedUsd(job.provider, usageOf(job.usage)),
      creditsEstimate: job.credits_estimate,
      usdEstimate: job.usd_estimate,
      durationMs: asset.created_at - job.created_at,
      outputIndex: asset.output_index ?? 0,
    };
  }

  private requireRow(table: 'jobs' | 'folders' | 'blobs', what: string, id: string): void {
    const found =
      table === 'jobs' ? this.assets.jobExists(id) : table === 'folders' ? this.folders.hasRow(id) : this.blobs.get(id) !== undefined;
    if (!found) {
      throw new AppError('not_found', `no ${what} with id ${id}`, { params: { id } });
    }
  }
}

function toSummary(row: AssetSummaryRow): AssetSummary {
  return {
    id: row.id,
    folderId: row.folder_id,
    kind: row.kind,
    blob: { id: row.blob_id, mime: row.mime, width: row.width, height: row.height, bytes: row.bytes },
    // Unknown ids (a provider or model this version no longer knows) show as null rather than break the gallery.
    provider: (PROVIDER_IDS as readonly string[]).includes(row.provider ?? '') ? (row.provider as ProviderId) : null,
    model: (MODEL_IDS as readonly string[]).includes(row.model ?? '') ? (row.model as ModelId) : null,
    prompt: row.prompt,
    createdAt: row.created_at,
    originalName: row.original_name,
  };
}

function parseParams(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Cursor: base64url of `[createdAt, id]` of the last row of the page. */
function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') {
      return { createdAt: value[0] as number, id: value[1] };
    }
  } catch {
    // fall through
  }
  throw new AppError('validation', 'the page cursor is not valid', { params: { field: 'cursor', reason: 'invalid' } });
}
