/**
 * A realistic OpenAI Images API test server (fastify on 127.0.0.1, a free port) for integration and e2e tests. It
 * also plays an "OpenAI-compatible" server (LocalAI-style): custom model names, optional auth, optional `/models`,
 * URL outputs.
 *
 * What it does, after OpenAI's API reference (https://platform.openai.com/docs/api-reference/images) and openai-node
 * (https://github.com/openai/openai-node; its rules are written here independently of
 * src/shared/providers/openai.ts, so a bug there cannot hide in both):
 * - Auth: `Authorization: Bearer <key>` (401 missing/unknown key, `invalid_api_key`); a key with `verified: false`
 *   gets 403 for GPT image models (OpenAI's "organization must be verified"); a key with `quotaExhausted` gets 429
 *   `insufficient_quota`.
 * - `POST /v1/images/generations` (JSON) and `POST /v1/images/edits` (multipart; `image[]` — or a single `image` —
 *   1–16 files, PNG/JPEG/WebP by magic bytes, < 50,000,000 bytes each; optional `mask`: PNG with an alpha channel,
 *   < 4,000,000 bytes, same width × height as the first image). Every field is checked against the per-model rules:
 *   unknown fields (including `response_format`, and `moderation` on edits, which the SDK does not list) → 400
 *   `unknown_parameter`; bad values → 400 `invalid_value` / `invalid_type` / bounds codes, with `param`; gpt-image-2
 *   sizes (multiples of 16, ratio ≤ 3:1, edge ≤ 3840, 655,360–8,294,400 px); fixed sizes for the gpt-image-1 family;
 *   transparent + jpeg → 400 `background`; transparent on gpt-image-2 → 400 unless `gptImage2Transparent: 'accept'`;
 *   `input_fidelity` on gpt-image-2 or -1-mini → 400; `output_compression` below 100 with png → 400 [I: inferred,
 *   keeps clients honest about sending it only for jpeg/webp]; unknown model → 404 `model_not_found`.
 * - Replies: `{ created, data: [{ b64_json }], background, output_format, quality, size, usage }` with REAL images
 *   rendered by sharp in the requested format (jpeg/webp at `output_compression` quality, transparent background
 *   with alpha 0). Requested sizes above `maxRenderEdge` (default 1536 px) are rendered proportionally scaled down
 *   so the long edge is `maxRenderEdge`; `size` still echoes the request. `auto` → 1024×1024, quality `auto` →
 *   `medium`. For edits the first image is composited (96×96 box, top-left) so a test can see it was used.
 *   `usage` is plausible: output image tokens 272 / 1056 / 4160 per 1024² for low / medium / high, scaled by area;
 *   text tokens ≈ prompt length / 4; input image tokens 85 + 170 per 512-px tile of each input image.
 * - A processing delay (`processingDelayMs`), a moderation refusal (400 `moderation_blocked` with
 *   `moderation_details`) for prompts containing `moderationMarker`, and faults per route injected with
 *   `state.inject(route, fault, { times, after })`: a status (e.g. 429 with `Retry-After` / `retry-after-ms`,
 *   500, 503), a dropped connection, a slow reply, an HTML page, malformed JSON, any JSON, b64 that is not an image.
 * - Streaming (https://platform.openai.com/docs/api-reference/images-streaming): `stream: true` with `partial_images`
 *   0–3 answers `text/event-stream`: `image_generation.partial_image` (`image_edit.…` for edits) events with
 *   `b64_json` (the final image, blurred less and less) and `partial_image_index`, each after `partialDelayMs`, then,
 *   `finalDelayMs` after the last partial, `image_generation.completed` with the final image, the echoed fields and
 *   `usage` (100 image output tokens more per partial); `POST /v1/responses` with `stream: true` sends `response.created`,
 *   `response.image_generation_call.partial_image` (`partial_image_b64`) and `response.completed`. The fault
 *   `dropMidStream` (inject with `after: true`) cuts a stream off after `afterPartials` partials; `streamError` sends an
 *   `error` event there instead and ends the stream. Counters
 *   `streamsStarted`, `partialsSent`, `streamsCompleted`.
 * - `GET /v1/models` (404 when `modelsEndpoint` is false, like some compatible servers).
 * - `POST /v1/responses` (https://platform.openai.com/docs/api-reference/responses): a mainline `model` (not a gpt-image one), `input` as a string or one
 *   user message of `input_text` / `input_image` (data URL) parts, exactly one `image_generation` tool whose fields
 *   are the documented set (unknown → 400 `unknown_parameter`; tool model gpt-image-2, -1.5 or -1; values checked
 *   with the Images rules), optional `tool_choice`/`store`, optional `previous_response_id` naming a response this
 *   server made for the same key (else 400 `previous_response_not_found`). `action: edit` with no image in context
 *   → 400. It renders one REAL image: from a previous response, that response's image scaled to the size with a
 *   white bar across the top (so a test can tell the context was used); otherwise as an edit of the first input
 *   image. Replies `{ id: 'resp_…', object: 'response', status: 'completed', output: [{ type:
 *   'image_generation_call', id: 'ig_…', status: 'completed', result }], usage, tool_usage: { image_gen } }`;
 *   `state.responses` keeps each response (key, image, previous id); counters `responsesCompleted`,
 *   `responsesContinued`.
 * - Compatible mode: `customModels` maps a server's own model names to the rules of an OpenAI model;
 *   `requireAuth: false` accepts calls without a key; `outputMode: 'url'` answers `data[].url` served under
 *   `/generated-images/` (LocalAI's path).
 * - With `controlApi: true` (the CLI), `/__control/*` exposes the controls over HTTP.
 *
 * Keys are kept in memory only; nothing is logged (fastify's logger is off); the control API redacts them.
 */
import { createHash, randomBytes } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import sharp, { type OverlayOptions } from 'sharp';
import { Response } from 'undici';
import {
  applyConfig,
  applyTransportFault,
  closer,
  delay as commonDelay,
  isTransportFault,
  listenLocal,
  recordRequests,
  redactHeader,
  registerFaultControl,
  TestServerLog,
  type RecordedRequest as CommonRecordedRequest,
  type TransportFault,
} from '../common';

export type { InjectOptions } from '../common';

// ---------------------------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------------------------

/** Routes faults can target. `files` is the URL-output download route of compatible mode. */
export type OpenAiRoute = 'generations' | 'edits' | 'models' | 'files' | 'responses';
export const OPENAI_ROUTES: readonly OpenAiRoute[] = ['generations', 'edits', 'models', 'files', 'responses'];

/** A fault replacing (or, with `after`, following) a route's normal work. */
export type OpenAiFault =
  /** Answer `status` with OpenAI's envelope (or `body`); `retryAfterSeconds` / `retryAfterMs` add the headers. */
  | { kind: 'status'; status: number; retryAfterSeconds?: number; retryAfterMs?: number; body?: unknown }
  /** `drop`, `slow` and `html` (see ../common). */
  | Extract<TransportFault, { kind: 'drop' | 'slow' | 'html' }>
  /** A truncated JSON body with `status` (default 200) and `application/json`. */
  | { kind: 'malformedJson'; status?: number }
  /** Arbitrary JSON with `status` (default 200). */
  | { kind: 'json'; body: unknown; status?: number }
  /** A well-formed ImagesResponse whose `b64_json` decodes to bytes that are not an image. */
  | { kind: 'badImage' }
  /**
   * A streamed call (`stream: true`) cut off after `afterPartials` partial images (default 1): the socket is
   * destroyed before the `*.completed` event. Inject with `after: true` (the image was made, so it may be charged).
   * On a call that does not stream it drops the connection.
   */
  | { kind: 'dropMidStream'; afterPartials?: number }
  /**
   * A streamed call that sends an `error` event after `afterPartials` partial images (default 1) and ends: for the
   * Images API `{ type: 'error', error: { message, code } }`, for the Responses API the documented
   * `{ type: 'error', code, message, param }` (https://platform.openai.com/docs/api-reference/responses-streaming/error).
   * Inject with `after: true`. On a call that does not stream it drops the connection.
   */
  | { kind: 'streamError'; afterPartials?: number; message?: string; code?: string }
  /**
   * A streamed call whose partial image number `index` (0-based over the call, default 0) is not an image (base64 of
   * a few text bytes); the call goes on and completes as usual. Inject with `after: true`. No effect without `stream`.
   */
  | { kind: 'badPartial'; index?: number };

/** The partial image a `badPartial` fault spoils (its index over the call), or null. */
function badPartialOf(fault: OpenAiFault | null | undefined): number | null {
  return fault?.kind === 'badPartial' ? (fault.index ?? 0) : null;
}

/** What a spoiled partial carries: base64 of bytes that are no image. */
const NOT_AN_IMAGE_B64 = Buffer.from('not an image').toString('base64');

/** How a streamed reply ends early, `after` partial images in: cut off, or with an `error` event; null: it does not. */
type StreamStop = { after: number; fault: Extract<OpenAiFault, { kind: 'dropMidStream' | 'streamError' }> } | null;

/** The {@link StreamStop} of the fault that follows a streamed call's work, or null where it is no stream fault. */
function streamStopOf(fault: OpenAiFault | null | undefined): StreamStop {
  return fault && (fault.kind === 'dropMidStream' || fault.kind === 'streamError') ? { after: fault.afterPartials ?? 1, fault } : null;
}

/** One API key the server knows. */
export interface OpenAiKeyConfig {
  key: string;
  /** false → 403 for GPT image models (unverified organization). Default true. */
  verified?: boolean;
  /** true → 429 `insufficient_quota` on image calls. Default false. */
  quotaExhausted?: boolean;
}

/** The OpenAI models whose rules the server knows. */
export type KnownModel = 'gpt-image-2' | 'gpt-image-1.5' | 'gpt-image-1' | 'gpt-image-1-mini';

/** Scenario settings; all can be changed at run time through `state.config`. Durations in ms, sizes in px. */
export interface OpenAiServerConfig {
  /** Time the server "works" before answering an image call. Default 0. */
  processingDelayMs: number;
  /** Long edge cap of rendered images; larger requests are scaled down proportionally. Default 1536. */
  maxRenderEdge: number;
  /** A prompt containing this is refused with `moderation_blocked`. Default `[[blocked]]`. */
  moderationMarker: string;
  /** `moderation_details.moderation_stage` of that refusal. Default `input`. */
  moderationStage: 'input' | 'output';
  /** gpt-image-2 + `background: transparent`: refuse (default, as our capability table) or accept (preview). */
  gptImage2Transparent: 'reject' | 'accept';
  /** Whether `GET /v1/models` exists. Default true. */
  modelsEndpoint: boolean;
  /** Whether a key is required. Default true. */
  requireAuth: boolean;
  /** Compatible mode: the server's own model names → the rules they follow. Default `{}`. */
  customModels: Record<string, KnownModel>;
  /** `b64_json` (default) or `url` outputs. */
  outputMode: 'b64_json' | 'url';
  /** Include `usage` in replies. Default true. */
  usage: boolean;
  /**
   * Post-processes each generated image before it is sent, e.g. to sign it with a C2PA manifest as OpenAI's image
   * outputs carry one (tests/helpers/c2pa-sign.ts). Default null: the rendered bytes as they are.
   */
  signOutput?: ((bytes: Buffer, format: ImageJob['format']) => Promise<Buffer>) | null;
  /** A streamed call: the time before each partial image event, ms (the final one follows `processingDelayMs`). Default 50. */
  partialDelayMs: number;
  /**
   * A streamed call: the time between the last partial image event and the final one (`*.completed`,
   * `response.completed`) or a stream fault's end, ms. Default 0.
   */
  finalDelayMs: number;
}

/** Options of {@link startOpenAiTestServer}. */
export interface OpenAiTestServerOptions extends Partial<OpenAiServerConfig> {
  /** Keys (strings get the defaults). Default `['sk-test-openai-0001']`. */
  keys?: ReadonlyArray<string | OpenAiKeyConfig>;
  /** Port; default 0. Host is always 127.0.0.1. */
  port?: number;
  /** Largest request body, bytes. Default 128 MiB (over it: 413 in OpenAI's envelope). */
  maxBodyBytes?: number;
  /** Expose `/__control/*`. Default false. */
  controlApi?: boolean;
}

/** A multipart file as the server received it. */
export interface ReceivedFile {
  field: string;
  fileName: string;
  declaredType: string;
  byteSize: number;
  /** From the image header (sharp), when it is an image. */
  width: number | null;
  height: number | null;
  sha256: string;
}

/** A request as received. `body` is the JSON body, or for an edit `{ fields, images, mask }`. */
export type RecordedRequest = CommonRecordedRequest<OpenAiRoute, OpenAiFault['kind']>;

/** Running server handle. */
export interface OpenAiTestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `http://127.0.0.1:<port>/v1`, the base URL clients use. */
  baseUrl: string;
  port: number;
  state: OpenAiTestServerState;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Rules (OpenAI's API reference and openai-node)
// ---------------------------------------------------------------------------------------------------------------

interface ModelRules {
  sizes: 'flexible' | readonly string[];
  transparent: 'yes' | 'gpt-image-2';
  inputFidelity: boolean;
}

const RULES: Record<KnownModel, ModelRules> = {
  'gpt-image-2': { sizes: 'flexible', transparent: 'gpt-image-2', inputFidelity: false },
  'gpt-image-1.5': { sizes: ['auto', '1024x1024', '1536x1024', '1024x1536'], transparent: 'yes', inputFidelity: true },
  'gpt-image-1': { sizes: ['auto', '1024x1024', '1536x1024', '1024x1536'], transparent: 'yes', inputFidelity: true },
  'gpt-image-1-mini': { sizes: ['auto', '1024x1024', '1536x1024', '1024x1536'], transparent: 'yes', inputFidelity: false },
};

const GENERATION_FIELDS = new Set([
  'model',
  'prompt',
  'n',
  'size',
  'quality',
  'background',
  'output_format',
  'output_compression',
  'moderation',
  'partial_images',
  'stream',
  'user',
]);
const EDIT_FIELDS = new Set([
  'model',
  'prompt',
  'n',
  'size',
  'quality',
  'background',
  'output_format',
  'output_compression',
  'input_fidelity',
  'partial_images',
  'stream',
  'user',
]);

/** Top-level fields of a Responses request this server takes (openai-node `ResponseCreateParams`). */
const RESPONSES_FIELDS = new Set(['model', 'input', 'previous_response_id', 'tools', 'tool_choice', 'store', 'instructions', 'stream']);
/** Fields of the `image_generation` tool (openai-node `Tool.ImageGeneration`). */
const TOOL_FIELDS = new Set([
  'type',
  'model',
  'action',
  'size',
  'quality',
  'background',
  'output_format',
  'output_compression',
  'moderation',
  'partial_images',
  'input_fidelity',
  'input_image_mask',
]);

const MAX_PROMPT = 32_000;
const MAX_IMAGES = 16;
const MAX_IMAGE_BYTES = 50_000_000;
const MAX_MASK_BYTES = 4_000_000;
/** Output image tokens for one 1024×1024 image by quality (gpt-image-1 published token counts). */
export const OUTPUT_TOKENS_PER_1024: Record<'low' | 'medium' | 'high', number> = { low: 272, medium: 1056, high: 4160 };

// ---------------------------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------------------------

interface KeyState {
  key: string;
  verified: boolean;
  quotaExhausted: boolean;
}

/**
 * Inspection and scenario controls. Counters: `imagesGenerated` (images rendered by calls that ran, including
 * ones whose reply a fault then replaced), `callsCompleted` (image calls answered 200), `requests` (everything, in
 * order).
 */
export class OpenAiTestServerState extends TestServerLog<OpenAiRoute, OpenAiFault> {
  imagesGenerated = 0;
  callsCompleted = 0;
  /** `POST /v1/responses` answered 200, and of those the ones continuing a `previous_response_id`. */
  responsesCompleted = 0;
  responsesContinued = 0;
  /** Streamed image calls begun, `*.partial_image` events sent, and streamed calls that sent every `*.completed`. */
  streamsStarted = 0;
  partialsSent = 0;
  streamsCompleted = 0;
  /** Responses made, by id: the key that made it, its image, and the response it continued (if any). */
  readonly responses = new Map<string, { key: string | null; image: Buffer; previousResponseId: string | null; imageCallId: string }>();
  readonly config: OpenAiServerConfig;
  /** @internal */ readonly keys = new Map<string, KeyState>();
  /** @internal URL outputs (compatible mode). */ readonly files = new Map<string, { bytes: Buffer; type: string }>();

  constructor(config: OpenAiServerConfig, keys: ReadonlyArray<string | OpenAiKeyConfig>) {
    super();
    this.config = config;
    for (const k of keys) this.addKey(k);
  }

  /** Adds (or replaces) a key. */
  addKey(k: string | OpenAiKeyConfig): void {
    const c = typeof k === 'string' ? { key: k } : k;
    this.keys.set(c.key, { key: c.key, verified: c.verified ?? true, quotaExhausted: c.quotaExhausted ?? false });
  }

  /** Forgets requests and faults, zeroes the counters (keys and config stay). */
  resetLog(): void {
    this.clearLogAndFaults();
    this.imagesGenerated = 0;
    this.callsCompleted = 0;
    this.responsesCompleted = 0;
    this.responsesContinued = 0;
    this.streamsStarted = 0;
    this.partialsSent = 0;
    this.streamsCompleted = 0;
  }

}

// ---------------------------------------------------------------------------------------------------------------
// Errors in OpenAI's envelope
// ---------------------------------------------------------------------------------------------------------------

/** An OpenAI error reply. */
export class OpenAiHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null,
    readonly code: string | null,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** `{ error: { message, type, param, code, …extra } }` */
  body(): unknown {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code, ...this.extra } };
  }
}

const invalid = (message: string, param: string | null, code: string | null) =>
  new OpenAiHttpError(400, message, 'invalid_request_error', param, code);

const supported = (values: readonly string[]) => {
  const q = values.map((v) => `'${v}'`);
  return q.length > 1 ? `${q.slice(0, -1).join(', ')}, and ${q[q.length - 1]}` : (q[0] ?? '');
};

// ---------------------------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------------------------

interface ImageJob {
  model: string;
  rules: ModelRules;
  prompt: string;
  n: number;
  size: string;
  width: number;
  height: number;
  quality: 'low' | 'medium' | 'high';
  format: 'png' | 'jpeg' | 'webp';
  compression: number;
  transparent: boolean;
  inputImages: Array<{ bytes: Buffer; width: number; height: number }>;
  /** `stream: true` was asked for, with `partials` (`partial_images`, 0–3) partial images per image. */
  stream: boolean;
  partials: number;
}

/**
 * Starts the server on 127.0.0.1 and resolves once it listens.
 *
 * @example
 *   const srv = await startOpenAiTestServer({ keys: ['sk-a'], processingDelayMs: 50 });
 *   srv.state.inject('generations', { kind: 'status', status: 429, retryAfterMs: 20 });
 *   …; expect(srv.state.requestsTo('generations')).toHaveLength(2); await srv.close();
 */
export async function startOpenAiTestServer(opts: OpenAiTestServerOptions = {}): Promise<OpenAiTestServer> {
  const config: OpenAiServerConfig = {
    processingDelayMs: opts.processingDelayMs ?? 0,
    maxRenderEdge: opts.maxRenderEdge ?? 1536,
    moderationMarker: opts.moderationMarker ?? '[[blocked]]',
    moderationStage: opts.moderationStage ?? 'input',
    gptImage2Transparent: opts.gptImage2Transparent ?? 'reject',
    modelsEndpoint: opts.modelsEndpoint ?? true,
    requireAuth: opts.requireAuth ?? true,
    customModels: { ...(opts.customModels ?? {}) },
    outputMode: opts.outputMode ?? 'b64_json',
    usage: opts.usage ?? true,
    signOutput: opts.signOutput ?? null,
    partialDelayMs: opts.partialDelayMs ?? 50,
    finalDelayMs: opts.finalDelayMs ?? 0,
  };
  const state = new OpenAiTestServerState(config, opts.keys ?? ['sk-test-openai-0001']);
  const closing = new AbortController();
  const maxBodyBytes = opts.maxBodyBytes ?? 128 * 1024 * 1024;
  let origin = '';

  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 2 * 1024 * 1024 });
  // Multipart bodies are read whole and parsed with undici's spec-compliant FormData parser in the handler.
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_req, body, done) => {
    done(null, body);
  });

  const recordOf = recordRequests(app, state, {
    routeOf,
    now: () => Date.now(),
    keepBody: (req) => !Buffer.isBuffer(req.body),
  });

  app.setErrorHandler((err: { statusCode?: number; message?: string; code?: string }, req, reply) => {
    let e: OpenAiHttpError;
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      e = new OpenAiHttpError(413, 'Request body too large', 'invalid_request_error', null, null);
    } else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      e = invalid('Unsupported content type', null, null);
    } else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      e = invalid(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)",
        null,
        null,
      );
    } else {
      e = new OpenAiHttpError(500, 'The server had an error while processing your request.', 'server_error', null, null);
    }
    return sendError(req, reply, e);
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(req, reply, new OpenAiHttpError(404, `Invalid URL (${req.method} ${req.url.split('?')[0]})`, 'invalid_request_error', null, null)),
  );

  function sendJson(req: FastifyRequest, reply: FastifyReply, status: number, body: unknown, headers: Record<string, string> = {}) {
    const rec = recordOf.get(req);
    if (rec) rec.status = status;
    reply.code(status).headers({ 'x-request-id': `req_${randomBytes(12).toString('hex')}`, ...headers });
    return reply.type('application/json').send(JSON.stringify(body));
  }

  function sendError(req: FastifyRequest, reply: FastifyReply, e: OpenAiHttpError) {
    return sendJson(req, reply, e.status, e.body(), e.headers);
  }

  /** Applies a fault; returns true when it took over the reply. */
  async function applyFault(req: FastifyRequest, reply: FastifyReply, fault: OpenAiFault, job?: ImageJob): Promise<boolean> {
    const rec = recordOf.get(req);
    if (rec) rec.fault = fault.kind;
    if (isTransportFault(fault)) return applyTransportFault(req, reply, rec, fault, { signal: closing.signal, htmlPage: HTML_ERROR_PAGE });
    switch (fault.kind) {
      case 'status': {
        const headers: Record<string, string> = {};
        if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
        if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
        const body =
          fault.body ??
          new OpenAiHttpError(fault.status, defaultMessage(fault.status), defaultType(fault.status), null, defaultCode(fault.status)).body();
        await sendJson(req, reply, fault.status, body, headers);
        return true;
      }
      case 'malformedJson':
        if (rec) rec.status = fault.status ?? 200;
        await reply.code(fault.status ?? 200).type('application/json').send('{"created": 1713833628, "data": [{"b64_json": "iVBORw0');
        return true;
      case 'json':
        await sendJson(req, reply, fault.status ?? 200, fault.body);
        return true;
      case 'dropMidStream':
      case 'streamError':
        if (rec) rec.status = 0;
        reply.hijack();
        req.raw.socket.destroy();
        return true;
      case 'badImage': {
        const junk = Buffer.from('this is not an image, just some bytes pretending to be one').toString('base64');
        const n = job?.n ?? 1;
        await sendJson(req, reply, 200, {
          created: Math.floor(Date.now() / 1000),
          data: Array.from({ length: n }, () => ({ b64_json: junk })),
          output_format: job?.format ?? 'png',
        });
        return true;
      }
      case 'badPartial':
        return false; // the streamed reply spoils its partial (streamImages, streamResponse); the call goes on
      default: {
        const never: never = fault;
        throw new Error(`unknown fault ${JSON.stringify(never)}`);
      }
    }
  }

  // ----- auth -------------------------------------------------------------------------------------------------------

  function authenticate(req: FastifyRequest): KeyState | null {
    const h = headerOf(req, 'authorization');
    if (!h) {
      if (!state.config.requireAuth) return null;
      throw new OpenAiHttpError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        'invalid_request_error',
        null,
        null,
      );
    }
    const m = /^Bearer (\S+)$/.exec(h);
    const k = m ? state.keys.get(m[1] as string) : undefined;
    if (!k) {
      if (!state.config.requireAuth) return null;
      throw new OpenAiHttpError(401, 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_request_error', null, 'invalid_api_key');
    }
    return k;
  }

  function checkAccount(k: KeyState | null, model: string) {
    if (!k) return;
    if (!k.verified && model.startsWith('gpt-image')) {
      throw new OpenAiHttpError(
        403,
        `Your organization must be verified to use the model \`${model}\`. Please go to: https://platform.openai.com/settings/organization/general and click on Verify Organization.`,
        'invalid_request_error',
        null,
        null,
      );
    }
    if (k.quotaExhausted) {
      throw new OpenAiHttpError(429, 'You exceeded your current quota, please check your plan and billing details.', 'insufficient_quota', null, 'insufficient_quota');
    }
  }

  // ----- image routes ---------------------------------------------------------------------------------------------

  function imageRoute(name: 'generations' | 'edits', parse: (req: FastifyRequest) => Promise<ImageJob>) {
    return async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        const before = state.takeFault(name, false);
        if (before && (await applyFault(req, reply, before))) return reply;
        if (closing.signal.aborted) return reply;
        const key = authenticate(req);
        const job = await parse(req);
        checkAccount(key, job.model);
        if (job.prompt.includes(state.config.moderationMarker)) {
          throw new OpenAiHttpError(
            400,
            'Your request was rejected by the safety system. If you believe this is an error, contact us at help.openai.com and include the request ID.',
            'image_generation_user_error',
            null,
            'moderation_blocked',
            { moderation_details: { moderation_stage: state.config.moderationStage, categories: ['violence'] } },
          );
        }
        await delay(state.config.processingDelayMs, closing.signal);
        if (closing.signal.aborted) return reply;
        const sign = state.config.signOutput;
        const images = await Promise.all(
          Array.from({ length: job.n }, async (_, i) => {
            const bytes = await renderImage(job, i + 1, state.config.maxRenderEdge);
            return sign ? sign(bytes, job.format) : bytes;
          }),
        );
        state.imagesGenerated += images.length;
        const after = state.takeFault(name, true);
        const stop = streamStopOf(after);
        const bad = badPartialOf(after);
        if (job.stream && (!after || stop || bad !== null)) {
          await streamImages(req, reply, name, job, images, stop, bad);
          return reply;
        }
        if (after && (await applyFault(req, reply, after, job))) return reply;
        state.callsCompleted += 1;
        return sendJson(req, reply, 200, imagesResponse(job, images));
      } catch (e) {
        if (e instanceof OpenAiHttpError) return sendError(req, reply, e);
        throw e;
      }
    };
  }

  /**
   * Answers a streamed call as OpenAI's reference describes (https://platform.openai.com/docs/api-reference/images-streaming):
   * `text/event-stream`, for each image `job.partials` events `image_generation.partial_image` (`image_edit.…` for
   * edits) with `b64_json` (the final image blurred less and less, in the requested format) and
   * `partial_image_index` 0…, each after `partialDelayMs`, then `image_generation.completed` with the final
   * `b64_json`, `created_at`, `size`, `quality`, `background`, `output_format` and `usage` (100 more image output
   * tokens per partial, as OpenAI's guide bills them). `stop.after` partials in, it ends as `stop` says instead.
   */
  async function streamImages(req: FastifyRequest, reply: FastifyReply, route: 'generations' | 'edits', job: ImageJob, images: Buffer[], stop: StreamStop, bad: number | null = null) {
    const rec = recordOf.get(req);
    const prefix = route === 'generations' ? 'image_generation' : 'image_edit';
    const { res, write } = openEventStream(reply, { 'x-request-id': `req_${randomBytes(12).toString('hex')}` });
    const cut = () => endEarly(req, res, stop!, write, (f) => ({ error: { message: f.message ?? 'The image could not be generated.', code: f.code ?? 'server_error' } }));
    const echo = () => ({
      created_at: Math.floor(Date.now() / 1000),
      size: job.size,
      quality: job.quality,
      background: job.transparent ? 'transparent' : 'opaque',
      output_format: job.format,
    });
    let sent = 0;
    for (const image of images) {
      for (let i = 0; i < job.partials; i++) {
        if (stop && sent >= stop.after) return cut();
        await delay(state.config.partialDelayMs, closing.signal);
        if (closing.signal.aborted || res.destroyed) return;
        const partialBytes = await blurred(image, job, (job.partials - i) * 6);
        const b64 = sent === bad ? NOT_AN_IMAGE_B64 : partialBytes.toString('base64');
        await write(`${prefix}.partial_image`, { b64_json: b64, partial_image_index: i, ...echo() });
        state.partialsSent += 1;
        sent += 1;
      }
      if (stop) return cut();
      if (job.partials > 0 && state.config.finalDelayMs > 0) {
        await delay(state.config.finalDelayMs, closing.signal);
        if (closing.signal.aborted || res.destroyed) return;
      }
      const usage = usageFor({ ...job, n: 1 });
      usage.output_tokens += 100 * job.partials;
      usage.total_tokens += 100 * job.partials;
      usage.output_tokens_details.image_tokens += 100 * job.partials;
      await write(`${prefix}.completed`, { b64_json: image.toString('base64'), ...echo(), ...(state.config.usage ? { usage } : {}) });
    }
    if (rec) rec.status = 200;
    state.callsCompleted += 1;
    state.streamsCompleted += 1;
    res.end();
  }

  /**
   * Answers a streamed `POST /v1/responses` (https://platform.openai.com/docs/api-reference/responses-streaming):
   * `response.created` (the response `in_progress`, no output), then `job.partials`
   * `response.image_generation_call.partial_image` events (`item_id`, `output_index` 0, `partial_image_index`,
   * `partial_image_b64`), each after `partialDelayMs`, then `response.completed` with the whole response; every event
   * has a rising `sequence_number`. `stop.after` partials in, it ends as `stop` says instead.
   */
  async function streamResponse(
    req: FastifyRequest,
    reply: FastifyReply,
    out: Record<string, unknown>,
    image: Buffer,
    job: ImageJob,
    itemId: string,
    stop: StreamStop,
    bad: number | null = null,
  ) {
    const rec = recordOf.get(req);
    let seq = 0;
    const { res, write } = openEventStream(reply, {}, () => ({ sequence_number: seq++ }));
    await write('response.created', { response: { ...out, status: 'in_progress', output: [] } });
    for (let i = 0; i < job.partials; i++) {
      if (stop && i >= stop.after) break;
      await delay(state.config.partialDelayMs, closing.signal);
      if (closing.signal.aborted || res.destroyed) return;
      const partial = await blurred(image, job, (job.partials - i) * 6);
      const b64 = i === bad ? NOT_AN_IMAGE_B64 : partial.toString('base64');
      await write('response.image_generation_call.partial_image', { item_id: itemId, output_index: 0, partial_image_index: i, partial_image_b64: b64 });
      state.partialsSent += 1;
    }
    if (stop) {
      await endEarly(req, res, stop, write, (f) => ({ code: f.code ?? 'server_error', message: f.message ?? 'The image could not be generated.', param: null }));
      return;
    }
    if (job.partials > 0 && state.config.finalDelayMs > 0) {
      await delay(state.config.finalDelayMs, closing.signal);
      if (closing.signal.aborted || res.destroyed) return;
    }
    await write('response.completed', { response: out });
    if (rec) rec.status = 200;
    state.streamsCompleted += 1;
    res.end();
  }

  /**
   * Takes over `reply` as a `text/event-stream` (200, no-cache, plus `headers`) and counts the stream begun; `write`
   * sends one event, its data `{ type, ...extra(), ...data }`, and resolves once it is written.
   */
  function openEventStream(reply: FastifyReply, headers: Record<string, string>, extra: () => Record<string, unknown> = () => ({})) {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...headers });
    state.streamsStarted += 1;
    const write = (type: string, data: Record<string, unknown>) =>
      new Promise<void>((resolve) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...extra(), ...data })}\n\n`, () => resolve()));
    return { res, write };
  }

  /**
   * Ends a stream early as `stop` says, `finalDelayMs` after the last partial where one was sent: `dropMidStream` destroys the socket once what was written has reached the
   * client (a mid-stream drop, not a lost partial); `streamError` sends an `error` event (`errorData`) and ends.
   */
  async function endEarly(
    req: FastifyRequest,
    res: FastifyReply['raw'],
    stop: NonNullable<StreamStop>,
    write: (type: string, data: Record<string, unknown>) => Promise<void>,
    errorData: (f: Extract<OpenAiFault, { kind: 'streamError' }>) => Record<string, unknown>,
  ): Promise<void> {
    const rec = recordOf.get(req);
    if (rec) {
      rec.status = stop.fault.kind === 'dropMidStream' ? 0 : 200;
      rec.fault = stop.fault.kind;
    }
    // The end follows the last partial as the final image would (`finalDelayMs`).
    if (stop.after > 0) await delay(state.config.finalDelayMs, closing.signal);
    if (closing.signal.aborted || res.destroyed) return;
    if (stop.fault.kind === 'streamError') {
      await write('error', errorData(stop.fault));
      res.end();
      return;
    }
    await delay(30, closing.signal);
    res.socket?.destroy();
  }

  function imagesResponse(job: ImageJob, images: Buffer[]) {
    const data = images.map((bytes) => {
      if (state.config.outputMode === 'url') {
        const id = `${randomBytes(8).toString('hex')}.${job.format === 'jpeg' ? 'jpg' : job.format}`;
        state.files.set(id, { bytes, type: `image/${job.format}` });
        return { url: `${origin}/generated-images/${id}` };
      }
      return { b64_json: bytes.toString('base64') };
    });
    const body: Record<string, unknown> = {
      created: Math.floor(Date.now() / 1000),
      data,
      background: job.transparent ? 'transparent' : 'opaque',
      output_format: job.format,
      quality: job.quality,
      size: job.size,
    };
    if (state.config.usage) body['usage'] = usageFor(job);
    return body;
  }

  app.post(
    '/v1/images/generations',
    imageRoute('generations', async (req) => {
      const ct = headerOf(req, 'content-type') ?? '';
      if (!ct.toLowerCase().startsWith('application/json')) throw invalid('Expected a JSON body (Content-Type: application/json)', null, null);
      const body = req.body;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('The request body must be a JSON object', null, null);
      return parseJob(body as Record<string, unknown>, 'generations', []);
    }),
  );

  app.post(
    '/v1/images/edits',
    imageRoute('edits', async (req) => {
      const rec = recordOf.get(req);
      const ct = headerOf(req, 'content-type') ?? '';
      if (!ct.toLowerCase().startsWith('multipart/form-data') || !Buffer.isBuffer(req.body)) {
        throw invalid("Invalid Content-Type header (application/json), expected multipart/form-data. (HINT: If you're using curl, you can pass -F 'key=value' to send multipart form data.)", null, null);
      }
      let form: Awaited<ReturnType<Response['formData']>>;
      try {
        form = await new Response(req.body, { headers: { 'content-type': ct } }).formData();
      } catch {
        throw invalid('Could not parse multipart form', null, null);
      }
      const fields: Record<string, unknown> = {};
      const files: Array<{ field: string; file: File; bytes: Buffer }> = [];
      for (const [k, v] of form.entries()) {
        if (typeof v === 'string') {
          if (k in fields) throw invalid(`Duplicate parameter: '${k}'.`, k, 'duplicate_parameter');
          fields[k] = v;
        } else {
          const file = v as unknown as File;
          files.push({ field: k, file, bytes: Buffer.from(await file.arrayBuffer()) });
        }
      }
      const received: ReceivedFile[] = await Promise.all(
        files.map(async (f) => {
          const meta = await sharp(f.bytes).metadata().catch(() => undefined);
          return {
            field: f.field,
            fileName: f.file.name,
            declaredType: f.file.type,
            byteSize: f.bytes.length,
            width: meta?.width ?? null,
            height: meta?.height ?? null,
            sha256: createHash('sha256').update(f.bytes).digest('hex'),
          };
        }),
      );
      if (rec) {
        rec.body = {
          fields,
          images: received.filter((r) => r.field === 'image' || r.field === 'image[]'),
          mask: received.find((r) => r.field === 'mask') ?? null,
        };
      }
      for (const f of files) {
        if (f.field !== 'image' && f.field !== 'image[]' && f.field !== 'mask') {
          throw invalid(`Unknown parameter: '${f.field}'.`, f.field, 'unknown_parameter');
        }
      }
      const images = files.filter((f) => f.field === 'image' || f.field === 'image[]');
      const masks = files.filter((f) => f.field === 'mask');
      if (images.length === 0) throw invalid("Missing required parameter: 'image'.", 'image', 'missing_required_parameter');
      if (images.length > MAX_IMAGES) {
        throw invalid(`Invalid 'image': too many images. Expected at most ${MAX_IMAGES} images, but got ${images.length}.`, 'image', 'too_many_images');
      }
      if (masks.length > 1) throw invalid("Duplicate parameter: 'mask'.", 'mask', 'duplicate_parameter');
      const inputs: ImageJob['inputImages'] = [];
      for (const [i, img] of images.entries()) {
        const kind = sniff(img.bytes);
        if (!kind) {
          throw invalid(
            `Invalid file 'image[${i}]': unsupported image format. Supported formats are 'image/png', 'image/jpeg', and 'image/webp'.`,
            'image',
            'invalid_image_format',
          );
        }
        if (img.bytes.length >= MAX_IMAGE_BYTES) {
          throw invalid(`Invalid file 'image[${i}]': image too large. Each image must be less than 50MB.`, 'image', 'image_too_large');
        }
        const meta = await sharp(img.bytes).metadata().catch(() => undefined);
        if (!meta?.width || !meta.height) throw invalid(`Invalid file 'image[${i}]': the image could not be decoded.`, 'image', 'invalid_image');
        inputs.push({ bytes: img.bytes, width: meta.width, height: meta.height });
      }
      const mask = masks[0];
      if (mask) {
        if (sniff(mask.bytes) !== 'png') throw invalid("Invalid 'mask': the mask must be a PNG image.", 'mask', 'invalid_image_format');
        if (mask.bytes.length >= MAX_MASK_BYTES) throw invalid("Invalid 'mask': the mask must be less than 4MB.", 'mask', 'image_too_large');
        const meta = await sharp(mask.bytes).metadata().catch(() => undefined);
        const first = inputs[0] as ImageJob['inputImages'][number];
        if (!meta?.width || !meta.height) throw invalid("Invalid 'mask': the mask could not be decoded.", 'mask', 'invalid_image');
        if (meta.width !== first.width || meta.height !== first.height) {
          throw invalid(
            `Invalid 'mask': the mask (${meta.width}x${meta.height}) and the image (${first.width}x${first.height}) must have the same dimensions.`,
            'mask',
            'invalid_mask',
          );
        }
        if (!meta.hasAlpha) throw invalid("Invalid 'mask': the mask must have an alpha channel.", 'mask', 'invalid_mask');
      }
      return parseJob(fields, 'edits', inputs);
    }),
  );

  // ----- POST /v1/responses --------------------------------------------------------------------------------------

  app.post('/v1/responses', { bodyLimit: maxBodyBytes }, async (req, reply) => {
    try {
      const before = state.takeFault('responses', false);
      if (before && (await applyFault(req, reply, before))) return reply;
      if (closing.signal.aborted) return reply;
      const key = authenticate(req);
      const ct = headerOf(req, 'content-type') ?? '';
      if (!ct.toLowerCase().startsWith('application/json')) throw invalid('Expected a JSON body (Content-Type: application/json)', null, null);
      const body = req.body;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('The request body must be a JSON object', null, null);
      const r = await parseResponsesRequest(body as Record<string, unknown>, key);
      checkAccount(key, r.job.model);
      if (r.job.prompt.includes(state.config.moderationMarker)) {
        throw new OpenAiHttpError(400, 'Your request was rejected by the safety system.', 'image_generation_user_error', null, 'moderation_blocked');
      }
      await delay(state.config.processingDelayMs, closing.signal);
      if (closing.signal.aborted) return reply;
      const image = r.previous ? await deriveImage(r.previous.image, r.job, state.config.maxRenderEdge) : await renderImage(r.job, 1, state.config.maxRenderEdge);
      state.imagesGenerated += 1;
      const after = state.takeFault('responses', true);
      const stop = r.job.stream ? streamStopOf(after) : null;
      if (after && stop === null && (await applyFault(req, reply, after, r.job))) return reply;
      const id = `resp_${randomBytes(24).toString('hex')}`;
      const imageCallId = `ig_${randomBytes(24).toString('hex')}`;
      state.responses.set(id, { key: key?.key ?? null, image, previousResponseId: r.previousResponseId, imageCallId });
      state.responsesCompleted += 1;
      if (r.previous) state.responsesContinued += 1;
      const textIn = Math.max(1, Math.ceil(r.job.prompt.length / 4));
      const out: Record<string, unknown> = {
        id,
        object: 'response',
        created_at: Math.floor(Date.now() / 1000),
        status: 'completed',
        model: r.mainline,
        previous_response_id: r.previousResponseId,
        output: [{ type: 'image_generation_call', id: imageCallId, status: 'completed', result: image.toString('base64') }],
      };
      if (state.config.usage) {
        // The mainline model's own tokens (text), and the tool's image-model usage, Images-API shaped.
        out['usage'] = {
          input_tokens: textIn + 60,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: 40,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: textIn + 100,
        };
        out['tool_usage'] = { image_gen: usageFor(r.job) };
      }
      if (r.job.stream) {
        await streamResponse(req, reply, out, image, r.job, imageCallId, stop, badPartialOf(after));
        return reply;
      }
      return sendJson(req, reply, 200, out);
    } catch (e) {
      if (e instanceof OpenAiHttpError) return sendError(req, reply, e);
      throw e;
    }
  });

  /** Validates a Responses request (see the module doc) and resolves the image job it asks for. */
  async function parseResponsesRequest(raw: Record<string, unknown>, key: KeyState | null) {
    for (const k of Object.keys(raw)) {
      if (!RESPONSES_FIELDS.has(k)) throw invalid(`Unknown parameter: '${k}'.`, k, 'unknown_parameter');
    }
    const mainline = raw['model'];
    if (typeof mainline !== 'string' || mainline.length === 0) throw invalid("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
    if (mainline.startsWith('gpt-image')) {
      throw invalid(`The model '${mainline}' is not supported with the Responses API; use a mainline model with the image_generation tool.`, 'model', 'invalid_value');
    }
    const tools = raw['tools'];
    if (!Array.isArray(tools) || tools.length !== 1) throw invalid("Invalid 'tools': expected exactly one image_generation tool.", 'tools', 'invalid_value');
    const tool = tools[0] as Record<string, unknown> | null;
    if (!tool || typeof tool !== 'object' || tool['type'] !== 'image_generation') {
      throw invalid("Invalid 'tools[0].type': expected 'image_generation'.", 'tools[0].type', 'invalid_value');
    }
    for (const k of Object.keys(tool)) {
      if (!TOOL_FIELDS.has(k)) throw invalid(`Unknown parameter: 'tools[0].${k}'.`, `tools[0].${k}`, 'unknown_parameter');
    }
    const toolModel = tool['model'] ?? 'gpt-image-1';
    if (typeof toolModel !== 'string' || !['gpt-image-2', 'gpt-image-1.5', 'gpt-image-1'].includes(toolModel)) {
      throw invalid(`Invalid 'tools[0].model': '${String(toolModel)}'.`, 'tools[0].model', 'invalid_value');
    }
    const action = tool['action'] ?? 'auto';
    if (typeof action !== 'string' || !['generate', 'edit', 'auto'].includes(action)) throw invalid(`Invalid 'tools[0].action'.`, 'tools[0].action', 'invalid_value');
    const tc = raw['tool_choice'];
    if (tc !== undefined && !(tc === 'auto' || tc === 'required' || (typeof tc === 'object' && tc !== null && (tc as { type?: unknown }).type === 'image_generation'))) {
      throw invalid("Invalid 'tool_choice'.", 'tool_choice', 'invalid_value');
    }
    if (raw['store'] === false && raw['previous_response_id'] !== undefined) throw invalid("'previous_response_id' needs stored responses.", 'store', 'invalid_value');
    // input: a string, or one user message of input_text / input_image parts
    const input = raw['input'];
    const texts: string[] = [];
    const images: ImageJob['inputImages'] = [];
    if (typeof input === 'string') texts.push(input);
    else if (Array.isArray(input) && input.length > 0) {
      for (const [i, msg] of input.entries()) {
        const m = msg as { role?: unknown; content?: unknown; type?: unknown } | null;
        if (!m || typeof m !== 'object' || m.role !== 'user' || (m.type !== undefined && m.type !== 'message')) {
          throw invalid(`Invalid 'input[${i}]': expected a user message.`, `input[${i}]`, 'invalid_value');
        }
        const parts = typeof m.content === 'string' ? [{ type: 'input_text', text: m.content }] : m.content;
        if (!Array.isArray(parts) || parts.length === 0) throw invalid(`Invalid 'input[${i}].content'.`, `input[${i}].content`, 'invalid_value');
        for (const [j, part] of parts.entries()) {
          const pt = part as { type?: unknown; text?: unknown; image_url?: unknown } | null;
          const where = `input[${i}].content[${j}]`;
          if (pt?.type === 'input_text' && typeof pt.text === 'string') texts.push(pt.text);
          else if (pt?.type === 'input_image' && typeof pt.image_url === 'string') {
            const d = /^data:image\/(png|jpeg|webp);base64,(.+)$/s.exec(pt.image_url);
            if (!d) throw invalid(`Invalid '${where}.image_url': expected a base64 data URL.`, `${where}.image_url`, 'invalid_image_url');
            const bytes = Buffer.from(d[2] as string, 'base64');
            const meta = sniff(bytes) ? await sharp(bytes).metadata().catch(() => undefined) : undefined;
            if (!meta?.width || !meta.height) throw invalid(`Invalid '${where}.image_url': the image could not be decoded.`, `${where}.image_url`, 'invalid_image');
            images.push({ bytes, width: meta.width, height: meta.height });
          } else throw invalid(`Invalid '${where}': expected input_text or input_image.`, where, 'invalid_value');
        }
      }
    } else throw invalid("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
    const prevId = raw['previous_response_id'];
    let previous: { image: Buffer } | null = null;
    if (prevId !== undefined && prevId !== null) {
      const found = typeof prevId === 'string' ? state.responses.get(prevId) : undefined;
      if (!found || found.key !== (key?.key ?? null)) {
        throw invalid(`Previous response with id '${String(prevId)}' not found.`, 'previous_response_id', 'previous_response_not_found');
      }
      previous = found;
    }
    if (action === 'edit' && !previous && images.length === 0) {
      throw invalid('The image_generation tool was asked to edit, but there is no image in the context.', 'tools[0].action', 'invalid_value');
    }
    const fields: Record<string, unknown> = { model: toolModel, prompt: texts.join('\n') };
    for (const k of ['size', 'quality', 'background', 'output_format', 'output_compression', 'moderation', 'partial_images'] as const) {
      if (tool[k] !== undefined) fields[k] = tool[k];
    }
    const fidelity = tool['input_fidelity'];
    if (fidelity !== undefined && fidelity !== null) {
      if (!RULES[toolModel as KnownModel].inputFidelity) {
        throw invalid(`Invalid parameter: 'input_fidelity' is not supported for model '${toolModel}'.`, 'tools[0].input_fidelity', 'unsupported_parameter');
      }
      if (fidelity !== 'low' && fidelity !== 'high') throw invalid(`Invalid 'tools[0].input_fidelity'.`, 'tools[0].input_fidelity', 'invalid_value');
    }
    const mask = tool['input_image_mask'] as { image_url?: unknown } | undefined;
    if (mask !== undefined && (typeof mask !== 'object' || mask === null || typeof mask.image_url !== 'string' || !mask.image_url.startsWith('data:image/png;base64,'))) {
      throw invalid("Invalid 'tools[0].input_image_mask': expected { image_url: PNG data URL }.", 'tools[0].input_image_mask', 'invalid_value');
    }
    const job = parseJob(fields, 'generations', previous ? [] : images);
    const stream = raw['stream'];
    if (stream !== undefined && typeof stream !== 'boolean') throw invalid("Invalid type for 'stream': expected a boolean.", 'stream', 'invalid_type');
    if (stream === true) {
      job.stream = true;
      job.partials = typeof tool['partial_images'] === 'number' ? tool['partial_images'] : 0;
    }
    return { job, mainline, previous, previousResponseId: typeof prevId === 'string' ? prevId : null };
  }

  // ----- GET /v1/models -------------------------------------------------------------------------------------------

  app.get('/v1/models', async (req, reply) => {
    try {
      const before = state.takeFault('models', false);
      if (before && (await applyFault(req, reply, before))) return reply;
      authenticate(req);
      if (!state.config.modelsEndpoint) throw new OpenAiHttpError(404, 'Not Found', 'invalid_request_error', null, null);
      const ids = [...Object.keys(RULES), ...Object.keys(state.config.customModels)];
      return sendJson(req, reply, 200, {
        object: 'list',
        data: ids.map((id) => ({ id, object: 'model', created: 1_745_000_000, owned_by: id.startsWith('gpt') ? 'system' : 'user' })),
      });
    } catch (e) {
      if (e instanceof OpenAiHttpError) return sendError(req, reply, e);
      throw e;
    }
  });

  // ----- URL outputs (compatible mode) ------------------------------------------------------------------------------

  app.get('/generated-images/:file', async (req, reply) => {
    const before = state.takeFault('files', false);
    if (before && (await applyFault(req, reply, before))) return reply;
    const f = state.files.get((req.params as { file: string }).file);
    if (!f) return reply.code(404).type('text/plain').send('404 page not found');
    return reply.code(200).type(f.type).send(f.bytes);
  });

  // ----- control API (CLI) ------------------------------------------------------------------------------------------

  if (opts.controlApi) {
    app.get('/__control/state', async () => ({
      imagesGenerated: state.imagesGenerated,
      callsCompleted: state.callsCompleted,
      config: state.config,
      pendingFaults: state.pendingFaults(),
      requests: state.requests.map((r) => ({ ...r, headers: redactHeaders(r.headers) })),
    }));
    registerFaultControl(app, state, OPENAI_ROUTES);
    app.post('/__control/config', async (req) => {
      const b = (req.body ?? {}) as Partial<OpenAiServerConfig>;
      applyConfig(state.config, b);
      return { ok: true, config: state.config };
    });
  }

  // ----- request parsing --------------------------------------------------------------------------------------------

  /** Validates the fields of a generations/edits request (strings for multipart) and resolves the job. */
  function parseJob(raw: Record<string, unknown>, route: 'generations' | 'edits', inputs: ImageJob['inputImages']): ImageJob {
    const multipart = route === 'edits';
    const allowed = route === 'generations' ? GENERATION_FIELDS : EDIT_FIELDS;
    for (const k of Object.keys(raw)) {
      if (!allowed.has(k)) throw invalid(`Unknown parameter: '${k}'.`, k, 'unknown_parameter');
    }
    const str = (k: string): string | undefined => {
      const v = raw[k];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'string') throw invalid(`Invalid type for '${k}': expected a string, but got ${typeName(v)} instead.`, k, 'invalid_type');
      return v;
    };
    const int = (k: string): number | undefined => {
      const v = raw[k];
      if (v === undefined || v === null) return undefined;
      const n = multipart && typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n)) {
        throw invalid(`Invalid type for '${k}': expected an integer, but got ${typeName(v)} instead.`, k, 'invalid_type');
      }
      return n;
    };
    const bounded = (k: string, v: number | undefined, min: number, max: number): number | undefined => {
      if (v === undefined) return undefined;
      if (v < min) throw invalid(`Invalid '${k}': integer below minimum value. Expected a value >= ${min}, but got ${v} instead.`, k, 'integer_below_min_value');
      if (v > max) throw invalid(`Invalid '${k}': integer above maximum value. Expected a value <= ${max}, but got ${v} instead.`, k, 'integer_above_max_value');
      return v;
    };
    const oneOf = <T extends string>(k: string, values: readonly T[]): T | undefined => {
      const v = str(k);
      if (v === undefined) return undefined;
      if (!(values as readonly string[]).includes(v)) {
        throw invalid(`Invalid value: '${v}'. Supported values are: ${supported(values)}.`, k, 'invalid_value');
      }
      return v as T;
    };

    const model = str('model');
    if (model === undefined) {
      // The real API would fall back to dall-e-2 (retired); a client must always name the model.
      throw invalid("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
    }
    const base = (RULES as Record<string, ModelRules>)[model] ? (model as KnownModel) : state.config.customModels[model];
    if (!base) {
      throw new OpenAiHttpError(404, `The model \`${model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model', 'model_not_found');
    }
    const rules = RULES[base];
    const prompt = str('prompt');
    if (prompt === undefined || prompt.length === 0) throw invalid("Missing required parameter: 'prompt'.", 'prompt', 'missing_required_parameter');
    // "32000 characters" (openai-node `prompt` doc), read as Unicode code points, not UTF-16 units.
    const chars = [...prompt].length;
    if (chars > MAX_PROMPT) {
      throw invalid(
        `Invalid 'prompt': string too long. Expected a string with maximum length ${MAX_PROMPT}, but got a string with length ${chars} instead.`,
        'prompt',
        'string_above_max_length',
      );
    }
    const n = bounded('n', int('n'), 1, 10) ?? 1;
    const qualities = multipart ? (['standard', 'low', 'medium', 'high', 'auto'] as const) : (['low', 'medium', 'high', 'auto'] as const);
    const quality = oneOf('quality', qualities) ?? 'auto';
    const background = oneOf('background', ['transparent', 'opaque', 'auto'] as const) ?? 'auto';
    const format = oneOf('output_format', ['png', 'jpeg', 'webp'] as const) ?? 'png';
    const compression = bounded('output_compression', int('output_compression'), 0, 100);
    if (!multipart) oneOf('moderation', ['low', 'auto'] as const);
    const fidelity = oneOf('input_fidelity', ['high', 'low'] as const);
    const partial = bounded('partial_images', int('partial_images'), 0, 3);
    const streamRaw = raw['stream'];
    if (streamRaw !== undefined && streamRaw !== null && typeof streamRaw !== 'boolean' && !(multipart && (streamRaw === 'true' || streamRaw === 'false'))) {
      throw invalid(`Invalid type for 'stream': expected a boolean, but got ${typeName(streamRaw)} instead.`, 'stream', 'invalid_type');
    }
    const stream = streamRaw === true || streamRaw === 'true';

    if (fidelity !== undefined && !rules.inputFidelity) {
      throw invalid(`Invalid parameter: 'input_fidelity' is not supported for model '${model}'.`, 'input_fidelity', 'unsupported_parameter');
    }
    if (background === 'transparent') {
      if (rules.transparent === 'gpt-image-2' && state.config.gptImage2Transparent === 'reject') {
        throw invalid(`Transparent background is not supported for model '${model}'.`, 'background', 'unsupported_value');
      }
      if (format === 'jpeg') {
        throw invalid("Transparent background requires output_format 'png' or 'webp'.", 'background', 'invalid_value');
      }
    }
    if (format === 'png' && compression !== undefined && compression < 100) {
      throw invalid("Invalid 'output_compression': compression below 100 is only supported for 'jpeg' and 'webp' output formats.", 'output_compression', 'invalid_value');
    }

    const sizeRaw = str('size') ?? 'auto';
    let width = 1024;
    let height = 1024;
    if (rules.sizes === 'flexible') {
      if (sizeRaw !== 'auto') {
        const m = /^(\d+)x(\d+)$/.exec(sizeRaw);
        if (!m) throw invalid(`Invalid value: '${sizeRaw}'. Expected 'auto' or '<width>x<height>'.`, 'size', 'invalid_value');
        width = Number(m[1]);
        height = Number(m[2]);
        const problem = gptImage2SizeProblem(width, height);
        if (problem) throw invalid(`Invalid size '${sizeRaw}': ${problem}.`, 'size', 'invalid_value');
      }
    } else {
      if (!rules.sizes.includes(sizeRaw)) {
        throw invalid(`Invalid value: '${sizeRaw}'. Supported values are: ${supported(rules.sizes)}.`, 'size', 'invalid_value');
      }
      if (sizeRaw !== 'auto') [width, height] = sizeRaw.split('x').map(Number) as [number, number];
    }
    const size = sizeRaw === 'auto' ? `${width}x${height}` : sizeRaw;
    const q: ImageJob['quality'] = quality === 'low' || quality === 'high' ? quality : 'medium';
    return {
      model,
      rules,
      prompt,
      n,
      size,
      width,
      height,
      quality: q,
      format,
      compression: compression ?? 100,
      transparent: background === 'transparent',
      inputImages: inputs,
      stream,
      // `partial_images` defaults to 0; without `stream` it does nothing.
      partials: stream ? (partial ?? 0) : 0,
    };
  }

  const { url, port } = await listenLocal(app, opts.port);
  origin = url;

  return { url: origin, baseUrl: `${origin}/v1`, port, state, close: closer(app, closing) };
}

// ---------------------------------------------------------------------------------------------------------------
// Rules, rendering, usage
// ---------------------------------------------------------------------------------------------------------------

/**
 * The first gpt-image-2 size rule `width`×`height` (px) breaks, in words, or null when it is fine. Written from
 * openai-node's `size` doc independently of the app's `checkGptImage2Size`.
 */
export function gptImage2SizeProblem(width: number, height: number): string | null {
  if (width <= 0 || height <= 0) return 'width and height must be positive';
  if (width % 16 !== 0 || height % 16 !== 0) return 'both edges must be multiples of 16';
  if (Math.max(width, height) > 3 * Math.min(width, height)) return 'the aspect ratio must be between 1:3 and 3:1';
  if (width > 3840 || height > 3840) return 'the longest edge must be at most 3840';
  const px = width * height;
  if (px < 655_360) return 'the image must have at least 655360 pixels';
  if (px > 8_294_400) return 'the image must have at most 8294400 pixels';
  return null;
}

/** Rendered size (px) for a requested size: the same, or scaled down so the long edge is `maxEdge`. */
export function renderSize(width: number, height: number, maxEdge: number): { width: number; height: number } {
  const long = Math.max(width, height);
  if (long <= maxEdge) return { width, height };
  const f = maxEdge / long;
  return { width: Math.max(1, Math.round(width * f)), height: Math.max(1, Math.round(height * f)) };
}

/** Box (top-left corner, px) the first input image of an edit is composited into. */
export const REFERENCE_BOX = { left: 8, top: 8, size: 96 } as const;

async function renderImage(job: ImageJob, index: number, maxEdge: number): Promise<Buffer> {
  const { width, height } = renderSize(job.width, job.height, maxEdge);
  // Blue/green backgrounds only (red ≤ 100), so a red input image is easy to detect; varies by prompt and index.
  const h = createHash('sha256').update(`${job.prompt}:${index}:${randomBytes(4).toString('hex')}`).digest();
  const bg = { r: (h[0] as number) % 100, g: 100 + ((h[1] as number) % 156), b: 100 + ((h[2] as number) % 156) };
  const stripeH = Math.max(4, Math.round(height / 16));
  const composites: OverlayOptions[] = [
    {
      input: { create: { width: Math.max(1, Math.round((width * index) / (job.n + 1))), height: stripeH, channels: 4, background: { r: 255, g: 255, b: 255, alpha: 1 } } },
      left: 0,
      top: height - stripeH,
    },
  ];
  const ref = job.inputImages[0];
  if (ref) {
    const box = Math.min(REFERENCE_BOX.size, width - REFERENCE_BOX.left, height - REFERENCE_BOX.top);
    if (box > 0) {
      const thumb = await sharp(ref.bytes).resize(box, box, { fit: 'inside' }).png().toBuffer();
      composites.push({ input: thumb, left: REFERENCE_BOX.left, top: REFERENCE_BOX.top });
    }
  }
  const img = sharp({ create: { width, height, channels: 4, background: { ...bg, alpha: job.transparent ? 0 : 1 } } }).composite(composites);
  if (job.format === 'png') return img.png().toBuffer();
  if (job.format === 'webp') return img.webp({ quality: Math.max(1, job.compression), alphaQuality: 100 }).toBuffer();
  return img.flatten({ background: bg }).jpeg({ quality: Math.max(1, job.compression) }).toBuffer();
}

/**
 * A Responses step continuing a previous response: that response's image scaled to the job's size with a white
 * bar across its top eighth, in the job's format.
 */
async function deriveImage(previous: Buffer, job: ImageJob, maxEdge: number): Promise<Buffer> {
  const { width, height } = renderSize(job.width, job.height, maxEdge);
  const barH = Math.max(2, Math.round(height / 8));
  const img = sharp(await sharp(previous).resize(width, height, { fit: 'fill' }).png().toBuffer()).composite([
    { input: { create: { width, height: barH, channels: 4, background: { r: 255, g: 255, b: 255, alpha: 1 } } }, left: 0, top: 0 },
  ]);
  if (job.format === 'png') return img.png().toBuffer();
  if (job.format === 'webp') return img.webp({ quality: Math.max(1, job.compression) }).toBuffer();
  return img.flatten({ background: { r: 255, g: 255, b: 255 } }).jpeg({ quality: Math.max(1, job.compression) }).toBuffer();
}

/** A partial preview of `image`: the same picture blurred with `sigma` (px), in the job's format. */
async function blurred(image: Buffer, job: ImageJob, sigma: number): Promise<Buffer> {
  const img = sharp(image).blur(Math.max(0.3, sigma));
  if (job.format === 'png') return img.png().toBuffer();
  if (job.format === 'webp') return img.webp({ quality: 60 }).toBuffer();
  return img.jpeg({ quality: 60 }).toBuffer();
}

/** Plausible token usage for a job (see the module doc). */
export function usageFor(job: Pick<ImageJob, 'prompt' | 'n' | 'width' | 'height' | 'quality' | 'inputImages'>) {
  const perImage = Math.round(OUTPUT_TOKENS_PER_1024[job.quality] * ((job.width * job.height) / (1024 * 1024)));
  const imageOut = perImage * job.n;
  const textIn = Math.max(1, Math.ceil(job.prompt.length / 4));
  const imageIn = job.inputImages.reduce((sum, img) => {
    const f = Math.min(1, 2048 / Math.max(img.width, img.height));
    return sum + 85 + 170 * Math.ceil((img.width * f) / 512) * Math.ceil((img.height * f) / 512);
  }, 0);
  return {
    input_tokens: textIn + imageIn,
    output_tokens: imageOut,
    total_tokens: textIn + imageIn + imageOut,
    input_tokens_details: { text_tokens: textIn, image_tokens: imageIn },
    output_tokens_details: { text_tokens: 0, image_tokens: imageOut },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------------

/** What the `html` fault answers (a proxy's error page). */
const HTML_ERROR_PAGE =
  '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>';

function routeOf(method: string, url: string): OpenAiRoute | 'other' {
  const path = url.split('?')[0] ?? '';
  if (method === 'POST' && path === '/v1/images/generations') return 'generations';
  if (method === 'POST' && path === '/v1/images/edits') return 'edits';
  if (method === 'GET' && path === '/v1/models') return 'models';
  if (method === 'POST' && path === '/v1/responses') return 'responses';
  if (method === 'GET' && path.startsWith('/generated-images/')) return 'files';
  return 'other';
}

function sniff(b: Buffer): 'png' | 'jpeg' | 'webp' | null {
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return null;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a decimal';
  if (typeof v === 'boolean') return 'a boolean';
  return 'an object';
}

function headerOf(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function defaultMessage(status: number): string {
  if (status === 429) return 'Rate limit reached for gpt-image-1 in organization org-test on images per minute (IPM): Limit 5, Used 5, Requested 1. Please try again in 12s.';
  if (status === 503) return 'The engine is currently overloaded, please try again later.';
  if (status === 502) return 'Bad gateway.';
  if (status >= 500) return 'The server had an error while processing your request. Sorry about that!';
  return `HTTP ${status}`;
}

function defaultType(status: number): string {
  if (status === 429) return 'requests';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function defaultCode(status: number): string | null {
  return status === 429 ? 'rate_limit_exceeded' : null;
}

function redactHeaders(h: Record<string, string | string[] | undefined>): Record<string, string | string[] | undefined> {
  return redactHeader(h, 'authorization');
}

/** {@link commonDelay}, resolving at once for `ms <= 0` (the default processing delay). */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  return ms <= 0 ? Promise.resolve() : commonDelay(ms, signal);
}
