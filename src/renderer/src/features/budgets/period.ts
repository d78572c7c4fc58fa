/**
 * When the composer's budget line reads its budget again because the month it counts rolled over (a monthly budget
 * counts calendar months in UTC: @shared/budget-period, the rule of the budgets service). Pure.
 */
import { nextMonthStartUtc } from '@shared/budget-period';

/** How long after the month's end the line reads again (ms): a server clock a little behind the page's still rolled. */
export const PERIOD_SLACK_MS = 1000;
/** Where the page's clock is past the month's end but the server still counted the old month, it asks again this often (ms). */
export const PERIOD_RETRY_MS = 30_000;
/** The longest single wait (ms): setTimeout cannot wait a whole month (its limit is 2^31 − 1 ms, about 24.8 days). */
export const PERIOD_STEP_MS = 24 * 3_600_000;

/** The month's end for a status whose period started at `periodStart` (epoch ms): the next 1st at 00:00 UTC, epoch ms. */
export function periodEnd(periodStart: number): number {
  return nextMonthStartUtc(periodStart);
}

/**
 * How long to wait (ms) from `now` (epoch ms, the page's clock) before looking again at a period that ends at `end`:
 * until just past the end, in steps of at most {@link PERIOD_STEP_MS}; {@link PERIOD_RETRY_MS} once it is past (the
 * read that followed still had the old month).
 */
export function periodWaitMs(end: number, now: number): number {
  if (now >= end) return PERIOD_RETRY_MS;
  return Math.min(end - now + PERIOD_SLACK_MS, PERIOD_STEP_MS);
}
