/**
 * Apiframe v2 HTTP client (undici), the only code in Atelier that speaks Apiframe's wire protocol.
 *
 * Sources, in order of authority:
 * - `shared/specs/apiframe-v2-openapi.json` ("Apiframe API" 2.0.0): request bodies (`GenerateImageRequest.oneOf[39]`
 *   gpt-image-1.5 / `oneOf[40]` gpt-image-2, both `additionalProperties: false`) and replies (`JobAccepted`, `Job`,
 *   `Upload`, `Me`, `ErrorResponse`, `ValidationError`, `InsufficientCredits`).
 * - `shared/reference/providers.md` §1: status codes, `Retry-After`, idempotency (24 h, 409 on a changed body), the
 *   two `result` shapes, and the SDK's retry policy (§1.5), which {@link ApiframeClient} copies.
 *
 * Every failure is thrown as an {@link AppError} with `status` set where there was an HTTP reply. The API key is
 * only ever written into the `X-API-Key` header: never into messages, errors or logs.
 */
import { FormData, getGlobalDispatcher, interceptors, request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { AppError } from '../../../../shared/errors';
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
/** Per-request timeout, ms (SDK default, providers.md §1.5). Covers connect, headers and the whole body. */
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
 * (providers.md §1.6). Null until COMPLETED.
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

/** Information passed to {@link ApiframeClientOptions.onRetry} before each retry sleep. */
export interface ApiframeRetryInfo {
  method: string;
  /** Path (no query, no host), e.g. `/v2/jobs/…`. */
  path: string;
  /** 1 for the first retry, 2 for the second. */
  attempt: number;
  /** How long the client will sleep before retrying, ms. */
  delayMs: number;
  /** The failure being retried. */
  error: AppError;
}

/** Construction options of {@link ApiframeClient}. All durations in ms. */
export interface ApiframeClientOptions {
  /** `afk_…` key, sent only as the `X-API-Key` header. */
  apiKey: string;
  /** Base URL without trailing slash; default {@link APIFRAME_DEFAULT_BASE_URL}. */
  baseUrl?: string;
  /** undici dispatcher (Agent, MockAgent…); default undici's global dispatcher. */
  dispatcher?: Dispatcher;
  /** Per-attempt timeout covering connect, headers and body; default 60 000. */
  timeoutMs?: number;
  /** Retries after the first attempt; default 2. */
  maxRetries?: number;
  /** Full-jitter backoff base; default 250. */
  backoffBaseMs?: number;
  /** Full-jitter backoff cap; default 8 000. */
  backoffCapMs?: number;
  /** Longest `Retry-After` slept inside a call; default {@link APIFRAME_DEFAULT_MAX_RETRY_AFTER_MS}. */
  maxRetryAfterMs?: number;
  /** Random source in [0, 1) for the jitter; default `Math.random`. */
  random?: () => number;
  /** Sleep used between attempts (tests inject a recorder); must reject when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called before each retry (e.g. to log; the info carries no key). */
  onRetry?: (info: ApiframeRetryInfo) => void;
  /** `User-Agent` header; default `Atelier (apiframe-client)`. */
  userAgent?: string;
}

/** Per-call options. */
export interface ApiframeCallOptions {
  /** Aborts the call, including a backoff sleep; surfaces as AppError `canceled`. */
  signal?: AbortSignal;
}

/** A downloaded body. */
export interface ApiframeDownload {
  bytes: Uint8Array;
  /** `Content-Type` of the reply, or null. */
  contentType: string | null;
}

interface Attempt {
  method: 'GET' | 'POST';
  /** Absolute URL. */
  url: URL;
  headers: Record<string, string>;
  body?: string | FormData;
  /** Whether 5xx / network / timeout may be retried (GET, or POST with Idempotency-Key). */
  idempotent: boolean;
  maxBytes: number;
  /** Maps a non-2xx reply to an AppError; default {@link errorFromReply}. */
  mapError?: (status: number, headers: Record<string, string | string[] | undefined>, text: string) => AppError;
  signal: AbortSignal | undefined;
  dispatcher: Dispatcher | undefined;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: Uint8Array;
}

/**
 * Apiframe v2 client. One instance per key and base URL; cheap to create.
 *
 * Retry policy (copied from Apiframe's Node SDK `src/http.ts`, providers.md §1.5): a 429 is always retried,
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
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly backoffBaseMs: number;
  private readonly backoffCapMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly onRetry: ((info: ApiframeRetryInfo) => void) | undefined;
  private readonly userAgent: string;

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
    this.timeoutMs = opts.timeoutMs ?? APIFRAME_DEFAULT_TIMEOUT_MS;
    this.maxRetries = opts.maxRetries ?? APIFRAME_DEFAULT_MAX_RETRIES;
    this.backoffBaseMs = opts.backoffBaseMs ?? APIFRAME_DEFAULT_BACKOFF_BASE_MS;
    this.backoffCapMs = opts.backoffCapMs ?? APIFRAME_DEFAULT_BACKOFF_CAP_MS;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? APIFRAME_DEFAULT_MAX_RETRY_AFTER_MS;
    this.random = opts.random ?? Math.random;
    this.sleep = opts.sleep ?? abortableSleep;
    this.onRetry = opts.onRetry;
    this.userAgent = opts.userAgent ?? 'Atelier (apiframe-client)';
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
    const reply = await this.send({
      method: 'POST',
      url: this.url('/v2/images/generate'),
      headers,
      body: JSON.stringify(checked),
      idempotent: opts.idempotencyKey !== undefined,
      maxBytes: APIFRAME_MAX_JSON_BYTES,
      signal: opts.signal,
      dispatcher: this.dispatcher,
    });
    return parseJson(reply, JobAcceptedSchema, 'JobAccepted');
  }

  /**
   * `GET /v2/jobs/{id}` (OpenAPI `Job`). Idempotent, so 5xx / network / timeout are retried.
   *
   * @param id the job's UUID from {@link generate}; a non-UUID answers 400 (`provider_rejected`).
   * @throws AppError `provider_not_found` for an unknown job or one owned by another key; see the class doc.
   */
  async getJob(id: string, opts: ApiframeCallOptions = {}): Promise<ApiframeJob> {
    const reply = await this.send({
      method: 'GET',
      url: this.url(`/v2/jobs/${encodeURIComponent(id)}`),
      headers: this.headers({}),
      idempotent: true,
      maxBytes: APIFRAME_MAX_JSON_BYTES,
      signal: opts.signal,
      dispatcher: this.dispatcher,
    });
    return parseJson(reply, JobSchema, 'Job');
  }

  /**
   * `POST /v2/uploads` (multipart, single field `file`; reply 201 `Upload`). The server sniffs magic bytes
   * (PNG/JPEG/WebP/GIF images, 25 MB max) and ignores the declared type. The returned URL lives ~1–2 h.
   * `idempotencyKey` is honoured by the SDK (providers.md §1.4) and makes a 5xx / network retry safe; use a fresh
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
    const reply = await this.send({
      method: 'POST',
      url: this.url('/v2/uploads'),
      headers,
      body: form,
      idempotent: opts.idempotencyKey !== undefined,
      maxBytes: APIFRAME_MAX_JSON_BYTES,
      signal: opts.signal,
      dispatcher: this.dispatcher,
    });
    return parseJson(reply, UploadSchema, 'Upload');
  }

  /**
   * `GET /v2/me` (OpenAPI `Me`): user, team (with `credits`) and the key's id/name/prefix.
   * @throws AppError `provider_auth` / `provider_forbidden` for a bad / inactive key; see the class doc.
   */
  async me(opts: ApiframeCallOptions = {}): Promise<ApiframeMe> {
    const reply = await this.send({
      method: 'GET',
      url: this.url('/v2/me'),
      headers: this.headers({}),
      idempotent: true,
      maxBytes: APIFRAME_MAX_JSON_BYTES,
      signal: opts.signal,
      dispatcher: this.dispatcher,
    });
    return parseJson(reply, MeSchema, 'Me');
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
    const reply = await this.send({
      method: 'GET',
      url: new URL(url),
      headers: { 'user-agent': this.userAgent, accept: 'image/*' },
      idempotent: true,
      maxBytes: opts.maxBytes,
      signal: opts.signal,
      dispatcher: redirecting(this.dispatcher),
      mapError: (status, headers, text) => {
        if (status === 404 || status === 410) {
          return new AppError('result_expired', `Apiframe result is gone (HTTP ${status})`, { status });
        }
        if (status >= 500 || status === 429) return errorFromReply(status, headers, text, 'GET result');
        return new AppError('provider_bad_response', `Apiframe result download failed (HTTP ${status})`, { status });
      },
    });
    const ct = reply.headers['content-type'];
    return { bytes: reply.bytes, contentType: typeof ct === 'string' ? ct : null };
  }

  // -------------------------------------------------------------------------------------------------------------

  private url(path: string): URL {
    return new URL(path.replace(/^\//, ''), this.base);
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    return { 'x-api-key': this.apiKey, accept: 'application/json', 'user-agent': this.userAgent, ...extra };
  }

  /** Runs one logical request with the retry policy. */
  private async send(a: Attempt): Promise<Reply> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(a);
      } catch (e) {
        const err = e instanceof AppError ? e : new AppError('internal', String(e), { cause: e });
        if (attempt >= this.maxRetries || !shouldRetry(err, a.idempotent)) throw err;
        let delayMs: number;
        if (err.code === 'rate_limited' && err.retryAfterMs !== undefined) {
          if (err.retryAfterMs > this.maxRetryAfterMs) throw err;
          delayMs = err.retryAfterMs;
        } else {
          delayMs = Math.floor(this.random() * Math.min(this.backoffCapMs, this.backoffBaseMs * 2 ** attempt));
        }
        this.onRetry?.({ method: a.method, path: a.url.pathname, attempt: attempt + 1, delayMs, error: err });
        try {
          await this.sleep(delayMs, a.signal);
        } catch {
          throw canceled();
        }
      }
    }
  }

  /** One attempt: request + full body read under one timeout. */
  private async once(a: Attempt): Promise<Reply> {
    if (a.signal?.aborted) throw canceled();
    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort(new Error('timeout'));
    }, this.timeoutMs);
    const onOuterAbort = () => ac.abort(new Error('canceled'));
    a.signal?.addEventListener('abort', onOuterAbort, { once: true });
    const label = `${a.method} ${a.url.pathname}`;
    try {
      const res = await request(a.url, {
        method: a.method,
        headers: a.headers,
        body: a.body ?? null,
        signal: ac.signal,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        ...(a.dispatcher ? { dispatcher: a.dispatcher } : {}),
      });
      // Destroying an unfinished undici body emits 'error' (RequestAbortedError); we already know why we stopped.
      const discard = () => {
        res.body.on('error', () => undefined);
        res.body.destroy();
      };
      const declared = Number(headerOf(res.headers, 'content-length'));
      if (Number.isFinite(declared) && declared > a.maxBytes) {
        discard();
        throw tooLarge(label, res.statusCode, a.maxBytes);
      }
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        total += buf.length;
        if (total > a.maxBytes) {
          discard();
          throw tooLarge(label, res.statusCode, a.maxBytes);
        }
        chunks.push(buf);
      }
      const bytes = new Uint8Array(Buffer.concat(chunks, total));
      if (res.statusCode >= 200 && res.statusCode < 300) {
        return { status: res.statusCode, headers: res.headers, bytes };
      }
      const text = Buffer.from(bytes).toString('utf8');
      throw (a.mapError ?? ((s, h, t) => errorFromReply(s, h, t, label)))(res.statusCode, res.headers, text);
    } catch (e) {
      if (e instanceof AppError) throw e;
      if (a.signal?.aborted) throw canceled();
      if (timedOut || isTimeoutError(e)) {
        throw new AppError('timeout', `Apiframe ${label} timed out after ${this.timeoutMs} ms`, { cause: e });
      }
      throw new AppError('network', `Apiframe ${label} failed: ${describeNetworkError(e)}`, { cause: e });
    } finally {
      clearTimeout(timer);
      a.signal?.removeEventListener('abort', onOuterAbort);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

/**
 * True for an absolute `http:` / `https:` URL written only with RFC 3986 characters (what the spec's
 * `format: uri` accepts; a space or a raw non-ASCII character is refused even though WHATWG URL would fix it up).
 */
export function isHttpUrl(s: string): boolean {
  if (!/^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/.test(s)) return false;
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

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
 * Parses a `Retry-After` value (RFC 9110 §10.2.3: delay-seconds or an HTTP date) into ms from `now`.
 * Returns undefined when absent or unparseable; never negative.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - now);
}

/**
 * Maps a non-2xx Apiframe reply to an {@link AppError} (table in {@link ApiframeClient}). `text` is the raw body;
 * the `{ error }` envelope's message becomes `providerMessage`.
 */
export function errorFromReply(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  text: string,
  label = 'request',
): AppError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
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

function shouldRetry(err: AppError, idempotent: boolean): boolean {
  switch (err.code) {
    case 'rate_limited':
      return true;
    case 'provider_unavailable':
      return idempotent && err.status !== 501;
    case 'network':
    case 'timeout':
      return idempotent;
    default:
      return false;
  }
}

function parseJson<T extends z.ZodType>(reply: Reply, schema: T, name: string): z.output<T> {
  const text = Buffer.from(reply.bytes).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const ct = headerOf(reply.headers, 'content-type') ?? 'no content type';
    throw new AppError('provider_bad_response', `Apiframe replied ${reply.status} with a body that is not JSON (${ct})`, {
      status: reply.status,
    });
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
    throw new AppError('provider_bad_response', `Apiframe ${name} reply failed its schema at ${where}`, {
      status: reply.status,
    });
  }
  return r.data;
}

function headerOf(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function tooLarge(label: string, status: number, max: number): AppError {
  return new AppError('provider_bad_response', `Apiframe ${label} reply is larger than ${max} bytes`, { status });
}

function canceled(): AppError {
  return new AppError('canceled', 'Apiframe request canceled');
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);

function isTimeoutError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TIMEOUT_CODES.has(code);
}

function describeNetworkError(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  const cause = (e as { cause?: { code?: unknown } } | null)?.cause?.code;
  const msg = e instanceof Error ? e.message : String(e);
  return [typeof code === 'string' ? code : undefined, typeof cause === 'string' ? cause : undefined, msg]
    .filter(Boolean)
    .join(' ');
}

/** Sleeps `ms`; rejects when `signal` aborts. */
function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `dispatcher` (or undici's global one) composed with undici's redirect interceptor, at most 3 hops. */
function redirecting(dispatcher: Dispatcher | undefined): Dispatcher {
  return (dispatcher ?? getGlobalDispatcher()).compose(interceptors.redirect({ maxRedirections: 3 }));
}
