/**
 * Apiframe's status-to-error table and error envelope (`specs/apiframe-v2-openapi.json` responses: `ErrorResponse`
 * `{ error }`, `ValidationError` `{ error, details }` on 400, `InsufficientCredits` on 402, `Retry-After` on 429;
 * 409 on a replayed `Idempotency-Key` with a changed body, Apiframe's Node SDK `src/errors.ts`,
 * https://github.com/apiframe-ai/apiframe-nodejs-sdk).
 *
 * 400 → `provider_rejected` (`details`, `providerMessage`), 401 → `provider_auth`, 402 → `insufficient_credits`
 * (`params.required`, `params.available`, null when the body does not say), 403 → `provider_forbidden`, 404 →
 * `provider_not_found`, 409 → `provider_conflict`, 429 → `rate_limited` (`retryAfterMs`, `params.retryAfterMs` from
 * `Retry-After`), other 4xx → `provider_rejected`, 5xx → `provider_unavailable` (501 not retryable).
 */
import type { AppError } from '@shared/errors';
import { errorFromTable, type ErrorTable } from '../errors';
import { headerOf, jsonOrUndefined, parseRetryAfter, type HttpHeaders } from '../http';
import { ErrorEnvelope, InsufficientCreditsBody, ValidationDetails } from './schemas';

/** Apiframe's status table (see the file doc). */
export const APIFRAME_ERRORS: ErrorTable = {
  statuses: {
    400: 'provider_rejected',
    401: 'provider_auth',
    402: (facts) => {
      const c = InsufficientCreditsBody.safeParse(facts.json);
      return {
        code: 'insufficient_credits',
        params: c.success
          ? { required: c.data.creditsRequired, available: c.data.creditsAvailable }
          : { required: null, available: null },
      };
    },
    403: 'provider_forbidden',
    404: 'provider_not_found',
    409: 'provider_conflict',
    429: { code: 'rate_limited', retryAfter: true },
  },
  retryAfterMs: (headers) => parseRetryAfter(headerOf(headers, 'retry-after')),
};

/**
 * Maps a non-2xx Apiframe reply to an {@link AppError} ({@link APIFRAME_ERRORS}). `text` is the raw body; the
 * `{ error }` envelope's message becomes `providerMessage`, a 400's `details` the error's `details`; the message is
 * `Apiframe <label> → HTTP <status>[: <error>][ (request <x-request-id>)]`.
 */
export function errorFromReply(status: number, headers: HttpHeaders, text: string, label = 'request'): AppError {
  const json = jsonOrUndefined(text);
  const env = ErrorEnvelope.safeParse(json);
  const providerMessage = env.success ? env.data.error : undefined;
  const base = `Apiframe ${label} → HTTP ${status}${providerMessage ? `: ${providerMessage}` : ''}`;
  const requestId = headerOf(headers, 'x-request-id');
  const d = status === 400 ? ValidationDetails.safeParse((json as { details?: unknown } | undefined)?.details) : undefined;
  return errorFromTable(APIFRAME_ERRORS, status, headers, {
    message: requestId ? `${base} (request ${requestId})` : base,
    providerMessage,
    details: d?.success ? d.data : undefined,
    params: {},
    json,
  });
}
