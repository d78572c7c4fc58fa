/**
 * The EvoLink {@link ProviderAdapter} for gpt-image-2: references → Files API `POST /api/v1/files/upload/stream`,
 * submit → `POST /v1/images/generations`, poll → `GET /v1/tasks/{id}`, outputs → a GET on the result URL (24 h),
 * account → `GET /api/v1/files/quota` (EvoLink has no balance endpoint).
 *
 * Source: EvoLink's API manual (https://docs.evolink.ai/en/api-manual/) and the sources cited in ./client.ts. Wire
 * details and the error mapping live in {@link EvolinkClient}; this file only translates between the engine's types
 * and the wire.
 */
import { randomUUID } from 'node:crypto';
import { callOptionsOf, transportOptionsOf, type HttpClientOptions } from '../http';
import { extOf, mapLimit, requireOutputImage } from '../common';
import { AppError, missingCase } from '@shared/errors';
import { EVOLINK_MAX_IMAGE_BYTES, EVOLINK_MAX_IMAGES } from '@shared/providers/evolink';
import type {
  ProviderAdapter,
  ProviderContext,
  ReferenceInput,
  RemoteOutput,
  SubmitRequest,
  SubmitResult,
  UploadedReference,
} from '../types';
import {
  EVOLINK_DEFAULT_BASE_URL,
  EVOLINK_DEFAULT_FILES_BASE_URL,
  EvolinkClient,
  buildEvolinkCreateBody,
  evolinkTaskOutputUrls,
  type EvolinkTask,
  type EvolinkUsage,
} from './client';

/** Largest output image accepted, bytes (64 MB); a 4K gpt-image PNG is well under. */
export const EVOLINK_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
/** Files API files live 72 h (EvoLink's media MCP server, https://github.com/EvoLinkAI/evolink-media-mcp); used when an upload reply has no parseable `expires_at`. */
export const EVOLINK_FILE_TTL_MS = 72 * 60 * 60 * 1000;
/** How many reference uploads run at once. */
const UPLOAD_CONCURRENCY = 3;

/**
 * The shared {@link RemoteStatus} as this adapter fills it: `estimatedTotalMs` (EvoLink `task_info.estimated_time`
 * × 1000) while queued/running; on completion `usage` = EvoLink's `usage` object verbatim (typed) and `usd: null`
 * (EvoLink's documented usage holds `credits_reserved` in credits, no token counts: the USD it stands for is
 * derived on reading, at the 68 credits per $1 the price table implies — `costUsdDerived`, shown as derived);
 * plus, on failure only, `errorCode` = the task's `error.code` (usually one of EVOLINK_TASK_ERROR_CODES), an extra
 * the shared type lacks. Assignable to `RemoteStatus`.
 */
export type EvolinkRemoteStatus =
  | { state: 'queued' | 'running'; progress: number | null; estimatedTotalMs?: number | null }
  | { state: 'completed'; outputs: RemoteOutput[]; credits: number | null; usd?: number | null; usage?: EvolinkUsage }
  | { state: 'failed'; reason: string; credits: number | null; errorCode?: string };

/** {@link SubmitResult} plus `estimatedTotalMs` (ms) from the create reply's `task_info.estimated_time`. */
export interface EvolinkSubmitResult extends SubmitResult {
  status?: EvolinkRemoteStatus;
  estimatedTotalMs?: number;
}

/**
 * The adapter's type: the shared interface with the id `'evolink'` (not yet in `PROVIDER_IDS`) and the richer
 * submit/poll results above. `idempotentSubmit` is `false`: EvoLink has no idempotency key.
 */
export type EvolinkAdapter = Omit<ProviderAdapter, 'id' | 'submit' | 'poll'> & {
  readonly id: 'evolink';
  readonly idempotentSubmit: false;
  readonly uploadsReferences: true;
  submit(req: SubmitRequest, ctx: ProviderContext): Promise<EvolinkSubmitResult>;
  poll(remoteId: string, ctx: ProviderContext): Promise<EvolinkRemoteStatus>;
};

/** Options of {@link createEvolinkAdapter}; all optional (tests inject fast backoff). Durations ms, sizes bytes. */
/**
 * The transport knobs of {@link HttpClientOptions} (dispatcher, per-attempt timeout — default 60 000 ms —, retries),
 * forwarded to {@link EvolinkClient}, plus EvoLink's own.
 */
export interface EvolinkAdapterOptions extends Omit<HttpClientOptions, 'userAgent'> {
  /** Files API base URL; default derived from `ctx.baseUrl` by {@link evolinkFilesBaseUrl}. */
  filesBaseUrl?: string;
  /** Wait after a 429 without Retry-After, forwarded to {@link EvolinkClient}. */
  rateLimitWaitMs?: number;
  /** Output size cap; default {@link EVOLINK_MAX_OUTPUT_BYTES}. */
  maxOutputBytes?: number;
}

/**
 * The Files API base URL for a task-API base URL: {@link EVOLINK_DEFAULT_FILES_BASE_URL} when `apiBaseUrl` is the
 * production host {@link EVOLINK_DEFAULT_BASE_URL} (trailing slashes and host case ignored), otherwise `apiBaseUrl`
 * itself — a gateway or a test server then serves both APIs under one base.
 */
export function evolinkFilesBaseUrl(apiBaseUrl: string): string {
  const trimmed = apiBaseUrl.replace(/\/+$/, '');
  try {
    if (new URL(trimmed).href === new URL(EVOLINK_DEFAULT_BASE_URL).href) return EVOLINK_DEFAULT_FILES_BASE_URL;
  } catch {
    // not a URL: the client refuses it with `validation`
  }
  return trimmed;
}

/**
 * Creates the EvoLink adapter. Stateless: each call builds an {@link EvolinkClient} from the call's
 * {@link ProviderContext} (key, base URL → files base URL, abort signal).
 *
 * - `uploadReferences(refs)` → at most 16 refs (`validation` otherwise), each ≤ 50 MB (`bad_file` `too_large`
 *   otherwise, before anything is sent); one Files upload per ref under a unique neutral name
 *   `atelier-<uuid>.<ext>` (EvoLink overwrites same-name files, so names must not repeat across jobs); returns
 *   `file_url` and `expires_at` (epoch ms; upload time + 72 h when absent).
 * - `submit(req)` → `req.params` parsed by EvolinkGptImage2Params (size rules refused here with `validation`,
 *   `params.field: 'size'`, `params.reason`: the rule — nothing is sent), `req.referenceUrls` → `image_urls`. Only
 *   `gpt-image-2`; no mask. Not idempotent: a failed call is never repeated here except after a 429. Returns the
 *   task id, `estimatedTotalMs`, and a `status` only when the create reply is already terminal.
 * - `poll(id)` → see {@link evolinkStatusOf}.
 * - `fetchOutput(out)` → GET without the key (60 s, ≤ 64 MB); 403/404/410 → `result_expired` (results live 24 h);
 *   a body that is not PNG/JPEG/WebP → `provider_bad_response`.
 * - `account()` → EvoLink documents no balance endpoint (none in its API manual): it calls `GET /api/v1/files/quota` on
 *   the Files host as the cheapest authenticated call (so a bad key surfaces as `provider_auth`) and returns
 *   `{ credits: null, email: null }`.
 *
 * @throws AppError `no_api_key` when `ctx.apiKey` is null or empty.
 */
export function createEvolinkAdapter(opts: EvolinkAdapterOptions = {}): EvolinkAdapter {
  const maxOutputBytes = opts.maxOutputBytes ?? EVOLINK_MAX_OUTPUT_BYTES;

  const clientFor = (ctx: ProviderContext): EvolinkClient => {
    if (!ctx.apiKey) throw new AppError('no_api_key', 'No EvoLink API key', { params: { provider: 'evolink' } });
    return new EvolinkClient({
      apiKey: ctx.apiKey,
      baseUrl: ctx.baseUrl,
      filesBaseUrl: opts.filesBaseUrl ?? evolinkFilesBaseUrl(ctx.baseUrl),
      ...transportOptionsOf(opts),
      ...(opts.rateLimitWaitMs !== undefined ? { rateLimitWaitMs: opts.rateLimitWaitMs } : {}),
    });
  };
  const callOpts = callOptionsOf;

  return {
    id: 'evolink',
    /** No idempotency key (EvoLink documents none): the engine must never resend a submit on its own. */
    idempotentSubmit: false,
    /** References travel as Files API URLs in `image_urls`. */
    uploadsReferences: true,

    async uploadReferences(refs: ReferenceInput[], ctx: ProviderContext): Promise<UploadedReference[]> {
      if (refs.length === 0) return [];
      if (refs.length > EVOLINK_MAX_IMAGES) {
        throw new AppError('validation', `EvoLink takes at most ${EVOLINK_MAX_IMAGES} reference images`, {
          params: { field: 'image_urls', reason: 'too_many', max: EVOLINK_MAX_IMAGES },
        });
      }
      for (const ref of refs) {
        if (ref.bytes.length > EVOLINK_MAX_IMAGE_BYTES) {
          throw new AppError('bad_file', `${ref.name} is larger than EvoLink's ${EVOLINK_MAX_IMAGE_BYTES} bytes`, {
            params: { name: ref.name, reason: 'too_large', maxBytes: EVOLINK_MAX_IMAGE_BYTES },
          });
        }
      }
      const client = clientFor(ctx);
      return mapLimit(refs, UPLOAD_CONCURRENCY, async (ref) => {
        const uploadedAt = Date.now();
        const file = await client.uploadFile(ref.bytes, `atelier-${randomUUID()}.${extOf(ref.mime)}`, ref.mime, callOpts(ctx));
        return { blobId: ref.blobId, url: file.file_url, expiresAt: expiryOf(file.expires_at) ?? uploadedAt + EVOLINK_FILE_TTL_MS };
      });
    },

    async submit(req: SubmitRequest, ctx: ProviderContext): Promise<EvolinkSubmitResult> {
      if (req.model !== 'gpt-image-2') {
        throw new AppError('validation', `EvoLink does not serve ${req.model} here`, { params: { field: 'model', reason: 'unsupported' } });
      }
      if (req.mask) {
        throw new AppError('validation', 'EvoLink gpt-image-2 takes no mask', { params: { field: 'mask', reason: 'unsupported' } });
      }
      if (req.prompt.trim().length === 0) {
        throw new AppError('validation', 'EvoLink needs a prompt', { params: { field: 'prompt', reason: 'empty' } });
      }
      if (req.referenceUrls.length > EVOLINK_MAX_IMAGES) {
        throw new AppError('validation', `EvoLink takes at most ${EVOLINK_MAX_IMAGES} reference images`, {
          params: { field: 'image_urls', reason: 'too_many', max: EVOLINK_MAX_IMAGES },
        });
      }
      const body = buildEvolinkCreateBody({ prompt: req.prompt, params: req.params, imageUrls: req.referenceUrls });
      const task = await clientFor(ctx).createTask(body, callOpts(ctx));
      const out: EvolinkSubmitResult = { remoteId: task.id };
      const hint = pollHint(task);
      if (hint !== null) out.estimatedTotalMs = hint * 1000;
      if (task.status === 'completed' || task.status === 'failed') out.status = evolinkStatusOf(task);
      return out;
    },

    async poll(remoteId: string, ctx: ProviderContext): Promise<EvolinkRemoteStatus> {
      return evolinkStatusOf(await clientFor(ctx).getTask(remoteId, callOpts(ctx)));
    },

    async fetchOutput(output: RemoteOutput, ctx: ProviderContext): Promise<Uint8Array> {
      if ('bytes' in output) {
        requireOutputImage(output.bytes, 'EvoLink');
        return output.bytes;
      }
      const { bytes } = await clientFor(ctx).download(output.url, { ...callOpts(ctx), maxBytes: maxOutputBytes });
      requireOutputImage(bytes, 'EvoLink');
      return bytes;
    },

    async account(ctx: ProviderContext): Promise<{ credits: number | null; email: string | null }> {
      await clientFor(ctx).getFilesQuota(callOpts(ctx));
      return { credits: null, email: null };
    },
  };
}

/**
 * Normalises an EvoLink task into {@link EvolinkRemoteStatus} (https://docs.evolink.ai/en/api-manual/task-management/get-task-detail):
 * - `pending` → `queued`, `processing` → `running`; `progress` rounded 0–100 or null; `estimatedTotalMs` =
 *   `task_info.estimated_time` (s) × 1000 when present.
 * - `completed` → `completed` with one `{ url }` per `results` entry (else `result_data[].image_url`); `credits` =
 *   null (EvoLink's `usage.credits_reserved` is its own unit, kept verbatim in `usage`; no actual charge is documented);
 *   `usage` = the raw object when present; `usd` = null (no token counts to price).
 * - `failed` → `failed`: `reason` = `error.message` (else the code, else a generic sentence), `errorCode` =
 *   `error.code`, `credits` null (a third-party note says failed tasks are refunded; EvoLink does not say).
 *
 * @throws AppError `provider_bad_response` for a completed task without any output URL.
 */
export function evolinkStatusOf(task: EvolinkTask): EvolinkRemoteStatus {
  const progress = typeof task.progress === 'number' ? Math.round(task.progress) : null;
  switch (task.status) {
    case 'pending':
    case 'processing': {
      const s: EvolinkRemoteStatus = { state: task.status === 'pending' ? 'queued' : 'running', progress };
      const hint = pollHint(task);
      if (hint !== null) s.estimatedTotalMs = hint * 1000;
      return s;
    }
    case 'completed': {
      const urls = evolinkTaskOutputUrls(task);
      if (urls.length === 0) {
        throw new AppError('provider_bad_response', 'EvoLink task is completed but has no result URL', { status: 200 });
      }
      const s: EvolinkRemoteStatus = {
        state: 'completed',
        outputs: urls.map((url) => ({ url })),
        // `credits` holds Apiframe credits across the app; EvoLink's own reserved credits are another unit with no
        // published USD rate: they stay in `usage` (the job and recipe views derive a USD figure from them, marked
        // as derived) and the spend view counts the job at its USD estimate.
        credits: null,
        usd: null,
      };
      if (task.usage) s.usage = task.usage;
      return s;
    }
    case 'failed': {
      const code = task.error?.code;
      const reason =
        task.error?.message || (code !== undefined ? `EvoLink task failed: ${code}` : 'EvoLink reported the task as failed');
      const s: EvolinkRemoteStatus = { state: 'failed', reason, credits: null };
      if (code !== undefined) s.errorCode = String(code);
      return s;
    }
    default:
      throw missingCase(task.status);
  }
}

/**
 * EvoLink's own estimate of the task's duration, seconds: `task_info.estimated_time` when present (the create reply
 * in EvoLink's API manual; the task in its media MCP server), else null. For adaptive polling; the vendor's advice
 * (its gpt-image-2 skill, https://github.com/EvoLinkAI/gpt-image-2-gen-skill) is every 3 s for the first 20 s, then
 * every 8 s.
 */
export function pollHint(task: EvolinkTask): number | null {
  const t = task.task_info?.estimated_time;
  return typeof t === 'number' && Number.isFinite(t) && t >= 0 ? t : null;
}

/** `expires_at` as epoch ms: an ISO date, or a number in seconds (< 1e12) or ms; null when absent or unparseable. */
function expiryOf(v: string | number | null | undefined): number | null {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v < 1e12 ? v * 1000 : v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

