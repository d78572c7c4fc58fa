/**
 * The month's end a monthly budget's line waits for (src/shared/budget-period.ts, src/renderer/src/features/budgets/
 * period.ts): the next 1st at 00:00 UTC, as the budgets service counts months, whatever the time zone; across a
 * year's end and February of a leap year; the wait cut in steps setTimeout can hold, and a retry once it is past.
 */
import { describe, expect, it } from 'vitest';
import { monthStartUtc, nextMonthStartUtc } from '../../src/shared/budget-period';
import { monthStartUtc as serviceMonthStart } from '../../src/main/services/budgets/service';
import { PERIOD_RETRY_MS, PERIOD_SLACK_MS, PERIOD_STEP_MS, periodEnd, periodWaitMs } from '../../src/renderer/src/features/budgets/period';

describe('budget periods', () => {
  it('a month runs from the 1st 00:00 UTC to the next 1st, across a year end and a leap February', () => {
    const lastMinute = Date.UTC(2026, 11, 31, 23, 59, 59, 999);
    expect(monthStartUtc(lastMinute)).toBe(Date.UTC(2026, 11, 1));
    expect(nextMonthStartUtc(lastMinute)).toBe(Date.UTC(2027, 0, 1));
    expect(monthStartUtc(Date.UTC(2027, 0, 1))).toBe(Date.UTC(2027, 0, 1));
    expect(nextMonthStartUtc(Date.UTC(2028, 1, 29, 12))).toBe(Date.UTC(2028, 2, 1));
    expect(periodEnd(Date.UTC(2028, 1, 1))).toBe(Date.UTC(2028, 2, 1));
    // The service counts with the same rule.
    expect(serviceMonthStart(lastMinute)).toBe(monthStartUtc(lastMinute));
  });

  it('waits until just past the end, in steps of at most a day, and retries once past it', () => {
    const end = Date.UTC(2027, 0, 1);
    expect(periodWaitMs(end, end - 10_000)).toBe(10_000 + PERIOD_SLACK_MS);
    expect(periodWaitMs(end, end - 30 * 86_400_000)).toBe(PERIOD_STEP_MS);
    expect(PERIOD_STEP_MS).toBeLessThan(2 ** 31 - 1);
    expect(periodWaitMs(end, end)).toBe(PERIOD_RETRY_MS);
    expect(periodWaitMs(end, end + 60_000)).toBe(PERIOD_RETRY_MS);
  });
});
