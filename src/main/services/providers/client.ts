/**
 * The one provider HTTP client: {@link ProviderHttpClient}, driven by a {@link ProviderDescription} that each provider
 * declares in its `provider.ts` (Apiframe, EvoLink, OpenAI): its hosts (base URLs), its auth header, its transport
 * defaults, its retry rule, its status-to-error mapping (`errors.ts`) and its endpoints ({@link Endpoint}: method,
 * host, path, reply schema from `schemas.ts`, idempotency rule). Request bodies are built and checked by each
 * provider's `requests.ts`; the transport underneath (timeouts, retry loop, capped reads, downloads) is `http.ts`.
 *
 * The API key is only ever written into the described auth header: never into messages, errors or logs.
 */
import type { Dispatcher, FormData } from 'undici';
import type { z } from 'zod';
import { AppError } from '@shared/errors';
import {
  buildTransport,
  downloadImage,
  isHttpUrl,
  isTransientFailure,
  parseJsonReply,
  sendWithRetry,
  type HttpClientOptions,
  type HttpMethod,
  type HttpReply,
  type HttpTransport,
  type ImageDownload,
  type ReplyErrorMapper,
  type RetryPolicy,
  type SseEvent,
  type TransportDefaults,
} from './http';

// ---------------------------------------------------------------------------------------------------------------
// Retry rules
// ---------------------------------------------------------------------------------------------------------------

/**
 * The two retry rules the providers use. Both retry a 429 always (a refusal that certainly did not run the request);
 * they differ in when a failure that says nothing about the request ({@link isTransientFailure}: 5xx other than
 * 501, network, timeout) is retried:
 * - `idempotent`: for GETs and for requests whose repeat is harmless (`hasIdempotencyKey`): Apiframe (its Node SDK
 *   `src/http.ts`), EvoLink (which documents no policy and reuses Apiframe's);
 * - `get-only`: for GETs only, whatever the request carries: OpenAI (the Images API has no idempotency key).
 */
export type RetryRule = 'idempotent' | 'get-only';

/** The {@link RetryPolicy.retryable} predicate of a {@link RetryRule}. */
export function retryableUnder(rule: RetryRule): RetryPolicy['retryable'] {
  return (method: HttpMethod, hasIdempotencyKey: boolean, err: AppError): boolean => {
    if (err.code === 'rate_limited') return true;
    return (method === 'GET' || (rule === 'idempotent' && hasIdempotencyKey)) && isTransientFailure(err);
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Descriptions
// ---------------------------------------------------------------------------------------------------------------

/** One host of a provider (Apiframe and OpenAI have one, EvoLink two: tasks and files). */
export interface HostDescription {
  /** Documented production base URL, without trailing slash. */
  defaultUrl: string;
  /** How messages name it: "base URL", "baseUrl", "filesBaseUrl", … */
  name: string;
  /** `params.field` of the `validation` error for a base URL that is not http(s). */
  field: string;
}

/** How the key is sent. */
export interface AuthDescription {
  /** Lower-case header name: `x-api-key`, `authorization`. */
  header: string;
  /** Written before the key: `Bearer ` or empty. */
  prefix: string;
  /** True: an empty key is `no_api_key`. False: a null key sends no auth header (OpenAI-compatible servers). */
  required: boolean;
}

/**
 * Everything a provider's client needs to know that is not an endpoint: its name in messages, its hosts, its auth,
 * its User-Agent, its transport defaults (ms), its retry rule, how its non-2xx replies map to errors, and the
 * largest JSON reply it reads (bytes).
 */
export interface ProviderDescription<H extends string> {
  /** Message prefix: "Apiframe", "EvoLink", "OpenAI". */
  label: string;
  /** `params.provider` of `no_api_key`. */
  provider: string;
  hosts: Readonly<Record<H, HostDescription>>;
  auth: AuthDescription;
  /** Default `User-Agent`. */
  userAgent: string;
  transport: TransportDefaults;
  retry: RetryRule;
  /** Largest JSON reply read, bytes (an endpoint or a call may set its own). */
  maxReplyBytes: number;
  /** Where result / output URLs are downloaded from: what they are called and which statuses mean "gone". */
  download: {
    /** `result` (Apiframe, EvoLink) or `output` (OpenAI). */
    noun: string;
    goneStatuses: readonly number[];
    /** Appended to the `result_expired` message. */
    goneHint?: string;
    /** Check the bytes are a PNG, JPEG or WebP. */
    sniff: boolean;
    /** Send the key when the URL is on the first host's origin (OpenAI-compatible servers); else never. */
    keyOnOwnOrigin: boolean;
  };
}

/**
 * When a repeat of an endpoint's request is harmless (what {@link RetryPolicy.retryable} sees as
 * `hasIdempotencyKey`):
 * - `none`: never by itself (a GET is still retried by the rule, which looks at the method);
 * - `always`: always (EvoLink uploads: the unique file name makes a repeat overwrite the same file);
 * - `{ header, maxLength? }`: when the call passes an idempotency key, sent in that header (Apiframe), checked to
 *   be 1–`maxLength` characters when `maxLength` is set.
 */
export type IdempotencyRule = 'none' | 'always' | { header: string; maxLength?: number };

/** One endpoint: method, host, path (with `{name}` placeholders), reply schema and name, idempotency. */
export interface Endpoint<H extends string, S extends z.ZodType> {
  method: HttpMethod;
  host: H;
  /** Path under the host's base URL, e.g. `/v2/jobs/{id}` (placeholders are URI-encoded). */
  path: string;
  /** The reply's schema (from the provider's `schemas.ts`). */
  reply: S;
  /** The reply's name in messages, e.g. `JobAccepted`. */
  name: string;
  idempotency: IdempotencyRule;
  /** Checks a 2xx reply inside the retry loop (EvoLink's Files envelope `success: false`). */
  accept?: (reply: HttpReply) => void;
  /** Parses a 2xx reply; default {@link parseJsonReply} with `reply` and `name`. */
  parse?: (reply: HttpReply, schema: S, name: string, label: string) => z.output<S>;
}

/** One call of an {@link Endpoint}. */
export interface EndpointCall {
  /** Values of the path's `{name}` placeholders. */
  path?: Record<string, string>;
  /** Query parameters; undefined ones are left out. */
  query?: Record<string, string | number | undefined>;
  /** A JSON body (serialised once). */
  json?: unknown;
  /** A multipart body, built afresh for each attempt. */
  form?: () => FormData;
  /** See {@link IdempotencyRule}. */
  idempotencyKey?: string | undefined;
  /** Largest reply read, bytes; default the description's. */
  maxBytes?: number;
  /** Aborts the call, including a backoff sleep (AppError `canceled`). */
  signal?: AbortSignal | undefined;
  /** Reads a `text/event-stream` reply event by event (see `http.ts` `HttpRequest.sse`). */
  sse?: ((event: SseEvent) => void) | undefined;
}

/** Options every described client takes: the key, the transport options ({@link HttpClientOptions}). */
export interface DescribedClientOptions extends HttpClientOptions {
  apiKey: string | null;
}

// ---------------------------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------------------------

/**
 * A client for one described provider, one key and one set of base URLs; cheap to create. The provider clients
 * (`ApiframeClient`, `EvolinkClient`, `OpenAiClient`) extend it with their endpoints' methods.
 */
export class ProviderHttpClient<H extends string> {
  /** Message prefix (the description's, or the caller's for OpenAI-compatible servers). */
  protected readonly label: string;
  protected readonly userAgent: string;
  protected readonly dispatcher: Dispatcher | undefined;
  protected readonly http: HttpTransport;
  private readonly description: ProviderDescription<H>;
  private readonly apiKey: string | null;
  private readonly bases: Record<H, URL>;

  /**
   * @param baseUrls each host's base URL (trailing slashes removed); default the host's `defaultUrl`.
   * @param errors maps a non-2xx reply to an AppError (the provider's `errors.ts`).
   * @throws AppError `no_api_key` when a required key is empty; `provider_auth` when the key holds characters that
   *   cannot be sent in a header (the key is never echoed); `validation` (`params.field` the host's field,
   *   `params.reason: not_http_url`) when a base URL is not an http(s) URL. Which base URLs may carry a key (https,
   *   or http on loopback; never link-local or metadata) is decided where the user sets them, in
   *   src/main/services/settings.ts `checkBaseUrlTarget`.
   */
  constructor(
    description: ProviderDescription<H>,
    opts: DescribedClientOptions & { label?: string; baseUrls?: Partial<Record<H, string | undefined>> },
    errors: ReplyErrorMapper,
  ) {
    const label = opts.label ?? description.label;
    checkKey(description, label, opts.apiKey);
    const bases = {} as Record<H, URL>;
    for (const host of Object.keys(description.hosts) as H[]) {
      const h = description.hosts[host];
      const raw = (opts.baseUrls?.[host] ?? h.defaultUrl).replace(/\/+$/, '');
      if (!isHttpUrl(raw)) {
        throw new AppError('validation', `${label} ${h.name} must be an http(s) URL`, {
          params: { field: h.field, reason: 'not_http_url' },
        });
      }
      bases[host] = new URL(`${raw}/`);
    }
    this.description = description;
    this.label = label;
    this.apiKey = opts.apiKey;
    this.bases = bases;
    this.dispatcher = opts.dispatcher;
    this.userAgent = opts.userAgent ?? description.userAgent;
    this.http = buildTransport(label, opts, description.transport, retryableUnder(description.retry), errors);
  }

  /**
   * Sends one call of `ep` under the provider's retry rule and parses the 2xx reply with the endpoint's schema.
   * @throws AppError — the provider's mapping of a non-2xx reply, `provider_bad_response` for a reply that is not
   *   JSON or fails its schema, `validation` for an idempotency key of the wrong length (before anything is sent),
   *   `timeout`, `network`, `canceled` (see `http.ts` {@link sendWithRetry}).
   */
  protected async call<S extends z.ZodType>(ep: Endpoint<H, S>, call: EndpointCall = {}): Promise<z.output<S>> {
    const reply = await this.send(ep, call);
    return (ep.parse ?? parseJsonReply)(reply, ep.reply, ep.name, this.label);
  }

  /** As {@link call}, returning the raw 2xx reply (for replies parsed further by the provider's client). */
  protected async send<S extends z.ZodType>(ep: Endpoint<H, S>, call: EndpointCall = {}): Promise<HttpReply> {
    const headers = this.headers(call.json !== undefined ? { 'content-type': 'application/json' } : {});
    let hasIdempotencyKey = ep.idempotency === 'always';
    if (typeof ep.idempotency === 'object' && call.idempotencyKey !== undefined) {
      const { header, maxLength } = ep.idempotency;
      if (maxLength !== undefined && (call.idempotencyKey.length === 0 || call.idempotencyKey.length > maxLength)) {
        throw new AppError('validation', `Idempotency-Key must be 1–${maxLength} characters`, {
          params: { field: 'idempotencyKey', reason: 'length' },
        });
      }
      headers[header] = call.idempotencyKey;
      hasIdempotencyKey = true;
    }
    const url = this.url(ep.host, ep.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(call.path?.[name] ?? '')));
    for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const json = call.json !== undefined ? JSON.stringify(call.json) : undefined;
    const body = json !== undefined ? () => json : call.form;
    return sendWithRetry(this.http, {
      method: ep.method,
      url,
      headers,
      body,
      hasIdempotencyKey,
      maxBytes: call.maxBytes ?? this.description.maxReplyBytes,
      accept: ep.accept,
      signal: call.signal,
      sse: call.sse,
      dispatcher: this.dispatcher,
    });
  }

  /**
   * Downloads a result / output URL with the GET retry rule, following up to 3 redirects, with the key only where
   * the description allows it (`download.keyOnOwnOrigin` and the URL on the first host's origin), else without.
   * @param opts.maxBytes size cap, bytes (checked on `Content-Length` and while streaming).
   * @throws AppError `provider_bad_response` when `url` is not an http(s) URL; then as `http.ts` `downloadImage`:
   *   `result_expired` on the described gone statuses, the provider's mapping on 5xx / 429, `provider_bad_response`
   *   on another 4xx, a body over the cap or (when sniffing) bytes that are no image; `timeout`, `network`, `canceled`.
   */
  protected async fetchResult(url: string, opts: { maxBytes: number; signal?: AbortSignal | undefined }): Promise<ImageDownload> {
    const d = this.description.download;
    if (!isHttpUrl(url)) throw new AppError('provider_bad_response', `${this.label} ${d.noun} URL is not an http(s) URL`);
    const target = new URL(url);
    const first = Object.values<URL>(this.bases)[0];
    const withKey = d.keyOnOwnOrigin && this.apiKey !== null && target.origin === first?.origin;
    return downloadImage(this.http, {
      url: target,
      userAgent: this.userAgent,
      extraHeaders: withKey ? this.authHeader() : undefined,
      maxBytes: opts.maxBytes,
      signal: opts.signal,
      dispatcher: this.dispatcher,
      noun: d.noun,
      goneStatuses: d.goneStatuses,
      goneHint: d.goneHint,
      sniff: d.sniff,
    });
  }

  /** `path` (leading slash optional) under host `host`'s base URL. */
  protected url(host: H, path: string): URL {
    return new URL(path.replace(/^\//, ''), this.bases[host]);
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    return { ...this.authHeader(), accept: 'application/json', 'user-agent': this.userAgent, ...extra };
  }

  private authHeader(): Record<string, string> {
    const a = this.description.auth;
    return this.apiKey === null ? {} : { [a.header]: `${a.prefix}${this.apiKey}` };
  }
}

/** @throws AppError `no_api_key` / `provider_auth` as {@link ProviderHttpClient}'s constructor says. */
function checkKey<H extends string>(d: ProviderDescription<H>, label: string, apiKey: string | null): void {
  if (d.auth.required) {
    if (!apiKey) throw new AppError('no_api_key', `No ${label} API key`, { params: { provider: d.provider } });
    if (!/^[\x21-\x7e]+$/.test(apiKey)) {
      throw new AppError('provider_auth', `The ${label} API key contains characters that cannot be sent`);
    }
  } else if (apiKey !== null && !/^[\x21-\x7e]+$/.test(apiKey)) {
    throw new AppError('provider_auth', `The ${label} API key is empty or contains characters that cannot be sent`);
  }
}
