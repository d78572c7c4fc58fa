/**
 * EvoLink as the one provider client ({@link ProviderHttpClient}, ../client.ts) sees it: two hosts with the same
 * key as `Authorization: Bearer` — the task API and the Files API (auth and hosts:
 * https://docs.evolink.ai/ja/quickstart.md; the Files host from EvoLink's media MCP server,
 * https://github.com/EvoLinkAI/evolink-media-mcp `file-api.md`) — transport defaults and the retry rule (EvoLink
 * documents no policy; Apiframe's is reused), and one {@link Endpoint} per call with its reply schema
 * (./schemas.ts) and its idempotency rule. EvoLink has **no idempotency key** (none is documented): a create is
 * retried on 429 only; an upload's unique file name makes its repeat harmless. Errors: ./errors.ts.
 */
import type { z } from 'zod';
import type { AppError } from '@shared/errors';
import { retryableUnder, type Endpoint, type ProviderDescription } from '../client';
import type { HttpMethod } from '../http';
import { APIFRAME } from '../apiframe/provider';
import { acceptFilesEnvelope, parseFilesData } from './errors';
import { EvolinkFileSchema, EvolinkQuotaSchema, EvolinkTaskSchema } from './schemas';

/** Task API base URL (the manual's quickstart). */
export const EVOLINK_DEFAULT_BASE_URL = 'https://api.evolink.ai';
/** Files API base URL, a different host with the same key (the MCP client). */
export const EVOLINK_DEFAULT_FILES_BASE_URL = 'https://files-api.evolink.ai';
/** Largest JSON reply read, bytes. Replies are a few KB. */
export const EVOLINK_MAX_JSON_BYTES = 8 * 1024 * 1024;
/** Files API upload limit, bytes: 100 MB per file (the MCP client's `file-api.md`). */
export const EVOLINK_FILES_MAX_BYTES = 100 * 1024 * 1024;

/** EvoLink's hosts: `api` (tasks) and `files` (the Files API). */
export type EvolinkHost = 'api' | 'files';

/**
 * EvoLink's description: hosts `api` ({@link EVOLINK_DEFAULT_BASE_URL}) and `files`
 * ({@link EVOLINK_DEFAULT_FILES_BASE_URL}), the key as `Authorization: Bearer` to both (never to result URLs), the
 * `idempotent` retry rule ({@link evolinkRetryable}), results (valid 24 h, per the manual) gone on 403/404/410.
 */
export const EVOLINK: ProviderDescription<EvolinkHost> = {
  label: 'EvoLink',
  provider: 'evolink',
  hosts: {
    api: { defaultUrl: EVOLINK_DEFAULT_BASE_URL, name: 'baseUrl', field: 'baseUrl' },
    files: { defaultUrl: EVOLINK_DEFAULT_FILES_BASE_URL, name: 'filesBaseUrl', field: 'filesBaseUrl' },
  },
  auth: { header: 'authorization', prefix: 'Bearer ', required: true },
  userAgent: 'Atelier (evolink-client)',
  // EvoLink documents no timeout or retry policy: Apiframe's (its Node SDK's) is reused — 60 s per attempt,
  // 2 retries, full-jitter backoff 250 ms … 8 s — with the same 60 s bound on a 429 wait slept inside one call
  // (a longer one is thrown as `rate_limited` with `retryAfterMs` for the job engine to schedule).
  transport: APIFRAME.transport,
  retry: 'idempotent',
  maxReplyBytes: EVOLINK_MAX_JSON_BYTES,
  download: { noun: 'result', goneStatuses: [403, 404, 410], goneHint: '; results live 24 h', sniff: false, keyOnOwnOrigin: false },
};

/** EvoLink's endpoints, each with its reply schema and idempotency rule. */
export const EVOLINK_ENDPOINTS = {
  /**
   * `POST /v1/images/generations` (the manual) → the task. No idempotency key is documented: retried on 429 only.
   */
  createTask: { method: 'POST', host: 'api', path: '/v1/images/generations', reply: EvolinkTaskSchema, name: 'task', idempotency: 'none' },
  /** `GET /v1/tasks/{task_id}` (the manual's task detail page) → the task. */
  task: { method: 'GET', host: 'api', path: '/v1/tasks/{id}', reply: EvolinkTaskSchema, name: 'task', idempotency: 'none' },
  /**
   * `POST /api/v1/files/upload/stream` on the Files host (the MCP client) → the envelope's `data`. The unique file
   * name acts as the idempotency key: a repeat overwrites the same file ("same name overwrites", `file-api.md`).
   */
  upload: {
    method: 'POST',
    host: 'files',
    path: '/api/v1/files/upload/stream',
    reply: EvolinkFileSchema,
    name: 'file upload',
    idempotency: 'always',
    accept: acceptFilesEnvelope,
    parse: parseFilesData,
  },
  /** `GET /api/v1/files/quota` on the Files host (the MCP client) → the envelope's `data`. */
  quota: {
    method: 'GET',
    host: 'files',
    path: '/api/v1/files/quota',
    reply: EvolinkQuotaSchema,
    name: 'files quota',
    idempotency: 'none',
    accept: acceptFilesEnvelope,
    parse: parseFilesData,
  },
} satisfies Record<string, Endpoint<EvolinkHost, z.ZodType>>;

/**
 * EvoLink's retry rule (EvoLink documents no policy; Atelier's Apiframe policy is reused): a 429 is always
 * retried (a refusal that certainly did not create a task); 5xx other than 501, network failures and timeouts only
 * for GETs and for requests whose repeat is harmless (`hasIdempotencyKey`: uploads, whose fixed file name makes a
 * repeat overwrite the same file, "same name overwrites" in the MCP client's `file-api.md`). `createTask` has no
 * idempotency key (none is documented), so it is retried on 429 only.
 */
export const evolinkRetryable: (method: HttpMethod, hasIdempotencyKey: boolean, err: AppError) => boolean =
  retryableUnder(EVOLINK.retry);
