/**
 * Adaptive polling: poll rarely while a job is far from done and promptly near its end, using what the provider
 * tells us (progress %, an estimated time) and what the library has learned about this kind of job.
 *
 * The fixed loop on the providers' pages polls every 2 s, so a 15 s job costs ~8 requests and is noticed on
 * average 1 s after it finishes. Here:
 * - where progress is trustworthy (it never goes back, and its rate is consistent over two or more readings), the
 *   next poll aims just after the finish extrapolated from the rate ({@link nextPollDelayMs}); a job past its
 *   estimate is polled at a gently growing interval;
 * - otherwise (no progress, noisy progress, a first reading) polls follow a plan computed from the distribution of
 *   past durations of the same provider, model and quality ({@link DurationDistribution}, with the model's typical
 *   duration as the prior), updated with whatever weak evidence this job gives: the plan ({@link planPollTimes})
 *   is sparse where few jobs finish and `hotGapMs` (1.8 s) apart where many do, with a bounded share of jobs
 *   (3 %) noticed later than that, so jobs — short ones too — are noticed as soon as the fixed loop would.
 * All times in ms.
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

// ── polling that learns ──────────────────────────────────────────────────────────────────────────────────────

/** Knobs of the learned schedule (all times in ms). */
export interface LearnedPolicyOptions {
  /**
   * The delay the fixed 2-second loop guarantees, less a margin: where jobs are likely to finish, polls are never
   * further apart than this, and the schedule's budget counts the jobs it would notice later than this.
   */
  hotGapMs: number;
  /** At most this share of all jobs (by the learned distribution) may be noticed later than `hotGapMs` … */
  lateBudget: number;
  /** … and this share of those still running, in a plan made again from a later poll (with new evidence). */
  replanBudget: number;
  /** Past the learned distribution's body, a gap may be at most this fraction of the time elapsed (growth). */
  tailFraction: number;
  /** The prior: a log-normal around the model's typical duration with this σ (of ln ms) … */
  priorSigma: number;
  /** … counted as this many samples. */
  priorWeight: number;
  /** σ (of ln ms) given to a total extrapolated from noisy progress (weak evidence) … */
  noisySigma: number;
  /** … to the provider's own estimate … */
  estimateSigma: number;
  /** … and to the total implied by a single progress reading (a rate needs two). */
  firstReadingSigma: number;
  /** Progress is trusted while the totals it implies stay within this ratio of each other (and it never goes back) … */
  trustSpread: number;
  /** … over at least this many readings; fewer are evidence (σ `firstReadingSigma`) for the plan. */
  trustReadings: number;
}

export const DEFAULT_LEARNED_POLICY: LearnedPolicyOptions = {
  hotGapMs: 1800,
  lateBudget: 0.03,
  replanBudget: 0.01,
  tailFraction: 0.3,
  priorSigma: 0.8,
  priorWeight: 2,
  noisySigma: 0.6,
  estimateSigma: 0.35,
  firstReadingSigma: 0.3,
  trustSpread: 1.06,
  trustReadings: 2,
};

/** One log-normal component: weight, mean and σ of ln(duration in ms). */
interface LogNormal {
  w: number;
  mu: number;
  s: number;
}

/** Φ, the standard normal CDF (Abramowitz & Stegun 7.1.26 for erf, |error| < 1.5e-7). */
function phi(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/**
 * A distribution of job durations (ms from submit to the provider's completion): a mixture of log-normals, one per
 * past duration (a kernel density in ln ms, Silverman's bandwidth) plus the prior around the model's typical duration.
 */
export class DurationDistribution {
  private constructor(private readonly parts: readonly LogNormal[]) {}

  /**
   * From past durations of one provider, model and quality (ms, any order; non-positive ones are ignored) and the
   * model's typical duration as the prior, which dominates while there are few samples.
   */
  static learned(samplesMs: readonly number[], typicalMs: number, opts: LearnedPolicyOptions = DEFAULT_LEARNED_POLICY): DurationDistribution {
    const logs = samplesMs.filter((s) => Number.isFinite(s) && s > 0).map(Math.log);
    const parts: LogNormal[] = [{ w: opts.priorWeight, mu: Math.log(Math.max(1, typicalMs)), s: opts.priorSigma }];
    if (logs.length > 0) {
      const n = logs.length;
      const mean = logs.reduce((a, b) => a + b, 0) / n;
      const sd = n > 1 ? Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : opts.priorSigma;
      const sorted = [...logs].sort((a, b) => a - b);
      const iqr = n >= 4 ? (sorted[Math.floor(0.75 * (n - 1))]! - sorted[Math.floor(0.25 * (n - 1))]!) / 1.34 : sd;
      const spread = iqr > 0 ? Math.min(sd, iqr) : sd;
      const h = Math.max(0.05, 0.9 * spread * n ** -0.2);
      // Samples closer than a fraction of the bandwidth share one component (a log-duration histogram), so the
      // mixture stays small however many samples there are.
      const bin = h / 4;
      const bins = new Map<number, number>();
      for (const l of logs) {
        const k = Math.round(l / bin);
        bins.set(k, (bins.get(k) ?? 0) + 1);
      }
      for (const [k, w] of bins) parts.push({ w, mu: k * bin, s: h });
    }
    return new DurationDistribution(normalise(parts));
  }

  /** P(duration ≤ ms). */
  cdf(ms: number): number {
    if (ms <= 0) return 0;
    const l = Math.log(ms);
    let p = 0;
    for (const c of this.parts) p += c.w * phi((l - c.mu) / c.s);
    return p;
  }

  /** The duration (ms) below which a share `p` (0–1) of jobs finish. */
  quantile(p: number): number {
    let lo = Math.log(1);
    let hi = Math.log(1e9);
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (this.cdf(Math.exp(mid)) < p) lo = mid;
      else hi = mid;
    }
    return Math.exp(hi);
  }

  /**
   * The distribution updated with an estimate of this job's total (ms) that is right within a log-normal error of
   * σ `sigma` (Bayes: each component times the likelihood). A large σ is weak evidence and changes little.
   */
  withEvidence(estimateMs: number, sigma: number): DurationDistribution {
    if (!(estimateMs > 0) || !(sigma > 0)) return this;
    const m = Math.log(estimateMs);
    const parts = this.parts.map((c) => {
      const v = c.s * c.s + sigma * sigma;
      const s2 = 1 / (1 / (c.s * c.s) + 1 / (sigma * sigma));
      return {
        w: (c.w * Math.exp(-((c.mu - m) ** 2) / (2 * v))) / Math.sqrt(v),
        mu: s2 * (c.mu / (c.s * c.s) + m / (sigma * sigma)),
        s: Math.sqrt(s2),
      };
    });
    return parts.some((c) => c.w > 0) ? new DurationDistribution(normalise(parts)) : this;
  }
}

function normalise(parts: LogNormal[]): LogNormal[] {
  const total = parts.reduce((a, c) => a + c.w, 0);
  return parts.map((c) => ({ ...c, w: c.w / total }));
}

/**
 * Poll times (ms since submit, rising) that minimise the expected number of polls per job while at most
 * `lateBudget` of the jobs the distribution describes are noticed more than `hotGapMs` after they finish, starting
 * after a poll (or the submit) at `fromMs` and conditioned on the job running then.
 *
 * A dynamic programme over a grid of hotGap/8 (coarser for a long horizon): a poll at tⱼ after one at tᵢ is paid by every job still running at
 * tᵢ (S(tᵢ) = 1 − F(tᵢ)), and the jobs finishing in (tᵢ, tⱼ − hotGap) are late; a Lagrange multiplier on lateness is
 * searched so the late share meets the budget. The optimum is sparse where the hazard of finishing is low (before
 * the distribution's low quantiles, and in a thin tail) and hotGap apart where it is high. No gap is over
 * `maxGapMs` (nor hotGap: it is at most `maxGapMs` too), and after the first at most max(hotGap, tailFraction ×
 * elapsed), so a long tail is polled at a gently growing interval.
 * The list ends at the distribution's 99.5th percentile; later polls follow {@link tailDelayMs}. `gridPoints` bounds
 * the grid (and the work: O(gridPoints × maxGap/step) per multiplier tried).
 */
export function planPollTimes(
  dist: DurationDistribution,
  fromMs: number,
  policy: PollPolicyOptions = DEFAULT_POLL_POLICY,
  opts: LearnedPolicyOptions = DEFAULT_LEARNED_POLICY,
  gridPoints = 480,
): number[] {
  const hot = Math.min(opts.hotGapMs, policy.maxGapMs);
  const end = Math.max(fromMs + hot, dist.quantile(0.995) * 1.05);
  // hotGap is a whole number of grid steps (8, fewer for a long horizon: about `gridPoints` steps at most).
  const step = hot / Math.max(1, Math.floor(hot / Math.max(hot / 8, (end - fromMs) / gridPoints, 1)));
  const n = Math.ceil((end - fromMs) / step);
  const t = (i: number) => fromMs + i * step;
  const F0 = dist.cdf(fromMs);
  const alive = Math.max(1e-12, 1 - F0);
  // Conditional on running at fromMs: F(i) = P(done by t(i)); lateness uses F at t(j) − hot.
  const F = new Float64Array(n + 1);
  const Flate = new Float64Array(n + 1);
  for (let i = 0; i <= n; i++) {
    F[i] = Math.min(1, Math.max(0, (dist.cdf(t(i)) - F0) / alive));
    Flate[i] = t(i) - hot > fromMs ? Math.min(1, Math.max(0, (dist.cdf(t(i) - hot) - F0) / alive)) : 0;
  }
  const minSteps = Math.max(1, Math.ceil(policy.minGapMs / step));
  const maxSteps = (i: number): number => {
    // From the submit, the first wait can be as long as the distribution says is safe (up to maxGap).
    const cap = i === 0 && fromMs === 0 ? policy.maxGapMs : Math.min(policy.maxGapMs, Math.max(hot, opts.tailFraction * t(i)));
    return Math.max(minSteps, Math.floor(cap / step + 1e-9));
  };
  const V = new Float64Array(n + 1);
  const L = new Float64Array(n + 1);
  const next = new Int32Array(n + 1);
  const solve = (lambda: number): void => {
    V[n] = 0;
    L[n] = 0;
    for (let i = n - 1; i >= 0; i--) {
      const pay = 1 - F[i]!;
      let best = Infinity;
      let bestJ = n;
      let bestL = 0;
      const hiJ = Math.min(n, i + maxSteps(i));
      for (let j = Math.min(n, i + minSteps); j <= hiJ; j++) {
        const late = Math.max(0, Flate[j]! - F[i]!);
        const v = pay + lambda * late + V[j]!;
        if (v < best) {
          best = v;
          bestJ = j;
          bestL = late + L[j]!;
        }
      }
      V[i] = best;
      L[i] = bestL;
      next[i] = bestJ;
    }
  };
  // The late share falls as λ grows: take the smallest λ that meets the budget (fewest polls).
  let lo = Math.log(0.01);
  let hi = Math.log(1e6);
  solve(Math.exp(hi));
  if (L[0]! > opts.lateBudget) {
    // Not reachable within the grid's gap limits: keep the tightest plan.
  } else {
    for (let k = 0; k < 14; k++) {
      const mid = (lo + hi) / 2;
      solve(Math.exp(mid));
      if (L[0]! <= opts.lateBudget) hi = mid;
      else lo = mid;
    }
    solve(Math.exp(hi));
  }
  const out: number[] = [];
  for (let i = next[0]!; ; i = next[i]!) {
    out.push(Math.round(t(i)));
    if (i >= n) break;
  }
  return out;
}

/** Past the planned list: a gap of max(hotGap, tailFraction × elapsed), at most `maxGapMs`. */
export function tailDelayMs(elapsedMs: number, policy: PollPolicyOptions = DEFAULT_POLL_POLICY, opts: LearnedPolicyOptions = DEFAULT_LEARNED_POLICY): number {
  return Math.max(policy.minGapMs, Math.min(policy.maxGapMs, Math.max(opts.hotGapMs, opts.tailFraction * elapsedMs)));
}

/** One progress reading: the value (0–100) and when it was read (ms since submit). */
export interface ProgressReading {
  atMs: number;
  progress: number;
}

/**
 * How far a job's progress readings can be believed.
 * - `none`: no reading between 5 and 99 % yet;
 * - `trusted`: never went back, and the totals the readings imply (elapsed × 100 / progress) agree within
 *   `trustSpread`: the finish is extrapolated from the rate;
 * - `noisy`: it went back, or jumped so the implied totals disagree: weak evidence only.
 * Once noisy, a job stays noisy (its later readings are judged with the earlier ones).
 */
export function progressTrust(readings: readonly ProgressReading[], opts: LearnedPolicyOptions = DEFAULT_LEARNED_POLICY): 'none' | 'trusted' | 'noisy' {
  for (let i = 1; i < readings.length; i++) if (readings[i]!.progress < readings[i - 1]!.progress) return 'noisy';
  const totals = impliedTotals(readings);
  if (totals.length === 0) return 'none';
  return Math.max(...totals) / Math.min(...totals) <= opts.trustSpread ? 'trusted' : 'noisy';
}

/** Totals (ms) implied by readings between 5 and 99 % (whole percents, so a reading p means p to p + 1). */
function impliedTotals(readings: readonly ProgressReading[]): number[] {
  return readings.filter((r) => r.progress >= 5 && r.progress < 100 && r.atMs > 0).map((r) => (r.atMs * 100) / (r.progress + 0.5));
}

/** What the learned policy knows when it picks the next poll. */
export interface LearnedObservation {
  /** Time since submit, ms. */
  elapsedMs: number;
  /** Progress readings so far, oldest first (changes only). */
  readings: readonly ProgressReading[];
  /** The provider's estimate of the total, ms, if any. */
  providerEstimateMs: number | null;
  /** Polls made so far. */
  polls: number;
}

/**
 * The delay before the next poll, ms, from what was learned about this kind of job (`dist`, see
 * {@link DurationDistribution.learned}) and what the provider says about this one:
 * - progress trusted over two or more readings: the finish extrapolated from its rate, as {@link nextPollDelayMs};
 * - otherwise the next of the {@link planPollTimes} of the distribution, updated with the provider's estimate, a
 *   single reading's implied total (σ `firstReadingSigma`) or the median total implied by noisy progress (σ
 *   `noisySigma`, weak evidence) and then planned from now; past the plan, {@link tailDelayMs}.
 * `plan` (the poll times of `dist` from the submit) may be passed in to reuse one computed per distribution.
 */
export function learnedPollDelayMs(
  o: LearnedObservation,
  dist: DurationDistribution,
  policy: PollPolicyOptions = DEFAULT_POLL_POLICY,
  opts: LearnedPolicyOptions = DEFAULT_LEARNED_POLICY,
  plan?: readonly number[],
): number {
  const trust = progressTrust(o.readings, opts);
  const totals = impliedTotals(o.readings);
  if (trust === 'trusted' && totals.length >= opts.trustReadings) {
    const last = o.readings[o.readings.length - 1]!;
    return nextPollDelayMs(
      {
        elapsedMs: o.elapsedMs,
        progress: last.progress,
        progressAtMs: last.atMs,
        providerEstimateMs: o.providerEstimateMs,
        typicalMs: dist.quantile(0.5),
        polls: Math.max(1, o.polls),
      },
      policy,
    );
  }
  let d = dist;
  if (o.providerEstimateMs !== null && o.providerEstimateMs > 0) d = d.withEvidence(o.providerEstimateMs, opts.estimateSigma);
  if (trust === 'trusted') {
    // One reading: not yet a rate to trust, but good evidence of where the finish lies.
    d = d.withEvidence(totals[0]!, opts.firstReadingSigma);
  } else if (trust === 'noisy') {
    const sorted = [...totals].sort((a, b) => a - b);
    if (sorted.length > 0) d = d.withEvidence(sorted[Math.floor(sorted.length / 2)]!, opts.noisySigma);
  }
  const e = o.elapsedMs;
  // A plan made again at every poll would spend its late budget again each time: give each a share of it.
  const times = d === dist ? (plan ?? planPollTimes(dist, 0, policy, opts)) : planPollTimes(d, e, policy, { ...opts, lateBudget: opts.replanBudget }, 160);
  const nextAt = times.find((t) => t >= e + policy.minGapMs);
  return nextAt !== undefined ? Math.max(policy.minGapMs, Math.min(policy.maxGapMs, nextAt - e)) : tailDelayMs(e, policy, opts);
}
