/**
 * Error codes and the serialisable error shape that crosses every process boundary.
 *
 * Services throw {@link AppError}; the dispatcher turns it into {@link AppErrorShape} inside a
 * `{ ok: false, error }` envelope; the renderer translates `code` (with `params`) through i18n and shows
 * `providerMessage` verbatim where a provider gave a reason. Stacks never cross the boundary.
 */
import { z } from 'zod';

/** Every error code the app can report. Keep in step with the `errors.*` keys in the renderer's i18n files. */
export const ERROR_CODES = [
  'validation', // input failed a schema or rule; `params.field` / `params.reason`
  'not_found', // an id that does not exist (project, asset, job, blob)
  'conflict', // an operation that would break an invariant (name clash, moving a folder into itself)
  'bad_file', // a file that cannot enter: `params.name`, `params.reason` (a BadFileReason)
  'prompt_too_long', // `params.length`, `params.max`
  'no_api_key', // the provider needs a key and none is set; `params.provider`
  'provider_auth', // 401: the key is wrong
  'provider_forbidden', // 403: key inactive, lacks permission
  'insufficient_credits', // 402: `params.required`, `params.available` (credits)
  'rate_limited', // 429: `params.retryAfterMs`
  'provider_rejected', // 400/422 from a provider: `providerMessage`, `details`
  'provider_conflict', // 409: an idempotency key replayed with a different body
  'provider_not_found', // 404 on a remote job
  'provider_unavailable', // 5xx
  'provider_bad_response', // a reply that failed its schema, or an image that is not an image
  'provider_job_failed', // the provider ran the job and reports failure: `providerMessage`
  'result_expired', // the provider purged the results before they were fetched
  'network', // connection refused / reset / DNS
  'timeout', // no reply within the request timeout
  'canceled', // canceled by the user
  'interrupted', // the app stopped while a submit without an idempotency guarantee was under way; not resent
  'budget_exceeded', // a submit or batch that would pass its project's budget, without `overrideBudget`: `params.project`, `unit`, `cap`, `used`, `left`, `estimate`, `period`, `estimated`
  'paid_retry_unconfirmed', // a retry that would pay again for a job that may have been charged, without `confirmPaid`: `params.credits`, `params.usd` (estimates, or null)
  'keychain_unavailable', // the OS keychain cannot be reached
  'disk_full', // no space left where a file was being written (import, export, backup): `params.path`
  'forbidden', // a path the user did not choose in this session (desktop window: no path grant); `params.field`
  'internal', // a bug: logged with its stack in the main process
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Why a file was refused at an input path (reference drop, import). Translated as `badFile.<reason>`. */
export const BAD_FILE_REASONS = [
  'empty', // 0 bytes
  'too_large', // over the byte limit (`params.maxBytes`)
  'not_an_image', // magic bytes match no accepted image format
  'unsupported_format', // a real image in a format the providers refuse (GIF, SVG, …)
  'animated', // animated image
  'truncated', // the data ends before the image does
  'corrupt', // checksum or structure error
  'too_many_pixels', // header declares more pixels than allowed (decompression bomb), checked without decoding
  'unreadable', // the file could not be read from disk
] as const;
export type BadFileReason = (typeof BAD_FILE_REASONS)[number];

export const AppErrorShape = z.object({
  code: z.enum(ERROR_CODES),
  /** English developer-facing message; the UI prefers the translated `code`. */
  message: z.string(),
  /** Values for the translated message, e.g. `{ name: 'a.png', reason: 'truncated' }`. */
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  /** The provider's own words, shown verbatim (e.g. "content policy violation"). */
  providerMessage: z.string().optional(),
  /** Field-level details, e.g. Apiframe's 400 `details` `{ "gptImage2Params.aspect_ratio": ["…"] }`. */
  details: z.record(z.string(), z.array(z.string())).optional(),
  /** HTTP status from a provider, when there was one. */
  status: z.number().int().optional(),
  /** True where retrying the same request later may succeed (429, 5xx, network). */
  retryable: z.boolean(),
});
export type AppErrorShape = z.infer<typeof AppErrorShape>;

const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'rate_limited',
  'provider_unavailable',
  'network',
  'timeout',
]);

/**
 * The one error class services throw. `params` feed the translated message; `retryable` defaults from the code.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly params: AppErrorShape['params'];
  readonly providerMessage: string | undefined;
  readonly details: AppErrorShape['details'];
  readonly status: number | undefined;
  readonly retryable: boolean;
  /** For 429: how long the provider asked us to wait, in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    opts: {
      params?: AppErrorShape['params'];
      providerMessage?: string;
      details?: AppErrorShape['details'];
      status?: number;
      retryable?: boolean;
      retryAfterMs?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.params = opts.params;
    this.providerMessage = opts.providerMessage;
    this.details = opts.details;
    this.status = opts.status;
    this.retryable = opts.retryable ?? RETRYABLE.has(code);
    this.retryAfterMs = opts.retryAfterMs;
  }

  /** The serialisable form sent over IPC/HTTP (no stack). */
  toShape(): AppErrorShape {
    const shape: AppErrorShape = { code: this.code, message: this.message, retryable: this.retryable };
    if (this.params) shape.params = this.params;
    if (this.providerMessage !== undefined) shape.providerMessage = this.providerMessage;
    if (this.details) shape.details = this.details;
    if (this.status !== undefined) shape.status = this.status;
    return shape;
  }

  static fromShape(s: AppErrorShape): AppError {
    return new AppError(s.code, s.message, {
      params: s.params,
      providerMessage: s.providerMessage,
      details: s.details,
      status: s.status,
      retryable: s.retryable,
    });
  }
}

/** Wraps anything thrown into an AppError (`internal` unless it already is one). */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new AppError('internal', message, { cause: err });
}

/** Exhaustiveness helper for switches over unions (Signal's `missingCaseError`). */
export function missingCase(x: never): Error {
  return new Error(`unhandled case: ${JSON.stringify(x)}`);
}
