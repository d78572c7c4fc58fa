/**
 * OpenAI (and OpenAI-compatible servers) as the one provider client ({@link ProviderHttpClient}, ../client.ts) sees
 * it: one host (the base URL includes `/v1`), the key as `Authorization: Bearer` (none for a compatible server
 * without auth), transport defaults after openai-node (https://github.com/openai/openai-node @ 7b7d6ca `core.ts`),
 * the `get-only` retry rule (the Images API has no idempotency key: a resent POST may pay twice), and one
 * {@link Endpoint} per call with its reply schema (./schemas.ts; https://platform.openai.com/docs/api-reference/images,
 * https://platform.openai.com/docs/api-reference/responses). Errors: ./errors.ts.
 */
import type { z } from 'zod';
import type { AppError } from '@shared/errors';
import { retryableUnder, type Endpoint, type ProviderDescription } from '../client';
import type { HttpMethod } from '../http';
import { ImagesResponseSchema, ModelListSchema, ResponsesReplySchema } from './schemas';

/** Production base URL (includes `/v1`). */
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';
/**
 * Largest reply read, bytes (384 MiB). One reply carries up to 10 images as base64 (4/3 of their size); a
 * 3840×2160 PNG is ~10–25 MB, so 10 of them fit.
 */
export const OPENAI_MAX_RESPONSE_BYTES = 384 * 1024 * 1024;
/** Largest `url` output downloaded (compatible servers), bytes. */
export const OPENAI_MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024;
/** Largest JSON reply of the API other than images (the model list), bytes. */
export const OPENAI_MAX_JSON_BYTES = 8 * 1024 * 1024;

/** OpenAI's one host. */
export type OpenAiHost = 'api';

/**
 * OpenAI's description: host `api` ({@link OPENAI_DEFAULT_BASE_URL}), the key as `Authorization: Bearer` and
 * optional (null for a compatible server without auth), openai-node's transport defaults, the `get-only` retry rule
 * ({@link openAiRetryable}), outputs downloaded with the key only on the API's own origin and sniffed for
 * PNG/JPEG/WebP, 404/410 meaning an output is gone.
 */
export const OPENAI: ProviderDescription<OpenAiHost> = {
  label: 'OpenAI',
  provider: 'openai',
  hosts: { api: { defaultUrl: OPENAI_DEFAULT_BASE_URL, name: 'base URL', field: 'baseUrl' } },
  auth: { header: 'authorization', prefix: 'Bearer ', required: false },
  userAgent: 'Atelier (openai-client)',
  transport: {
    /**
     * Per-request timeout, ms: 5 min. The Images API answers only when the images are done, which can take up to ~2 min
     * for high quality / large sizes; the SDK's own default is 10 min.
     */
    timeoutMs: 5 * 60_000,
    /** Retries after the first attempt, for 429 (and, for GETs, 5xx / network / timeout). SDK default: 2. */
    maxRetries: 2,
    /** Backoff without a Retry-After header: full jitter over base·2^n, capped (SDK: 0.5 s … 8 s). */
    backoffBaseMs: 500,
    /** Full-jitter backoff cap, ms (SDK: 8 s). */
    backoffCapMs: 8_000,
    /**
     * Longest Retry-After slept inside a call, ms. A longer wait is thrown as `rate_limited` with `retryAfterMs` for the
     * job engine to schedule (which may resend a 429'd submit: a 429 certainly did not run the job).
     */
    maxRetryAfterMs: 60_000,
  },
  retry: 'get-only',
  maxReplyBytes: OPENAI_MAX_JSON_BYTES,
  download: { noun: 'output', goneStatuses: [404, 410], sniff: true, keyOnOwnOrigin: true },
};

/** OpenAI's endpoints, each with its reply schema; none has an idempotency key. */
export const OPENAI_ENDPOINTS = {
  /** `POST /images/generations` (JSON) → `ImagesResponse`. */
  generations: { method: 'POST', host: 'api', path: '/images/generations', reply: ImagesResponseSchema, name: 'ImagesResponse', idempotency: 'none' },
  /** `POST /images/edits` (multipart) → `ImagesResponse`. */
  edits: { method: 'POST', host: 'api', path: '/images/edits', reply: ImagesResponseSchema, name: 'ImagesResponse', idempotency: 'none' },
  /** `POST /responses` (JSON, the `image_generation` tool) → `Response`. */
  responses: { method: 'POST', host: 'api', path: '/responses', reply: ResponsesReplySchema, name: 'Responses reply', idempotency: 'none' },
  /** `GET /models` → the model list. */
  models: { method: 'GET', host: 'api', path: '/models', reply: ModelListSchema, name: 'model list', idempotency: 'none' },
} satisfies Record<string, Endpoint<OpenAiHost, z.ZodType>>;

/**
 * OpenAI's retry rule (the SDK's own policy would resend a POST, see the file doc): a 429 rate limit
 * is retried for every request — it certainly did not run the job. A 429 `insufficient_quota` (billing; OpenAI's
 * error-code guide: retrying never helps) is mapped to `insufficient_credits` by `errorFromReply` (./errors.ts) and
 * so is never retried. 5xx other than 501, network failures and timeouts are retried for GETs only: the Images API
 * has no idempotency key, so a resent POST may pay twice.
 */
export const openAiRetryable: (method: HttpMethod, hasIdempotencyKey: boolean, err: AppError) => boolean =
  retryableUnder(OPENAI.retry);
