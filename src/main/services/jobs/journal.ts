/**
 * The durable job journal: every job is a row in `jobs` before anything goes on the wire, and every state change
 * is one transaction that also stores what the next step needs (idempotency key, remote id, upload URLs, output
 * URLs). A crash at any point leaves a row from which the engine resumes without paying twice.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../library/db';
import { AppErrorShape } from '@shared/errors';
import type { ModelId, ProviderId } from '@shared/capabilities';
import { ACTIVE_JOB_STATES, type JobState, type JobView } from '@shared/domain';
import { jobCharge } from '@shared/jobs';
import { evolinkDerivedUsd } from '@shared/providers/evolink';
import type { UploadedReference } from '../providers/types';
import { JobsRepository, type JobColumn, type JobReferenceRow, type JobRow } from '../repositories/jobs';

/** A job row, decoded. Times in epoch ms. */
export interface JobRecord {
  id: string;
  folderId: string;
  provider: ProviderId;
  model: ModelId;
  prompt: string;
  params: Record<string, unknown>;
  state: JobState;
  progress: number | null;
  idempotencyKey: string;
  remoteId: string | null;
  uploads: UploadedReference[] | null;
  /** Outputs reported by the provider, stored before any is downloaded (URLs expire; inline bytes are not kept). */
  outputs: StoredOutput[] | null;
  expectedCount: number;
  credits: number | null;
  /** The actual charge in USD where the provider's usage could be priced. */
  costUsd: number | null;
  /** The provider's usage report, verbatim. */
  usage: unknown;
  /** Estimates shown before submit (credits, USD). */
  creditsEstimate: number | null;
  usdEstimate: number | null;
  /** The user canceled while the provider had the job and cannot cancel it: watched still, result kept. */
  cancelRequested: boolean;
  /**
   * The exact submit body (JSON) first sent under `idempotencyKey`, journalled before it went on the wire; every
   * later attempt under that key resends it verbatim. Null until then (or for providers whose body is not JSON).
   */
  requestBody: unknown;
  /** When a submit was first about to go on the wire under the current key (epoch ms); null: never sent. */
  postedAt: number | null;
  /** What earlier attempts cost before a retry submitted the job anew in place (credits, USD), or null. */
  priorCredits: number | null;
  priorUsd: number | null;
  error: AppErrorShape | null;
  attempts: number;
  createdAt: number;
  submittedAt: number | null;
  completedAt: number | null;
  updatedAt: number;
}

/** An output as journalled: a URL still to download, or bytes that arrived inline and are already in the store. */
export type StoredOutput = { url: string } | { blobId: string };

/** A reference image of a job, in submit order (`position` 0-based). */
export type JobReference = JobReferenceRow;

/**
 * Allowed transitions. `submitting → submitting` is a retry with the same idempotency key; `running → running`
 * a progress update; `downloading → downloading` a partial download; `submitting → downloading` a synchronous
 * provider whose reply carried the images (stored before this one transaction). Terminal states have no way out except
 * a retry (src/shared/jobs.ts `jobActions`): `failed | canceled | expired → queued` (submit anew),
 * `failed → running` (resume watching a remote job that may still deliver) and `failed → downloading` (resume
 * fetching the outputs a completed remote job was journalled with).
 */
const TRANSITIONS: Record<JobState, readonly JobState[]> = {
  queued: ['submitting', 'canceled', 'failed'],
  submitting: ['submitting', 'running', 'downloading', 'failed', 'canceled', 'queued'],
  running: ['running', 'downloading', 'failed', 'canceled', 'expired'],
  downloading: ['downloading', 'completed', 'failed', 'expired'],
  completed: [],
  failed: ['queued', 'running', 'downloading'],
  canceled: ['queued'],
  expired: ['queued'],
};

/** True where `from → to` is a legal journal transition. */
export function canTransition(from: JobState, to: JobState): boolean {
  return TRANSITIONS[from].includes(to);
}

function decode(row: JobRow): JobRecord {
  return {
    id: row.id,
    folderId: row.folder_id,
    provider: row.provider as ProviderId,
    model: row.model as ModelId,
    prompt: row.prompt,
    params: JSON.parse(row.params) as Record<string, unknown>,
    state: row.state as JobState,
    progress: row.progress,
    idempotencyKey: row.idempotency_key,
    remoteId: row.remote_id,
    uploads: row.uploads ? (JSON.parse(row.uploads) as UploadedReference[]) : null,
    outputs: row.outputs ? (JSON.parse(row.outputs) as StoredOutput[]) : null,
    expectedCount: row.expected_count,
    credits: row.credits,
    costUsd: row.cost_usd,
    usage: row.usage ? (JSON.parse(row.usage) as unknown) : null,
    creditsEstimate: row.credits_estimate,
    usdEstimate: row.usd_estimate,
    cancelRequested: row.cancel_requested === 1,
    requestBody: row.request_body === null ? null : (JSON.parse(row.request_body) as unknown),
    postedAt: row.posted_at,
    priorCredits: row.prior_credits,
    priorUsd: row.prior_usd,
    error: row.error ? AppErrorShape.parse(JSON.parse(row.error)) : null,
    attempts: row.attempts,
    createdAt: row.created_at,
    submittedAt: row.submitted_at,
    completedAt: row.completed_at,
    updatedAt: row.updated_at,
  };
}

/** Fields a transition may set alongside the new state. */
export interface TransitionPatch {
  progress?: number | null;
  remoteId?: string;
  uploads?: UploadedReference[];
  outputs?: StoredOutput[];
  credits?: number | null;
  costUsd?: number | null;
  usage?: unknown;
  cancelRequested?: boolean;
  /** Retry in place with a fresh idempotency key (the old one would replay the old, failed job). */
  newIdempotencyKey?: boolean;
  /**
   * Forget the remote job, uploads and outputs (a retry that submits anew). The attempt's charge (credits, USD)
   * moves to `prior_credits` / `prior_usd`, so spend still counts it.
   */
  resetRemote?: boolean;
  /**
   * The submit body about to be sent under the current key, and the time (epoch ms): set together, in the
   * transaction right before the POST, and only where none is stored yet (the first body sent under a key is kept).
   */
  posted?: { at: number; body: unknown };
  error?: AppErrorShape | null;
  attemptsDelta?: number;
  submittedAt?: number;
  completedAt?: number | null;
}

/** Thrown (as a plain Error, a bug) when code asks for an illegal transition. */
export class IllegalTransition extends Error {}

export class JobJournal {
  private readonly repo: JobsRepository;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.repo = JobsRepository.of(db);
  }

  /**
   * Inserts a queued job with a fresh idempotency key and its ordered reference images, atomically.
   * @returns the new record
   */
  create(input: {
    folderId: string;
    provider: ProviderId;
    model: ModelId;
    prompt: string;
    params: Record<string, unknown>;
    expectedCount: number;
    references: { blobId: string; name: string }[];
    creditsEstimate?: number | null;
    usdEstimate?: number | null;
    /** Provider URLs already valid for some references, by position (an edit reusing its parent's URL). */
    uploads?: UploadedReference[];
    /** A PNG mask for the first reference (OpenAI edits), sent with the submit. */
    maskBlobId?: string | null;
    /** The idempotency key of the first attempt (≤ 255 characters; a batch row's is derived from batch id + row); default a fresh UUID. */
    idempotencyKey?: string;
  }): JobRecord {
    const id = randomUUID();
    const t = this.now();
    this.db.transaction(() => {
      this.repo.insertQueued({
        id,
        folderId: input.folderId,
        provider: input.provider,
        model: input.model,
        prompt: input.prompt,
        params: JSON.stringify(input.params),
        idempotencyKey: input.idempotencyKey ?? randomUUID(),
        expectedCount: input.expectedCount,
        creditsEstimate: input.creditsEstimate ?? null,
        usdEstimate: input.usdEstimate ?? null,
        createdAt: t,
      });
      input.references.forEach((r, i) => this.repo.insertReference(id, i, r.blobId, r.name));
      if (input.uploads?.length || input.maskBlobId) {
        this.repo.setUploadsAndMask(id, input.uploads?.length ? JSON.stringify(input.uploads) : null, input.maskBlobId ?? null);
      }
    })();
    return this.get(id)!;
  }

  /** The job, or null when it does not exist (e.g. its folder was deleted). */
  get(id: string): JobRecord | null {
    const row = this.repo.byId(id);
    return row ? decode(row) : null;
  }

  /** The job holding this idempotency key, or null. */
  getByIdempotencyKey(key: string): JobRecord | null {
    const row = this.repo.byIdempotencyKey(key);
    return row ? decode(row) : null;
  }

  /**
   * Remote ids of `provider`'s jobs other than `exceptId` submitted (or created) at or after `since` (epoch ms):
   * jobs already followed, which a search for a lost original must not take.
   */
  remoteIdsSince(provider: ProviderId, since: number, exceptId: string): string[] {
    return this.repo.remoteIdsSince(provider, since, exceptId);
  }

  /** Jobs not yet in a terminal state, oldest first: what the engine resumes on start. */
  listActive(): JobRecord[] {
    return this.repo.inStates(ACTIVE_JOB_STATES).map(decode);
  }

  /**
   * `provider`'s running jobs that have a remote id, oldest first: what one shared poll reads. Only those rows are
   * decoded (not the queued rows of a large batch, as a filter over {@link listActive} would).
   */
  listRunning(provider: ProviderId): JobRecord[] {
    return this.repo
      .inStates(['running'])
      .filter((r) => r.provider === provider && r.remote_id !== null)
      .map(decode);
  }

  /** Jobs newest first, optionally of one folder and/or only active ones. */
  list(opts: { folderId: string | null; activeOnly: boolean; limit?: number }): JobRecord[] {
    return this.repo
      .list({ folderId: opts.folderId, states: opts.activeOnly ? ACTIVE_JOB_STATES : null, limit: opts.limit ?? 500 })
      .map(decode);
  }

  /** The job's reference images in submit order. */
  references(jobId: string): JobReference[] {
    return this.repo.references(jobId);
  }

  /** The blob id of the job's mask (OpenAI edits), or null. */
  mask(jobId: string): string | null {
    return this.repo.mask(jobId);
  }

  /**
   * Moves a job to `to` and stores `patch` in the same transaction.
   * @returns the updated record, or null when the job no longer exists
   * @throws IllegalTransition when `from → to` is not allowed (a bug in the caller)
   */
  transition(id: string, to: JobState, patch: TransitionPatch = {}): JobRecord | null {
    return this.db.transaction(() => {
      const cur = this.get(id);
      if (!cur) return null;
      if (!canTransition(cur.state, to)) {
        throw new IllegalTransition(`job ${id}: ${cur.state} → ${to} is not allowed`);
      }
      // A column set twice keeps its first place and its last value (as SQLite does with a repeated assignment).
      const cols = new Map<JobColumn, unknown>([
        ['state', to],
        ['updated_at', this.now()],
      ]);
      const put = (col: JobColumn, v: unknown): void => {
        cols.set(col, v);
      };
      if (patch.progress !== undefined) put('progress', patch.progress);
      if (patch.remoteId !== undefined) put('remote_id', patch.remoteId);
      if (patch.uploads !== undefined) put('uploads', JSON.stringify(patch.uploads));
      if (patch.outputs !== undefined) put('outputs', JSON.stringify(patch.outputs));
      if (patch.credits !== undefined && !patch.resetRemote) put('credits', patch.credits);
      if (patch.costUsd !== undefined && !patch.resetRemote) put('cost_usd', patch.costUsd);
      if (patch.usage !== undefined && !patch.resetRemote) put('usage', patch.usage === null ? null : JSON.stringify(patch.usage));
      if (patch.cancelRequested !== undefined) put('cancel_requested', patch.cancelRequested ? 1 : 0);
      if (patch.newIdempotencyKey) {
        // A fresh key has never been sent: forget the body and time of the old one.
        put('idempotency_key', randomUUID());
        put('request_body', null);
        put('posted_at', null);
      }
      if (patch.posted !== undefined && cur.postedAt === null) {
        put('posted_at', patch.posted.at);
        put('request_body', patch.posted.body === null || patch.posted.body === undefined ? null : JSON.stringify(patch.posted.body));
      }
      if (patch.resetRemote) {
        if (cur.credits !== null) put('prior_credits', (cur.priorCredits ?? 0) + cur.credits);
        if (cur.costUsd !== null) put('prior_usd', (cur.priorUsd ?? 0) + cur.costUsd);
        put('credits', null);
        put('cost_usd', null);
        put('usage', null);
        put('remote_id', null);
        put('uploads', null);
        put('outputs', null);
        put('progress', null);
        put('submitted_at', null);
        put('completed_at', null);
      }
      if (patch.error !== undefined) put('error', patch.error === null ? null : JSON.stringify(patch.error));
      if (patch.submittedAt !== undefined) put('submitted_at', patch.submittedAt);
      if (patch.completedAt !== undefined) put('completed_at', patch.completedAt);
      this.repo.update(id, cols, patch.attemptsDelta ?? 0);
      return this.get(id);
    })();
  }

  /** Output indexes that already have an asset (downloads resume after them). */
  outputIndexesWithAssets(jobId: string): number[] {
    return this.repo.outputIndexesWithAssets(jobId);
  }

  /** The job as the renderer sees it, with the asset ids stored so far in output order. */
  view(job: JobRecord): JobView {
    const assetIds = this.repo.assetIds(job.id);
    const refCount = this.repo.referenceCount(job.id);
    return {
      id: job.id,
      folderId: job.folderId,
      provider: job.provider,
      model: job.model,
      prompt: job.prompt,
      params: job.params,
      state: job.state,
      progress: job.progress,
      error: job.error,
      remoteJobId: job.remoteId,
      credits: job.credits,
      costUsd: job.costUsd,
      costUsdDerived: evolinkDerivedUsd(job.provider, job.usage),
      creditsEstimate: job.creditsEstimate,
      usdEstimate: job.usdEstimate,
      charge: jobCharge({ ...job, error: job.error }),
      cancelRequested: job.cancelRequested,
      expectedCount: job.expectedCount,
      assetIds,
      referenceCount: refCount,
      createdAt: job.createdAt,
      completedAt: job.completedAt,
    };
  }
}
