/**
 * The interface every provider adapter implements. The job engine drives a job through it; adapters know the
 * wire, the engine knows the journal. Adapters throw {@link AppError} (from src/shared/errors) for every failure,
 * with `retryable` and, for 429, `retryAfterMs` set, so the engine can decide to wait, retry or fail the job.
 */
import type { ModelId, ProviderId } from '@shared/capabilities';

/** Credentials and endpoint for one call. `apiKey` is null for providers that need none (sandbox). */
export interface ProviderContext {
  apiKey: string | null;
  /** Base URL without a trailing slash, e.g. `https://api.apiframe.ai`. */
  baseUrl: string;
  /** Aborts the request (app shutdown, job canceled). */
  signal?: AbortSignal;
}

/**
 * One partial preview of an image being made (OpenAI `image_generation.partial_image` / `image_edit.partial_image`,
 * https://platform.openai.com/docs/api-reference/images-streaming). Never stored: the engine downsizes it and sends
 * it to the window as a `job.partial` event, and drops it when the job ends.
 */
export interface PartialImage {
  /** 0-based index of the partial (`partial_image_index`), in the order they arrive. */
  index: number;
  bytes: Uint8Array;
  mime: 'image/png' | 'image/jpeg' | 'image/webp';
}

/** A local reference image to hand to the provider. */
export interface ReferenceInput {
  blobId: string;
  name: string;
  mime: 'image/png' | 'image/jpeg' | 'image/webp';
  bytes: Uint8Array;
}

/** A reference image already uploaded to the provider, with the time its URL stops working (epoch ms). */
export interface UploadedReference {
  blobId: string;
  url: string;
  expiresAt: number | null;
}

/** What the engine submits. `params` were parsed by the model's capability schema (defaults filled). */
export interface SubmitRequest {
  model: ModelId;
  prompt: string;
  params: Record<string, unknown>;
  /** URLs (or adapter-specific references) of the reference images, in order, from `uploadReferences`. */
  referenceUrls: string[];
  /**
   * The reference images' bytes, in order, for providers that take files inline (OpenAI edits, multipart
   * `image[]`). Empty when the job has none.
   */
  references: ReferenceInput[];
  /** A PNG mask for the first reference (OpenAI edits), where the model takes one. */
  mask?: ReferenceInput;
  /** Sent as the provider's idempotency key where it has one (Apiframe `Idempotency-Key`). */
  idempotencyKey: string;
  /**
   * An edit-chain step that asked for another way than the provider's default (OpenAI `responses`: the Responses
   * API's `image_generation` tool, continuing `previousResponseId` when set, else with the parent — `references[0]`
   * — as an input image; https://developers.openai.com/api/docs/guides/image-generation). Absent: the default way.
   */
  chain?: { method: 'responses'; previousResponseId: string | null };
  /**
   * A body from {@link ProviderAdapter.buildSubmitBody}, sent verbatim instead of one built from the fields above:
   * a resubmit under a key that may have been used must send exactly the body first sent (Apiframe answers 409 to
   * a changed body under the same `Idempotency-Key`).
   */
  body?: unknown;
  /**
   * Set where the adapter {@link ProviderAdapter.streamsPartials} and the user left previews on (src/main/services/
   * jobs/partials.ts `withPartialPreviews`): the adapter then asks for a stream and calls this with each partial image, in order, before `submit` resolves. A
   * stream that breaks fails the submit as a dropped connection would (nothing of a partial is kept).
   */
  onPartial?: (partial: PartialImage) => void;
}

/** What the engine knows of a job whose submit may have created a remote job it never heard of (see findOriginal). */
export interface OriginalJobHint {
  model: ModelId;
  /** The exact submit body sent under the key, or null where it was not kept. */
  body: unknown;
  prompt: string;
  /** Images asked for. */
  count: number;
  /** Earliest time the remote job can have been created, epoch ms (a few minutes of clock skew are allowed). */
  since: number;
  /** Remote ids other local jobs already follow: never the one we look for. */
  exclude: ReadonlySet<string>;
}

/** One output of a finished job: a URL to download, or bytes a synchronous provider returned inline. */
export type RemoteOutput = { url: string } | { bytes: Uint8Array };

/** The state of a remote job, normalised. */
export type RemoteStatus =
  | {
      state: 'queued' | 'running';
      progress: number | null;
      /** The provider's estimate of the job's total duration, ms (EvoLink `task_info.estimated_time`). */
      estimatedTotalMs?: number | null;
    }
  | {
      state: 'completed';
      outputs: RemoteOutput[];
      /** Credits charged (Apiframe `creditCost`), null where the provider bills otherwise. */
      credits: number | null;
      /** The charge in USD where it can be priced from the provider's usage report (EvoLink, OpenAI). */
      usd?: number | null;
      /** The provider's usage object as reported (tokens), stored verbatim. */
      usage?: unknown;
      /** How long the job ran by the provider's own clock (Apiframe `completedAt − createdAt`), ms, where it says. */
      durationMs?: number | null;
    }
  | { state: 'failed'; reason: string; credits: number | null }
  | { state: 'canceled' }
  /**
   * The provider purged the results before we fetched them (Apiframe `expired: true`). `credits` is what the job
   * was charged all the same (Apiframe `creditCost`), null or absent where the provider does not say.
   */
  | { state: 'expired'; credits?: number | null };

/** What a submit returns: the provider's job id, and for synchronous providers the finished status at once. */
export interface SubmitResult {
  remoteId: string;
  /** Set by synchronous APIs (OpenAI Images): the job is already finished. */
  status?: RemoteStatus;
}

export interface ProviderAdapter {
  readonly id: ProviderId;
  /**
   * False where the provider gives no idempotency guarantee for a submit (OpenAI Images): the engine then never
   * resubmits automatically after a submit that may have reached the provider. Default true.
   */
  readonly idempotentSubmit?: boolean;
  /**
   * True where `submit` can stream partial previews to {@link SubmitRequest.onPartial} (OpenAI Images API,
   * `stream: true` with `partial_images`). Default false.
   */
  readonly streamsPartials?: boolean;
  /** False where references travel inline with the submit (OpenAI edits): no upload step. Default true. */
  readonly uploadsReferences?: boolean;
  /**
   * Uploads local reference images right before submit (Apiframe `POST /v2/uploads`, URLs live ~1–2 h).
   * Returns one entry per input, in order.
   */
  uploadReferences(refs: ReferenceInput[], ctx: ProviderContext): Promise<UploadedReference[]>;
  /**
   * The exact JSON body {@link ProviderAdapter.submit} would send for `req`, for the engine to journal before it
   * goes on the wire (idempotent providers only; absent elsewhere).
   * @throws AppError `validation` / `prompt_too_long` as submit would, before anything is sent
   */
  buildSubmitBody?(req: SubmitRequest): unknown;
  /** Submits a job (`req.body` verbatim where set); returns the provider's job id. Safe to repeat with the same key. */
  submit(req: SubmitRequest, ctx: ProviderContext): Promise<SubmitResult>;
  /**
   * Finds the remote job a submit created when its reply was lost and the key can no longer give it back (a 409 on
   * our own key, or a key past the provider's 24 h window): Apiframe `GET /v2/jobs` (cursor pages, newest first)
   * from `hint.since`, each candidate of `hint.model` read with `GET /v2/jobs/{id}` and matched on its `input`.
   * @returns the remote job id, or null where none matches
   */
  findOriginal?(hint: OriginalJobHint, ctx: ProviderContext): Promise<string | null>;
  /** Reads the remote job's state once. */
  poll(remoteId: string, ctx: ProviderContext): Promise<RemoteStatus>;
  /**
   * Reads the state of several running jobs in as few requests as the provider allows (Apiframe: `GET /v2/jobs`,
   * newest first, 100 a page, https://docs-v2.apiframe.ai/ and specs/apiframe-v2-openapi.json `JobList`). Jobs not
   * found in the pages read (older than they reach, or unreadable) are absent from `statuses`; the engine polls
   * those one by one. `submittedAt` (epoch ms) bounds how far back to page. Absent where the provider has no list.
   * @returns the statuses found by remote id, and how many requests it took
   * @throws AppError as {@link ProviderAdapter.poll} for the request itself
   */
  pollMany?(jobs: ReadonlyArray<{ remoteId: string; submittedAt: number }>, ctx: ProviderContext): Promise<{ statuses: Map<string, RemoteStatus>; requests: number }>;
  /** Downloads one output's bytes (undici, with a timeout and a size cap). */
  fetchOutput(output: RemoteOutput, ctx: ProviderContext): Promise<Uint8Array>;
  /** Account balance for Settings (Apiframe `GET /v2/me` → `team.credits`). */
  account(ctx: ProviderContext): Promise<{ credits: number | null; email: string | null }>;
}
