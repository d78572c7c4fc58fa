/**
 * Edit chains (issue 4): the calls and events of the lineage view, the mask, the outside-the-mask measure and the
 * composite. Spread into `contract` / `events` in src/shared/contract.ts. Pure TS (zod only).
 *
 * An edit itself is an ordinary `jobs.submit` with `parentAssetId` (and optionally `maskBlobId`): its outputs
 * become new versions (assets of kind `edited`) linked to the parent.
 */
import { z } from 'zod';
import { ModelIdSchema, ProviderIdSchema } from '../capabilities';
import { AssetSummary, BlobId, BlobInfo, Id, JobView } from '../domain';
import { LIMITS, ParamsRecord } from '../limits';

/**
 * How a step was made. `root`: the image the chain starts from. `images_edit`: OpenAI `POST /images/edits` with the
 * parent as `image[]` (https://platform.openai.com/docs/api-reference/images/createEdit).
 * `responses_previous_response_id`: OpenAI Responses API with the `image_generation` tool
 * (https://developers.openai.com/api/docs/guides/image-generation): the first such step sends the parent as an `input_image`, a later one
 * `previous_response_id` of its parent's response, keeping the model's context. `input_url`: the parent's own provider URL reused as an input
 * image (Apiframe `input_images`, specs/apiframe-v2-openapi.json `GenerateImageRequest`; EvoLink `image_urls`,
 * https://docs.evolink.ai/en/api-manual/image-series/gpt-image-2/gpt-image-2-image-generation). `input_upload`: the parent uploaded as a
 * reference first (its URL had expired, or it came from elsewhere). `sandbox_reference`: the offline sandbox.
 * `composite`: the original kept outside the mask.
 */
export const STEP_METHODS = [
  'root',
  'images_edit',
  'responses_previous_response_id',
  'input_url',
  'input_upload',
  'sandbox_reference',
  'composite',
] as const;
export const StepMethod = z.enum(STEP_METHODS);
export type StepMethod = z.infer<typeof StepMethod>;

/**
 * How an OpenAI edit continues its parent, as the composer asks (`jobs.submit` `chainMethod`): `images` (default,
 * `POST /images/edits`) or `responses` (keep the model's context: Responses API,
 * https://platform.openai.com/docs/api-reference/responses). Only for
 * provider `openai` and the models with the `image_generation` tool ({@link RESPONSES_TOOL_MODELS}).
 */
export const ChainMethod = z.enum(['images', 'responses']);
export type ChainMethod = z.infer<typeof ChainMethod>;
/** The models the Responses API's `image_generation` tool takes (`tools[].model`, openai-node `Tool.ImageGeneration`). */
export const RESPONSES_TOOL_MODELS = ['gpt-image-2', 'gpt-image-1.5', 'gpt-image-1'] as const;
/** True when an edit on `provider`/`model` can keep the model's context through the Responses API. */
export function offersResponses(provider: string, model: string): boolean {
  return provider === 'openai' && (RESPONSES_TOOL_MODELS as readonly string[]).includes(model);
}

/** One input image of a step, in order (the parent first). Blob ids survive the deletion of the asset. */
export const StepInput = z.object({ blobId: BlobId, name: z.string(), assetId: Id.nullable() });
export type StepInput = z.infer<typeof StepInput>;

/** One version in a chain, as the chain view shows it. Times epoch ms, costs in credits / USD. */
export const ChainNode = z.object({
  id: Id,
  parentId: Id.nullable(),
  /** Null once the version's asset was deleted (the node stays so its children keep their history). */
  assetId: Id.nullable(),
  blob: BlobInfo.nullable(),
  method: StepMethod,
  provider: ProviderIdSchema.nullable(),
  model: ModelIdSchema.nullable(),
  prompt: z.string().nullable(),
  params: z.record(z.string(), z.unknown()),
  inputs: z.array(StepInput),
  maskBlobId: BlobId.nullable(),
  jobId: Id.nullable(),
  /** The node this one replays (same step on another model or provider), if any. */
  replayOf: Id.nullable(),
  /** The Responses API `response.id` this step came from (method `responses_previous_response_id`), else null. */
  responseId: z.string().nullable(),
  /**
   * Why a step asked to keep the model's context was made another way (`parent_not_responses`: the parent was not
   * made through the Responses API, so the Images API edit was used), else null.
   */
  fallback: z.string().nullable(),
  credits: z.number().nullable(),
  costUsd: z.number().nullable(),
  /** Job created → output stored, ms; null for a root or a composite. */
  durationMs: z.number().nullable(),
  createdAt: z.number(),
  /** 0 for the root. */
  depth: z.number().int(),
});
export type ChainNode = z.infer<typeof ChainNode>;

/** A whole chain: its nodes (parents before children, siblings oldest first) and the chosen version. */
export const ChainView = z.object({
  id: Id,
  chosenVersionId: Id.nullable(),
  nodes: z.array(ChainNode),
  /** True when no node has more than one child (the view can show a filmstrip). */
  straight: z.boolean(),
});
export type ChainView = z.infer<typeof ChainView>;

/** What changed outside the mask between a masked step's parent and its output. */
export const OutsideMaskReport = z.object({
  versionId: Id,
  /** Pixels outside the mask (alpha ≥ 128 in the mask), and of those the ones whose change exceeds `threshold`. */
  outsidePixels: z.number().int(),
  changedPixels: z.number().int(),
  /** changedPixels / outsidePixels × 100 (0 when nothing is outside). */
  changedPercent: z.number(),
  /** Mean absolute RGB difference outside the mask, 0–255. */
  meanDelta: z.number(),
  /** Per-pixel threshold used (max channel difference, 0–255). */
  threshold: z.number(),
  /** The heat map (PNG in the store): grey original, red where it changed outside the mask, the mask tinted blue. */
  heatmap: BlobInfo,
});
export type OutsideMaskReport = z.infer<typeof OutsideMaskReport>;

const VersionRef = z.object({ versionId: Id }).strict();

export const chainCalls = {
  /** The chain an asset belongs to; a chain of one root node for an image never edited. @throws not_found */
  'chains.get': { input: z.object({ assetId: Id }).strict(), output: ChainView },
  /** Marks the chain's chosen version (null clears it). @throws not_found */
  'chains.choose': { input: z.object({ versionId: Id, chosen: z.boolean() }).strict(), output: ChainView },
  /**
   * Runs a step again from the same parent with the same prompt, inputs and mask (dropped where the model takes
   * none) on another provider/model. Params are carried over where the model accepts them.
   */
  'chains.replay': {
    input: z
      .object({ versionId: Id, provider: ProviderIdSchema, model: ModelIdSchema, params: ParamsRecord.optional() })
      .strict(),
    output: JobView,
  },
  /**
   * Stores a mask for `assetId`: a PNG with alpha (0 where to edit) exactly the size of the image (OpenAI's rule).
   * @throws validation (`field: 'mask'`, `reason`: `not_png` | `size_mismatch` | `no_alpha`)
   */
  'chains.stageMask': {
    input: z.object({ assetId: Id, dataBase64: z.string().max(LIMITS.maskBase64) }).strict(),
    output: BlobInfo,
  },
  /** Measures the change outside the mask of a masked step, with a heat map. @throws validation when it had no mask */
  'chains.outsideMask': {
    input: z.object({ versionId: Id, threshold: z.number().int().min(0).max(255).default(24) }).strict(),
    output: OutsideMaskReport,
  },
  /** "Keep the original outside the mask": a composite of the step's output and its parent, as a new version. */
  'chains.keepOriginalOutsideMask': { input: VersionRef, output: AssetSummary },
  /** Deletes a version's asset; the node stays (its children keep their inputs and history). */
  'chains.deleteVersion': { input: VersionRef, output: ChainView },
} as const;

export const chainEvents = {
  /** A chain gained a version, changed its chosen mark, or lost an asset. */
  'chain.changed': z.object({ chainId: Id, versionId: Id.nullable() }),
} as const;
