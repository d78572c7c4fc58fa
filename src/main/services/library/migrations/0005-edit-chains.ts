/**
 * 0005: edit chains (issue 4). Lineage lives in SQLite so it survives a restart, and export/re-import (the export
 * engine reads it through `lineageOf`, src/main/services/chains/lineage.ts).
 *
 * - `versions`: one node per version of an image. A chain's root is the image first edited (generated or
 *   imported); every other node is an edit step (or a composite) made from its parent node. A node keeps its own
 *   bytes (`blob_id`) and the step's inputs as blob ids, so deleting an asset only clears `asset_id` (the node
 *   stays as a "deleted version") and never orphans its children. `parent_blob_id` is the exact parent bytes the
 *   step used. `method` says how the step was made: `root`, `images_edit` (OpenAI `/images/edits`),
 *   `responses_previous_response_id` (reserved, OpenAI Responses API), `input_url` (the parent's provider URL reused
 *   as an input image), `input_upload` (the parent uploaded as a reference), `sandbox_reference`, `composite`
 *   (the original kept outside the mask).
 * - `chains`: one row per chain, with the version the user marked as chosen.
 * - `chain_steps`: an edit job waiting for its outputs: which node it continues and how, so each output becomes a
 *   node when the engine stores it (idempotent on the asset).
 * - `jobs.mask_blob_id`: the PNG mask sent with an edit (OpenAI: alpha 0 where to edit, same size as the image).
 */
export const up = /* sql */ `
CREATE TABLE chains (
  id TEXT PRIMARY KEY,
  chosen_version_id TEXT,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE versions (
  id TEXT PRIMARY KEY,
  chain_id TEXT NOT NULL REFERENCES chains(id) ON DELETE CASCADE,
  parent_id TEXT REFERENCES versions(id),
  asset_id TEXT UNIQUE REFERENCES assets(id) ON DELETE SET NULL,
  blob_id TEXT NOT NULL REFERENCES blobs(id),
  parent_blob_id TEXT REFERENCES blobs(id),
  job_id TEXT REFERENCES jobs(id) ON DELETE SET NULL,
  method TEXT NOT NULL CHECK (method IN ('root','images_edit','responses_previous_response_id','input_url',
    'input_upload','sandbox_reference','composite')),
  provider TEXT,
  model TEXT,
  prompt TEXT,
  params TEXT NOT NULL DEFAULT '{}',
  inputs TEXT NOT NULL DEFAULT '[]',
  mask_blob_id TEXT REFERENCES blobs(id),
  replay_of TEXT REFERENCES versions(id),
  created_at INTEGER NOT NULL,
  CHECK ((method = 'root') = (parent_id IS NULL))
) STRICT;
CREATE INDEX versions_by_chain_created ON versions(chain_id, created_at);
CREATE INDEX versions_by_parent ON versions(parent_id);

CREATE TABLE chain_steps (
  job_id TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
  parent_version_id TEXT NOT NULL REFERENCES versions(id),
  method TEXT NOT NULL,
  inputs TEXT NOT NULL,
  mask_blob_id TEXT REFERENCES blobs(id),
  replay_of TEXT REFERENCES versions(id)
) STRICT;

ALTER TABLE jobs ADD COLUMN mask_blob_id TEXT REFERENCES blobs(id);
`;
