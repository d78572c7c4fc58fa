/**
 * The HTTP transport that the provider clients (Apiframe, EvoLink, OpenAI) share: one request under one timeout,
 * the retry loop with full-jitter backoff and `Retry-After`, capped body reading, mapping of undici / socket
 * failures to {@link AppError}, JSON + zod parsing of 2xx replies, and capped result downloads with image sniffing.
 *
 * What is **not** here, on purpose: each provider's error envelope and HTTP status table (its `errors.ts`, on the
 * shape of ./errors.ts), its retry rule, its defaults, its hosts and its auth header (its `provider.ts`). The one
 * provider client (./client.ts) builds one {@link HttpTransport} from a provider's description and its options and
 * calls {@link sendWithRetry} / {@link downloadImage}; messages are prefixed with the transport's `label`
 * ("Apiframe", "EvoLink", "OpenAI", …).
 *
 * Sources of the shared rules (cited again where each is implemented):
 * - Full-jitter backoff `random() · min(cap, base·2^n)` and sleeping exactly `Retry-After` on a 429: Apiframe's Node
 *   SDK `src/http.ts` (https://github.com/apiframe-ai/apiframe-nodejs-sdk), adopted for EvoLink (it documents no
 *   policy) and OpenAI (openai-node @ 7b7d6ca `core.ts`, https://github.com/openai/openai-node, whose jitter range is
 *   0.5 s … 8 s).
 * - `Retry-After`: RFC 9110 §10.2.3 (delay-seconds or an HTTP date); `retry-after-ms`: OpenAI's own header
 *   (openai-node `core.ts` reads it first).
 * - Magic-byte sniffing: {@link readImageHeader} (src/main/services/library/inspect.ts): PNG, JPEG, WebP only.
 *
 * No function here ever sees or logs an API key except as part of the `headers` object it passes to undici.
 */
import { getGlobalDispatcher, interceptors, request, type Dispatcher, type FormData } from 'undici';
import type { z } from 'zod';
import { AppError } from '@shared/errors';
import { readImageHeader } from '../library/inspect';

// ---------------------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------------------

/** The two methods the providers' APIs use. */
export type HttpMethod = 'GET' | 'POST';

/** Reply headers as undici hands them over (lower-case names; repeated headers as arrays). */
export type HttpHeaders = Record<string, string | string[] | undefined>;

/** A reply whose body was read in full (at most the request's `maxBytes` bytes). */
export interface HttpReply {
  /** HTTP status code. */
  status: number;
  headers: HttpHeaders;
  /** The whole body. */
  bytes: Uint8Array;
}

/**
 * Maps a non-2xx reply to the provider's {@link AppError}. `text` is the body decoded as UTF-8 (it may be HTML or
 * empty); `what` is `"<METHOD> <path>"` for messages. Each client passes its own status table here.
 */
export type ReplyErrorMapper = (status: number, headers: HttpHeaders, text: string, what: string) => AppError;

/** Sleeps `ms` milliseconds; must reject when `signal` aborts (the rejection becomes AppError `canceled`). */
export type SleepFn = (ms: number, signal?: AbortSignal) => Promise<void>;

/**
 * When and how often one logical request is repeated. Durations in ms.
 *
 * `retryable(method, hasIdempotencyKey, error)` is the provider's own rule: it sees the request's method, whether
 * the request carries something that makes a repeat harmless (an `Idempotency-Key` header, or for EvoLink uploads
 * the unique file name the Files API overwrites), and the failure of the attempt. The loop then retries at most
 * `maxRetries` times; a `rate_limited` error with `retryAfterMs` sleeps that long (or is thrown at once when it is
 * over `maxRetryAfterMs`), anything else sleeps {@link backoffDelayMs}.
 */
export interface RetryPolicy {
  /** Retries after the first attempt (0 = never retry). */
  maxRetries: number;
  /** Full-jitter backoff base, ms. */
  backoffBaseMs: number;
  /** Full-jitter backoff cap, ms. */
  backoffCapMs: number;
  /** Longest `Retry-After` slept inside one call, ms; a longer wait is thrown for the job engine to schedule. */
  maxRetryAfterMs: number;
  /** Whether this failure of this request may be retried (see the interface doc). */
  retryable(method: HttpMethod, hasIdempotencyKey: boolean, error: AppError): boolean;
}

/** What a client's `onRetry` hook is told before each retry sleep. Carries no key and no body. */
export interface HttpRetryInfo {
  method: string;
  /** Path (no query, no host), e.g. `/v2/jobs/…`. */
  path: string;
  /** 1 for the first retry, 2 for the second, … */
  attempt: number;
  /** How long the client sleeps before retrying, ms. */
  delayMs: number;
  /** The failure being retried. */
  error: AppError;
}

/** One client's transport settings, built once in its constructor. */
export interface HttpTransport {
  /** Prefix of every message: "Apiframe", "EvoLink", "OpenAI", "OpenAI-compatible server", … */
  label: string;
  /** Per-attempt timeout, ms, covering connect, headers and the whole body. */
  timeoutMs: number;
  policy: RetryPolicy;
  /** Random source in [0, 1) for the jitter (tests pass a constant). */
  random: () => number;
  /** Sleep between attempts (tests pass a recorder); see {@link SleepFn}. */
  sleep: SleepFn;
  /** Called before each retry sleep. */
  onRetry?: ((info: HttpRetryInfo) => void) | undefined;
  /** The provider's mapping of a non-2xx reply (overridable per request). */
  mapError: ReplyErrorMapper;
}

/**
 * The transport options every provider client accepts, besides its key and base URL(s). Durations in ms. Each
 * client documents its own defaults (see {@link TransportDefaults}).
 */
export interface HttpClientOptions {
  /** undici dispatcher (Agent, MockAgent…); default undici's global dispatcher. */
  dispatcher?: Dispatcher;
  /** Per-attempt timeout covering connect, headers and the whole body. */
  timeoutMs?: number;
  /** Retries after the first attempt. */
  maxRetries?: number;
  /** Full-jitter backoff base. */
  backoffBaseMs?: number;
  /** Full-jitter backoff cap. */
  backoffCapMs?: number;
  /** Longest `Retry-After` slept inside a call. */
  maxRetryAfterMs?: number;
  /** Random source in [0, 1) for the jitter; default `Math.random`. */
  random?: () => number;
  /** Sleep used between attempts (tests inject a recorder); must reject when `signal` aborts. Default {@link abortableSleep}. */
  sleep?: SleepFn;
  /** Called before each retry (e.g. to log; the info carries no key). */
  onRetry?: (info: HttpRetryInfo) => void;
  /** `User-Agent` header. */
  userAgent?: string;
}

/** The {@link HttpClientOptions} keys an adapter passes through to its client (all but `userAgent`). */
const TRANSPORT_KEYS = ['dispatcher', 'timeoutMs', 'maxRetries', 'backoffBaseMs', 'backoffCapMs', 'maxRetryAfterMs', 'random', 'sleep', 'onRetry'] as const;

/**
 * The transport options an adapter's own options set (those left undefined are left out, so the client's defaults
 * apply): what every provider adapter hands the client it builds per call.
 */
export function transportOptionsOf(opts: Omit<HttpClientOptions, 'userAgent'>): Omit<HttpClientOptions, 'userAgent'> {
  const out: Record<string, unknown> = {};
  for (const k of TRANSPORT_KEYS) if (opts[k] !== undefined) out[k] = opts[k];
  return out as Omit<HttpClientOptions, 'userAgent'>;
}

/** The per-request options of a call made for a provider context: its abort signal, where it has one. */
export function callOptionsOf(ctx: { signal?: AbortSignal }): { signal?: AbortSignal } {
  return ctx.signal ? { signal: ctx.signal } : {};
}

/** A provider's defaults for the numeric {@link HttpClientOptions}, ms. */
export interface TransportDefaults {
  timeoutMs: number;
  maxRetries: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  maxRetryAfterMs: number;
}

/**
 * Builds a client's {@link HttpTransport} from its options, its defaults, its retry rule and its status table:
 * every option left out takes the provider's default, `random` defaults to `Math.random` and `sleep` to
 * {@link abortableSleep}.
 */
export function buildTransport(
  label: string,
  opts: HttpClientOptions,
  defaults: TransportDefaults,
  retryable: RetryPolicy['retryable'],
  mapError: ReplyErrorMapper,
): HttpTransport {
  return {
    label,
    timeoutMs: opts.timeoutMs ?? defaults.timeoutMs,
    policy: {
      maxRetries: opts.maxRetries ?? defaults.maxRetries,
      backoffBaseMs: opts.backoffBaseMs ?? defaults.backoffBaseMs,
      backoffCapMs: opts.backoffCapMs ?? defaults.backoffCapMs,
      maxRetryAfterMs: opts.maxRetryAfterMs ?? defaults.maxRetryAfterMs,
      retryable,
    },
    random: opts.random ?? Math.random,
    sleep: opts.sleep ?? abortableSleep,
    onRetry: opts.onRetry,
    mapError,
  };
}

/** One logical request, possibly sent several times by {@link sendWithRetry}. */
export interface HttpRequest {
  method: HttpMethod;
  /** Absolute URL. */
  url: URL;
  /** Request headers, sent as given (auth included by the caller). */
  headers: Record<string, string>;
  /** Builds the body; called once per attempt so a stream-like body is fresh each time. Absent: no body. */
  body?: (() => string | FormData) | undefined;
  /** Passed to {@link RetryPolicy.retryable}: a repeat of this request cannot do the work twice. */
  hasIdempotencyKey: boolean;
  /** Largest body read, bytes (checked on `Content-Length` and while streaming). */
  maxBytes: number;
  /** The caller's abort signal: aborts the attempt and any backoff sleep (AppError `canceled`). */
  signal?: AbortSignal | undefined;
  /** undici dispatcher; default undici's global one. */
  dispatcher?: Dispatcher | undefined;
  /** Overrides {@link HttpTransport.mapError} for this request. */
  mapError?: ReplyErrorMapper | undefined;
  /** Checks a 2xx reply inside the retry loop (e.g. an envelope with `success: false`); throws an AppError to refuse it. */
  accept?: ((reply: HttpReply) => void) | undefined;
  /**
   * Reads a 2xx `text/event-stream` reply as server-sent events, handing each to this as it arrives (the reply's
   * `bytes` are then empty). The byte cap and the attempt's timeout cover the whole stream; a stream cut off
   * mid-way throws as a dropped connection (`network`). What the handler throws ends the read and is thrown.
   */
  sse?: ((event: SseEvent) => void) | undefined;
}

/** One server-sent event (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation). */
export interface SseEvent {
  /** The `event:` field, or `message` where none was given. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
}

/**
 * An incremental parser of the `text/event-stream` format (HTML Living Standard, "Interpreting an event stream"):
 * lines end with CRLF, LF or CR; `event:` and `data:` fields (one leading space dropped), comments (`:`) and other
 * fields ignored; an empty line dispatches an event with data. Feed it chunks with {@link SseParser.push}.
 */
export class SseParser {
  /** The current line's text so far, in pieces (no line break in it): each chunk is scanned once, never the line. */
  private pending: string[] = [];
  /** The last chunk ended with a CR: a LF opening the next one is the second half of that CRLF. */
  private skipLf = false;
  private event = '';
  private data: string[] = [];
  private readonly decoder = new TextDecoder('utf-8');

  constructor(private readonly onEvent: (e: SseEvent) => void) {}

  /** Parses a chunk (bytes, split anywhere) and dispatches every event it completes. */
  push(chunk: Uint8Array): void {
    const text = this.decoder.decode(chunk, { stream: true });
    if (text === '') return;
    let from = 0;
    if (this.skipLf) {
      this.skipLf = false;
      if (text.charCodeAt(0) === 0x0a) from = 1;
    }
    const breaks = /\r\n|\n|\r/g;
    breaks.lastIndex = from;
    for (let m = breaks.exec(text); m; m = breaks.exec(text)) {
      this.pending.push(text.slice(from, m.index));
      const line = this.pending.join('');
      this.pending = [];
      from = m.index + m[0].length;
      // A CR at the very end may be the first half of a CRLF split over two chunks.
      if (m[0] === '\r' && from === text.length) this.skipLf = true;
      this.line(line);
    }
    if (from < text.length) this.pending.push(text.slice(from));
  }

  /** The stream ended: what is left of an event without its blank line is dropped, as the standard says. */
  end(): void {
    this.decoder.decode();
    this.pending = [];
    this.skipLf = false;
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) this.onEvent({ event: this.event || 'message', data: this.data.join('\n') });
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    let value = i < 0 ? '' : line.slice(i + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Retry policy
// ---------------------------------------------------------------------------------------------------------------

/**
 * True for the failures that say nothing about the request itself and may pass on a repeat: `provider_unavailable`
 * other than 501 (Not Implemented never changes), `network` and `timeout`. Whether repeating is *safe* is the
 * provider's call (see each client's {@link RetryPolicy.retryable}).
 */
export function isTransientFailure(err: AppError): boolean {
  switch (err.code) {
    case 'provider_unavailable':
      return err.status !== 501;
    case 'network':
    case 'timeout':
      return true;
    default:
      return false;
  }
}

/**
 * Full-jitter backoff before retry number `attempt + 1`, ms: `floor(random() · min(capMs, baseMs · 2^attempt))`
 * (Apiframe SDK `src/http.ts`, https://github.com/apiframe-ai/apiframe-nodejs-sdk). An integer in
 * `[0, min(cap, base·2^attempt))` for `random()`
 * in [0, 1); 0 when the bound is 0.
 *
 * @param attempt 0 for the first retry.
 */
export function backoffDelayMs(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}

/**
 * How long to sleep before retrying `err`, ms, or `null` when the wait is longer than `policy.maxRetryAfterMs`
 * (the caller then throws `err` so that the job engine schedules the retry: a desktop app should not hold a
 * request open for an hour). A `rate_limited` error with `retryAfterMs` waits exactly that; any other error, or a
 * 429 without a hint, waits {@link backoffDelayMs}.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, err: AppError, random: () => number): number | null {
  if (err.code === 'rate_limited' && err.retryAfterMs !== undefined) {
    return err.retryAfterMs > policy.maxRetryAfterMs ? null : err.retryAfterMs;
  }
  return backoffDelayMs(attempt, policy.backoffBaseMs, policy.backoffCapMs, random);
}

// ---------------------------------------------------------------------------------------------------------------
// Retry-After
// ---------------------------------------------------------------------------------------------------------------

const DECIMAL_RE = /^\d+(\.\d+)?$/;

/**
 * Parses a `Retry-After` value (RFC 9110 §10.2.3: delay-seconds or an HTTP date) into ms from `now` (epoch ms).
 * Delay-seconds may carry a fraction (rounded to whole ms). Returns undefined when absent or unparseable; never
 * negative (a date in the past is 0).
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (DECIMAL_RE.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - now);
}

/**
 * How long a reply asks us to wait, ms, read from its headers: with `retryAfterMs: true`, OpenAI's own
 * `retry-after-ms` header (a decimal number of ms; openai-node `core.ts` reads it first) wins when it parses; then
 * `Retry-After` as {@link parseRetryAfter}. Undefined when neither gives a value; never negative.
 */
export function retryAfterFromHeaders(
  headers: HttpHeaders,
  opts: { retryAfterMs: boolean },
  now: number = Date.now(),
): number | undefined {
  if (opts.retryAfterMs) {
    const ms = headerOf(headers, 'retry-after-ms')?.trim();
    if (ms !== undefined && DECIMAL_RE.test(ms)) return Math.round(Number(ms));
  }
  return parseRetryAfter(headerOf(headers, 'retry-after'), now);
}

// ---------------------------------------------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------------------------------------------

/**
 * Sends one logical request under `t.policy`: each attempt is {@link sendOnce}, then `req.accept`; a failure the
 * policy calls retryable is retried after {@link retryDelayMs} (reported to `t.onRetry` first) until
 * `policy.maxRetries` retries are spent.
 *
 * @returns the first 2xx reply that `req.accept` did not refuse.
 * @throws AppError — the last attempt's failure (see {@link sendOnce}); a `rate_limited` one as is when its wait is
 *   over `maxRetryAfterMs`; `canceled` when `req.signal` aborts during a sleep; `internal` for a non-AppError thrown
 *   by `accept`.
 */
export async function sendWithRetry(t: HttpTransport, req: HttpRequest): Promise<HttpReply> {
  for (let attempt = 0; ; attempt++) {
    try {
      const reply = await sendOnce(t, req);
      req.accept?.(reply);
      return reply;
    } catch (e) {
      const err = e instanceof AppError ? e : new AppError('internal', String(e), { cause: e });
      if (attempt >= t.policy.maxRetries || !t.policy.retryable(req.method, req.hasIdempotencyKey, err)) throw err;
      const delayMs = retryDelayMs(t.policy, attempt, err, t.random);
      if (delayMs === null) throw err;
      t.onRetry?.({ method: req.method, path: req.url.pathname, attempt: attempt + 1, delayMs, error: err });
      try {
        await t.sleep(delayMs, req.signal);
      } catch {
        throw canceledError(t.label);
      }
    }
  }
}

/**
 * One attempt: the request and the whole body read under one timer of `t.timeoutMs` ms (also passed to undici as
 * `headersTimeout` / `bodyTimeout`), aborted early by `req.signal`.
 *
 * @returns the reply when its status is 2xx.
 * @throws AppError — from `req.mapError ?? t.mapError` for a non-2xx reply; `provider_bad_response` (with `status`)
 *   for a body over `req.maxBytes`; otherwise as {@link transportError}: `canceled`, `timeout` or `network`.
 */
export async function sendOnce(
  t: Pick<HttpTransport, 'label' | 'timeoutMs' | 'mapError'>,
  req: HttpRequest,
): Promise<HttpReply> {
  if (req.signal?.aborted) throw canceledError(t.label);
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort(new Error('timeout'));
  }, t.timeoutMs);
  const onOuterAbort = () => ac.abort(new Error('canceled'));
  req.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const what = `${req.method} ${req.url.pathname}`;
  try {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body ? req.body() : null,
      signal: ac.signal,
      headersTimeout: t.timeoutMs,
      bodyTimeout: t.timeoutMs,
      ...(req.dispatcher ? { dispatcher: req.dispatcher } : {}),
    });
    const tooLarge = () =>
      new AppError('provider_bad_response', `${t.label} ${what} reply is larger than ${req.maxBytes} bytes`, {
        status: res.statusCode,
      });
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    if (ok && req.sse && isEventStream(res.headers)) {
      await readEvents(res.body, req.maxBytes, tooLarge, req.sse);
      return { status: res.statusCode, headers: res.headers, bytes: new Uint8Array(0) };
    }
    const bytes = await readCapped(res.body, headerOf(res.headers, 'content-length'), req.maxBytes, tooLarge);
    if (ok) return { status: res.statusCode, headers: res.headers, bytes };
    const text = Buffer.from(bytes).toString('utf8');
    throw (req.mapError ?? t.mapError)(res.statusCode, res.headers, text, what);
  } catch (e) {
    throw transportError(e, { label: t.label, what, timeoutMs: t.timeoutMs, timedOut, signal: req.signal });
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onOuterAbort);
  }
}

/** The stream side of an undici reply body that {@link readCapped} needs. */
export interface ReadableBody extends AsyncIterable<unknown> {
  on(event: 'error', listener: (err: unknown) => void): unknown;
  destroy(): unknown;
}

/**
 * Reads a whole body of at most `maxBytes` bytes. A `Content-Length` over the cap is refused before reading; a
 * body that grows over it while streaming is refused as soon as it does. Either way the body is destroyed (its
 * late `error` event swallowed: we already know why we stopped).
 *
 * @param declared the `Content-Length` header, if any (ignored when not a number).
 * @param tooLarge builds the error thrown when over the cap.
 * @throws the error from `tooLarge`, or whatever the stream throws (undici errors: see {@link transportError}).
 */
export async function readCapped(
  body: ReadableBody,
  declared: string | undefined,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<Uint8Array> {
  const discard = () => {
    body.on('error', () => undefined);
    body.destroy();
  };
  const length = Number(declared);
  if (declared !== undefined && Number.isFinite(length) && length > maxBytes) {
    discard();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    total += buf.length;
    if (total > maxBytes) {
      discard();
      throw tooLarge();
    }
    chunks.push(buf);
  }
  return new Uint8Array(Buffer.concat(chunks, total));
}

/**
 * Reads a whole event stream of at most `maxBytes` bytes through an {@link SseParser}, handing each event to
 * `onEvent` as it completes. Over the cap, or when `onEvent` throws, the body is destroyed and the error thrown.
 */
async function readEvents(body: ReadableBody, maxBytes: number, tooLarge: () => Error, onEvent: (e: SseEvent) => void): Promise<void> {
  const parser = new SseParser(onEvent);
  let total = 0;
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      total += buf.length;
      if (total > maxBytes) throw tooLarge();
      parser.push(buf);
    }
    parser.end();
  } catch (e) {
    body.on('error', () => undefined);
    body.destroy();
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Transport errors
// ---------------------------------------------------------------------------------------------------------------

/** undici / socket error codes that mean "no reply in time" rather than "no connection". */
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

/**
 * Maps whatever an attempt threw to an {@link AppError}:
 * an AppError passes through unchanged; with `signal` aborted → `canceled`; when our own timer fired (`timedOut`)
 * or the error's `code` is an undici / socket timeout (`UND_ERR_HEADERS_TIMEOUT`, `UND_ERR_BODY_TIMEOUT`,
 * `UND_ERR_CONNECT_TIMEOUT`, `ETIMEDOUT`) → `timeout` ("… timed out after N ms"); anything else (refused, reset,
 * dropped, DNS, TLS) → `network`, its message naming the error's `code`, its `cause.code` and its message.
 * The original error is kept as `cause`.
 *
 * @param ctx.what `"<METHOD> <path>"`; @param ctx.timeoutMs the attempt's timeout, ms (for the message).
 */
export function transportError(
  e: unknown,
  ctx: { label: string; what: string; timeoutMs: number; timedOut: boolean; signal?: AbortSignal | undefined },
): AppError {
  if (e instanceof AppError) return e;
  if (ctx.signal?.aborted) return canceledError(ctx.label);
  if (ctx.timedOut || isTimeoutError(e)) {
    return new AppError('timeout', `${ctx.label} ${ctx.what} timed out after ${ctx.timeoutMs} ms`, { cause: e });
  }
  return new AppError('network', `${ctx.label} ${ctx.what} failed: ${describeNetworkError(e)}`, { cause: e });
}

/** AppError `canceled` with the message `"<label> request canceled"`. */
export function canceledError(label: string): AppError {
  return new AppError('canceled', `${label} request canceled`);
}

function isTimeoutError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TIMEOUT_CODES.has(code);
}

function describeNetworkError(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  const cause = (e as { cause?: { code?: unknown } } | null)?.cause?.code;
  const msg = e instanceof Error ? e.message : String(e);
  return [typeof code === 'string' ? code : undefined, typeof cause === 'string' ? cause : undefined, msg]
    .filter(Boolean)
    .join(' ');
}

// ---------------------------------------------------------------------------------------------------------------
// Replies
// ---------------------------------------------------------------------------------------------------------------

/** The first value of header `name` (lower-case), or undefined. */
export function headerOf(headers: HttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Whether a reply is a `text/event-stream`: one a request with {@link HttpRequest.sse} read event by event (its
 * `bytes` are then empty), where any other reply was read whole.
 */
export function isEventStream(headers: HttpHeaders): boolean {
  return /^text\/event-stream\b/i.test(headerOf(headers, 'content-type') ?? '');
}

/**
 * A reply body (bytes, or text already decoded as UTF-8) parsed as JSON, or undefined when it is not JSON. For
 * error envelopes and pre-checks, where a non-JSON body (an HTML error page) is mapped by status alone.
 */
export function jsonOrUndefined(body: Uint8Array | string): unknown {
  try {
    return JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Parses a 2xx reply as JSON and checks it against `schema`.
 *
 * @param name the reply's schema name for the message (e.g. `JobAccepted`).
 * @throws AppError `provider_bad_response` with `status` — "`<label>` replied N with a body that is not JSON (type)"
 *   or "`<label>` `<name>` reply failed its schema at `<path>`: `<issue>`".
 */
export function parseJsonReply<T extends z.ZodType>(reply: HttpReply, schema: T, name: string, label: string): z.output<T> {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(reply.bytes).toString('utf8'));
  } catch {
    const ct = headerOf(reply.headers, 'content-type') ?? 'no content type';
    throw new AppError('provider_bad_response', `${label} replied ${reply.status} with a body that is not JSON (${ct})`, {
      status: reply.status,
    });
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
    throw new AppError('provider_bad_response', `${label} ${name} reply failed its schema at ${where}`, {
      status: reply.status,
    });
  }
  return r.data;
}

/**
 * True for an absolute `http:` / `https:` URL written only with RFC 3986 characters (what OpenAPI's
 * `format: uri` / EvoLink's `string(uri)` accept; a space or a raw non-ASCII character is refused even though
 * WHATWG URL would fix it up). The one URL rule of the provider clients: URL fields of Apiframe's and EvoLink's
 * schemas, every client's base URLs, OpenAI-compatible servers' `data[].url` outputs and every result / output URL
 * before it is downloaded. Which base URLs may receive a key (https, or http on loopback; never link-local or cloud
 * metadata addresses) is decided where the user sets one: src/main/services/settings.ts `checkBaseUrlTarget`.
 */
export function isHttpUrl(s: string): boolean {
  if (!/^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/.test(s)) return false;
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Sleeps `ms` milliseconds; rejects (with `Error('aborted')`) when `signal` aborts. The default {@link SleepFn}. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Result downloads
// ---------------------------------------------------------------------------------------------------------------

/** How one provider's result (CDN) URL is fetched; see {@link downloadImage}. */
export interface ImageDownloadRequest {
  /** The result URL (the caller has checked it is http(s)). */
  url: URL;
  /** `User-Agent` header. */
  userAgent: string;
  /** Further headers (only a same-origin `authorization`, if any: CDNs get no key). */
  extraHeaders?: Record<string, string> | undefined;
  /** Size cap, bytes. */
  maxBytes: number;
  signal?: AbortSignal | undefined;
  /** Base dispatcher; the redirect interceptor (at most 3 hops) is composed on top. */
  dispatcher?: Dispatcher | undefined;
  /** What the URL holds, for messages: `result` (Apiframe, EvoLink) or `output` (OpenAI). */
  noun: string;
  /** Statuses that mean the result is gone → `result_expired` (404/410; EvoLink adds 403). */
  goneStatuses: readonly number[];
  /** Appended to the `result_expired` message (e.g. `; results live 24 h`). */
  goneHint?: string | undefined;
  /** Check the bytes are a PNG, JPEG or WebP by their header. */
  sniff: boolean;
}

/** A downloaded result. */
export interface ImageDownload {
  bytes: Uint8Array;
  /** `Content-Type` of the reply, or null. */
  contentType: string | null;
}

/**
 * GETs a result URL through {@link sendWithRetry} (a GET: the provider's GET rule applies), `accept: image/*`,
 * following up to 3 redirects, capped at `maxBytes`, then optionally sniffs the bytes (PNG/JPEG/WebP by magic
 * bytes, {@link readImageHeader}).
 *
 * @throws AppError `result_expired` (with `status`) on `goneStatuses`; the provider's own mapping
 *   (`t.mapError`, with `what` = `GET <noun>`) on 5xx and 429;
 *   `provider_bad_response` (with `status`) on any other non-2xx or a body over the cap; `provider_bad_response`
 *   `params.reason: not_an_image` when sniffing fails; `timeout`, `network`, `canceled` as {@link sendOnce}.
 */
export async function downloadImage(t: HttpTransport, d: ImageDownloadRequest): Promise<ImageDownload> {
  const reply = await sendWithRetry(t, {
    method: 'GET',
    url: d.url,
    headers: { 'user-agent': d.userAgent, accept: 'image/*', ...d.extraHeaders },
    hasIdempotencyKey: false,
    maxBytes: d.maxBytes,
    signal: d.signal,
    dispatcher: redirecting(d.dispatcher),
    mapError: (status, headers, text) => {
      if (d.goneStatuses.includes(status)) {
        return new AppError('result_expired', `${t.label} ${d.noun} is gone (HTTP ${status})${d.goneHint ?? ''}`, { status });
      }
      if (status >= 500 || status === 429) return t.mapError(status, headers, text, `GET ${d.noun}`);
      return new AppError('provider_bad_response', `${t.label} ${d.noun} download failed (HTTP ${status})`, { status });
    },
  });
  if (d.sniff) {
    const h = readImageHeader(reply.bytes);
    if (!h.ok) {
      throw new AppError('provider_bad_response', `${t.label} ${d.noun} is not a PNG, JPEG or WebP image (${h.detail})`, {
        params: { reason: 'not_an_image' },
      });
    }
  }
  const ct = reply.headers['content-type'];
  return { bytes: reply.bytes, contentType: typeof ct === 'string' ? ct : null };
}

/** `dispatcher` (or undici's global one) composed with undici's redirect interceptor, at most 3 hops. */
function redirecting(dispatcher: Dispatcher | undefined): Dispatcher {
  return (dispatcher ?? getGlobalDispatcher()).compose(interceptors.redirect({ maxRedirections: 3 }));
}
