/**
 * Apiframe v2 as the one provider client ({@link ProviderHttpClient}, ../client.ts) sees it: one host and its
 * `X-API-Key` auth, the transport defaults and retry rule of Apiframe's Node SDK (`src/http.ts`,
 * https://github.com/apiframe-ai/apiframe-nodejs-sdk), and one {@link Endpoint} per call with its reply schema
 * (./schemas.ts, from `specs/apiframe-v2-openapi.json`) and its idempotency rule (the OpenAPI `IdempotencyKey`
 * parameter: the same key within 24 h returns the original job; https://docs-v2.apiframe.ai/). Errors: ./errors.ts.
 */
import type { z } from 'zod';
import type { AppError } from '@shared/errors';
import { retryableUnder, type Endpoint, type ProviderDescription } from '../client';
import type { HttpMethod } from '../http';
import { APIFRAME_IDEMPOTENCY_KEY_MAX, JobAcceptedSchema, JobListSchema, JobSchema, MeSchema, UploadSchema } from './schemas';

/** Production base URL (OpenAPI `servers[0]`). */
export const APIFRAME_DEFAULT_BASE_URL = 'https://api.apiframe.ai';
/** Largest JSON reply read from the API, bytes. Replies are a few KB; anything near this is not Apiframe. */
export const APIFRAME_MAX_JSON_BYTES = 8 * 1024 * 1024;

/** Apiframe's one host. */
export type ApiframeHost = 'api';

/**
 * Apiframe's description: host `api` ({@link APIFRAME_DEFAULT_BASE_URL}), the key in `X-API-Key`, the SDK's
 * transport defaults, the `idempotent` retry rule (see {@link apiframeRetryable}), results downloaded without the
 * key (the CDN is another host), 404/410 meaning the result is gone.
 */
export const APIFRAME: ProviderDescription<ApiframeHost> = {
  label: 'Apiframe',
  provider: 'apiframe',
  hosts: { api: { defaultUrl: APIFRAME_DEFAULT_BASE_URL, name: 'base URL', field: 'baseUrl' } },
  auth: { header: 'x-api-key', prefix: '', required: true },
  userAgent: 'Atelier (apiframe-client)',
  transport: {
    /** Per-request timeout, ms (Apiframe Node SDK default, `src/http.ts`). Covers connect, headers and the whole body. */
    timeoutMs: 60_000,
    /** Retries after the first attempt (SDK default). */
    maxRetries: 2,
    /** Full-jitter backoff base, ms (SDK). */
    backoffBaseMs: 250,
    /** Full-jitter backoff cap, ms (SDK `MAX_BACKOFF_MS`). */
    backoffCapMs: 8_000,
    /**
     * Longest `Retry-After` the client sleeps through inside one call, ms. A longer wait is not slept: the 429 is
     * thrown as `rate_limited` with `retryAfterMs` so the job engine can schedule the retry (a desktop app should not
     * hold a request open for an hour). The SDK has no such bound.
     */
    maxRetryAfterMs: 60_000,
  },
  retry: 'idempotent',
  maxReplyBytes: APIFRAME_MAX_JSON_BYTES,
  download: { noun: 'result', goneStatuses: [404, 410], sniff: false, keyOnOwnOrigin: false },
};

/** `Idempotency-Key` as the OpenAPI `IdempotencyKey` parameter has it (≤ 255 characters; 24 h). */
const KEYED = { header: 'idempotency-key', maxLength: APIFRAME_IDEMPOTENCY_KEY_MAX };

/** Apiframe's endpoints (OpenAPI paths), each with its reply schema and idempotency rule. */
export const APIFRAME_ENDPOINTS = {
  /** `POST /v2/images/generate` → 202 `JobAccepted`; retried on 5xx / network only with an `Idempotency-Key`. */
  generate: { method: 'POST', host: 'api', path: '/v2/images/generate', reply: JobAcceptedSchema, name: 'JobAccepted', idempotency: KEYED },
  /** `GET /v2/jobs/{id}` → `Job`. */
  job: { method: 'GET', host: 'api', path: '/v2/jobs/{id}', reply: JobSchema, name: 'Job', idempotency: 'none' },
  /** `GET /v2/jobs` → `JobList`. */
  jobs: { method: 'GET', host: 'api', path: '/v2/jobs', reply: JobListSchema, name: 'JobList', idempotency: 'none' },
  /**
   * `POST /v2/uploads` (multipart) → 201 `Upload`; `Idempotency-Key` honoured as by the SDK
   * (`src/resources/uploads.ts`), its length left to the server.
   */
  upload: { method: 'POST', host: 'api', path: '/v2/uploads', reply: UploadSchema, name: 'Upload', idempotency: { header: 'idempotency-key' } },
  /** `GET /v2/me` → `Me`. */
  me: { method: 'GET', host: 'api', path: '/v2/me', reply: MeSchema, name: 'Me', idempotency: 'none' },
} satisfies Record<string, Endpoint<ApiframeHost, z.ZodType>>;

/**
 * Apiframe's retry rule (copied from its Node SDK `src/http.ts`, see the file doc): a 429 is always retried; 5xx
 * other than 501, network failures and timeouts only when the request is idempotent — a GET, or a POST that carries
 * `Idempotency-Key`.
 */
export const apiframeRetryable: (method: HttpMethod, hasIdempotencyKey: boolean, err: AppError) => boolean =
  retryableUnder(APIFRAME.retry);
