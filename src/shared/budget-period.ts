/**
 * The periods a monthly budget counts over (issue 13): calendar months in UTC, the same for every time zone, so the
 * budgets service (src/main/services/budgets/service.ts) and the composer's budget line agree on when a month
 * ends. Pure.
 */

/** Start of the calendar month (UTC) that `t` (epoch ms) is in, epoch ms. */
export function monthStartUtc(t: number): number {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** Start of the calendar month (UTC) after the one `t` (epoch ms) is in, epoch ms: when a monthly budget's period rolls over. */
export function nextMonthStartUtc(t: number): number {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}
