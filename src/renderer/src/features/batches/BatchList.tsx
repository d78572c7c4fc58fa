import { Ban, FolderOpen, Pause, Play, RotateCcw } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BatchSummary } from '@shared/contracts/batches';
import type { AppErrorShape } from '@shared/errors';
import { describeError, errorShape, formatUsd, modelLabel, providerShortLabel } from '../../i18n/format';
import { ProgressBar } from '../../ui/ProgressBar';
import { OverBudgetDialog } from '../budgets/OverBudgetDialog';
import { formatCredits } from '../compare/cost';
import { useBatches } from './store';

/** The queue's batches: each one entry with its progress (n of N), pause, cancel, retry of the failed rows, open. */
export function BatchList() {
  const { t } = useTranslation();
  const list = useBatches((s) => s.list);
  useEffect(() => {
    void useBatches.getState().load();
  }, []);
  if (list.length === 0) return null;
  return (
    <section className="batch-list" aria-label={t('batch.queue')}>
      <h3 className="batch-list-title">{t('batch.queue')}</h3>
      <ul>
        {list.map((b) => (
          <BatchItem key={b.id} batch={b} />
        ))}
      </ul>
    </section>
  );
}

/** A batch's name: its template, shortened. */
export const batchName = (template: string): string => (template.length > 60 ? `${template.slice(0, 59)}…` : template);

function BatchItem({ batch: b }: { batch: BatchSummary }) {
  const { t, i18n } = useTranslation();
  const act = useBatches((s) => s.act);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [confirming, setConfirming] = useState<AppErrorShape | null>(null);
  // A retry refused by the project's budget: asked in the composer's dialog; `confirmPaid` as it was sent.
  const [overBudget, setOverBudget] = useState<{ error: AppErrorShape; confirmPaid: boolean } | null>(null);
  const name = batchName(b.template);
  const run = async (action: 'pause' | 'resume' | 'cancel' | 'retryFailed', opts: { confirmPaid?: boolean; overrideBudget?: boolean } = {}): Promise<void> => {
    setError(null);
    setOverBudget(null);
    try {
      await act(b.id, action, opts);
      setConfirming(null);
    } catch (err) {
      const e = errorShape(err);
      setConfirming(null);
      if (e.code === 'paid_retry_unconfirmed') setConfirming(e);
      else if (e.code === 'budget_exceeded') setOverBudget({ error: e, confirmPaid: opts.confirmPaid === true });
      else setError(e);
    }
  };
  const cost =
    b.provider === 'sandbox'
      ? ''
      : [
          b.credits !== null ? t('jobs.credits', { count: b.credits }) : b.creditsEstimate !== null ? formatCredits(t, b.creditsEstimate, true) : null,
          b.costUsd !== null ? formatUsd(b.costUsd, i18n.language) : b.usdEstimate !== null ? `≈ ${formatUsd(b.usdEstimate, i18n.language)}` : null,
        ]
          .filter(Boolean)
          .join(' + ');
  const p = (confirming?.params ?? {}) as Record<string, unknown>;
  return (
    <li className="batch-item" aria-label={t('batch.itemLabel', { name })}>
      <div className="batch-item-head">
        <strong className="batch-item-name" title={b.template}>
          {name}
        </strong>
        <span className="muted">
          {modelLabel(t, b.model)} · {providerShortLabel(t, b.provider)}
          {cost ? ` · ${cost}` : ''}
        </span>
      </div>
      <ProgressBar value={b.total ? (100 * b.completed) / b.total : 0} label={t('batch.progressLabel', { name })} />
      <p className="batch-item-status">
        <span>{t('batch.progress', { n: b.completed, total: b.total })}</span>
        {b.failed > 0 ? <span className="error-text"> · {t('batch.failedCount', { count: b.failed })}</span> : null}
        {b.paused && b.active > 0 ? <span className="muted"> · {t('batch.paused')}</span> : null}
      </p>
      <div className="batch-item-actions">
        {b.active > 0 ? (
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => void run(b.paused ? 'resume' : 'pause')}>
            {b.paused ? <Play size={14} aria-hidden="true" /> : <Pause size={14} aria-hidden="true" />}
            <span>{b.paused ? t('batch.resume') : t('batch.pause')}</span>
          </button>
        ) : null}
        {b.active > 0 ? (
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => void run('cancel')}>
            <Ban size={14} aria-hidden="true" />
            <span>{t('batch.cancel')}</span>
          </button>
        ) : null}
        {b.failed > 0 ? (
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => void run('retryFailed')}>
            <RotateCcw size={14} aria-hidden="true" />
            <span>{t('batch.retryFailed', { count: b.failed })}</span>
          </button>
        ) : null}
        <button type="button" className="btn btn-ghost btn-sm" onClick={() => void useBatches.getState().open(b.id)}>
          <FolderOpen size={14} aria-hidden="true" />
          <span>{t('batch.openView')}</span>
        </button>
      </div>
      {confirming ? (
        <div className="batch-confirm" role="alert">
          <p>
            {t('batch.confirmPaid', { count: Number(p['rows'] ?? 0) })}{' '}
            {typeof p['credits'] === 'number' ? formatCredits(t, p['credits'], true) : ''}
            {typeof p['usd'] === 'number' ? ` ≈ ${formatUsd(p['usd'], i18n.language)}` : ''}
          </p>
          <button type="button" className="btn btn-danger btn-sm" onClick={() => void run('retryFailed', { confirmPaid: true })}>
            {t('batch.confirmPaidButton')}
          </button>
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => setConfirming(null)}>
            {t('batch.keep')}
          </button>
        </div>
      ) : null}
      <OverBudgetDialog
        error={overBudget?.error ?? null}
        onCancel={() => setOverBudget(null)}
        onConfirm={() => void run('retryFailed', { confirmPaid: overBudget?.confirmPaid === true, overrideBudget: true })}
      />
      {error ? (
        <p role="alert" className="error-text">
          {describeError(t, error)}
        </p>
      ) : null}
    </li>
  );
}
