/**
 * Apiframe v2 HTTP client (undici), the only code in Atelier that speaks Apiframe's wire protocol.
 *
 * Sources, in order of authority:
 * - `specs/apiframe-v2-openapi.json` ("Apiframe API" 2.0.0): request bodies (`GenerateImageRequest.oneOf[39]`
 *   gpt-image-1.5 / `oneOf[40]` gpt-image-2, both `additionalProperties: false`) and replies (`JobAccepted`, `Job`,
 *   `Upload`, `Me`, `ErrorResponse`, `ValidationError`, `InsufficientCredits`).
 * - The same file's responses and `IdempotencyKey` parameter: status codes, `Retry-After`, idempotency (24 h).
 * - Apiframe's Node SDK (https://github.com/apiframe-ai/apiframe-nodejs-sdk): 409 on a replayed key with a changed
 *   body (`src/errors.ts`) and the retry policy (`src/http.ts`), which {@link ApiframeClient} copies.
 * - Apiframe's docs (https://docs-v2.apiframe.ai/docs/jobs/get, https://apiframe.ai/docs/jobs/get): the two
 *   `result` shapes.
 *
 * Every failure is thrown as an {@link AppError} with `status` set where there was an HTTP reply. The API key is
 * only ever written into the `X-API-Key` header: never into messages, errors or logs.
 */
import { FormData, type Dispatcher } from 'undici';
import { z } from 'zod';
import { AppError } from '../../../../shared/errors';
import {
  buildTransport,
  downloadImage,
  headerOf,
  isHttpUrl,
  isTransientFailure,
  jsonOrUndefined,
  parseJsonReply,
  parseRetryAfter,
  sendWithRetry,
  type HttpClientOptions,
  type HttpHeaders,
  type HttpMethod,
  type HttpRetryInfo,
  type HttpTransport,
  type ImageDownload,
} from '../http';
import {
  ApiframeGptImage15Params,
  ApiframeGptImage2Params,
  type ModelId,
} from '../../../../shared/capabilities';

// ---------------------------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------------------------

/** Production base URL (OpenAPI `servers[0]`). */
export const APIFRAME_DEFAULT_BASE_URL = 'https://api.apiframe.ai';
/** Per-request timeout, ms (Apiframe Node SDK default, `src/http.ts`). Covers connect, headers and the whole body. */
export const APIFRAME_DEFAULT_TIMEOUT_MS = 60_000;
/** Retries after the first attempt (SDK default). */
export const APIFRAME_DEFAULT_MAX_RETRIES = 2;
/** Full-jitter backoff base, ms (SDK). */
export const APIFRAME_DEFAULT_BACKOFF_BASE_MS = 250;
/** Full-jitter backoff cap, ms (SDK `MAX_BACKOFF_MS`). */
export const APIFRAME_DEFAULT_BACKOFF_CAP_MS = 8_000;
/**
 * Longest `Retry-After` the client sleeps through inside one call, ms. A longer wait is not slept: the 429 is
 * thrown as `rate_limited` with `retryAfterMs` so the job engine can schedule the retry (a desktop app should not
 * hold a request open for an hour). The SDK has no such bound.
 */
export const APIFRAME_DEFAULT_MAX_RETRY_AFTER_MS = 60_000;
/** Largest JSON reply read from the API, bytes. Replies are a few KB; anything near this is not Apiframe. */
export const APIFRAME_MAX_JSON_BYTES = 8 * 1024 * 1024;
/** `Idempotency-Key` maximum length (OpenAPI `components.parameters.IdempotencyKey.schema.maxLength`). */
export const APIFRAME_IDEMPOTENCY_KEY_MAX = 255;
/** `prompt` length bounds (OpenAPI `GenerateImageRequest.oneOf[39|40].properties.prompt`). */
export const APIFRAME_PROMPT_MIN = 1;
/** Longest prompt, in UTF-16 code units (Apiframe validates with Zod; the spec's `maxLength` counts code points). */
export const APIFRAME_PROMPT_MAX = 2000;

const APIFRAME_TRANSPORT_DEFAULTS = {
  timeoutMs: APIFRAME_DEFAULT_TIMEOUT_MS,
  maxRetries: APIFRAME_DEFAULT_MAX_RETRIES,
  backoffBaseMs: APIFRAME_DEFAULT_BACKOFF_BASE_MS,
  backoffCapMs: APIFRAME_DEFAULT_BACKOFF_CAP_MS,
  maxRetryAfterMs: APIFRAME_DEFAULT_MAX_RETRY_AFTER_MS,
};

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// ---------------------------------------------------------------------------------------------------------------
// Wire schemas: requests
// ---------------------------------------------------------------------------------------------------------------

/** An absolute http(s) URL. The spec says `format: uri`; we only ever produce or fetch http(s). */
const HttpUrl = z.string().refine(isHttpUrl, { message: 'Expected an absolute http(s) URL' });

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
// Wire schemas: replies
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
 * `GET /v2/jobs` reply (OpenAPI `JobList`): a page of the caller's jobs, newest first (cursor pagination keyed on
 * `createdAt desc, id desc`). List items carry no `input`; read a job with `GET /v2/jobs/{id}` for it.
 */
export const JobListSchema = z.looseObject({
  jobs: z.array(JobSchema),
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

const ErrorEnvelope = z.looseObject({ error: z.string() });
const ValidationDetails = z.record(z.string(), z.array(z.string()));
const InsufficientCreditsBody = z.looseObject({
  error: z.string(),
  creditsRequired: z.number(),
  creditsAvailable: z.number(),
});

// ---------------------------------------------------------------------------------------------------------------
// Body building
// ---------------------------------------------------------------------------------------------------------------

/**
 * Builds a `POST /v2/images/generate` body from Atelier's model-level parameters.
 *
 * - `params` are the capability parameters of `model` (src/shared/capabilities.ts; parsed here again, so missing
 *   keys get the documented defaults and an unknown key is refused). They go into `gptImage2Params` for
 *   `gpt-image-2` and into `gptImageParams` for `gpt-image-1.5` (OpenAPI oneOf[40] / oneOf[39]).
 * - `inputImages` (http(s) URLs, e.g. from {@link ApiframeClient.upload}) become `input_images`, omitted when empty.
 * - No webhook fields, ever.
 *
 * @throws AppError `prompt_too_long` (`params.length`, `params.max`) or `validation` (`params.field`, `params.reason`;
 *   `field: 'model', reason: 'unsupported'` for a model Apiframe does not serve).
 */
export function buildGenerateBody(input: {
  model: ModelId;
  prompt: string;
  params: Record<string, unknown>;
  inputImages?: readonly string[];
}): GenerateImageBody {
  const images = input.inputImages && input.inputImages.length > 0 ? { input_images: [...input.inputImages] } : {};
  let body: unknown;
  switch (input.model) {
    case 'gpt-image-2': {
      const p = parseOrThrow(ApiframeGptImage2Params, input.params, 'gptImage2Params');
      body = { model: 'gpt-image-2', prompt: input.prompt, gptImage2Params: { ...p, ...images } };
      break;
    }
    case 'gpt-image-1.5': {
      const p = parseOrThrow(ApiframeGptImage15Params, input.params, 'gptImageParams');
      body = { model: 'gpt-image-1.5', prompt: input.prompt, gptImageParams: { ...p, ...images } };
      break;
    }
    default:
      // Apiframe serves only the GPT Image models above (OpenAPI GenerateImageRequest.oneOf).
      throw new AppError('validation', `Apiframe does not serve ${input.model}`, {
        params: { field: 'model', reason: 'unsupported' },
      });
  }
  return validateGenerateBody(body);
}

/**
 * Checks a generate body against {@link GenerateImageBody} (the client's copy of the OpenAPI schema) and returns it
 * typed. Used by {@link ApiframeClient.generate} so that no hand-built body can carry an unknown field.
 *
 * @throws AppError `prompt_too_long` or `validation` (`params.field` is the dotted path, e.g. `gptImage2Params.quality`).
 */
export function validateGenerateBody(body: unknown): GenerateImageBody {
  const prompt = (body as { prompt?: unknown } | null)?.prompt;
  if (typeof prompt === 'string' && prompt.length > APIFRAME_PROMPT_MAX) {
    throw new AppError('prompt_too_long', `Prompt is ${prompt.length} characters; Apiframe accepts ${APIFRAME_PROMPT_MAX}`, {
      params: { length: prompt.length, max: APIFRAME_PROMPT_MAX },
    });
  }
  return parseOrThrow(GenerateImageBody, body, '');
}

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, prefix: string): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = [prefix, ...(issue?.path ?? []).map(String)].filter((s) => s !== '').join('.');
  const keys = issue && issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
  const reason = `${issue?.message ?? 'invalid'}${keys}`;
  throw new AppError('validation', `Invalid Apiframe request${path ? ` at ${path}` : ''}: ${reason}`, {
    params: { field: path, reason },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------------------------

/** Information passed to {@link ApiframeClientOptions.onRetry} before each retry sleep (shape: {@link HttpRetryInfo}). */
export type ApiframeRetryInfo = HttpRetryInfo;

/**
 * Construction options of {@link ApiframeClient}. All durations in ms. The transport options are those of
 * {@link HttpClientOptions}, with Apiframe's defaults: `timeoutMs` 60 000, `maxRetries` 2, `backoffBaseMs` 250,
 * `backoffCapMs` 8 000 (Apiframe Node SDK `src/http.ts`), `maxRetryAfterMs` {@link APIFRAME_DEFAULT_MAX_RETRY_AFTER_MS},
 * `userAgent` `Atelier (apiframe-client)`.
 */
export interface ApiframeClientOptions extends HttpClientOptions {
  /** `afk_…` key, sent only as the `X-API-Key` header. */
  apiKey: string;
  /** Base URL without trailing slash; default {@link APIFRAME_DEFAULT_BASE_URL}. */
  baseUrl?: string;
}

/** Per-call options. */
export interface ApiframeCallOptions {
  /** Aborts the call, including a backoff sleep; surfaces as AppError `canceled`. */
  signal?: AbortSignal;
}

/** A downloaded body: `bytes` and the reply's `Content-Type` (or null). */
export type ApiframeDownload = ImageDownload;

/**
 * Apiframe's retry rule (copied from its Node SDK `src/http.ts`, see the file doc): a 429 is always retried; 5xx
 * other than 501, network failures and timeouts only when the request is idempotent — a GET, or a POST that carries
 * `Idempotency-Key`.
 */
export function apiframeRetryable(method: HttpMethod, hasIdempotencyKey: boolean, err: AppError): boolean {
  if (err.code === 'rate_limited') return true;
  return (method === 'GET' || hasIdempotencyKey) && isTransientFailure(err);
}

/**
 * Apiframe v2 client. One instance per key and base URL; cheap to create.
 *
 * Retry policy (copied from Apiframe's Node SDK `src/http.ts`, see the file doc): a 429 is always retried,
 * sleeping exactly `Retry-After` (seconds or HTTP date) or, without the header, the jittered backoff; 5xx other
 * than 501, network failures and timeouts are retried only when the request is idempotent (a GET, or a POST that
 * carries `Idempotency-Key`); at most `maxRetries` (2) retries; full-jitter backoff `random() · min(cap, base·2^n)`.
 *
 * Error mapping (every thrown error is an {@link AppError}; `status` is set whenever a reply arrived):
 * 400 → `provider_rejected` (`details`, `providerMessage`), 401 → `provider_auth`, 402 → `insufficient_credits`
 * (`params.required`, `params.available`), 403 → `provider_forbidden`, 404 → `provider_not_found`,
 * 409 → `provider_conflict`, 429 → `rate_limited` (`retryAfterMs`, `params.retryAfterMs`), other 4xx →
 * `provider_rejected`, 5xx → `provider_unavailable` (501 not retryable), no reply in time → `timeout`, refused /
 * reset / dropped connection → `network`, a 2xx body that is not JSON or fails its schema → `provider_bad_response`,
 * the caller's signal → `canceled`.
 */
export class ApiframeClient {
  private readonly apiKey: string;
  private readonly base: URL;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly userAgent: string;
  private readonly http: HttpTransport;

  /**
   * @throws AppError `no_api_key` when `apiKey` is empty, `provider_auth` when it holds characters that cannot be
   *   sent in a header (the key itself is never echoed), `validation` when `baseUrl` is not an http(s) URL.
   */
  constructor(opts: ApiframeClientOptions) {
    if (!opts.apiKey) throw new AppError('no_api_key', 'No Apiframe API key', { params: { provider: 'apiframe' } });
    if (!/^[\x21-\x7e]+$/.test(opts.apiKey)) {
      throw new AppError('provider_auth', 'The Apiframe API key contains characters that cannot be sent');
    }
    const baseUrl = (opts.baseUrl ?? APIFRAME_DEFAULT_BASE_URL).replace(/\/+$/, '');
    if (!isHttpUrl(baseUrl)) {
      throw new AppError('validation', 'Apiframe base URL must be an http(s) URL', {
        params: { field: 'baseUrl', reason: 'not_http_url' },
      });
    }
    this.apiKey = opts.apiKey;
    this.base = new URL(`${baseUrl}/`);
    this.dispatcher = opts.dispatcher;
    this.userAgent = opts.userAgent ?? 'Atelier (apiframe-client)';
    this.http = buildTransport('Apiframe', opts, APIFRAME_TRANSPORT_DEFAULTS, apiframeRetryable, (status, headers, text, what) =>
      errorFromReply(status, headers, text, what),
    );
  }

  /**
   * `POST /v2/images/generate` (OpenAPI path `/v2/images/generate`, body `GenerateImageRequest`, reply 202
   * `JobAccepted`). The body is checked against {@link GenerateImageBody} first. Pass an `idempotencyKey` (≤ 255
   * chars; the same key within 24 h returns the original job, a changed body then answers 409): it is what makes a
   * 5xx / network / timeout retry safe. Without it those failures are not retried.
   *
   * @returns `{ jobId, status }`.
   * @throws AppError — see the class doc; `validation`/`prompt_too_long` before anything is sent.
   */
  async generate(
    body: GenerateImageBody,
    opts: ApiframeCallOptions & { idempotencyKey?: string } = {},
  ): Promise<JobAccepted> {
    const checked = validateGenerateBody(body);
    const headers = this.headers({ 'content-type': 'application/json' });
    if (opts.idempotencyKey !== undefined) {
      if (opts.idempotencyKey.length === 0 || opts.idempotencyKey.length > APIFRAME_IDEMPOTENCY_KEY_MAX) {
        throw new AppError('validation', `Idempotency-Key must be 1–${APIFRAME_IDEMPOTENCY_KEY_MAX} characters`, {
          params: { field: 'idempotencyKey', reason: 'length' },
        });
      }
      headers['idempotency-key'] = opts.idempotencyKey;
    }
    const json = JSON.stringify(checked);
    const reply = await sendWithRetry(this.http, {
      method: 'POST',
      url: this.url('/v2/images/generate'),
      headers,
      body: () => json,
      hasIdempotencyKey: opts.idempotencyKey !== undefined,
      maxBytes: APIFRAME_MAX_JSON_BYTES,
      signal: opts.signal,
      dispatcher: this.dispatcher,
    });
    return parseJsonReply(reply, JobAcceptedSchema, 'JobAccepted', 'Apiframe');
  }

  /**
   * `GET /v2/jobs/{id}` (OpenAPI `Job`). Idempotent, so 5xx / network / timeout are retried.
   *
   * @param id the job's UUID from {@link generate}; a non-UUID answers 400 (`provider_rejected`).
   * @throws AppError `provider_not_found` for an unknown job or one owned by another key; see the class doc.
   */
  async getJob(id: string, opts: ApiframeCallOptions = {}): Promise<ApiframeJob> {
    const reply = await sendWithRetry(this.http, {
      method: 'GET',
      url: this.url(`/v2/jobs/${encodeURIComponent(id)}`),
      headers: this.headers({}),
      hasIdempotencyKey: false,
      maxBytes: APIFRAME_MAX_JSON_BYTES,
      signal: opts.signal,
      dispatcher: this.dispatcher,
    });
    return parseJsonReply(reply, JobSchema, 'Job', 'Apiframe');
  }

  /**
   * `GET /v2/jobs` (OpenAPI `JobList`): one page of the caller's jobs, newest first. `limit` 1–100 (default 20);
   * `cursor` is the previous page's `nextCursor`; `model` and `status` filter. Idempotent, so 5xx / network /
   * timeout are retried.
   * @throws AppError `provider_rejected` for a bad cursor or query; see the class doc.
   */
  async listJobs(
    query: { model?: string; status?: ApiframeJobStatus; limit?: number; cursor?: string } = {},
    opts: ApiframeCallOptions = {},
  ): Promise<ApiframeJobList> {
    const url = this.url('/v2/jobs');
    if (query.model !== undefined) url.searchParams.set('model', query.model);
    if (query.status !== undefined) url.searchParams.set('status', query.status);
    if (query.limit !== undefined) url.searchParams.set('limit', String(query.limit));
    if (query.cursor !== undefined) url.searchParams.set('cursor', query.cursor);
    const reply = await sendWithRetry(this.http, {
      method: 'GET',
      url,
      headers: this.headers({}),
      hasIdempotencyKey: false,
      maxBytes: APIFRAME_MAX_JSON_BYTES,
      signal: opts.signal,
      dispatcher: this.dispatcher,
    });
    return parseJsonReply(reply, JobListSchema, 'JobList', 'Apiframe');
  }

  /**
   * `POST /v2/uploads` (multipart, single field `file`; reply 201 `Upload`). The server sniffs magic bytes
   * (PNG/JPEG/WebP/GIF images, 25 MB max) and ignores the declared type. The returned URL lives ~1–2 h.
   * `idempotencyKey` is honoured by the SDK (Apiframe Node SDK `src/resources/uploads.ts`) and makes a 5xx / network retry safe; use a fresh
   * key per upload (a replay within 24 h would hand back the original, possibly already purged, file).
   *
   * @param bytes file content; @param fileName name sent in the part; @param mime declared part type.
   * @throws AppError `provider_rejected` (no file / oversize / unsupported type), `provider_unavailable` (502 CDN).
   */
  async upload(
    bytes: Uint8Array,
    fileName: string,
    mime: string,
    opts: ApiframeCallOptions & { idempotencyKey?: string } = {},
  ): Promise<ApiframeUpload> {
    const form = new FormData();
    form.append('file', new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mime }), fileName);
    const headers = this.headers({});
    if (opts.idempotencyKey !== undefined) headers['idempotency-key'] = opts.idempotencyKey;
    const reply = await sendWithRetry(this.http, {
      method: 'POST',
      url: this.url('/v2/uploads'),
      headers,
      body: () => form,
      hasIdempotencyKey: opts.idempotencyKey !== undefined,
      maxBytes: APIFRAME_MAX_JSON_BYTES,
      signal: opts.signal,
      dispatcher: this.dispatcher,
    });
    return parseJsonReply(reply, UploadSchema, 'Upload', 'Apiframe');
  }

  /**
   * `GET /v2/me` (OpenAPI `Me`): user, team (with `credits`) and the key's id/name/prefix.
   * @throws AppError `provider_auth` / `provider_forbidden` for a bad / inactive key; see the class doc.
   */
  async me(opts: ApiframeCallOptions = {}): Promise<ApiframeMe> {
    const reply = await sendWithRetry(this.http, {
      method: 'GET',
      url: this.url('/v2/me'),
      headers: this.headers({}),
      hasIdempotencyKey: false,
      maxBytes: APIFRAME_MAX_JSON_BYTES,
      signal: opts.signal,
      dispatcher: this.dispatcher,
    });
    return parseJsonReply(reply, MeSchema, 'Me', 'Apiframe');
  }

  /**
   * Downloads a result (CDN) URL with the same timeout and retry policy (a GET is idempotent), following up to
   * 3 redirects, **without** the API key (the CDN is another host and needs none).
   *
   * @param url absolute http(s) URL; @param opts.maxBytes size cap in bytes (checked on `Content-Length` and while
   *   streaming).
   * @throws AppError `result_expired` on 404/410, `provider_bad_response` on another 4xx or a body over the cap,
   *   `provider_unavailable` on 5xx, `timeout`, `network`, `canceled`.
   */
  async download(url: string, opts: ApiframeCallOptions & { maxBytes: number }): Promise<ApiframeDownload> {
    if (!isHttpUrl(url)) {
      throw new AppError('provider_bad_response', 'Apiframe result URL is not an http(s) URL');
    }
    return downloadImage(this.http, {
      url: new URL(url),
      userAgent: this.userAgent,
      maxBytes: opts.maxBytes,
      signal: opts.signal,
      dispatcher: this.dispatcher,
      noun: 'result',
      goneStatuses: [404, 410],
      sniff: false,
    });
  }

  // -------------------------------------------------------------------------------------------------------------

  private url(path: string): URL {
    return new URL(path.replace(/^\//, ''), this.base);
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    return { 'x-api-key': this.apiKey, accept: 'application/json', 'user-agent': this.userAgent, ...extra };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

/**
 * Re-exported from the shared transport (../http.ts), where they are documented: {@link isHttpUrl} (absolute
 * http(s) URL in RFC 3986 characters, the spec's `format: uri`) and {@link parseRetryAfter} (RFC 9110 §10.2.3
 * `Retry-After`, seconds or HTTP date, to ms).
 */
export { isHttpUrl, parseRetryAfter };

/**
 * The output URLs of a job's `result`: `[result]` for the string shape, `result.images` for the object shape,
 * `[]` for null/absent.
 */
export function jobResultUrls(result: JobResult | undefined): string[] {
  if (result === null || result === undefined) return [];
  if (typeof result === 'string') return [result];
  return [...result.images];
}

/**
 * Maps a non-2xx Apiframe reply to an {@link AppError} (table in {@link ApiframeClient}). `text` is the raw body;
 * the `{ error }` envelope's message becomes `providerMessage`.
 */
export function errorFromReply(
  status: number,
  headers: HttpHeaders,
  text: string,
  label = 'request',
): AppError {
  const json = jsonOrUndefined(text);
  const env = ErrorEnvelope.safeParse(json);
  const providerMessage = env.success ? env.data.error : undefined;
  const base = `Apiframe ${label} → HTTP ${status}${providerMessage ? `: ${providerMessage}` : ''}`;
  const requestId = headerOf(headers, 'x-request-id');
  const message = requestId ? `${base} (request ${requestId})` : base;
  const common = { status, ...(providerMessage !== undefined ? { providerMessage } : {}) };
  switch (status) {
    case 400: {
      const d = ValidationDetails.safeParse((json as { details?: unknown } | undefined)?.details);
      return new AppError('provider_rejected', message, { ...common, ...(d.success ? { details: d.data } : {}) });
    }
    case 401:
      return new AppError('provider_auth', message, common);
    case 402: {
      const c = InsufficientCreditsBody.safeParse(json);
      return new AppError('insufficient_credits', message, {
        ...common,
        params: c.success
          ? { required: c.data.creditsRequired, available: c.data.creditsAvailable }
          : { required: null, available: null },
      });
    }
    case 403:
      return new AppError('provider_forbidden', message, common);
    case 404:
      return new AppError('provider_not_found', message, common);
    case 409:
      return new AppError('provider_conflict', message, common);
    case 429: {
      const retryAfterMs = parseRetryAfter(headerOf(headers, 'retry-after'));
      return new AppError('rate_limited', message, {
        ...common,
        ...(retryAfterMs !== undefined ? { retryAfterMs, params: { retryAfterMs } } : {}),
      });
    }
    default:
      if (status >= 500) {
        return new AppError('provider_unavailable', message, { ...common, retryable: status !== 501 });
      }
      return new AppError('provider_rejected', message, common);
  }
}
