import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { AssetDetail, Recipe as RecipeData } from '@shared/domain';
import type { AssetDetailWithCredentials } from '@shared/provenance';
import {
  describeError,
  formatBytes,
  formatDateTime,
  formatDuration,
  formatUsd,
  modelLabel,
  paramLabel,
  paramValueLabel,
  providerLabel,
} from '../../i18n/format';
import type { DetailEntry } from '../../store/viewer';
import { MediaImg } from '../../ui/MediaImg';
import { ForeignRecipeRows } from './ForeignRecipe';
import { ContentCredentialsSection } from './ContentCredentials';
import './recipe-cost.css';

/** The inspector beside the viewer: everything that made this image. */
export function Recipe({ entry }: { entry: DetailEntry | undefined }) {
  const { t } = useTranslation();
  return (
    <section className="recipe" aria-label={t('viewer.recipe')}>
      <h2 className="recipe-title">{t('viewer.recipe')}</h2>
      {!entry || entry.status === 'loading' ? (
        <p className="muted" aria-busy="true">
          {t('viewer.loading')}
        </p>
      ) : entry.status === 'error' ? (
        <p className="error-text" role="alert">
          {describeError(t, entry.error)}
        </p>
      ) : (
        <RecipeBody detail={entry.detail} />
      )}
    </section>
  );
}

/**
 * What the job cost: the charge the provider reported (Apiframe credits; OpenAI usage priced in USD), or, where
 * none was reported (EvoLink), the estimate made before submit, marked as such.
 */
function RecipeCost({ recipe: r }: { recipe: RecipeData }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  if (r.provider === 'sandbox') return <>{t('composer.costFree')}</>;
  const charged: string[] = [];
  if (r.credits !== null) charged.push(t('jobs.credits', { count: r.credits }));
  if (r.costUsd !== null) charged.push(formatUsd(r.costUsd, locale));
  if (charged.length > 0) return <>{t('viewer.charged', { amount: charged.join(' + ') })}</>;
  if (r.costUsdDerived != null) {
    // EvoLink reports its charge in credits only: converted at the rate its price table implies, and said so.
    return (
      <span className="recipe-estimate">
        {t('viewer.derivedCharge', { amount: formatUsd(r.costUsdDerived, locale) })}
        <span className="muted small recipe-estimate-note">{t('viewer.derivedNote')}</span>
      </span>
    );
  }
  const estimate = estimateText(t, r, locale);
  if (estimate === null) {
    return <span className="muted">{r.provider === 'openai-compatible' ? t('viewer.notPriced') : t('viewer.unknown')}</span>;
  }
  return (
    <span className="recipe-estimate">
      {t('viewer.estimatedCost', { amount: estimate })}
      <span className="muted small recipe-estimate-note">{t('viewer.estimateNote')}</span>
    </span>
  );
}

function estimateText(t: TFunction, r: RecipeData, locale: string): string | null {
  const parts: string[] = [];
  // A zero part beside a non-zero one is left out ("23 credits", not "23 credits + $0.00").
  const both = r.creditsEstimate !== null && r.usdEstimate !== null && (r.creditsEstimate > 0 || r.usdEstimate > 0);
  if (r.creditsEstimate !== null && !(both && r.creditsEstimate === 0)) parts.push(t('jobs.credits', { count: r.creditsEstimate }));
  if (r.usdEstimate !== null && !(both && r.usdEstimate === 0)) parts.push(formatUsd(r.usdEstimate, locale));
  return parts.length > 0 ? parts.join(' + ') : null;
}

function RecipeBody({ detail }: { detail: AssetDetail }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const r = detail.recipe;
  const format = detail.blob.mime.replace('image/', '').toUpperCase();
  const unknown = <span className="muted">{t('viewer.unknown')}</span>;
  return (
    <>
      {detail.provider === 'sandbox' ? <p className="note">{t('viewer.sandboxNote')}</p> : null}
      <dl className="recipe-list">
        {r ? (
          <>
            <dt>{t('viewer.prompt')}</dt>
            <dd className="recipe-prompt">{r.prompt}</dd>
            <dt>{t('viewer.provider')}</dt>
            <dd>{providerLabel(t, r.provider)}</dd>
            <dt>{t('viewer.model')}</dt>
            <dd>{modelLabel(t, r.model)}</dd>
            <dt>{t('viewer.parameters')}</dt>
            <dd>
              <dl className="recipe-params">
                {Object.entries(r.params).map(([name, value]) => (
                  <div key={name} className="recipe-param">
                    <dt>{paramLabel(t, name)}</dt>
                    <dd>{paramValueLabel(t, name, value)}</dd>
                  </div>
                ))}
              </dl>
            </dd>
            <dt>{t('viewer.references')}</dt>
            <dd>
              {r.references.length === 0 ? (
                <span className="muted">{t('viewer.noReferences')}</span>
              ) : (
                <ul className="recipe-refs">
                  {r.references.map((ref, i) => (
                    <li key={`${ref.id}-${i}`}>
                      <MediaImg blobId={ref.id} variant="thumb" alt={ref.name} title={ref.name} />
                    </li>
                  ))}
                </ul>
              )}
            </dd>
            <dt>{t('viewer.remoteJobId')}</dt>
            <dd className="mono">{r.remoteJobId ?? unknown}</dd>
            <dt>{t('viewer.cost')}</dt>
            <dd>
              <RecipeCost recipe={r} />
            </dd>
            <dt>{t('viewer.duration')}</dt>
            <dd>{r.durationMs !== null ? formatDuration(r.durationMs, locale) : unknown}</dd>
          </>
        ) : detail.foreignRecipe ? (
          <ForeignRecipeRows recipe={detail.foreignRecipe} />
        ) : (
          <dd className="muted recipe-none">{t('viewer.noRecipe')}</dd>
        )}
        <dt>{t('viewer.created')}</dt>
        <dd>{formatDateTime(detail.createdAt, locale)}</dd>
        <dt>{t('viewer.image')}</dt>
        <dd>
          {detail.blob.width.toLocaleString(locale)} × {detail.blob.height.toLocaleString(locale)} · {format} ·{' '}
          {formatBytes(detail.blob.bytes, locale)}
        </dd>
      </dl>
      <ContentCredentialsSection credentials={(detail as AssetDetailWithCredentials).contentCredentials} />
    </>
  );
}
