/**
 * The spend view: what finished jobs cost, grouped by project, provider, model or day (UTC). Charges come from
 * the providers (Apiframe `creditCost`, priced usage for EvoLink and OpenAI); a job whose charge is not known is
 * counted apart, at its estimate, so an estimate is never shown as a charge.
 */
import type { Db } from '../library/db';
import type { SpendRow } from '@shared/domain';

export type SpendGroup = 'project' | 'provider' | 'model' | 'day';

const KEY: Record<SpendGroup, string> = {
  project: 'anc.root',
  provider: 'j.provider',
  model: 'j.model',
  // A job retried in place has no completed_at while its new attempt runs; its earlier charge dates from then.
  day: "strftime('%Y-%m-%d', coalesce(j.completed_at, j.updated_at) / 1000, 'unixepoch')",
};

/**
 * Sums completed jobs in [from, to] (epoch ms on `completed_at`, nulls for open bounds), grouped, and every other
 * finished job (failed, expired, canceled) that carries an actual charge: a job whose results expired before they
 * were fetched was still paid for (Apiframe `creditCost` on an `expired` job). Those count as charges only, never
 * at an estimate; so do earlier attempts of a job retried in place (`prior_credits`, `prior_usd`), even while its
 * new attempt runs. Sandbox jobs are free and counted with zero cost.
 */
export function spendSummary(db: Db, groupBy: SpendGroup, from: number | null, to: number | null): SpendRow[] {
  const rows = db
    .prepare(
      `WITH RECURSIVE anc(id, root) AS (
         SELECT id, id FROM folders WHERE parent_id IS NULL
         UNION ALL SELECT f.id, anc.root FROM folders f JOIN anc ON f.parent_id = anc.id
       )
       SELECT ${KEY[groupBy]} AS key,
              count(*) AS jobs,
              coalesce(sum((SELECT count(*) FROM assets a WHERE a.job_id = j.id)), 0) AS images,
              coalesce(sum(coalesce(j.credits, 0) + coalesce(j.prior_credits, 0)), 0) AS credits,
              coalesce(sum(coalesce(j.cost_usd, 0) + coalesce(j.prior_usd, 0)), 0) AS usd,
              sum(CASE WHEN j.state = 'completed' AND j.provider <> 'sandbox' AND j.credits IS NULL AND j.cost_usd IS NULL THEN 1 ELSE 0 END) AS unpricedJobs,
              coalesce(sum(CASE WHEN j.state = 'completed' AND j.credits IS NULL AND j.cost_usd IS NULL THEN j.credits_estimate END), 0) AS creditsEstimated,
              coalesce(sum(CASE WHEN j.state = 'completed' AND j.credits IS NULL AND j.cost_usd IS NULL THEN j.usd_estimate END), 0) AS usdEstimated
       FROM jobs j JOIN anc ON anc.id = j.folder_id
       WHERE (j.state = 'completed'
              OR (j.state NOT IN ('queued', 'submitting', 'running', 'downloading') AND (coalesce(j.credits, 0) > 0 OR coalesce(j.cost_usd, 0) > 0))
              OR coalesce(j.prior_credits, 0) > 0 OR coalesce(j.prior_usd, 0) > 0)
         AND (? IS NULL OR coalesce(j.completed_at, j.updated_at) >= ?) AND (? IS NULL OR coalesce(j.completed_at, j.updated_at) <= ?)
       GROUP BY key ORDER BY key`,
    )
    .all(from, from, to, to) as Omit<SpendRow, 'label'>[];
  const names =
    groupBy === 'project'
      ? new Map(
          (db.prepare('SELECT id, name FROM folders WHERE parent_id IS NULL').all() as { id: string; name: string }[]).map(
            (r) => [r.id, r.name],
          ),
        )
      : null;
  return rows.map((r) => ({ ...r, label: names?.get(r.key) ?? r.key }));
}
