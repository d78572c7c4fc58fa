/**
 * What the user may do with a job, decided once for the engine and the UI alike (issue 9): the queue offers exactly
 * the actions {@link jobActions} returns, and the engine accepts exactly those, so no button is refused. Also the
 * charge status behind the rule that no retry of a possibly-paid job pays again unconfirmed, and the words for a
 * job that returned fewer images than it asked for. Pure: no I/O.
 */
import type { JobCharge, JobState, JobView } from './domain';
import type { ErrorCode } from './errors';

/** States in which a job is still on its way (cancel applies). */
const ACTIVE: readonly JobState[] = ['queued', 'submitting', 'running', 'downloading'];
/** States a retry applies to: the job ended without its images. */
const RETRIABLE: readonly JobState[] = ['failed', 'canceled', 'expired'];

/**
 * Submit failures the provider certainly answered without running the job, so nothing was charged: a refusal of
 * the request (4xx other than 409), a missing key or reference, or a 429 (the request was not processed).
 */
const REFUSED_UNRUN: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'validation',
  'prompt_too_long',
  'no_api_key',
  'provider_auth',
  'provider_forbidden',
  'insufficient_credits',
  'provider_rejected',
  'rate_limited',
  'not_found',
  'bad_file',
]);

/**
 * Failures after which the provider will not deliver the remote job's images (it failed it, purged them, lost or
 * canceled it): a retry must submit anew rather than resume watching.
 */
const REMOTE_DEAD: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['provider_job_failed', 'result_expired', 'provider_not_found', 'canceled']);

/** The facts {@link jobCharge} reads; the journal and the view both have them. */
export interface ChargeFacts {
  provider: string;
  /** The provider's job id, once it accepted the submit. */
  remoteId: string | null;
  /** Actual charge in credits (Apiframe `creditCost`), or null. */
  credits: number | null;
  /** Actual charge in USD where priced, or null. */
  costUsd: number | null;
  /** When a submit was first about to go on the wire under the current key (epoch ms); null: never sent. */
  postedAt: number | null;
  error: { code: ErrorCode } | null;
}

/**
 * Whether the job's current attempt has cost money: `charged` (the provider reported a charge above zero), `none`
 * (free, reported as zero, never sent, or refused unrun — see REFUSED_UNRUN), `unknown` (the provider has or may
 * have the job and reported no charge: accepted without a `creditCost`, or the submit's outcome is unknown — a
 * lost reply, a timeout, a 5xx, a 409 on our own key, an interrupted submit).
 */
export function jobCharge(f: ChargeFacts): JobCharge {
  if (f.provider === 'sandbox') return 'none';
  if (f.credits !== null || f.costUsd !== null) return (f.credits ?? 0) > 0 || (f.costUsd ?? 0) > 0 ? 'charged' : 'none';
  if (f.remoteId !== null) return 'unknown';
  if (f.postedAt === null) return 'none';
  if (f.error && REFUSED_UNRUN.has(f.error.code)) return 'none';
  return 'unknown';
}

/** A retry as offered: resume watching the remote job (free), or submit anew (paid; `confirm` where it may pay twice). */
export interface RetryAction {
  mode: 'resume' | 'resubmit';
  /**
   * True where the job may already have been charged and a retry pays again: the caller must pass
   * `confirmPaid: true` (the UI asks first, naming the cost).
   */
  confirm: boolean;
}

/** The actions the queue offers on a job, and the only ones the engine accepts. */
export interface JobActions {
  /** Cancel: the job is on its way and no cancel was asked for yet. */
  cancel: boolean;
  /** Retry, or null where the job cannot be retried (on its way, or completed). */
  retry: RetryAction | null;
}

/** The job fields {@link jobActions} reads. */
export type JobActionFacts = Pick<JobView, 'state' | 'cancelRequested' | 'remoteJobId' | 'error' | 'charge'>;

/**
 * The actions for a job in its current state:
 * - queued / submitting / running / downloading: cancel (unless already asked), no retry;
 * - completed: nothing (an edit or a replay makes a new job);
 * - failed: retry — resume watching where the provider has the job and may still deliver (it failed on our side:
 *   a poll or a download), else a fresh submit;
 * - canceled: retry as a fresh submit (free to confirm where it was canceled before it was sent);
 * - expired: retry as a fresh submit (the results are gone: it is paid again, so it is confirmed).
 * A fresh submit needs confirmation unless the job's charge is `none` ({@link jobCharge}).
 */
export function jobActions(job: JobActionFacts): JobActions {
  const cancel = ACTIVE.includes(job.state) && !job.cancelRequested;
  if (!RETRIABLE.includes(job.state)) return { cancel, retry: null };
  const resume =
    job.state === 'failed' && job.remoteJobId !== null && job.error !== null && !REMOTE_DEAD.has(job.error.code);
  if (resume) return { cancel, retry: { mode: 'resume', confirm: false } };
  return { cancel, retry: { mode: 'resubmit', confirm: job.charge !== 'none' } };
}

/** A completed job that returned fewer images than it asked for, and what it was charged for. */
export interface Shortfall {
  /** Images the provider returned (and the library holds). */
  returned: number;
  /** Images asked for. */
  expected: number;
  /**
   * Images the charge covers, from the actual charge (credits) over the estimate's price per image, or null where
   * no charge is known ("charge unknown").
   */
  chargedFor: number | null;
}

/**
 * The shortfall of a completed job (fewer images than `expectedCount`), or null where there is none. The provider
 * returned fewer and nothing more can be fetched: its reply listed only these outputs. `chargedFor` reads
 * Apiframe's `creditCost` (the actual charge) against the estimate's credits per image.
 */
export function jobShortfall(
  job: Pick<JobView, 'state' | 'expectedCount' | 'assetIds' | 'credits' | 'creditsEstimate' | 'provider'>,
): Shortfall | null {
  if (job.state !== 'completed' || job.assetIds.length >= job.expectedCount) return null;
  const perImage = job.creditsEstimate !== null && job.expectedCount > 0 ? job.creditsEstimate / job.expectedCount : null;
  let chargedFor: number | null = null;
  if (job.provider === 'sandbox') chargedFor = 0;
  else if (job.credits !== null && perImage !== null && perImage > 0) {
    chargedFor = Math.min(job.expectedCount, Math.max(0, Math.round(job.credits / perImage)));
  }
  return { returned: job.assetIds.length, expected: job.expectedCount, chargedFor };
}
