/**
 * The price table in Settings (issue 3, "Prices live in one editable table with the date they were taken"): read it
 * with each row's published and current value, override a value, restore the published one. Calls and events are
 * spread into `contract` / `events` in ../contract.ts.
 */
import { z } from 'zod';
import { LIMITS } from '../limits';
import { PriceDate, PriceItem, PricedProviderSchema, PriceUnit } from '../pricing';

/**
 * One row as Settings shows it: `value` is the one in force (credits or USD per `item`, see `unit`), `published`
 * the figure from `source`; `overridden` is true where the user replaced it (`overriddenAt`, YYYY-MM-DD, then).
 */
export const PriceRowView = z.object({
  provider: PricedProviderSchema,
  model: z.string(),
  item: PriceItem,
  unit: PriceUnit,
  value: z.number(),
  published: z.number(),
  overridden: z.boolean(),
  overriddenAt: PriceDate.nullable(),
  source: z.string(),
});
/** A parsed {@link PriceRowView}. */
export type PriceRowView = z.infer<typeof PriceRowView>;

/** The table in Settings: when the published figures were taken (YYYY-MM-DD or YYYY-MM) and every row. */
export const PriceTableView = z.object({ takenAt: PriceDate, rows: z.array(PriceRowView) });
/** A parsed {@link PriceTableView}. */
export type PriceTableView = z.infer<typeof PriceTableView>;

/** `prices.*` calls. */
export const pricingCalls = {
  /** The price table in force, each row with its published value. */
  'prices.get': { input: z.object({}).strict(), output: PriceTableView },
  /**
   * Overrides one price (`value`: a finite number ≥ 0 in the row's unit) or restores the published one (null).
   * Refuses an unknown row or a bad value with `validation` naming the field (`provider`, `model`, `item`, `value`).
   */
  'prices.set': {
    input: z
      .object({
        provider: z.string().max(LIMITS.modelName),
        model: z.string().max(LIMITS.modelName),
        item: z.string().max(LIMITS.modelName),
        value: z.number().nullable(),
      })
      .strict(),
    output: PriceTableView,
  },
} as const;

/** `prices.*` events. */
export const pricingEvents = {
  /** A price was overridden or restored (here or in another window): estimates re-read the table. */
  'prices.changed': z.object({}),
} as const;
