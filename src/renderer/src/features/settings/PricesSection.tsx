import { useEffect, useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { PriceRowView } from '@shared/contracts/pricing';
import type { AppErrorShape } from '@shared/errors';
import { describeError, errorShape, modelLabel, providerShortLabel } from '../../i18n/format';
import { usePrices } from '../../store/prices';
import { ErrorText } from '../../ui/ErrorText';
import './prices.css';

/** A price's name for people: "credits per image (high)", "USD per 1M tokens (image output)". */
export function priceItemLabel(t: TFunction, item: string): string {
  const [what = item, which = ''] = item.split('.');
  return t(`prices.what.${what}`, { which: t(`prices.which.${which}`, { defaultValue: which }), defaultValue: item });
}

/** The full name of a row, as its field and Reset button are called: "Apiframe GPT Image 2 credits per image (high)". */
export function priceRowName(t: TFunction, r: Pick<PriceRowView, 'provider' | 'model' | 'item'>): string {
  return `${providerShortLabel(t, r.provider)} ${modelLabel(t, r.model)} ${priceItemLabel(t, r.item)}`;
}

/** `2026-11` as "November 2026", `2026-11-14` as the locale's medium date. */
export function formatPriceDate(date: string, locale: string): string {
  const [y, m, d] = date.split('-').map(Number);
  if (!y || !m) return date;
  const at = new Date(Date.UTC(y, m - 1, d ?? 1));
  return d
    ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(at)
    : new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(at);
}

/** The number a field holds, or null unless it is finite and ≥ 0. */
const valueOf = (text: string): number | null => {
  const v = text.trim() === '' ? NaN : Number(text);
  return Number.isFinite(v) && v >= 0 ? v : null;
};

const formatValue = (v: number, locale: string): string => new Intl.NumberFormat(locale, { maximumFractionDigits: 6 }).format(v);

/** `text` with each `https://` URL in it as a link (opened outside the app: the OS browser, or a new tab). */
function withLinks(text: string): ReactNode[] {
  return text.split(/(https:\/\/[^\s()]+)/).map((part, i) =>
    i % 2 === 1 ? (
      <a key={i} href={part} target="_blank" rel="noopener noreferrer">
        {part}
      </a>
    ) : (
      part
    ),
  );
}

/**
 * A price's source in the UI's language: its public page, and the table's English note about the figures
 * ("(figures from third-party compilations; check them there)", src/shared/pricing.ts) said in words of this
 * locale (`prices.sourceThirdParty` / `prices.sourceApprox`); any other note is left out rather than shown in English.
 */
function sourceText(t: TFunction, source: string): string {
  const m = /^(\S+)(?:\s+\((.*)\))?$/.exec(source.trim());
  if (!m) return source;
  const note = m[2] ?? '';
  const said = /approximate/i.test(note) ? t('prices.sourceApprox') : /third-party/i.test(note) ? t('prices.sourceThirdParty') : '';
  return said ? `${m[1]} (${said})` : m[1]!;
}

/**
 * Settings → Prices: the one price table (src/shared/pricing.ts) grouped by provider and model, each value editable
 * (in credits or USD, as its unit says) with the published figure beside it and Reset to restore it; the date the
 * figures were taken and their sources. A valid edit is saved at once and estimates follow.
 */
export function PricesSection() {
  const { t, i18n } = useTranslation();
  const id = useId();
  const view = usePrices((s) => s.view);
  const loadError = usePrices((s) => s.error);
  const load = usePrices((s) => s.load);

  useEffect(() => {
    void load();
  }, [load]);

  if (!view) {
    return (
      <section className="settings-provider prices" aria-labelledby={`${id}-title`}>
        <h3 id={`${id}-title`} className="settings-subtitle">
          {t('prices.title')}
        </h3>
        {loadError ? <ErrorText error={loadError} /> : <p className="muted">{t('prices.loading')}</p>}
      </section>
    );
  }

  const groups: { key: string; provider: string; model: string; rows: PriceRowView[] }[] = [];
  for (const r of view.rows) {
    const key = `${r.provider}/${r.model}`;
    let g = groups.find((x) => x.key === key);
    if (!g) groups.push((g = { key, provider: r.provider, model: r.model, rows: [] }));
    g.rows.push(r);
  }
  const lang = i18n.language;

  return (
    <section className="settings-provider prices" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`} className="settings-subtitle">
        {t('prices.title')}
      </h3>
      <p className="muted small">{t('prices.intro')}</p>
      <p className="small prices-taken">{t('prices.takenAt', { date: formatPriceDate(view.takenAt, lang) })}</p>
      <ErrorText error={loadError} />
      {groups.map((g) => {
        const sources = [...new Set(g.rows.map((r) => r.source))];
        const heading = t('prices.group', { provider: providerShortLabel(t, g.provider), model: modelLabel(t, g.model) });
        return (
          <div key={g.key} className="prices-group">
            <table className="prices-table">
              <caption>{heading}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('prices.item')}</th>
                  <th scope="col">{t('prices.value')}</th>
                  <th scope="col">{t('prices.published')}</th>
                  <th scope="col">
                    <span className="sr-only">{t('prices.reset')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {g.rows.map((r) => (
                  <PriceRowEditor key={r.item} row={r} />
                ))}
              </tbody>
            </table>
            {sources.map((s) => (
              <p key={s} className="muted small prices-source">
                {withLinks(t('prices.source', { source: sourceText(t, s) }))}
              </p>
            ))}
          </div>
        );
      })}
      <p className="muted small">{t('prices.note')}</p>
    </section>
  );
}

/** One price: its field (saved as soon as it holds a number ≥ 0), the published figure and Reset. */
function PriceRowEditor({ row }: { row: PriceRowView }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const setPrice = usePrices((s) => s.set);
  const [text, setText] = useState(String(row.value));
  const [shown, setShown] = useState(row.value);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [invalid, setInvalid] = useState(false);
  const lang = i18n.language;
  const name = priceRowName(t, row);

  // A value saved elsewhere (Reset, another window) replaces the text, unless the text already means it ("0." → 0).
  if (shown !== row.value) {
    setShown(row.value);
    if (Number(text) !== row.value || text.trim() === '') setText(String(row.value));
  }

  const save = (value: number | null): void => {
    setError(null);
    setPrice(row.provider, row.model, row.item, value).catch((err: unknown) => setError(errorShape(err)));
  };

  const onChange = (next: string): void => {
    setText(next);
    const v = valueOf(next);
    // A half-typed number ("", "-") is not sent; it is flagged when the field is left.
    if (v !== null) setInvalid(false);
    if (v !== null && v !== row.value) save(v);
  };

  const message = invalid ? t('prices.invalid') : error ? describeError(t, error) : null;
  return (
    <tr className={row.overridden ? 'prices-overridden' : undefined}>
      <th scope="row" className="prices-item">
        {priceItemLabel(t, row.item)}
      </th>
      <td>
        <span className="prices-value">
          <input
            className="input prices-input"
            type="number"
            inputMode="decimal"
            min={0}
            step="any"
            aria-label={name}
            aria-invalid={message ? true : undefined}
            aria-describedby={message ? `${id}-err` : undefined}
            value={text}
            onChange={(e) => onChange(e.target.value)}
            onBlur={() => setInvalid(valueOf(text) === null)}
          />
          <span className="muted small">{t(`prices.units.${row.unit}`)}</span>
        </span>
        {message ? (
          <span id={`${id}-err`} className="prices-error small" role="alert">
            {message}
          </span>
        ) : null}
      </td>
      <td className="prices-published">
        {formatValue(row.published, lang)}
        {row.overridden && row.overriddenAt ? (
          <span className="muted small prices-when">{t('prices.overridden', { date: formatPriceDate(row.overriddenAt, lang) })}</span>
        ) : null}
      </td>
      <td>
        <button
          type="button"
          className="btn btn-plain btn-sm"
          disabled={!row.overridden}
          aria-label={t('prices.resetRow', { name })}
          onClick={() => {
            setInvalid(false);
            save(null);
          }}
        >
          {t('prices.reset')}
        </button>
      </td>
    </tr>
  );
}
