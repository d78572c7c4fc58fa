/**
 * Budgets per project (issue 13) and the one check every submit path calls. A project (a top-level folder) may have
 * a cap in Apiframe credits and/or US dollars, over each calendar month in UTC or over all time. What counts against
 * it is what the project's jobs cost: charges where known (EvoLink's `credits_reserved` as the USD it stands for,
 * derived at 68 credits per $1), else estimates (jobs still in the queue included, so a second submit sees the first).
 * {@link BudgetService.assertWithin} refuses a job or a batch that would pass a cap, unless the user overrides.
 * Plain Node, synchronous SQLite.
 */
import type { CallInputParsed } from '@shared/contract';
import { monthStartUtc } from '@shared/budget-period';
import type { BudgetCap, BudgetStatus, BudgetUse, KeptGroup, KeptRow } from '@shared/contracts/budgets';
import { AppError } from '@shared/errors';
import { EVOLINK_CREDITS_PER_USD } from '@shared/providers/evolink';
import type { EventBus } from '../../dispatcher';
import type { BudgetRow, BudgetsRepository } from '../repositories/budgets';

/** What the service needs from the app. */
export interface BudgetDeps {
  repo: BudgetsRepository;
  bus: EventBus;
  /** The clock (epoch ms); tests inject one to cross a month. */
  now?: () => number;
}

/** What a submit adds: its estimates in credits and USD (null where the model has no price in that unit). */
export interface BudgetCharge {
  credits: number | null;
  usd: number | null;
}

/** Sums under this are rounding noise (credits and USD). */
const EPSILON = 1e-9;

/** Start of the calendar month (UTC) that `t` (epoch ms) is in, epoch ms (the rule the renderer's budget line uses too). */
export { monthStartUtc };

export class BudgetService {
  private readonly now: () => number;

  constructor(private readonly d: BudgetDeps) {
    this.now = d.now ?? Date.now;
  }

  /**
   * The budget of the project `folderId` is in, with what it has used in the period and what is left.
   * @throws AppError `not_found` for an unknown folder
   */
  status(folderId: string): BudgetStatus {
    const project = this.d.repo.projectOf(folderId);
    if (!project) throw new AppError('not_found', `folder ${folderId} does not exist`, { params: { id: folderId } });
    return this.statusOf(project, this.d.repo.get(project.id));
  }

  /** {@link status} of a project already looked up, with its budget row (null: none). */
  private statusOf(project: { id: string; name: string }, row: BudgetRow | null): BudgetStatus {
    const budget: BudgetCap | null = row ? { credits: row.credits, usd: row.usd, period: row.period } : null;
    // Without a budget the composer still shows this month's use.
    const periodStart = budget?.period === 'total' ? null : monthStartUtc(this.now());
    const used: BudgetUse = this.d.repo.use(project.id, periodStart, EVOLINK_CREDITS_PER_USD);
    const creditsUsed = used.credits + used.creditsEstimated;
    const usdUsed = used.usd + used.usdDerived + used.usdEstimated;
    return {
      projectId: project.id,
      projectName: project.name,
      budget,
      periodStart,
      used,
      left: {
        credits: budget?.credits == null ? null : Math.max(0, budget.credits - creditsUsed),
        usd: budget?.usd == null ? null : Math.max(0, round6(budget.usd - usdUsed)),
      },
    };
  }

  /** Every project with a budget, with its use, by project name. */
  list(): BudgetStatus[] {
    return this.d.repo
      .list()
      .flatMap((b) => {
        const project = this.d.repo.projectOf(b.folder_id);
        return project ? [this.statusOf(project, b)] : [];
      })
      .sort((a, b) => a.projectName.localeCompare(b.projectName));
  }

  /**
   * Sets (or, with both caps null, removes) a project's budget.
   * @throws AppError `not_found` (unknown folder); `validation` `field: projectId`, `reason: not_a_project` (a
   *   folder inside a project); nothing changes
   */
  set(input: CallInputParsed<'budgets.set'>): BudgetStatus {
    const project = this.d.repo.projectOf(input.projectId);
    if (!project) throw new AppError('not_found', `folder ${input.projectId} does not exist`, { params: { id: input.projectId } });
    if (project.id !== input.projectId) {
      throw new AppError('validation', `folder ${input.projectId} is not a project (a top-level folder)`, {
        params: { field: 'projectId', reason: 'not_a_project' },
      });
    }
    if (input.credits === null && input.usd === null) this.d.repo.remove(project.id);
    else this.d.repo.upsert({ folder_id: project.id, credits: input.credits, usd: input.usd, period: input.period, updated_at: this.now() });
    this.d.bus.emit('budget.changed', { projectId: project.id });
    return this.status(project.id);
  }

  /**
   * The one budget check of `jobs.submit` (and edits) and `batches.submit`: refuses what would take the project of
   * `folderId` past a cap, in credits or in USD, counting what it has used in the period (charges, derived USD,
   * estimates of jobs in flight) plus `charge`. A unit without a cap, or a charge of 0 or null in it, passes.
   * `override: true` (the user confirmed) lets it through.
   * @throws AppError `budget_exceeded` with params `project` (name), `projectId`, `unit` (`credits` | `USD`),
   *   `cap`, `used`, `left`, `estimate` (in that unit), `period` (`month` | `total`), `estimated` (true where part of
   *   `used` is an estimate); nothing is created
   */
  assertWithin(folderId: string, charge: BudgetCharge, override: boolean | undefined): void {
    if (override === true) return;
    const project = this.d.repo.projectOf(folderId);
    const row = project ? this.d.repo.get(project.id) : null;
    if (!project || !row) return; // an unknown folder is the submitter's refusal
    const s = this.statusOf(project, row);
    const b = s.budget!;
    const check = (unit: 'credits' | 'USD', cap: number | null, used: number, estimated: boolean, add: number | null): void => {
      if (cap === null || add === null || add <= 0) return;
      if (used + add <= cap + EPSILON) return;
      const left = Math.max(0, round6(cap - used));
      throw new AppError(
        'budget_exceeded',
        `${project.name}: ${round6(add)} ${unit} estimated, ${left} of ${cap} ${unit} left (${b.period === 'month' ? 'this month' : 'in total'})`,
        {
          params: { project: project.name, projectId: project.id, unit, cap, used: round6(used), left, estimate: round6(add), period: b.period, estimated },
        },
      );
    };
    check('credits', b.credits, s.used.credits + s.used.creditsEstimated, s.used.creditsEstimated > 0, charge.credits);
    check('USD', b.usd, s.used.usd + s.used.usdDerived + s.used.usdEstimated, s.used.usdEstimated > 0, charge.usd);
  }

  /**
   * The cost per kept image over all time: spend (charges, derived USD, estimates of uncharged jobs) ÷ images picked
   * or rated ≥ `minRating`, per project, provider or model; a project's row is labelled with its name.
   */
  kept(groupBy: KeptGroup, minRating: number): KeptRow[] {
    return this.d.repo.kept(groupBy, minRating, EVOLINK_CREDITS_PER_USD).map((r) => ({
      key: r.key,
      label: groupBy === 'project' ? (this.d.repo.folderName(r.key) ?? r.key) : r.key,
      images: r.images,
      kept: r.kept,
      credits: r.credits,
      usd: round6(r.usd),
      estimated: r.estimated === 1,
      creditsPerKept: r.kept > 0 && r.credits > 0 ? r.credits / r.kept : null,
      usdPerKept: r.kept > 0 && r.usd > 0 ? round6(r.usd / r.kept) : null,
    }));
  }
}

/** Rounds to 1e-6 (USD sums of many small figures). */
function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
