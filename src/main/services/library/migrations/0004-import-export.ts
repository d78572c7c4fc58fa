/**
 * 0004: import, export and library care.
 * - `blobs.dhash`: 64-bit difference hash of the image (16 lowercase hex digits), computed on import; two blobs
 *   whose hashes differ in few bits look alike (near-duplicates). Null for blobs stored before or by a job.
 * - `assets.original_name`: the file name an imported image came with (the `{original}` export token).
 * - `assets.stack_id`: near-duplicates stacked under one cover share it; the cover is the asset whose id equals
 *   its `stack_id`. Null for an image in no stack.
 * - `export_presets`: naming template, format, quality, long-edge resize and metadata level of an export; two
 *   presets to start from (original files untouched; JPEG with the full recipe).
 */
export const up = /* sql */ `
ALTER TABLE blobs ADD COLUMN dhash TEXT CHECK (dhash IS NULL OR length(dhash) = 16);
ALTER TABLE assets ADD COLUMN original_name TEXT;
ALTER TABLE assets ADD COLUMN stack_id TEXT;
CREATE INDEX assets_by_stack ON assets(stack_id) WHERE stack_id IS NOT NULL;

CREATE TABLE export_presets (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
  template TEXT NOT NULL CHECK (length(template) BETWEEN 1 AND 500),
  format TEXT NOT NULL CHECK (format IN ('original', 'png', 'jpeg', 'webp')),
  quality INTEGER NOT NULL CHECK (quality BETWEEN 1 AND 100),
  long_edge INTEGER CHECK (long_edge IS NULL OR long_edge BETWEEN 16 AND 16384),
  metadata TEXT NOT NULL CHECK (metadata IN ('full', 'prompt', 'none')),
  created_at INTEGER NOT NULL
) STRICT;
INSERT INTO export_presets (id, name, template, format, quality, long_edge, metadata, created_at) VALUES
  ('preset-originals', 'Original files', '{original}', 'original', 90, NULL, 'none', 0),
  ('preset-jpeg-recipe', 'JPEG with recipe', '{project}/{date} {index} {original}', 'jpeg', 90, NULL, 'full', 1);
`;
