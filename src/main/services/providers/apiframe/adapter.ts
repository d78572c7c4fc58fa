/**
 * The Apiframe v2 {@link ProviderAdapter}: references → `POST /v2/uploads`, submit → `POST /v2/images/generate`,
 * poll → `GET /v2/jobs/{id}`, outputs → a GET on the CDN URL, account → `GET /v2/me`.
 *
 * Sources: shared/specs/apiframe-v2-openapi.json and shared/reference/providers.md §1. Wire details and the
 * error mapping live in {@link ApiframeClient}; this file only translates between the engine's types and the wire.
 */
import { randomUUID } from 'node:crypto';
import type { HttpClientOptions } from '../http';
import { extOf, mapLimit, requireOutputImage, sniffImageType } from '../common';
import { AppError, missingCase } from '../../../../shared/errors';
import type {
  ProviderAdapter,
  ProviderContext,
  ReferenceInput,
  RemoteOutput,
  RemoteStatus,
  SubmitRequest,
  SubmitResult,
  UploadedReference,
} from '../types';
import { ApiframeClient, buildGenerateBody, jobResultUrls, type ApiframeJob } from './client';

/** Largest output image accepted, bytes (64 MB). A gpt-image PNG is a few MB. */
export const APIFRAME_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
/** How many reference uploads run at once. */
const UPLOAD_CONCURRENCY = 3;

/**
 * Options of {@link createApiframeAdapter}. Everything is optional; tests inject a dispatcher and fast backoff.
 * Durations in ms, sizes in bytes.
 */
/**
 * The transport knobs of {@link HttpClientOptions} (dispatcher for API and CDN calls, per-attempt timeout — default
 * 60 000 ms —, retries), forwarded to {@link ApiframeClient}, plus the output size cap.
 */
export interface ApiframeAdapterOptions extends Omit<HttpClientOptions, 'userAgent'> {
  /** Output size cap; default {@link APIFRAME_MAX_OUTPUT_BYTES}. */
  maxOutputBytes?: number;
}

/**
 * Creates the Apiframe adapter. Stateless: each call builds an {@link ApiframeClient} from the call's
 * {@link ProviderContext} (key, base URL, abort signal).
 *
 * Behaviour per method (all failures are {@link AppError}, mapped as documented on {@link ApiframeClient}):
 * - `uploadReferences(refs)` → one `POST /v2/uploads` per ref (each with a fresh Idempotency-Key so a retry cannot
 *   duplicate it), in input order; `expiresAt` is the Upload's `expiresAt` in epoch ms (null if unparseable). The
 *   file name sent is neutral (`reference-<n>.<ext>`), not the user's.
 * - `submit(req)` → body from {@link buildGenerateBody}: `req.params` into `gptImage2Params` / `gptImageParams`,
 *   `req.referenceUrls` into `input_images` (omitted when empty); `req.idempotencyKey` as `Idempotency-Key`.
 *   Returns `{ remoteId: jobId }` (no `status`: Apiframe is asynchronous). `req.references` (inline bytes) is not
 *   used; `req.mask` is refused with `validation` (no mask on Apiframe's gpt-image schemas).
 * - `poll(id)` → QUEUED→`queued`, PROCESSING→`running` (`progress` 0–100 or null), COMPLETED→`completed`
 *   (outputs from `result`, string or `{images}`; credits = `creditCost`) unless `expired` is true → `expired`
 *   (credits = `creditCost`: the purged job was paid for),
 *   FAILED→`failed` (`reason` = `job.error`, credits = `creditCost`), CANCELLED→`canceled`. A COMPLETED job with no
 *   output URL → `provider_bad_response`.
 * - `fetchOutput(out)` → inline bytes as they are, or a GET on the URL (no key sent, 60 s, ≤ 64 MB); 404/410 →
 *   `result_expired`; a body that is not PNG/JPEG/WebP by magic bytes → `provider_bad_response`.
 * - `account()` → `{ credits: team.credits ?? null, email: user.email }`.
 *
 * @throws AppError `no_api_key` when `ctx.apiKey` is null or empty.
 */
export function createApiframeAdapter(opts: ApiframeAdapterOptions = {}): ProviderAdapter {
  const maxOutputBytes = opts.maxOutputBytes ?? APIFRAME_MAX_OUTPUT_BYTES;

  const clientFor = (ctx: ProviderContext): ApiframeClient => {
    if (!ctx.apiKey) throw new AppError('no_api_key', 'No Apiframe API key', { params: { provider: 'apiframe' } });
    return new ApiframeClient({
      apiKey: ctx.apiKey,
      baseUrl: ctx.baseUrl,
      ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.maxRetries !== undefined ? { maxRetries: opts.maxRetries } : {}),
      ...(opts.backoffBaseMs !== undefined ? { backoffBaseMs: opts.backoffBaseMs } : {}),
      ...(opts.backoffCapMs !== undefined ? { backoffCapMs: opts.backoffCapMs } : {}),
      ...(opts.maxRetryAfterMs !== undefined ? { maxRetryAfterMs: opts.maxRetryAfterMs } : {}),
      ...(opts.random ? { random: opts.random } : {}),
      ...(opts.sleep ? { sleep: opts.sleep } : {}),
      ...(opts.onRetry ? { onRetry: opts.onRetry } : {}),
    });
  };
  const callOpts = (ctx: ProviderContext) => (ctx.signal ? { signal: ctx.signal } : {});

  return {
    id: 'apiframe',
    /** `Idempotency-Key` makes a resubmit return the original job (24 h), so the engine may resend after a crash. */
    idempotentSubmit: true,
    /** References travel as URLs from `POST /v2/uploads`. */
    uploadsReferences: true,

    async uploadReferences(refs: ReferenceInput[], ctx: ProviderContext): Promise<UploadedReference[]> {
      if (refs.length === 0) return [];
      const client = clientFor(ctx);
      return mapLimit(refs, UPLOAD_CONCURRENCY, async (ref, i) => {
        const up = await client.upload(ref.bytes, `reference-${i + 1}.${extOf(ref.mime)}`, ref.mime, {
          ...callOpts(ctx),
          idempotencyKey: `upload-${randomUUID()}`,
        });
        const expiresAt = Date.parse(up.expiresAt);
        return { blobId: ref.blobId, url: up.url, expiresAt: Number.isNaN(expiresAt) ? null : expiresAt };
      });
    },

    async submit(req: SubmitRequest, ctx: ProviderContext): Promise<SubmitResult> {
      if (req.mask) {
        // Apiframe's gpt-image schemas have no mask field (masks are `/v2/images/edit`, flux-fill-pro only).
        throw new AppError('validation', 'Apiframe gpt-image models take no mask', {
          params: { field: 'mask', reason: 'unsupported' },
        });
      }
      const body = buildGenerateBody({
        model: req.model,
        prompt: req.prompt,
        params: req.params,
        inputImages: req.referenceUrls,
      });
      const client = clientFor(ctx);
      const accepted = await client.generate(body, { ...callOpts(ctx), idempotencyKey: req.idempotencyKey });
      return { remoteId: accepted.jobId };
    },

    async poll(remoteId: string, ctx: ProviderContext): Promise<RemoteStatus> {
      const job = await clientFor(ctx).getJob(remoteId, callOpts(ctx));
      return statusOf(job);
    },

    async fetchOutput(output: RemoteOutput, ctx: ProviderContext): Promise<Uint8Array> {
      if ('bytes' in output) {
        requireOutputImage(output.bytes, 'Apiframe');
        return output.bytes;
      }
      const { bytes } = await clientFor(ctx).download(output.url, { ...callOpts(ctx), maxBytes: maxOutputBytes });
      requireOutputImage(bytes, 'Apiframe');
      return bytes;
    },

    async account(ctx: ProviderContext): Promise<{ credits: number | null; email: string | null }> {
      const me = await clientFor(ctx).me(callOpts(ctx));
      return { credits: me.team?.credits ?? null, email: me.user.email || null };
    },
  };
}

/**
 * Normalises an Apiframe job into the engine's {@link RemoteStatus} (table on {@link createApiframeAdapter}).
 * @throws AppError `provider_bad_response` for a COMPLETED, unexpired job without output URLs.
 */
export function statusOf(job: ApiframeJob): RemoteStatus {
  switch (job.status) {
    case 'QUEUED':
      return { state: 'queued', progress: job.progress === null ? null : Math.round(job.progress) };
    case 'PROCESSING':
      return { state: 'running', progress: job.progress === null ? null : Math.round(job.progress) };
    case 'COMPLETED': {
      if (job.expired === true) return { state: 'expired', credits: job.creditCost }; // purged, but paid
      const urls = jobResultUrls(job.result);
      if (urls.length === 0) {
        throw new AppError('provider_bad_response', 'Apiframe job is COMPLETED but has no result URL', { status: 200 });
      }
      return { state: 'completed', outputs: urls.map((url) => ({ url })), credits: job.creditCost };
    }
    case 'FAILED':
      return { state: 'failed', reason: job.error ?? 'Apiframe reported the job as failed', credits: job.creditCost };
    case 'CANCELLED':
      return { state: 'canceled' };
    default:
      throw missingCase(job.status);
  }
}

/** Re-exported for its tests: the shared magic-byte check of ../common. */
export { sniffImageType };
