/**
 * EvoLink's status-to-error table and its two error envelopes, for either host (the task API and the Files API):
 * `{ error: { code, message, type, param?, fallback_suggestion? } }` and the Files envelope `{ success: false, code,
 * msg }`, checked even on HTTP 200 (EvoLink's media MCP server, https://github.com/EvoLinkAI/evolink-media-mcp
 * `packages/core/src/services/error-handler.ts`, `file-api.md`; https://docs.evolink.ai/ for the 400 example).
 *
 * 400 → `provider_rejected`, 401 → `provider_auth`, 402 → `insufficient_credits` (`params.required/available` null:
 * EvoLink gives no numbers), 403 → `provider_forbidden` (no access to the model), 404 → `provider_not_found`,
 * 413 → `provider_rejected` (`params.reason: too_large`), 429 → `rate_limited` (`retryAfterMs`, `params.retryAfterMs`;
 * {@link EVOLINK_DEFAULT_RATE_LIMIT_WAIT_MS} without `Retry-After`), other 4xx → `provider_rejected`, 5xx →
 * `provider_unavailable` (501 not retryable). `providerMessage` is the envelope's `error.message` or Files `msg`,
 * `params.providerCode` its `code`, `details` `{ [param]: [message] }`.
 */
import type { z } from 'zod';
import { AppError } from '@shared/errors';
import { errorFromTable, type ErrorParams, type ErrorTable } from '../errors';
import { headerOf, jsonOrUndefined, parseJsonReply, parseRetryAfter, type HttpHeaders, type HttpReply } from '../http';
import { ErrorEnvelope, FilesEnvelope } from './schemas';

/** Wait after a 429 without `Retry-After`, ms: EvoLink's skill and MCP client suggest waiting 30–60 s on a 429 → the lower bound. */
export const EVOLINK_DEFAULT_RATE_LIMIT_WAIT_MS = 30_000;

/**
 * Files API envelope codes (the MCP client's `file-api.md`) and the `params.reason` Atelier reports for each:
 * 40001 too large, 40002 type not allowed, 40003 quota exceeded, 40004 URL download failed, 50001 storage error.
 */
export const EVOLINK_FILES_ERROR_REASONS: Readonly<Record<number, string>> = {
  40001: 'too_large',
  40002: 'unsupported_format',
  40003: 'quota_exceeded',
  40004: 'download_failed',
  50001: 'storage_error',
};

/** EvoLink's status table (see the file doc), a 429 without `Retry-After` waiting `rateLimitWaitMs` (ms). */
export function evolinkErrorTable(rateLimitWaitMs: number = EVOLINK_DEFAULT_RATE_LIMIT_WAIT_MS): ErrorTable {
  return {
    statuses: {
      400: 'provider_rejected',
      401: 'provider_auth',
      402: { code: 'insufficient_credits', params: { required: null, available: null } },
      403: 'provider_forbidden',
      404: 'provider_not_found',
      413: { code: 'provider_rejected', params: { reason: 'too_large' } },
      429: { code: 'rate_limited', retryAfter: true },
    },
    retryAfterMs: (headers) => parseRetryAfter(headerOf(headers, 'retry-after')) ?? rateLimitWaitMs,
  };
}

/**
 * Maps a non-2xx EvoLink reply (either host) to an {@link AppError} ({@link evolinkErrorTable}). `text` is the raw
 * body: the `{ error: { code, message, type, param?, fallback_suggestion? } }` envelope or the Files envelope
 * `{ success: false, code, msg }` supplies `providerMessage`, `params.providerCode` and (for `param`) `details`.
 * A Files API code also sets `params.reason` (see {@link EVOLINK_FILES_ERROR_REASONS}).
 *
 * @param rateLimitWaitMs `retryAfterMs` of a 429 without `Retry-After` (default 30 000, {@link EVOLINK_DEFAULT_RATE_LIMIT_WAIT_MS}).
 */
export function errorFromEvolinkReply(
  status: number,
  headers: HttpHeaders,
  text: string,
  label = 'request',
  rateLimitWaitMs: number = EVOLINK_DEFAULT_RATE_LIMIT_WAIT_MS,
): AppError {
  const json = jsonOrUndefined(text);
  let providerMessage: string | undefined;
  let providerCode: string | number | undefined;
  let details: Record<string, string[]> | undefined;
  let suggestion: string | undefined;
  const env = ErrorEnvelope.safeParse(json);
  if (env.success) {
    providerMessage = env.data.error.message;
    providerCode = env.data.error.code;
    suggestion = env.data.error.fallback_suggestion;
    if (env.data.error.param) details = { [env.data.error.param]: [env.data.error.message] };
  } else {
    const files = FilesEnvelope.safeParse(json);
    if (files.success) {
      providerMessage = files.data.msg;
      providerCode = files.data.code;
    }
  }
  const filesReason = typeof providerCode === 'number' ? EVOLINK_FILES_ERROR_REASONS[providerCode] : undefined;
  const codeText = providerCode !== undefined ? ` [${providerCode}]` : '';
  const base = `EvoLink ${label} → HTTP ${status}${providerMessage ? `: ${providerMessage}` : ''}${codeText}`;
  const params: ErrorParams = {};
  if (providerCode !== undefined) params['providerCode'] = providerCode;
  if (filesReason) params['reason'] = filesReason;
  return errorFromTable(evolinkErrorTable(rateLimitWaitMs), status, headers, {
    message: suggestion ? `${base} (suggestion: ${suggestion})` : base,
    providerMessage,
    details,
    params,
    json,
  });
}
/**
 * The AppError for a Files API envelope with `success: false` (the MCP client; checked even on HTTP 200):
 * 40001 (too large) → `provider_rejected` `params.reason: too_large`; 40002 (type not allowed) → `provider_rejected`
 * `unsupported_format`; 40003 (quota exceeded) → `provider_rejected` `quota_exceeded`; 40004 (URL download failed)
 * → `provider_rejected` `download_failed`; 50001 (storage error) and any other 5xxxx → `provider_unavailable`
 * (retryable); any other code → `provider_rejected`. `providerMessage` is `msg`, `params.providerCode` the code.
 */
export function filesEnvelopeError(code: number | undefined, msg: string | undefined, status: number, label: string): AppError {
  const reason = code !== undefined ? EVOLINK_FILES_ERROR_REASONS[code] : undefined;
  const message = `EvoLink ${label} refused${msg ? `: ${msg}` : ''}${code !== undefined ? ` [${code}]` : ''}`;
  const params: Record<string, string | number> = {};
  if (code !== undefined) params['providerCode'] = code;
  if (reason) params['reason'] = reason;
  const opts = { status, params, ...(msg !== undefined ? { providerMessage: msg } : {}) };
  if (code !== undefined && code >= 50000 && code < 60000) return new AppError('provider_unavailable', message, opts);
  return new AppError('provider_rejected', message, opts);
}

/** Refuses a 2xx Files API reply whose envelope says `success: false` ({@link filesEnvelopeError}). */
export function acceptFilesEnvelope(reply: HttpReply): void {
  const env = FilesEnvelope.safeParse(jsonOrUndefined(reply.bytes));
  if (env.success && env.data.success === false) {
    throw filesEnvelopeError(env.data.code, env.data.msg, reply.status, 'Files API');
  }
}

/** Parses a Files API reply: the envelope, then its `data` against `schema` (named `<name> data` in messages). */
export function parseFilesData<T extends z.ZodType>(reply: HttpReply, schema: T, name: string): z.output<T> {
  const env = parseJsonReply(reply, FilesEnvelope, name, 'EvoLink');
  const data = { ...reply, bytes: new TextEncoder().encode(JSON.stringify(env.data ?? null)) };
  return parseJsonReply(data, schema, `${name} data`, 'EvoLink');
}
