/**
 * Recipes of imported images made by other tools (migration 0014): `foreign_recipes`, one row per asset, with the
 * fields Atelier reads (prompt, negative prompt, model, seed, steps, cfg, sampler, size px) and the source's texts as
 * JSON (`raw`). An image Atelier exported keeps its old asset id (`source_asset_id`) and its parent's
 * (`parent_source_id`, cleared once its lineage is rebuilt). Reads also join `assets` and `versions`.
 */
import type { ForeignRecipe } from '@shared/domain';
import type { Db } from '../library/db';
import { Statements } from './statements';

/** The tables this repository owns: only it writes them. */
export const OWNS = ['foreign_recipes'] as const;

/**
 * What an import stores of a foreign recipe: the fields read ({@link ForeignRecipe}), the source texts as JSON
 * (`raw`), the Atelier lineage ids, and `createdAt` (epoch ms).
 */
export interface NewForeignRecipe extends ForeignRecipe {
  assetId: string;
  raw: string;
  sourceAssetId: string | null;
  parentSourceId: string | null;
  createdAt: number;
}

/** An imported Atelier export still waiting for its parent (`raw` JSON text). */
export interface WaitingLineageRow {
  childId: string;
  parentSrc: string;
  model: string | null;
  prompt: string | null;
  childBlob: string;
  raw: string;
}

const repos = new WeakMap<Db, ForeignRecipesRepository>();

/** Foreign recipes and the lineage of imported Atelier exports. */
export class ForeignRecipesRepository {
  private readonly st: Statements;

  /** @param db the library database (migrated) */
  constructor(db: Db) {
    this.st = new Statements(db);
  }

  /** The repository of `db`, made on first use (its statements are prepared once per connection). */
  static of(db: Db): ForeignRecipesRepository {
    let r = repos.get(db);
    if (!r) repos.set(db, (r = new ForeignRecipesRepository(db)));
    return r;
  }

  /** Stores (or replaces) the asset's recipe. */
  put(r: NewForeignRecipe): void {
    this.st
      .get(
        `INSERT OR REPLACE INTO foreign_recipes (asset_id, tool, tool_version, prompt, negative_prompt, model, seed, steps, cfg, sampler,
           width, height, raw, source_asset_id, parent_source_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        r.assetId, r.tool, r.toolVersion, r.prompt, r.negativePrompt, r.model, r.seed, r.steps, r.cfg, r.sampler, r.width, r.height, r.raw,
        r.sourceAssetId, r.parentSourceId, r.createdAt,
      );
  }

  /** Imported images outside the trash whose parent (by its old asset id) has not been found yet. */
  waitingLineages(): WaitingLineageRow[] {
    return this.st
      .get(
        `SELECT fr.asset_id AS childId, fr.parent_source_id AS parentSrc, fr.model, fr.prompt, a.blob_id AS childBlob, fr.raw
           FROM foreign_recipes fr JOIN assets a ON a.id = fr.asset_id
          WHERE fr.parent_source_id IS NOT NULL AND a.deleted_at IS NULL`,
      )
      .all() as WaitingLineageRow[];
  }

  /**
   * The live image an export's old asset id now names: the one imported with that `source_asset_id`, or the asset
   * with that id itself (an export come back to the library it left), preferring the latter, then the oldest.
   */
  assetFromSource(sourceId: string): { id: string; blob: string } | null {
    return (
      (this.st
        .get(
          `SELECT a.id, a.blob_id AS blob FROM assets a LEFT JOIN foreign_recipes f ON f.asset_id = a.id
            WHERE (f.source_asset_id = ? OR a.id = ?) AND a.deleted_at IS NULL ORDER BY (a.id = ?) DESC, a.created_at LIMIT 1`,
        )
        .get(sourceId, sourceId, sourceId) as { id: string; blob: string } | undefined) ?? null
    );
  }

  /** The version of an image (its id and chain), or null where it is in no chain. */
  versionOf(assetId: string): { id: string; chain_id: string } | null {
    return (this.st.get('SELECT id, chain_id FROM versions WHERE asset_id = ?').get(assetId) as { id: string; chain_id: string } | undefined) ?? null;
  }

  /** Marks an image's lineage as rebuilt (it waits no more). */
  lineageDone(assetId: string): void {
    this.st.get('UPDATE foreign_recipes SET parent_source_id = NULL WHERE asset_id = ?').run(assetId);
  }

  /** The prompt, model and `raw` JSON of the asset's recipe, or null. */
  recipeOf(assetId: string): { prompt: string | null; model: string | null; raw: string } | null {
    return (
      (this.st.get('SELECT prompt, model, raw FROM foreign_recipes WHERE asset_id = ?').get(assetId) as
        | { prompt: string | null; model: string | null; raw: string }
        | undefined) ?? null
    );
  }
}
