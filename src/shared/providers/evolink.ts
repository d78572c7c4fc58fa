/**
 * EvoLink gpt-image-2: the user-settable parameters, the documented `size` rules, the request limits and a
 * pre-bill cost estimate. Pure TS (zod only): the composer and the main process validate with the same code.
 *
 * Sources:
 * - `POST /v1/images/generations`: EvoLink's API manual page for gpt-image-2 ("the manual",
 *   https://docs.evolink.ai/en/api-manual/image-series/gpt-image-2/gpt-image-2-image-generation) and EvoLink's own
 *   skill repository ("the skill", https://github.com/EvoLinkAI/gpt-image-2-gen-skill `references/api-params.md`):
 *   fields, ranges, defaults, the 15 ratio presets, the `WxH` rules and the ratio × resolution examples.
 * - EvoLink's gpt-image-2 price page ("the price page", https://evolink.ai/gpt-image-2, 2026): USD per 1K tokens,
 *   the quality tile base 16 / 48 / 96, the pixel budgets per resolution and the per-image range $0.0017 – $0.817.
 *
 * Wire names are EvoLink's own (`size`, `resolution`, `quality`, `n`).
 */
import { z } from 'zod';
import { DEFAULT_PRICES, priceOf, type PriceTable } from '../pricing';

// ---------------------------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------------------------

/**
 * The 15 ratio presets `size` accepts besides `auto` and `WxH`, written `W:H`.
 * Source: the skill (the manual confirms "15 ratio presets + explicit pixel format").
 */
export const EVOLINK_RATIOS = [
  '1:1',
  '1:2',
  '2:1',
  '1:3',
  '3:1',
  '2:3',
  '3:2',
  '3:4',
  '4:3',
  '4:5',
  '5:4',
  '9:16',
  '16:9',
  '9:21',
  '21:9',
] as const;
/** One of {@link EVOLINK_RATIOS}. */
export type EvolinkRatio = (typeof EVOLINK_RATIOS)[number];

/** `resolution` values; only used with a ratio `size` (ignored for `auto` and `WxH`). Source: the skill. */
export const EVOLINK_RESOLUTIONS = ['1K', '2K', '4K'] as const;
/** One of {@link EVOLINK_RESOLUTIONS}. */
export type EvolinkResolution = (typeof EVOLINK_RESOLUTIONS)[number];

/** `quality` values; EvoLink lists no `auto` (the skill). */
export const EVOLINK_QUALITIES = ['low', 'medium', 'high'] as const;
/** One of {@link EVOLINK_QUALITIES}. */
export type EvolinkQuality = (typeof EVOLINK_QUALITIES)[number];

/** The `size` choices other than an explicit `WxH`, in display order: `auto` then the ratios. */
export const EVOLINK_SIZE_PRESETS = ['auto', ...EVOLINK_RATIOS] as const;

/** Longest `prompt`, in Unicode code points (not UTF-16 units). Source: the manual. */
export const EVOLINK_MAX_PROMPT_CODEPOINTS = 32000;
/** Most `image_urls` per request. Source: the manual ("1–16 items"). */
export const EVOLINK_MAX_IMAGES = 16;
/**
 * Largest reference image, bytes: 50 MB, read as MiB like Atelier's other byte limits (APIFRAME_MAX_UPLOAD_BYTES).
 * Source: the manual ("≤ 50 MB each"). The Files API itself takes up to 100 MB (EvoLink's media MCP server,
 * https://github.com/EvoLinkAI/evolink-media-mcp `file-api.md`); this is the stricter one.
 */
export const EVOLINK_MAX_IMAGE_BYTES = 50 * 1024 * 1024;
/** Fewest images per request (`n`). Source: the skill. */
export const EVOLINK_MIN_N = 1;
/** Most images per request (`n`). Source: the skill (1–10; marketing pages say "up to 8"). */
export const EVOLINK_MAX_N = 10;

/**
 * The rules of an explicit `WxH` size, px. Source: the skill: both edges multiples of 16, each edge
 * 16–3840, 655,360 ≤ W·H ≤ 8,294,400, aspect (long ÷ short) ≤ 3.
 */
export const EVOLINK_WXH_RULES = {
  multiple: 16,
  minEdge: 16,
  maxEdge: 3840,
  minPixels: 655_360,
  maxPixels: 8_294_400,
  maxAspect: 3,
} as const;

/**
 * Pixel budget per `resolution`, px (W·H). Source: the price page ("1K ≈ 1.05 MP, 2K ≈ 4.19 MP, 4K = 8.29 MP") read
 * as 1024², 2048² and the `WxH` maximum 8,294,400 (= 2880² = 3840×2160, the skill's examples).
 */
export const EVOLINK_PIXEL_BUDGETS: Readonly<Record<EvolinkResolution, number>> = {
  '1K': 1024 * 1024,
  '2K': 2048 * 2048,
  '4K': 8_294_400,
};

// ---------------------------------------------------------------------------------------------------------------
// Size rules
// ---------------------------------------------------------------------------------------------------------------

/** Why a `size` is refused: one value per documented `WxH` rule, plus `bad_format` for anything unparseable. */
export type EvolinkSizeReason =
  | 'not_multiple_of_16'
  | 'edge_out_of_range'
  | 'too_few_pixels'
  | 'too_many_pixels'
  | 'aspect_too_wide'
  | 'bad_format';

/** Result of {@link checkEvolinkSize}: `detail` is an English sentence naming the numbers. */
export type EvolinkSizeCheck = { ok: true } | { ok: false; reason: EvolinkSizeReason; detail: string };

const WXH_RE = /^(0|[1-9]\d{0,8})x(0|[1-9]\d{0,8})$/;

/**
 * Parses `"WxH"` (lowercase `x`, decimal digits, no leading zeros) into px, or null for anything else
 * (including `auto` and the ratios). It does not apply the rules; see {@link checkEvolinkSize}.
 */
export function parseEvolinkWxH(size: string): { width: number; height: number } | null {
  const m = WXH_RE.exec(size);
  if (!m) return null;
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** True for one of the 15 {@link EVOLINK_RATIOS}. */
export function isEvolinkRatio(size: string): size is EvolinkRatio {
  return (EVOLINK_RATIOS as readonly string[]).includes(size);
}

/**
 * Checks a `size` value against EvoLink's rules (the skill, see the file doc): `auto` and the 15
 * ratios are accepted as they are; `WxH` (px) must have both edges multiples of 16, each edge 16–3840,
 * 655,360 ≤ W·H ≤ 8,294,400 and long ÷ short ≤ 3 (3:1 itself is allowed). Rules are checked in that order and the
 * first one broken is reported; anything that is not `auto`, a ratio or `WxH` is `bad_format`.
 * Pure and total: never throws.
 */
export function checkEvolinkSize(size: string): EvolinkSizeCheck {
  if (size === 'auto' || isEvolinkRatio(size)) return { ok: true };
  const wh = parseEvolinkWxH(size);
  if (!wh) {
    return {
      ok: false,
      reason: 'bad_format',
      detail: `size must be "auto", one of ${EVOLINK_RATIOS.join(', ')}, or "WxH" in pixels (e.g. "1024x1536")`,
    };
  }
  const { width: w, height: h } = wh;
  const R = EVOLINK_WXH_RULES;
  if (w % R.multiple !== 0 || h % R.multiple !== 0) {
    return { ok: false, reason: 'not_multiple_of_16', detail: `${w}x${h}: both edges must be multiples of ${R.multiple} px` };
  }
  if (w < R.minEdge || h < R.minEdge || w > R.maxEdge || h > R.maxEdge) {
    return { ok: false, reason: 'edge_out_of_range', detail: `${w}x${h}: each edge must be ${R.minEdge}–${R.maxEdge} px` };
  }
  const pixels = w * h;
  if (pixels < R.minPixels) {
    return { ok: false, reason: 'too_few_pixels', detail: `${w}x${h} is ${pixels} px; at least ${R.minPixels} px are required` };
  }
  if (pixels > R.maxPixels) {
    return { ok: false, reason: 'too_many_pixels', detail: `${w}x${h} is ${pixels} px; at most ${R.maxPixels} px are allowed` };
  }
  if (Math.max(w, h) > R.maxAspect * Math.min(w, h)) {
    return { ok: false, reason: 'aspect_too_wide', detail: `${w}x${h}: the long edge may be at most ${R.maxAspect}× the short edge` };
  }
  return { ok: true };
}

/**
 * Output pixel size, px, that EvoLink renders for a `size` and `resolution`:
 * - `WxH` → those numbers (resolution ignored, per the skill);
 * - a ratio `a:b` → W = √(budget·a/b), H = √(budget·b/a) with the budget of {@link EVOLINK_PIXEL_BUDGETS}; if the
 *   long edge exceeds 3840 both are scaled down to it; then each is rounded to the nearest multiple of 16, or
 *   floored when rounding would break the 3840 / 8,294,400 limits;
 * - `auto` → null (the model chooses).
 *
 * The ratio rule is inferred, not documented: it reproduces all nine ratio × resolution examples of the skill exactly
 * (1:1 → 1024², 2048², 2880²; 16:9 → 1360×768, 2736×1536, 3840×2160; 3:2 → 1248×832, 2512×1680, 3520×2352) and
 * every result satisfies {@link checkEvolinkSize}. Returns null for a size that is not valid.
 */
export function evolinkPixelSize(size: string, resolution: EvolinkResolution): { width: number; height: number } | null {
  if (isEvolinkRatio(size)) {
    const [a, b] = size.split(':').map(Number) as [number, number];
    const budget = EVOLINK_PIXEL_BUDGETS[resolution];
    let w = Math.sqrt((budget * a) / b);
    let h = Math.sqrt((budget * b) / a);
    const long = Math.max(w, h);
    const R = EVOLINK_WXH_RULES;
    if (long > R.maxEdge) {
      w = (w * R.maxEdge) / long;
      h = (h * R.maxEdge) / long;
    }
    let width = Math.round(w / R.multiple) * R.multiple;
    let height = Math.round(h / R.multiple) * R.multiple;
    if (width * height > R.maxPixels || width > R.maxEdge || height > R.maxEdge) {
      width = Math.floor(w / R.multiple) * R.multiple;
      height = Math.floor(h / R.multiple) * R.multiple;
    }
    return { width, height };
  }
  if (size === 'auto' || !checkEvolinkSize(size).ok) return null;
  return parseEvolinkWxH(size);
}

// ---------------------------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------------------------

/**
 * `size`: `auto`, one of the 15 ratios, or `WxH` in px obeying {@link checkEvolinkSize}. A refused value yields one
 * zod issue (code `custom`) whose `message` starts with the rule's reason (e.g. `not_multiple_of_16: 1000x1000: …`)
 * and whose `params.reason` is that {@link EvolinkSizeReason}.
 */
export const EvolinkSize = z.string().superRefine((size, ctx) => {
  const r = checkEvolinkSize(size);
  if (!r.ok) {
    ctx.addIssue({ code: 'custom', message: `${r.reason}: ${r.detail}`, params: { reason: r.reason }, input: size });
  }
});

/**
 * EvoLink gpt-image-2 user parameters (strict: unknown keys are refused), with the documented defaults
 * (the manual for `size`, the skill for the rest; see the file doc):
 * - `size` — see {@link EvolinkSize}; default `auto`.
 * - `resolution` — `1K | 2K | 4K`, default `1K`; only meaningful with a ratio `size` (the client omits it otherwise).
 * - `quality` — `low | medium | high`, default `medium` (no `auto` on EvoLink).
 * - `n` — integer 1–10 images, default 1.
 *
 * `prompt`, `image_urls`, `model` and `callback_url` are not user parameters (the prompt box, the references, the
 * model picker; Atelier polls). `.parse({})` yields `{ size: 'auto', resolution: '1K', quality: 'medium', n: 1 }`.
 */
export const EvolinkGptImage2Params = z
  .object({
    size: EvolinkSize.default('auto'),
    resolution: z.enum(EVOLINK_RESOLUTIONS).default('1K'),
    quality: z.enum(EVOLINK_QUALITIES).default('medium'),
    n: z.number().int().min(EVOLINK_MIN_N).max(EVOLINK_MAX_N).default(1),
  })
  .strict();
/** Parsed (defaults filled) EvoLink gpt-image-2 parameters. */
export type EvolinkGptImage2Params = z.infer<typeof EvolinkGptImage2Params>;
/** What {@link EvolinkGptImage2Params} accepts before defaults (every key optional). */
export type EvolinkGptImage2ParamsInput = z.input<typeof EvolinkGptImage2Params>;

/** Length of `s` in Unicode code points (what EvoLink's 32,000 prompt limit counts, per the manual). */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Cost estimate
// ---------------------------------------------------------------------------------------------------------------

/** The token categories EvoLink prices for gpt-image-2 (the `usd_per_1k_tokens.*` items of the price table). */
const EVOLINK_TOKEN_CATEGORIES = {
  imageOutput: 'image_output',
  imageInput: 'image_input',
  imageCachedInput: 'image_cached_input',
  textInput: 'text_input',
  textCachedInput: 'text_cached_input',
} as const;

/**
 * USD per 1,000 tokens for gpt-image-2 on EvoLink, read from `prices` (the `evolink` / `gpt-image-2` /
 * `usd_per_1k_tokens.*` rows; source https://evolink.ai/gpt-image-2, 2026). A category without a row is null.
 */
export function evolinkTokenPrices(
  prices: PriceTable = DEFAULT_PRICES,
): { readonly [K in keyof typeof EVOLINK_TOKEN_CATEGORIES]: number | null } {
  const of = (c: string): number | null => priceOf(prices, 'evolink', 'gpt-image-2', `usd_per_1k_tokens.${c}`);
  return {
    imageOutput: of(EVOLINK_TOKEN_CATEGORIES.imageOutput),
    imageInput: of(EVOLINK_TOKEN_CATEGORIES.imageInput),
    imageCachedInput: of(EVOLINK_TOKEN_CATEGORIES.imageCachedInput),
    textInput: of(EVOLINK_TOKEN_CATEGORIES.textInput),
    textCachedInput: of(EVOLINK_TOKEN_CATEGORIES.textCachedInput),
  };
}

/**
 * USD per 1,000 tokens for gpt-image-2 on EvoLink as published: a derived view of {@link DEFAULT_PRICES}
 * (src/shared/pricing.ts; source https://evolink.ai/gpt-image-2, 2026).
 */
export const EVOLINK_USD_PER_1K_TOKENS = evolinkTokenPrices(DEFAULT_PRICES) as { readonly [K in keyof typeof EVOLINK_TOKEN_CATEGORIES]: number };

/** Tile base by quality (output tokens scale with its square). Source: the price page ("16 / 48 / 96 for low / medium / high"). */
export const EVOLINK_TILE_BASE: Readonly<Record<EvolinkQuality, number>> = { low: 16, medium: 48, high: 96 };

/**
 * Image-input tokens assumed per reference image. The price page gives no per-reference figure; this value is calibrated so that
 * {@link estimateEvolinkUsd} reproduces the page's quoted upper bound ($0.817 at high quality, a 4K 8.29 MP image,
 * 16 references, n = 1): (0.817 − 18,225 · 0.027/1000) / (16 · 0.0072/1000) ≈ 2,820.
 */
export const EVOLINK_EST_TOKENS_PER_REFERENCE = 2820;

/**
 * Pixels assumed for `size: auto`, px: the model picks the size, and the price page estimates it "as 2048×2048
 * conservative cap" (https://evolink.ai/gpt-image-2, the size control's help), so the estimate does too.
 */
export const EVOLINK_AUTO_SIZE_PIXELS = 2048 * 2048;

/**
 * Credits per US dollar on EvoLink, as the price page's table implies: "$0.027 / 1K tokens (1.836 Credits)",
 * "$0.0072 / 1K tokens (0.4896 Credits)" — 68 credits to the dollar (https://evolink.ai/gpt-image-2). A derived
 * rate, not a published one: a USD figure computed with it is marked as derived wherever it is shown.
 */
export const EVOLINK_CREDITS_PER_USD = 68;

/**
 * USD for a number of EvoLink credits (e.g. a task's `usage.credits_reserved`) at {@link EVOLINK_CREDITS_PER_USD},
 * rounded to 6 decimals; null for a missing or negative count. Derived, see the constant.
 */
export function evolinkCreditsToUsd(credits: number | null | undefined): number | null {
  if (typeof credits !== 'number' || !Number.isFinite(credits) || credits < 0) return null;
  return Math.round((credits / EVOLINK_CREDITS_PER_USD) * 1e6) / 1e6;
}

/**
 * The USD a job's EvoLink `usage` stands for, derived from its `credits_reserved` (EvoLink credits) at
 * {@link EVOLINK_CREDITS_PER_USD}: null for any other provider, or a usage without a credit count. A derived
 * figure (EvoLink reports no USD charge), to be shown as such.
 */
export function evolinkDerivedUsd(provider: string, usage: unknown): number | null {
  if (provider !== 'evolink' || usage === null || typeof usage !== 'object') return null;
  return evolinkCreditsToUsd((usage as { credits_reserved?: unknown }).credits_reserved as number | undefined);
}

/**
 * Text-input tokens estimated for a prompt (no tokenizer here): one per 4 ASCII characters, one per other code
 * point (CJK text runs about a token a character). 0 for an empty prompt.
 */
export function estimatePromptTokens(prompt: string): number {
  let ascii = 0;
  let other = 0;
  for (const ch of prompt) {
    if (ch.codePointAt(0)! < 0x80) ascii++;
    else other++;
  }
  return Math.ceil(ascii / 4) + other;
}

/**
 * Pre-bill estimate, in USD, of one EvoLink gpt-image-2 request — an estimate only: the real charge follows the
 * `usage` object EvoLink returns (`credits_reserved`, in EvoLink credits), per the price page.
 *
 * Formula (inputs from https://evolink.ai/gpt-image-2; its shape inferred, not documented, to match the page's figures):
 *
 *   pixels        = W·H of {@link evolinkPixelSize}(size, resolution), or 2048² for `auto` (the page's cap)
 *   outputTokens  = B² · pixels / 2048²          (B = tile base 16 / 48 / 96 for low / medium / high)
 *   textTokens    = {@link estimatePromptTokens}(prompt)
 *   USD           = n · (outputTokens · imageOutput + referenceCount · 2,820 · imageInput + textTokens · textInput) / 1000
 *                   (USD per 1K tokens from `prices`; published 0.027, 0.0072 and 0.0045)
 *
 * Why this shape: with B² the quality ratios are exactly the page's "low ≈ 0.11× medium, high ≈ 4×"
 * (16²/48² = 0.111, 96²/48² = 4); scaling by pixels/2048² makes the cheapest preset (low, 1K, ≈1.04 MP, no
 * references) cost $0.0017, the page's lower bound; the per-reference tokens are calibrated to its upper bound
 * ($0.817, see {@link EVOLINK_EST_TOKENS_PER_REFERENCE}). The page's range is "at n=1 … Multiply by Count for n>1",
 * so the whole per-image figure — reference and text tokens included — is multiplied by n. Cached-input
 * discounts are left out (they apply only when the provider reports cached tokens).
 *
 * @param params parameters as accepted by {@link EvolinkGptImage2Params} (missing keys take the defaults).
 * @param referenceCount number of reference images (`image_urls`), 0–16.
 * @param prices the price table in force (default {@link DEFAULT_PRICES}, src/shared/pricing.ts).
 * @param prompt the prompt, for its text-input tokens (default '': none).
 * @returns USD rounded to 6 decimals, or null when `params` fail the schema, `referenceCount` is out of range or
 *   `prices` lacks the image output/input prices (a missing text-input price counts the text as free).
 */
export function estimateEvolinkUsd(
  params: EvolinkGptImage2ParamsInput,
  referenceCount: number,
  prices: PriceTable = DEFAULT_PRICES,
  prompt = '',
): number | null {
  const parsed = EvolinkGptImage2Params.safeParse(params);
  if (!parsed.success) return null;
  if (!Number.isInteger(referenceCount) || referenceCount < 0 || referenceCount > EVOLINK_MAX_IMAGES) return null;
  const p = parsed.data;
  const usdPer1k = evolinkTokenPrices(prices);
  if (usdPer1k.imageOutput === null || usdPer1k.imageInput === null) return null;
  const px = evolinkPixelSize(p.size, p.resolution);
  const pixels = px ? px.width * px.height : EVOLINK_AUTO_SIZE_PIXELS;
  const base = EVOLINK_TILE_BASE[p.quality];
  const outputTokens = (base * base * pixels) / (2048 * 2048);
  const perImage =
    outputTokens * usdPer1k.imageOutput +
    referenceCount * EVOLINK_EST_TOKENS_PER_REFERENCE * usdPer1k.imageInput +
    estimatePromptTokens(prompt) * (usdPer1k.textInput ?? 0);
  const usd = (p.n * perImage) / 1000;
  return Math.round(usd * 1e6) / 1e6;
}
