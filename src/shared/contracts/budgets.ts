/**
 * Budgets and the cost per kept image (issue 13). A budget belongs to a project (a top-level folder): a cap in
 * Apiframe credits and/or US dollars, over each calendar month in UTC or over all time. What counts against it: the
 * actual charge of a job where known (Apiframe `creditCost`, priced usage, EvoLink's `credits_reserved` turned into
 * USD at 68 credits per $1 and marked derived), else its estimate (jobs still in the queue and completed jobs without
 * a charge), said apart. `jobs.submit` and `batches.submit` refuse what would pass the cap (`budget_exceeded`) unless
 * the call carries `overrideBudget: true`. Calls and events are spread into `contract` / `events` in ../contract.ts.
 */
import { z } from 'zod';
import { Id } from '../domain';

/** Over each calendar month in UTC (`month`) or over all time (`total`). */
export const BudgetPeriod = z.enum(['month', 'total']);
/** `month` | `total`. */
export type BudgetPeriod = z.infer<typeof BudgetPeriod>;

/** Largest cap accepted, in either unit. */
export const MAX_BUDGET = 1e9;

/** A cap: credits (Apiframe) and/or USD; at least one. */
export const BudgetCap = z.object({
  credits: z.number().finite().min(0).max(MAX_BUDGET).nullable(),
  usd: z.number().finite().min(0).max(MAX_BUDGET).nullable(),
  period: BudgetPeriod,
});
/** A parsed {@link BudgetCap}. */
export type BudgetCap = z.infer<typeof BudgetCap>;

/** What a project has spent in the budget's period (or in the current month where it has no budget). */
export const BudgetUse = z.object({
  /** Credits charged (Apiframe `creditCost`, earlier attempts included). */
  credits: z.number(),
  /** Credits counted at their estimate (jobs in the queue, completed jobs without a charge). */
  creditsEstimated: z.number(),
  /** USD charged (priced usage). */
  usd: z.number(),
  /** USD derived from EvoLink credits (`credits_reserved` ÷ 68). */
  usdDerived: z.number(),
  /** USD counted at their estimate. */
  usdEstimated: z.number(),
});
/** A parsed {@link BudgetUse}. */
export type BudgetUse = z.infer<typeof BudgetUse>;

/** A project's budget and its use: `left` is cap − used (never below 0), null where that unit has no cap. */
export const BudgetStatus = z.object({
  projectId: Id,
  projectName: z.string(),
  /** Null where the project has no budget. */
  budget: BudgetCap.nullable(),
  /** Start of the period counted (epoch ms, the 1st of this month 00:00 UTC), null for `total`. */
  periodStart: z.number().nullable(),
  used: BudgetUse,
  left: z.object({ credits: z.number().nullable(), usd: z.number().nullable() }),
});
/** A parsed {@link BudgetStatus}. */
export type BudgetStatus = z.infer<typeof BudgetStatus>;

/** What the cost per kept image is grouped by. */
export const KeptGroup = z.enum(['project', 'provider', 'model']);
/** `project` | `provider` | `model`. */
export type KeptGroup = z.infer<typeof KeptGroup>;

/** The cost per kept image of one group: spend (charges, derived and estimates) ÷ images kept. */
export const KeptRow = z.object({
  key: z.string(),
  /** The project's name; else the key. */
  label: z.string(),
  /** Images the group's jobs made that are still in the library (not in the trash). */
  images: z.number().int(),
  /** Of those, picked or rated at least `minRating`. */
  kept: z.number().int(),
  /** Credits charged plus credits estimated where no charge is known. */
  credits: z.number(),
  /** USD charged, derived from EvoLink credits, plus estimated where no charge is known. */
  usd: z.number(),
  /** Whether any of it is an estimate. */
  estimated: z.boolean(),
  /** credits ÷ kept, null where nothing is kept or nothing was spent in credits. */
  creditsPerKept: z.number().nullable(),
  /** usd ÷ kept, null where nothing is kept or nothing was spent in USD. */
  usdPerKept: z.number().nullable(),
});
/** A parsed {@link KeptRow}. */
export type KeptRow = z.infer<typeof KeptRow>;

export const budgetCalls = {
  /**
   * The budget of the project `folderId` is in (any folder of it), with its use in the period.
   * @throws AppError `not_found` for an unknown folder
   */
  'budgets.get': { input: z.object({ folderId: Id }).strict(), output: BudgetStatus },
  /** Every project that has a budget, with its use, by project name. */
  'budgets.list': { input: z.object({}).strict(), output: z.array(BudgetStatus) },
  /**
   * Sets (or, with both caps null, removes) the budget of a project; no confirmation.
   * @throws AppError `not_found` for an unknown folder; `validation` (`field` `projectId`, `reason` `not_a_project`)
   *   for a folder that is not top-level
   */
  'budgets.set': {
    input: z
      .object({
        projectId: Id,
        credits: z.number().finite().min(0).max(MAX_BUDGET).nullable(),
        usd: z.number().finite().min(0).max(MAX_BUDGET).nullable(),
        period: BudgetPeriod,
      })
      .strict(),
    output: BudgetStatus,
  },
  /**
   * The cost per kept image over all time, grouped: images picked or rated ≥ `minRating` (1–5), spend as
   * {@link KeptRow} says. Groups with no image are left out.
   */
  'spend.kept': {
    input: z.object({ groupBy: KeptGroup, minRating: z.number().int().min(1).max(5) }).strict(),
    output: z.array(KeptRow),
  },
} as const;

export const budgetEvents = {
  /** A project's budget was set or removed. */
  'budget.changed': z.object({ projectId: Id }),
} as const;
