import { Trophy } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import type { CompareItemView } from '@shared/contracts/compare';
import { describeError, formatDuration, modelLabel, paramLabel, paramValueLabel, providerShortLabel } from '../../i18n/format';
import { slotLetter } from './labels';
import { formatCredits, formatUsd } from './cost';

interface CaptionProps {
  item: CompareItemView;
  hidden: boolean;
  onPick(): void;
  busy: boolean;
}

/** Under an image: its letter, and (unless blind) provider, model, parameters, cost and time; the pick button. */
export function Caption({ item, hidden, onPick, busy }: CaptionProps) {
  const { t, i18n } = useTranslation();
  const letter = slotLetter(item.slot);
  const d = item.details;
  const lang = i18n.language;
  let status: string | null = null;
  if (item.error) status = describeError(t, item.error);
  else if (!item.blob && item.trashedAssetId) status = t('compare.inTrash');
  else if (!item.blob && item.state) status = t(`jobState.${item.state}`);
  const credits = d ? (d.credits ?? d.creditsEstimate) : null;
  const usd = d ? (d.costUsd ?? d.usdEstimate) : null;
  return (
    <div className="cmp-caption" data-slot={item.slot}>
      <div className="cmp-caption-head">
        <span className="cmp-letter" aria-hidden="true">
          {letter}
        </span>
        <span className="cmp-title">
          {hidden || !d ? (
            <span className="muted">{t('compare.hiddenLabel', { letter })}</span>
          ) : (
            <>
              <strong>{d.model ? modelLabel(t, d.model) : t('compare.noModel')}</strong>
              {d.provider ? <span className="muted"> · {providerShortLabel(t, d.provider)}</span> : null}
            </>
          )}
        </span>
        {item.rank === 1 ? (
          <span className="cmp-winner">
            <Trophy size={14} aria-hidden="true" /> {t('compare.winner')}
          </span>
        ) : null}
        <button
          type="button"
          className="btn btn-plain btn-small"
          disabled={!item.blob || busy}
          aria-keyshortcuts={String(item.slot + 1)}
          onClick={onPick}
        >
          {t('compare.pick', { letter })}
        </button>
      </div>
      {status ? (
        <p className={item.error ? 'error-text' : 'muted'} role={item.error ? 'alert' : undefined}>
          {status}
        </p>
      ) : null}
      {!hidden && d ? (
        <dl className="cmp-facts">
          {Object.entries(d.params).map(([k, v]) => (
            <div key={k}>
              <dt>{paramLabel(t, k)}</dt>
              <dd>{paramValueLabel(t, k, v)}</dd>
            </div>
          ))}
          <div>
            <dt>{t('compare.cost')}</dt>
            <dd>
              {[
                credits !== null ? formatCredits(t, credits, d.credits === null) : null,
                usd !== null ? formatUsd(usd, lang, d.costUsd === null) : null,
              ]
                .filter(Boolean)
                .join(' · ') || t('compare.costUnknown')}
            </dd>
          </div>
          <div>
            <dt>{t('compare.time')}</dt>
            <dd>{d.durationMs !== null ? formatDuration(d.durationMs, lang) : '—'}</dd>
          </div>
        </dl>
      ) : null}
    </div>
  );
}
