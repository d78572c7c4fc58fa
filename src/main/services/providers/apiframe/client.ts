/**
 * Apiframe v2 client, the only code in Atelier that speaks Apiframe's wire protocol: {@link ApiframeClient}, the one
 * provider client (../client.ts) driven by Apiframe's description (./provider.ts), with its wire schemas in
 * ./schemas.ts, its request builders in ./requests.ts and its status-to-error table in ./errors.ts.
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
import { FormData } from 'undici';
import { ProviderHttpClient } from '../client';
import type { HttpClientOptions, HttpRetryInfo, ImageDownload } from '../http';
import { errorFromReply } from './errors';
import { APIFRAME, APIFRAME_ENDPOINTS as EP, type ApiframeHost } from './provider';
import { validateGenerateBody } from './requests';
import type { ApiframeJob, ApiframeJobList, ApiframeJobStatus, ApiframeMe, ApiframeUpload, GenerateImageBody, JobAccepted } from './schemas';

export * from './schemas';
export * from './requests';
export * from './errors';
export * from './provider';
export { isHttpUrl, parseRetryAfter } from '../http';

/** Information passed to {@link ApiframeClientOptions.onRetry} before each retry sleep (shape: {@link HttpRetryInfo}). */
export type ApiframeRetryInfo = HttpRetryInfo;

/**
 * Construction options of {@link ApiframeClient}. All durations in ms. The transport options are those of
 * {@link HttpClientOptions}, with Apiframe's defaults: `timeoutMs` 60 000, `maxRetries` 2, `backoffBaseMs` 250,
 * `backoffCapMs` 8 000 (Apiframe Node SDK `src/http.ts`), `maxRetryAfterMs` 60 000 (see {@link APIFRAME}`.transport`),
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
export class ApiframeClient extends ProviderHttpClient<ApiframeHost> {
  /**
   * @throws AppError `no_api_key` when `apiKey` is empty, `provider_auth` when it holds characters that cannot be
   *   sent in a header (the key itself is never echoed), `validation` when `baseUrl` is not an http(s) URL.
   */
  constructor(opts: ApiframeClientOptions) {
    super(APIFRAME, { ...opts, baseUrls: { api: opts.baseUrl } }, errorFromReply);
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
  async generate(body: GenerateImageBody, opts: ApiframeCallOptions & { idempotencyKey?: string } = {}): Promise<JobAccepted> {
    const json = validateGenerateBody(body);
    return this.call(EP.generate, { json, idempotencyKey: opts.idempotencyKey, signal: opts.signal });
  }

  /**
   * `GET /v2/jobs/{id}` (OpenAPI `Job`). Idempotent, so 5xx / network / timeout are retried.
   *
   * @param id the job's UUID from {@link generate}; a non-UUID answers 400 (`provider_rejected`).
   * @throws AppError `provider_not_found` for an unknown job or one owned by another key; see the class doc.
   */
  async getJob(id: string, opts: ApiframeCallOptions = {}): Promise<ApiframeJob> {
    return this.call(EP.job, { path: { id }, signal: opts.signal });
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
    const { model, status, limit, cursor } = query;
    return this.call(EP.jobs, { query: { model, status, limit, cursor }, signal: opts.signal });
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
    return this.call(EP.upload, { form: () => form, idempotencyKey: opts.idempotencyKey, signal: opts.signal });
  }

  /**
   * `GET /v2/me` (OpenAPI `Me`): user, team (with `credits`) and the key's id/name/prefix.
   * @throws AppError `provider_auth` / `provider_forbidden` for a bad / inactive key; see the class doc.
   */
  async me(opts: ApiframeCallOptions = {}): Promise<ApiframeMe> {
    return this.call(EP.me, { signal: opts.signal });
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
    return this.fetchResult(url, opts);
  }
}
