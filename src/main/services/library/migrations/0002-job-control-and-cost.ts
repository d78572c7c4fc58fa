/**
 * 0002: what the queue controls and the cost view need on a job.
 * - `cancel_requested`: the user canceled a job the provider cannot cancel; it keeps being watched and a result
 *   that still arrives is kept (it was paid for).
 * - `cost_usd`: the actual charge in USD where the provider reports usage we can price (EvoLink, OpenAI).
 * - `usage`: the provider's own usage object (tokens), JSON, as reported.
 * - `credits_estimate` / `usd_estimate`: the estimate shown before submit, kept to compare with the charge.
 */
export const up = /* sql */ `
ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN cost_usd REAL;
ALTER TABLE jobs ADD COLUMN usage TEXT;
ALTER TABLE jobs ADD COLUMN credits_estimate REAL;
ALTER TABLE jobs ADD COLUMN usd_estimate REAL;
CREATE INDEX jobs_by_completed ON jobs(completed_at);
`;
