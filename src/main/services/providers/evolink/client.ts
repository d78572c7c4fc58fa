/**
 * EvoLink HTTP client (undici), the only code in Atelier that speaks EvoLink's wire protocol: the task API
 * (`https://api.evolink.ai`) and the Files API (`https://files-api.evolink.ai`, same key).
 *
 * Sources: EvoLink's API manual ("the manual"): auth and hosts (https://docs.evolink.ai/ja/quickstart.md), the
 * create body (https://docs.evolink.ai/en/api-manual/image-series/gpt-image-2/gpt-image-2-image-generation), the task
 * object (https://docs.evolink.ai/en/api-manual/task-management/get-task-detail); EvoLink's gpt-image-2 skill
 * (https://github.com/EvoLinkAI/gpt-image-2-gen-skill `references/api-params.md`) for the create body's ranges; and
 * EvoLink's own media MCP server ("the MCP client", https://github.com/EvoLinkAI/evolink-media-mcp
 * `packages/core/src/services/{api-client,file-client,error-handler}.ts`, `file-api.md`) for the Files host, task
 * error codes, HTTP errors, the error envelope and the Files API. Where the sources leave a shape open (`results` vs
 * `result_data[].image_url`, a numeric or string error `code`) both are accepted.
 *
 * EvoLink has **no idempotency key** (none is documented): a `POST /v1/images/generations` that may have reached EvoLink is
 * never sent again by this client, except after a 429 (a refusal that certainly did not create a task).
 *
 * Every failure is thrown as an {@link AppError} with `status` set where there was an HTTP reply. The API key is only
 * ever written into the `Authorization` header: never into messages, errors or logs.
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
  type HttpReply,
  type HttpRetryInfo,
  type HttpTransport,
  type ImageDownload,
} from '../http';
import {
  EVOLINK_MAX_IMAGES,
  EVOLINK_MAX_N,
  EVOLINK_MAX_PROMPT_CODEPOINTS,
  EVOLINK_MIN_N,
  EVOLINK_QUALITIES,
  EVOLINK_RESOLUTIONS,
  EvolinkGptImage2Params,
  EvolinkSize,
  codePointLength,
  isEvolinkRatio,
} from '../../../../shared/providers/evolink';

// ---------------------------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------------------------

/** Task API base URL (the manual's quickstart). */
export const EVOLINK_DEFAULT_BASE_URL = 'https://api.evolink.ai';
/** Files API base URL, a different host with the same key (the MCP client). */
export const EVOLINK_DEFAULT_FILES_BASE_URL = 'https://files-api.evolink.ai';
/** The only model this client creates tasks for (the manual: the "official channel"). */
export const EVOLINK_MODEL = 'gpt-image-2';
/** Per-attempt timeout, ms, covering connect, headers and the whole body. EvoLink documents none; 60 s like Apiframe. */
export const EVOLINK_DEFAULT_TIMEOUT_MS = 60_000;
/** Retries after the first attempt (EvoLink documents no policy; Atelier's Apiframe policy is reused). */
export const EVOLINK_DEFAULT_MAX_RETRIES = 2;
/** Full-jitter backoff base, ms. */
export const EVOLINK_DEFAULT_BACKOFF_BASE_MS = 250;
/** Full-jitter backoff cap, ms. */
export const EVOLINK_DEFAULT_BACKOFF_CAP_MS = 8_000;
/** Wait after a 429 without `Retry-After`, ms: EvoLink's skill and MCP client suggest waiting 30–60 s on a 429 → the lower bound. */
export const EVOLINK_DEFAULT_RATE_LIMIT_WAIT_MS = 30_000;
/**
 * Longest 429 wait slept inside one call, ms. A longer one is thrown as `rate_limited` with `retryAfterMs` for the
 * job engine to schedule.
 */
export const EVOLINK_DEFAULT_MAX_RETRY_AFTER_MS = 60_000;
/** Largest JSON reply read, bytes. Replies are a few KB. */
export const EVOLINK_MAX_JSON_BYTES = 8 * 1024 * 1024;
/** Files API upload limit, bytes: 100 MB per file (the MCP client's `file-api.md`). */
export const EVOLINK_FILES_MAX_BYTES = 100 * 1024 * 1024;

const EVOLINK_TRANSPORT_DEFAULTS = {
  timeoutMs: EVOLINK_DEFAULT_TIMEOUT_MS,
  maxRetries: EVOLINK_DEFAULT_MAX_RETRIES,
  backoffBaseMs: EVOLINK_DEFAULT_BACKOFF_BASE_MS,
  backoffCapMs: EVOLINK_DEFAULT_BACKOFF_CAP_MS,
  maxRetryAfterMs: EVOLINK_DEFAULT_MAX_RETRY_AFTER_MS,
};

/**
 * Task `error.code` values (the MCP client's `api-client.ts`). A failed task carries one of these (or another
 * string; unknown codes are accepted) with EvoLink's message.
 */
export const EVOLINK_TASK_ERROR_CODES = [
  'content_policy_violation',
  'invalid_parameters',
  'image_dimension_mismatch',
  'image_processing_error',
  'model_unavailable',
  'generation_timeout',
  'quota_exceeded',
  'resource_exhausted',
  'service_error',
  'service_unavailable',
  'generation_failed_no_content',
  'upstream_error',
  'rate_limited',
  'request_cancelled',
  'resource_not_found',
  'unknown_error',
] as const;
/** One of {@link EVOLINK_TASK_ERROR_CODES}. */
export type EvolinkTaskErrorCode = (typeof EVOLINK_TASK_ERROR_CODES)[number];

/**
 * Files API envelope codes (the MCP client's `file-api.md`) and the `params.reason` Atelier reports for each:
 * 40001 too large, 40002 type not allowed, 40003 quota exceeded, 40004 URL download failed, 50001 storage error.
 */
export const EVOLINK_FILES_ERROR_REASONS: Readonly<Record<number, string>> = {
  40001: 'too_large',
  40002: 'unsupported_format',
  40003: 'quota_exceeded',
  40004: 'download_failed',
  50001: 'storage_error',
};

// ---------------------------------------------------------------------------------------------------------------
// Wire schemas: request
// ---------------------------------------------------------------------------------------------------------------

/** An absolute http(s) URL written with RFC 3986 characters only (`string(uri)` in EvoLink's docs). */
const HttpUrl = z.string().refine(isHttpUrl, { message: 'Expected an absolute http(s) URL' });

/**
 * `POST /v1/images/generations` body exactly as the manual documents it, minus `callback_url` (Atelier polls), so it can
 * never be sent. Strict: any other key is refused before it reaches the wire. `resolution` is allowed only with a
 * ratio `size` (EvoLink ignores it otherwise, per the skill; the client does not send what is ignored).
 */
export const EvolinkCreateTaskBody = z
  .strictObject({
    model: z.literal(EVOLINK_MODEL),
    prompt: z
      .string()
      .min(1)
      .refine((p) => codePointLength(p) <= EVOLINK_MAX_PROMPT_CODEPOINTS, {
        message: `prompt is longer than ${EVOLINK_MAX_PROMPT_CODEPOINTS} code points`,
      }),
    size: EvolinkSize.optional(),
    resolution: z.enum(EVOLINK_RESOLUTIONS).optional(),
    quality: z.enum(EVOLINK_QUALITIES).optional(),
    n: z.number().int().min(EVOLINK_MIN_N).max(EVOLINK_MAX_N).optional(),
    image_urls: z.array(HttpUrl).min(1).max(EVOLINK_MAX_IMAGES).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.resolution !== undefined && !(b.size !== undefined && isEvolinkRatio(b.size))) {
      ctx.addIssue({ code: 'custom', path: ['resolution'], message: 'resolution is only sent with a ratio size', input: b.resolution });
    }
  });
/** Wire shape of {@link EvolinkCreateTaskBody}. */
export type EvolinkCreateTaskBody = z.infer<typeof EvolinkCreateTaskBody>;

// ---------------------------------------------------------------------------------------------------------------
// Wire schemas: replies
// ---------------------------------------------------------------------------------------------------------------

/** Task `status` (the manual's task detail page). */
export const EVOLINK_TASK_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const;
/** One of {@link EVOLINK_TASK_STATUSES}. */
export type EvolinkTaskStatus = (typeof EVOLINK_TASK_STATUSES)[number];

/** `usage` of a task: `credits_reserved` is in EvoLink credits (not USD) (the MCP client; example in the manual). */
export const EvolinkUsageSchema = z.looseObject({
  billing_rule: z.string().optional(),
  credits_reserved: z.number().min(0).optional(),
  user_group: z.string().optional(),
});
/** `{ billing_rule?, credits_reserved?, user_group? }` plus whatever else EvoLink adds. */
export type EvolinkUsage = z.infer<typeof EvolinkUsageSchema>;

/** `error` of a failed task: `{ code, message, type }` (the MCP client); the code is usually an {@link EvolinkTaskErrorCode}. */
export const EvolinkTaskErrorSchema = z.looseObject({
  code: z.union([z.string(), z.number()]).optional(),
  message: z.string().optional(),
  type: z.string().optional(),
});

/**
 * The task object of `POST /v1/images/generations` and `GET /v1/tasks/{id}` (the manual's examples and the MCP
 * client): `id` and `status` are required; `progress` 0–100; outputs as `results: string[]` and/or
 * `result_data: [{ image_url }]`; `task_info { can_cancel, estimated_time (s) }`; `usage`; `error` when failed;
 * `created` in epoch seconds. Unknown extra keys are tolerated.
 */
export const EvolinkTaskSchema = z.looseObject({
  id: z.string().min(1),
  status: z.enum(EVOLINK_TASK_STATUSES),
  object: z.string().optional(),
  type: z.string().optional(),
  model: z.string().optional(),
  created: z.number().optional(),
  progress: z.number().min(0).max(100).nullable().optional(),
  results: z.array(HttpUrl).nullable().optional(),
  result_data: z.array(z.looseObject({ image_url: HttpUrl })).nullable().optional(),
  task_info: z
    .looseObject({ can_cancel: z.boolean().optional(), estimated_time: z.number().min(0).optional() })
    .nullable()
    .optional(),
  usage: EvolinkUsageSchema.nullable().optional(),
  error: EvolinkTaskErrorSchema.nullable().optional(),
});
/** A parsed EvoLink task. */
export type EvolinkTask = z.infer<typeof EvolinkTaskSchema>;

/** HTTP error envelope (the MCP client's `error-handler.ts`; the docs' 400 example has no `type`). */
const ErrorEnvelope = z.looseObject({
  error: z.looseObject({
    code: z.union([z.number(), z.string()]).optional(),
    message: z.string(),
    type: z.string().optional(),
    param: z.string().optional(),
    fallback_suggestion: z.string().optional(),
  }),
});

/** Files API envelope `{ success, code, msg, data }` (the MCP client). */
const FilesEnvelope = z.looseObject({
  success: z.boolean(),
  code: z.number().optional(),
  msg: z.string().optional(),
  data: z.unknown().optional(),
});

/**
 * `data` of a Files API upload (the MCP client): `file_url` is what goes into `image_urls`; `expires_at` (files live 72 h) is
 * an ISO date or epoch seconds/ms. Other fields are kept when present.
 */
export const EvolinkFileSchema = z.looseObject({
  file_id: z.string().min(1),
  file_url: HttpUrl,
  file_name: z.string().optional(),
  original_name: z.string().optional(),
  file_size: z.number().int().min(0).optional(),
  mime_type: z.string().optional(),
  upload_path: z.string().optional(),
  download_url: HttpUrl.optional(),
  upload_time: z.union([z.string(), z.number()]).optional(),
  expires_at: z.union([z.string(), z.number()]).nullable().optional(),
});
/** A parsed upload `data`. */
export type EvolinkFile = z.infer<typeof EvolinkFileSchema>;

/** `data` of `GET /api/v1/files/quota` (the MCP client): file counts of the key's account. */
export const EvolinkQuotaSchema = z.looseObject({
  user_group: z.string().optional(),
  used_files: z.number().int().min(0),
  max_files: z.number().int().min(0),
  remain_files: z.number().int(),
});
/** `{ user_group?, used_files, max_files, remain_files }`. */
export type EvolinkQuota = z.infer<typeof EvolinkQuotaSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Body building
// ---------------------------------------------------------------------------------------------------------------

/**
 * Builds a `POST /v1/images/generations` body for gpt-image-2 from Atelier's parameters.
 *
 * - `params` are parsed with {@link EvolinkGptImage2Params} (defaults filled; unknown keys and broken size rules
 *   refused). `size`, `quality` and `n` are always sent; `resolution` only when `size` is a ratio.
 * - `imageUrls` (http(s), e.g. Files API `file_url`s) become `image_urls`, omitted when empty; at most 16.
 * - Never `callback_url` or any undocumented field.
 *
 * @throws AppError `prompt_too_long` (`params.length` in code points, `params.max` 32000); `validation` with
 *   `params.field` (e.g. `size`) and `params.reason` (for `size` the rule: `not_multiple_of_16`, `edge_out_of_range`,
 *   `too_few_pixels`, `too_many_pixels`, `aspect_too_wide`, `bad_format`).
 */
export function buildEvolinkCreateBody(input: {
  prompt: string;
  params: Record<string, unknown>;
  imageUrls?: readonly string[];
}): EvolinkCreateTaskBody {
  const p = parseOrThrow(EvolinkGptImage2Params, input.params, '');
  const body: Record<string, unknown> = { model: EVOLINK_MODEL, prompt: input.prompt, size: p.size };
  if (isEvolinkRatio(p.size)) body['resolution'] = p.resolution;
  body['quality'] = p.quality;
  body['n'] = p.n;
  if (input.imageUrls && input.imageUrls.length > 0) body['image_urls'] = [...input.imageUrls];
  return validateEvolinkCreateBody(body);
}

/**
 * Checks a create body against {@link EvolinkCreateTaskBody} and returns it typed; used by
 * {@link EvolinkClient.createTask} so no hand-built body can carry an undocumented field or a broken size.
 *
 * @throws AppError `prompt_too_long` or `validation` (see {@link buildEvolinkCreateBody}).
 */
export function validateEvolinkCreateBody(body: unknown): EvolinkCreateTaskBody {
  const prompt = (body as { prompt?: unknown } | null)?.prompt;
  if (typeof prompt === 'string') {
    const length = codePointLength(prompt);
    if (length > EVOLINK_MAX_PROMPT_CODEPOINTS) {
      throw new AppError('prompt_too_long', `Prompt is ${length} code points; EvoLink accepts ${EVOLINK_MAX_PROMPT_CODEPOINTS}`, {
        params: { length, max: EVOLINK_MAX_PROMPT_CODEPOINTS },
      });
    }
  }
  return parseOrThrow(EvolinkCreateTaskBody, body, '');
}

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, prefix: string): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = [prefix, ...(issue?.path ?? []).map(String)].filter((s) => s !== '').join('.');
  let reason = issue?.message ?? 'invalid';
  if (issue?.code === 'unrecognized_keys') reason = `unrecognized key(s): ${issue.keys.join(', ')}`;
  // A size issue carries the rule's name (EvolinkSize): report it as the reason.
  const rule = issue?.code === 'custom' ? (issue.params as { reason?: unknown } | undefined)?.reason : undefined;
  throw new AppError('validation', `Invalid EvoLink request${path ? ` at ${path}` : ''}: ${issue?.message ?? reason}`, {
    params: { field: path, reason: typeof rule === 'string' ? rule : reason },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------------------------

/** Information passed to {@link EvolinkClientOptions.onRetry} before each retry sleep (shape: {@link HttpRetryInfo}; no key). */
export type EvolinkRetryInfo = HttpRetryInfo;

/**
 * Construction options of {@link EvolinkClient}. Durations in ms. The transport options are those of
 * {@link HttpClientOptions}, with EvoLink's defaults: `timeoutMs` 60 000, `maxRetries` 2, `backoffBaseMs` 250,
 * `backoffCapMs` 8 000, `maxRetryAfterMs` {@link EVOLINK_DEFAULT_MAX_RETRY_AFTER_MS} (60 000; the longest 429 wait
 * slept inside a call), `userAgent` `Atelier (evolink-client)`.
 */
export interface EvolinkClientOptions extends HttpClientOptions {
  /** `sk-evo-…` key, sent only as `Authorization: Bearer …` (to both hosts; never to result URLs). */
  apiKey: string;
  /** Task API base URL without trailing slash; default {@link EVOLINK_DEFAULT_BASE_URL}. */
  baseUrl?: string;
  /** Files API base URL without trailing slash; default {@link EVOLINK_DEFAULT_FILES_BASE_URL}. */
  filesBaseUrl?: string;
  /** Wait assumed for a 429 without `Retry-After`; default {@link EVOLINK_DEFAULT_RATE_LIMIT_WAIT_MS} (30 000). */
  rateLimitWaitMs?: number;
}

/** Per-call options. */
export interface EvolinkCallOptions {
  /** Aborts the call, including a backoff sleep; surfaces as AppError `canceled`. */
  signal?: AbortSignal;
}

/** A downloaded body: `bytes` and the reply's `Content-Type` (or null). */
export type EvolinkDownload = ImageDownload;

/**
 * EvoLink's retry rule (EvoLink documents no policy; Atelier's Apiframe policy is reused): a 429 is always
 * retried (a refusal that certainly did not create a task); 5xx other than 501, network failures and timeouts only
 * for GETs and for requests whose repeat is harmless (`hasIdempotencyKey`: uploads, whose fixed file name makes a
 * repeat overwrite the same file, "same name overwrites" in the MCP client's `file-api.md`). `createTask` has no
 * idempotency key (none is documented), so
 * it is retried on 429 only.
 */
export function evolinkRetryable(method: HttpMethod, hasIdempotencyKey: boolean, err: AppError): boolean {
  if (err.code === 'rate_limited') return true;
  return (method === 'GET' || hasIdempotencyKey) && isTransientFailure(err);
}

/**
 * EvoLink client. One instance per key and pair of base URLs; cheap to create.
 *
 * Retry policy: a 429 is always retried (create included), sleeping `Retry-After` (seconds or HTTP date) or, without
 * the header, {@link EVOLINK_DEFAULT_RATE_LIMIT_WAIT_MS}; a wait longer than `maxRetryAfterMs` is not slept but
 * thrown. 5xx (not 501), network failures and timeouts are retried for GETs and uploads only — **never** for
 * `createTask`, which has no idempotency key (exactly one POST reaches EvoLink per call unless it answered 429).
 * At most `maxRetries` retries; full-jitter backoff `random() · min(cap, base·2^n)`.
 *
 * Error mapping (every error is an {@link AppError}; `status` is set when a reply arrived; `providerMessage` is the
 * envelope's `error.message` or Files `msg`; `params.providerCode` its `code`; `details` `{ [param]: [message] }`):
 * 400 → `provider_rejected`, 401 → `provider_auth`, 402 → `insufficient_credits` (`params.required/available` null:
 * EvoLink gives no numbers), 403 → `provider_forbidden` (no access to the model), 404 → `provider_not_found`,
 * 413 → `provider_rejected` (`params.reason: too_large`), 429 → `rate_limited` (`retryAfterMs`, `params.retryAfterMs`;
 * 30 000 without `Retry-After`), other 4xx → `provider_rejected`, 5xx → `provider_unavailable` (501 not retryable),
 * no reply in time → `timeout`, refused / reset / dropped connection → `network`, a 2xx body that is not JSON (an
 * HTML page, truncated JSON) or fails its schema → `provider_bad_response`, Files `success: false` (even on HTTP
 * 200) → see {@link filesEnvelopeError}, the caller's signal → `canceled`.
 */
export class EvolinkClient {
  private readonly apiKey: string;
  private readonly base: URL;
  private readonly filesBase: URL;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly userAgent: string;
  private readonly http: HttpTransport;

  /**
   * @throws AppError `no_api_key` when `apiKey` is empty, `provider_auth` when it holds characters that cannot be
   *   sent in a header (the key is never echoed), `validation` when a base URL is not http(s).
   */
  constructor(opts: EvolinkClientOptions) {
    if (!opts.apiKey) throw new AppError('no_api_key', 'No EvoLink API key', { params: { provider: 'evolink' } });
    if (!/^[\x21-\x7e]+$/.test(opts.apiKey)) {
      throw new AppError('provider_auth', 'The EvoLink API key contains characters that cannot be sent');
    }
    this.apiKey = opts.apiKey;
    this.base = baseOf(opts.baseUrl ?? EVOLINK_DEFAULT_BASE_URL, 'baseUrl');
    this.filesBase = baseOf(opts.filesBaseUrl ?? EVOLINK_DEFAULT_FILES_BASE_URL, 'filesBaseUrl');
    this.dispatcher = opts.dispatcher;
    this.userAgent = opts.userAgent ?? 'Atelier (evolink-client)';
    const rateLimitWaitMs = opts.rateLimitWaitMs ?? EVOLINK_DEFAULT_RATE_LIMIT_WAIT_MS;
    this.http = buildTransport('EvoLink', opts, EVOLINK_TRANSPORT_DEFAULTS, evolinkRetryable, (status, headers, text, what) =>
      errorFromEvolinkReply(status, headers, text, what, rateLimitWaitMs),
    );
  }

  /**
   * `POST /v1/images/generations` (the manual): creates a gpt-image-2 task. The body is checked against
   * {@link EvolinkCreateTaskBody} first (build it with {@link buildEvolinkCreateBody}). Retried on 429 only.
   *
   * @returns the task (normally `pending`, with `task_info.estimated_time` and `usage`).
   * @throws AppError — see the class doc; `validation`/`prompt_too_long` before anything is sent; `timeout` /
   *   `network` / `provider_unavailable` mean the task may or may not exist (no retry, no idempotency key).
   */
  async createTask(body: EvolinkCreateTaskBody, opts: EvolinkCallOptions = {}): Promise<EvolinkTask> {
    const checked = validateEvolinkCreateBody(body);
    const json = JSON.stringify(checked);
    const reply = await sendWithRetry(this.http, {
      method: 'POST',
      url: this.url(this.base, '/v1/images/generations'),
      headers: this.headers({ 'content-type': 'application/json' }),
      body: () => json,
      // No idempotency key is documented: retried on 429 only.
      hasIdempotencyKey: false,
      maxBytes: EVOLINK_MAX_JSON_BYTES,
      signal: opts.signal,
      dispatcher: this.dispatcher,
    });
    return parseJsonReply(reply, EvolinkTaskSchema, 'task', 'EvoLink');
  }

  /**
   * `GET /v1/tasks/{task_id}` (the manual's task detail page). Idempotent: 5xx / network / timeout are retried.
   *
   * @param id the task id from {@link createTask} (`task-unified-…`); a malformed one answers 400 `invalid_task_id`
   *   (`provider_rejected`), an unknown one 404 (`provider_not_found`).
   */
  async getTask(id: string, opts: EvolinkCallOptions = {}): Promise<EvolinkTask> {
    const reply = await sendWithRetry(this.http, {
      method: 'GET',
      url: this.url(this.base, `/v1/tasks/${encodeURIComponent(id)}`),
      headers: this.headers({}),
      hasIdempotencyKey: false,
      maxBytes: EVOLINK_MAX_JSON_BYTES,
      signal: opts.signal,
      dispatcher: this.dispatcher,
    });
    return parseJsonReply(reply, EvolinkTaskSchema, 'task', 'EvoLink');
  }

  /**
   * `POST /api/v1/files/upload/stream` on the Files host (the MCP client): multipart with the single part `file` (file name
   * `name`, type `mime`). The envelope is checked: `success: false` — even on HTTP 200 — is thrown per
   * {@link filesEnvelopeError}. Retried like a GET (5xx, network, timeout): EvoLink overwrites a file of the same
   * name, so give every upload a unique `name` and a repeat cannot store a second copy.
   *
   * @param bytes file content (EvoLink accepts JPEG/PNG/GIF/WebP up to 100 MB; gpt-image-2 takes no GIF).
   * @returns the upload's `data` (use `file_url` in `image_urls`; files expire after 72 h).
   */
  async uploadFile(bytes: Uint8Array, name: string, mime: string, opts: EvolinkCallOptions = {}): Promise<EvolinkFile> {
    const form = new FormData();
    form.append('file', new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mime }), name);
    const reply = await sendWithRetry(this.http, {
      method: 'POST',
      url: this.url(this.filesBase, '/api/v1/files/upload/stream'),
      headers: this.headers({}),
      body: () => form,
      // The unique file name acts as the idempotency key: a repeat overwrites the same file (the MCP client's `file-api.md`).
      hasIdempotencyKey: true,
      maxBytes: EVOLINK_MAX_JSON_BYTES,
      accept: acceptFilesEnvelope,
      signal: opts.signal,
      dispatcher: this.dispatcher,
    });
    return parseFilesData(reply, EvolinkFileSchema, 'file upload');
  }

  /**
   * `GET /api/v1/files/quota` on the Files host (the MCP client): `{ user_group, used_files, max_files, remain_files }`.
   * The cheapest authenticated call EvoLink has (it documents no balance endpoint).
   */
  async getFilesQuota(opts: EvolinkCallOptions = {}): Promise<EvolinkQuota> {
    const reply = await sendWithRetry(this.http, {
      method: 'GET',
      url: this.url(this.filesBase, '/api/v1/files/quota'),
      headers: this.headers({}),
      hasIdempotencyKey: false,
      maxBytes: EVOLINK_MAX_JSON_BYTES,
      accept: acceptFilesEnvelope,
      signal: opts.signal,
      dispatcher: this.dispatcher,
    });
    return parseFilesData(reply, EvolinkQuotaSchema, 'files quota');
  }

  /**
   * Downloads a result URL (valid 24 h, per the manual) with the GET retry policy, following up to 3 redirects and **without**
   * the API key (result hosts need none).
   *
   * @param opts.maxBytes size cap, bytes (checked on `Content-Length` and while streaming).
   * @throws AppError `result_expired` on 403/404/410 (a purged or expired result), `provider_unavailable` on 5xx,
   *   `rate_limited` on 429, `provider_bad_response` on another 4xx or a body over the cap, `timeout`, `network`.
   */
  async download(url: string, opts: EvolinkCallOptions & { maxBytes: number }): Promise<EvolinkDownload> {
    if (!isHttpUrl(url)) throw new AppError('provider_bad_response', 'EvoLink result URL is not an http(s) URL');
    return downloadImage(this.http, {
      url: new URL(url),
      userAgent: this.userAgent,
      maxBytes: opts.maxBytes,
      signal: opts.signal,
      dispatcher: this.dispatcher,
      noun: 'result',
      goneStatuses: [403, 404, 410],
      goneHint: '; results live 24 h',
      sniff: false,
    });
  }

  // -------------------------------------------------------------------------------------------------------------

  private url(base: URL, path: string): URL {
    return new URL(path.replace(/^\//, ''), base);
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    return { authorization: `Bearer ${this.apiKey}`, accept: 'application/json', 'user-agent': this.userAgent, ...extra };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

/**
 * Re-exported from the shared transport (../http.ts), where they are documented: {@link isHttpUrl} (absolute
 * http(s) URL in RFC 3986 characters, `string(uri)`) and {@link parseRetryAfter} (RFC 9110 §10.2.3 `Retry-After`,
 * seconds or HTTP date, to ms).
 */
export { isHttpUrl, parseRetryAfter };

/**
 * The output URLs of a task: `results` when it has any, else `result_data[].image_url` (the manual shows
 * `results`, the vendor's client reads `result_data`; both are accepted). `[]` when neither is present.
 */
export function evolinkTaskOutputUrls(task: EvolinkTask): string[] {
  if (task.results && task.results.length > 0) return [...task.results];
  return (task.result_data ?? []).map((r) => r.image_url);
}

/**
 * Maps a non-2xx EvoLink reply (either host) to an {@link AppError} (table on {@link EvolinkClient}). `text` is the raw
 * body: the `{ error: { code, message, type, param?, fallback_suggestion? } }` envelope or the Files envelope
 * `{ success: false, code, msg }` supplies `providerMessage`, `params.providerCode` and (for `param`) `details`.
 * A Files API code also sets `params.reason` (see {@link EVOLINK_FILES_ERROR_REASONS}).
 *
 * @param rateLimitWaitMs `retryAfterMs` of a 429 without `Retry-After` (default 30 000, {@link EVOLINK_DEFAULT_RATE_LIMIT_WAIT_MS}).
 */
export function errorFromEvolinkReply(
  status: number,
  headers: HttpHeaders,
  text: string,
  label = 'request',
  rateLimitWaitMs: number = EVOLINK_DEFAULT_RATE_LIMIT_WAIT_MS,
): AppError {
  const json = jsonOrUndefined(text);
  let providerMessage: string | undefined;
  let providerCode: string | number | undefined;
  let details: Record<string, string[]> | undefined;
  let suggestion: string | undefined;
  const env = ErrorEnvelope.safeParse(json);
  if (env.success) {
    providerMessage = env.data.error.message;
    providerCode = env.data.error.code;
    suggestion = env.data.error.fallback_suggestion;
    if (env.data.error.param) details = { [env.data.error.param]: [env.data.error.message] };
  } else {
    const files = FilesEnvelope.safeParse(json);
    if (files.success) {
      providerMessage = files.data.msg;
      providerCode = files.data.code;
    }
  }
  const filesReason = typeof providerCode === 'number' ? EVOLINK_FILES_ERROR_REASONS[providerCode] : undefined;
  const codeText = providerCode !== undefined ? ` [${providerCode}]` : '';
  const base = `EvoLink ${label} → HTTP ${status}${providerMessage ? `: ${providerMessage}` : ''}${codeText}`;
  const message = suggestion ? `${base} (suggestion: ${suggestion})` : base;
  const params: Record<string, string | number | null> = {};
  if (providerCode !== undefined) params['providerCode'] = providerCode;
  if (filesReason) params['reason'] = filesReason;
  const common = {
    status,
    ...(providerMessage !== undefined ? { providerMessage } : {}),
    ...(details ? { details } : {}),
  };
  const withParams = (extra: Record<string, string | number | null> = {}) => {
    const all = { ...params, ...extra };
    return Object.keys(all).length > 0 ? { params: all } : {};
  };
  switch (status) {
    case 400:
      return new AppError('provider_rejected', message, { ...common, ...withParams() });
    case 401:
      return new AppError('provider_auth', message, { ...common, ...withParams() });
    case 402:
      return new AppError('insufficient_credits', message, { ...common, ...withParams({ required: null, available: null }) });
    case 403:
      return new AppError('provider_forbidden', message, { ...common, ...withParams() });
    case 404:
      return new AppError('provider_not_found', message, { ...common, ...withParams() });
    case 413:
      return new AppError('provider_rejected', message, { ...common, ...withParams({ reason: 'too_large' }) });
    case 429: {
      const retryAfterMs = parseRetryAfter(headerOf(headers, 'retry-after')) ?? rateLimitWaitMs;
      return new AppError('rate_limited', message, { ...common, retryAfterMs, ...withParams({ retryAfterMs }) });
    }
    default:
      if (status >= 500) {
        return new AppError('provider_unavailable', message, { ...common, ...withParams(), retryable: status !== 501 });
      }
      return new AppError('provider_rejected', message, { ...common, ...withParams() });
  }
}

/**
 * The AppError for a Files API envelope with `success: false` (the MCP client; checked even on HTTP 200):
 * 40001 (too large) → `provider_rejected` `params.reason: too_large`; 40002 (type not allowed) → `provider_rejected`
 * `unsupported_format`; 40003 (quota exceeded) → `provider_rejected` `quota_exceeded`; 40004 (URL download failed)
 * → `provider_rejected` `download_failed`; 50001 (storage error) and any other 5xxxx → `provider_unavailable`
 * (retryable); any other code → `provider_rejected`. `providerMessage` is `msg`, `params.providerCode` the code.
 */
export function filesEnvelopeError(code: number | undefined, msg: string | undefined, status: number, label: string): AppError {
  const reason = code !== undefined ? EVOLINK_FILES_ERROR_REASONS[code] : undefined;
  const message = `EvoLink ${label} refused${msg ? `: ${msg}` : ''}${code !== undefined ? ` [${code}]` : ''}`;
  const params: Record<string, string | number> = {};
  if (code !== undefined) params['providerCode'] = code;
  if (reason) params['reason'] = reason;
  const opts = { status, params, ...(msg !== undefined ? { providerMessage: msg } : {}) };
  if (code !== undefined && code >= 50000 && code < 60000) return new AppError('provider_unavailable', message, opts);
  return new AppError('provider_rejected', message, opts);
}

function acceptFilesEnvelope(reply: HttpReply): void {
  const env = FilesEnvelope.safeParse(jsonOrUndefined(reply.bytes));
  if (env.success && env.data.success === false) {
    throw filesEnvelopeError(env.data.code, env.data.msg, reply.status, 'Files API');
  }
}

function parseFilesData<T extends z.ZodType>(reply: HttpReply, schema: T, name: string): z.output<T> {
  const env = parseJsonReply(reply, FilesEnvelope, name, 'EvoLink');
  const data = { ...reply, bytes: new TextEncoder().encode(JSON.stringify(env.data ?? null)) };
  return parseJsonReply(data, schema, `${name} data`, 'EvoLink');
}

function baseOf(raw: string, field: string): URL {
  const s = raw.replace(/\/+$/, '');
  if (!isHttpUrl(s)) {
    throw new AppError('validation', `EvoLink ${field} must be an http(s) URL`, { params: { field, reason: 'not_http_url' } });
  }
  return new URL(`${s}/`);
}
