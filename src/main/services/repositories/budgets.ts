/**
 * Budgets (migration 0018): `budgets`, one row per project with a cap. Reads join `folders` (a folder's project,
 * the projects' names), `jobs` (what a project spent) and `assets` (images kept, for the cost per kept image).
 *
 * What a job counts, in one place for the budget check and the cost per kept image:
 * - credits: its Apiframe charge (`credits`) plus an earlier attempt's (`prior_credits`); where it has no charge at
 *   all, its estimate (`credits_estimate`), as "estimated";
 * - USD: its priced charge (`cost_usd`), else for EvoLink the USD its `usage.credits_reserved` stands for at
 *   `@rate` credits per $1 (derived, https://evolink.ai/gpt-image-2), plus `prior_usd`; where it has no charge at
 *   all, its estimate (`usd_estimate`), as "estimated".
 */
import type { Db } from '../library/db';
import { Statements } from './statements';

/** The tables this repository owns: only it writes them. */
export const OWNS = ['budgets'] as const;

/** A `budgets` row as stored (caps in credits and USD, null where not capped; `updated_at` epoch ms). */
export interface BudgetRow {
  folder_id: string;
  credits: number | null;
  usd: number | null;
  period: 'month' | 'total';
  updated_at: number;
}

/** Sums of what a project's jobs count against its budget (see the module's note). */
export interface BudgetUseRow {
  credits: number;
  creditsEstimated: number;
  usd: number;
  usdDerived: number;
  usdEstimated: number;
}

/** One group of the cost per kept image: images made, kept, and what the jobs count. */
export interface KeptSumRow {
  key: string;
  images: number;
  kept: number;
  credits: number;
  usd: number;
  estimated: number;
}

/** What the cost per kept image is grouped by. */
export type KeptGroupBy = 'project' | 'provider' | 'model';

/** A job's derived USD: EvoLink's `credits_reserved` ÷ `@rate`, rounded to 1e-6 as evolinkDerivedUsd does. */
const DERIVED = `(CASE WHEN j.provider = 'evolink' AND j.cost_usd IS NULL
  THEN round(json_extract(j.usage, '$.credits_reserved') / @rate, 6) END)`;
/** True where a job has no charge of any kind, so its estimates count. */
const UNCHARGED = `(j.credits IS NULL AND j.cost_usd IS NULL AND ${DERIVED} IS NULL)`;

const ANC = `anc(id, root) AS (
  SELECT id, id FROM folders WHERE parent_id IS NULL
  UNION ALL SELECT f.id, anc.root FROM folders f JOIN anc ON f.parent_id = anc.id
)`;

const KEPT_KEY: Record<KeptGroupBy, string> = { project: 'anc.root', provider: 'j.provider', model: 'j.model' };

/** Budgets per project and the sums they are checked against. */
export class BudgetsRepository {
  private readonly st: Statements;

  constructor(db: Db) {
    this.st = new Statements(db);
  }

  /** The project's budget, or null. */
  get(projectId: string): BudgetRow | null {
    return (this.st.get('SELECT * FROM budgets WHERE folder_id = ?').get(projectId) as BudgetRow | undefined) ?? null;
  }

  /** Every budget. */
  list(): BudgetRow[] {
    return this.st.get('SELECT * FROM budgets').all() as BudgetRow[];
  }

  /** Sets a project's budget (at least one cap not null). */
  upsert(b: BudgetRow): void {
    this.st
      .get(
        `INSERT INTO budgets (folder_id, credits, usd, period, updated_at) VALUES (@folder_id, @credits, @usd, @period, @updated_at)
         ON CONFLICT (folder_id) DO UPDATE SET credits = excluded.credits, usd = excluded.usd, period = excluded.period,
           updated_at = excluded.updated_at`,
      )
      .run(b);
  }

  /** Removes a project's budget. */
  remove(projectId: string): void {
    this.st.get('DELETE FROM budgets WHERE folder_id = ?').run(projectId);
  }

  /** The project (top-level folder) a folder is in, with its name, or null for an unknown folder. */
  projectOf(folderId: string): { id: string; name: string; parentId: string | null } | null {
    const row = this.st
      .get(
        `WITH RECURSIVE up(id, parent_id, name, depth) AS (
           SELECT id, parent_id, name, 0 FROM folders WHERE id = ?
           UNION ALL SELECT f.id, f.parent_id, f.name, up.depth + 1 FROM folders f JOIN up ON f.id = up.parent_id
         )
         SELECT (SELECT id FROM up WHERE parent_id IS NULL) AS id, (SELECT name FROM up WHERE parent_id IS NULL) AS name,
                (SELECT parent_id FROM up WHERE depth = 0) AS parentId`,
      )
      .get(folderId) as { id: string | null; name: string | null; parentId: string | null };
    return row.id === null ? null : { id: row.id, name: row.name ?? '', parentId: row.parentId };
  }

  /** The folder's name, or null for an unknown folder. */
  folderName(folderId: string): string | null {
    return (this.st.get('SELECT name FROM folders WHERE id = ?').pluck().get(folderId) as string | undefined) ?? null;
  }

  /**
   * What the jobs of a project (every folder under it) count against its budget since `from` (epoch ms on
   * `coalesce(completed_at, created_at)`, null for all time): finished jobs with their charges, and jobs still queued
   * or running and completed jobs without a charge at their estimates. A job still in flight counts whenever it was
   * made (one queued before the month turned is charged in the new one). `rate`: EvoLink credits per USD.
   */
  use(projectId: string, from: number | null, rate: number): BudgetUseRow {
    return this.st
      .get(
        `WITH RECURSIVE sub(id) AS (SELECT @project UNION ALL SELECT f.id FROM folders f JOIN sub ON f.parent_id = sub.id)
         SELECT coalesce(sum(coalesce(j.credits, 0) + coalesce(j.prior_credits, 0)), 0) AS credits,
                coalesce(sum(CASE WHEN ${UNCHARGED} AND j.state IN ('queued', 'submitting', 'running', 'downloading', 'completed')
                  THEN j.credits_estimate END), 0) AS creditsEstimated,
                coalesce(sum(coalesce(j.cost_usd, 0) + coalesce(j.prior_usd, 0)), 0) AS usd,
                coalesce(sum(${DERIVED}), 0) AS usdDerived,
                coalesce(sum(CASE WHEN ${UNCHARGED} AND j.state IN ('queued', 'submitting', 'running', 'downloading', 'completed')
                  THEN j.usd_estimate END), 0) AS usdEstimated
         FROM jobs j JOIN sub ON sub.id = j.folder_id
         WHERE @from IS NULL OR coalesce(j.completed_at, j.created_at) >= @from
            OR j.state IN ('queued', 'submitting', 'running', 'downloading')`,
      )
      .get({ project: projectId, from, rate }) as BudgetUseRow;
  }

  /**
   * The cost per kept image over all time, per group: images the jobs made that are not in the trash, those picked
   * or rated ≥ `minRating`, and what the jobs count (completed jobs, and other finished jobs with a charge; see the
   * module's note). Groups with no image are left out. Ordered by key.
   */
  kept(groupBy: KeptGroupBy, minRating: number, rate: number): KeptSumRow[] {
    return this.st
      .get(
        `WITH RECURSIVE ${ANC},
         counted AS (
           SELECT ${KEPT_KEY[groupBy]} AS key, j.id AS id,
                  coalesce(j.credits, CASE WHEN ${UNCHARGED} THEN j.credits_estimate END, 0) + coalesce(j.prior_credits, 0) AS credits,
                  coalesce(j.cost_usd, ${DERIVED}, CASE WHEN ${UNCHARGED} THEN j.usd_estimate END, 0) + coalesce(j.prior_usd, 0) AS usd,
                  CASE WHEN ${UNCHARGED} AND (coalesce(j.credits_estimate, 0) > 0 OR coalesce(j.usd_estimate, 0) > 0) THEN 1 ELSE 0 END AS estimated
           FROM jobs j JOIN anc ON anc.id = j.folder_id
           WHERE j.state = 'completed'
              OR (j.state NOT IN ('queued', 'submitting', 'running', 'downloading') AND (coalesce(j.credits, 0) > 0 OR coalesce(j.cost_usd, 0) > 0))
              OR coalesce(j.prior_credits, 0) > 0 OR coalesce(j.prior_usd, 0) > 0
         ),
         imgs AS (
           SELECT a.job_id AS id, count(*) AS images,
                  sum(CASE WHEN a.flag = 1 OR a.rating >= @minRating THEN 1 ELSE 0 END) AS kept
           FROM assets a WHERE a.job_id IS NOT NULL AND a.deleted_at IS NULL GROUP BY a.job_id
         )
         SELECT c.key AS key, coalesce(sum(i.images), 0) AS images, coalesce(sum(i.kept), 0) AS kept,
                sum(c.credits) AS credits, sum(c.usd) AS usd, max(c.estimated) AS estimated
         FROM counted c LEFT JOIN imgs i ON i.id = c.id
         GROUP BY c.key HAVING coalesce(sum(i.images), 0) > 0 ORDER BY c.key`,
      )
      .all({ minRating, rate }) as KeptSumRow[];
  }
}
