/**
 * OpenAI Images API HTTP client (undici): `POST /images/generations` (JSON), `POST /images/edits` (multipart),
 * `POST /responses` (JSON, the `image_generation` tool for chain steps), `GET /models`, and a plain GET for `url` outputs of OpenAI-compatible servers. The only code in Atelier that
 * speaks OpenAI's wire protocol. {@link OpenAiClient} is the one provider client (../client.ts) driven by OpenAI's
 * description (./provider.ts), with its wire schemas in ./schemas.ts, its request builders and checks in
 * ./requests.ts and its status-to-error table in ./errors.ts.
 *
 * Why undici and not the official `openai` package:
 * - One HTTP stack in the main process (the Apiframe client, downloads and the test servers all use undici), so
 *   timeouts, abort signals, dispatchers (MockAgent, proxies) and size caps behave the same everywhere.
 * - The SDK's retry policy resends 5xx / network / timeout failures of a POST. The Images API has no idempotency
 *   key, so such a resend can pay twice for one job; here a POST is only retried on 429.
 * - The SDK buffers replies without a size cap and its errors would still need mapping to {@link AppError}; we need
 *   both the cap (a reply carries up to 10 base64 images) and our own error codes anyway.
 * - It adds no dependency to the app bundle. The wire is small: two POSTs and a GET.
 *
 * Sources: OpenAI's API reference (https://platform.openai.com/docs/api-reference/images,
 * https://platform.openai.com/docs/api-reference/responses), its image-generation guide
 * (https://developers.openai.com/api/docs/guides/image-generation), openai-node
 * (https://github.com/openai/openai-node @ 7b7d6ca: `src/resources/images.ts`, `src/resources/responses/responses.ts`,
 * `internal/uploads.ts`, `core/error.ts`), OpenAI's error-code guide
 * (https://platform.openai.com/docs/guides/error-codes) for 429 `insufficient_quota` (billing: retrying never helps; see also
 * learn.microsoft.com dev-proxy "openai-insufficient-quota"). The API key only ever goes into the `Authorization`
 * header: never into messages, errors or logs.
 */
import { FormData } from 'undici';
import { AppError } from '@shared/errors';
import type { OpenAiImageUsage } from '@shared/providers/openai';
import { readImageHeader } from '../../library/inspect';
import { ProviderHttpClient } from '../client';
import { isEventStream, isHttpUrl, parseJsonReply, type HttpClientOptions, type HttpReply, type HttpRetryInfo, type SseEvent } from '../http';
import { errorFromReply } from './errors';
import { OPENAI, OPENAI_ENDPOINTS as EP, OPENAI_MAX_DOWNLOAD_BYTES, OPENAI_MAX_RESPONSE_BYTES, type OpenAiHost } from './provider';
import { validateEditForm, validateGenerationsBody, validateResponsesBody } from './requests';
import { ImageStreamEventSchema } from './schemas';
import type {
  GenerationsBody,
  ImageStreamEvent,
  ImagesResponse,
  ResponsesReply,
  OpenAiEditForm,
  OpenAiImageFile,
  OpenAiImagesResult,
  OpenAiOutput,
  OpenAiResponsesResult,
  ResponsesBody,
} from './schemas';

export * from './schemas';
export * from './requests';
export * from './errors';
export * from './provider';
export { isHttpUrl } from '../http';

/** Information passed to {@link OpenAiClientOptions.onRetry} before each retry sleep (shape: {@link HttpRetryInfo}; no key). */
export type OpenAiRetryInfo = HttpRetryInfo;

/**
 * Construction options of {@link OpenAiClient}. Durations in ms, sizes in bytes. The transport options are those
 * of {@link HttpClientOptions}, with OpenAI's defaults: `timeoutMs` 300 000, `maxRetries` 2, `backoffBaseMs` 500,
 * `backoffCapMs` 8 000 (SDK: 0.5 s … 8 s), `maxRetryAfterMs` 60 000, `userAgent` `Atelier (openai-client)`.
 */
export interface OpenAiClientOptions extends HttpClientOptions {
  /** `sk-…` key sent as `Authorization: Bearer`; null for a compatible server without auth. */
  apiKey: string | null;
  /** Base URL including the version path, without trailing slash; default {@link OPENAI_DEFAULT_BASE_URL}. */
  baseUrl?: string;
  /** Reply size cap; default {@link OPENAI_MAX_RESPONSE_BYTES}. */
  maxResponseBytes?: number;
  /** Accept `data[].url` outputs instead of `b64_json` (OpenAI-compatible servers). Default false. */
  allowUrlOutputs?: boolean;
  /** Wording of messages ("OpenAI" or e.g. "OpenAI-compatible server"). */
  label?: string;
}

/** Per-call options. */
export interface OpenAiCallOptions {
  /** Aborts the call (and a retry sleep); surfaces as AppError `canceled`. */
  signal?: AbortSignal;
}

/** Options of a generations or edits call, which may stream (a body with `stream: true`). */
export interface OpenAiImageCallOptions extends OpenAiCallOptions {
  /** Each partial preview of a streamed call, decoded and checked, in the order it arrives. */
  onPartial?: (partial: { index: number; bytes: Uint8Array; mime: 'image/png' | 'image/jpeg' | 'image/webp' }) => void;
}

/**
 * OpenAI Images client. One instance per key and base URL; cheap to create.
 *
 * Retry policy: a 429 (rate limit) is retried up to `maxRetries` times, sleeping `retry-after-ms` (ms) or
 * `Retry-After` (seconds or HTTP date) when given — or throwing at once when that is over `maxRetryAfterMs` — and a
 * jittered backoff otherwise. A 429 `insufficient_quota` is never retried. 5xx, network failures and timeouts of
 * the two POSTs are **never** retried (the Images API has no idempotency key; a resend may pay twice); those of
 * `GET /models` and downloads are.
 *
 * Error mapping (every failure is an {@link AppError}; `status` set when a reply arrived, `providerMessage` from
 * `error.message`, `details` keyed by `error.param`):
 * 400 → `provider_rejected` (code `moderation_blocked`: `params.reason`, and `details` `moderation_stage` /
 * `categories` from `moderation_details`), 401 → `provider_auth`, 403 → `provider_forbidden`, 404 →
 * `provider_not_found`, 409 → `provider_conflict`, 422 and other 4xx → `provider_rejected`, 429 → `rate_limited`
 * (`retryAfterMs`) or, for type/code `insufficient_quota` and its billing codes, `insufficient_credits` (not
 * retryable), ≥ 500 → `provider_unavailable`, no reply within `timeoutMs` → `timeout`, refused / reset / dropped
 * connection → `network`, a 2xx body that is not JSON, fails its schema, or carries base64 that is not a PNG/JPEG/WebP
 * → `provider_bad_response`, the caller's signal → `canceled`.
 */
export class OpenAiClient extends ProviderHttpClient<OpenAiHost> {
  private readonly maxResponseBytes: number;
  private readonly allowUrlOutputs: boolean;
  /** Per-attempt timeout, ms (also in {@link http}; kept as a field, which tests read). */
  private readonly timeoutMs: number;

  /**
   * @throws AppError `provider_auth` when the key holds characters that cannot go in a header (never echoed),
   *   `validation` when `baseUrl` is not an http(s) URL.
   */
  constructor(opts: OpenAiClientOptions) {
    const label = opts.label ?? OPENAI.label;
    super(OPENAI, { ...opts, label, baseUrls: { api: opts.baseUrl } }, (status, headers, text, what) =>
      errorFromReply(status, headers, text, what, label),
    );
    this.maxResponseBytes = opts.maxResponseBytes ?? OPENAI_MAX_RESPONSE_BYTES;
    this.allowUrlOutputs = opts.allowUrlOutputs ?? false;
    this.timeoutMs = this.http.timeoutMs;
  }

  /**
   * `POST {base}/images/generations` with a JSON body, checked first by {@link validateGenerationsBody}.
   * @returns the parsed ImagesResponse plus `outputs` (decoded, type-checked images in `data` order).
   * @throws AppError — see the class doc; `validation` / `prompt_too_long` before anything is sent.
   */
  async generate(body: GenerationsBody, opts: OpenAiImageCallOptions = {}): Promise<OpenAiImagesResult> {
    const json = validateGenerationsBody(body);
    if (json.stream === true) {
      return this.streamed('image_generation', (sse) => this.send(EP.generations, { json, maxBytes: this.maxResponseBytes, signal: opts.signal, sse }), opts);
    }
    const reply = await this.send(EP.generations, { json, maxBytes: this.maxResponseBytes, signal: opts.signal });
    return this.imagesResult(reply);
  }

  /**
   * `POST {base}/images/edits` as multipart/form-data: `model`, `prompt`, the other fields as text parts, then each
   * image as an `image[]` file part (1–16, in order) and the optional `mask` file part. Checked first by
   * {@link validateEditForm}.
   * @returns as {@link generate}.
   * @throws AppError — see the class doc; `validation` / `bad_file` / `prompt_too_long` before anything is sent.
   */
  async edit(form: OpenAiEditForm, opts: OpenAiImageCallOptions = {}): Promise<OpenAiImagesResult> {
    const checked = validateEditForm(form);
    const build = (): FormData => {
      const fd = new FormData();
      for (const [k, v] of Object.entries(checked.fields)) if (v !== undefined) fd.append(k, String(v));
      for (const img of checked.images) fd.append('image[]', blobOf(img), img.name);
      if (checked.mask) fd.append('mask', blobOf(checked.mask), checked.mask.name);
      return fd;
    };
    if (checked.fields.stream === true) {
      return this.streamed('image_edit', (sse) => this.send(EP.edits, { form: build, maxBytes: this.maxResponseBytes, signal: opts.signal, sse }), opts);
    }
    const reply = await this.send(EP.edits, { form: build, maxBytes: this.maxResponseBytes, signal: opts.signal });
    return this.imagesResult(reply);
  }

  /**
   * Reads a streamed image call (https://platform.openai.com/docs/api-reference/images-streaming): each
   * `<prefix>.partial_image` event (`b64_json`, `partial_image_index`) is decoded and handed to `opts.onPartial` (one that is no image is skipped);
   * each `<prefix>.completed` event is one final image, with the echoed fields and `usage` (summed over several).
   * An `error` event is the provider's failure; a stream that ends without a completed image is a dropped
   * connection (`network`): the call may have run, so it is never resent. A 2xx reply that is not an event stream
   * (a server that ignores `stream`, or an error page) is read as an ordinary ImagesResponse.
   * @throws AppError `provider_bad_response` for an event that is not JSON or fails its schema, or an image that is
   *   not PNG/JPEG/WebP; `provider_unavailable` for an `error` event (with `providerMessage`); `network` as above.
   */
  private async streamed(
    prefix: 'image_generation' | 'image_edit',
    send: (sse: (e: SseEvent) => void) => Promise<HttpReply>,
    opts: OpenAiImageCallOptions,
  ): Promise<OpenAiImagesResult> {
    const finals: ImageStreamEvent[] = [];
    const reply = await send((e) => {
      const { type, raw } = this.streamEvent(e);
      if (type === `${prefix}.partial_image`) {
        const r = ImageStreamEventSchema.safeParse(raw);
        if (r.success) handPartial(r.data.b64_json, r.data.partial_image_index ?? 0, opts);
        return;
      }
      if (type !== `${prefix}.completed`) return;
      const r = ImageStreamEventSchema.safeParse(raw);
      if (!r.success || typeof r.data.b64_json !== 'string' || r.data.b64_json.length === 0) {
        throw new AppError('provider_bad_response', `${this.label} ${type} event has no b64_json image`);
      }
      finals.push(r.data);
    });
    // A server that ignores `stream` answers one JSON ImagesResponse: read it as such.
    if (!isEventStream(reply.headers)) return this.imagesResult(reply);
    const last = finals[finals.length - 1];
    if (!last) {
      throw new AppError('network', `${this.label} stream ended before ${prefix}.completed; the image may have been made and charged`, {
        status: reply.status,
      });
    }
    const outputs = finals.map((f, i) => decodeImage(f.b64_json as string, i, this.label));
    const usages = finals.map((f) => f.usage).filter((u): u is NonNullable<typeof u> => !!u);
    return {
      created: last.created_at ?? Math.floor(Date.now() / 1000),
      data: finals.map((f) => ({ b64_json: f.b64_json ?? null })),
      background: last.background ?? null,
      output_format: last.output_format ?? null,
      quality: last.quality ?? null,
      size: last.size ?? null,
      usage: usages.length === 0 ? null : sumUsage(usages),
      outputs,
    };
  }

  /**
   * One event of a streamed call, parsed: its JSON and its `type` (the JSON's, else the SSE `event:` field). An
   * `error` event is the provider's failure, thrown (its `error.message` or `message`, `error.code` as the reason).
   * @throws AppError `provider_bad_response` for data that is not JSON; `provider_unavailable` for an `error` event
   */
  private streamEvent(e: SseEvent): { type: string; raw: unknown } {
    let raw: unknown;
    try {
      raw = JSON.parse(e.data);
    } catch {
      throw new AppError('provider_bad_response', `${this.label} sent a stream event that is not JSON (${e.event})`);
    }
    const r = raw as { type?: unknown; error?: { message?: unknown; code?: unknown }; message?: unknown } | null;
    const type = typeof r?.type === 'string' ? r.type : e.event;
    if (type === 'error' || e.event === 'error') {
      const err = r?.error;
      const message = typeof err?.message === 'string' ? err.message : typeof r?.message === 'string' ? r.message : 'the stream reported an error';
      throw new AppError('provider_unavailable', `${this.label} stream failed: ${message}`, {
        providerMessage: message,
        params: { reason: typeof err?.code === 'string' ? err.code : 'stream_error' },
      });
    }
    return { type, raw };
  }

  /**
   * `POST {base}/responses` (JSON) with the `image_generation` tool, checked first against
   * {@link ResponsesBody}. Retried only on 429, like the Images POSTs (no idempotency key). Synchronous: the reply
   * carries the finished `image_generation_call` items.
   * @returns the parsed reply plus `outputs`: the decoded, type-checked `result` of each completed call, in order.
   * @throws AppError as the class doc (`previous_response_not_found` and other 400s → `provider_rejected` with
   *   `params.reason`); `provider_bad_response` when the reply is not `completed` or holds no image.
   */
  async responses(body: ResponsesBody, opts: OpenAiImageCallOptions = {}): Promise<OpenAiResponsesResult> {
    const json = validateResponsesBody(body);
    if (json.stream === true) return this.streamedResponse(json, opts);
    const reply = await this.send(EP.responses, { json, maxBytes: this.maxResponseBytes, signal: opts.signal });
    return this.responsesResult(parseJsonReply(reply, EP.responses.reply, EP.responses.name, this.label), reply.status);
  }

  /**
   * A streamed `POST /responses` (https://platform.openai.com/docs/api-reference/responses-streaming): each
   * `response.image_generation_call.partial_image` event (`partial_image_b64`, `partial_image_index`) is decoded and
   * handed to `opts.onPartial` (one that is no image is skipped); `response.completed` (or `response.failed` / `response.incomplete`) carries the
   * whole response, read as the JSON reply is. An `error` event is `provider_unavailable`; a stream that ends
   * without the final response is `network` (the call may have run and been charged: never resent).
   */
  private async streamedResponse(json: ResponsesBody, opts: OpenAiImageCallOptions): Promise<OpenAiResponsesResult> {
    let final: unknown = null;
    const reply = await this.send(EP.responses, {
      json,
      maxBytes: this.maxResponseBytes,
      signal: opts.signal,
      sse: (e) => {
        const { type, raw: event } = this.streamEvent(e);
        const raw = event as { response?: unknown; partial_image_b64?: unknown; partial_image_index?: unknown } | null;
        if (raw === null) return;
        if (type === 'response.image_generation_call.partial_image') {
          handPartial(raw.partial_image_b64, typeof raw.partial_image_index === 'number' ? raw.partial_image_index : 0, opts);
        } else if (type === 'response.completed' || type === 'response.failed' || type === 'response.incomplete') {
          final = raw.response;
        }
      },
    });
    if (!isEventStream(reply.headers)) {
      return this.responsesResult(parseJsonReply(reply, EP.responses.reply, EP.responses.name, this.label), reply.status);
    }
    if (final === null) {
      throw new AppError('network', `${this.label} stream ended before response.completed; the image may have been made and charged`, { status: reply.status });
    }
    const r = EP.responses.reply.safeParse(final);
    if (!r.success) throw new AppError('provider_bad_response', `${this.label} ${EP.responses.name} in the stream failed its schema`, { status: reply.status });
    return this.responsesResult(r.data, reply.status);
  }

  /** The decoded images of a Responses reply's completed calls. @throws as {@link responses} */
  private responsesResult(res: ResponsesReply, status: number): OpenAiResponsesResult {
    const reply = { status };
    const calls = res.output.filter(
      (o): o is { type: 'image_generation_call'; id: string; status?: string | null; result?: string | null } =>
        o.type === 'image_generation_call',
    );
    const outputs = calls
      .filter((c) => typeof c.result === 'string' && c.result.length > 0)
      .map((c, i) => decodeImage(c.result as string, i, this.label));
    if ((res.status && res.status !== 'completed') || outputs.length === 0) {
      const why = res.error?.message ?? (calls.length === 0 ? 'no image_generation_call in the output' : 'the image call has no result');
      throw new AppError('provider_bad_response', `${this.label} response ${res.id} is ${res.status ?? 'without status'}: ${why}`, {
        status: reply.status,
        params: { reason: res.status && res.status !== 'completed' ? res.status : 'no_image' },
      });
    }
    return { ...res, outputs };
  }

  /**
   * `GET {base}/models`: the ids of the models the key may use. The cheapest authenticated call; idempotent, so
   * 5xx / network / timeout are retried.
   * @throws AppError as the class doc (`provider_not_found` where a compatible server has no such route).
   */
  async listModels(opts: OpenAiCallOptions = {}): Promise<string[]> {
    return (await this.call(EP.models, { signal: opts.signal })).data.map((m) => m.id);
  }

  /**
   * GETs an output URL a compatible server handed out, following up to 3 redirects, with the key only when the URL
   * is on the API's own origin. Checks that the body is a PNG/JPEG/WebP.
   * @param maxBytes size cap, bytes (default {@link OPENAI_MAX_DOWNLOAD_BYTES}).
   * @throws AppError `result_expired` on 404/410, `provider_bad_response` (other 4xx, over the cap, not an image),
   *   `provider_unavailable`, `timeout`, `network`, `canceled`.
   */
  async download(url: string, opts: OpenAiCallOptions & { maxBytes?: number } = {}): Promise<Uint8Array> {
    const got = await this.fetchResult(url, { maxBytes: opts.maxBytes ?? OPENAI_MAX_DOWNLOAD_BYTES, signal: opts.signal });
    return got.bytes;
  }

  // -------------------------------------------------------------------------------------------------------------

  private imagesResult(reply: HttpReply): OpenAiImagesResult {
    const res: ImagesResponse = parseJsonReply(reply, EP.generations.reply, EP.generations.name, this.label);
    const outputs: OpenAiOutput[] = res.data.map((d, i) => {
      if (typeof d.b64_json === 'string' && d.b64_json.length > 0) return decodeImage(d.b64_json, i, this.label);
      if (this.allowUrlOutputs && typeof d.url === 'string' && isHttpUrl(d.url)) return { url: d.url };
      throw new AppError('provider_bad_response', `${this.label} reply data[${i}] has no b64_json image`, {
        status: reply.status,
      });
    });
    return { ...res, outputs };
  }
}

/**
 * Decodes one `b64_json` and checks it is a PNG, JPEG or WebP by its header.
 * @throws AppError `provider_bad_response` (`params.reason: not_an_image`) for invalid base64 or non-image bytes.
 */
export function decodeImage(b64: string, index: number, label = 'OpenAI'): { bytes: Uint8Array; mime: 'image/png' | 'image/jpeg' | 'image/webp' } {
  const clean = b64.replace(/\s+/g, '');
  if (clean.length % 4 === 1 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) {
    throw new AppError('provider_bad_response', `${label} data[${index}].b64_json is not base64`, {
      params: { reason: 'not_an_image' },
    });
  }
  const bytes = new Uint8Array(Buffer.from(clean, 'base64'));
  const h = readImageHeader(bytes);
  if (!h.ok) {
    throw new AppError('provider_bad_response', `${label} data[${index}] is not a PNG, JPEG or WebP image (${h.detail})`, {
      params: { reason: 'not_an_image' },
    });
  }
  return { bytes, mime: h.mime };
}

/** Token usage of a reply in the shared {@link OpenAiImageUsage} shape, or null when the reply has none. */
export function usageOf(res: Pick<ImagesResponse, 'usage'>): OpenAiImageUsage | null {
  const u = res.usage;
  if (!u) return null;
  const out: OpenAiImageUsage = { input_tokens: u.input_tokens, output_tokens: u.output_tokens, total_tokens: u.total_tokens };
  if (u.input_tokens_details) {
    out.input_tokens_details = {
      text_tokens: u.input_tokens_details.text_tokens,
      image_tokens: u.input_tokens_details.image_tokens,
      ...(u.input_tokens_details.cached_tokens !== undefined ? { cached_tokens: u.input_tokens_details.cached_tokens } : {}),
    };
  }
  if (u.output_tokens_details) {
    out.output_tokens_details = {
      text_tokens: u.output_tokens_details.text_tokens,
      image_tokens: u.output_tokens_details.image_tokens,
    };
  }
  return out;
}

/**
 * Hands a streamed partial preview to `opts.onPartial` where it is a PNG, JPEG or WebP image. One that is not (no
 * base64, or bytes of no known image) is skipped: it is only a glimpse, and the call it belongs to goes on to its
 * final image, made and paid for whatever the previews were.
 */
function handPartial(b64: unknown, index: number, opts: OpenAiImageCallOptions): void {
  if (!opts.onPartial || typeof b64 !== 'string' || b64.length === 0) return;
  let img: ReturnType<typeof decodeImage>;
  try {
    img = decodeImage(b64, index);
  } catch {
    return;
  }
  opts.onPartial({ index, bytes: img.bytes, mime: img.mime });
}

/** The sum of several `usage` objects (tokens), details included where every one has them. */
function sumUsage(list: ReadonlyArray<NonNullable<ImagesResponse['usage']>>): NonNullable<ImagesResponse['usage']> {
  if (list.length === 1) return list[0]!;
  const add = (f: (u: NonNullable<ImagesResponse['usage']>) => number | undefined): number => list.reduce((s, u) => s + (f(u) ?? 0), 0);
  return {
    input_tokens: add((u) => u.input_tokens),
    output_tokens: add((u) => u.output_tokens),
    total_tokens: add((u) => u.total_tokens),
    ...(list.every((u) => u.input_tokens_details)
      ? { input_tokens_details: { text_tokens: add((u) => u.input_tokens_details?.text_tokens), image_tokens: add((u) => u.input_tokens_details?.image_tokens) } }
      : {}),
    ...(list.every((u) => u.output_tokens_details)
      ? { output_tokens_details: { text_tokens: add((u) => u.output_tokens_details?.text_tokens), image_tokens: add((u) => u.output_tokens_details?.image_tokens) } }
      : {}),
  };
}

function blobOf(f: OpenAiImageFile): Blob {
  return new Blob([f.bytes as Uint8Array<ArrayBuffer>], { type: f.mime });
}

