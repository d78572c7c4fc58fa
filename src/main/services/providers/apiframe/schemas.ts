/**
 * Apiframe v2 wire schemas (zod): the request bodies Atelier sends and the replies it reads, one schema per endpoint.
 *
 * Source: `specs/apiframe-v2-openapi.json` ("Apiframe API" 2.0.0): request bodies (`GenerateImageRequest.oneOf[39]`
 * gpt-image-1.5 / `oneOf[40]` gpt-image-2, both `additionalProperties: false`) and replies (`JobAccepted`, `Job`,
 * `JobList`, `Upload`, `Me`, `ErrorResponse`, `ValidationError`, `InsufficientCredits`); Apiframe's docs
 * (https://docs-v2.apiframe.ai/docs/jobs/get, https://apiframe.ai/docs/jobs/get) for the two `result` shapes.
 */
import { z } from 'zod';
import { HttpUrl } from '../schemas';

/** `Idempotency-Key` maximum length (OpenAPI `components.parameters.IdempotencyKey.schema.maxLength`). */
export const APIFRAME_IDEMPOTENCY_KEY_MAX = 255;
/** `prompt` length bounds (OpenAPI `GenerateImageRequest.oneOf[39|40].properties.prompt`). */
export const APIFRAME_PROMPT_MIN = 1;
/** Longest prompt, in UTF-16 code units (Apiframe validates with Zod; the spec's `maxLength` counts code points). */
export const APIFRAME_PROMPT_MAX = 2000;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// ---------------------------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------------------------

const Quality = z.enum(['low', 'medium', 'high', 'auto']);
const AspectRatio = z.enum(['1:1', '3:2', '2:3']);
const OutputFormat = z.enum(['png', 'jpeg', 'webp']);
const NumberOfImages = z.number().int().min(1).max(10);
/** `input_images`: `string(uri)[]` or null in the spec. The client sends a non-empty array or omits the key. */
const InputImages = z.array(HttpUrl).min(1);
/**
 * The prompt. `max(2000)` counts UTF-16 code units like Apiframe's own (Zod) validator; JSON Schema counts code
 * points, so this is the stricter of the two readings.
 */
const Prompt = z.string().min(APIFRAME_PROMPT_MIN).max(APIFRAME_PROMPT_MAX);

/** `gptImage2Params` exactly as OpenAPI `GenerateImageRequest.oneOf[40]` (no `transparent`, has `moderation`). */
export const GptImage2WireParams = z.strictObject({
  quality: Quality.optional(),
  aspect_ratio: AspectRatio.optional(),
  output_format: OutputFormat.optional(),
  background: z.enum(['auto', 'opaque']).optional(),
  moderation: z.enum(['auto', 'low']).optional(),
  input_images: InputImages.optional(),
  number_of_images: NumberOfImages.optional(),
});
/** Wire shape of {@link GptImage2WireParams}. */
export type GptImage2WireParams = z.infer<typeof GptImage2WireParams>;

/** `gptImageParams` exactly as OpenAPI `GenerateImageRequest.oneOf[39]` (has `transparent`, `input_fidelity`; no `moderation`). */
export const GptImage15WireParams = z.strictObject({
  quality: Quality.optional(),
  aspect_ratio: AspectRatio.optional(),
  output_format: OutputFormat.optional(),
  background: z.enum(['auto', 'transparent', 'opaque']).optional(),
  input_fidelity: z.enum(['low', 'high']).optional(),
  input_images: InputImages.optional(),
  number_of_images: NumberOfImages.optional(),
});
/** Wire shape of {@link GptImage15WireParams}. */
export type GptImage15WireParams = z.infer<typeof GptImage15WireParams>;

/**
 * `POST /v2/images/generate` body for the two models Atelier uses (OpenAPI `GenerateImageRequest`, discriminated
 * by `model`). Strict objects: `webhookUrl`/`webhookEvents` are deliberately absent, so they can never be sent
 * (Atelier polls), and any other unknown key is refused before it reaches the wire.
 */
export const GenerateImageBody = z.discriminatedUnion('model', [
  z.strictObject({
    model: z.literal('gpt-image-2'),
    prompt: Prompt,
    gptImage2Params: GptImage2WireParams.optional(),
  }),
  z.strictObject({
    model: z.literal('gpt-image-1.5'),
    prompt: Prompt,
    gptImageParams: GptImage15WireParams.optional(),
  }),
]);
/** Wire shape of {@link GenerateImageBody}. */
export type GenerateImageBody = z.infer<typeof GenerateImageBody>;

// ---------------------------------------------------------------------------------------------------------------
// Replies
// ---------------------------------------------------------------------------------------------------------------

const Uuid = z.string().regex(UUID_RE, 'Expected a UUID');
const IsoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'Expected an ISO date-time');

/** Job status enum (OpenAPI `Job.status`). */
export const APIFRAME_JOB_STATUSES = ['QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
/** One of {@link APIFRAME_JOB_STATUSES}. */
export type ApiframeJobStatus = (typeof APIFRAME_JOB_STATUSES)[number];

/** `202` reply of `POST /v2/images/generate` (OpenAPI `JobAccepted`). */
export const JobAcceptedSchema = z.object({
  jobId: Uuid,
  status: z.enum(['QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED']),
});
/** `{ jobId: uuid, status }`. */
export type JobAccepted = z.infer<typeof JobAcceptedSchema>;

/**
 * `Job.result` for image jobs. The spec leaves it untyped; the vendor's docs show both a plain URL string (older
 * docs, SDK tests) and `{ images: string[] }` (newer docs, Midjourney adds `gridUrl`), so both are accepted
 * (https://docs-v2.apiframe.ai/docs/jobs/get, https://apiframe.ai/docs/jobs/get). Null until COMPLETED.
 */
export const JobResultSchema = z.union([HttpUrl, z.looseObject({ images: z.array(HttpUrl) }), z.null()]);
/** `string | { images: string[] } | null`. */
export type JobResult = z.infer<typeof JobResultSchema>;

/**
 * `GET /v2/jobs/{id}` reply (OpenAPI `Job`). Unknown extra keys are tolerated (the API may add fields).
 * `webhookStatus` is widened to any string because the docs show `"sent"`, outside the spec's enum.
 * `progress` is 0–100 (integer in the spec; a fractional value is tolerated).
 */
export const JobSchema = z.looseObject({
  id: Uuid,
  status: z.enum(APIFRAME_JOB_STATUSES),
  model: z.string(),
  progress: z.number().min(0).max(100).nullable(),
  result: JobResultSchema.optional(),
  error: z.string().nullable(),
  creditCost: z.number().int().nullable(),
  webhookStatus: z.string().nullable(),
  createdAt: IsoDate,
  completedAt: IsoDate.nullable(),
  expired: z.boolean().optional(),
  input: z.record(z.string(), z.unknown()).nullable().optional(),
});
/** A parsed Apiframe job. */
export type ApiframeJob = z.infer<typeof JobSchema>;

/**
 * One item of `GET /v2/jobs`: a {@link JobSchema} whose `result` may have any shape. The list holds every job of
 * the account, video and music ones too, and the spec leaves `Job.result` untyped: an image job's result is read
 * with {@link JobSchema} where it is needed (a shared poll's own jobs), so another product's never fails the page.
 */
const JobListItemSchema = JobSchema.extend({ result: z.unknown().optional() });

/**
 * `GET /v2/jobs` reply (OpenAPI `JobList`): a page of the caller's jobs, newest first (cursor pagination keyed on
 * `createdAt desc, id desc`). List items carry no `input`; read a job with `GET /v2/jobs/{id}` for it.
 */
export const JobListSchema = z.looseObject({
  jobs: z.array(JobListItemSchema),
  nextCursor: z.string().nullable(),
  hasMore: z.boolean(),
});
/** A parsed `JobList`. */
export type ApiframeJobList = z.infer<typeof JobListSchema>;

/** `201` reply of `POST /v2/uploads` (OpenAPI `Upload`). `expiresAt` is ISO; files live ~1–2 h. */
export const UploadSchema = z.looseObject({
  id: Uuid,
  url: HttpUrl,
  kind: z.enum(['image', 'video', 'audio']),
  contentType: z.string(),
  byteSize: z.number().int().min(0),
  expiresAt: IsoDate,
});
/** `{ id, url, kind, contentType, byteSize, expiresAt }`. */
export type ApiframeUpload = z.infer<typeof UploadSchema>;

/** `GET /v2/me` reply (OpenAPI `Me`); `team.credits` is the balance in Apiframe's smallest credit unit. */
export const MeSchema = z.looseObject({
  user: z.looseObject({ id: z.string(), email: z.string(), role: z.string() }),
  team: z
    .looseObject({
      id: z.string(),
      name: z.string(),
      credits: z.number().int().min(0),
      plan: z.string(),
      customerId: z.string().nullable(),
    })
    .nullable(),
  apiKey: z.looseObject({ id: z.string(), name: z.string(), prefix: z.string() }).nullable(),
});
/** A parsed `Me`. */
export type ApiframeMe = z.infer<typeof MeSchema>;

/** `ErrorResponse`: `{ error }` (OpenAPI). */
export const ErrorEnvelope = z.looseObject({ error: z.string() });
/** `ValidationError.details`: `{ field: [message] }` (OpenAPI). */
export const ValidationDetails = z.record(z.string(), z.array(z.string()));
/** `InsufficientCredits` (OpenAPI): `{ error, creditsRequired, creditsAvailable }`. */
export const InsufficientCreditsBody = z.looseObject({
  error: z.string(),
  creditsRequired: z.number(),
  creditsAvailable: z.number(),
});

/**
 * The output URLs of a job's `result`: `[result]` for the string shape, `result.images` for the object shape,
 * `[]` for null/absent.
 */
export function jobResultUrls(result: JobResult | undefined): string[] {
  if (result === null || result === undefined) return [];
  if (typeof result === 'string') return [result];
  return [...result.images];
}
