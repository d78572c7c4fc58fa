/**
 * 0006: comparison sets (issue 5). A set holds 2–4 items: runs fanned out from one prompt (each item points at its
 * job, and at its first image once stored) or images picked in the gallery (each item points at its asset).
 * - `comparison_sets.seed`: the seed of the blind shuffle, so a reload shows the same order.
 * - `comparison_sets.blind`: labels hidden (and order shuffled) until a verdict is given.
 * - `comparison_items.provider` / `model`: copied when the item is made, so the stats survive a deleted job or
 *   image (null for an imported image, which has no model and takes no part in the stats).
 * - `comparison_verdicts`: one per set (a new verdict replaces it): the ranking as a JSON array of item ids, best
 *   first (one id when only a winner was picked); the candidates, the item ids that had an image when the verdict
 *   was given (a run that failed took no part); and whether it was given blind.
 */
export const up = /* sql */ `
CREATE TABLE comparison_sets (
  id TEXT PRIMARY KEY,
  folder_id TEXT NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('runs', 'picked')),
  prompt TEXT,
  seed INTEGER NOT NULL,
  blind INTEGER NOT NULL CHECK (blind IN (0, 1)),
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX comparison_sets_by_folder_created ON comparison_sets(folder_id, created_at);

CREATE TABLE comparison_items (
  id TEXT PRIMARY KEY,
  set_id TEXT NOT NULL REFERENCES comparison_sets(id) ON DELETE CASCADE,
  position INTEGER NOT NULL CHECK (position BETWEEN 0 AND 3),
  job_id TEXT REFERENCES jobs(id) ON DELETE SET NULL,
  asset_id TEXT REFERENCES assets(id) ON DELETE SET NULL,
  provider TEXT,
  model TEXT,
  UNIQUE (set_id, position)
) STRICT;
CREATE INDEX comparison_items_by_job ON comparison_items(job_id);
CREATE INDEX comparison_items_by_asset ON comparison_items(asset_id);

CREATE TABLE comparison_verdicts (
  set_id TEXT PRIMARY KEY REFERENCES comparison_sets(id) ON DELETE CASCADE,
  ranking TEXT NOT NULL,
  candidates TEXT NOT NULL,
  blind INTEGER NOT NULL CHECK (blind IN (0, 1)),
  created_at INTEGER NOT NULL
) STRICT;
`;
