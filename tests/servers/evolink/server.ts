/**
 * A realistic EvoLink test server (fastify, 127.0.0.1, a free port) serving both the task API and the Files API
 * under one base URL, for integration and e2e tests. Behaviour after EvoLink's API manual
 * (https://docs.evolink.ai/en/api-manual/), its gpt-image-2 skill (https://github.com/EvoLinkAI/gpt-image-2-gen-skill)
 * and its media MCP server (https://github.com/EvoLinkAI/evolink-media-mcp):
 *
 * - `POST /v1/images/generations`: `Authorization: Bearer` (401 missing/unknown key, 403 for a key without access to
 *   gpt-image-2); every documented rule is checked with the server's own code (not the client's), and a refusal is
 *   EvoLink's envelope `400 { error: { code, message, type, param } }` naming the parameter: unknown fields, model,
 *   prompt (1–32,000 code points), `size` (auto | 15 ratios | WxH: multiples of 16, edges 16–3840,
 *   655,360–8,294,400 px, aspect ≤ 3:1), `resolution`, `quality` (no `auto`), `n` 1–10, `image_urls` (1–16 http(s)
 *   URLs the server can fetch: its own Files URLs must exist and not be expired, other URLs are downloaded and
 *   must be JPEG/PNG/WebP ≤ 50 MB), `callback_url` (HTTPS, ≤ 2048 chars). Credits are reserved per key
 *   (402 `insufficient_quota` when short) and returned when a task fails.
 * - Tasks progress with time (the server clock, `state.advance()`): `pending` for `queueDelayMs`, `processing` with
 *   rising `progress`, then `completed` (or `failed`) at `taskDurationMs`. Replies carry `task_info
 *   { can_cancel, estimated_time }` and `usage { billing_rule, credits_reserved, user_group }`. A prompt containing
 *   `policyMarker` (`[[policy]]`) fails with `content_policy_violation`; `[[fail:<code>]]` fails with any task error
 *   code EvoLink's MCP server lists.
 * - Results are real images rendered with sharp at `/cdn/results/<task>-<n>.<ext>`, with the pixel size EvoLink
 *   would produce for `size`/`resolution` (src/shared/providers/evolink.ts `evolinkPixelSize`; `auto` → 1024²)
 *   **divided by `imageScale` (default 8) for speed, aspect ratio kept**; the first reference, if any, is composited
 *   into {@link REFERENCE_BOX}. After `retentionMs` (24 h) past completion they answer 404. Outputs are listed as
 *   `results`, `result_data[].image_url`, or both (`resultShape`).
 * - `GET /v1/tasks/{id}`: 400 `invalid_task_id` for a malformed id (the docs' example envelope, no `type`), 404 for
 *   an unknown task or another key's.
 * - Files API: `POST /api/v1/files/upload/stream` (multipart `file`, optional `uploadPath`/`fileName` fields; magic
 *   bytes sniffed: JPEG/PNG/GIF/WebP; 100 MB; same name overwrites; per-key file quota) answering
 *   `{ success, code, msg, data }` — refusals are `success: false` on HTTP 200 with 40001 / 40002 / 40003 — and
 *   `GET /api/v1/files/quota`. Files are served at `/cdn/files/<id>.<ext>` until they expire (72 h).
 * - Faults per route via `state.inject(route, fault, { times, after })`: a status (429 with or without Retry-After,
 *   500/502/503…), a dropped connection, a drop mid-body, a slow reply, an HTML page, arbitrary JSON, malformed
 *   JSON, and a Files `success: false` envelope on HTTP 200.
 * - Every JSON reply the server builds itself is checked against its own zod copy of the documented shapes;
 *   mismatches land in `state.responseViolations` (tests assert it stays empty).
 * - With `controlApi: true` (cli.ts), `/__control/*` exposes the controls over HTTP.
 *
 * Keys are kept in memory for inspection only; nothing is logged (fastify's logger is off).
 */
import { createHash, randomBytes } from 'node:crypto';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import sharp, { type OverlayOptions } from 'sharp';
import { request } from 'undici';
import { z } from 'zod';
import { evolinkPixelSize, type EvolinkResolution } from '../../../src/shared/providers/evolink';
import {
  applyConfig,
  applyTransportFault,
  ClockedTestServerLog,
  faultRoutes,
  closer,
  isTransportFault,
  listenLocal,
  recordRequests,
  redactHeader,
  retryAfterValue,
  registerClockControl,
  registerFaultControl,
  type RecordedRequest as CommonRecordedRequest,
  type TransportFault,
} from '../common';

export type { InjectOptions } from '../common';

// ---------------------------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------------------------

/** Routes faults can target. `cdn` covers results and stored files. */
export type EvolinkRoute = 'create' | 'getTask' | 'upload' | 'quota' | 'cdn';
/** Every {@link EvolinkRoute}, for the control API's validation. */
export const EVOLINK_ROUTES: readonly EvolinkRoute[] = ['create', 'getTask', 'upload', 'quota', 'cdn'];

/** A fault to inject in place of (or, with `after`, on top of) a route's normal reply. */
export type EvolinkFault =
  /** Answer `status` with EvoLink's error envelope (or `body`); `retryAfterSeconds` adds `Retry-After`. */
  | { kind: 'status'; status: number; retryAfterSeconds?: number; retryAfterFormat?: 'seconds' | 'http-date'; body?: unknown }
  /** `drop`, `dropMidBody`, `slow` and `html` (see ../common). */
  | TransportFault
  /** Answer arbitrary JSON with `status` (default 200), e.g. a body of the wrong shape. */
  | { kind: 'json'; body: unknown; status?: number }
  /** Answer complete but syntactically broken JSON with `status` (default 200). */
  | { kind: 'malformed'; status?: number }
  /** Answer the Files envelope `{ success: false, code, msg, data: null }` with `status` (default 200). */
  | { kind: 'filesFailure'; code: number; msg?: string; status?: number };

/** One API key the server knows. */
export interface EvolinkKeyConfig {
  key: string;
  /** Starting balance in credits (default 1000). */
  credits?: number;
  /** false → `POST /v1/images/generations` answers 403 (default true). */
  modelAccess?: boolean;
  /** Files quota (default `config.maxFiles`, 100). */
  maxFiles?: number;
  /** `usage.user_group` / quota `user_group` (default `default`). */
  userGroup?: string;
}

/** Scenario settings; all can be changed at run time through `state.config`. Durations in ms. */
export interface EvolinkServerConfig {
  /** Creation → terminal state. Default 3000. */
  taskDurationMs: number;
  /** Creation → `processing`. Default min(500, 20 % of taskDurationMs). */
  queueDelayMs: number;
  /** `task_info.estimated_time` (s) while running; null → ceil(taskDurationMs / 1000). */
  estimatedTimeS: number | null;
  /** How outputs are listed. Default `results`. */
  resultShape: 'results' | 'result_data' | 'both';
  /** Completion → result URLs answer 404. Default 24 h. */
  retentionMs: number;
  /** Upload → file expiry. Default 72 h. */
  fileTtlMs: number;
  /** A prompt containing this fails with `content_policy_violation`. Default `[[policy]]`. */
  policyMarker: string;
  /** Rendered results are the EvoLink pixel size divided by this (aspect kept). Default 8. */
  imageScale: number;
  /** Format of rendered results. Default png. */
  outputFormat: 'png' | 'jpeg' | 'webp';
  /** Default per-key Files quota. Default 100. */
  maxFiles: number;
  /** Timeout of the server's own download of a foreign `image_urls` entry. Default 5000. */
  fetchTimeoutMs: number;
}

/** Options of {@link startEvolinkTestServer}. */
export interface EvolinkTestServerOptions extends Partial<EvolinkServerConfig> {
  /** Keys (strings get the defaults). Default `['sk-evo-test-key-0001']`. */
  keys?: ReadonlyArray<string | EvolinkKeyConfig>;
  /** Port; default 0 (a free one). Host is always 127.0.0.1. */
  port?: number;
  /** Base of the URLs it hands out; default `http://127.0.0.1:<port>`. */
  publicBaseUrl?: string;
  /** Clock, epoch ms (default Date.now); `state.advance()` adds to it. */
  now?: () => number;
  /** Expose `/__control/*` (cli.ts). Default false. */
  controlApi?: boolean;
}

/** A request as received. `body` is the parsed JSON, or a summary of a multipart upload. */
export type RecordedRequest = CommonRecordedRequest<EvolinkRoute, EvolinkFault['kind']>;

/** A task error as EvoLink reports it (its MCP server's `api-client.ts`). */
export interface TaskError {
  code: string;
  message: string;
  type: string;
}

/** A task as the server stores it. */
export interface TestTask {
  id: string;
  ownerKey: string;
  /** The request body as received. */
  body: Record<string, unknown>;
  createdAt: number;
  durationMs: number;
  queueDelayMs: number;
  creditsReserved: number;
  failure: TaskError | null;
  count: number;
  /** EvoLink's pixel size for the request, px (rendered at 1/imageScale). */
  width: number;
  height: number;
  /** Bytes of the first reference, composited into the results. */
  referenceBytes: Buffer | null;
  refunded: boolean;
  rendered: Map<number, Buffer>;
}

/** A stored Files API file. */
export interface TestFile {
  id: string;
  ownerKey: string;
  fileName: string;
  originalName: string;
  uploadPath: string;
  bytes: Buffer;
  mime: string;
  ext: string;
  createdAt: number;
  expiresAt: number;
  url: string;
}

/** A reply that did not match the server's copy of the documented shapes (a server bug). */
export interface ResponseViolation {
  route: string;
  status: number;
  schema: ReplySchemaName;
  errors: string[];
}

/** Running server handle. */
export interface EvolinkTestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  state: EvolinkTestServerState;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Documented rules (the server's own copy of EvoLink's create, task and Files API rules)
// ---------------------------------------------------------------------------------------------------------------

const RATIOS = new Set(['1:1', '1:2', '2:1', '1:3', '3:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '9:21', '21:9']);
const CREATE_FIELDS = new Set(['model', 'prompt', 'image_urls', 'size', 'resolution', 'quality', 'n', 'callback_url']);
const MAX_PROMPT_CODEPOINTS = 32000;
const MAX_IMAGE_URLS = 16;
const MAX_IMAGE_BYTES = 50 * 1024 * 1024;
const FILES_MAX_BYTES = 100 * 1024 * 1024;
/** Task error codes EvoLink documents (its MCP server) and the message/type the server gives each. */
export const TASK_ERRORS: Readonly<Record<string, { message: string; type: string }>> = {
  content_policy_violation: { message: 'Your request was rejected by the safety system.', type: 'content_policy' },
  invalid_parameters: { message: 'Invalid parameters for this model.', type: 'invalid_request' },
  image_dimension_mismatch: { message: 'Reference image dimensions do not match.', type: 'invalid_request' },
  image_processing_error: { message: 'A reference image could not be processed.', type: 'invalid_request' },
  model_unavailable: { message: 'The model is temporarily unavailable.', type: 'service_error' },
  generation_timeout: { message: 'Generation timed out.', type: 'service_error' },
  quota_exceeded: { message: 'Quota exceeded.', type: 'quota' },
  resource_exhausted: { message: 'Upstream resources are exhausted.', type: 'service_error' },
  service_error: { message: 'Internal service error.', type: 'service_error' },
  service_unavailable: { message: 'Service unavailable.', type: 'service_error' },
  generation_failed_no_content: { message: 'The model returned no image.', type: 'service_error' },
  upstream_error: { message: 'Upstream provider error.', type: 'upstream_error' },
  rate_limited: { message: 'Upstream rate limit reached.', type: 'rate_limit' },
  request_cancelled: { message: 'The request was cancelled.', type: 'cancelled' },
  resource_not_found: { message: 'A referenced resource was not found.', type: 'invalid_request' },
  unknown_error: { message: 'Unknown error.', type: 'unknown' },
};

/** Credits reserved per image by quality at 1024² px (scaled by pixels), plus per reference. Server-side only. */
export const TEST_CREDITS = { perImage: { low: 0.5, medium: 2.5, high: 10 } as Record<string, number>, perReference: 0.4 };

const DAY_MS = 24 * 60 * 60 * 1000;
const TASK_ID_RE = /^task-unified-\d{10}-[a-z0-9]{8}$/;

// ---------------------------------------------------------------------------------------------------------------
// Reply shapes (the server's own copy of the create, task, error and Files API replies, to catch drift)
// ---------------------------------------------------------------------------------------------------------------

const TaskReply = z.strictObject({
  created: z.number().int(),
  id: z.string().regex(TASK_ID_RE),
  model: z.string(),
  object: z.literal('image.generation.task'),
  progress: z.number().int().min(0).max(100),
  status: z.enum(['pending', 'processing', 'completed', 'failed']),
  task_info: z.strictObject({ can_cancel: z.boolean(), estimated_time: z.number().int().min(0).optional() }),
  type: z.literal('image'),
  usage: z.strictObject({ billing_rule: z.string(), credits_reserved: z.number().min(0), user_group: z.string() }),
  results: z.array(z.url()).optional(),
  result_data: z.array(z.strictObject({ image_url: z.url() })).optional(),
  error: z.strictObject({ code: z.string(), message: z.string(), type: z.string() }).optional(),
});
const ErrorReply = z.strictObject({
  error: z.strictObject({
    code: z.union([z.string(), z.number()]),
    message: z.string(),
    type: z.string().optional(),
    param: z.string().optional(),
    fallback_suggestion: z.string().optional(),
  }),
});
const FileData = z.strictObject({
  file_id: z.string(),
  file_name: z.string(),
  original_name: z.string(),
  file_size: z.number().int().min(0),
  mime_type: z.string(),
  upload_path: z.string(),
  file_url: z.url(),
  download_url: z.url(),
  upload_time: z.string(),
  expires_at: z.string(),
});
const QuotaData = z.strictObject({
  user_group: z.string(),
  used_files: z.number().int().min(0),
  max_files: z.number().int().min(0),
  remain_files: z.number().int().min(0),
});
const FilesReply = z.strictObject({
  success: z.boolean(),
  code: z.number().int(),
  msg: z.string(),
  data: z.union([FileData, QuotaData, z.null()]),
});
const REPLY_SCHEMAS = { Task: TaskReply, Error: ErrorReply, Files: FilesReply } as const;
/** Names of the reply shapes the server checks. */
export type ReplySchemaName = keyof typeof REPLY_SCHEMAS;

// ---------------------------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------------------------

interface KeyState {
  key: string;
  credits: number;
  modelAccess: boolean;
  maxFiles: number | null;
  userGroup: string;
}

/**
 * Inspection and scenario controls. Counters: `tasksCreated`, `filesStored` (new files), `filesOverwritten`
 * (same-name uploads), `requests` (everything received, in order), `tasks`, `files`, `responseViolations`.
 */
export class EvolinkTestServerState extends ClockedTestServerLog<EvolinkRoute, EvolinkFault> {
  /** Tasks created. */
  tasksCreated = 0;
  /** New files stored by uploads. */
  filesStored = 0;
  /** Uploads that replaced a same-name file. */
  filesOverwritten = 0;
  readonly tasks = new Map<string, TestTask>();
  readonly files = new Map<string, TestFile>();
  /** Replies that failed the server's own reply shapes: should always stay empty. */
  readonly responseViolations: ResponseViolation[] = [];
  /** Live scenario settings. */
  readonly config: EvolinkServerConfig;

  /** @internal */ readonly keys = new Map<string, KeyState>();

  constructor(config: EvolinkServerConfig, keys: ReadonlyArray<string | EvolinkKeyConfig>, clock: () => number) {
    super(clock);
    this.config = config;
    for (const k of keys) this.addKey(k);
  }

  /** Adds (or replaces) a key. */
  addKey(k: string | EvolinkKeyConfig): void {
    const c = typeof k === 'string' ? { key: k } : k;
    this.keys.set(c.key, {
      key: c.key,
      credits: c.credits ?? 1000,
      modelAccess: c.modelAccess ?? true,
      maxFiles: c.maxFiles ?? null,
      userGroup: c.userGroup ?? 'default',
    });
  }

  /** Current balance of `key`, credits (after refunds of failed tasks). */
  credits(key: string): number {
    this.settle();
    return this.mustKey(key).credits;
  }

  /** Sets the balance of `key`. */
  setCredits(key: string, credits: number): void {
    this.mustKey(key).credits = credits;
  }

  /** Status of a task right now (what `GET /v1/tasks/{id}` would answer). */
  statusOf(id: string): 'pending' | 'processing' | 'completed' | 'failed' | undefined {
    const t = this.tasks.get(id);
    return t ? phaseOf(this, t).status : undefined;
  }

  /** Live (unexpired) files of `key`. */
  liveFiles(key: string): TestFile[] {
    const now = this.now();
    return [...this.files.values()].filter((f) => f.ownerKey === key && f.expiresAt > now);
  }

  /** Files quota of `key`. */
  maxFilesOf(key: string): number {
    return this.mustKey(key).maxFiles ?? this.config.maxFiles;
  }

  /** Forgets requests, faults and violations (tasks, files, keys and balances stay). */
  resetLog(): void {
    this.clearLogAndFaults();
    this.responseViolations.length = 0;
  }

  /** @internal Returns the reserved credits of tasks that have failed by now. */
  settle(): void {
    const now = this.now();
    for (const t of this.tasks.values()) {
      if (!t.refunded && t.failure !== null && now - t.createdAt >= t.durationMs) {
        t.refunded = true;
        const k = this.keys.get(t.ownerKey);
        if (k) k.credits = round2(k.credits + t.creditsReserved);
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
// Task view (what GET /v1/tasks/{id} answers)
// ---------------------------------------------------------------------------------------------------------------

function phaseOf(state: EvolinkTestServerState, t: TestTask): { status: 'pending' | 'processing' | 'completed' | 'failed'; progress: number } {
  const elapsed = state.now() - t.createdAt;
  if (elapsed < t.queueDelayMs) return { status: 'pending', progress: 0 };
  if (elapsed < t.durationMs) {
    const span = Math.max(1, t.durationMs - t.queueDelayMs);
    return { status: 'processing', progress: Math.min(99, Math.max(1, Math.floor(((elapsed - t.queueDelayMs) / span) * 100))) };
  }
  return t.failure ? { status: 'failed', progress: 100 } : { status: 'completed', progress: 100 };
}

function resultUrls(t: TestTask, baseUrl: string, format: EvolinkServerConfig['outputFormat']): string[] {
  const ext = format === 'jpeg' ? 'jpg' : format;
  return Array.from({ length: t.count }, (_, i) => `${baseUrl}/cdn/results/${t.id}-${i + 1}.${ext}`);
}

function taskView(state: EvolinkTestServerState, t: TestTask, baseUrl: string): Record<string, unknown> {
  const { status, progress } = phaseOf(state, t);
  const running = status === 'pending' || status === 'processing';
  const key = state.keys.get(t.ownerKey);
  const view: Record<string, unknown> = {
    created: Math.floor(t.createdAt / 1000),
    id: t.id,
    model: String(t.body['model']),
    object: 'image.generation.task',
    progress,
    status,
    task_info: running
      ? { can_cancel: status === 'pending', estimated_time: state.config.estimatedTimeS ?? Math.ceil(t.durationMs / 1000) }
      : { can_cancel: false },
    type: 'image',
    usage: { billing_rule: 'per_token', credits_reserved: t.creditsReserved, user_group: key?.userGroup ?? 'default' },
  };
  if (status === 'completed') {
    const urls = resultUrls(t, baseUrl, state.config.outputFormat);
    if (state.config.resultShape !== 'result_data') view['results'] = urls;
    if (state.config.resultShape !== 'results') view['result_data'] = urls.map((image_url) => ({ image_url }));
  }
  if (status === 'failed' && t.failure) view['error'] = { ...t.failure };
  return view;
}

// ---------------------------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------------------------

interface JsonOut {
  status: number;
  body: unknown;
  schema: ReplySchemaName | null;
  headers?: Record<string, string>;
}

interface RawOut {
  status: number;
  raw: Buffer | string;
  contentType: string;
}

/**
 * Starts the server on 127.0.0.1 (port 0 unless `opts.port`) and resolves once it listens.
 *
 * @example
 *   const srv = await startEvolinkTestServer({ keys: ['sk-evo-a', { key: 'sk-evo-b', modelAccess: false }] });
 *   srv.state.inject('create', { kind: 'status', status: 503 });
 *   …; expect(srv.state.requestsTo('create')).toHaveLength(1); await srv.close();
 */
export async function startEvolinkTestServer(opts: EvolinkTestServerOptions = {}): Promise<EvolinkTestServer> {
  const taskDurationMs = opts.taskDurationMs ?? 3000;
  const config: EvolinkServerConfig = {
    taskDurationMs,
    queueDelayMs: opts.queueDelayMs ?? Math.min(500, Math.floor(taskDurationMs * 0.2)),
    estimatedTimeS: opts.estimatedTimeS ?? null,
    resultShape: opts.resultShape ?? 'results',
    retentionMs: opts.retentionMs ?? DAY_MS,
    fileTtlMs: opts.fileTtlMs ?? 3 * DAY_MS,
    policyMarker: opts.policyMarker ?? '[[policy]]',
    imageScale: opts.imageScale ?? 8,
    outputFormat: opts.outputFormat ?? 'png',
    maxFiles: opts.maxFiles ?? 100,
    fetchTimeoutMs: opts.fetchTimeoutMs ?? 5000,
  };
  const state = new EvolinkTestServerState(config, opts.keys ?? ['sk-evo-test-key-0001'], opts.now ?? Date.now);
  const closing = new AbortController();
  let baseUrl = '';

  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 2 * 1024 * 1024 });
  await app.register(multipart, { throwFileSizeLimit: false, limits: { fileSize: FILES_MAX_BYTES, files: 1, fields: 10 } });

  const recordOf = recordRequests(app, state, {
    routeOf,
    now: () => state.now(),
    keepBody: (req) => !req.isMultipart(),
  });

  app.setErrorHandler((err: { statusCode?: number; message?: string; code?: string }, req, reply) => {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
    const files = routeOf(req.method, req.url) === 'upload' || routeOf(req.method, req.url) === 'quota';
    if (files) return sendJson(req, reply, filesOut(status, status, status === 500 ? 'Internal server error' : (err.message ?? 'Bad request')));
    const [code, message] =
      err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? ['request_too_large', 'Request body is too large']
        : err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
          ? ['invalid_json', 'Request body is not valid JSON']
          : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
            ? ['invalid_content_type', 'Content-Type must be application/json']
            : status === 500
              ? ['internal_error', 'Internal server error']
              : ['invalid_request', err.message ?? 'Bad request'];
    return sendJson(req, reply, errorOut(status, code, message, status >= 500 ? 'server_error' : 'invalid_request_error'));
  });
  app.setNotFoundHandler((req, reply) => sendJson(req, reply, errorOut(404, 'not_found', 'Not found', 'invalid_request_error')));

  function sendJson(req: FastifyRequest, reply: FastifyReply, out: JsonOut) {
    if (out.schema) {
      const r = REPLY_SCHEMAS[out.schema].safeParse(out.body);
      if (!r.success) {
        state.responseViolations.push({
          route: `${req.method} ${req.url}`,
          status: out.status,
          schema: out.schema,
          errors: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
        });
      }
    }
    const rec = recordOf.get(req);
    if (rec) rec.status = out.status;
    reply.code(out.status).headers({ 'x-request-id': randomBytes(8).toString('hex'), ...(out.headers ?? {}) });
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(out.body));
  }

  /** Applies a fault; returns true when the reply was taken over. */
  async function applyFault(req: FastifyRequest, reply: FastifyReply, route: EvolinkRoute, fault: EvolinkFault): Promise<boolean> {
    const rec = recordOf.get(req);
    if (rec) rec.fault = fault.kind;
    if (isTransportFault(fault)) {
      return applyTransportFault(req, reply, rec, fault, { signal: closing.signal, htmlPage: HTML_ERROR_PAGE, midBodyPrefix: '{"id":"task-unified-' });
    }
    switch (fault.kind) {
      case 'status': {
        const headers: Record<string, string> = {};
        if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = retryAfterValue(fault.retryAfterSeconds, fault.retryAfterFormat);
        if (fault.body !== undefined) {
          await sendJson(req, reply, { status: fault.status, body: fault.body, schema: null, headers });
        } else if (route === 'upload' || route === 'quota') {
          await sendJson(req, reply, { ...filesOut(fault.status, fault.status, defaultMessage(fault.status)), headers });
        } else {
          const [code, type] = defaultCode(fault.status);
          await sendJson(req, reply, { ...errorOut(fault.status, code, defaultMessage(fault.status), type), headers });
        }
        return true;
      }
      case 'json':
        await sendJson(req, reply, { status: fault.status ?? 200, body: fault.body, schema: null });
        return true;
      case 'malformed': {
        if (rec) rec.status = fault.status ?? 200;
        await reply.code(fault.status ?? 200).type('application/json; charset=utf-8').send('{"id":"task-unified-1757156493-imcg5zqt","status":"pend');
        return true;
      }
      case 'filesFailure':
        await sendJson(req, reply, filesOut(fault.status ?? 200, fault.code, fault.msg ?? filesMessage(fault.code)));
        return true;
      default: {
        const never: never = fault;
        throw new Error(`unknown fault ${JSON.stringify(never)}`);
      }
    }
  }

  /** Wraps a route: faults before, the handler, faults after, then the reply. */
  const route = faultRoutes<EvolinkRoute, EvolinkFault, JsonOut | RawOut>({
    state,
    signal: closing.signal,
    applyFault,
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

  /** The key of a `Bearer` header, or an error reply in the API's (or, for `files`, the Files API's) envelope. */
  function authenticate(req: FastifyRequest, files = false): KeyState | JsonOut {
    const h = headerOf(req, 'authorization');
    const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
    if (!m) {
      return files
        ? filesOut(401, 401, 'Missing API key')
        : errorOut(401, 'unauthorized', 'Missing API key: use Authorization: Bearer <key>', 'authentication_error');
    }
    const k = state.keys.get(m[1] as string);
    if (!k) return files ? filesOut(401, 401, 'Invalid API key') : errorOut(401, 401, 'Invalid API key', 'authentication_error');
    return k;
  }

  // ----- POST /v1/images/generations ------------------------------------------------------------------------------

  app.post(
    '/v1/images/generations',
    route('create', async (req) => {
      const auth = authenticate(req);
      if (!('key' in auth)) return auth;
      const body = req.body;
      if (!body || typeof body !== 'object' || Array.isArray(body)) {
        return invalid('body', 'Request body must be a JSON object');
      }
      const b = body as Record<string, unknown>;
      for (const k of Object.keys(b)) {
        if (!CREATE_FIELDS.has(k)) return invalid(k, `Unknown parameter: '${k}'`);
      }
      if (b['model'] !== 'gpt-image-2') {
        return b['model'] === undefined
          ? invalid('model', "Missing required parameter: 'model'")
          : { status: 400, body: { error: { code: 'model_not_found', message: `Model '${String(b['model'])}' is not supported on this endpoint`, type: 'invalid_request_error', param: 'model' } }, schema: 'Error' };
      }
      if (!auth.modelAccess) {
        return {
          status: 403,
          body: {
            error: {
              code: 'model_access_denied',
              message: "This API key has no access to model 'gpt-image-2'",
              type: 'permission_error',
              fallback_suggestion: 'Enable the model for this key in the EvoLink console',
            },
          },
          schema: 'Error',
        };
      }
      const prompt = b['prompt'];
      if (typeof prompt !== 'string' || prompt.length === 0) return invalid('prompt', "Missing required parameter: 'prompt'");
      const cps = [...prompt].length;
      if (cps > MAX_PROMPT_CODEPOINTS) return invalid('prompt', `Prompt is too long: ${cps} characters (max ${MAX_PROMPT_CODEPOINTS})`);
      const size = b['size'] ?? 'auto';
      const sizeErr = sizeProblem(size);
      if (sizeErr) return invalid('size', sizeErr);
      const resolution = b['resolution'] ?? '1K';
      if (resolution !== '1K' && resolution !== '2K' && resolution !== '4K') return invalid('resolution', "resolution must be one of '1K', '2K', '4K'");
      const quality = b['quality'] ?? 'medium';
      if (quality !== 'low' && quality !== 'medium' && quality !== 'high') return invalid('quality', "quality must be one of 'low', 'medium', 'high'");
      const n = b['n'] ?? 1;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 10) return invalid('n', 'n must be an integer between 1 and 10');
      const cb = b['callback_url'];
      if (cb !== undefined) {
        if (typeof cb !== 'string' || cb.length > 2048 || !/^https:\/\//.test(cb) || !URL.canParse(cb)) {
          return invalid('callback_url', 'callback_url must be an HTTPS URL of at most 2048 characters');
        }
        if (isPrivateHost(new URL(cb).hostname)) return invalid('callback_url', 'callback_url must not point to a private address');
      }
      const urls = b['image_urls'];
      let refs: Buffer[] = [];
      if (urls !== undefined) {
        if (!Array.isArray(urls) || urls.length < 1 || urls.length > MAX_IMAGE_URLS) {
          return invalid('image_urls', `image_urls must be an array of 1 to ${MAX_IMAGE_URLS} URLs`);
        }
        const got = await fetchReferences(urls, auth.key);
        if ('error' in got) return got.error;
        refs = got.bytes;
      }

      const sizeStr = size as string;
      const px =
        sizeStr === 'auto' ? { width: 1024, height: 1024 } : (evolinkPixelSize(sizeStr, resolution as EvolinkResolution) ?? { width: 1024, height: 1024 });
      const perImage = (TEST_CREDITS.perImage[quality] ?? 0) * ((px.width * px.height) / (1024 * 1024));
      const cost = round2(perImage * n + TEST_CREDITS.perReference * refs.length);
      state.settle();
      if (auth.credits < cost) {
        return {
          status: 402,
          body: {
            error: {
              code: 'insufficient_quota',
              message: `Insufficient balance: this request needs ${cost} credits, ${auth.credits} available`,
              type: 'insufficient_quota',
              fallback_suggestion: 'Top up your EvoLink balance',
            },
          },
          schema: 'Error',
        };
      }
      const now = state.now();
      const failCode = prompt.includes(state.config.policyMarker) ? 'content_policy_violation' : (/\[\[fail:([a-z_]+)\]\]/.exec(prompt)?.[1] ?? null);
      const failInfo = failCode ? (TASK_ERRORS[failCode] ?? TASK_ERRORS['unknown_error']) : undefined;
      const task: TestTask = {
        id: `task-unified-${Math.floor(now / 1000)}-${randomId(8)}`,
        ownerKey: auth.key,
        body: b,
        createdAt: now,
        durationMs: state.config.taskDurationMs,
        queueDelayMs: Math.min(state.config.queueDelayMs, state.config.taskDurationMs),
        creditsReserved: cost,
        failure: failCode && failInfo ? { code: TASK_ERRORS[failCode] ? failCode : 'unknown_error', ...failInfo } : null,
        count: n,
        width: px.width,
        height: px.height,
        referenceBytes: refs[0] ?? null,
        refunded: false,
        rendered: new Map(),
      };
      auth.credits = round2(auth.credits - cost);
      state.tasks.set(task.id, task);
      state.tasksCreated += 1;
      return { status: 200, body: taskView(state, task, baseUrl), schema: 'Task' };
    }),
  );

  /** Resolves every `image_urls` entry to bytes, or the 400 EvoLink would answer. */
  async function fetchReferences(urls: unknown[], ownerKey: string): Promise<{ bytes: Buffer[] } | { error: JsonOut }> {
    const out: Buffer[] = [];
    for (const [i, u] of urls.entries()) {
      const param = `image_urls[${i}]`;
      if (typeof u !== 'string' || !/^https?:\/\//.test(u) || !URL.canParse(u)) return { error: invalid(param, `${param} is not a valid URL`) };
      let bytes: Buffer;
      const own = fileByUrl(u);
      if (u.startsWith(`${baseUrl}/cdn/files/`)) {
        if (!own || own.expiresAt <= state.now()) return { error: invalid(param, `${param} could not be downloaded: file not found or expired`) };
        if (own.ownerKey !== ownerKey) return { error: invalid(param, `${param} could not be downloaded: access denied`) };
        bytes = own.bytes;
      } else {
        const got = await download(u);
        if (typeof got === 'string') return { error: invalid(param, `${param} could not be downloaded: ${got}`) };
        bytes = got;
      }
      if (bytes.length > MAX_IMAGE_BYTES) return { error: invalid(param, `${param} is larger than 50MB`) };
      const kind = sniff(bytes);
      if (!kind || kind.ext === 'gif') return { error: invalid(param, `${param} must be a JPEG, PNG or WebP image`) };
      out.push(bytes);
    }
    return { bytes: out };
  }

  async function download(url: string): Promise<Buffer | string> {
    try {
      const res = await request(url, {
        method: 'GET',
        headersTimeout: state.config.fetchTimeoutMs,
        bodyTimeout: state.config.fetchTimeoutMs,
        signal: closing.signal,
      });
      if (res.statusCode < 200 || res.statusCode >= 300) {
        await res.body.dump();
        return `HTTP ${res.statusCode}`;
      }
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const c of res.body) {
        total += (c as Buffer).length;
        if (total > MAX_IMAGE_BYTES) {
          res.body.on('error', () => undefined);
          res.body.destroy();
          return 'larger than 50MB';
        }
        chunks.push(c as Buffer);
      }
      return Buffer.concat(chunks);
    } catch (e) {
      return (e as { code?: string }).code ?? 'network error';
    }
  }

  // ----- GET /v1/tasks/:id ------------------------------------------------------------------------------------------

  app.get(
    '/v1/tasks/:id',
    route('getTask', async (req) => {
      const auth = authenticate(req);
      if (!('key' in auth)) return auth;
      const id = (req.params as { id: string }).id;
      if (!TASK_ID_RE.test(id)) {
        // The docs' example envelope: a string code and no `type`.
        return { status: 400, body: { error: { code: 'invalid_task_id', message: "Invalid task ID format, must start with 'task-unified-'" } }, schema: 'Error' };
      }
      const t = state.tasks.get(id);
      if (!t || t.ownerKey !== auth.key) return errorOut(404, 'task_not_found', `Task ${id} not found`, 'invalid_request_error');
      state.settle();
      return { status: 200, body: taskView(state, t, baseUrl), schema: 'Task' };
    }),
  );

  // ----- Files API --------------------------------------------------------------------------------------------------

  app.post(
    '/api/v1/files/upload/stream',
    route('upload', async (req) => {
      const rec = recordOf.get(req);
      const auth = authenticate(req, true);
      if (!('key' in auth)) return auth;
      if (!req.isMultipart()) return filesOut(400, 400, 'Content-Type must be multipart/form-data');
      let file: { bytes: Buffer; filename: string; mimetype: string; truncated: boolean } | null = null;
      const fields: Record<string, string> = {};
      try {
        for await (const part of req.parts()) {
          if (part.type === 'file') {
            const chunks: Buffer[] = [];
            for await (const c of part.file) chunks.push(c as Buffer);
            if (part.fieldname !== 'file') continue;
            file = { bytes: Buffer.concat(chunks), filename: part.filename, mimetype: part.mimetype, truncated: part.file.truncated };
          } else {
            fields[part.fieldname] = String(part.value);
          }
        }
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'FST_FILES_LIMIT') return filesOut(400, 400, 'Only one file per request');
        return filesOut(400, 400, 'Malformed multipart body');
      }
      if (rec) {
        rec.body = file
          ? { fileName: file.filename, declaredType: file.mimetype, byteSize: file.bytes.length, truncated: file.truncated, fields }
          : { fields };
      }
      if (!file) return filesOut(400, 400, "No file uploaded: the part must be named 'file'");
      if (file.truncated) return filesOut(200, 40001, 'File size exceeds the limit (100MB)');
      if (file.bytes.length === 0) return filesOut(200, 40002, 'File type not allowed: empty file');
      const kind = sniff(file.bytes);
      if (!kind) return filesOut(200, 40002, 'File type not allowed. Allowed types: image/jpeg, image/png, image/gif, image/webp');
      const now = state.now();
      const name = fields['fileName'] || file.filename || `upload.${kind.ext}`;
      const uploadPath = fields['uploadPath'] || 'default';
      const same = state.liveFiles(auth.key).find((f) => f.fileName === name && f.uploadPath === uploadPath);
      if (!same && state.liveFiles(auth.key).length >= state.maxFilesOf(auth.key)) {
        return filesOut(200, 40003, `File quota exceeded (${state.maxFilesOf(auth.key)} files)`);
      }
      const id = same?.id ?? `file_${randomBytes(12).toString('hex')}`;
      const f: TestFile = {
        id,
        ownerKey: auth.key,
        fileName: name,
        originalName: file.filename || name,
        uploadPath,
        bytes: file.bytes,
        mime: kind.mime,
        ext: kind.ext,
        createdAt: now,
        expiresAt: now + state.config.fileTtlMs,
        url: `${baseUrl}/cdn/files/${id}.${kind.ext}`,
      };
      state.files.set(id, f);
      if (same) state.filesOverwritten += 1;
      else state.filesStored += 1;
      return filesOut(200, 200, 'success', fileView(f));
    }),
  );

  app.get(
    '/api/v1/files/quota',
    route('quota', async (req) => {
      const auth = authenticate(req, true);
      if (!('key' in auth)) return auth;
      const used = state.liveFiles(auth.key).length;
      const max = state.maxFilesOf(auth.key);
      return filesOut(200, 200, 'success', { user_group: auth.userGroup, used_files: used, max_files: max, remain_files: Math.max(0, max - used) });
    }),
  );

  // ----- CDN --------------------------------------------------------------------------------------------------------

  app.get(
    '/cdn/files/:file',
    route('cdn', async (req) => {
      const file = (req.params as { file: string }).file;
      const f = state.files.get(file.replace(/\.[a-z0-9]+$/i, ''));
      if (!f || f.url !== `${baseUrl}/cdn/files/${file}` || f.expiresAt <= state.now()) return cdnNotFound();
      return { status: 200, raw: f.bytes, contentType: f.mime };
    }),
  );

  app.get(
    '/cdn/results/:file',
    route('cdn', async (req) => {
      const m = /^(task-unified-\d{10}-[a-z0-9]{8})-(\d+)\.(png|jpg|webp)$/.exec((req.params as { file: string }).file);
      const t = m ? state.tasks.get(m[1] as string) : undefined;
      if (!m || !t) return cdnNotFound();
      const n = Number(m[2]);
      const format = state.config.outputFormat;
      const phase = phaseOf(state, t);
      const expired = state.now() >= t.createdAt + t.durationMs + state.config.retentionMs;
      if (phase.status !== 'completed' || expired || n < 1 || n > t.count || m[3] !== (format === 'jpeg' ? 'jpg' : format)) {
        return cdnNotFound();
      }
      const cacheKey = n * 10 + ['png', 'jpeg', 'webp'].indexOf(format);
      let bytes = t.rendered.get(cacheKey);
      if (!bytes) {
        bytes = await renderResult(t, n, state.config);
        t.rendered.set(cacheKey, bytes);
      }
      return { status: 200, raw: bytes, contentType: `image/${format}` };
    }),
  );

  // ----- control API (CLI) ------------------------------------------------------------------------------------------

  if (opts.controlApi) {
    app.get('/__control/state', async () => ({
      tasksCreated: state.tasksCreated,
      filesStored: state.filesStored,
      filesOverwritten: state.filesOverwritten,
      config: state.config,
      pendingFaults: state.pendingFaults(),
      responseViolations: state.responseViolations,
      requests: state.requests.map((r) => ({ ...r, headers: redactHeaders(r.headers) })),
      tasks: [...state.tasks.values()].map((t) => taskView(state, t, baseUrl)),
      credits: Object.fromEntries([...state.keys.keys()].map((k) => [k.slice(0, 10), state.credits(k)])),
    }));
    registerFaultControl(app, state, EVOLINK_ROUTES);
    registerClockControl(app, state);
    app.post('/__control/config', async (req) => {
      const b = (req.body ?? {}) as Partial<EvolinkServerConfig> & { credits?: Record<string, number> };
      applyConfig(state.config, b);
      for (const [key, n] of Object.entries(b.credits ?? {})) if (state.keys.has(key)) state.setCredits(key, n);
      return { ok: true, config: state.config };
    });
  }

  function fileByUrl(url: string): TestFile | undefined {
    const m = /\/cdn\/files\/(file_[0-9a-f]{24})\.[a-z0-9]+$/.exec(url);
    const f = m ? state.files.get(m[1] as string) : undefined;
    return f && f.url === url ? f : undefined;
  }

  const { url, port } = await listenLocal(app, opts.port);
  baseUrl = (opts.publicBaseUrl ?? url).replace(/\/+$/, '');

  return { url, port, state, close: closer(app, closing) };
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------------------------

/** Size, px, of a rendered result: EvoLink's pixel size divided by `scale`, rounded, at least 1 (aspect kept). */
export function renderedSize(width: number, height: number, scale: number): { width: number; height: number } {
  return { width: Math.max(1, Math.round(width / scale)), height: Math.max(1, Math.round(height / scale)) };
}

/** Box (top-left corner, px of the rendered image) the first reference is composited into. */
export const REFERENCE_BOX = { left: 4, top: 4, size: 48 } as const;

async function renderResult(t: TestTask, n: number, config: EvolinkServerConfig): Promise<Buffer> {
  const { width, height } = renderedSize(t.width, t.height, config.imageScale);
  // Blue/green backgrounds only (red < 100), so a red reference is unmistakable; varies by task and index.
  const h = createHash('sha256').update(`${t.id}:${n}`).digest();
  const bg = { r: (h[0] as number) % 100, g: 100 + ((h[1] as number) % 156), b: 100 + ((h[2] as number) % 156) };
  const composites: OverlayOptions[] = [];
  const stripeH = Math.max(2, Math.round(height / 16));
  const stripeW = Math.max(1, Math.min(width, Math.round((width * n) / (t.count + 1))));
  composites.push({
    input: { create: { width: stripeW, height: stripeH, channels: 4, background: { r: 255, g: 255, b: 255, alpha: 1 } } },
    left: 0,
    top: height - stripeH,
  });
  if (t.referenceBytes) {
    const box = Math.max(1, Math.min(REFERENCE_BOX.size, width - REFERENCE_BOX.left, height - REFERENCE_BOX.top));
    const thumb = await sharp(t.referenceBytes, { animated: false }).resize(box, box, { fit: 'inside' }).png().toBuffer();
    composites.push({ input: thumb, left: REFERENCE_BOX.left, top: REFERENCE_BOX.top });
  }
  const img = sharp({ create: { width, height, channels: 3, background: bg } }).composite(composites);
  if (config.outputFormat === 'png') return img.png().toBuffer();
  if (config.outputFormat === 'webp') return img.webp({ quality: 90 }).toBuffer();
  return img.jpeg({ quality: 90 }).toBuffer();
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------------

/** EvoLink's `size` rules (its gpt-image-2 skill), checked independently of the client's implementation. Returns the refusal or null. */
function sizeProblem(size: unknown): string | null {
  if (typeof size !== 'string') return 'size must be a string';
  if (size === 'auto' || RATIOS.has(size)) return null;
  const m = /^(\d+)x(\d+)$/.exec(size);
  if (!m) return `Invalid size '${size}': use 'auto', a ratio such as '16:9', or 'WIDTHxHEIGHT'`;
  const w = Number(m[1]);
  const h = Number(m[2]);
  if (w % 16 !== 0 || h % 16 !== 0) return `Invalid size '${size}': width and height must be multiples of 16`;
  if (w < 16 || h < 16 || w > 3840 || h > 3840) return `Invalid size '${size}': each side must be between 16 and 3840 pixels`;
  if (w * h < 655_360) return `Invalid size '${size}': total pixels must be at least 655360`;
  if (w * h > 8_294_400) return `Invalid size '${size}': total pixels must be at most 8294400`;
  if (w > 3 * h || h > 3 * w) return `Invalid size '${size}': aspect ratio must not exceed 3:1`;
  return null;
}

function errorOut(status: number, code: string | number, message: string, type: string): JsonOut {
  return { status, body: { error: { code, message, type } }, schema: 'Error' };
}

function invalid(param: string, message: string): JsonOut {
  return { status: 400, body: { error: { code: 'invalid_parameter', message, type: 'invalid_request_error', param } }, schema: 'Error' };
}

function filesOut(status: number, code: number, msg: string, data: unknown = null): JsonOut {
  return { status, body: { success: code === 200, code, msg, data }, schema: 'Files' };
}

function filesMessage(code: number): string {
  switch (code) {
    case 40001:
      return 'File size exceeds the limit (100MB)';
    case 40002:
      return 'File type not allowed';
    case 40003:
      return 'File quota exceeded';
    case 40004:
      return 'Failed to download file from URL';
    case 50001:
      return 'Storage error';
    default:
      return `Error ${code}`;
  }
}

function fileView(f: TestFile) {
  return {
    file_id: f.id,
    file_name: f.fileName,
    original_name: f.originalName,
    file_size: f.bytes.length,
    mime_type: f.mime,
    upload_path: f.uploadPath,
    file_url: f.url,
    download_url: `${f.url}?download=1`,
    upload_time: new Date(f.createdAt).toISOString(),
    expires_at: new Date(f.expiresAt).toISOString(),
  };
}

/** What the `html` fault answers (a proxy's error page). */
const HTML_ERROR_PAGE =
  '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>';

function cdnNotFound(): RawOut {
  return {
    status: 404,
    raw: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>',
    contentType: 'application/xml',
  };
}

function routeOf(method: string, url: string): EvolinkRoute | 'other' {
  const path = url.split('?')[0] ?? '';
  if (method === 'POST' && path === '/v1/images/generations') return 'create';
  if (method === 'GET' && path.startsWith('/v1/tasks/')) return 'getTask';
  if (method === 'POST' && path === '/api/v1/files/upload/stream') return 'upload';
  if (method === 'GET' && path === '/api/v1/files/quota') return 'quota';
  if (method === 'GET' && path.startsWith('/cdn/')) return 'cdn';
  return 'other';
}

function headerOf(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function sniff(b: Buffer): { mime: string; ext: string } | null {
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return { mime: 'image/png', ext: 'png' };
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { mime: 'image/jpeg', ext: 'jpg' };
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return { mime: 'image/webp', ext: 'webp' };
  if (b.length >= 6 && /^GIF8[79]a$/.test(b.toString('latin1', 0, 6))) return { mime: 'image/gif', ext: 'gif' };
  return null;
}

function isPrivateHost(host: string): boolean {
  if (host === 'localhost') return true;
  const m = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(host);
  if (!m) return false;
  const a = Number(m[1]);
  const b = Number(m[2]);
  return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

function defaultCode(status: number): [string, string] {
  if (status === 429) return ['rate_limit_exceeded', 'rate_limit_error'];
  if (status === 502) return ['upstream_error', 'upstream_error'];
  if (status === 503) return ['service_unavailable', 'server_error'];
  if (status >= 500) return ['internal_error', 'server_error'];
  return [`http_${status}`, 'invalid_request_error'];
}

function defaultMessage(status: number): string {
  if (status === 429) return 'Too many requests, please retry later';
  if (status === 503) return 'Service temporarily unavailable';
  if (status === 502) return 'Bad gateway: upstream provider error';
  if (status >= 500) return 'Internal server error';
  return `HTTP ${status}`;
}

function randomId(len: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(len);
  return Array.from(bytes, (x) => alphabet[x % alphabet.length]).join('');
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function redactHeaders(h: Record<string, string | string[] | undefined>): Record<string, string | string[] | undefined> {
  return redactHeader(h, 'authorization');
}
