/**
 * Polling that learns (src/main/services/jobs/polling.ts): the schedule planned from past durations, the prior when
 * there are none, and how progress is believed. Jobs are simulated against the policy (no clock, no network): a job
 * of duration T is noticed at the first poll at or after T, and the fixed 2-second loop notices it at 2·⌈T/2⌉ s.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_LEARNED_POLICY as L,
  DEFAULT_POLL_POLICY as P,
  DurationDistribution,
  learnedPollDelayMs,
  planPollTimes,
  progressTrust,
  type ProgressReading,
} from '../../src/main/services/jobs/polling';

/** mulberry32, so every run draws the same jobs. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/** Log-uniform 2–8 s. */
const short = (n: number, seed: number) => {
  const r = rng(seed);
  return Array.from({ length: n }, () => 2000 * 4 ** r());
};
/** Log-normal around 15 s (σ 0.45), 1 in 10 taking 2–4× longer. */
const typical15 = (n: number, seed: number) => {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const z = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    let s = 15_000 * Math.exp(0.45 * z);
    if (r() < 0.1) s *= 2 + 2 * r();
    return Math.max(3000, s);
  });
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

type Progress = (T: number, t: number, job: number) => number | null;

/** Runs each job through the policy; returns requests and notice delays (ms) for ours and for the fixed loop. */
function simulate(jobs: number[], dist: DurationDistribution, progress: Progress = () => null) {
  const plan = planPollTimes(dist, 0);
  const ours = jobs.map((T, job) => {
    let e = 0;
    let polls = 0;
    const readings: ProgressReading[] = [];
    for (;;) {
      const d = learnedPollDelayMs({ elapsedMs: e, readings, providerEstimateMs: null, polls }, dist, P, L, plan);
      e += d;
      polls++;
      if (e >= T) return { requests: polls, delay: e - T };
      const p = progress(T, e, job);
      if (p !== null && p !== readings[readings.length - 1]?.progress) readings.push({ atMs: e, progress: p });
    }
  });
  const fixed = jobs.map((T) => ({ requests: Math.ceil(T / 2000), delay: Math.ceil(T / 2000) * 2000 - T }));
  const mean = (xs: { requests: number }[]) => xs.reduce((a, b) => a + b.requests, 0) / xs.length;
  return {
    ours,
    requestsRatio: mean(ours) / mean(fixed),
    p50: pct(ours.map((x) => x.delay), 50),
    p95: pct(ours.map((x) => x.delay), 95),
    fixedP50: pct(fixed.map((x) => x.delay), 50),
    fixedP95: pct(fixed.map((x) => x.delay), 95),
  };
}

describe('polling that learns', () => {
  it('notices short jobs within the fixed loop delay once it has learned they are short', () => {
    const learned = DurationDistribution.learned(short(60, 1), 15_000);
    const plan = planPollTimes(learned, 0);
    // Today's first poll waited 8 s; now it comes before most of these jobs could have finished, then every ≤ 1.8 s.
    expect(plan[0]).toBeLessThan(4000);
    const jobs = short(2000, 2);
    const r = simulate(jobs, learned);
    // Every job between the learned 5th and 95th percentiles is noticed within 1.8 s, as the 2 s loop would.
    const lo = learned.quantile(0.05);
    const hi = learned.quantile(0.95);
    for (const [i, T] of jobs.entries()) if (T >= lo && T <= hi) expect(r.ours[i]!.delay).toBeLessThanOrEqual(L.hotGapMs);
    expect(r.p50).toBeLessThanOrEqual(r.fixedP50);
    expect(r.p95).toBeLessThanOrEqual(r.fixedP95);
    expect(r.requestsRatio).toBeLessThan(0.8);
  });

  it('plans no-progress jobs from the learned distribution: sparse before it, ≤ 1.8 s apart within it', () => {
    const samples = typical15(60, 3);
    const learned = DurationDistribution.learned(samples, 15_000);
    const plan = planPollTimes(learned, 0);
    expect(plan[0]).toBeGreaterThan(5000); // few of these jobs finish in the first 5 s: no polls there
    const q10 = learned.quantile(0.1);
    const q90 = learned.quantile(0.9);
    for (let i = 1; i < plan.length; i++) {
      if (plan[i - 1]! >= q10 && plan[i]! <= q90) expect(plan[i]! - plan[i - 1]!).toBeLessThanOrEqual(L.hotGapMs);
      expect(plan[i]! - plan[i - 1]!).toBeLessThanOrEqual(P.maxGapMs);
    }
    const r = simulate(typical15(2000, 4), learned);
    expect(r.p50).toBeLessThanOrEqual(r.fixedP50);
    expect(r.p95).toBeLessThanOrEqual(r.fixedP95);
    expect(r.requestsRatio).toBeLessThan(0.8);
  });

  it('uses the typical duration as the prior with no samples, and learns from the first ones', () => {
    const prior = DurationDistribution.learned([], 15_000);
    expect(prior.quantile(0.5)).toBeGreaterThan(14_000);
    expect(prior.quantile(0.5)).toBeLessThan(16_000);
    const plan = planPollTimes(prior, 0);
    // Around the typical duration polls are ≤ 1.8 s apart; the first one is not later than today's 8 s cap.
    expect(plan[0]).toBeLessThanOrEqual(P.maxGapMs);
    for (let i = 1; i < plan.length && plan[i]! < 20_000; i++) expect(plan[i]! - plan[i - 1]!).toBeLessThanOrEqual(L.hotGapMs);
    // Five 4-second jobs are enough to poll a 4-second job in time.
    const learned = DurationDistribution.learned([3800, 4000, 4100, 4300, 3900], 15_000);
    expect(learned.quantile(0.5)).toBeLessThan(6000);
    const after = planPollTimes(learned, 0);
    const noticed = after.find((t) => t >= 4000)!;
    expect(noticed - 4000).toBeLessThanOrEqual(L.hotGapMs);
    expect(noticed).toBeLessThan(plan.find((t) => t >= 4000)!);
  });

  it('trusts monotone progress with a steady rate and aims at its finish; noisy progress is weak evidence', () => {
    const steady: ProgressReading[] = [
      { atMs: 6000, progress: 40 },
      { atMs: 9000, progress: 60 },
    ];
    expect(progressTrust(steady)).toBe('trusted');
    expect(progressTrust([{ atMs: 6000, progress: 40 }, { atMs: 9000, progress: 35 }])).toBe('noisy'); // went back
    expect(progressTrust([{ atMs: 6000, progress: 20 }, { atMs: 9000, progress: 70 }])).toBe('noisy'); // jumped
    expect(progressTrust([])).toBe('none');
    const learned = DurationDistribution.learned(typical15(60, 5), 15_000);
    // Trusted: 60 % at 9 s → done at ~15 s; polled at 9 s, the next poll is just after 15 s.
    const aim = learnedPollDelayMs({ elapsedMs: 9000, readings: steady, providerEstimateMs: null, polls: 2 }, learned);
    expect(9000 + aim).toBeGreaterThan(14_500);
    expect(9000 + aim).toBeLessThan(15_500);
    // Noisy readings implying a 40 s job do not make it wait for 40 s: it is still polled often near 15 s.
    const noisy: ProgressReading[] = [
      { atMs: 7000, progress: 30 },
      { atMs: 9000, progress: 12 },
      { atMs: 11_000, progress: 28 },
    ];
    expect(progressTrust(noisy)).toBe('noisy');
    const wait = learnedPollDelayMs({ elapsedMs: 11_000, readings: noisy, providerEstimateMs: null, polls: 3 }, learned);
    expect(wait).toBeLessThan(3000);
    // Over many jobs with progress off by up to ±25 points, jumping and going back, delays stay within the fixed loop's.
    const noise = (job: number, bucket: number) => rng(job * 7919 + bucket)();
    const noisyProgress: Progress = (T, t, job) => {
      const lin = (t / T) * 100;
      return Math.min(99, Math.max(1, Math.floor(lin + 50 * (noise(job, Math.floor((t / T) * 6)) - 0.5))));
    };
    const r = simulate(typical15(500, 6), learned, noisyProgress);
    expect(r.p50).toBeLessThanOrEqual(r.fixedP50);
    expect(r.p95).toBeLessThanOrEqual(r.fixedP95);
    expect(r.requestsRatio).toBeLessThan(0.85);
    // Linear progress: few polls, noticed sooner than the fixed loop.
    const linear = simulate(typical15(500, 6), learned, (T, t) => Math.min(99, Math.floor((t / T) * 100)));
    expect(linear.requestsRatio).toBeLessThan(0.5);
    expect(linear.p50).toBeLessThan(linear.fixedP50);
    expect(linear.p95).toBeLessThanOrEqual(linear.fixedP95);
  });

  it('moves the distribution toward a provider estimate, more for a tighter one', () => {
    const learned = DurationDistribution.learned(typical15(60, 7), 15_000);
    const m = learned.quantile(0.5);
    const tight = learned.withEvidence(30_000, 0.1).quantile(0.5);
    const loose = learned.withEvidence(30_000, 1).quantile(0.5);
    expect(tight).toBeGreaterThan(loose);
    expect(loose).toBeGreaterThan(m);
    expect(tight).toBeGreaterThan(25_000);
  });

  it('always waits a finite time between minGap and maxGap (property)', () => {
    const learned = DurationDistribution.learned(short(30, 8), 15_000);
    const plan = planPollTimes(learned, 0);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3_600_000 }),
        fc.array(fc.record({ atMs: fc.integer({ min: 1, max: 3_600_000 }), progress: fc.integer({ min: 0, max: 100 }) }), { maxLength: 5 }),
        fc.option(fc.integer({ min: 1, max: 3_600_000 })),
        fc.integer({ min: 0, max: 100 }),
        (elapsedMs, readings, providerEstimateMs, polls) => {
          const d = learnedPollDelayMs({ elapsedMs, readings, providerEstimateMs, polls }, learned, P, L, plan);
          expect(Number.isFinite(d)).toBe(true);
          expect(d).toBeGreaterThanOrEqual(P.minGapMs);
          expect(d).toBeLessThanOrEqual(P.maxGapMs);
        },
      ),
      { numRuns: 200 },
    );
  });
});
