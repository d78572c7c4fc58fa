import type { TFunction } from 'i18next';
import type { SpendRow } from '@shared/domain';
import { formatUsd, modelLabel, providerShortLabel } from '../../i18n/format';

export const SPEND_GROUPS = ['project', 'provider', 'model', 'day'] as const;
export type SpendGroup = (typeof SPEND_GROUPS)[number];

/** What a row is about, in the user's language: a project's name, a provider, a model, or a day (UTC). */
export function rowLabel(t: TFunction, group: SpendGroup, row: SpendRow, locale: string): string {
  switch (group) {
    case 'provider':
      return providerShortLabel(t, row.key);
    case 'model':
      return modelLabel(t, row.key);
    case 'day': {
      const at = Date.parse(`${row.key}T00:00:00Z`);
      return Number.isNaN(at) ? row.key : new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(at);
    }
    default:
      return row.label;
  }
}

/** Integers (jobs, images) and credits (which may carry a fraction), localised. */
export const formatCount = (n: number, locale: string): string =>
  new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(n);

export { formatUsd };

/** Sums rows into one total row. */
export function totalOf(rows: readonly SpendRow[]): SpendRow {
  const sum = (pick: (r: SpendRow) => number): number => rows.reduce((acc, r) => acc + pick(r), 0);
  return {
    key: 'total',
    label: 'total',
    jobs: sum((r) => r.jobs),
    images: sum((r) => r.images),
    credits: sum((r) => r.credits),
    usd: sum((r) => r.usd),
    unpricedJobs: sum((r) => r.unpricedJobs),
    creditsEstimated: sum((r) => r.creditsEstimated),
    usdEstimated: sum((r) => r.usdEstimated),
    usdDerived: sum((r) => r.usdDerived),
  };
}

/** `YYYY-MM-DD` (a date input's value) as epoch ms at the start (or end) of that day, UTC; null when empty. */
export function dayBound(value: string, end: boolean): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const at = Date.parse(`${value}T${end ? '23:59:59.999' : '00:00:00.000'}Z`);
  return Number.isNaN(at) ? null : at;
}
