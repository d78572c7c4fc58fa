/**
 * Provider and model capability tables: which models each provider serves, and a zod schema of each model's
 * parameters with the ranges and defaults exactly as the provider documents them.
 *
 * The composer renders its controls from these tables and validates with the same schema the main process uses
 * before anything is submitted. Pure TS: no Node, no DOM.
 */
import { z } from 'zod';
import {
  EVOLINK_MAX_IMAGE_BYTES,
  EVOLINK_MAX_IMAGES,
  EVOLINK_MAX_PROMPT_CODEPOINTS,
  EVOLINK_SIZE_PRESETS,
  EvolinkGptImage2Params,
  estimateEvolinkUsd,
} from './providers/evolink';
import {
  GPT_IMAGE_2_SIZE_PRESETS,
  OPENAI_IMAGE_MODELS,
  OPENAI_LIMITS,
  OPENAI_PARAMS,
  estimateOpenAiUsd,
  isOpenAiImageModel,
  type OpenAiImageModel,
} from './providers/openai';
import { DEFAULT_PRICES, priceOf, type PriceTable } from './pricing';
import { LIMITS } from './limits';

/** Providers Atelier can talk to. `sandbox` renders locally, offline and free. */
export const PROVIDER_IDS = ['sandbox', 'apiframe', 'evolink', 'openai', 'openai-compatible'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];
export const ProviderIdSchema = z.enum(PROVIDER_IDS);

/** Providers that need an API key kept in the keychain. */
export const KEYED_PROVIDERS = ['apiframe', 'evolink', 'openai', 'openai-compatible'] as const satisfies readonly ProviderId[];
/** Keyed providers where the key is optional (a local OpenAI-compatible server often needs none). */
export const KEY_OPTIONAL: readonly KeyedProviderId[] = ['openai-compatible'];
export type KeyedProviderId = (typeof KEYED_PROVIDERS)[number];
export const KeyedProviderIdSchema = z.enum(KEYED_PROVIDERS);

/** OpenAI image model ids (openai-node `ImageModel`), the ones Atelier offers. */
export const MODEL_IDS = ['gpt-image-2', 'gpt-image-1.5', 'gpt-image-1', 'gpt-image-1-mini'] as const;
export type KnownModelId = (typeof MODEL_IDS)[number];
/** A model the user names for an OpenAI-compatible server, e.g. `custom:stablediffusion`. */
export type CustomModelId = `custom:${string}`;
export type ModelId = KnownModelId | CustomModelId;
/** Custom model names: 1–128 characters of letters, digits and `._:/-`. */
export const CUSTOM_MODEL_RE = /^custom:[A-Za-z0-9._:/-]{1,128}$/;
export const ModelIdSchema = z.union([
  z.enum(MODEL_IDS),
  z.string().max(LIMITS.modelName).regex(CUSTOM_MODEL_RE, 'a custom model name (letters, digits, . _ : / -)') as z.ZodType<CustomModelId>,
]);
export const isCustomModel = (m: string): m is CustomModelId => CUSTOM_MODEL_RE.test(m);
/** The model name sent on the wire (`custom:foo` → `foo`). */
export const wireModelName = (m: ModelId): string => (isCustomModel(m) ? m.slice('custom:'.length) : m);

/**
 * Apiframe `gptImage2Params` for `model: "gpt-image-2"`.
 * Source: specs/apiframe-v2-openapi.json, GenerateImageRequest.oneOf[40] (additionalProperties: false);
 * defaults from docs-v2.apiframe.ai/docs/images/gpt-image-2 (quality auto, output_format webp, background auto,
 * moderation auto). The aspect_ratio default is not documented for v2; we send 1:1 explicitly.
 * `input_images` is not a user parameter: the engine fills it from the reference images.
 */
export const ApiframeGptImage2Params = z
  .object({
    quality: z.enum(['low', 'medium', 'high', 'auto']).default('auto'),
    aspect_ratio: z.enum(['1:1', '3:2', '2:3']).default('1:1'),
    output_format: z.enum(['png', 'jpeg', 'webp']).default('webp'),
    background: z.enum(['auto', 'opaque']).default('auto'),
    moderation: z.enum(['auto', 'low']).default('auto'),
    number_of_images: z.number().int().min(1).max(10).default(1),
  })
  .strict();
export type ApiframeGptImage2Params = z.infer<typeof ApiframeGptImage2Params>;

/**
 * Apiframe `gptImageParams` for `model: "gpt-image-1.5"` (note the different key, and no `moderation`).
 * Source: apiframe-v2-openapi.json GenerateImageRequest.oneOf[39]; defaults from docs-v2.apiframe.ai
 * gpt-image-1-5 page (quality auto, aspect_ratio 1:1, output_format webp, background auto, input_fidelity low,
 * number_of_images 1).
 */
export const ApiframeGptImage15Params = z
  .object({
    quality: z.enum(['low', 'medium', 'high', 'auto']).default('auto'),
    aspect_ratio: z.enum(['1:1', '3:2', '2:3']).default('1:1'),
    output_format: z.enum(['png', 'jpeg', 'webp']).default('webp'),
    background: z.enum(['auto', 'transparent', 'opaque']).default('auto'),
    input_fidelity: z.enum(['low', 'high']).default('low'),
    number_of_images: z.number().int().min(1).max(10).default(1),
  })
  .strict();
export type ApiframeGptImage15Params = z.infer<typeof ApiframeGptImage15Params>;

/** A single control the composer renders for a parameter. */
export type ParamControl =
  | { kind: 'enum'; name: string; options: readonly string[]; default: string }
  | { kind: 'int'; name: string; min: number; max: number; default: number }
  /** A size: one of `presets`, or any `WxH` the schema accepts (the schema's issue names the broken rule). */
  | { kind: 'size'; name: string; presets: readonly string[]; default: string };

/** One model as served by one provider. */
export interface ModelCapability {
  provider: ProviderId;
  model: ModelId;
  /** zod schema of the user-settable parameters; `.parse({})` yields the documented defaults. */
  params: z.ZodType<Record<string, unknown>>;
  /** Controls in display order, derived from the same rules as `params`. */
  controls: readonly ParamControl[];
  /** Longest prompt accepted, in `promptUnit`s (Apiframe: 1–2000, OpenAPI `prompt.maxLength`). */
  maxPromptChars: number;
  /**
   * How the provider counts prompt length: `utf16` code units (Apiframe validates with Zod, whose `max` counts
   * UTF-16 units, stricter than the spec's JSON-Schema code points) or Unicode `codepoint`s (EvoLink documents
   * code points).
   */
  promptUnit: 'utf16' | 'codepoint';
  /** Most reference images accepted (Apiframe documents no maximum; we cap at 16 like OpenAI/EvoLink). */
  maxReferenceImages: number;
  /** Largest reference image accepted, in bytes (Apiframe `POST /v2/uploads`: 25 MB for images). */
  maxReferenceBytes: number;
  /** The parameter that sets how many images one job makes. */
  countParam: string;
  /**
   * The model's typical run time on this provider, ms — the prior of adaptive polling. gpt-image-2 on Apiframe:
   * "~15 s average" (apiframe.ai/models/gpt-image-2); other image jobs "10–60 s" (docs-v2.apiframe.ai FAQ).
   */
  typicalDurationMs: number;
  /**
   * True where the model takes a mask with an edit (OpenAI `POST /images/edits` `mask`: a PNG, alpha 0 where to
   * edit, the size of the first image — https://platform.openai.com/docs/api-reference/images/createEdit). Apiframe and
   * EvoLink gpt-image schemas have none.
   */
  takesMask?: boolean;
}

const enumControl = (name: string, schema: z.ZodDefault<z.ZodEnum>): ParamControl => ({
  kind: 'enum',
  name,
  options: schema.unwrap().options as readonly string[],
  default: schema.parse(undefined) as string,
});

function controlsOf(shape: Record<string, z.ZodType>, sizePresets?: readonly string[]): ParamControl[] {
  const out: ParamControl[] = [];
  for (const [name, s] of Object.entries(shape)) {
    const inner = (s as z.ZodDefault<z.ZodType>).unwrap();
    if (inner instanceof z.ZodString && sizePresets) {
      out.push({ kind: 'size', name, presets: sizePresets, default: String((s as z.ZodType).parse(undefined)) });
    } else if (inner instanceof z.ZodEnum) out.push(enumControl(name, s as z.ZodDefault<z.ZodEnum>));
    else if (inner instanceof z.ZodNumber) {
      out.push({
        kind: 'int',
        name,
        min: inner.minValue ?? 0,
        max: inner.maxValue ?? Number.MAX_SAFE_INTEGER,
        default: (s as z.ZodDefault<z.ZodNumber>).parse(undefined),
      });
    }
  }
  return out;
}

/** 25 MB, the image limit of Apiframe `POST /v2/uploads` (OpenAPI `/v2/uploads` description). */
export const APIFRAME_MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

/** The sandbox mirrors gpt-image-2's parameters so every flow can be tried offline. */
export const SandboxParams = ApiframeGptImage2Params;

export const CAPABILITIES: readonly ModelCapability[] = [
  {
    provider: 'apiframe',
    model: 'gpt-image-2',
    params: ApiframeGptImage2Params,
    controls: controlsOf(ApiframeGptImage2Params.shape),
    maxPromptChars: 2000,
    promptUnit: 'utf16',
    maxReferenceImages: 16,
    maxReferenceBytes: APIFRAME_MAX_UPLOAD_BYTES,
    countParam: 'number_of_images',
    typicalDurationMs: 15_000,
  },
  {
    provider: 'apiframe',
    model: 'gpt-image-1.5',
    params: ApiframeGptImage15Params,
    controls: controlsOf(ApiframeGptImage15Params.shape),
    maxPromptChars: 2000,
    promptUnit: 'utf16',
    maxReferenceImages: 16,
    maxReferenceBytes: APIFRAME_MAX_UPLOAD_BYTES,
    countParam: 'number_of_images',
    typicalDurationMs: 25_000,
  },
  {
    provider: 'sandbox',
    model: 'gpt-image-2',
    params: SandboxParams,
    controls: controlsOf(SandboxParams.shape),
    maxPromptChars: 2000,
    promptUnit: 'utf16',
    maxReferenceImages: 16,
    maxReferenceBytes: APIFRAME_MAX_UPLOAD_BYTES,
    countParam: 'number_of_images',
    typicalDurationMs: 2_500,
    // The sandbox takes a mask as OpenAI's edits do and changes only inside it (providers/sandbox.ts).
    takesMask: true,
  },
  {
    provider: 'sandbox',
    model: 'gpt-image-1.5',
    params: ApiframeGptImage15Params,
    controls: controlsOf(ApiframeGptImage15Params.shape),
    maxPromptChars: 2000,
    promptUnit: 'utf16',
    maxReferenceImages: 16,
    maxReferenceBytes: APIFRAME_MAX_UPLOAD_BYTES,
    countParam: 'number_of_images',
    typicalDurationMs: 2_500,
    // The sandbox takes a mask as OpenAI's edits do and changes only inside it (providers/sandbox.ts).
    takesMask: true,
  },
  {
    provider: 'evolink',
    model: 'gpt-image-2',
    params: EvolinkGptImage2Params,
    controls: controlsOf(EvolinkGptImage2Params.shape, EVOLINK_SIZE_PRESETS),
    // EvoLink counts the prompt in Unicode code points (docs.evolink.ai gpt-image-2 reference).
    maxPromptChars: EVOLINK_MAX_PROMPT_CODEPOINTS,
    promptUnit: 'codepoint',
    maxReferenceImages: EVOLINK_MAX_IMAGES,
    maxReferenceBytes: EVOLINK_MAX_IMAGE_BYTES,
    countParam: 'n',
    // Vendor skill: "1K/low 5–15 s … 4K/high 30–90 s".
    typicalDurationMs: 30_000,
  },
  ...OPENAI_IMAGE_MODELS.map((model) => openAiCapability('openai', model)),
];

/** Capability of an OpenAI Images model, on OpenAI itself or on an OpenAI-compatible server. */
function openAiCapability(provider: 'openai' | 'openai-compatible', model: OpenAiImageModel | CustomModelId): ModelCapability {
  // A custom model on a compatible server speaks the gpt-image-1 parameter set (the common Images API shape).
  const params = isCustomModel(model) ? OPENAI_PARAMS['gpt-image-1'] : OPENAI_PARAMS[model];
  const shape = (params as unknown as z.ZodObject).shape as Record<string, z.ZodType>;
  const presets = model === 'gpt-image-2' ? GPT_IMAGE_2_SIZE_PRESETS : undefined;
  return {
    provider,
    model,
    params: params as unknown as z.ZodType<Record<string, unknown>>,
    controls: controlsOf(shape, presets),
    maxPromptChars: OPENAI_LIMITS.maxPromptChars,
    promptUnit: 'codepoint',
    maxReferenceImages: OPENAI_LIMITS.maxInputImages,
    maxReferenceBytes: OPENAI_LIMITS.maxInputImageBytes,
    countParam: 'n',
    // Synchronous: the reply is the result ("up to ~2 minutes" for large, high-quality images).
    typicalDurationMs: 60_000,
    takesMask: true,
  };
}

/** A prompt's length in the unit the provider counts (see {@link ModelCapability.promptUnit}). */
export function promptLength(cap: Pick<ModelCapability, 'promptUnit'>, prompt: string): number {
  return cap.promptUnit === 'utf16' ? prompt.length : [...prompt].length;
}

/**
 * The capability of `model` on `provider`, or undefined where that provider does not serve it. An
 * OpenAI-compatible server serves the OpenAI model ids and any `custom:` model the user names.
 */
export function capabilityOf(provider: ProviderId, model: ModelId): ModelCapability | undefined {
  if (provider === 'openai-compatible') {
    if (isCustomModel(model) || isOpenAiImageModel(model)) return openAiCapability('openai-compatible', model);
    return undefined;
  }
  return CAPABILITIES.find((c) => c.provider === provider && c.model === model);
}

/**
 * Models a provider serves, in display order. For an OpenAI-compatible server: the models the user named
 * (`customModels`, from Settings) and then the OpenAI ids.
 */
export function modelsOf(provider: ProviderId, customModels: readonly CustomModelId[] = []): ModelId[] {
  if (provider === 'openai-compatible') return [...customModels, ...OPENAI_IMAGE_MODELS];
  return CAPABILITIES.filter((c) => c.provider === provider).map((c) => c.model);
}

/**
 * Keeps the values of `previous` that the new model still accepts and fills the rest with its defaults
 * (switching model keeps what still applies).
 */
export function carryParams(cap: ModelCapability, previous: Record<string, unknown>): Record<string, unknown> {
  const defaults: Record<string, unknown> = cap.params.parse({});
  const out: Record<string, unknown> = { ...defaults };
  // The count carries across providers that name it differently (`number_of_images` ⇄ `n`).
  const count = previous['number_of_images'] ?? previous['n'];
  const prev = count === undefined ? previous : { ...previous, [cap.countParam]: count };
  for (const c of cap.controls) {
    const v = prev[c.name];
    if (v === undefined) continue;
    if (c.kind === 'enum' && typeof v === 'string' && c.options.includes(v)) out[c.name] = v;
    if (c.kind === 'int' && typeof v === 'number' && Number.isInteger(v) && v >= c.min && v <= c.max) out[c.name] = v;
    if (c.kind === 'size' && typeof v === 'string') out[c.name] = v;
  }
  // Values fine alone may clash together (transparent + jpeg) or break a size rule: reset what the schema names.
  for (let i = 0; i < cap.controls.length; i++) {
    const r = cap.params.safeParse(out);
    if (r.success) return r.data;
    for (const issue of r.error.issues) {
      const key = String(issue.path[0] ?? '');
      if (key in defaults) out[key] = defaults[key];
    }
  }
  return defaults;
}

/** Apiframe qualities a credit price is given for. */
const APIFRAME_QUALITIES = ['low', 'medium', 'high', 'auto'] as const;

/**
 * Apiframe credits per image by quality, before the job runs: a derived view of the `credits_per_image.*` rows of
 * {@link DEFAULT_PRICES} (source docs-v2.apiframe.ai, see src/shared/pricing.ts; Apiframe's two doc sites disagree,
 * so this is an estimate; the job's `creditCost` is the truth). Pass a table to {@link estimateCredits} for the
 * prices in force.
 */
export const APIFRAME_CREDITS_PER_IMAGE: Partial<Record<KnownModelId, Record<'low' | 'medium' | 'high' | 'auto', number>>> =
  Object.fromEntries(
    MODEL_IDS.flatMap((m) => {
      const row = APIFRAME_QUALITIES.map((q) => priceOf(DEFAULT_PRICES, 'apiframe', m, `credits_per_image.${q}`));
      return row.every((v) => v !== null) ? [[m, Object.fromEntries(APIFRAME_QUALITIES.map((q, i) => [q, row[i]]))]] : [];
    }),
  );

/**
 * Estimated credits for one job: `credits_per_image.<quality>` × number_of_images (quality default `auto`).
 * 0 for the sandbox, null where the provider does not bill in credits or `prices` has no figure.
 * @param prices the price table in force (default {@link DEFAULT_PRICES})
 */
export function estimateCredits(
  provider: ProviderId,
  model: ModelId,
  params: Record<string, unknown>,
  prices: PriceTable = DEFAULT_PRICES,
): number | null {
  if (provider === 'sandbox') return 0;
  if (provider !== 'apiframe' || isCustomModel(model)) return null;
  const q = (params['quality'] as 'low' | 'medium' | 'high' | 'auto' | undefined) ?? 'auto';
  const n = typeof params['number_of_images'] === 'number' ? (params['number_of_images'] as number) : 1;
  const perImage = priceOf(prices, 'apiframe', model, `credits_per_image.${q}`);
  return perImage === null ? null : perImage * n;
}

/**
 * Estimated USD for one job before submit, where the provider publishes prices (EvoLink's token prices,
 * https://evolink.ai/gpt-image-2; OpenAI's per-image prices — third-party figures, see src/shared/providers/openai.ts).
 * 0 for the sandbox; null where no price is known (Apiframe bills credits; custom models).
 * @param prices the price table in force (default {@link DEFAULT_PRICES}, src/shared/pricing.ts)
 * @param prompt the prompt (EvoLink prices its text-input tokens; default '')
 */
export function estimateUsd(
  provider: ProviderId,
  model: ModelId,
  params: Record<string, unknown>,
  referenceCount: number,
  prices: PriceTable = DEFAULT_PRICES,
  prompt = '',
): number | null {
  if (provider === 'sandbox') return 0;
  if (provider === 'evolink') return estimateEvolinkUsd(params, referenceCount, prices, prompt);
  if (provider === 'openai' && isOpenAiImageModel(model)) return estimateOpenAiUsd(model, params, prices);
  return null;
}
