/**
 * 0010: a resubmit under a key that may have been used sends exactly the body first sent (issue 9, item 1).
 *
 * `jobs.request_body`: the exact JSON body of the job's submit (Apiframe `POST /v2/images/generate`), journalled in
 * the same transaction that moves the job to `submitting` right before the POST, and resent verbatim by every
 * later attempt under the same `Idempotency-Key` — Apiframe returns the original job for the same key and body
 * within 24 h and answers 409 to a changed body (https://docs-v2.apiframe.ai/docs/images). Null until the first
 * POST and again after a retry that takes a fresh key.
 *
 * `jobs.posted_at`: epoch ms of the first time a submit was about to go on the wire under the current key (every
 * provider); null means the provider never saw this attempt, so it cannot have been charged for it. Rows from
 * before this migration that ever started a submit (`attempts > 0`) are taken as sent, at their last known time.
 *
 * `jobs.prior_credits`, `jobs.prior_usd`: what earlier attempts of the job cost (credits, USD) before a confirmed
 * retry submitted it anew in place, so spend keeps every charge; null where none did.
 */
export const up = /* sql */ `
ALTER TABLE jobs ADD COLUMN request_body TEXT;
ALTER TABLE jobs ADD COLUMN posted_at INTEGER;
ALTER TABLE jobs ADD COLUMN prior_credits INTEGER;
ALTER TABLE jobs ADD COLUMN prior_usd REAL;
UPDATE jobs SET posted_at = coalesce(submitted_at, updated_at) WHERE attempts > 0;
`;
