/**
 * The spend view: what finished jobs cost, grouped by project, provider, model or day (UTC). Charges come from
 * the providers (Apiframe `creditCost`, priced usage for EvoLink and OpenAI); a job whose charge is not known is
 * counted apart, at its estimate, so an estimate is never shown as a charge. An EvoLink job, whose charge EvoLink
 * reports in its own credits (`usage.credits_reserved`), counts at the USD derived from them (68 credits per $1,
 * https://evolink.ai/gpt-image-2) in `usdDerived`, apart from both.
 */
import type { Db } from '../library/db';
import type { SpendRow } from '@shared/domain';
import { EVOLINK_CREDITS_PER_USD } from '@shared/providers/evolink';
import { JobsRepository, type SpendGroup } from '../repositories/jobs';

export type { SpendGroup };

/**
 * Sums completed jobs in [from, to] (epoch ms on `completed_at`, nulls for open bounds), grouped, and every other
 * finished job (failed, expired, canceled) that carries an actual charge: a job whose results expired before they
 * were fetched was still paid for (Apiframe `creditCost` on an `expired` job). Those count as charges only, never
 * at an estimate; so do earlier attempts of a job retried in place (`prior_credits`, `prior_usd`), even while its
 * new attempt runs. Sandbox jobs are free and counted with zero cost.
 */
export function spendSummary(db: Db, groupBy: SpendGroup, from: number | null, to: number | null): SpendRow[] {
  const repo = JobsRepository.of(db);
  const rows = repo.spend(groupBy, from, to, EVOLINK_CREDITS_PER_USD);
  const names = groupBy === 'project' ? repo.projectNames() : null;
  return rows.map((r) => ({ ...r, label: names?.get(r.key) ?? r.key }));
}
