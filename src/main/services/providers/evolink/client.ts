/**
 * EvoLink client, the only code in Atelier that speaks EvoLink's wire protocol: the task API
 * (`https://api.evolink.ai`) and the Files API (`https://files-api.evolink.ai`, same key). {@link EvolinkClient} is
 * the one provider client (../client.ts) driven by EvoLink's description (./provider.ts), with its wire schemas in
 * ./schemas.ts, its request builders in ./requests.ts and its status-to-error table in ./errors.ts.
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
import { FormData } from 'undici';
import { ProviderHttpClient } from '../client';
import type { HttpClientOptions, HttpRetryInfo, ImageDownload } from '../http';
import { EVOLINK_DEFAULT_RATE_LIMIT_WAIT_MS, errorFromEvolinkReply } from './errors';
import { EVOLINK, EVOLINK_ENDPOINTS as EP, type EvolinkHost } from './provider';
import { validateEvolinkCreateBody } from './requests';
import type { EvolinkCreateTaskBody, EvolinkFile, EvolinkQuota, EvolinkTask } from './schemas';

export * from './schemas';
export * from './requests';
export * from './errors';
export * from './provider';
export { isHttpUrl, parseRetryAfter } from '../http';

/** Information passed to {@link EvolinkClientOptions.onRetry} before each retry sleep (shape: {@link HttpRetryInfo}; no key). */
export type EvolinkRetryInfo = HttpRetryInfo;

/**
 * Construction options of {@link EvolinkClient}. Durations in ms. The transport options are those of
 * {@link HttpClientOptions}, with EvoLink's defaults: `timeoutMs` 60 000, `maxRetries` 2, `backoffBaseMs` 250,
 * `backoffCapMs` 8 000, `maxRetryAfterMs` 60 000 ({@link EVOLINK}`.transport`; the longest 429 wait
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
export class EvolinkClient extends ProviderHttpClient<EvolinkHost> {
  /**
   * @throws AppError `no_api_key` when `apiKey` is empty, `provider_auth` when it holds characters that cannot be
   *   sent in a header (the key is never echoed), `validation` when a base URL is not http(s).
   */
  constructor(opts: EvolinkClientOptions) {
    const rateLimitWaitMs = opts.rateLimitWaitMs ?? EVOLINK_DEFAULT_RATE_LIMIT_WAIT_MS;
    super(EVOLINK, { ...opts, baseUrls: { api: opts.baseUrl, files: opts.filesBaseUrl } }, (status, headers, text, what) =>
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
    return this.call(EP.createTask, { json: validateEvolinkCreateBody(body), signal: opts.signal });
  }

  /**
   * `GET /v1/tasks/{task_id}` (the manual's task detail page). Idempotent: 5xx / network / timeout are retried.
   *
   * @param id the task id from {@link createTask} (`task-unified-…`); a malformed one answers 400 `invalid_task_id`
   *   (`provider_rejected`), an unknown one 404 (`provider_not_found`).
   */
  async getTask(id: string, opts: EvolinkCallOptions = {}): Promise<EvolinkTask> {
    return this.call(EP.task, { path: { id }, signal: opts.signal });
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
    return this.call(EP.upload, { form: () => form, signal: opts.signal });
  }

  /**
   * `GET /api/v1/files/quota` on the Files host (the MCP client): `{ user_group, used_files, max_files, remain_files }`.
   * The cheapest authenticated call EvoLink has (it documents no balance endpoint).
   */
  async getFilesQuota(opts: EvolinkCallOptions = {}): Promise<EvolinkQuota> {
    return this.call(EP.quota, { signal: opts.signal });
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
    return this.fetchResult(url, opts);
  }
}
