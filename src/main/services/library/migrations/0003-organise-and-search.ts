/**
 * 0003: organise and find (issue 6).
 *
 * - `assets.title`, `note`, `rating` (0–5), `flag` (-1 reject, 0 none, 1 pick), `deleted_at` (in the trash since,
 *   epoch ms; null when live).
 * - Denormalised from the asset's job so that filters and sorts at 100k+ images need no join: `provider`,
 *   `model`, `cost_usd` (the job's USD charge divided by its expected image count; null when unknown), `has_refs`
 *   (the job had reference images) and `sort_name` (the title, else the first 200 characters of the prompt).
 *   Kept current by the triggers below, so rows written by any service (jobs, imports, edits) are covered.
 * - `tags` (display `name`, unique `key` = NFKC + lower case; `fold` = key with Latin accents removed, for
 *   autocomplete) and `asset_tags`.
 * - `collections` (a manual set of asset references, or a smart one when `query` holds a saved search as JSON) and
 *   `collection_items`.
 * - Full-text search: `search_fts` (FTS5, `unicode61 remove_diacritics 2`, prefix indexes 1–3) over a document
 *   built in TypeScript (src/main/services/library/search-text.ts: CJK runs as unigrams + bigrams), keyed by
 *   `search_docs.doc_id`. Triggers only queue asset ids in `search_dirty`; the search service indexes them before
 *   each query, so an asset inserted by any code path is found without that code knowing about search.
 * - Partial indexes over live assets (`deleted_at IS NULL`) for each sort, per folder and library-wide, and one
 *   covering every filter column (totals are counted from it without reading the table).
 */
export const up = /* sql */ `
ALTER TABLE assets ADD COLUMN title TEXT;
ALTER TABLE assets ADD COLUMN note TEXT;
ALTER TABLE assets ADD COLUMN rating INTEGER NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5);
ALTER TABLE assets ADD COLUMN flag INTEGER NOT NULL DEFAULT 0 CHECK (flag IN (-1, 0, 1));
ALTER TABLE assets ADD COLUMN deleted_at INTEGER;
ALTER TABLE assets ADD COLUMN provider TEXT;
ALTER TABLE assets ADD COLUMN model TEXT;
ALTER TABLE assets ADD COLUMN cost_usd REAL;
ALTER TABLE assets ADD COLUMN has_refs INTEGER NOT NULL DEFAULT 0;
ALTER TABLE assets ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';

UPDATE assets SET
  provider = (SELECT j.provider FROM jobs j WHERE j.id = assets.job_id),
  model = (SELECT j.model FROM jobs j WHERE j.id = assets.job_id),
  cost_usd = (SELECT j.cost_usd / max(j.expected_count, 1) FROM jobs j WHERE j.id = assets.job_id),
  has_refs = EXISTS (SELECT 1 FROM job_references r WHERE r.job_id = assets.job_id),
  sort_name = coalesce((SELECT substr(j.prompt, 1, 200) FROM jobs j WHERE j.id = assets.job_id), '')
WHERE job_id IS NOT NULL;

CREATE TRIGGER assets_fill_from_job AFTER INSERT ON assets WHEN new.job_id IS NOT NULL BEGIN
  UPDATE assets SET
    provider = (SELECT j.provider FROM jobs j WHERE j.id = new.job_id),
    model = (SELECT j.model FROM jobs j WHERE j.id = new.job_id),
    cost_usd = (SELECT j.cost_usd / max(j.expected_count, 1) FROM jobs j WHERE j.id = new.job_id),
    has_refs = EXISTS (SELECT 1 FROM job_references r WHERE r.job_id = new.job_id),
    sort_name = coalesce(new.title, (SELECT substr(j.prompt, 1, 200) FROM jobs j WHERE j.id = new.job_id), '')
  WHERE id = new.id;
END;
CREATE TRIGGER assets_name_from_title AFTER UPDATE OF title ON assets BEGIN
  UPDATE assets SET
    sort_name = coalesce(new.title, (SELECT substr(j.prompt, 1, 200) FROM jobs j WHERE j.id = new.job_id), '')
  WHERE id = new.id;
END;
CREATE TRIGGER jobs_cost_to_assets AFTER UPDATE OF cost_usd, expected_count ON jobs BEGIN
  UPDATE assets SET cost_usd = new.cost_usd / max(new.expected_count, 1) WHERE job_id = new.id;
END;

CREATE TABLE tags (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
  key TEXT NOT NULL UNIQUE,
  fold TEXT NOT NULL
) STRICT;
CREATE INDEX tags_by_fold ON tags(fold);

CREATE TABLE asset_tags (
  asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
  tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
  PRIMARY KEY (asset_id, tag_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX asset_tags_by_tag ON asset_tags(tag_id, asset_id);

CREATE TABLE collections (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  query TEXT,
  position REAL NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE collection_items (
  collection_id TEXT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
  added_at INTEGER NOT NULL,
  PRIMARY KEY (collection_id, asset_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX collection_items_by_asset ON collection_items(asset_id);

CREATE TABLE search_docs (
  doc_id INTEGER PRIMARY KEY,
  asset_id TEXT NOT NULL UNIQUE
) STRICT;
CREATE TABLE search_dirty (asset_id TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
CREATE VIRTUAL TABLE search_fts USING fts5(body, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');

INSERT INTO search_dirty (asset_id) SELECT id FROM assets;
CREATE TRIGGER assets_search_insert AFTER INSERT ON assets BEGIN
  INSERT OR IGNORE INTO search_dirty (asset_id) VALUES (new.id);
END;
CREATE TRIGGER assets_search_update AFTER UPDATE OF title, note ON assets BEGIN
  INSERT OR IGNORE INTO search_dirty (asset_id) VALUES (new.id);
END;
CREATE TRIGGER assets_search_delete AFTER DELETE ON assets BEGIN
  INSERT OR IGNORE INTO search_dirty (asset_id) VALUES (old.id);
END;
CREATE TRIGGER asset_tags_search_insert AFTER INSERT ON asset_tags BEGIN
  INSERT OR IGNORE INTO search_dirty (asset_id) VALUES (new.asset_id);
END;
CREATE TRIGGER asset_tags_search_delete AFTER DELETE ON asset_tags BEGIN
  INSERT OR IGNORE INTO search_dirty (asset_id) VALUES (old.asset_id);
END;

CREATE INDEX assets_live_by_folder_created ON assets(folder_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX assets_live_by_folder_rating ON assets(folder_id, rating, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX assets_live_by_folder_cost ON assets(folder_id, ifnull(cost_usd, -1), created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX assets_live_by_folder_name ON assets(folder_id, sort_name, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX assets_live_by_created ON assets(created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX assets_live_by_rating ON assets(rating, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX assets_live_by_cost ON assets(ifnull(cost_usd, -1), created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX assets_live_by_name ON assets(sort_name, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX assets_trash_by_deleted ON assets(deleted_at) WHERE deleted_at IS NOT NULL;
-- Covers every filter column: a total under any mix of filters is counted from this index alone.
CREATE INDEX assets_live_filter ON assets(folder_id, flag, rating, kind, provider, model, has_refs, cost_usd, created_at)
  WHERE deleted_at IS NULL;
`;
