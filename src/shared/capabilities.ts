/**
 * Provider and model capability tables: which models each provider serves, and a zod schema of each model's
 * parameters with the ranges and defaults exactly as the provider documents them.
 *
 * The composer renders its controls from these tables and validates with the same schema the main process uses
 * before anything is submitted. Pure TS: no Node, no DOM.
 */
import { z } from 'zod';

/** Providers Atelier can talk to. `sandbox` renders locally, offline and free. */
export const PROVIDER_IDS = ['sandbox', 'apiframe'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];
export const ProviderIdSchema = z.enum(PROVIDER_IDS);

/** Providers that need an API key kept in the keychain. */
export const KEYED_PROVIDERS = ['apiframe'] as const satisfies readonly ProviderId[];
export type KeyedProviderId = (typeof KEYED_PROVIDERS)[number];
export const KeyedProviderIdSchema = z.enum(KEYED_PROVIDERS);

/** OpenAI image model ids (openai-node `ImageModel`), the ones Atelier offers. */
export const MODEL_IDS = ['gpt-image-2', 'gpt-image-1.5', 'gpt-image-1', 'gpt-image-1-mini'] as const;
export type ModelId = (typeof MODEL_IDS)[number];
export const ModelIdSchema = z.enum(MODEL_IDS);

/**
 * Apiframe `gptImage2Params` for `model: "gpt-image-2"`.
 * Source: shared/specs/apiframe-v2-openapi.json, GenerateImageRequest.oneOf[40] (additionalProperties: false);
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
  | { kind: 'int'; name: string; min: number; max: number; default: number };

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
}

const enumControl = (name: string, schema: z.ZodDefault<z.ZodEnum>): ParamControl => ({
  kind: 'enum',
  name,
  options: schema.unwrap().options as readonly string[],
  default: schema.parse(undefined) as string,
});

function controlsOf(shape: Record<string, z.ZodType>): ParamControl[] {
  const out: ParamControl[] = [];
  for (const [name, s] of Object.entries(shape)) {
    const inner = (s as z.ZodDefault<z.ZodType>).unwrap();
    if (inner instanceof z.ZodEnum) out.push(enumControl(name, s as z.ZodDefault<z.ZodEnum>));
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
  },
];

/** A prompt's length in the unit the provider counts (see {@link ModelCapability.promptUnit}). */
export function promptLength(cap: Pick<ModelCapability, 'promptUnit'>, prompt: string): number {
  return cap.promptUnit === 'utf16' ? prompt.length : [...prompt].length;
}

/** The capability of `model` on `provider`, or undefined where that provider does not serve it. */
export function capabilityOf(provider: ProviderId, model: ModelId): ModelCapability | undefined {
  return CAPABILITIES.find((c) => c.provider === provider && c.model === model);
}

/** Models a provider serves, in display order. */
export function modelsOf(provider: ProviderId): ModelId[] {
  return CAPABILITIES.filter((c) => c.provider === provider).map((c) => c.model);
}

/**
 * Keeps the values of `previous` that the new model still accepts and fills the rest with its defaults
 * (switching model keeps what still applies).
 */
export function carryParams(cap: ModelCapability, previous: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = cap.params.parse({});
  for (const c of cap.controls) {
    const v = previous[c.name];
    if (v === undefined) continue;
    if (c.kind === 'enum' && typeof v === 'string' && c.options.includes(v)) out[c.name] = v;
    if (c.kind === 'int' && typeof v === 'number' && Number.isInteger(v) && v >= c.min && v <= c.max) out[c.name] = v;
  }
  return out;
}

/**
 * Apiframe credits per image by quality, before the job runs. Source: docs-v2.apiframe.ai (gpt-image-2: low 4,
 * medium 9, high 23, auto 23; gpt-image-1.5: low 2, medium 5, high 14, auto 14). The two doc versions disagree
 * (providers.md §1.3), so this is an estimate; the job's `creditCost` is the truth.
 */
export const APIFRAME_CREDITS_PER_IMAGE: Partial<Record<ModelId, Record<'low' | 'medium' | 'high' | 'auto', number>>> = {
  'gpt-image-2': { low: 4, medium: 9, high: 23, auto: 23 },
  'gpt-image-1.5': { low: 2, medium: 5, high: 14, auto: 14 },
};

/** Estimated credits for one job, or null where the provider is free (sandbox). */
export function estimateCredits(provider: ProviderId, model: ModelId, params: Record<string, unknown>): number | null {
  if (provider === 'sandbox') return 0;
  const q = (params['quality'] as 'low' | 'medium' | 'high' | 'auto' | undefined) ?? 'auto';
  const n = typeof params['number_of_images'] === 'number' ? (params['number_of_images'] as number) : 1;
  const table = APIFRAME_CREDITS_PER_IMAGE[model];
  return table ? table[q] * n : null;
}
