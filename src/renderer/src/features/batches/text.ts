import type { TFunction } from 'i18next';
import type { BatchIssue, RowIssue } from '@shared/batch-template';
import type { AppErrorShape } from '@shared/errors';
import { describeError } from '../../i18n/format';
import { formatCredits, formatUsd } from '../compare/cost';

/** Why a whole batch is refused, in the user's language ("The template: “{colour}” is not a column of the table"). */
export function batchIssueText(t: TFunction, issue: BatchIssue | Record<string, unknown>): string {
  const { field, reason, ...rest } = issue as { field?: unknown; reason?: unknown } & Record<string, unknown>;
  return t(`batch.issue.${String(field)}_${String(reason)}`, { ...rest, defaultValue: t('batch.issue.other') });
}

/** Why one row is refused ("the prompt is 2,013 characters; this model takes 2,000"). */
export function rowIssueText(t: TFunction, issue: RowIssue | Record<string, unknown>): string {
  const { reason, ...rest } = issue as { reason?: unknown } & Record<string, unknown>;
  return t(`batch.issue.row_${String(reason)}`, { ...rest, defaultValue: t('batch.issue.other') });
}

/** Which row: "Row 3" (a table's data row) or "Prompt 4" (no table). */
export function rowLabel(t: TFunction, tableRow: number, position: number): string {
  return tableRow > 0 ? t('batch.row', { n: tableRow }) : t('batch.prompt', { n: position });
}

/** A refused batch submit: the row or part and the reason where the batch rules refused it, else the usual words. */
export function submitErrorText(t: TFunction, e: AppErrorShape): string {
  const p = (e.params ?? {}) as Record<string, unknown>;
  if (e.code === 'validation' && p['field'] === 'row') {
    return `${rowLabel(t, Number(p['row'] ?? 0), Number(p['position'] ?? 0))}: ${rowIssueText(t, p)}`;
  }
  if (e.code === 'validation' && (p['field'] === 'template' || p['field'] === 'table' || p['field'] === 'model')) return batchIssueText(t, p);
  const text = describeError(t, e);
  return typeof p['position'] === 'number' ? `${rowLabel(t, Number(p['row'] ?? 0), p['position'])}: ${text}` : text;
}

/** "≈ 40 credits", "≈ $0.24", both joined with "+", or the sandbox's "Free". Zero parts are left out. */
export function estimateText(
  t: TFunction,
  lang: string,
  provider: string,
  est: { credits: number; usd: number; creditRows: number; usdRows: number; unknownRows: number },
): string {
  if (provider === 'sandbox') return t('composer.costFree');
  const parts = [est.creditRows > 0 ? formatCredits(t, est.credits, true) : null, est.usdRows > 0 ? formatUsd(est.usd, lang, true) : null].filter(
    (x): x is string => x !== null,
  );
  const known = parts.length > 0 ? parts.join(' + ') : t('composer.costUnknown');
  return est.unknownRows > 0 && parts.length > 0 ? `${known} ${t('batch.plusUnknown', { count: est.unknownRows })}` : known;
}
