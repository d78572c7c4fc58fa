/**
 * 0013: the durations of completed jobs, so polling can learn how long each provider, model and quality takes
 * (src/main/services/jobs/durations.ts, polling.ts). `duration_ms` runs from the submit to the provider's completion;
 * `source` says how it was measured (`provider` timestamps, or `polls`). `job_id` is not a foreign key: a duration
 * still counts after its job is deleted.
 */
export const up = /* sql */ `
CREATE TABLE job_durations (
  id INTEGER PRIMARY KEY,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  quality TEXT NOT NULL DEFAULT '',
  duration_ms INTEGER NOT NULL CHECK (duration_ms > 0),
  source TEXT NOT NULL CHECK (source IN ('provider', 'polls')),
  job_id TEXT NOT NULL UNIQUE,
  recorded_at INTEGER NOT NULL
);
CREATE INDEX job_durations_key ON job_durations(provider, model, quality, id);
`;
