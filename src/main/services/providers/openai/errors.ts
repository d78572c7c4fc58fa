/**
 * OpenAI's status-to-error table and error envelope (openai-node `core/error.ts`,
 * https://github.com/openai/openai-node; OpenAI's error-code guide, https://platform.openai.com/docs/guides/error-codes,
 * for 429 `insufficient_quota`: billing, retrying never helps; see also learn.microsoft.com dev-proxy
 * "openai-insufficient-quota").
 *
 * 400 → `provider_rejected` (code `moderation_blocked`: `params.reason`, and `details` `moderation_stage` /
 * `categories` from `moderation_details`), 401 → `provider_auth`, 403 → `provider_forbidden`, 404 →
 * `provider_not_found`, 409 → `provider_conflict`, 422 and other 4xx → `provider_rejected`, 429 → `rate_limited`
 * (`retryAfterMs` from `retry-after-ms` or `Retry-After`) or, for type/code `insufficient_quota` and its billing
 * codes, `insufficient_credits` (not retryable), ≥ 500 → `provider_unavailable` (501 not retryable).
 * `providerMessage` is `error.message`, `params.reason` `error.code`, `params.field` and `details` keyed by
 * `error.param`.
 */
import type { AppError } from '@shared/errors';
import { errorFromTable, type ErrorParams, type ErrorTable } from '../errors';
import { headerOf, jsonOrUndefined, retryAfterFromHeaders, type HttpHeaders } from '../http';
import { ErrorEnvelope } from './schemas';

/** Billing 429s: type or code `insufficient_quota` and the codes OpenAI files under it. Waiting never fixes them. */
const QUOTA_CODES = new Set([
  'insufficient_quota',
  'credit_balance_exhausted',
  'organization_spend_limit_exceeded',
  'project_spend_limit_exceeded',
  'organization_usage_limit_exceeded',
]);

/** The envelope's fields (an HTML or non-JSON body: all undefined). */
function envelopeOf(json: unknown) {
  const env = ErrorEnvelope.safeParse(json);
  const e = env.success ? env.data.error : undefined;
  const info = typeof e === 'string' ? { message: e } : e;
  return {
    message: info?.message ?? undefined,
    code: info && 'code' in info && info.code !== null && info.code !== undefined ? String(info.code) : undefined,
    type: info && 'type' in info ? (info.type ?? undefined) : undefined,
    param: info && 'param' in info ? (info.param ?? undefined) : undefined,
    moderation: info && 'moderation_details' in info ? info.moderation_details : undefined,
  };
}

/** OpenAI's status table (see the file doc). */
export const OPENAI_ERRORS: ErrorTable = {
  statuses: {
    400: 'provider_rejected',
    401: 'provider_auth',
    403: 'provider_forbidden',
    404: 'provider_not_found',
    409: 'provider_conflict',
    422: 'provider_rejected',
    429: (facts) => {
      const { code, type } = envelopeOf(facts.json);
      return (code && QUOTA_CODES.has(code)) || type === 'insufficient_quota'
        ? { code: 'insufficient_credits', params: { required: null, available: null }, retryable: false }
        : { code: 'rate_limited', retryAfter: true };
    },
  },
  retryAfterMs: (headers) => retryAfterOf(headers),
};

/**
 * Maps a non-2xx reply to an {@link AppError} ({@link OPENAI_ERRORS}). `text` is the raw body; an HTML or otherwise
 * non-JSON body maps by status alone, without `providerMessage`. The message is
 * `<label> <what> → HTTP <status>[ (<code>)][: <message>][ (request <x-request-id>)]`.
 */
export function errorFromReply(status: number, headers: HttpHeaders, text: string, what = 'request', label = 'OpenAI'): AppError {
  const json = jsonOrUndefined(text);
  const { message: providerMessage, code, param, moderation } = envelopeOf(json);
  const requestId = headerOf(headers, 'x-request-id');
  const base = `${label} ${what} → HTTP ${status}${code ? ` (${code})` : ''}${providerMessage ? `: ${providerMessage}` : ''}`;
  const details: Record<string, string[]> = {};
  if (param && providerMessage) details[param] = [providerMessage];
  const params: ErrorParams = {};
  if (code) params['reason'] = code;
  if (param) params['field'] = param;
  if (moderation) {
    if (moderation.moderation_stage) details['moderation_stage'] = [moderation.moderation_stage];
    if (moderation.categories && moderation.categories.length > 0) details['categories'] = [...moderation.categories];
  }
  return errorFromTable(OPENAI_ERRORS, status, headers, {
    message: requestId ? `${base} (request ${requestId})` : base,
    providerMessage,
    details: Object.keys(details).length > 0 ? details : undefined,
    params,
    json,
  });
}

/**
 * How long a 429 asks us to wait, ms: `retry-after-ms` (OpenAI's own header, ms) first, then `Retry-After`
 * (RFC 9110: delay-seconds or an HTTP date, relative to `now`). Undefined when absent or unparseable; never negative.
 */
export function retryAfterOf(headers: HttpHeaders, now: number = Date.now()): number | undefined {
  return retryAfterFromHeaders(headers, { retryAfterMs: true }, now);
}
