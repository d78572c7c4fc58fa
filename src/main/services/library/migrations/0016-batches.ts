/**
 * 0016: batches from a template (issue 13). A batch is one prompt template with a table of values (and inline
 * alternatives) expanded to one job per prompt; each row is an ordinary journalled job, so the journal's guarantees
 * hold per row.
 * - `batches`: what was submitted (template, the table's text, the model and its parameters), the value names of
 *   every row in order (`columns`, JSON array), and whether its queued rows are held (`paused`).
 * - `batch_rows`: one per expanded prompt, in order (`position`, 0-based), the table's 1-based data row it came from
 *   (`table_row`, 0 without a table), its job, and its values (`vars`, a JSON object: column → value, and `1`, `2`…
 *   for the alternatives chosen). The values are part of the images' search text and the `{var:name}` export tokens.
 * The batch, its rows and their jobs are written in one transaction.
 */
export const up = /* sql */ `
CREATE TABLE batches (
  id TEXT PRIMARY KEY,
  folder_id TEXT NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  template TEXT NOT NULL,
  table_text TEXT NOT NULL,
  columns TEXT NOT NULL,
  params TEXT NOT NULL,
  paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX batches_by_folder_created ON batches(folder_id, created_at);
CREATE INDEX batches_by_created ON batches(created_at);

CREATE TABLE batch_rows (
  batch_id TEXT NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
  position INTEGER NOT NULL CHECK (position >= 0),
  table_row INTEGER NOT NULL CHECK (table_row >= 0),
  job_id TEXT NOT NULL UNIQUE REFERENCES jobs(id) ON DELETE CASCADE,
  vars TEXT NOT NULL,
  PRIMARY KEY (batch_id, position)
) STRICT, WITHOUT ROWID;
`;
