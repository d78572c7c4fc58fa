/**
 * The Apiframe v2 {@link ProviderAdapter}: references → `POST /v2/uploads`, submit → `POST /v2/images/generate`,
 * poll → `GET /v2/jobs/{id}`, outputs → a GET on the CDN URL, account → `GET /v2/me`.
 *
 * Sources: specs/apiframe-v2-openapi.json and Apiframe's docs (https://docs-v2.apiframe.ai/docs/images). Wire details
 * and the error mapping live in {@link ApiframeClient}; this file only translates between the engine's types and the
 * wire.
 */
import { randomUUID } from 'node:crypto';
import { callOptionsOf, transportOptionsOf, type HttpClientOptions } from '../http';
import { extOf, mapLimit, requireOutputImage, sniffImageType } from '../common';
import { AppError, missingCase } from '@shared/errors';
import type {
  OriginalJobHint,
  ProviderAdapter,
  ProviderContext,
  ReferenceInput,
  RemoteOutput,
  RemoteStatus,
  SubmitRequest,
  SubmitResult,
  UploadedReference,
} from '../types';
import { ApiframeClient, buildGenerateBody, jobResultUrls, validateGenerateBody, type ApiframeJob, type GenerateImageBody } from './client';
import { JobSchema } from './schemas';

/** Largest output image accepted, bytes (64 MB). A gpt-image PNG is a few MB. */
export const APIFRAME_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
/** How many reference uploads run at once. */
const UPLOAD_CONCURRENCY = 3;
/** `GET /v2/jobs` pages read at most when looking for a lost original job (100 jobs a page). */
const MAX_LIST_PAGES = 10;
/** Most `GET /v2/jobs` pages one shared poll reads (300 newest jobs); jobs further back are polled one by one. */
const MAX_SHARED_POLL_PAGES = 3;
/** How far past the oldest submit a shared poll pages, for clock skew between Apiframe and this computer, ms. */
const LIST_CLOCK_SLACK_MS = 10 * 60_000;

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
 * - `buildSubmitBody(req)` → the body `submit` sends, from {@link buildGenerateBody} (for the journal).
 * - `submit(req)` → `req.body` verbatim where set (checked against the schema), else the body from {@link buildGenerateBody}: `req.params` into `gptImage2Params` / `gptImageParams`,
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
 * - `pollMany(jobs)` → `GET /v2/jobs?limit=100` (newest first, up to 3 pages, back to the oldest job's submit):
 *   one request reads every running job's status (list items carry status, progress, result and creditCost);
 * - `findOriginal(hint)` → `GET /v2/jobs?model=…&limit=100` pages back to `hint.since`, then `GET /v2/jobs/{id}` of
 *   each candidate, oldest first, not in `hint.exclude`, whose `input` equals `hint.body` leaving out `input_images`
 *   (upload URLs change when references are uploaded again), else whose prompt, model and image count match.
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
      ...transportOptionsOf(opts),
    });
  };
  const callOpts = callOptionsOf;

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

    buildSubmitBody: bodyFor,

    async submit(req: SubmitRequest, ctx: ProviderContext): Promise<SubmitResult> {
      const body = req.body !== undefined ? validateGenerateBody(req.body) : bodyFor(req);
      const client = clientFor(ctx);
      const accepted = await client.generate(body, { ...callOpts(ctx), idempotencyKey: req.idempotencyKey });
      return { remoteId: accepted.jobId };
    },

    async poll(remoteId: string, ctx: ProviderContext): Promise<RemoteStatus> {
      const job = await clientFor(ctx).getJob(remoteId, callOpts(ctx));
      return statusOf(job);
    },

    async pollMany(jobs: ReadonlyArray<{ remoteId: string; submittedAt: number }>, ctx: ProviderContext): Promise<{ statuses: Map<string, RemoteStatus>; requests: number }> {
      const client = clientFor(ctx);
      const wanted = new Set(jobs.map((j) => j.remoteId));
      // The provider's clock and ours may differ: page a little past the oldest submit.
      const oldest = Math.min(...jobs.map((j) => j.submittedAt)) - LIST_CLOCK_SLACK_MS;
      const statuses = new Map<string, RemoteStatus>();
      let requests = 0;
      let cursor: string | undefined;
      for (let page = 0; page < MAX_SHARED_POLL_PAGES && wanted.size > 0; page++) {
        const list = await client.listJobs({ limit: 100, ...(cursor ? { cursor } : {}) }, callOpts(ctx));
        requests++;
        let reachedOlder = false;
        for (const j of list.jobs) {
          if (wanted.delete(j.id)) {
            // An image job's result as GET /v2/jobs/{id} reads it; one of another shape is left for its own poll.
            const image = JobSchema.safeParse(j);
            try {
              if (image.success) statuses.set(j.id, statusOf(image.data));
            } catch {
              // e.g. COMPLETED without a result URL: left for the job's own poll, which reports it.
            }
          }
          if (Date.parse(j.createdAt) < oldest) reachedOlder = true;
        }
        if (reachedOlder || !list.hasMore || !list.nextCursor) break;
        cursor = list.nextCursor;
      }
      return { statuses, requests };
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

    async findOriginal(hint: OriginalJobHint, ctx: ProviderContext): Promise<string | null> {
      const client = clientFor(ctx);
      const candidates: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_LIST_PAGES; page++) {
        const list = await client.listJobs({ model: hint.model, limit: 100, ...(cursor ? { cursor } : {}) }, callOpts(ctx));
        let reachedOlder = false;
        for (const j of list.jobs) {
          if (Date.parse(j.createdAt) < hint.since) {
            reachedOlder = true;
            break;
          }
          if (!hint.exclude.has(j.id)) candidates.push(j.id);
        }
        if (reachedOlder || !list.hasMore || !list.nextCursor) break;
        cursor = list.nextCursor;
      }
      const wanted = hint.body !== null && hint.body !== undefined ? withoutInputImages(hint.body) : null;
      // Oldest first: the first POST under the key made the original; anything later is another job.
      for (const id of candidates.reverse()) {
        const input = (await client.getJob(id, callOpts(ctx))).input;
        if (!input) continue;
        if (wanted !== null ? canonicalJson(withoutInputImages(input)) === canonicalJson(wanted) : looseMatch(input, hint)) return id;
      }
      return null;
    },
  };
}

/**
 * The `POST /v2/images/generate` body for a submit request.
 * @throws AppError `validation` for a mask (Apiframe's gpt-image schemas have none) or a bad parameter
 */
function bodyFor(req: SubmitRequest): GenerateImageBody {
  if (req.mask) {
    // Masks are `/v2/images/edit`, flux-fill-pro only.
    throw new AppError('validation', 'Apiframe gpt-image models take no mask', {
      params: { field: 'mask', reason: 'unsupported' },
    });
  }
  return buildGenerateBody({ model: req.model, prompt: req.prompt, params: req.params, inputImages: req.referenceUrls });
}

/** The generate body's parameter object (`gptImage2Params` / `gptImageParams`), or {}. */
function paramsOf(body: Record<string, unknown>): Record<string, unknown> {
  const p = body['gptImage2Params'] ?? body['gptImageParams'];
  return p && typeof p === 'object' ? (p as Record<string, unknown>) : {};
}

/** A generate body without its `input_images` (the only part that changes when references are uploaded again). */
function withoutInputImages(body: unknown): unknown {
  if (!body || typeof body !== 'object') return body;
  const b = { ...(body as Record<string, unknown>) };
  for (const k of ['gptImage2Params', 'gptImageParams']) {
    const p = b[k];
    if (p && typeof p === 'object') {
      const { input_images: _dropped, ...rest } = p as Record<string, unknown>;
      b[k] = rest;
    }
  }
  return b;
}

/** Same prompt, model and number of images: the match where the body first sent was not kept. */
function looseMatch(input: Record<string, unknown>, hint: OriginalJobHint): boolean {
  const n = paramsOf(input)['number_of_images'];
  return input['prompt'] === hint.prompt && input['model'] === hint.model && (typeof n === 'number' ? n : 1) === hint.count;
}

/** JSON with object keys sorted, so key order does not change a comparison. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
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
      const ran = job.completedAt !== null ? Date.parse(job.completedAt) - Date.parse(job.createdAt) : NaN;
      return {
        state: 'completed',
        outputs: urls.map((url) => ({ url })),
        credits: job.creditCost,
        ...(Number.isFinite(ran) && ran > 0 ? { durationMs: ran } : {}),
      };
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
