/**
 * A realistic Apiframe v2 test server (fastify, 127.0.0.1, a free port) for integration and e2e tests.
 *
 * What it does, after Apiframe's docs (https://docs-v2.apiframe.ai/docs/images) and its OpenAPI file (see ./spec.ts):
 * - `POST /v2/images/generate`: X-API-Key auth (401 missing/unknown, 403 inactive key); the body is validated
 *   against `GenerateImageRequest` with ajv and refused like Apiframe does (400 `{ error, details }`, details keyed
 *   `gptImage2Params.aspect_ratio`); `Idempotency-Key` (≤ 255 chars; same key + same body within 24 h → the original
 *   job, 202 with its current status, no new job; same key + other body → 409); credits per key and quality
 *   (402 `{ error: 'Insufficient credits', creditsRequired, creditsAvailable }`); 202 `{ jobId, status: 'QUEUED' }`.
 * - `GET /v2/jobs`: the key's jobs newest first (`createdAt desc, id desc`), `model`/`status` filters, `limit` 1–100
 *   (default 20), an opaque `cursor` (`nextCursor`, `hasMore`); list items carry no `input` (OpenAPI `JobList`).
 * - `GET /v2/jobs/{id}`: 400 if not a UUID, 404 if unknown or owned by another key. Status is a function of time
 *   since creation (so it survives client restarts): QUEUED for `queueDelayMs`, then PROCESSING with rising
 *   progress, then COMPLETED (or FAILED when the prompt contains `failMarker`, credits refunded) at `jobDurationMs`;
 *   `expired: true` once `retentionMs` passed after completion, after which the CDN answers 404.
 * - Results are real images rendered with sharp in the requested `output_format` and aspect (256 px long edge),
 *   served at `/cdn/<jobId>-<n>.<ext>`; with `input_images`, a downscaled copy of the first reference is composited
 *   into the top-left 96×96 box (backgrounds are never red-dominant, so a red reference is easy to detect).
 *   `result` is `{ images: [...] }` or the first URL string (`resultShape`).
 * - `POST /v2/uploads`: multipart field `file`, magic-byte sniffed (PNG/JPEG/WebP/GIF; others 400), 25 MB (400),
 *   201 `Upload`, served at `/cdn/uploads/<id>.<ext>` until `expiresAt` (`uploadTtlMs`); honours Idempotency-Key.
 * - `GET /v2/me`: `{ user, team: { credits, … }, apiKey }`.
 * - Faults per route, injected with `state.inject(route, fault, { times, after })`: a status (429 with Retry-After
 *   in seconds or as an HTTP date, 500, 503, …), a dropped connection, a drop in the middle of the body, a slow
 *   reply, an HTML page, JSON of the wrong shape. `after: true` runs the request for real first (the job is created)
 *   and then replaces the reply.
 * - Every JSON reply it produces itself is checked against the spec's response schemas; mismatches are collected
 *   in `state.responseViolations` (tests assert it stays empty), so the server cannot drift from the spec.
 * - With `controlApi: true` (the CLI), `/__control/*` exposes the same controls over HTTP for out-of-process tests.
 *
 * Keys are kept in memory for inspection only; nothing is logged (fastify's logger is off).
 */
import { createHash, randomUUID } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import sharp, { type OverlayOptions } from 'sharp';
import { Response } from 'undici';
import {
  applyConfig,
  applyTransportFault,
  ClockedTestServerLog,
  faultRoutes,
  closer,
  delay,
  isTransportFault,
  listenLocal,
  recordRequests,
  redactHeader,
  registerClockControl,
  registerFaultControl,
  retryAfterValue,
  type RecordedRequest as CommonRecordedRequest,
  type TransportFault,
} from '../common';
import { apiframeSpecValidators, type ApiframeResponseSchema } from './spec';

export type { InjectOptions } from '../common';

// ---------------------------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------------------------

/** Routes faults can target. `cdn` covers results and uploaded files. */
export type ApiframeRoute = 'generate' | 'getJob' | 'listJobs' | 'upload' | 'me' | 'cdn';
/** Every {@link ApiframeRoute}, e.g. to validate `/__control/faults` input. */
export const APIFRAME_ROUTES: readonly ApiframeRoute[] = ['generate', 'getJob', 'listJobs', 'upload', 'me', 'cdn'];

/** A fault to inject in place of (or, with `after`, on top of) a route's normal reply. */
export type ApiframeFault =
  /** Answer `status` with `{ error }` (or `body`); `retryAfterSeconds` adds `Retry-After` (seconds or HTTP date);
   * `delayMs` waits that long first (a gateway timing out). */
  | { kind: 'status'; status: number; retryAfterSeconds?: number; retryAfterFormat?: 'seconds' | 'http-date'; body?: unknown; delayMs?: number }
  /** `drop`, `dropMidBody`, `slow` and `html` (see ../common). */
  | TransportFault
  /** Answer arbitrary JSON with `status` (default 200), e.g. a body of the wrong shape. */
  | { kind: 'json'; body: unknown; status?: number };

/** One API key the server knows. */
export interface ApiframeKeyConfig {
  key: string;
  /** Starting balance (default 1000). */
  credits?: number;
  /** false → every call answers 403 (default true). */
  active?: boolean;
  email?: string;
  teamName?: string;
}

/** Scenario settings; all can be changed at run time through `state.config`. Durations in ms. */
export interface ApiframeServerConfig {
  /** Creation → terminal state (COMPLETED/FAILED). Default 3000. */
  jobDurationMs: number;
  /** Creation → PROCESSING. Default min(500, 20 % of jobDurationMs). */
  queueDelayMs: number;
  /** `result` shape: `{ images: [...] }` or the first URL as a string. Default 'images'. */
  resultShape: 'images' | 'string';
  /** Completion → `expired: true` and CDN 404. Default 24 h. */
  retentionMs: number;
  /** Upload → `expiresAt`. Default 90 min. */
  uploadTtlMs: number;
  /** A prompt containing this fails the job. Default `[[fail]]`. */
  failMarker: string;
  /** `job.error` of such a failure. */
  failReason: string;
  /** Long edge of rendered results, px. Default 256. */
  imageLongEdge: number;
  /** Per-job duration (ms) from the request body; overrides `jobDurationMs` (benchmarks draw from a distribution). */
  durationFor?: (body: Record<string, unknown>) => number;
  /**
   * `linear` progress while PROCESSING (default), `none` (progress stays null, as some upstreams do), or `noisy`:
   * the linear value plus up to ±25 points that change six times over the job, so it jumps and goes back.
   */
  progressReporting?: 'linear' | 'none' | 'noisy';
  /**
   * At most this many images come back from a job, whatever `number_of_images` asked (an upstream that returns
   * fewer); `creditCost` then charges only those, the rest refunded. Default: unset (all asked for).
   */
  returnedImages?: number;
  /**
   * Jobs of the account's other products (video, music…) that `GET /v2/jobs` lists beside the image jobs, as list
   * items (`id`, `createdAt` ISO, `model`, `status`, `result` in whatever shape that product has: the spec leaves
   * `Job.result` untyped). Shown to every key; never returned by `GET /v2/jobs/{id}`. Default: none.
   */
  otherJobs?: ReadonlyArray<Record<string, unknown> & { id: string; createdAt: string; model: string; status: string }>;
}

/** Options of {@link startApiframeTestServer}. */
export interface ApiframeTestServerOptions extends Partial<ApiframeServerConfig> {
  /** Keys (strings get the defaults). Default `['afk_test_key_0001']`. */
  keys?: ReadonlyArray<string | ApiframeKeyConfig>;
  /** Port; default 0 (a free one). Host is always 127.0.0.1. */
  port?: number;
  /** Base of the URLs it hands out (results, uploads); default `http://127.0.0.1:<port>`. */
  publicBaseUrl?: string;
  /** Clock, epoch ms (default Date.now); `state.advance()` adds to it. */
  now?: () => number;
  /** Expose `/__control/*` (see cli.ts). Default false. */
  controlApi?: boolean;
}

/** A request as the server received it. `body` is the parsed JSON, or a summary of a multipart upload. */
export type RecordedRequest = CommonRecordedRequest<ApiframeRoute, ApiframeFault['kind']>;

/** A job as the server stores it. */
export interface TestJob {
  id: string;
  ownerKey: string;
  model: string;
  /** The request body as received. */
  input: Record<string, unknown>;
  createdAt: number;
  durationMs: number;
  queueDelayMs: number;
  /** Credits charged at creation (refunded when the job fails). */
  cost: number;
  /** Why it will fail, or null. */
  failReason: string | null;
  count: number;
  /** Images it delivers (≤ count; see {@link ApiframeServerConfig.returnedImages}). */
  returned: number;
  format: 'png' | 'jpeg' | 'webp';
  aspect: '1:1' | '3:2' | '2:3';
  transparent: boolean;
  inputImages: string[];
  /** The upload whose bytes are composited into the results (the first input image), or null. */
  referenceUploadId: string | null;
  idempotencyKey: string | null;
  refunded: boolean;
  rendered: Map<number, Buffer>;
}

/** An uploaded file. */
export interface TestUpload {
  id: string;
  ownerKey: string;
  bytes: Buffer;
  contentType: string;
  ext: string;
  fileName: string | null;
  createdAt: number;
  expiresAt: number;
  url: string;
}

/** A reply that did not match its OpenAPI schema (a server bug). */
export interface ResponseViolation {
  route: string;
  status: number;
  schema: ApiframeResponseSchema;
  errors: string[];
}

/** Running server handle. */
export interface ApiframeTestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  state: ApiframeTestServerState;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Pricing (docs-v2.apiframe.ai model pages: credits per image by quality)
// ---------------------------------------------------------------------------------------------------------------

/** Credits per image by model and quality (docs-v2.apiframe.ai). */
export const TEST_SERVER_CREDITS_PER_IMAGE: Record<string, Record<string, number>> = {
  'gpt-image-2': { low: 4, medium: 9, high: 23, auto: 23 },
  'gpt-image-1.5': { low: 2, medium: 5, high: 14, auto: 14 },
};
const DEFAULT_CREDITS_PER_IMAGE = 10;

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Idempotency-Key limit (OpenAPI components.parameters.IdempotencyKey). */
const IDEMPOTENCY_KEY_MAX = 255;

// ---------------------------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------------------------

interface KeyState {
  key: string;
  credits: number;
  active: boolean;
  email: string;
  teamName: string;
  userId: string;
  teamId: string;
  keyId: string;
}

/**
 * Inspection and scenario controls. Counters: `jobsCreated` (real creations only; idempotent replays do not
 * count), `uploadsCreated`, `requests` (everything received, in order), `jobs`, `uploads`, `responseViolations`.
 */
export class ApiframeTestServerState extends ClockedTestServerLog<ApiframeRoute, ApiframeFault> {
  /** Jobs really created (not replays). */
  jobsCreated = 0;
  /** Uploads really stored (not replays). */
  uploadsCreated = 0;
  readonly jobs = new Map<string, TestJob>();
  readonly uploads = new Map<string, TestUpload>();
  /** Replies that failed their OpenAPI schema: should always stay empty. */
  readonly responseViolations: ResponseViolation[] = [];
  /** Live scenario settings. */
  readonly config: ApiframeServerConfig;

  /** @internal */ readonly keys = new Map<string, KeyState>();
  /** @internal */ readonly idempotency = new Map<string, { id: string; hash: string; at: number }>();

  constructor(config: ApiframeServerConfig, keys: ReadonlyArray<string | ApiframeKeyConfig>, clock: () => number) {
    super(clock);
    this.config = config;
    for (const k of keys) this.addKey(k);
  }

  /** Adds (or replaces) a key. */
  addKey(k: string | ApiframeKeyConfig): void {
    const c = typeof k === 'string' ? { key: k } : k;
    this.keys.set(c.key, {
      key: c.key,
      credits: c.credits ?? 1000,
      active: c.active ?? true,
      email: c.email ?? `owner+${this.keys.size + 1}@example.test`,
      teamName: c.teamName ?? `Test team ${this.keys.size + 1}`,
      userId: randomUUID(),
      teamId: randomUUID(),
      keyId: randomUUID(),
    });
  }

  /** Current balance of `key` (after refunds of failed jobs). */
  credits(key: string): number {
    this.settle();
    return this.mustKey(key).credits;
  }

  /** Sets the balance of `key`. */
  setCredits(key: string, credits: number): void {
    this.mustKey(key).credits = credits;
  }

  /** Marks `key` active or inactive (inactive → 403). */
  setKeyActive(key: string, active: boolean): void {
    this.mustKey(key).active = active;
  }

  /** Status of a job right now (the same computation `GET /v2/jobs/{id}` answers with). */
  statusOf(id: string): ReturnType<typeof jobView>['status'] | undefined {
    const job = this.jobs.get(id);
    return job ? jobView(this, job, '').status : undefined;
  }

  /** Forgets requests, faults and violations (jobs, uploads, keys and balances stay). */
  resetLog(): void {
    this.clearLogAndFaults();
    this.responseViolations.length = 0;
  }

  /** @internal Refunds failed jobs whose failure time has passed, and the missing images of short ones. */
  settle(): void {
    const now = this.now();
    for (const job of this.jobs.values()) {
      if (!job.refunded && now - job.createdAt >= job.durationMs) {
        // A failed job is refunded whole; one that returned fewer images than asked, for the missing ones.
        const refund = job.failReason !== null ? job.cost : job.cost - Math.round((job.cost * job.returned) / job.count);
        if (refund <= 0) continue;
        job.refunded = true;
        const k = this.keys.get(job.ownerKey);
        if (k) k.credits += refund;
      }
    }
  }

  /** @internal */
  mustKey(key: string): KeyState {
    const k = this.keys.get(key);
    if (!k) throw new Error('unknown test key');
    return k;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Job view (what GET /v2/jobs/{id} answers)
// ---------------------------------------------------------------------------------------------------------------

type JobStatus = 'QUEUED' | 'PROCESSING' | 'COMPLETED' | 'FAILED';

/** A deterministic value in [0, 1) for a job and a time bucket (FNV-1a), for `noisy` progress. */
function noiseOf(id: string, bucket: number): number {
  let h = 0x811c9dc5;
  for (const c of `${id}:${bucket}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return (h >>> 0) / 4294967296;
}

function jobView(state: ApiframeTestServerState, job: TestJob, baseUrl: string) {
  const now = state.now();
  const elapsed = now - job.createdAt;
  let status: JobStatus;
  let progress: number | null;
  if (elapsed < job.queueDelayMs) {
    status = 'QUEUED';
    progress = 0;
  } else if (elapsed < job.durationMs) {
    status = 'PROCESSING';
    const span = Math.max(1, job.durationMs - job.queueDelayMs);
    const linear = ((elapsed - job.queueDelayMs) / span) * 100;
    const noise =
      state.config.progressReporting === 'noisy' ? 50 * (noiseOf(job.id, Math.floor(((elapsed - job.queueDelayMs) / span) * 6)) - 0.5) : 0;
    progress =
      state.config.progressReporting === 'none' ? null : Math.min(99, Math.max(1, Math.floor(linear + noise)));
  } else if (job.failReason !== null) {
    status = 'FAILED';
    progress = null;
  } else {
    status = 'COMPLETED';
    progress = 100;
  }
  const completedAt = status === 'COMPLETED' || status === 'FAILED' ? job.createdAt + job.durationMs : null;
  const expired = status === 'COMPLETED' && now >= (completedAt as number) + state.config.retentionMs;
  const urls = Array.from({ length: job.returned }, (_, i) => `${baseUrl}/cdn/${job.id}-${i + 1}.${extOf(job.format)}`);
  const result =
    status === 'COMPLETED' ? (state.config.resultShape === 'string' ? (urls[0] as string) : { images: urls }) : null;
  return {
    id: job.id,
    status,
    model: job.model,
    progress,
    result,
    error: status === 'FAILED' ? job.failReason : null,
    creditCost: status === 'COMPLETED' ? Math.round((job.cost * job.returned) / job.count) : status === 'FAILED' ? 0 : null,
    webhookStatus: null,
    createdAt: new Date(job.createdAt).toISOString(),
    completedAt: completedAt === null ? null : new Date(completedAt).toISOString(),
    expired,
    input: job.input,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------------------------

interface JsonOut {
  status: number;
  body: unknown;
  schema: ApiframeResponseSchema | null;
  headers?: Record<string, string>;
}

/**
 * Starts the server on 127.0.0.1 (port 0 unless `opts.port`) and resolves once it listens.
 *
 * @example
 *   const srv = await startApiframeTestServer({ keys: ['afk_a', { key: 'afk_b', credits: 3 }], jobDurationMs: 200 });
 *   srv.state.inject('generate', { kind: 'status', status: 429, retryAfterSeconds: 1 });
 *   …; expect(srv.state.jobsCreated).toBe(1); await srv.close();
 */
export async function startApiframeTestServer(opts: ApiframeTestServerOptions = {}): Promise<ApiframeTestServer> {
  const jobDurationMs = opts.jobDurationMs ?? 3000;
  const config: ApiframeServerConfig = {
    jobDurationMs,
    queueDelayMs: opts.queueDelayMs ?? Math.min(500, Math.floor(jobDurationMs * 0.2)),
    resultShape: opts.resultShape ?? 'images',
    retentionMs: opts.retentionMs ?? DAY_MS,
    uploadTtlMs: opts.uploadTtlMs ?? 90 * 60 * 1000,
    failMarker: opts.failMarker ?? '[[fail]]',
    failReason: opts.failReason ?? 'Provider returned an error: content policy violation',
    imageLongEdge: opts.imageLongEdge ?? 256,
    progressReporting: opts.progressReporting ?? 'linear',
    ...(opts.durationFor ? { durationFor: opts.durationFor } : {}),
  };
  const state = new ApiframeTestServerState(config, opts.keys ?? ['afk_test_key_0001'], opts.now ?? Date.now);
  const validators = apiframeSpecValidators();
  const closing = new AbortController();
  let baseUrl = '';

  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 1024 * 1024 });

  // Multipart bodies are read whole (cap above the 25 MB image limit so oversize gets Apiframe's 400, not 413)
  // and parsed with undici's spec-compliant FormData parser in the handler.
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: 60 * 1024 * 1024 }, (_req, body, done) => {
    done(null, body);
  });

  const recordOf = recordRequests(app, state, {
    routeOf,
    now: () => state.now(),
    keepBody: (req) => !Buffer.isBuffer(req.body),
  });

  app.setErrorHandler((err: { statusCode?: number; message?: string; code?: string }, req, reply) => {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
    const message =
      err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'Request body is too large'
        : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'Unsupported content type'
          : status === 500
            ? 'Internal server error'
            : (err.message ?? 'Bad request');
    const out: JsonOut = { status, body: { error: message }, schema: 'ErrorResponse' };
    return sendJson(req, reply, out);
  });
  app.setNotFoundHandler((req, reply) => sendJson(req, reply, errorOut(404, 'Not found')));

  function sendJson(req: FastifyRequest, reply: FastifyReply, out: JsonOut) {
    if (out.schema) {
      const errors = validators.response(out.schema, out.body);
      if (errors.length > 0) {
        state.responseViolations.push({ route: `${req.method} ${req.url}`, status: out.status, schema: out.schema, errors });
      }
    }
    const rec = recordOf.get(req);
    if (rec) rec.status = out.status;
    reply.code(out.status).headers({ 'x-request-id': randomUUID(), ...(out.headers ?? {}) });
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(out.body));
  }

  /** Applies a fault; returns true when the reply was taken over (false for `slow`, after its wait). */
  async function applyFault(req: FastifyRequest, reply: FastifyReply, fault: ApiframeFault): Promise<boolean> {
    const rec = recordOf.get(req);
    if (rec) rec.fault = fault.kind;
    if (isTransportFault(fault)) {
      return applyTransportFault(req, reply, rec, fault, { signal: closing.signal, htmlPage: HTML_ERROR_PAGE, midBodyPrefix: '{"jobId":"' });
    }
    switch (fault.kind) {
      case 'status': {
        if (fault.delayMs) await delay(fault.delayMs, closing.signal);
        const headers: Record<string, string> = {};
        if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = retryAfterValue(fault.retryAfterSeconds, fault.retryAfterFormat);
        const body = fault.body ?? { error: defaultMessage(fault.status) };
        await sendJson(req, reply, { status: fault.status, body, schema: fault.body === undefined ? 'ErrorResponse' : null, headers });
        return true;
      }
      case 'json':
        await sendJson(req, reply, { status: fault.status ?? 200, body: fault.body, schema: null });
        return true;
      default: {
        const never: never = fault;
        throw new Error(`unknown fault ${JSON.stringify(never)}`);
      }
    }
  }

  /** Wraps a route: faults before, the handler, faults after, then the reply. */
  const route = faultRoutes<ApiframeRoute, ApiframeFault, JsonOut | RawOut>({
    state,
    signal: closing.signal,
    applyFault: (req, reply, _route, fault) => applyFault(req, reply, fault),
    send: (req, reply, out) => {
      if ('raw' in out) {
        const rec = recordOf.get(req);
        if (rec) rec.status = out.status;
        return reply.code(out.status).type(out.contentType).send(out.raw);
      }
      return sendJson(req, reply, out);
    },
  });

  // ----- auth ---------------------------------------------------------------------------------------------------

  function authenticate(req: FastifyRequest): KeyState | JsonOut {
    const raw = req.headers['x-api-key'];
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (!key) return errorOut(401, 'Missing API key');
    const k = state.keys.get(key);
    if (!k) return errorOut(401, 'Invalid API key');
    if (!k.active) return errorOut(403, 'API key is inactive');
    return k;
  }

  // ----- POST /v2/images/generate -------------------------------------------------------------------------------

  app.post(
    '/v2/images/generate',
    route('generate', async (req) => {
      const auth = authenticate(req);
      if (!('key' in auth)) return auth;
      const idem = headerOf(req, 'idempotency-key');
      if (idem !== undefined && (idem.length === 0 || idem.length > IDEMPOTENCY_KEY_MAX)) {
        return {
          status: 400,
          body: { error: 'Invalid Idempotency-Key header', details: { 'Idempotency-Key': [`String must contain at most ${IDEMPOTENCY_KEY_MAX} character(s)`] } },
          schema: 'ValidationError',
        };
      }
      const v = validators.generate(req.body);
      if (!v.valid) return { status: 400, body: { error: 'Invalid request body', details: v.details }, schema: 'ValidationError' };
      const body = req.body as Record<string, unknown>;

      const now = state.now();
      const hash = sha256(canonicalJson(body));
      const idemSlot = idem === undefined ? undefined : `generate\n${auth.key}\n${idem}`;
      if (idemSlot) {
        const prior = state.idempotency.get(idemSlot);
        if (prior && now - prior.at < DAY_MS) {
          if (prior.hash !== hash) {
            return errorOut(409, 'Idempotency-Key was already used with a different request body');
          }
          const job = state.jobs.get(prior.id);
          if (job) return { status: 202, body: { jobId: job.id, status: jobView(state, job, baseUrl).status }, schema: 'JobAccepted' };
        }
      }

      const params = paramsOf(body);
      const model = String(body['model']);
      const quality = typeof params['quality'] === 'string' ? params['quality'] : 'auto';
      const count = typeof params['number_of_images'] === 'number' ? params['number_of_images'] : 1;
      const perImage = TEST_SERVER_CREDITS_PER_IMAGE[model]?.[quality] ?? DEFAULT_CREDITS_PER_IMAGE;
      const cost = perImage * count;
      state.settle();
      if (auth.credits < cost) {
        return {
          status: 402,
          body: { error: 'Insufficient credits', creditsRequired: cost, creditsAvailable: auth.credits },
          schema: 'InsufficientCredits',
        };
      }

      const inputImages = Array.isArray(params['input_images']) ? (params['input_images'] as string[]) : [];
      let failReason: string | null = String(body['prompt']).includes(state.config.failMarker) ? state.config.failReason : null;
      let referenceUploadId: string | null = null;
      for (const [i, url] of inputImages.entries()) {
        const up = uploadByUrl(url);
        // Apiframe downloads any URI; of foreign URLs the server can check its own CDN results (an edit chain
        // sends a previous job's result back as input), served until the job's retention ends.
        if (!up && ownResultServed(url)) continue;
        if (!up || up.expiresAt <= now) {
          failReason ??= `Provider returned an error: could not download input image ${i + 1}`;
        } else if (i === 0) {
          referenceUploadId = up.id;
        }
      }
      const format = (params['output_format'] as TestJob['format'] | undefined) ?? 'webp';
      const durationMs = state.config.durationFor?.(body) ?? state.config.jobDurationMs;
      const job: TestJob = {
        id: randomUUID(),
        ownerKey: auth.key,
        model,
        input: body,
        createdAt: now,
        durationMs,
        queueDelayMs: Math.min(state.config.queueDelayMs, durationMs),
        cost,
        failReason,
        count,
        returned: Math.max(1, Math.min(count, state.config.returnedImages ?? count)),
        format,
        aspect: (params['aspect_ratio'] as TestJob['aspect'] | undefined) ?? '1:1',
        transparent: params['background'] === 'transparent' && format !== 'jpeg',
        inputImages,
        referenceUploadId,
        idempotencyKey: idem ?? null,
        refunded: false,
        rendered: new Map(),
      };
      auth.credits -= cost;
      state.jobs.set(job.id, job);
      state.jobsCreated += 1;
      if (idemSlot) state.idempotency.set(idemSlot, { id: job.id, hash, at: now });
      return { status: 202, body: { jobId: job.id, status: 'QUEUED' }, schema: 'JobAccepted' };
    }),
  );

  // ----- GET /v2/jobs/:id -----------------------------------------------------------------------------------------

  app.get(
    '/v2/jobs/:id',
    route('getJob', async (req) => {
      const auth = authenticate(req);
      if (!('key' in auth)) return auth;
      const id = (req.params as { id: string }).id;
      if (!UUID_RE.test(id)) return errorOut(400, 'Invalid job id: expected a UUID');
      const job = state.jobs.get(id);
      if (!job || job.ownerKey !== auth.key) return errorOut(404, 'Job not found');
      state.settle();
      return { status: 200, body: jobView(state, job, baseUrl), schema: 'Job' };
    }),
  );

  // ----- GET /v2/jobs ----------------------------------------------------------------------------------------------

  app.get(
    '/v2/jobs',
    route('listJobs', async (req) => {
      const auth = authenticate(req);
      if (!('key' in auth)) return auth;
      const q = (req.query ?? {}) as Record<string, string | undefined>;
      const limit = q['limit'] === undefined ? 20 : Number(q['limit']);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
        return validationOut('Invalid query parameters', { limit: ['Number must be between 1 and 100'] });
      }
      let after: { at: number; id: string } | null = null;
      if (q['cursor'] !== undefined) {
        const [at, id] = Buffer.from(q['cursor'], 'base64url').toString('utf8').split('|');
        if (!at || !id || !Number.isFinite(Number(at))) return validationOut('Invalid cursor', { cursor: ['Invalid cursor'] });
        after = { at: Number(at), id };
      }
      state.settle();
      const own = [...state.jobs.values()]
        .filter((j) => j.ownerKey === auth.key)
        .map((j): { at: number; id: string; item: Record<string, unknown> } => {
          const { input: _input, ...item } = jobView(state, j, baseUrl);
          return { at: j.createdAt, id: j.id, item };
        });
      const others = (state.config.otherJobs ?? []).map((o) => ({ at: Date.parse(o.createdAt), id: o.id, item: { ...o } as Record<string, unknown> }));
      const views = [...own, ...others]
        .filter((v) => q['model'] === undefined || v.item['model'] === q['model'])
        .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
        .filter((v) => after === null || v.at < after.at || (v.at === after.at && v.id < after.id))
        .filter((v) => q['status'] === undefined || v.item['status'] === q['status']);
      const page = views.slice(0, limit);
      const last = page[page.length - 1];
      const hasMore = views.length > limit;
      return {
        status: 200,
        body: {
          jobs: page.map((v) => v.item),
          nextCursor: hasMore && last ? Buffer.from(`${last.at}|${last.id}`).toString('base64url') : null,
          hasMore,
        },
        schema: 'JobList',
      };
    }),
  );

  // ----- POST /v2/uploads -------------------------------------------------------------------------------------------

  app.post(
    '/v2/uploads',
    route('upload', async (req) => {
      const rec = recordOf.get(req);
      const auth = authenticate(req);
      if (!('key' in auth)) return auth;
      const ct = headerOf(req, 'content-type') ?? '';
      if (!ct.toLowerCase().startsWith('multipart/form-data') || !Buffer.isBuffer(req.body)) {
        return validationOut('No file uploaded', { file: ['Required'] });
      }
      let file: File | null;
      try {
        const form = await new Response(req.body, { headers: { 'content-type': ct } }).formData();
        const f = form.get('file');
        file = f !== null && typeof f !== 'string' ? (f as unknown as File) : null;
      } catch {
        return validationOut('Malformed multipart body', { file: ['Required'] });
      }
      if (!file) return validationOut('No file uploaded', { file: ['Required'] });
      const bytes = Buffer.from(await file.arrayBuffer());
      if (rec) rec.body = { fileName: file.name, declaredType: file.type, byteSize: bytes.length };
      if (bytes.length === 0) return validationOut('Empty file', { file: ['File is empty'] });
      if (bytes.length > MAX_UPLOAD_BYTES) {
        return validationOut('File too large', { file: [`Images and audio may be at most ${MAX_UPLOAD_BYTES} bytes (25 MB)`] });
      }
      const sniffed = sniff(bytes);
      if (!sniffed) {
        return validationOut('Unsupported file type', { file: ['Expected PNG, JPEG, WebP, GIF, MP4, WebM, MOV, MP3, WAV, OGG or M4A'] });
      }

      const now = state.now();
      const idem = headerOf(req, 'idempotency-key');
      const idemSlot = idem === undefined ? undefined : `upload\n${auth.key}\n${idem}`;
      const hash = sha256(bytes);
      if (idemSlot) {
        const prior = state.idempotency.get(idemSlot);
        if (prior && now - prior.at < DAY_MS) {
          if (prior.hash !== hash) return errorOut(409, 'Idempotency-Key was already used with a different request body');
          const up = state.uploads.get(prior.id);
          if (up) return { status: 201, body: uploadView(up), schema: 'Upload' };
        }
      }
      const id = randomUUID();
      const up: TestUpload = {
        id,
        ownerKey: auth.key,
        bytes,
        contentType: sniffed.mime,
        ext: sniffed.ext,
        fileName: file.name || null,
        createdAt: now,
        expiresAt: now + state.config.uploadTtlMs,
        url: `${baseUrl}/cdn/uploads/${id}.${sniffed.ext}`,
      };
      state.uploads.set(id, up);
      state.uploadsCreated += 1;
      if (idemSlot) state.idempotency.set(idemSlot, { id, hash, at: now });
      return { status: 201, body: uploadView(up), schema: 'Upload' };
    }),
  );

  // ----- GET /v2/me -------------------------------------------------------------------------------------------------

  app.get(
    '/v2/me',
    route('me', async (req) => {
      const auth = authenticate(req);
      if (!('key' in auth)) return auth;
      state.settle();
      return {
        status: 200,
        body: {
          user: { id: auth.userId, email: auth.email, role: 'OWNER' },
          team: { id: auth.teamId, name: auth.teamName, credits: auth.credits, plan: 'pro', customerId: null },
          apiKey: { id: auth.keyId, name: 'Test key', prefix: auth.key.slice(0, 8) },
        },
        schema: 'Me',
      };
    }),
  );

  // ----- CDN ------------------------------------------------------------------------------------------------------

  app.get(
    '/cdn/uploads/:file',
    route('cdn', async (req) => {
      const file = (req.params as { file: string }).file;
      const up = state.uploads.get(file.replace(/\.[a-z0-9]+$/i, ''));
      if (!up || up.url !== `${baseUrl}/cdn/uploads/${file}` || up.expiresAt <= state.now()) return cdnNotFound();
      return { status: 200, raw: up.bytes, contentType: up.contentType };
    }),
  );

  app.get(
    '/cdn/:file',
    route('cdn', async (req) => {
      const m = /^([0-9a-f-]{36})-(\d+)\.(png|jpg|webp)$/i.exec((req.params as { file: string }).file);
      const job = m ? state.jobs.get(m[1] as string) : undefined;
      if (!m || !job) return cdnNotFound();
      const n = Number(m[2]);
      const view = jobView(state, job, baseUrl);
      if (view.status !== 'COMPLETED' || view.expired || n < 1 || n > job.returned || m[3] !== extOf(job.format)) {
        return cdnNotFound();
      }
      let bytes = job.rendered.get(n);
      if (!bytes) {
        bytes = await renderResult(job, n, state);
        job.rendered.set(n, bytes);
      }
      return { status: 200, raw: bytes, contentType: `image/${job.format}` };
    }),
  );

  // ----- control API (CLI) ------------------------------------------------------------------------------------------

  if (opts.controlApi) registerControlApi();

  function registerControlApi() {
    app.get('/__control/state', async () => ({
      jobsCreated: state.jobsCreated,
      uploadsCreated: state.uploadsCreated,
      config: state.config,
      pendingFaults: state.pendingFaults(),
      responseViolations: state.responseViolations,
      requests: state.requests.map((r) => ({ ...r, headers: redactHeaders(r.headers) })),
      jobs: [...state.jobs.values()].map((j) => jobView(state, j, baseUrl)),
      credits: Object.fromEntries([...state.keys.keys()].map((k) => [k.slice(0, 8), state.credits(k)])),
    }));
    registerFaultControl(app, state, APIFRAME_ROUTES);
    registerClockControl(app, state);
    app.post('/__control/config', async (req) => {
      const b = (req.body ?? {}) as Partial<ApiframeServerConfig> & { credits?: Record<string, number>; inactive?: string[] };
      applyConfig(state.config, b);
      for (const [key, n] of Object.entries(b.credits ?? {})) if (state.keys.has(key)) state.setCredits(key, n);
      for (const key of b.inactive ?? []) if (state.keys.has(key)) state.setKeyActive(key, false);
      return { ok: true, config: state.config };
    });
  }

  // ----- helpers needing baseUrl ------------------------------------------------------------------------------------

  /** True when `url` is one of this server's job results that the CDN still serves. */
  function ownResultServed(url: string): boolean {
    const m = /\/cdn\/([0-9a-f-]{36})-(\d+)\.(png|jpg|webp)$/i.exec(url);
    const job = m ? state.jobs.get(m[1] as string) : undefined;
    if (!m || !job || !url.startsWith(`${baseUrl}/cdn/`)) return false;
    const view = jobView(state, job, baseUrl);
    return view.status === 'COMPLETED' && !view.expired && Number(m[2]) <= job.returned;
  }

  function uploadByUrl(url: string): TestUpload | undefined {
    const m = /\/cdn\/uploads\/([0-9a-f-]{36})\.[a-z0-9]+$/i.exec(url);
    const up = m ? state.uploads.get(m[1] as string) : undefined;
    return up && up.url === url ? up : undefined;
  }

  const { url, port } = await listenLocal(app, opts.port);
  baseUrl = (opts.publicBaseUrl ?? url).replace(/\/+$/, '');

  return { url, port, state, close: closer(app, closing) };
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------------------------

/** Size of a result for an aspect ratio with `longEdge` px on the long side. */
export function resultSize(aspect: '1:1' | '3:2' | '2:3', longEdge: number): { width: number; height: number } {
  const short = Math.round((longEdge * 2) / 3);
  if (aspect === '3:2') return { width: longEdge, height: short };
  if (aspect === '2:3') return { width: short, height: longEdge };
  return { width: longEdge, height: longEdge };
}

/** Box (top-left corner, px) the first reference is composited into. */
export const REFERENCE_BOX = { left: 8, top: 8, size: 96 } as const;

async function renderResult(job: TestJob, n: number, state: ApiframeTestServerState): Promise<Buffer> {
  const { width, height } = resultSize(job.aspect, state.config.imageLongEdge);
  // Blue/green backgrounds only (red ≤ 100), so a red reference is unmistakable; varies by job and index.
  const h = createHash('sha256').update(`${job.id}:${n}`).digest();
  const bg = { r: (h[0] as number) % 100, g: 100 + ((h[1] as number) % 156), b: 100 + ((h[2] as number) % 156) };
  const composites: OverlayOptions[] = [];
  // A stripe at the bottom whose width encodes n, so outputs of one job differ visibly.
  const stripeW = Math.max(1, Math.min(width, Math.round((width * n) / (job.count + 1))));
  composites.push({
    input: { create: { width: stripeW, height: Math.max(4, Math.round(height / 16)), channels: 4, background: { r: 255, g: 255, b: 255, alpha: 1 } } },
    left: 0,
    top: height - Math.max(4, Math.round(height / 16)),
  });
  const ref = job.referenceUploadId ? state.uploads.get(job.referenceUploadId) : undefined;
  if (ref) {
    const thumb = await sharp(ref.bytes, { animated: false })
      .resize(REFERENCE_BOX.size, REFERENCE_BOX.size, { fit: 'inside' })
      .png()
      .toBuffer();
    composites.push({ input: thumb, left: REFERENCE_BOX.left, top: REFERENCE_BOX.top });
  }
  const img = sharp({
    create: { width, height, channels: 4, background: { ...bg, alpha: job.transparent ? 0 : 1 } },
  }).composite(composites);
  if (job.format === 'png') return img.png().toBuffer();
  if (job.format === 'webp') return img.webp({ quality: 90, lossless: job.transparent }).toBuffer();
  return img.flatten({ background: bg }).jpeg({ quality: 90 }).toBuffer();
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------------

interface RawOut {
  status: number;
  raw: Buffer | string;
  contentType: string;
}

/** What the `html` fault answers (a proxy's challenge page). */
const HTML_ERROR_PAGE =
  '<!DOCTYPE html><html><head><title>Just a moment...</title></head><body><h1>Please wait</h1></body></html>';

function errorOut(status: number, error: string): JsonOut {
  return { status, body: { error }, schema: 'ErrorResponse' };
}

function validationOut(error: string, details: Record<string, string[]>): JsonOut {
  return { status: 400, body: { error, details }, schema: 'ValidationError' };
}

function cdnNotFound(): RawOut {
  return {
    status: 404,
    raw: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>',
    contentType: 'application/xml',
  };
}

function uploadView(up: TestUpload) {
  return {
    id: up.id,
    url: up.url,
    kind: 'image',
    contentType: up.contentType,
    byteSize: up.bytes.length,
    expiresAt: new Date(up.expiresAt).toISOString(),
  };
}

function routeOf(method: string, url: string): ApiframeRoute | 'other' {
  const path = url.split('?')[0] ?? '';
  if (method === 'POST' && path === '/v2/images/generate') return 'generate';
  if (method === 'GET' && path.startsWith('/v2/jobs/')) return 'getJob';
  if (method === 'GET' && path === '/v2/jobs') return 'listJobs';
  if (method === 'POST' && path === '/v2/uploads') return 'upload';
  if (method === 'GET' && path === '/v2/me') return 'me';
  if (method === 'GET' && path.startsWith('/cdn/')) return 'cdn';
  return 'other';
}

function paramsOf(body: Record<string, unknown>): Record<string, unknown> {
  const p = body['gptImage2Params'] ?? body['gptImageParams'];
  return p && typeof p === 'object' ? (p as Record<string, unknown>) : {};
}

function headerOf(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function extOf(format: TestJob['format']): string {
  return format === 'jpeg' ? 'jpg' : format;
}

function sniff(b: Buffer): { mime: string; ext: string } | null {
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return { mime: 'image/png', ext: 'png' };
  }
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { mime: 'image/jpeg', ext: 'jpg' };
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') {
    return { mime: 'image/webp', ext: 'webp' };
  }
  if (b.length >= 6 && /^GIF8[79]a$/.test(b.toString('latin1', 0, 6))) return { mime: 'image/gif', ext: 'gif' };
  return null;
}

function defaultMessage(status: number): string {
  if (status === 429) return 'Too many requests';
  if (status === 503) return 'Service temporarily unavailable';
  if (status === 502) return 'Bad gateway';
  if (status >= 500) return 'Internal server error';
  return `HTTP ${status}`;
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** JSON with object keys sorted, so key order does not change an idempotency comparison. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function redactHeaders(h: Record<string, string | string[] | undefined>): Record<string, string | string[] | undefined> {
  return redactHeader(h, 'x-api-key');
}
