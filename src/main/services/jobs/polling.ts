/**
 * Adaptive polling: poll rarely while a job is far from done and promptly near its end, using what the provider
 * tells us (progress %, an estimated time) and what we know of the model (its typical duration).
 *
 * The fixed loop on the providers' pages polls every 2 s, so a 15 s job costs ~8 requests and is noticed on
 * average 1 s after it finishes. Here the first poll comes at ~60 % of the expected duration, later polls aim at
 * the estimated finish (from the progress rate, or the provider's estimate), and a job past its estimate is
 * polled at a gently growing interval so the long tail stays cheap. All times in ms.
 */

/** What the policy knows when it picks the next poll. */
export interface PollObservation {
  /** Time since the job was submitted. */
  elapsedMs: number;
  /** Last progress reported (0–100), or null where the provider gives none. */
  progress: number | null;
  /** Time since submit at which `progress` was read (null if never). */
  progressAtMs: number | null;
  /** The provider's own estimate of the total duration (EvoLink `task_info.estimated_time`), if any. */
  providerEstimateMs: number | null;
  /** The model's typical duration on this provider (e.g. gpt-image-2 on Apiframe ≈ 15 s, https://apiframe.ai/models/gpt-image-2). */
  typicalMs: number;
  /** Polls made so far for this job. */
  polls: number;
}

export interface PollPolicyOptions {
  /** Never poll sooner than this after the previous poll. */
  minGapMs: number;
  /** Never wait longer than this between polls. */
  maxGapMs: number;
  /** Interval once a job is overdue starts here and grows ×`overdueGrowth` up to `maxGapMs`. */
  overdueStartMs: number;
  overdueGrowth: number;
  /** Aim this long after the estimated finish (a poll that comes early costs one more request). */
  aimAfterMs: number;
  /** The first poll comes at this fraction of the expected duration. */
  firstFraction: number;
}

export const DEFAULT_POLL_POLICY: PollPolicyOptions = {
  minGapMs: 500,
  maxGapMs: 8000,
  overdueStartMs: 1000,
  overdueGrowth: 1.35,
  aimAfterMs: 150,
  firstFraction: 0.6,
};

/**
 * The expected total duration of a job: from the progress rate when there is progress to extrapolate from,
 * else the provider's estimate, else the model's typical duration.
 */
export function expectedTotalMs(o: PollObservation): number {
  if (o.progress !== null && o.progress >= 5 && o.progress < 100 && o.progressAtMs !== null && o.progressAtMs > 0) {
    return (o.progressAtMs * 100) / o.progress;
  }
  return o.providerEstimateMs ?? o.typicalMs;
}

/**
 * The delay before the next poll, in ms.
 * - first poll: at `firstFraction` of the expected duration;
 * - before the expected finish: at the expected finish (+`aimAfterMs`), never sooner than `minGapMs`;
 * - overdue: `overdueStartMs` growing geometrically with each overdue poll, capped at `maxGapMs`.
 */
export function nextPollDelayMs(o: PollObservation, opts: PollPolicyOptions = DEFAULT_POLL_POLICY): number {
  const total = expectedTotalMs(o);
  const clamp = (ms: number) => Math.max(opts.minGapMs, Math.min(opts.maxGapMs, ms));
  if (o.polls === 0) return clamp(total * opts.firstFraction - o.elapsedMs);
  const remaining = total - o.elapsedMs;
  if (remaining > 0) return clamp(remaining + opts.aimAfterMs);
  // Overdue: the estimate was wrong. Polls at start, start·g, start·g², … after the estimate: the n-th overdue
  // poll falls at start·(gⁿ − 1)/(g − 1), so n follows from how long the job has been overdue.
  const g = opts.overdueGrowth;
  const n = Math.floor(Math.log(1 + (-remaining * (g - 1)) / opts.overdueStartMs) / Math.log(g));
  return clamp(opts.overdueStartMs * g ** n);
}

/** The fixed loop the providers' pages show (every 2 s), for the benchmark's comparison. */
export function fixedPollDelayMs(intervalMs = 2000): number {
  return intervalMs;
}
