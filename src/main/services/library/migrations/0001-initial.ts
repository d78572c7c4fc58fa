/**
 * 0001: folders (projects are folders without a parent), the content-addressed blob table, jobs (the durable
 * journal), the job's reference images, assets, and key/value settings. STRICT tables; indexes named
 * `<table>_by_<cols>`.
 */
export const up = /* sql */ `
CREATE TABLE folders (
  id TEXT PRIMARY KEY,
  parent_id TEXT REFERENCES folders(id) ON DELETE CASCADE,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  position REAL NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX folders_by_parent_position ON folders(parent_id, position);

CREATE TABLE blobs (
  id TEXT PRIMARY KEY CHECK (length(id) = 64),
  ext TEXT NOT NULL CHECK (ext IN ('png', 'jpg', 'webp')),
  mime TEXT NOT NULL CHECK (mime IN ('image/png', 'image/jpeg', 'image/webp')),
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  folder_id TEXT NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  prompt TEXT NOT NULL,
  params TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued','submitting','running','downloading','completed','failed','canceled','expired')),
  progress INTEGER,
  idempotency_key TEXT NOT NULL UNIQUE,
  remote_id TEXT,
  uploads TEXT,
  outputs TEXT,
  expected_count INTEGER NOT NULL,
  credits REAL,
  error TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  created_at INTEGER NOT NULL,
  submitted_at INTEGER,
  completed_at INTEGER,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX jobs_by_state ON jobs(state);
CREATE INDEX jobs_by_folder_created ON jobs(folder_id, created_at);

CREATE TABLE job_references (
  job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  blob_id TEXT NOT NULL REFERENCES blobs(id),
  name TEXT NOT NULL,
  PRIMARY KEY (job_id, position)
) STRICT;

CREATE TABLE assets (
  id TEXT PRIMARY KEY,
  folder_id TEXT NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
  blob_id TEXT NOT NULL REFERENCES blobs(id),
  kind TEXT NOT NULL CHECK (kind IN ('generated','edited','imported')),
  job_id TEXT REFERENCES jobs(id) ON DELETE SET NULL,
  output_index INTEGER,
  created_at INTEGER NOT NULL,
  UNIQUE (job_id, output_index)
) STRICT;
CREATE INDEX assets_by_folder_created ON assets(folder_id, created_at DESC, id DESC);
CREATE INDEX assets_by_blob ON assets(blob_id);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
`;
