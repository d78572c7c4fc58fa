/**
 * 0014: recipes that came in with imported images (issue 10, "other tools' archives come in with their prompts").
 *
 * `foreign_recipes`: at most one per asset, what the import read from the file (src/main/services/transfer/
 * foreign.ts): the tool (`a1111`, `comfyui`, `invokeai`, `novelai`, `fooocus`, `swarmui`, `atelier`), its version
 * where the file names it, prompt, negative prompt, model, seed (text: ComfyUI seeds pass 2^53), steps, cfg,
 * sampler, size in px, and `raw` (JSON: the source texts as found). For an image exported by Atelier,
 * `source_asset_id` is its id in the library it came from and `parent_source_id` its parent's there, kept until
 * the parent is in this library too and the lineage has been rebuilt (then null).
 *
 * The prompt, negative prompt and model are part of the asset's full-text document: the triggers queue the asset
 * for re-indexing as the search triggers of 0003 do.
 */
export const up = /* sql */ `
CREATE TABLE foreign_recipes (
  asset_id TEXT PRIMARY KEY REFERENCES assets(id) ON DELETE CASCADE,
  tool TEXT NOT NULL CHECK (tool IN ('a1111', 'comfyui', 'invokeai', 'novelai', 'fooocus', 'swarmui', 'atelier')),
  tool_version TEXT,
  prompt TEXT,
  negative_prompt TEXT,
  model TEXT,
  seed TEXT,
  steps REAL,
  cfg REAL,
  sampler TEXT,
  width INTEGER,
  height INTEGER,
  raw TEXT NOT NULL DEFAULT '{}',
  source_asset_id TEXT,
  parent_source_id TEXT,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX foreign_recipes_by_source ON foreign_recipes(source_asset_id) WHERE source_asset_id IS NOT NULL;
CREATE INDEX foreign_recipes_waiting_parent ON foreign_recipes(parent_source_id) WHERE parent_source_id IS NOT NULL;

CREATE TRIGGER foreign_recipes_search_insert AFTER INSERT ON foreign_recipes BEGIN
  INSERT OR IGNORE INTO search_dirty (asset_id) VALUES (new.asset_id);
END;
CREATE TRIGGER foreign_recipes_search_update AFTER UPDATE OF prompt, negative_prompt, model ON foreign_recipes BEGIN
  INSERT OR IGNORE INTO search_dirty (asset_id) VALUES (new.asset_id);
END;
CREATE TRIGGER foreign_recipes_search_delete AFTER DELETE ON foreign_recipes BEGIN
  INSERT OR IGNORE INTO search_dirty (asset_id) VALUES (old.asset_id);
END;
`;
