/**
 * 0018: budgets and reference kits (issue 13).
 * - `budgets`: at most one per project (a top-level folder): a cap in Apiframe credits (`credits`) and/or US dollars
 *   (`usd`), at least one of them, over each calendar month in UTC (`period` `month`) or over all time (`total`).
 *   Submits and batches that would pass it are refused unless the user overrides (services/budgets/service.ts).
 * - `reference_kits`: a named, reusable set of reference images (a character, a product, a logo).
 * - `reference_kit_items`: its images in order (`position`, 0-based): a stored blob and the name shown for it. A kit
 *   is "used" by the jobs whose references include every one of its blobs (a read join, so batch rows, edits and
 *   jobs made before the kit count too).
 */
export const up = /* sql */ `
CREATE TABLE budgets (
  folder_id TEXT PRIMARY KEY REFERENCES folders(id) ON DELETE CASCADE,
  credits REAL CHECK (credits IS NULL OR credits >= 0),
  usd REAL CHECK (usd IS NULL OR usd >= 0),
  period TEXT NOT NULL CHECK (period IN ('month', 'total')),
  updated_at INTEGER NOT NULL,
  CHECK (credits IS NOT NULL OR usd IS NOT NULL)
) STRICT;

CREATE TABLE reference_kits (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE reference_kit_items (
  kit_id TEXT NOT NULL REFERENCES reference_kits(id) ON DELETE CASCADE,
  position INTEGER NOT NULL CHECK (position >= 0),
  blob_id TEXT NOT NULL REFERENCES blobs(id),
  name TEXT NOT NULL,
  PRIMARY KEY (kit_id, position)
) STRICT, WITHOUT ROWID;
CREATE INDEX reference_kit_items_by_blob ON reference_kit_items(blob_id);
`;
