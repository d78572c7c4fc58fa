import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_POLL_POLICY as P, expectedTotalMs, nextPollDelayMs, type PollObservation } from '../../src/main/services/jobs/polling';

const obs = (o: Partial<PollObservation>): PollObservation => ({
  elapsedMs: 0,
  progress: null,
  progressAtMs: null,
  providerEstimateMs: null,
  typicalMs: 15_000,
  polls: 0,
  ...o,
});

describe('adaptive polling policy', () => {
  it('first poll at 60 % of the typical duration (capped at maxGap)', () => {
    expect(nextPollDelayMs(obs({ typicalMs: 10_000 }))).toBe(6000);
    expect(nextPollDelayMs(obs({ typicalMs: 15_000 }))).toBe(Math.min(9000, P.maxGapMs));
    // After a restart the elapsed time counts: a job submitted 5 s ago is polled 1 s from now.
    expect(nextPollDelayMs(obs({ typicalMs: 10_000, elapsedMs: 5000 }))).toBe(1000);
  });

  it('prefers the provider estimate over the typical duration', () => {
    expect(expectedTotalMs(obs({ providerEstimateMs: 40_000 }))).toBe(40_000);
    expect(nextPollDelayMs(obs({ providerEstimateMs: 40_000 }))).toBe(P.maxGapMs);
  });

  it('extrapolates the finish from the progress rate and aims just after it', () => {
    // 50 % after 10 s → done at 20 s; polled at 12 s → wait 8 s (+ aim), capped at maxGap.
    const o = obs({ elapsedMs: 12_000, progress: 50, progressAtMs: 10_000, polls: 1 });
    expect(expectedTotalMs(o)).toBe(20_000);
    expect(nextPollDelayMs(o)).toBe(Math.min(P.maxGapMs, 8000 + P.aimAfterMs));
    const near = obs({ elapsedMs: 19_000, progress: 90, progressAtMs: 18_000, polls: 2 });
    expect(nextPollDelayMs(near)).toBe(1000 + P.aimAfterMs);
  });

  it('once overdue, polls soon and backs off geometrically', () => {
    const at = (overdue: number) => nextPollDelayMs(obs({ elapsedMs: 15_000 + overdue, polls: 3 }));
    expect(at(1)).toBe(P.overdueStartMs);
    expect(at(60_000)).toBeGreaterThan(at(5_000));
    expect(at(600_000)).toBe(P.maxGapMs);
  });

  it('always waits between minGap and maxGap (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          elapsedMs: fc.integer({ min: 0, max: 3_600_000 }),
          progress: fc.option(fc.integer({ min: 0, max: 100 })),
          progressAtMs: fc.option(fc.integer({ min: 0, max: 3_600_000 })),
          providerEstimateMs: fc.option(fc.integer({ min: 1, max: 3_600_000 })),
          typicalMs: fc.integer({ min: 1, max: 600_000 }),
          polls: fc.integer({ min: 0, max: 1000 }),
        }),
        (o) => {
          const d = nextPollDelayMs(o);
          expect(Number.isFinite(d)).toBe(true);
          expect(d).toBeGreaterThanOrEqual(P.minGapMs);
          expect(d).toBeLessThanOrEqual(P.maxGapMs);
        },
      ),
    );
  });
});
