/**
 * The shared shape of a provider's status-to-error table: each provider's `errors.ts` parses its own error envelope
 * into {@link ReplyFacts} and declares an {@link ErrorTable}; {@link errorFromTable} turns the two into the
 * {@link AppError} a non-2xx reply is thrown as. The tables themselves (and the public pages they follow) are in
 * `apiframe/errors.ts`, `evolink/errors.ts` and `openai/errors.ts`.
 */
import { AppError, type ErrorCode } from '@shared/errors';
import type { HttpHeaders } from './http';

/** `params` of an {@link AppError} (values the renderer's translated message uses). */
export type ErrorParams = Record<string, string | number | null>;

/** What one non-2xx reply said, as the provider's envelope parser read it. */
export interface ReplyFacts {
  /** The whole developer-facing message (provider label, `what`, status, the provider's words, request id…). */
  message: string;
  /** The provider's own words, shown verbatim by the UI. */
  providerMessage?: string | undefined;
  /** Field-level details, `{ field: [message] }`. */
  details?: Record<string, string[]> | undefined;
  /** Params every status gets (e.g. the provider's error `code`); a status rule may add to them. */
  params: ErrorParams;
  /** The body parsed as JSON, or undefined (an HTML page, an empty body). */
  json: unknown;
}

/** What a status maps to. */
export interface StatusOutcome {
  code: ErrorCode;
  /** Params added to (and overriding) {@link ReplyFacts.params}. */
  params?: ErrorParams;
  /** Overrides the code's default retryability (e.g. a 429 that is a billing refusal: false). */
  retryable?: boolean;
  /** Read the wait from the reply ({@link ErrorTable.retryAfterMs}) into `retryAfterMs` and `params.retryAfterMs`. */
  retryAfter?: boolean;
}

/** A status's rule: a bare code, an outcome, or an outcome worked out from the reply. */
export type StatusRule = ErrorCode | StatusOutcome | ((facts: ReplyFacts) => StatusOutcome);

/**
 * A provider's status-to-error table. A status that is not listed maps to `provider_unavailable` from 500 up
 * (retryable, except 501 Not Implemented) and to `provider_rejected` below.
 */
export interface ErrorTable {
  statuses: Readonly<Record<number, StatusRule>>;
  /** How long a reply asks to wait, ms (a 429's `Retry-After`, …), or undefined. */
  retryAfterMs(headers: HttpHeaders): number | undefined;
}

/**
 * The {@link AppError} for a non-2xx reply: `status`, `providerMessage` and `details` as `facts` has them, `params`
 * (left out when empty) the facts' params and the rule's, `retryAfterMs` where the rule reads the wait and the reply
 * gave one, `retryable` as the rule says (for an unlisted 5xx: `status !== 501`).
 */
export function errorFromTable(table: ErrorTable, status: number, headers: HttpHeaders, facts: ReplyFacts): AppError {
  const rule = table.statuses[status];
  const outcome: StatusOutcome =
    rule === undefined
      ? status >= 500
        ? { code: 'provider_unavailable', retryable: status !== 501 }
        : { code: 'provider_rejected' }
      : typeof rule === 'string'
        ? { code: rule }
        : typeof rule === 'function'
          ? rule(facts)
          : rule;
  const params: ErrorParams = { ...facts.params, ...outcome.params };
  const retryAfterMs = outcome.retryAfter ? table.retryAfterMs(headers) : undefined;
  if (retryAfterMs !== undefined) params['retryAfterMs'] = retryAfterMs;
  return new AppError(outcome.code, facts.message, {
    status,
    ...(facts.providerMessage !== undefined ? { providerMessage: facts.providerMessage } : {}),
    ...(facts.details ? { details: facts.details } : {}),
    ...(Object.keys(params).length > 0 ? { params } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(outcome.retryable !== undefined ? { retryable: outcome.retryable } : {}),
  });
}
