/**
 * OpenAI Images API (`POST /v1/images/generations`, `POST /v1/images/edits`): per-model parameter schemas,
 * request limits, the gpt-image-2 size rules, and USD prices/cost functions.
 *
 * Pure TS (zod and types only), shared by the composer and the main process. Parameter names are OpenAI's own
 * wire names. Sources: OpenAI's API reference (https://platform.openai.com/docs/api-reference/images) and its Node
 * SDK, openai-node (https://github.com/openai/openai-node @ 7b7d6ca, 2026-08-21, `src/resources/images.ts`), marked
 * per rule below; "third-party" means no OpenAI source gives the figure.
 */
import { z } from 'zod';
import { DEFAULT_PRICES, priceOf, type PriceTable } from '../pricing';
import type { ModelId } from '../capabilities';

// ---------------------------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------------------------

/** The GPT Image models Atelier offers through OpenAI (a subset of openai-node's `ImageModel`). */
export const OPENAI_IMAGE_MODELS = ['gpt-image-2', 'gpt-image-1.5', 'gpt-image-1', 'gpt-image-1-mini'] as const satisfies readonly ModelId[];
/** One of {@link OPENAI_IMAGE_MODELS}. */
export type OpenAiImageModel = (typeof OPENAI_IMAGE_MODELS)[number];

/** True when `model` is one of {@link OPENAI_IMAGE_MODELS}. */
export function isOpenAiImageModel(model: string): model is OpenAiImageModel {
  return (OPENAI_IMAGE_MODELS as readonly string[]).includes(model);
}

// ---------------------------------------------------------------------------------------------------------------
// Limits (openai-node `ImageGenerateParams`, `ImageEditParams`)
// ---------------------------------------------------------------------------------------------------------------

/**
 * Request limits of the Images API for GPT image models.
 * - `maxPromptChars`: 32000 characters (openai-node `prompt` doc). Counted as Unicode code points, one way
 *   everywhere: the composer (capabilities `promptUnit: 'codepoint'`), the submit check and the client.
 * - `maxInputImages`: 16 images per edit (openai-node `image` doc).
 * - `maxInputImageBytes`: each image "less than 50MB" (openai-node). We read MB as 10^6 bytes — the smaller of the two
 *   readings, so anything we accept is under the limit either way — and the bound is exclusive.
 * - `inputImageMimes`: png, webp, jpg.
 * - `maxMaskBytes`: mask PNG "less than 4MB" (same reading, exclusive); it must have the same dimensions as the
 *   first image, and its fully transparent areas (alpha 0) are the ones edited.
 */
export const OPENAI_LIMITS = {
  maxPromptChars: 32_000,
  minInputImages: 1,
  maxInputImages: 16,
  maxInputImageBytes: 50_000_000,
  inputImageMimes: ['image/png', 'image/webp', 'image/jpeg'] as const,
  maxMaskBytes: 4_000_000,
  maskMime: 'image/png' as const,
  minImages: 1,
  maxImages: 10,
} as const;

// ---------------------------------------------------------------------------------------------------------------
// gpt-image-2 size rules (openai-node `ImageGenerateParams.size`)
// ---------------------------------------------------------------------------------------------------------------

/**
 * gpt-image-2 size limits: any `WIDTHxHEIGHT` with both edges multiples of 16, long:short edge ≤ 3:1, longest edge
 * ≤ 3840 px (openai-node), total pixels 655,360–8,294,400 inclusive (third-party: the SDK only says "the model's current
 * pixel and edge limits"; these figures agree with EvoLink's rules). 3840×2160 and 2880×2880 sit exactly on the maximum.
 */
export const GPT_IMAGE_2_SIZE_RULES = {
  multipleOf: 16,
  maxAspect: 3,
  maxEdge: 3840,
  minPixels: 655_360,
  maxPixels: 8_294_400,
} as const;

/** Why a gpt-image-2 size is refused; one name per rule of {@link GPT_IMAGE_2_SIZE_RULES}. */
export const GPT_IMAGE_2_SIZE_REASONS = [
  'malformed', // not `auto` and not `<W>x<H>` with positive integer px (lowercase x, no spaces, no leading zeros)
  'not_multiple_of_16', // width or height not divisible by 16
  'aspect_out_of_range', // long edge more than 3 × the short edge
  'edge_too_long', // an edge over 3840 px
  'too_few_pixels', // width × height under 655,360
  'too_many_pixels', // width × height over 8,294,400
] as const;
/** One of {@link GPT_IMAGE_2_SIZE_REASONS}. */
export type GptImage2SizeReason = (typeof GPT_IMAGE_2_SIZE_REASONS)[number];

/**
 * Result of {@link checkGptImage2Size}: `auto`, an accepted size with its width/height in px, or a refusal listing
 * every rule broken (in {@link GPT_IMAGE_2_SIZE_REASONS} order; `malformed` alone when it cannot be parsed).
 */
export type GptImage2SizeCheck =
  | { ok: true; auto: true }
  | { ok: true; auto: false; width: number; height: number }
  | { ok: false; reasons: [GptImage2SizeReason, ...GptImage2SizeReason[]] };

const SIZE_RE = /^([1-9]\d{0,5})x([1-9]\d{0,5})$/;

/**
 * Checks a gpt-image-2 `size` string against {@link GPT_IMAGE_2_SIZE_RULES}. Pure integer arithmetic.
 * @param size `auto` or `<width>x<height>` in px, e.g. `1536x864`
 * @returns see {@link GptImage2SizeCheck}
 */
export function checkGptImage2Size(size: string): GptImage2SizeCheck {
  if (size === 'auto') return { ok: true, auto: true };
  const m = SIZE_RE.exec(size);
  if (!m) return { ok: false, reasons: ['malformed'] };
  const width = Number(m[1]);
  const height = Number(m[2]);
  const r = GPT_IMAGE_2_SIZE_RULES;
  const reasons: GptImage2SizeReason[] = [];
  if (width % r.multipleOf !== 0 || height % r.multipleOf !== 0) reasons.push('not_multiple_of_16');
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  if (long > r.maxAspect * short) reasons.push('aspect_out_of_range');
  if (long > r.maxEdge) reasons.push('edge_too_long');
  const pixels = width * height;
  if (pixels < r.minPixels) reasons.push('too_few_pixels');
  if (pixels > r.maxPixels) reasons.push('too_many_pixels');
  const [first, ...rest] = reasons;
  return first === undefined ? { ok: true, auto: false, width, height } : { ok: false, reasons: [first, ...rest] };
}

/**
 * A few gpt-image-2 sizes for the composer's size picker (all pass {@link checkGptImage2Size}). Any other valid
 * `WxH` is accepted too; the capability table has no free-form size control yet.
 */
export const GPT_IMAGE_2_SIZE_PRESETS = [
  'auto',
  '1024x1024',
  '1536x1024',
  '1024x1536',
  '1536x864',
  '864x1536',
  '2048x2048',
  '2560x1440',
  '1440x2560',
  '3840x2160',
  '2160x3840',
] as const;

/** The fixed sizes of the gpt-image-1 family (gpt-image-1, -1-mini, -1.5) (openai-node). */
export const GPT_IMAGE_1_SIZES = ['auto', '1024x1024', '1536x1024', '1024x1536'] as const;

// ---------------------------------------------------------------------------------------------------------------
// Parameter schemas (one per model; `.strict()`; `.parse({})` yields the documented defaults)
// ---------------------------------------------------------------------------------------------------------------

/**
 * Whether gpt-image-2 is offered `background: "transparent"`. Sources conflict: openai-node as
 * of 2026-08 calls it "in preview" (openai-python PR #3703 replaced "not supported" with "preview"), while
 * Apiframe's gpt-image-2 schema and much client code from 2026-04…06 say the API rejects it.
 *
 * Decision: **off**. A preview is not a contract (it may be refused per account or change), the same model on
 * Apiframe cannot do it either, so the controls stay identical across providers and `carryParams` never carries a
 * value that works on one provider only; gpt-image-1.5 offers real transparency. To flip it, set this to true:
 * the gpt-image-2 enum, its refinement and the unit test's expectation all follow this constant.
 */
export const GPT_IMAGE_2_ALLOWS_TRANSPARENT = false;

const Quality = z.enum(['low', 'medium', 'high', 'auto']).default('auto');
const OutputFormat = z.enum(['png', 'jpeg', 'webp']).default('png');
/** 0–100 (%), default 100; only meaningful for jpeg/webp (the wire builders omit it for png). */
const OutputCompression = z.number().int().min(0).max(100).default(100);
const Moderation = z.enum(['low', 'auto']).default('auto');
const Count = z.number().int().min(OPENAI_LIMITS.minImages).max(OPENAI_LIMITS.maxImages).default(1);
const InputFidelity = z.enum(['low', 'high']).default('low');

const GptImage2Size = z
  .string()
  .default('auto')
  .superRefine((size, ctx) => {
    const c = checkGptImage2Size(size);
    if (!c.ok) {
      ctx.addIssue({
        code: 'custom',
        message: `Invalid gpt-image-2 size "${size}": ${c.reasons.join(', ')}`,
        params: { reasons: c.reasons },
      });
    }
  });

const GPT_IMAGE_2_BACKGROUNDS = GPT_IMAGE_2_ALLOWS_TRANSPARENT
  ? (['auto', 'opaque', 'transparent'] as const)
  : (['auto', 'opaque'] as const);

/** `background: transparent` needs an output format with alpha (png or webp) (openai-node `background` doc). */
function transparentNeedsAlpha(p: { background: string; output_format: string }, ctx: z.core.$RefinementCtx): void {
  if (p.background === 'transparent' && p.output_format === 'jpeg') {
    ctx.addIssue({
      code: 'custom',
      path: ['background'],
      message: 'A transparent background needs output_format png or webp (jpeg has no alpha channel)',
      params: { reason: 'transparent_needs_png_or_webp' },
    });
  }
}

/**
 * gpt-image-2 parameters. Defaults: size `auto`, quality `auto`, background `auto`, output_format `png`,
 * output_compression 100 (%), moderation `auto`, n 1 (openai-node defaults). No `input_fidelity`: gpt-image-2 takes
 * inputs at high fidelity by itself and the parameter is omitted for it (Apiframe's gpt-image-2 page,
 * https://docs-v2.apiframe.ai/docs/images/gpt-image-2, and third-party clients; openai-node's wording is ambiguous).
 * `background: transparent` per {@link GPT_IMAGE_2_ALLOWS_TRANSPARENT}.
 */
export const OpenAiGptImage2Params = z
  .object({
    size: GptImage2Size,
    quality: Quality,
    background: z.enum(GPT_IMAGE_2_BACKGROUNDS).default('auto'),
    output_format: OutputFormat,
    output_compression: OutputCompression,
    moderation: Moderation,
    n: Count,
  })
  .strict()
  .superRefine(transparentNeedsAlpha);
/** Parsed {@link OpenAiGptImage2Params}. */
export type OpenAiGptImage2Params = z.infer<typeof OpenAiGptImage2Params>;

const gptImage1Shape = {
  size: z.enum(GPT_IMAGE_1_SIZES).default('auto'),
  quality: Quality,
  background: z.enum(['auto', 'opaque', 'transparent']).default('auto'),
  output_format: OutputFormat,
  output_compression: OutputCompression,
  moderation: Moderation,
  n: Count,
};

/**
 * gpt-image-1.5 and gpt-image-1 parameters: sizes `auto|1024x1024|1536x1024|1024x1536`, `transparent` allowed (with
 * png/webp only), `input_fidelity` low|high default low (used by edits; supported for gpt-image-1 and -1.5, openai-node).
 */
export const OpenAiGptImage15Params = z
  .object({ ...gptImage1Shape, input_fidelity: InputFidelity })
  .strict()
  .superRefine(transparentNeedsAlpha);
/** Parsed {@link OpenAiGptImage15Params}. */
export type OpenAiGptImage15Params = z.infer<typeof OpenAiGptImage15Params>;

/** gpt-image-1: the same parameters as gpt-image-1.5 ({@link OpenAiGptImage15Params}). */
export const OpenAiGptImage1Params = OpenAiGptImage15Params;
/** Parsed {@link OpenAiGptImage1Params}. */
export type OpenAiGptImage1Params = OpenAiGptImage15Params;

/** gpt-image-1-mini: as gpt-image-1 but without `input_fidelity` (not supported for -1-mini, openai-node). */
export const OpenAiGptImage1MiniParams = z.object(gptImage1Shape).strict().superRefine(transparentNeedsAlpha);
/** Parsed {@link OpenAiGptImage1MiniParams}. */
export type OpenAiGptImage1MiniParams = z.infer<typeof OpenAiGptImage1MiniParams>;

/** Any parsed OpenAI parameter set. */
export type OpenAiImageParams = OpenAiGptImage2Params | OpenAiGptImage15Params | OpenAiGptImage1MiniParams;

/** The parameter schema of each model. */
export const OPENAI_PARAMS: { readonly [M in OpenAiImageModel]: z.ZodType<OpenAiImageParams> } = {
  'gpt-image-2': OpenAiGptImage2Params,
  'gpt-image-1.5': OpenAiGptImage15Params,
  'gpt-image-1': OpenAiGptImage1Params,
  'gpt-image-1-mini': OpenAiGptImage1MiniParams,
};

/** Models whose edits take `input_fidelity` (gpt-image-1, gpt-image-1.5) (openai-node). */
export function takesInputFidelity(model: OpenAiImageModel): boolean {
  return model === 'gpt-image-1' || model === 'gpt-image-1.5';
}

// ---------------------------------------------------------------------------------------------------------------
// Prices — third-party figures (OpenAI's own page: https://developers.openai.com/api/docs/pricing)
// ---------------------------------------------------------------------------------------------------------------

/** When the published prices were taken (YYYY-MM): {@link DEFAULT_PRICES}`.takenAt` (src/shared/pricing.ts). */
export const PRICES_TAKEN = DEFAULT_PRICES.takenAt;
/** Where they come from. Not OpenAI's pricing page: third-party compilations, so treat every figure as an estimate. */
export const PRICES_SOURCE =
  'https://developers.openai.com/api/docs/pricing (figures from third-party compilations; check them there)';

/** USD per 1 M tokens; `null` where the source gives no figure. */
export interface OpenAiTokenPrices {
  textIn: number;
  /** Cached text input; null = not given (priced as `textIn`, an upper bound). */
  textInCached: number | null;
  imageIn: number;
  /** Cached image input; null = not given (priced as `imageIn`). */
  imageInCached: number | null;
  /** Image output. Output text tokens (rare, 0 in practice) are priced at this rate too: the source has no text-out figure. */
  imageOut: number;
}

/** USD per generated 1024×1024 image by quality (third-party per-image figures). */
export interface OpenAiPerImagePrices {
  low: number;
  medium: number;
  high: number;
}

/** The prices of one OpenAI model: USD per 1 M tokens and USD per 1024×1024 image. */
export interface OpenAiModelPrices {
  tokens: OpenAiTokenPrices;
  perImage1024: OpenAiPerImagePrices;
}

/**
 * The prices of `model` read from `prices` (the `openai` rows: `usd_per_1m_tokens.{text_in, text_in_cached,
 * image_in, image_in_cached, image_out}` and `usd_per_image_1024.{low, medium, high}`), or null where any of the
 * required figures is missing (the cached ones are optional).
 */
export function openAiPricesOf(model: OpenAiImageModel, prices: PriceTable = DEFAULT_PRICES): OpenAiModelPrices | null {
  const tok = (c: string): number | null => priceOf(prices, 'openai', model, `usd_per_1m_tokens.${c}`);
  const img = (q: string): number | null => priceOf(prices, 'openai', model, `usd_per_image_1024.${q}`);
  const textIn = tok('text_in');
  const imageIn = tok('image_in');
  const imageOut = tok('image_out');
  const low = img('low');
  const medium = img('medium');
  const high = img('high');
  if (textIn === null || imageIn === null || imageOut === null || low === null || medium === null || high === null) return null;
  return {
    tokens: { textIn, textInCached: tok('text_in_cached'), imageIn, imageInCached: tok('image_in_cached'), imageOut },
    perImage1024: { low, medium, high },
  };
}

/**
 * All published OpenAI prices, taken {@link PRICES_TAKEN} from {@link PRICES_SOURCE}: a derived view of
 * {@link DEFAULT_PRICES}. gpt-image-1-mini is not in the source, so it has no prices (estimates and costs are `null`
 * for it). gpt-image-2 per-image figures are marked "≈" in the source. gpt-image-1.5 cached-input prices are not
 * given. Estimates read the table passed to them (default the published one).
 */
export const OPENAI_PRICES: { readonly [M in OpenAiImageModel]: OpenAiModelPrices | null } = {
  'gpt-image-2': openAiPricesOf('gpt-image-2'),
  'gpt-image-1.5': openAiPricesOf('gpt-image-1.5'),
  'gpt-image-1': openAiPricesOf('gpt-image-1'),
  'gpt-image-1-mini': openAiPricesOf('gpt-image-1-mini'),
};

/** 1024 × 1024 px, the size the per-image prices are quoted for. */
const PRICE_BASE_PIXELS = 1024 * 1024;
/** `size: auto` is estimated as 1536×1024 px, the largest size the gpt-image-1 family picks (an upper bound). */
const AUTO_SIZE_PIXELS = 1536 * 1024;

/**
 * Estimated USD for one generation before it runs: per-image price × (pixels / 1024²) × n.
 * - quality `auto` is priced as `high` and size `auto` as 1536×1024 (upper bounds: the model picks).
 * - Output images only: an edit also pays for its input images (text + image input tokens), not included here.
 * - Scaling by area matches the gpt-image-1 table (1536×1024 costs 1.5× 1024×1024); for gpt-image-2's large sizes
 *   it is an approximation.
 * @param params a parsed parameter set (missing keys take the defaults: quality auto, size auto, n 1)
 * @param table the price table in force (default {@link DEFAULT_PRICES}, src/shared/pricing.ts)
 * @returns USD, or null for a model without prices (gpt-image-1-mini) or an unusable size
 */
export function estimateOpenAiUsd(
  model: OpenAiImageModel,
  params: Partial<Record<string, unknown>>,
  table: PriceTable = DEFAULT_PRICES,
): number | null {
  const prices = openAiPricesOf(model, table);
  if (!prices) return null;
  const q = params['quality'];
  const quality: keyof OpenAiPerImagePrices = q === 'low' || q === 'medium' || q === 'high' ? q : 'high';
  const size = typeof params['size'] === 'string' ? params['size'] : 'auto';
  let pixels: number;
  if (size === 'auto') pixels = AUTO_SIZE_PIXELS;
  else {
    const m = SIZE_RE.exec(size);
    if (!m) return null;
    pixels = Number(m[1]) * Number(m[2]);
  }
  const n = typeof params['n'] === 'number' && Number.isInteger(params['n']) && params['n'] > 0 ? params['n'] : 1;
  return roundUsd(prices.perImage1024[quality] * (pixels / PRICE_BASE_PIXELS) * n);
}

/**
 * Token usage as the Images API reports it (openai-node `ImagesResponse.usage`): counts in tokens.
 * `output_tokens_details` is optional; `cached_tokens` is accepted where an endpoint reports it (ignored: we cannot
 * tell text from image cache hits, so cost is an upper bound).
 */
export interface OpenAiImageUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_tokens_details?: { text_tokens: number; image_tokens: number; cached_tokens?: number };
  output_tokens_details?: { text_tokens: number; image_tokens: number };
}

/**
 * USD actually charged for one call, from its `usage` and the prices of `table` (USD per 1 M tokens; default
 * {@link DEFAULT_PRICES}, the published figures of {@link OPENAI_PRICES}):
 * text input × textIn + image input × imageIn + output × imageOut. Without `input_tokens_details` all input is
 * priced as image input; without `output_tokens_details` all output as image output (both upper bounds).
 * Rounded to 1e-6 USD.
 * @returns USD, or null for a model without prices (gpt-image-1-mini)
 */
export function costFromUsage(
  model: OpenAiImageModel,
  usage: OpenAiImageUsage,
  table: PriceTable = DEFAULT_PRICES,
): number | null {
  const prices = openAiPricesOf(model, table);
  if (!prices) return null;
  const p = prices.tokens;
  const inD = usage.input_tokens_details;
  const textIn = inD ? inD.text_tokens : 0;
  const imageIn = inD ? inD.image_tokens : usage.input_tokens;
  const out = usage.output_tokens;
  return roundUsd((textIn * p.textIn + imageIn * p.imageIn + out * p.imageOut) / 1_000_000);
}

function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}
