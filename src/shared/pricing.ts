/**
 * The one price table: every figure Atelier uses to estimate or price a job, with where it comes from and the date
 * it was taken (issue 3, "Prices live in one editable table with the date they were taken").
 *
 * The estimate functions (`estimateCredits` and `estimateUsd` in ../capabilities, `estimateEvolinkUsd` in
 * ./providers/evolink, `estimateOpenAiUsd` and `costFromUsage` in ./providers/openai) read their prices from a
 * {@link PriceTable} argument that defaults to {@link DEFAULT_PRICES}; the main process passes the table with the
 * user's overrides (Settings → Prices), the renderer the same table from its prices store.
 *
 * Sources (each row's `source`, shown in Settings → Prices):
 * - Apiframe credits per image: the model pages of docs-v2.apiframe.ai
 *   (https://docs-v2.apiframe.ai/docs/images/gpt-image-2, https://docs-v2.apiframe.ai/docs/images/gpt-image/gpt-image-1-5).
 *   Apiframe's two doc sites disagree (https://apiframe.ai/docs/images/gpt-image/gpt-image-1-5 gives other figures),
 *   so these are estimates; a job's `creditCost` is the truth.
 * - EvoLink USD per 1K tokens for gpt-image-2: EvoLink's gpt-image-2 page (https://evolink.ai/gpt-image-2, 2026).
 * - OpenAI USD per 1M tokens and per 1024×1024 image: third-party compilations, not checked against OpenAI's own
 *   page (https://developers.openai.com/api/docs/pricing).
 *
 * Pure TS (zod only): no Node, no DOM, no import from the provider modules (they import this one).
 */
import { z } from 'zod';

/** Providers with published prices. The sandbox is free; an OpenAI-compatible server has no known prices. */
export const PRICED_PROVIDERS = ['apiframe', 'evolink', 'openai'] as const;
/** One of {@link PRICED_PROVIDERS}. */
export type PricedProvider = (typeof PRICED_PROVIDERS)[number];
export const PricedProviderSchema = z.enum(PRICED_PROVIDERS);

/** The unit of a price: Apiframe credits, or US dollars. */
export const PriceUnit = z.enum(['credits', 'USD']);
/** `credits` | `USD`. */
export type PriceUnit = z.infer<typeof PriceUnit>;

/** A date a price was taken or overridden: `YYYY-MM-DD` or `YYYY-MM` (a month, where the source gives no day). */
export const PriceDate = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$/, 'a date as YYYY-MM-DD or YYYY-MM');

/**
 * A price item, `<what>.<which>`:
 * - `credits_per_image.<quality>` (credits; Apiframe; quality low | medium | high | auto)
 * - `usd_per_1k_tokens.<category>` (USD per 1,000 tokens; EvoLink; image_output | image_input | image_cached_input |
 *   text_input | text_cached_input)
 * - `usd_per_1m_tokens.<category>` (USD per 1,000,000 tokens; OpenAI; text_in | text_in_cached | image_in |
 *   image_in_cached | image_out)
 * - `usd_per_image_1024.<quality>` (USD per generated 1024×1024 image; OpenAI; low | medium | high)
 */
export const PriceItem = z.string().regex(/^[a-z0-9_]+\.[a-z0-9_]+$/, 'an item as <what>.<which>, e.g. credits_per_image.low');

/**
 * One price: `value` in `unit` (credits, or USD per what `item` says), for `model` on `provider`; `source` says
 * where it was taken. `overriddenAt` is set only where the user replaced the published value (the date of that).
 */
export const PriceRow = z
  .object({
    provider: PricedProviderSchema,
    model: z.string().min(1).max(128),
    item: PriceItem,
    /** Finite and ≥ 0. */
    value: z.number().finite().min(0),
    unit: PriceUnit,
    source: z.string().min(1),
    /** When the user set this value (YYYY-MM-DD, UTC); absent for a published value. */
    overriddenAt: PriceDate.optional(),
  })
  .strict();
/** A parsed {@link PriceRow}. */
export type PriceRow = z.infer<typeof PriceRow>;

/** The key of a row: provider, model and item. */
export const priceKey = (provider: string, model: string, item: string): string => `${provider}\u0000${model}\u0000${item}`;

/**
 * The whole table: when the published figures were taken (`takenAt`, YYYY-MM-DD or YYYY-MM) and one row per
 * provider × model × item (no duplicates; the unit must match the item: `credits_*` in credits, `usd_*` in USD).
 */
export const PriceTable = z
  .object({ takenAt: PriceDate, rows: z.array(PriceRow) })
  .strict()
  .superRefine((t, ctx) => {
    const seen = new Set<string>();
    t.rows.forEach((r, i) => {
      const k = priceKey(r.provider, r.model, r.item);
      if (seen.has(k)) ctx.addIssue({ code: 'custom', path: ['rows', i], message: `duplicate price ${r.provider} ${r.model} ${r.item}` });
      seen.add(k);
      const unit = r.item.startsWith('credits_') ? 'credits' : 'USD';
      if (r.unit !== unit) ctx.addIssue({ code: 'custom', path: ['rows', i, 'unit'], message: `${r.item} is priced in ${unit}` });
    });
  });
/** A parsed {@link PriceTable}. */
export type PriceTable = z.infer<typeof PriceTable>;

// ---------------------------------------------------------------------------------------------------------------
// The published figures
// ---------------------------------------------------------------------------------------------------------------

/** Apiframe's page for each model with credit prices. */
const SRC_APIFRAME: Readonly<Record<string, string>> = {
  'gpt-image-2': 'https://docs-v2.apiframe.ai/docs/images/gpt-image-2',
  'gpt-image-1.5': 'https://docs-v2.apiframe.ai/docs/images/gpt-image/gpt-image-1-5',
};
const SRC_EVOLINK = 'https://evolink.ai/gpt-image-2';
const SRC_OPENAI = 'https://developers.openai.com/api/docs/pricing (figures from third-party compilations; check them there)';
const SRC_OPENAI_APPROX =
  'https://developers.openai.com/api/docs/pricing (approximate figures from third-party compilations; check them there)';

type Row = PriceRow;
const credits = (model: string, q: string, value: number): Row => ({
  provider: 'apiframe',
  model,
  item: `credits_per_image.${q}`,
  value,
  unit: 'credits',
  source: SRC_APIFRAME[model] ?? 'https://docs-v2.apiframe.ai/docs/images',
});
const evolink = (category: string, value: number): Row => ({
  provider: 'evolink',
  model: 'gpt-image-2',
  item: `usd_per_1k_tokens.${category}`,
  value,
  unit: 'USD',
  source: SRC_EVOLINK,
});
const oaTokens = (model: string, category: string, value: number): Row => ({
  provider: 'openai',
  model,
  item: `usd_per_1m_tokens.${category}`,
  value,
  unit: 'USD',
  source: SRC_OPENAI,
});
const oaImage = (model: string, q: string, value: number, approx = false): Row => ({
  provider: 'openai',
  model,
  item: `usd_per_image_1024.${q}`,
  value,
  unit: 'USD',
  source: approx ? SRC_OPENAI_APPROX : SRC_OPENAI,
});

/**
 * Today's published prices, taken 2026-11. Where a source gives no figure there is no row (gpt-image-1.5 cached
 * input; gpt-image-1-mini has no prices at all), and estimates that need it are `null` (or priced at the uncached
 * rate where noted).
 */
export const DEFAULT_PRICES: PriceTable = Object.freeze({
  takenAt: '2026-11',
  rows: Object.freeze([
    // Apiframe, credits per image by quality (docs-v2.apiframe.ai model pages).
    credits('gpt-image-2', 'low', 4),
    credits('gpt-image-2', 'medium', 9),
    credits('gpt-image-2', 'high', 23),
    credits('gpt-image-2', 'auto', 23),
    credits('gpt-image-1.5', 'low', 2),
    credits('gpt-image-1.5', 'medium', 5),
    credits('gpt-image-1.5', 'high', 14),
    credits('gpt-image-1.5', 'auto', 14),
    // EvoLink gpt-image-2, USD per 1K tokens (https://evolink.ai/gpt-image-2).
    evolink('image_output', 0.027),
    evolink('image_input', 0.0072),
    evolink('image_cached_input', 0.0018),
    evolink('text_input', 0.0045),
    evolink('text_cached_input', 0.0011),
    // OpenAI, USD per 1M tokens and per 1024×1024 image (third-party compilations).
    oaTokens('gpt-image-2', 'text_in', 5),
    oaTokens('gpt-image-2', 'text_in_cached', 1.25),
    oaTokens('gpt-image-2', 'image_in', 8),
    oaTokens('gpt-image-2', 'image_in_cached', 2),
    oaTokens('gpt-image-2', 'image_out', 30),
    oaImage('gpt-image-2', 'low', 0.006, true),
    oaImage('gpt-image-2', 'medium', 0.053, true),
    oaImage('gpt-image-2', 'high', 0.211, true),
    oaTokens('gpt-image-1.5', 'text_in', 5),
    oaTokens('gpt-image-1.5', 'image_in', 8),
    oaTokens('gpt-image-1.5', 'image_out', 32),
    oaImage('gpt-image-1.5', 'low', 0.009),
    oaImage('gpt-image-1.5', 'medium', 0.034),
    oaImage('gpt-image-1.5', 'high', 0.133),
    oaTokens('gpt-image-1', 'text_in', 5),
    oaTokens('gpt-image-1', 'text_in_cached', 1.25),
    oaTokens('gpt-image-1', 'image_in', 10),
    oaTokens('gpt-image-1', 'image_in_cached', 2.5),
    oaTokens('gpt-image-1', 'image_out', 40),
    oaImage('gpt-image-1', 'low', 0.011),
    oaImage('gpt-image-1', 'medium', 0.042),
    oaImage('gpt-image-1', 'high', 0.167),
  ] as Row[]) as Row[],
});

// ---------------------------------------------------------------------------------------------------------------
// Reading and changing a table
// ---------------------------------------------------------------------------------------------------------------

const indexes = new WeakMap<PriceTable, Map<string, PriceRow>>();

function indexOf(table: PriceTable): Map<string, PriceRow> {
  let idx = indexes.get(table);
  if (!idx) {
    idx = new Map(table.rows.map((r) => [priceKey(r.provider, r.model, r.item), r]));
    indexes.set(table, idx);
  }
  return idx;
}

/** The row of `provider` × `model` × `item`, or undefined where the table has none. */
export function priceRow(table: PriceTable, provider: string, model: string, item: string): PriceRow | undefined {
  return indexOf(table).get(priceKey(provider, model, item));
}

/** The value of a price (credits or USD, see {@link PriceItem}), or null where the table has no such row. */
export function priceOf(table: PriceTable, provider: string, model: string, item: string): number | null {
  return priceRow(table, provider, model, item)?.value ?? null;
}

/** A user's replacement of one published value: the value (in the row's unit) and when it was set (YYYY-MM-DD). */
export interface PriceOverride {
  provider: string;
  model: string;
  item: string;
  value: number;
  at: string;
}

/**
 * `base` with `overrides` applied: each override replaces its row's value and sets `overriddenAt`. Overrides of
 * rows `base` does not have, or with a value that is not finite and ≥ 0, are ignored (a stale stored override
 * must not break estimates). `takenAt` stays the published date.
 */
export function applyOverrides(base: PriceTable, overrides: readonly PriceOverride[]): PriceTable {
  if (overrides.length === 0) return base;
  const byKey = new Map(overrides.map((o) => [priceKey(o.provider, o.model, o.item), o]));
  return {
    takenAt: base.takenAt,
    rows: base.rows.map((r) => {
      const o = byKey.get(priceKey(r.provider, r.model, r.item));
      if (!o || !Number.isFinite(o.value) || o.value < 0) return r;
      return { ...r, value: o.value, overriddenAt: o.at };
    }),
  };
}

/** `table` with one value replaced (a pure helper for previews and tests; unknown rows leave it unchanged). */
export function withPrice(table: PriceTable, provider: string, model: string, item: string, value: number): PriceTable {
  return applyOverrides(table, [{ provider, model, item, value, at: new Date().toISOString().slice(0, 10) }]);
}
