import type { TFunction } from 'i18next';
import type { ModelId, ProviderId } from '@shared/capabilities';
import { AppError, type AppErrorShape } from '@shared/errors';
import { i18n } from './index';

type ErrorLike = AppErrorShape | AppError;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Bytes as "25 MB" / "812 kB", localised. */
export function formatBytes(bytes: number, locale: string): string {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i += 1;
  }
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: units[i],
    unitDisplay: 'short',
    maximumFractionDigits: value < 10 && i > 0 ? 1 : 0,
  }).format(value);
}

/** A duration in ms as "12.4 sec" or "2 min 5 sec", localised. */
export function formatDuration(ms: number, locale: string): string {
  const unit = (value: number, u: 'second' | 'minute' | 'hour', digits = 0): string =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: u, unitDisplay: 'short', maximumFractionDigits: digits }).format(
      value,
    );
  const totalSeconds = ms / 1000;
  if (totalSeconds < 60) return unit(totalSeconds, 'second', totalSeconds < 10 ? 1 : 0);
  const s = Math.round(totalSeconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const parts: string[] = [];
  if (h) parts.push(unit(h, 'hour'));
  if (m || h) parts.push(unit(m, 'minute'));
  if (sec && !h) parts.push(unit(sec, 'second'));
  return parts.join(' ');
}

/** An amount of a budget's unit: "12 credits", or dollars as {@link formatUsd} writes them. */
export function budgetAmount(t: TFunction, unit: 'credits' | 'USD', amount: number): string {
  return unit === 'USD' ? formatUsd(amount, i18n.language) : t('budget.creditsAmount', { count: amount });
}

/** US dollars, with cents (and a tenth of a cent below a dollar: image prices are small). */
export function formatUsd(usd: number, locale: string): string {
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: 'USD',
    minimumFractionDigits: 2,
    maximumFractionDigits: usd < 1 ? 3 : 2,
  }).format(usd);
}

export function formatDateTime(epochMs: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(epochMs));
}

export function formatTime(epochMs: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(new Date(epochMs));
}

/** A model's display name; a model the user named for an OpenAI-compatible server shows as named. */
export const modelLabel = (t: TFunction, model: ModelId | string): string =>
  model.startsWith('custom:')
    ? model.slice('custom:'.length)
    : t(`models.${model.replace(/\./g, '_')}`, { defaultValue: model });

export const providerLabel = (t: TFunction, provider: ProviderId | string): string =>
  t(`providers.${provider}`, { defaultValue: provider });

export const providerShortLabel = (t: TFunction, provider: ProviderId | string): string =>
  t(`providerShort.${provider}`, { defaultValue: provider });

export const paramLabel = (t: TFunction, name: string): string => t(`params.${name}`, { defaultValue: name });

export function paramValueLabel(t: TFunction, name: string, value: unknown): string {
  const raw = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  if (typeof value !== 'string') return raw;
  // Values such as "1:1" are plain keys: namespaces are off, and none of our values contains '.'.
  return t(`paramValues.${name}.${value}`, { defaultValue: raw });
}

/** The translated reason a file was refused (`badFile.<reason>`). */
export function badFileReason(t: TFunction, reason: unknown, params: Record<string, unknown> = {}): string {
  const maxBytes = num(params['maxBytes']);
  const max = maxBytes !== null ? formatBytes(maxBytes, i18n.language) : '';
  if (typeof reason === 'string') return t(`badFile.${reason}`, { max, defaultValue: t('badFile.unknown') });
  return t('badFile.unknown');
}

/**
 * One sentence for an error, in the user's language: the translated code with its params, then the provider's
 * own words where it gave any.
 */
export function describeError(t: TFunction, err: ErrorLike | unknown, fallbackName?: string): string {
  const e: ErrorLike = err instanceof AppError || isShape(err) ? err : new AppError('internal', String(err));
  const p: Record<string, unknown> = { ...(e.params ?? {}) };
  let key: string = `errors.${e.code}`;
  switch (e.code) {
    case 'bad_file':
      p['reason'] = badFileReason(t, p['reason'], p);
      p['name'] = typeof p['name'] === 'string' && p['name'] ? p['name'] : (fallbackName ?? t('errors.someFile'));
      break;
    case 'prompt_too_long':
      p['length'] = num(p['length']) ?? 0;
      p['max'] = num(p['max']) ?? 0;
      break;
    case 'provider_conflict':
      // A 409 on our own key whose original job could not be found (engine.ts): say what it may have cost.
      if (p['reason'] === 'original_not_found') key = 'errors.provider_conflict_not_found';
      break;
    case 'insufficient_credits':
      if (num(p['required']) === null || num(p['available']) === null) key = 'errors.insufficient_credits_unknown';
      break;
    case 'rate_limited': {
      const ms = num(p['retryAfterMs']) ?? (e instanceof AppError ? (e.retryAfterMs ?? null) : null);
      if (ms === null) key = 'errors.rate_limited_unknown';
      else p['seconds'] = Math.max(1, Math.ceil(ms / 1000));
      break;
    }
    case 'no_api_key':
      p['provider'] = providerShortLabel(t, typeof p['provider'] === 'string' ? p['provider'] : 'apiframe');
      break;
    case 'validation': {
      // Over a limit of src/shared/limits.ts: name the field and the limit.
      const max = num(p['max']);
      const limitKey = validationLimitKey(p['reason'], p['unit']);
      if (max !== null && limitKey) {
        key = limitKey;
        p['field'] = fieldLabel(t, p['field']);
        p['max'] = p['unit'] === 'bytes' && p['reason'] === 'too_large' ? formatBytes(max, i18n.language) : max;
        break;
      }
      if (p['field'] === 'baseUrl' && typeof p['reason'] === 'string' && BASE_URL_REFUSALS.has(p['reason'])) {
        key = `errors.baseUrl_${p['reason']}`;
        break;
      }
      // A schema's refusal (validation-issue.ts): its code, said with the field's name, never zod's English.
      if (typeof p['issue'] === 'string') {
        key = `errors.issue.${i18n.exists(`errors.issue.${p['issue']}`) ? p['issue'] : 'other'}`;
        p['field'] = issueFieldLabel(t, p['field']);
        break;
      }
      // A service's own refusal: its reason translated where we have words for it, else just the field.
      if (typeof p['reason'] === 'string' && i18n.exists(`errors.reasons.${p['reason']}`)) {
        key = 'errors.validation_field_reason';
        p['reason'] = t(`errors.reasons.${p['reason']}`);
        p['field'] = issueFieldLabel(t, p['field']);
      } else if (typeof p['field'] === 'string' && p['field']) {
        key = 'errors.validation_field';
        p['field'] = issueFieldLabel(t, p['field']);
      }
      break;
    }
    case 'conflict':
      if (typeof p['reason'] === 'string' && p['reason']) key = `errors.${e.code}_reason`;
      break;
    case 'budget_exceeded':
      // The numbers in the cap's unit: credits, or dollars.
      for (const k of ['estimate', 'left', 'cap'] as const) p[k] = budgetAmount(t, p['unit'] === 'USD' ? 'USD' : 'credits', num(p[k]) ?? 0);
      if (p['period'] === 'total') key = 'errors.budget_exceeded_total';
      break;
    default:
      break;
  }
  let text = t(key, { ...p, defaultValue: t('errors.internal') });
  if (e.providerMessage) text += ` ${t('errors.providerSaid', { message: e.providerMessage })}`;
  return text;
}

/** Base URLs a key must never be sent to (services/settings.ts checkBaseUrlTarget), each with its own message. */
const BASE_URL_REFUSALS: ReadonlySet<string> = new Set(['metadata', 'link_local', 'http_not_loopback']);

/** The message key of a `validation` error over a limit (`reason` too_long / too_many / too_large), else null. */
function validationLimitKey(reason: unknown, unit: unknown): string | null {
  if (reason === 'too_long') return unit === 'bytes' ? 'errors.validation_too_long_bytes' : 'errors.validation_too_long';
  if (reason === 'too_many') return 'errors.validation_too_many';
  if (reason === 'too_large') return 'errors.validation_too_large';
  return null;
}

/**
 * A contract field path (`patch.note`, `references.3.name`, `add`) as the user knows it: the translated name of its
 * last named segment (`errors.fields.<segment>`), else the path itself.
 */
export function fieldLabel(t: TFunction, field: unknown): string {
  const path = typeof field === 'string' ? field : '';
  const segment = path.split('.').filter((s) => s !== '' && !/^\d+$/.test(s)).pop();
  if (!segment) return t('errors.fields.field');
  return t(`errors.fields.${segment}`, { defaultValue: path });
}

/**
 * The name of the field a validation issue is about: as {@link fieldLabel}, or a model parameter's label
 * (`params.<name>`), or "The request" for the input as a whole.
 */
function issueFieldLabel(t: TFunction, field: unknown): string {
  const path = typeof field === 'string' ? field : '';
  const segment = path.split('.').filter((s) => s !== '' && !/^\d+$/.test(s)).pop();
  if (!segment) return t('errors.fields.body');
  if (i18n.exists(`errors.fields.${segment}`)) return t(`errors.fields.${segment}`);
  if (i18n.exists(`params.${segment}`)) return t(`params.${segment}`);
  return fieldLabel(t, field);
}

function isShape(x: unknown): x is AppErrorShape {
  return !!x && typeof x === 'object' && typeof (x as AppErrorShape).code === 'string' && 'retryable' in (x as object);
}

/** Plain serialisable shape of any thrown thing, for stores. */
export function errorShape(err: unknown): AppErrorShape {
  if (err instanceof AppError) return err.toShape();
  if (isShape(err)) return err;
  return { code: 'internal', message: err instanceof Error ? err.message : String(err), retryable: false };
}
